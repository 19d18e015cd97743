-- unnecessary-where-index: must report nothing
-- expect: 0
CREATE TABLE t (id int PRIMARY KEY, code text);
CREATE INDEX ON t (code) WHERE code IS NOT NULL;
