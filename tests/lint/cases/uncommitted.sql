-- expect: uncommitted-transaction
SET lock_timeout = '5s'; SET statement_timeout = '60s';
BEGIN;
ALTER TABLE users ADD COLUMN nickname text;
