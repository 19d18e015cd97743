-- btree-array-index: must report nothing
-- expect: 0
CREATE TABLE posts (id int PRIMARY KEY, tags text[]);
CREATE INDEX ON posts USING gin (tags);
