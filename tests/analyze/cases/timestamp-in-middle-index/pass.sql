-- timestamp-in-middle-index: must report nothing
-- expect: 0
CREATE TABLE t (id int PRIMARY KEY, created_at timestamptz, status text);
CREATE INDEX ON t (status, created_at);
