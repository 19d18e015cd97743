-- expect: concurrently-in-transaction
SET lock_timeout = '5s'; SET statement_timeout = '60s';
BEGIN;
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_user_id_idx ON orders (user_id);
COMMIT;
