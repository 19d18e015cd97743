-- invalid-index: must report nothing
-- expect: 0
CREATE TABLE t (id int PRIMARY KEY, a int);
INSERT INTO t VALUES (1, 1), (2, 2);
CREATE UNIQUE INDEX CONCURRENTLY t_a_uniq ON t (a);
