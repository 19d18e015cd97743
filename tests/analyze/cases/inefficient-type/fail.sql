-- inefficient-type: must report 2 findings
-- expect: 2
CREATE TABLE t (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, happened timestamp NOT NULL);
CREATE TABLE shifts (id int PRIMARY KEY, starts time with time zone NOT NULL);
