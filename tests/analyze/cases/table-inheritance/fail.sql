-- table-inheritance: must report 1 finding
-- expect: 1
CREATE TABLE parent (id int PRIMARY KEY);
CREATE TABLE child (extra int) INHERITS (parent);
