-- duplicate-fk: must report 1 finding
-- expect: 1
CREATE TABLE parent (id int PRIMARY KEY);
CREATE TABLE child (id int PRIMARY KEY, parent_id int NOT NULL,
  CONSTRAINT fk_a FOREIGN KEY (parent_id) REFERENCES parent, CONSTRAINT fk_b FOREIGN KEY (parent_id) REFERENCES parent);
