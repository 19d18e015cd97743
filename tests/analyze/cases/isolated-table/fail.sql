-- isolated-table: must report 2 findings
-- expect: 2
CREATE TABLE a (id int PRIMARY KEY);
CREATE TABLE b (id int PRIMARY KEY);
