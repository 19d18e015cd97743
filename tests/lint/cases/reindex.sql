-- expect: reindex-not-concurrent
SET lock_timeout = '5s'; SET statement_timeout = '60s';
REINDEX INDEX orders_user_id_idx;
