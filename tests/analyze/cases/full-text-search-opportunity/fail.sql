-- full-text-search-opportunity: must report 1 finding
-- expect: 1
CREATE TABLE docs (id int PRIMARY KEY, title text NOT NULL);
INSERT INTO docs SELECT g, 'title ' || g FROM generate_series(1, 2000) g;
