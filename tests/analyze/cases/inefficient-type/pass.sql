-- inefficient-type: must report nothing
-- expect: 0
CREATE TABLE t (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, happened timestamptz NOT NULL, flag boolean);
