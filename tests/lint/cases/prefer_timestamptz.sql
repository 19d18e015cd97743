-- expect: prefer-timestamptz
SET lock_timeout = '5s'; SET statement_timeout = '60s';
CREATE TABLE IF NOT EXISTS visits (id bigint PRIMARY KEY, seen_at timestamp);
