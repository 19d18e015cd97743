-- normalization: must report nothing
-- expect: 0
CREATE TABLE contacts (id int PRIMARY KEY, phone text);
CREATE TABLE addresses (id int PRIMARY KEY, line1 text, zip text);
