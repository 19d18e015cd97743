-- index-bloat: must report 1 finding
-- expect: 1
-- thresholds: bloat_min_bytes=65536
CREATE TABLE t (id bigint PRIMARY KEY) WITH (autovacuum_enabled = false);
INSERT INTO t SELECT g FROM generate_series(1, 20000) g;
DELETE FROM t WHERE id % 10 < 7;
VACUUM t;
