-- pk-not-first: must report nothing
-- expect: 0
CREATE TABLE t (id int PRIMARY KEY, a int);
