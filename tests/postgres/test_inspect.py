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


def test_parse_acl():
    privs = parse_acl(['=r/postgres', 'app=ar*/postgres', '"we""ird"=U/"own er"'])
    assert privs[0].grantee == "PUBLIC" and privs[0].privileges == ["SELECT"]
    assert privs[1].privileges == ["INSERT"] and not privs[1].grantable
    assert privs[2].privileges == ["SELECT"] and privs[2].grantable
    assert privs[3].grantee == 'we"ird' and privs[3].grantor == "own er" and privs[3].privileges == ["USAGE"]
