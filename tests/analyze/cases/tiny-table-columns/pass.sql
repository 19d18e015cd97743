-- tiny-table-columns: must report nothing
-- expect: 0
CREATE TABLE t (code text PRIMARY KEY, label text NOT NULL);
