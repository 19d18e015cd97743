-- fixed-length-varchar: must report nothing
-- expect: 0
CREATE TABLE t (id int PRIMARY KEY, name text CHECK (length(name) <= 255));
