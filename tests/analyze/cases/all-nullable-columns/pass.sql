-- all-nullable-columns: must report nothing
-- expect: 0
CREATE TABLE t (id int PRIMARY KEY, a int NOT NULL, b text);
