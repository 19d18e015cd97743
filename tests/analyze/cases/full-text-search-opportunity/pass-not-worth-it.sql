-- full-text-search-opportunity (issue 13 item 7): checked on a scratch copy (--deep), the planner would
-- not use a trigram index on this small table: not proposed, shown as not worth it
-- expect: 0
-- options: deep=1
-- note: is not worth it
CREATE TABLE notes_small (id int PRIMARY KEY, body text NOT NULL);
INSERT INTO notes_small SELECT g, 'note ' || g FROM generate_series(1, 30) g;
