-- empty-table: must report 1 finding
-- expect: 1
CREATE TABLE t (id int PRIMARY KEY);
