-- expect: detach-not-concurrent, not-rerunnable
SET lock_timeout = '5s'; SET statement_timeout = '60s';
ALTER TABLE events DETACH PARTITION events_2023;
