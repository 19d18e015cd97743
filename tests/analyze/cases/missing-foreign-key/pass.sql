-- missing-foreign-key: declared keys, ids of another system (values match nothing), ambiguous names
-- expect: 0
CREATE TABLE customers (id bigint PRIMARY KEY, name text NOT NULL);
INSERT INTO customers SELECT g, 'c' || g FROM generate_series(1, 100) g;
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers, stripe_id text,
                     external_customer_id bigint);
CREATE INDEX ON orders (customer_id);
INSERT INTO orders SELECT g, 1 + g % 100, 'ch_' || g, 90000 + g FROM generate_series(1, 500) g;
-- a value stored under another system's id: no table named for it
CREATE TABLE payments (id bigint PRIMARY KEY, processor_id bigint NOT NULL);
INSERT INTO payments SELECT g, 50000 + g FROM generate_series(1, 50) g;
