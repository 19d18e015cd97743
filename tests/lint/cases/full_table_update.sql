-- expect: full-table-write
SET lock_timeout = '5s'; SET statement_timeout = '60s';
UPDATE orders SET user_email = lower(user_email);
