-- index-bloat: must report nothing
-- expect: 0
CREATE TABLE t (id bigint PRIMARY KEY) WITH (autovacuum_enabled = false);
INSERT INTO t SELECT g FROM generate_series(1, 100000) g;
