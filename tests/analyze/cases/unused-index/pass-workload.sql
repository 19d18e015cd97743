-- unused-index (issue 13 item 3): the last index on a column the workload filters on is kept, even
-- unscanned (the planner preferred a scan for this filter so far)
-- expect: 0
-- thresholds: unused_index_min_hours=0
-- note: the workload's filters would need
-- (PostgreSQL 18's pg_stat_statements merges statements on same-named tables of other schemas: the
-- table's name is unique among the cases)
CREATE TABLE flagged (id int PRIMARY KEY, flag int NOT NULL);
INSERT INTO flagged SELECT g, g % 2 FROM generate_series(1, 2000) g;
CREATE INDEX flagged_flag ON flagged (flag);
