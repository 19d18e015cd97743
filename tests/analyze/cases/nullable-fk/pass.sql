-- nullable-fk: must report nothing
-- expect: 0
CREATE TABLE parent (a int, b int, PRIMARY KEY (a, b));
CREATE TABLE child (id int PRIMARY KEY, a int NOT NULL, b int NOT NULL, FOREIGN KEY (a, b) REFERENCES parent);
CREATE INDEX ON child (a, b);
CREATE TABLE opt (id int PRIMARY KEY, parent_a int, parent_b int, FOREIGN KEY (parent_a, parent_b) REFERENCES parent MATCH FULL);
