-- expect:
SET lock_timeout = '5s'; SET statement_timeout = '60s';
BEGIN;
CREATE TABLE audit_entries (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text);
CREATE INDEX audit_entries_body_idx ON audit_entries (body);
COMMIT;
