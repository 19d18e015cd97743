-- timestamp-in-middle-index: must report 1 finding
-- expect: 1
CREATE TABLE t (id int PRIMARY KEY, created_at timestamptz, status text);
CREATE INDEX ON t (created_at, status);
