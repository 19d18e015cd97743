-- workload-missing-index: must report nothing
-- expect: 0
CREATE TABLE items (id int PRIMARY KEY, a int NOT NULL, b int NOT NULL);
INSERT INTO items SELECT g, g % 500, g % 7 FROM generate_series(1, 5000) g;
CREATE INDEX ON items (a);
