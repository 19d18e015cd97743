-- missing-primary-key: must report 1 finding
-- expect: 1
CREATE TABLE t (a int NOT NULL, b text);
INSERT INTO t VALUES (1, 'x'), (2, 'y');
