-- expect: ban-char
SET lock_timeout = '5s'; SET statement_timeout = '60s';
CREATE TABLE IF NOT EXISTS codes (id bigint PRIMARY KEY, code char(3));
