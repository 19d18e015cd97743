-- materialized-view-opportunity: must report 1 finding
-- expect: 1
-- thresholds: matview_min_calls=10 matview_min_mean_ms=0
CREATE TABLE sales (id int PRIMARY KEY, region text NOT NULL, amount numeric NOT NULL);
INSERT INTO sales SELECT g, 'r' || g % 5, g FROM generate_series(1, 2000) g;
