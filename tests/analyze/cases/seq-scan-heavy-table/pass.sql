-- seq-scan-heavy-table: must report nothing
-- expect: 0
CREATE TABLE t (id int PRIMARY KEY, a int);
INSERT INTO t SELECT g, g % 50 FROM generate_series(1, 3000) g;
