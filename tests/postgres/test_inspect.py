"""Introspection of live PostgreSQL databases into the model (issue 2, item 4)."""

from __future__ import annotations

from pathlib import Path

import pytest

from aishell.dialects.postgres.inspect import QUERIES, inspect, parse_acl
from aishell.sources import load_sql_into
from tests.conftest import CORPUS, FIXTURES

OBJECTS = FIXTURES / "objects"


def load(server, conninfo: str, path: Path) -> None:
    load_sql_into(conninfo, path, server.bin("psql"))


@pytest.fixture(scope="module")
def core(pg_server):
    with pg_server.temporary_database(prefix="aishell_test_") as conninfo:
        load(pg_server, conninfo, OBJECTS / "core.sql")
        yield inspect(conninfo)


def test_core_tables_and_columns(core):
    assert [t.name for t in core.tables] == ["author", "post", "post_tag"]
    author = core.table("author")
    assert author.comment == "People who write posts"
    assert author.primary_key == ["id"] and author.primary_key_name == "author_pkey"
    id_col = author.column("id")
    assert id_col.identity == "always" and not id_col.nullable
    assert id_col.identity_options["start"] == 100 and id_col.identity_options["increment"] == 5
    assert id_col.identity_options["sequence_name"] == "public.author_id_seq"
    assert author.column("name").type == "character varying(200)"
    assert author.column("email").comment == "Login e-mail"
    post = core.table("post")
    assert post.column("status").type == "public.status"
    assert post.column("status").default == "'draft'::public.status"
    assert post.column("id").default == "nextval('public.post_id_seq'::regclass)"
    assert post.column("tags").type == "text[]"
    assert post.column("created_at").type == "timestamp with time zone"
    assert post.column("created_at").default == "now()"


def test_core_constraints(core):
    author, post, post_tag = core.tables
    assert [u.name for u in author.unique] == ["author_email_key"]
    assert author.unique[0].columns == ["email"]
    assert author.checks[0].expression == "(length((name)::text) > 0)"
    check = post.checks[0]
    assert check.name == "post_price_check" and check.valid is False
    assert check.definition == "CHECK ((price >= (0)::numeric)) NOT VALID"
    assert check.expression == "(price >= (0)::numeric)"
    (fk,) = post.foreign_keys
    assert (fk.columns, fk.ref_schema, fk.ref_table, fk.ref_columns) == (["author_id"], "public", "author", ["id"])
    assert fk.on_delete == "CASCADE" and fk.on_update == "NO ACTION"
    (fk2,) = post_tag.foreign_keys
    assert fk2.match == "FULL" and fk2.on_update == "RESTRICT" and fk2.on_delete == "SET NULL"
    assert fk2.deferrable and fk2.initially_deferred
    assert fk2.definition.startswith("FOREIGN KEY (post_id) REFERENCES public.post(id) MATCH FULL")
    assert post_tag.primary_key == ["post_id", "tag"]


def test_core_indexes(core):
    post = core.table("post")
    idx = {i.name: i for i in post.indexes}
    assert idx["post_pkey"].constraint == "post_pkey" and idx["post_pkey"].unique
    assert idx["post_title_author_key"].constraint == "post_title_author_key"
    assert idx["post_created_idx"].orders == ["DESC NULLS LAST"]
    lower = idx["post_lower_title_idx"]
    assert lower.columns == ["lower(title)"] and lower.expressions == [True]
    assert lower.opclasses == ["text_pattern_ops"]
    part = idx["post_published_idx"]
    assert part.include == ["title"] and part.where == "(status = 'published'::public.status)"
    assert idx["post_tags_idx"].method == "gin"
    assert idx["post_tags_idx"].definition == "CREATE INDEX post_tags_idx ON public.post USING gin (tags)"
    assert "bytes" in idx["post_tags_idx"].attrs and "scans" in idx["post_tags_idx"].attrs


def test_core_enum_sequence_view_functions(core):
    assert core.enum("status").values == ["draft", "published", "archived"]
    seqs = {s.name: s for s in core.sequences}
    assert "author_id_seq" not in seqs  # identity sequences belong to their column
    inv = seqs["invoice_number_seq"]
    assert (inv.type, inv.start, inv.increment, inv.min_value, inv.max_value, inv.cache, inv.cycle) == (
        "integer", 1000, 10, 1000, 999999, 5, True)
    assert inv.owned_by == "public.post.invoice"
    assert seqs["post_id_seq"].owned_by == "public.post.id"
    assert seqs["post_id_seq"].min_value is None and seqs["post_id_seq"].max_value is None
    view = core.view("published_post")
    assert view.columns == ["id", "title", "author"] and view.comment == "Visible posts"
    assert view.depends_on == ["public.author", "public.post"]
    assert view.definition.lstrip().startswith("SELECT")
    funcs = {f.name: f for f in core.functions}
    assert funcs["post_count"].kind == "function" and funcs["post_count"].volatility == "STABLE"
    assert funcs["post_count"].identity_args == "author bigint"
    assert funcs["post_count"].definition.startswith("CREATE OR REPLACE FUNCTION public.post_count(author bigint)")
    assert funcs["archive_old"].kind == "procedure" and funcs["archive_old"].language == "plpgsql"
    assert core.server_version and core.schemas[0].name == "public"


def test_query_count_is_constant(pg_server):
    """The number of statements does not grow with the number of tables."""
    import psycopg

    from aishell.dialects.postgres.inspect import inspect_connection

    counts = []
    for n in (1, 40):
        with pg_server.temporary_database(prefix="aishell_test_") as conninfo:
            with psycopg.connect(conninfo, autocommit=True) as conn:
                for i in range(n):
                    conn.execute(f"CREATE TABLE t{i} (id int PRIMARY KEY, p int REFERENCES t{max(i - 1, 0)}(id))")
                    conn.execute(f"CREATE INDEX ON t{i} (p)")
            seen: list[str] = []

            class CountingCursor(psycopg.Cursor):
                def execute(self, query, params=None, **kw):
                    seen.append(str(query))
                    return super().execute(query, params, **kw)

            with psycopg.connect(conninfo, cursor_factory=CountingCursor) as conn:
                schema = inspect_connection(conn)
                assert len(schema.tables) == n
            counts.append(len(seen))
    assert counts[0] == counts[1] == len(QUERIES) + 1


def test_indexes_read_on_a_second_connection_in_the_same_snapshot(pg_server, scratch_db, monkeypatch):
    """On a large catalog inspect() (through psycopg; tests/postgres/test_inspect_libpq.py has the libpq
    reader's twin) reads the indexes query on a second backend that imported the first
    one's snapshot, and the model is the one a single connection reads."""
    import psycopg

    from aishell.dialects.postgres import connect as connect_module
    from aishell.dialects.postgres import inspect as inspect_module
    from aishell.dialects.postgres.inspect import SIDE_QUERIES, inspect_connection
    from aishell.model.serialize import dumps

    load(pg_server, scratch_db, OBJECTS / "core.sql")
    ran: list[tuple[int, str]] = []

    class RecordingCursor(psycopg.Cursor):
        def execute(self, query, params=None, **kw):
            text = query.as_string(self.connection) if hasattr(query, "as_string") else str(query)
            ran.append((self.connection.info.backend_pid, text))
            return super().execute(query, params, **kw)

    real_connect = connect_module.connect
    monkeypatch.setattr(connect_module, "connect",
                        lambda conninfo, **kw: real_connect(conninfo, cursor_factory=RecordingCursor, **kw))
    # A small catalog is read on one connection.
    inspect(scratch_db, reader="psycopg")
    assert len({pid for pid, _ in ran}) == 1
    ran.clear()
    monkeypatch.setattr(inspect_module, "SIDE_MIN_INDEXES", 0)
    both = inspect(scratch_db, reader="psycopg")
    main_pid = ran[0][0]
    side = [text for pid, text in ran if pid != main_pid]
    assert side and side[0].startswith("SET TRANSACTION SNAPSHOT '")
    assert len([t for t in side if "pg_get_indexdef" in t]) == len(SIDE_QUERIES) == 1
    assert not any("pg_get_indexdef(i.indexrelid) AS definition" in t for pid, t in ran if pid == main_pid)
    with psycopg.connect(scratch_db) as conn:
        single = inspect_connection(conn)
    assert dumps(both) == dumps(single)


def test_parse_acl():
    privs = parse_acl(['=r/postgres', 'app=ar*/postgres', '"we""ird"=U/"own er"'])
    assert privs[0].grantee == "PUBLIC" and privs[0].privileges == ["SELECT"]
    assert privs[1].privileges == ["INSERT"] and not privs[1].grantable
    assert privs[2].privileges == ["SELECT"] and privs[2].grantable
    assert privs[3].grantee == 'we"ird' and privs[3].grantor == "own er" and privs[3].privileges == ["USAGE"]


@pytest.mark.parametrize("server_name", ["embedded", "pg15"])
def test_pagila(request, server_name):
    """The real Pagila schema (PostgreSQL 18 file on the embedded server, the PG 15 variant on 15)."""
    server = request.getfixturevalue("sandbox" if server_name == "embedded" else "pg15_server")
    source = CORPUS / ("pagila-schema.sql" if server_name == "embedded" else "pagila-schema-pg15.sql")
    with server.temporary_database(prefix="aishell_test_") as conninfo:
        load(server, conninfo, source)
        m = inspect(conninfo)
    expected_tables = 71 if server_name == "embedded" else 70  # the PG 15 variant drops film_embedding
    assert len(m.tables) == expected_tables
    assert sum(1 for t in m.tables if t.partition_of == "public.payment") == 55
    assert sorted(v.name for v in m.views if not v.materialized) == [
        "actor_info", "customer_list", "film_list", "nicer_but_slower_film_list", "sales_by_film_category",
        "sales_by_store", "staff_list"]
    assert [v.name for v in m.views if v.materialized] == ["rental_by_category"]
    assert len(m.functions) == 10 and [f.name for f in m.functions if f.kind == "aggregate"] == ["group_concat"]
    assert [e.name for e in m.enums] == ["mpaa_rating"]
    assert sorted(d.name for d in m.domains) == ["bıgınt", "year"]
    film = m.table("film")
    assert film.column("rating").type == "public.mpaa_rating"
    assert film.column("film_id").default == "nextval('public.film_film_id_seq'::regclass)"
    assert film.column("length_hours").generated_kind == ("virtual" if server_name == "embedded" else "stored")
    assert {fk.ref_table for fk in film.foreign_keys} == {"language"}
    assert m.table("payment").partition_by == "RANGE (payment_date)"
    assert sum(len(t.foreign_keys) for t in m.tables) >= 30
    assert m.server_version.startswith("18." if server_name == "embedded" else "15.")


def test_inspect_is_read_only_snapshot(pg_server, scratch_db):
    """Every catalog query runs in one READ ONLY, REPEATABLE READ transaction with a statement timeout."""
    import psycopg

    from aishell.dialects.postgres.inspect import inspect_connection

    load(pg_server, scratch_db, OBJECTS / "core.sql")
    settings: list[tuple] = []

    class ProbingCursor(psycopg.Cursor):
        probing = False

        def execute(self, query, params=None, **kw):
            result = super().execute(query, params, **kw)
            if not ProbingCursor.probing:
                ProbingCursor.probing = True
                try:
                    with self.connection.cursor() as probe:
                        probe.execute(
                            "SELECT current_setting('transaction_read_only'),"
                            " current_setting('transaction_isolation'), current_setting('statement_timeout'),"
                            " txid_current_if_assigned() IS NULL, pg_current_xact_id_if_assigned() IS NULL"
                        )
                        settings.append(probe.fetchone())
                finally:
                    ProbingCursor.probing = False
            return result

    with psycopg.connect(scratch_db, cursor_factory=ProbingCursor) as conn:
        inspect_connection(conn, statement_timeout="45s")
        # The connection is left read only: a write attempt fails.
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute("CREATE TABLE sneaky (a int)")
    assert len(settings) == len(QUERIES) + 1
    assert set(settings) == {("on", "repeatable read", "45s", True, True)}


@pytest.mark.parametrize("reader", [None, "psycopg"])  # libpq where it loads (the default), and psycopg
def test_lock_wait_ends_with_a_clear_error(pg_server, scratch_db, reader):
    """A table locked by a migration makes inspect stop at its timeout with one clear line."""
    import psycopg

    from aishell.errors import AishellError

    load(pg_server, scratch_db, OBJECTS / "core.sql")
    with psycopg.connect(scratch_db) as locker:
        locker.execute("LOCK TABLE public.post IN ACCESS EXCLUSIVE MODE")
        # pg_get_expr and friends take ACCESS SHARE locks, as pg_dump does: inspect waits, then stops.
        with pytest.raises(AishellError, match="timeout"):
            inspect(scratch_db, statement_timeout="300ms", reader=reader)
        locker.rollback()
    assert inspect(scratch_db, statement_timeout="5s", reader=reader).table("post")


@pytest.mark.parametrize("version", [130000, 140000, 150000, 160000, 170000, 180000])
def test_catalog_queries_render_for_every_major(version):
    """The version-conditional SQL parses for PostgreSQL 13 to 18 (majors without a server here too)."""
    import pglast

    from aishell.dialects.postgres.inspect import catalog_sql

    for name in QUERIES:
        for stats in (True, False):
            sql = catalog_sql(name, version=version, stats=stats)
            assert "--@" not in sql
            pglast.parse_sql(sql.replace("%(schemas)s", "NULL").replace("%(nsp)s", "'{}'"))
    assert "indnullsnotdistinct" not in catalog_sql("indexes", version=140000)
    assert "indnullsnotdistinct" in catalog_sql("indexes", version=150000)
    assert "attcompression" not in catalog_sql("columns", version=130000)
    assert "conenforced" in catalog_sql("constraints", version=180000)
    assert "conenforced" not in catalog_sql("constraints", version=170000)
    assert "relpages" not in catalog_sql("relations", version=version, stats=False)


def test_unprivileged_role_can_inspect(pg_server, scratch_db):
    """A role with no privileges on the tables reads the whole schema (the catalogs are public)."""
    import psycopg
    from psycopg.conninfo import make_conninfo

    load(pg_server, scratch_db, OBJECTS / "core.sql")
    with psycopg.connect(scratch_db, autocommit=True) as conn:
        conn.execute("DO $$ BEGIN CREATE ROLE aishell_test_nopriv LOGIN; "
                     "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$")
        conn.execute("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC")
    m = inspect(make_conninfo(scratch_db, user="aishell_test_nopriv"))
    assert [t.name for t in m.tables] == ["author", "post", "post_tag"]
    assert m.table("post").foreign_keys and m.view("published_post").definition


def test_foreign_key_to_a_schema_left_out(pg_server, scratch_db):
    """--schema: a foreign key into a schema not inspected still names its referenced columns."""
    load(pg_server, scratch_db, OBJECTS / "quoting.sql")
    m = inspect(scratch_db, schemas=["Quoted Schema"], include_stats=False)
    (fk,) = m.table("Order", "Quoted Schema").foreign_keys
    assert (fk.ref_schema, fk.ref_table, fk.ref_columns) == ("public", "x; DROP TABLE y; --", ['we"ird'])
    assert m.table("x; DROP TABLE y; --") is None


def test_foreign_table(pg_server, scratch_db):
    import psycopg

    with psycopg.connect(scratch_db, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION postgres_fdw")
        conn.execute("CREATE SERVER remote FOREIGN DATA WRAPPER postgres_fdw OPTIONS (dbname 'elsewhere')")
        conn.execute("CREATE FOREIGN TABLE public.remote_item (id integer OPTIONS (column_name 'item_id'), "
                     "name text) SERVER remote OPTIONS (schema_name 'inv', table_name 'item')")
    m = inspect(scratch_db)
    t = m.table("remote_item")
    assert t.attrs["foreign"] and t.attrs["foreign_server"] == "remote"
    assert t.attrs["foreign_options"] == ["schema_name=inv", "table_name=item"]
    assert t.column("id").attrs == {"fdw_options": ["column_name=item_id"]}
    assert not any(f.name.startswith("postgres_fdw") for f in m.functions)


def test_check_expressions_match_pg_get_expr(pg_server, scratch_db):
    """The expression taken from a check's definition is exactly pg_get_expr(conbin), for tables and
    domains, with NOT VALID, NO INHERIT and awkward text inside."""
    import psycopg

    for name in ("types.sql", "tables.sql", "quoting.sql"):
        load(pg_server, scratch_db, OBJECTS / name)
    with psycopg.connect(scratch_db, autocommit=True) as conn:
        conn.execute("CREATE TABLE public.tricky (a text, CONSTRAINT tricky_a_check CHECK (a <> ') NOT VALID'))")
        conn.execute("ALTER TABLE public.tricky ADD CONSTRAINT tricky_b CHECK (a <> ' NO INHERIT)') "
                     "NO INHERIT NOT VALID")
        conn.execute("SET search_path = ''")
        expected = dict(conn.execute(
            "SELECT conname, pg_get_expr(conbin, conrelid) FROM pg_constraint c"
            " JOIN pg_namespace n ON n.oid = c.connamespace"
            " WHERE contype = 'c' AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'"
        ).fetchall())
    m = inspect(scratch_db, include_stats=False)
    got = {c.name: c.expression for t in m.tables for c in t.checks}
    got.update({c.name: c.expression for d in m.domains for c in d.checks})
    assert got == {k: v for k, v in expected.items() if k in got}
    assert {"tricky_a_check", "tricky_b", "sku_not_blank", "account_balance_check", "x; check --"} <= set(got)


def test_live_statistics(pg_server, scratch_db):
    """Row estimates, sizes and scan counts land in attrs; --no-stats / include_stats=False leaves them out."""
    import time as _time

    import psycopg

    with psycopg.connect(scratch_db, autocommit=True) as conn:
        conn.execute("CREATE TABLE public.measure (id integer PRIMARY KEY, v text)")
        conn.execute("INSERT INTO public.measure SELECT g, repeat('x', 50) FROM generate_series(1, 2000) g")
        conn.execute("DELETE FROM public.measure WHERE id <= 100")
        conn.execute("ANALYZE public.measure")
        conn.execute("SET enable_seqscan = off")
        conn.execute("SELECT v FROM public.measure WHERE id = 500").fetchall()
        conn.execute("SELECT count(*) FROM public.measure WHERE id > 0").fetchall()
        conn.execute("SELECT pg_stat_force_next_flush()")
    deadline = _time.monotonic() + 10
    while True:
        t = inspect(scratch_db).table("measure")
        if t.attrs.get("idx_scan", 0) >= 1 or _time.monotonic() > deadline:
            break
        _time.sleep(0.2)
    a = t.attrs
    assert a["row_estimate"] == 1900
    assert a["table_bytes"] > 0 and a["index_bytes"] > 0
    assert a["total_bytes"] == a["table_bytes"] + a["index_bytes"]
    assert a["idx_scan"] >= 1 and a["seq_scan"] >= 0 and a["n_dead_tup"] >= 0
    (pk,) = t.indexes
    assert pk.attrs["bytes"] == a["index_bytes"] and pk.attrs["scans"] == a["idx_scan"]
    bare = inspect(scratch_db, include_stats=False).table("measure")
    assert bare.attrs == {} and bare.indexes[0].attrs == {}


def test_a_failure_while_building_stops_the_reader(pg_server, scratch_db, monkeypatch):
    """An error (or Ctrl-C) while the model is built ends inspect at once: the pipelined query is
    cancelled and the reader thread is gone."""
    import threading

    from aishell.dialects.postgres import inspect as mod

    load(pg_server, scratch_db, OBJECTS / "core.sql")

    def boom(self, rows):
        raise KeyboardInterrupt

    monkeypatch.setattr(mod._Builder, "_on_columns", boom)
    with pytest.raises(KeyboardInterrupt):
        mod.inspect(scratch_db)
    assert not any(t.name == "aishell-inspect-reader" for t in threading.enumerate())
    monkeypatch.undo()
    assert mod.inspect(scratch_db).table("post")
