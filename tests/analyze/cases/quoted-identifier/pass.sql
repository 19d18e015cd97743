-- quoted-identifier: must report nothing
-- expect: 0
CREATE TABLE t (id int PRIMARY KEY, user_name text);
