-- over-normalization: must report 1 finding
-- expect: 1
CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE profiles (user_id int PRIMARY KEY REFERENCES users, bio text NOT NULL);
INSERT INTO users SELECT g, 'n' || g FROM generate_series(1, 100) g;
INSERT INTO profiles SELECT g, 'b' || g FROM generate_series(1, 100) g;
