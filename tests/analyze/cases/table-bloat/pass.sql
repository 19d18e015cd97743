-- table-bloat: must report nothing
-- expect: 0
CREATE TABLE t (id int PRIMARY KEY, payload text NOT NULL) WITH (autovacuum_enabled = false);
INSERT INTO t SELECT g, repeat('x', 120) FROM generate_series(1, 20000) g;
