-- boolean-index: must report 1 finding
-- expect: 1
CREATE TABLE t (id int PRIMARY KEY, active boolean NOT NULL, created_at timestamptz);
CREATE INDEX ON t (active);
