-- normalization: must report nothing
-- expect: 0
CREATE TABLE contacts (id int PRIMARY KEY, phone text);
CREATE TABLE addresses (id int PRIMARY KEY, line1 text, zip text);
-- numbered address lines are a convention, not a repeating group
CREATE TABLE shipping (id int PRIMARY KEY, street_line1 text, street_line2 text);
