-- missing-foreign-key (issue 13 item 6): customer_id names customers' key and no foreign key says so;
-- 7 orders reference a customer that does not exist
-- expect: 1
-- evidence: values=500 matching_rows=493 orphan_rows=7
CREATE TABLE customers (id bigint PRIMARY KEY, name text NOT NULL);
INSERT INTO customers SELECT g, 'c' || g FROM generate_series(1, 100) g;
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint, total numeric(10,2) NOT NULL);
INSERT INTO orders SELECT g, CASE WHEN g % 71 = 0 THEN 1000 + g ELSE 1 + g % 100 END, 10 FROM generate_series(1, 500) g;
