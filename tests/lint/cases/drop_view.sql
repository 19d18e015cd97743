-- expect: drop-object
SET lock_timeout = '5s'; SET statement_timeout = '60s';
DROP VIEW IF EXISTS active_users;
