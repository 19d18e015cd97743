-- not-valid-constraint: must report 1 finding
-- expect: 1
CREATE TABLE t (id int PRIMARY KEY, a int);
ALTER TABLE t ADD CONSTRAINT t_a_positive CHECK (a > 0) NOT VALID;
