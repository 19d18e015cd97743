-- redundant-index: must report nothing
-- expect: 0
CREATE TABLE t (id int PRIMARY KEY, a int, b int);
CREATE UNIQUE INDEX t_a ON t (a);
CREATE INDEX t_a_b ON t (a, b);
CREATE INDEX t_b_a ON t (b, a);
