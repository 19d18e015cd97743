-- data-quality: must report 1 finding
-- expect: 1
CREATE TABLE orders (id int PRIMARY KEY, total numeric(10,2) NOT NULL);
INSERT INTO orders SELECT g, CASE WHEN g <= 2 THEN -1 ELSE g END FROM generate_series(1, 100) g;
