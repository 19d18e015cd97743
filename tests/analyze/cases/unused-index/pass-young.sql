-- unused-index (issue 13 item 12): statistics younger than unused_index_min_hours judge nothing
-- expect: 0
-- thresholds: unused_index_min_hours=1000000
-- note: insufficient evidence
CREATE TABLE t (id int PRIMARY KEY, a int);
INSERT INTO t SELECT g, g % 100 FROM generate_series(1, 2000) g;
CREATE INDEX t_a ON t (a);
