"""Round trip of edge cases the object fixtures do not combine: FK cycles and FKs to a unique index,
functions returning a table's rows and SQL-standard bodies, views over views and functions, domains
whose checks call functions, partitions with their own column order, inheritance with merged columns,
replica identity, CLUSTER, extended statistics, owners, grants with grant option and another grantor."""

from __future__ import annotations

from tests.postgres.test_roundtrip import round_trip

EDGE_SQL = r"""
DO $$ BEGIN CREATE ROLE aishell_gen_third NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
DO $$ BEGIN CREATE ROLE aishell_gen_owner NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
DO $$ BEGIN CREATE ROLE aishell_gen_reader NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
CREATE SCHEMA edge;
CREATE SCHEMA other AUTHORIZATION aishell_gen_owner;
GRANT USAGE ON SCHEMA edge TO aishell_gen_reader, aishell_gen_owner;

CREATE FUNCTION edge.positive(x numeric) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$ SELECT x > 0 $$;
CREATE DOMAIN edge.money_amount AS numeric(12,2) DEFAULT 0 NOT NULL CONSTRAINT money_positive CHECK (edge.positive(VALUE));
ALTER DOMAIN edge.money_amount ADD CONSTRAINT money_small CHECK (VALUE < 1000000) NOT VALID;
COMMENT ON CONSTRAINT money_positive ON DOMAIN edge.money_amount IS 'no debts';
CREATE TYPE edge.mood AS ENUM ('sad', 'ok', 'happy');
CREATE TYPE edge.pair AS (a integer, b edge.mood);
CREATE FUNCTION edge.next_code() RETURNS text LANGUAGE sql AS $$ SELECT 'C' || floor(random() * 1000)::int $$;

-- FK cycle, FK to a unique index (not a constraint), table in a second schema with the same name.
CREATE TABLE edge.a (id int PRIMARY KEY, b_id int, code text DEFAULT edge.next_code(), moods edge.mood[], p edge.pair,
                     amount edge.money_amount);
CREATE TABLE edge.b (id int PRIMARY KEY, a_id int REFERENCES edge.a(id), ext int);
ALTER TABLE edge.a ADD CONSTRAINT a_b_fk FOREIGN KEY (b_id) REFERENCES edge.b(id) DEFERRABLE;
CREATE UNIQUE INDEX b_ext_uidx ON edge.b (ext);
CREATE TABLE other.a (id int, b_ext int REFERENCES edge.b(ext));
CREATE TABLE public.a (x int);

-- Functions over tables: SETOF a table, SQL-standard body.
CREATE FUNCTION edge.all_a() RETURNS SETOF edge.a LANGUAGE sql STABLE AS $$ SELECT * FROM edge.a $$;
CREATE FUNCTION edge.count_b() RETURNS bigint LANGUAGE sql STABLE BEGIN ATOMIC SELECT count(*) FROM edge.b; END;
REVOKE ALL ON FUNCTION edge.count_b() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION edge.count_b() TO aishell_gen_reader;

-- Views over views and functions; materialized view with an index and column comments.
CREATE VIEW edge.v1 AS SELECT id, edge.count_b() AS nb FROM edge.a;
CREATE VIEW edge.v2 WITH (security_barrier = true) AS SELECT v1.id FROM edge.v1 WHERE v1.nb > 0;
CREATE MATERIALIZED VIEW edge.mv AS SELECT a.id, count(*) AS n FROM edge.a JOIN edge.v2 ON v2.id = a.id GROUP BY a.id WITH NO DATA;
CREATE UNIQUE INDEX mv_id ON edge.mv (id);
COMMENT ON COLUMN edge.mv.n IS 'how many';
COMMENT ON MATERIALIZED VIEW edge.mv IS 'cached';
GRANT SELECT ON edge.v2 TO aishell_gen_reader;
GRANT SELECT (id) ON edge.v1 TO aishell_gen_reader;

-- Inheritance with a merged local column and a different default; partition with its own column order.
CREATE TABLE edge.base (id int NOT NULL, note text DEFAULT 'base', CONSTRAINT base_id_check CHECK (id > 0));
CREATE TABLE edge.child (note text DEFAULT 'child', extra int) INHERITS (edge.base);
ALTER TABLE edge.child ALTER COLUMN id SET DEFAULT 7;
CREATE TABLE edge.measure (at date NOT NULL, value numeric, sensor int NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE edge.measure_2024 (sensor int NOT NULL, value numeric, at date NOT NULL);
ALTER TABLE edge.measure ATTACH PARTITION edge.measure_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE edge.measure_2025 PARTITION OF edge.measure FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE INDEX measure_sensor_idx ON edge.measure (sensor, at);
ALTER TABLE edge.measure ADD CONSTRAINT measure_pk PRIMARY KEY (sensor, at);
CREATE VIEW edge.measure_last AS SELECT sensor, max(at) AS at FROM edge.measure GROUP BY sensor;

-- Settings: statistics, replica identity by index, cluster, extended statistics, owner, grants with grantor.
CREATE UNIQUE INDEX a_code_uidx ON edge.a (code) WHERE code IS NOT NULL;
CREATE UNIQUE INDEX b_id_ext ON edge.b (id, ext);
ALTER TABLE edge.b ALTER COLUMN ext SET NOT NULL;
ALTER TABLE edge.b REPLICA IDENTITY USING INDEX b_ext_uidx;
ALTER TABLE edge.b CLUSTER ON b_id_ext;
CREATE STATISTICS edge.a_stats (dependencies) ON id, b_id FROM edge.a;
COMMENT ON STATISTICS edge.a_stats IS 'correlated';
CREATE TABLE edge.owned (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, n numeric GENERATED ALWAYS AS (id * 2) STORED);
ALTER TABLE edge.owned OWNER TO aishell_gen_owner;
GRANT SELECT ON edge.owned TO aishell_gen_reader WITH GRANT OPTION;
SET ROLE aishell_gen_reader;
GRANT SELECT ON edge.owned TO aishell_gen_third;
RESET ROLE;
CREATE SEQUENCE edge.s AS smallint INCREMENT -1 CACHE 10;
GRANT USAGE ON SEQUENCE edge.s TO aishell_gen_reader;
CREATE UNLOGGED TABLE edge.u (k text PRIMARY KEY) WITH (fillfactor = 50);

-- Triggers with WHEN and UPDATE OF; policies with roles.
CREATE FUNCTION edge.trg() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER a_upd BEFORE UPDATE OF code, b_id ON edge.a FOR EACH ROW WHEN (OLD.code IS DISTINCT FROM NEW.code) EXECUTE FUNCTION edge.trg();
ALTER TABLE edge.a ENABLE ALWAYS TRIGGER a_upd;
CREATE TRIGGER measure_ins BEFORE INSERT ON edge.measure FOR EACH ROW EXECUTE FUNCTION edge.trg();
ALTER TABLE edge.a ENABLE ROW LEVEL SECURITY;
CREATE POLICY a_read ON edge.a FOR SELECT TO aishell_gen_reader USING (id > 0);
COMMENT ON INDEX edge.a_code_uidx IS 'codes are unique';
COMMENT ON TRIGGER a_upd ON edge.a IS 'on code change';
COMMENT ON FUNCTION edge.all_a() IS 'every a';
COMMENT ON TYPE edge.pair IS 'two things';
COMMENT ON COLUMN edge.pair.b IS 'the mood';
COMMENT ON SCHEMA edge IS 'edge cases';

-- A partition created on its own with one NOT NULL named like its parent's and one of its own.
CREATE TABLE edge.m (a int NOT NULL, b int NOT NULL, c int) PARTITION BY RANGE (a);
CREATE TABLE edge.m1 (b int CONSTRAINT m_b_not_null NOT NULL, c int, a int NOT NULL);
ALTER TABLE edge.m ATTACH PARTITION edge.m1 FOR VALUES FROM (1) TO (10);
CREATE TABLE edge.m2 PARTITION OF edge.m FOR VALUES FROM (10) TO (20);

-- A default calling a function that reads the table (a cycle pg_dump breaks with a separate DEFAULT),
-- an extension in its own schema with its operator class in an index, a view over a function over a
-- view, a three-table foreign-key cycle, NO INHERIT checks on a parent with a child.
CREATE TABLE edge.counter (id int PRIMARY KEY, n int);
CREATE FUNCTION edge.next_n() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT coalesce(max(n), 0) + 1 FROM edge.counter; END;
ALTER TABLE edge.counter ALTER COLUMN n SET DEFAULT edge.next_n();
CREATE TABLE edge.counter_kid (extra int) INHERITS (edge.counter);
CREATE SCHEMA ext;
CREATE EXTENSION pg_trgm SCHEMA ext;
CREATE TABLE edge.doc (id int, title text);
CREATE INDEX doc_title_trgm ON edge.doc USING gin (title ext.gin_trgm_ops);
CREATE VIEW edge.doc_v AS SELECT id, title FROM edge.doc;
CREATE FUNCTION edge.docs() RETURNS SETOF edge.doc_v LANGUAGE sql AS $$ SELECT * FROM edge.doc_v $$;
CREATE VIEW edge.doc_v2 AS SELECT * FROM edge.docs();
CREATE TABLE edge.x1 (id int PRIMARY KEY, y int);
CREATE TABLE edge.x2 (id int PRIMARY KEY, z int REFERENCES edge.x1);
CREATE TABLE edge.x3 (id int PRIMARY KEY, x int REFERENCES edge.x2);
ALTER TABLE edge.x1 ADD FOREIGN KEY (y) REFERENCES edge.x3;
CREATE TABLE edge.par (id int, CONSTRAINT par_chk CHECK (id > 0) NO INHERIT);
CREATE TABLE edge.kid () INHERITS (edge.par);

-- Collations whose names hold a dot.
CREATE TABLE edge.tc (a text COLLATE "C.utf8", c text COLLATE "C");
CREATE DOMAIN edge.dc AS text COLLATE "C.utf8";
CREATE TYPE edge.ct AS (x text COLLATE "C.utf8");
"""


def test_edge_cases_round_trip(any_server):
    round_trip(any_server, EDGE_SQL, "edge cases")


def test_designed_model_is_a_fixed_point_after_one_trip(pg_server):
    """A design generated, loaded and inspected comes back to the same DDL on a second trip."""
    from aishell.dialects.postgres.generate import generate
    from tests.postgres.test_generate import shop_design

    round_trip(pg_server, generate(shop_design()), "shop design")


def test_if_not_exists_runs_twice_and_stays_exact(pg_server):
    """``if_not_exists`` DDL loaded twice into the same database still gives pg_dump's exact text."""
    from aishell.dialects.postgres.dump import client_binary, dump_schema, normalise_dump
    from aishell.dialects.postgres.generate import generate
    from aishell.dialects.postgres.inspect import inspect
    from aishell.sources import run_sql_text
    from tests.conftest import FIXTURES

    sql = (FIXTURES / "objects" / "tables.sql").read_text() + "\n" + EDGE_SQL
    psql = client_binary(pg_server, "psql")
    with pg_server.temporary_database(prefix="aishell_rt_") as a, \
            pg_server.temporary_database(prefix="aishell_rt_") as b:
        run_sql_text(a, sql, psql)
        ddl = generate(inspect(a, include_stats=False), if_not_exists=True)
        run_sql_text(b, ddl, psql, label="first run")
        run_sql_text(b, ddl, psql, label="second run")
        assert normalise_dump(dump_schema(pg_server, a)) == normalise_dump(dump_schema(pg_server, b))
