-- unused-index: must report 1 finding
-- expect: 1
-- thresholds: unused_index_min_hours=0
CREATE TABLE t (id int PRIMARY KEY, a int);
INSERT INTO t SELECT g, g % 100 FROM generate_series(1, 2000) g;
CREATE INDEX t_a ON t (a);
