-- duplicate-rows (issue 13 item 1): a log table with no key and 334 duplicated rows; a junction table
-- whose pair repeats with different extra columns is counted under its key too
-- expect: 2
-- evidence: duplicate_groups=167 duplicate_rows=334
CREATE TABLE access_log (at timestamptz NOT NULL, path text NOT NULL, status int NOT NULL, meta json);
INSERT INTO access_log
SELECT timestamptz '2024-01-01' + g * interval '1 minute', '/p/' || (g % 40), 200 + (g % 3), '{"a": 1}'
FROM generate_series(1, 1000) g;
-- 167 rows sent three times in all (a retried batch): 334 surplus copies
INSERT INTO access_log
SELECT timestamptz '2024-01-01' + g * interval '1 minute', '/p/' || (g % 40), 200 + (g % 3), '{"a": 1}'
FROM generate_series(1, 167) g, generate_series(1, 2) r;
CREATE TABLE tag (id int PRIMARY KEY);
INSERT INTO tag SELECT g FROM generate_series(1, 10) g;
CREATE TABLE note (id int PRIMARY KEY);
INSERT INTO note SELECT g FROM generate_series(1, 10) g;
CREATE TABLE note_tag (note_id int NOT NULL REFERENCES note, tag_id int NOT NULL REFERENCES tag, added date);
CREATE INDEX ON note_tag (note_id);
CREATE INDEX ON note_tag (tag_id);
INSERT INTO note_tag SELECT n, t, date '2024-01-01' FROM generate_series(1, 10) n, generate_series(1, 3) t;
INSERT INTO note_tag VALUES (1, 1, date '2024-01-01'), (2, 2, date '2024-02-01');
