-- expect: index-not-concurrent
SET lock_timeout = '5s'; SET statement_timeout = '60s';
CREATE INDEX IF NOT EXISTS orders_user_id_idx ON orders (user_id);
