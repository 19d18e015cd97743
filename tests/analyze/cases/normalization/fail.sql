-- normalization: must report 1 finding
-- expect: 1
CREATE TABLE contacts (id int PRIMARY KEY, phone1 text, phone2 text, phone3 text);
