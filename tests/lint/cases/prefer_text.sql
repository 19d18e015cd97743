-- expect: prefer-text
SET lock_timeout = '5s'; SET statement_timeout = '60s';
CREATE TABLE IF NOT EXISTS notes (id bigint PRIMARY KEY, title varchar(120));
