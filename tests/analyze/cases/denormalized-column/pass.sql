-- denormalized-column: must report nothing
-- expect: 0
CREATE TABLE users (id int PRIMARY KEY, email text NOT NULL, name text);
CREATE TABLE orders (id int PRIMARY KEY, user_id int NOT NULL REFERENCES users, name text);
CREATE INDEX ON orders (user_id);
