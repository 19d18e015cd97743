-- self-referencing-fk: must report nothing
-- expect: 0
CREATE TABLE emp (id int PRIMARY KEY, manager_id int REFERENCES emp ON DELETE SET NULL);
CREATE INDEX ON emp (manager_id);
