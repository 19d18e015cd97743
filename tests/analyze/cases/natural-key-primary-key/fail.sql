-- natural-key-primary-key: must report 1 finding
-- expect: 1
CREATE TABLE rates (day date PRIMARY KEY, rate numeric NOT NULL);
