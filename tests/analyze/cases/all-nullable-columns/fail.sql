-- all-nullable-columns: must report 1 finding
-- expect: 1
CREATE TABLE t (id int PRIMARY KEY, a int, b text);
