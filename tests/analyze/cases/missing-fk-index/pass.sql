-- missing-fk-index: must report nothing
-- expect: 0
CREATE TABLE parent (id int PRIMARY KEY);
CREATE TABLE child (id int PRIMARY KEY, parent_id int REFERENCES parent);
CREATE INDEX ON child (parent_id);
-- a composite primary key leading with the FK column counts
CREATE TABLE other (id int PRIMARY KEY);
CREATE TABLE link (parent_id int REFERENCES parent, other_id int REFERENCES other, PRIMARY KEY (parent_id, other_id));
CREATE INDEX ON link (other_id);
