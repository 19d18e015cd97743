-- inconsistent-column-type: must report 1 finding
-- expect: 1
CREATE TABLE a (id int PRIMARY KEY, customer_id int);
CREATE TABLE b (id int PRIMARY KEY, customer_id bigint);
