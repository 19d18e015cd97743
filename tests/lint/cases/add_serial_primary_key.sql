-- expect: primary-key-without-index, prefer-bigint, prefer-identity
SET lock_timeout = '5s'; SET statement_timeout = '60s';
ALTER TABLE tags ADD COLUMN IF NOT EXISTS tag_id serial PRIMARY KEY;
