-- expect: drop-default
SET lock_timeout = '5s'; SET statement_timeout = '60s';
ALTER TABLE orders ALTER COLUMN created_at DROP DEFAULT;
