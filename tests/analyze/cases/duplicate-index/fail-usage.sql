-- duplicate-index (issue 13 item 3): the copy in use is kept, the one never scanned is dropped
-- expect: 1
-- attrs: duplicate_of=t_a_used
CREATE TABLE t (id int PRIMARY KEY, a int);
INSERT INTO t SELECT g, g % 100 FROM generate_series(1, 2000) g;
CREATE INDEX t_a_used ON t (a);
ANALYZE t;
BEGIN;
SET LOCAL enable_seqscan = off;
SELECT count(*) FROM t WHERE a = 5;
SELECT count(*) FROM t WHERE a = 6;
COMMIT;
-- created after the scans: same definition, name sorting first, never scanned
CREATE INDEX t_a_idle ON t (a);
