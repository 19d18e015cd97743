-- nullable-fk: must report 1 finding
-- expect: 1
CREATE TABLE parent (a int, b int, PRIMARY KEY (a, b));
CREATE TABLE child (id int PRIMARY KEY, a int, b int, FOREIGN KEY (a, b) REFERENCES parent);
CREATE INDEX ON child (a, b);
