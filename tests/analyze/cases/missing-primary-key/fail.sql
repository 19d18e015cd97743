-- missing-primary-key: must report 2 findings (critical without any key, warning with a unique key)
-- expect: 2
CREATE TABLE t (a int NOT NULL, b text);
INSERT INTO t VALUES (1, 'x'), (2, 'y');
CREATE TABLE u (code text NOT NULL UNIQUE, label text);
