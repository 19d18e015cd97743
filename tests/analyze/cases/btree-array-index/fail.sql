-- btree-array-index: must report 1 finding
-- expect: 1
CREATE TABLE posts (id int PRIMARY KEY, tags text[]);
CREATE INDEX ON posts (tags);
