-- unused-index (issue 13 item 3): two identical indexes on a foreign key, neither scanned: the copy is
-- duplicate-index's; the other is the last index serving the foreign key and is never proposed
-- expect: 0
-- thresholds: unused_index_min_hours=0
CREATE TABLE p (id int PRIMARY KEY);
INSERT INTO p SELECT g FROM generate_series(1, 100) g;
CREATE TABLE c (id int PRIMARY KEY, p_id int NOT NULL REFERENCES p);
INSERT INTO c SELECT g, 1 + g % 100 FROM generate_series(1, 2000) g;
CREATE INDEX c_p_1 ON c (p_id);
CREATE INDEX c_p_2 ON c (p_id);
