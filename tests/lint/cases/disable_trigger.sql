-- expect: disable-trigger
SET lock_timeout = '5s'; SET statement_timeout = '60s';
ALTER TABLE users DISABLE TRIGGER users_audit;
