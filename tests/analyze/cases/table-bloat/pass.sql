-- table-bloat: must report nothing
-- expect: 0
-- thresholds: bloat_min_bytes=65536
CREATE TABLE t (id int PRIMARY KEY, payload text NOT NULL) WITH (autovacuum_enabled = false);
INSERT INTO t SELECT g, repeat('x', 120) FROM generate_series(1, 5000) g;
