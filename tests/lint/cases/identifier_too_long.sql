-- expect: identifier-too-long
SET lock_timeout = '5s'; SET statement_timeout = '60s';
CREATE TABLE IF NOT EXISTS a_table_name_so_long_that_postgres_cuts_it_at_sixty_three_bytes_x (id bigint PRIMARY KEY);
