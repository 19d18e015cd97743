-- partitioning-opportunity: must report nothing
-- expect: 0
-- thresholds: partition_min_rows=1000
CREATE TABLE events (id int PRIMARY KEY, kind int NOT NULL);
INSERT INTO events SELECT g, g % 3 FROM generate_series(1, 2000) g;
