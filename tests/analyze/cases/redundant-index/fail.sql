-- redundant-index: must report 1 finding
-- expect: 1
CREATE TABLE t (id int PRIMARY KEY, a int, b int);
CREATE INDEX t_a ON t (a);
CREATE INDEX t_a_b ON t (a, b);
