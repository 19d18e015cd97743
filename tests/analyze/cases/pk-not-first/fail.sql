-- pk-not-first: must report 1 finding
-- expect: 1
CREATE TABLE t (a int, id int PRIMARY KEY);
