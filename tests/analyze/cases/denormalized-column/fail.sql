-- denormalized-column: must report 1 finding
-- expect: 1
CREATE TABLE users (id int PRIMARY KEY, email text NOT NULL);
CREATE TABLE orders (id int PRIMARY KEY, user_id int NOT NULL REFERENCES users, user_email text);
CREATE INDEX ON orders (user_id);
INSERT INTO users SELECT g, 'u' || g || '@x.org' FROM generate_series(1, 10) g;
INSERT INTO orders SELECT g, 1 + g % 10, CASE WHEN g = 1 THEN 'old@x.org' ELSE 'u' || (1 + g % 10) || '@x.org' END FROM generate_series(1, 50) g;
