-- not-valid-constraint: must report nothing
-- expect: 0
CREATE TABLE t (id int PRIMARY KEY, a int);
ALTER TABLE t ADD CONSTRAINT t_a_positive CHECK (a > 0) NOT VALID;
ALTER TABLE t VALIDATE CONSTRAINT t_a_positive;
