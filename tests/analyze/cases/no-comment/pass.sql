-- no-comment: must report nothing
-- expect: 0
CREATE TABLE t (id int PRIMARY KEY, a int);
COMMENT ON TABLE t IS 'things';
COMMENT ON COLUMN t.id IS 'key';
COMMENT ON COLUMN t.a IS 'amount';
CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';
COMMENT ON FUNCTION f() IS 'one';
