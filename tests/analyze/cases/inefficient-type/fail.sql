-- inefficient-type: must report 1 finding
-- expect: 1
CREATE TABLE t (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, happened timestamp NOT NULL);
