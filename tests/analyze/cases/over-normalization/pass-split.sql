-- over-normalization: shared lookup tables and one one-to-one profile are normal design
-- expect: 0
CREATE TABLE countries (code char(2) PRIMARY KEY, name text NOT NULL);
CREATE TABLE cities (id int PRIMARY KEY, name text NOT NULL, country char(2) NOT NULL REFERENCES countries);
CREATE INDEX ON cities (country);
CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, city_id int REFERENCES cities);
CREATE INDEX ON customers (city_id);
CREATE TABLE suppliers (id int PRIMARY KEY, name text NOT NULL, city_id int REFERENCES cities);
CREATE INDEX ON suppliers (city_id);
CREATE TABLE customer_profiles (customer_id int PRIMARY KEY REFERENCES customers, bio text, avatar bytea);
