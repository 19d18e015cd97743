-- partitioning-opportunity (issue 13 item 9): the finding carries the DDL: the partitioned table, its
-- partitions and the data-moving migration (tests/analyze/test_partitioning.py runs it)
-- expect: 1
-- thresholds: partition_min_rows=1000
-- sql: PARTITION BY RANGE (created_at)
-- sql: PARTITION OF partitioning_opportunity__fail_ddl.readings_partitioned FOR VALUES FROM ('2024-01-01') TO ('2024-02-01')
-- sql: PARTITION OF partitioning_opportunity__fail_ddl.readings_partitioned DEFAULT
-- sql: ALTER TABLE partitioning_opportunity__fail_ddl.readings_partitioned RENAME TO readings
CREATE TABLE readings (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, created_at timestamptz NOT NULL, v int);
INSERT INTO readings (created_at, v) SELECT timestamptz '2024-01-01' + g * interval '1 hour', g FROM generate_series(1, 2000) g;
