-- unlogged-table: must report 1 finding
-- expect: 1
CREATE UNLOGGED TABLE t (id int PRIMARY KEY);
