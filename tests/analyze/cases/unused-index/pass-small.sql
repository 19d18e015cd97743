-- unused-index (issue 13 item 12): an index on a small or empty table is rightly left unscanned
-- expect: 0
-- thresholds: unused_index_min_hours=0
-- note: tables under 1,000 rows
CREATE TABLE t (id int PRIMARY KEY, a int);
INSERT INTO t SELECT g, g % 100 FROM generate_series(1, 50) g;
CREATE INDEX t_a ON t (a);
CREATE TABLE empty_one (id int PRIMARY KEY, a int);
CREATE INDEX empty_one_a ON empty_one (a);
