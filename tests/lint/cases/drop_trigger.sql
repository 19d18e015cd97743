-- expect: drop-object
SET lock_timeout = '5s'; SET statement_timeout = '60s';
DROP TRIGGER IF EXISTS users_audit ON users;
