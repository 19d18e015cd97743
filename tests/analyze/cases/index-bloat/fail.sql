-- index-bloat: must report 1 finding
-- expect: 1
CREATE TABLE t (id bigint PRIMARY KEY) WITH (autovacuum_enabled = false);
INSERT INTO t SELECT g FROM generate_series(1, 100000) g;
DELETE FROM t WHERE id % 10 < 7;
VACUUM t;
