-- duplicate-rows: nothing to report without copies, or where a key prevents them
-- expect: 0
CREATE TABLE events (at timestamptz NOT NULL, kind text NOT NULL);
INSERT INTO events SELECT timestamptz '2024-01-01' + g * interval '1 minute', 'k' FROM generate_series(1, 500) g;
CREATE TABLE keyed (id int PRIMARY KEY, v int);
INSERT INTO keyed SELECT g, 1 FROM generate_series(1, 100) g;
CREATE TABLE unique_key (code text NOT NULL UNIQUE, v int);
INSERT INTO unique_key SELECT 'c' || g, 1 FROM generate_series(1, 100) g;
