-- fixed-length-varchar: must report 1 finding
-- expect: 1
CREATE TABLE t (id int PRIMARY KEY, name varchar(255));
