-- invalid-index: must report 1 finding
-- expect: 1
CREATE TABLE t (id int PRIMARY KEY, a int);
INSERT INTO t VALUES (1, 1), (2, 1);
-- then, failing: CREATE UNIQUE INDEX CONCURRENTLY t_a_uniq ON {s}.t (a)
