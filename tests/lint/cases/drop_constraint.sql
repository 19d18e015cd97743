-- expect: drop-constraint
SET lock_timeout = '5s'; SET statement_timeout = '60s';
ALTER TABLE orders DROP CONSTRAINT IF EXISTS orders_total_check;
