-- fk-type-mismatch: must report 1 finding
-- expect: 1
CREATE TABLE parent (id bigint PRIMARY KEY);
CREATE TABLE child (id int PRIMARY KEY, parent_id int REFERENCES parent);
CREATE INDEX ON child (parent_id);
