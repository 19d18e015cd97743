-- expect: drop-table
SET lock_timeout = '5s'; SET statement_timeout = '60s';
DROP TABLE IF EXISTS old_orders;
