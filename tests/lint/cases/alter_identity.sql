-- expect: alter-identity
SET lock_timeout = '5s'; SET statement_timeout = '60s';
ALTER TABLE users ALTER COLUMN id DROP IDENTITY IF EXISTS;
