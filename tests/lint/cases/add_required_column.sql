-- expect: required-column
SET lock_timeout = '5s'; SET statement_timeout = '60s';
ALTER TABLE users ADD COLUMN IF NOT EXISTS company_id bigint NOT NULL;
