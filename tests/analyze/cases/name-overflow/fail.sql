-- name-overflow: must report 1 finding
-- expect: 1
CREATE TABLE t (id int PRIMARY KEY, a int);
CREATE INDEX iiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiii ON t (a);
