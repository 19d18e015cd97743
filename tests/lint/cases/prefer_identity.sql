-- expect: prefer-identity
SET lock_timeout = '5s'; SET statement_timeout = '60s';
CREATE TABLE IF NOT EXISTS labels (id bigserial PRIMARY KEY, name text);
