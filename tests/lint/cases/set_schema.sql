-- expect: not-rerunnable, set-schema
SET lock_timeout = '5s'; SET statement_timeout = '60s';
ALTER TABLE users SET SCHEMA archive;
