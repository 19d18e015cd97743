-- index-with-nulls: must report 1 finding
-- expect: 1
CREATE TABLE t (id int PRIMARY KEY, cancelled_at timestamptz);
INSERT INTO t SELECT g, CASE WHEN g % 10 = 0 THEN now() END FROM generate_series(1, 1000) g;
CREATE INDEX t_cancelled ON t (cancelled_at);
