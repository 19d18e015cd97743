-- partitioning-opportunity: must report 1 finding
-- expect: 1
-- thresholds: partition_min_rows=1000
CREATE TABLE events (id int PRIMARY KEY, created_at timestamptz NOT NULL);
INSERT INTO events SELECT g, timestamptz '2024-01-01' + g * interval '1 hour' FROM generate_series(1, 2000) g;
