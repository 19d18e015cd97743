-- full-text-search-opportunity: must report nothing
-- expect: 0
CREATE TABLE docs (id int PRIMARY KEY, title text NOT NULL);
INSERT INTO docs SELECT g, 'title ' || g FROM generate_series(1, 2000) g;
CREATE INDEX ON docs USING gin (title public.gin_trgm_ops);
