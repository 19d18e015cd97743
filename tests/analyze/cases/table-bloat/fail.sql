-- table-bloat: must report 2 findings (a table and a partition)
-- expect: 2
-- thresholds: bloat_min_bytes=65536
CREATE TABLE t (id int PRIMARY KEY, payload text NOT NULL) WITH (autovacuum_enabled = false);
INSERT INTO t SELECT g, repeat('x', 120) FROM generate_series(1, 5000) g;
DELETE FROM t WHERE id % 2 = 0;
-- a partition is reported on its own; its parent has no storage
CREATE TABLE log (id int NOT NULL, at date NOT NULL, payload text NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE log_2024 PARTITION OF log FOR VALUES FROM ('2024-01-01') TO ('2025-01-01') WITH (autovacuum_enabled = false);
CREATE TABLE log_2025 PARTITION OF log FOR VALUES FROM ('2025-01-01') TO ('2026-01-01') WITH (autovacuum_enabled = false);
INSERT INTO log SELECT g, date '2024-01-01' + (g % 300), repeat('y', 120) FROM generate_series(1, 5000) g;
DELETE FROM log WHERE id % 2 = 0;
