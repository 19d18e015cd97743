-- tiny-table-columns: must report 1 finding
-- expect: 1
CREATE TABLE t (code text PRIMARY KEY);
