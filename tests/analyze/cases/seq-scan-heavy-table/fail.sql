-- seq-scan-heavy-table: must report 1 finding
-- expect: 1
CREATE TABLE t (id int PRIMARY KEY, a int);
INSERT INTO t SELECT g, g % 50 FROM generate_series(1, 3000) g;
ANALYZE t;
DO $$ BEGIN FOR i IN 1..120 LOOP PERFORM count(*) FROM t WHERE a = i % 50; END LOOP; END $$;
