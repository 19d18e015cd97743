-- data-quality: must report nothing
-- expect: 0
CREATE TABLE orders (id int PRIMARY KEY, total numeric(10,2) NOT NULL CHECK (total >= 0), note text);
INSERT INTO orders SELECT g, g, CASE WHEN g <= 50 THEN NULL ELSE 'x' END FROM generate_series(1, 100) g;
