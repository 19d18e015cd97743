-- expect: drop-constraint, not-rerunnable
SET lock_timeout = '5s'; SET statement_timeout = '60s';
ALTER TABLE users ADD CONSTRAINT users_name_nn CHECK (name IS NOT NULL) NOT VALID;
ALTER TABLE users VALIDATE CONSTRAINT users_name_nn;
ALTER TABLE users ALTER COLUMN name SET NOT NULL;
ALTER TABLE users DROP CONSTRAINT IF EXISTS users_name_nn;
