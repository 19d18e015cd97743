-- expect: table-rewrite, lock-timeout, statement-timeout
VACUUM FULL orders;
