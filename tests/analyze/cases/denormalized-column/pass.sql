-- denormalized-column: must report nothing
-- expect: 0
CREATE TABLE users (id int PRIMARY KEY, email text NOT NULL, name text);
CREATE TABLE orders (id int PRIMARY KEY, user_id int NOT NULL REFERENCES users, name text);
CREATE INDEX ON orders (user_id);
-- same name, different facts: a refund's amount is not a copy of the payment's (the data shows it)
CREATE TABLE payments (id int PRIMARY KEY, amount numeric NOT NULL);
CREATE TABLE refunds (id int PRIMARY KEY, payment_id int NOT NULL REFERENCES payments, amount numeric NOT NULL);
CREATE INDEX ON refunds (payment_id);
INSERT INTO payments SELECT g, 100 + g FROM generate_series(1, 50) g;
INSERT INTO refunds SELECT g, g, g FROM generate_series(1, 50) g;
