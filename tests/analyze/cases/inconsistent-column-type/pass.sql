-- inconsistent-column-type: must report nothing
-- expect: 0
CREATE TABLE a (id int PRIMARY KEY, customer_id bigint);
CREATE TABLE b (id int PRIMARY KEY, customer_id bigint);
