-- expect: lock-table
SET lock_timeout = '5s'; SET statement_timeout = '60s';
BEGIN;
LOCK TABLE orders IN ACCESS EXCLUSIVE MODE;
UPDATE orders SET total = 0 WHERE total < 0;
COMMIT;
