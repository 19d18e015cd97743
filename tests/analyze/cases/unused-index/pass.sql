-- unused-index: must report nothing
-- expect: 0
CREATE TABLE t (id int PRIMARY KEY, a int);
INSERT INTO t SELECT g, g % 100 FROM generate_series(1, 2000) g;
CREATE INDEX t_a ON t (a);
BEGIN;
SET LOCAL enable_seqscan = off;
SELECT count(*) FROM t WHERE a = 5;
COMMIT;
