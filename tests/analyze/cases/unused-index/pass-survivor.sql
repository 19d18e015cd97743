-- unused-index (issue 13 item 3): of two identical indexes, the idle copy is duplicate-index's to
-- drop; the copy in use is no candidate either
-- expect: 0
-- thresholds: unused_index_min_hours=0
CREATE TABLE t (id int PRIMARY KEY, a int);
INSERT INTO t SELECT g, g % 100 FROM generate_series(1, 2000) g;
CREATE INDEX t_a_used ON t (a);
ANALYZE t;
BEGIN;
SET LOCAL enable_seqscan = off;
SELECT count(*) FROM t WHERE a = 5;
COMMIT;
CREATE INDEX t_a_idle ON t (a);
