-- expect: constraint-not-valid, not-rerunnable
SET lock_timeout = '5s'; SET statement_timeout = '60s';
ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 0);
