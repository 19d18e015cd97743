-- over-normalization (issue 13 item 10): the tutorial's address pieces, each in a table of its own
-- (one-to-one children here, referenced lookups in the second schema of pieces)
-- expect: 2
-- attrs: kind=split-concept
CREATE TABLE addresses (id int PRIMARY KEY, user_ref int NOT NULL);
CREATE TABLE address_street (address_id int PRIMARY KEY REFERENCES addresses, street text NOT NULL);
CREATE TABLE address_city (address_id int PRIMARY KEY REFERENCES addresses, city text NOT NULL);
CREATE TABLE address_state (address_id int PRIMARY KEY REFERENCES addresses, state text NOT NULL);
CREATE TABLE location_lat (id int PRIMARY KEY, lat numeric NOT NULL);
CREATE TABLE location_lon (id int PRIMARY KEY, lon numeric NOT NULL);
CREATE TABLE locations (id int PRIMARY KEY, lat_id int NOT NULL REFERENCES location_lat,
                        lon_id int NOT NULL REFERENCES location_lon);
CREATE INDEX ON locations (lat_id);
CREATE INDEX ON locations (lon_id);
