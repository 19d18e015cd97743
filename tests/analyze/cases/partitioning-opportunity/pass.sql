-- partitioning-opportunity: must report nothing
-- expect: 0
-- thresholds: partition_min_rows=1000
CREATE TABLE events (id int PRIMARY KEY, kind int NOT NULL);
INSERT INTO events SELECT g, g % 3 FROM generate_series(1, 2000) g;
-- already partitioned: the parent's rows are the sum of its partitions (over the threshold), not reported
CREATE TABLE readings (id int NOT NULL, at timestamptz NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE readings_2024 PARTITION OF readings FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
INSERT INTO readings SELECT g, timestamptz '2024-01-01' + g * interval '1 hour' FROM generate_series(1, 2000) g;
