-- natural-key-primary-key: must report nothing
-- expect: 0
CREATE TABLE rates (id bigint PRIMARY KEY, day date NOT NULL UNIQUE, rate numeric NOT NULL);
