-- normalization (issue 13 item 12): numbered columns that each reference a row are roles (a link
-- table's source and target), not a repeating group
-- expect: 0
CREATE TABLE artist (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE link_type (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE l_artist_artist (
    id int PRIMARY KEY,
    link int NOT NULL REFERENCES link_type,
    entity0 int NOT NULL REFERENCES artist,
    entity1 int NOT NULL REFERENCES artist,
    entity0_credit text NOT NULL DEFAULT '',
    entity1_credit text NOT NULL DEFAULT ''
);
CREATE INDEX ON l_artist_artist (entity0);
CREATE INDEX ON l_artist_artist (entity1);
CREATE INDEX ON l_artist_artist (link);
-- the types of both ends, numbered as the ends are: roles too
CREATE TABLE link_ends (id int PRIMARY KEY, entity_type0 text NOT NULL, entity_type1 text NOT NULL);
