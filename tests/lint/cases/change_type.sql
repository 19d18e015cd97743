-- expect: column-type-change
SET lock_timeout = '5s'; SET statement_timeout = '60s';
ALTER TABLE orders ALTER COLUMN total TYPE numeric(14,2);
