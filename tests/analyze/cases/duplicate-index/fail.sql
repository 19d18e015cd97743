-- duplicate-index: must report 1 finding
-- expect: 1
CREATE TABLE t (id int PRIMARY KEY, a int);
CREATE INDEX t_a_1 ON t (a);
CREATE INDEX t_a_2 ON t (a);
