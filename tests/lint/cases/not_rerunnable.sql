-- expect: not-rerunnable
SET lock_timeout = '5s'; SET statement_timeout = '60s';
CREATE TABLE labels (id bigint PRIMARY KEY, name text);
