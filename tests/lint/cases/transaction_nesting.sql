-- expect: transaction-nesting
SET lock_timeout = '5s'; SET statement_timeout = '60s';
BEGIN;
BEGIN;
ALTER TABLE users ADD COLUMN nickname text;
COMMIT;
