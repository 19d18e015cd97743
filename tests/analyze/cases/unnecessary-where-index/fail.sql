-- unnecessary-where-index: must report 1 finding
-- expect: 1
CREATE TABLE t (id int PRIMARY KEY, code text NOT NULL);
CREATE INDEX ON t (code) WHERE code IS NOT NULL;
