-- duplicate-index: must report nothing
-- expect: 0
CREATE TABLE t (id int PRIMARY KEY, a int, b int);
CREATE INDEX ON t (a);
CREATE INDEX ON t (b);
CREATE INDEX ON t (a) WHERE b > 0;
