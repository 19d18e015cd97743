-- self-referencing-fk: must report 1 finding
-- expect: 1
CREATE TABLE emp (id int PRIMARY KEY, manager_id int REFERENCES emp);
CREATE INDEX ON emp (manager_id);
