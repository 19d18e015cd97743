-- empty-table: must report nothing
-- expect: 0
CREATE TABLE t (id int PRIMARY KEY);
INSERT INTO t VALUES (1);
