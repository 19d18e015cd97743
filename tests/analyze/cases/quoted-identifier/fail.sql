-- quoted-identifier: must report 1 finding
-- expect: 1
CREATE TABLE t (id int PRIMARY KEY, "UserName" text);
