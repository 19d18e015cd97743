-- no-comment: must report 2 findings (the table, the function)
-- expect: 2
CREATE TABLE t (id int PRIMARY KEY, a int);
CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';
