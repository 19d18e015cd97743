-- expect: drop-column
SET lock_timeout = '5s'; SET statement_timeout = '60s';
ALTER TABLE orders DROP COLUMN IF EXISTS user_email;
