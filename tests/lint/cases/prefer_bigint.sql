-- expect: prefer-bigint
SET lock_timeout = '5s'; SET statement_timeout = '60s';
CREATE TABLE IF NOT EXISTS counters (id bigint PRIMARY KEY, hits integer, small smallint);
