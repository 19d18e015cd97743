-- fk-type-mismatch: must report nothing
-- expect: 0
CREATE TABLE parent (id bigint PRIMARY KEY);
CREATE TABLE child (id int PRIMARY KEY, parent_id bigint REFERENCES parent);
CREATE INDEX ON child (parent_id);
