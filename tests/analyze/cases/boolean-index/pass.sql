-- boolean-index: must report nothing
-- expect: 0
CREATE TABLE t (id int PRIMARY KEY, active boolean NOT NULL, created_at timestamptz);
CREATE INDEX ON t (created_at) WHERE active;
