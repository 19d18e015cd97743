-- table-inheritance: must report nothing
-- expect: 0
CREATE TABLE parent (id int PRIMARY KEY);
CREATE TABLE child (id int PRIMARY KEY, extra int);
