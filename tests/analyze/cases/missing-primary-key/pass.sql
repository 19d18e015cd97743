-- missing-primary-key: must report nothing
-- expect: 0
CREATE TABLE t (a int PRIMARY KEY, b text);
