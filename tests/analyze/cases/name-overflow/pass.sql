-- name-overflow: must report nothing
-- expect: 0
CREATE TABLE t (id int PRIMARY KEY, a int);
CREATE INDEX t_a ON t (a);
