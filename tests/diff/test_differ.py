"""The differ and planner over hand-built models: no database needed."""

from __future__ import annotations

from aishell.diff import build_plan, diff_schemas
from aishell.diff import changes as ch
from aishell.model import Column, EnumType, Index, Schema, Table


def users(*extra: Column, **kw) -> Table:
    cols = [Column("id", "bigint", nullable=False), Column("email", "character varying(100)"), *extra]
    return Table("users", columns=cols, primary_key=["id"], primary_key_name="users_pkey", **kw)


def test_equal_schemas_have_no_changes():
    a = Schema(tables=[users()])
    assert not diff_schemas(a, Schema(tables=[users()]))


def test_design_spellings_compare_equal():
    a = Schema(tables=[users()])
    b = Schema(tables=[Table("users", columns=[Column("id", "BIGINT", nullable=False),
                                                Column("email", "VARCHAR(100)")], primary_key=["id"])])
    assert not diff_schemas(a, b).changes


def test_add_column_and_reverse_is_drop():
    a = Schema(tables=[users()])
    b = Schema(tables=[users(Column("name", "text"))])
    cs = diff_schemas(a, b)
    assert [type(c).__name__ for c in cs.changes] == ["AddColumn"]
    rev = cs.changes[0].reverse()
    assert isinstance(rev, ch.DropColumn) and rev.old.name == "name"
    plan = build_plan(cs, a, b)
    assert "ALTER TABLE public.users ADD COLUMN name text" in plan.sql()
    down = build_plan(cs.reverse(), b, a)
    assert down.unsafe_statements and "DROP COLUMN name" in down.sql()


def test_drop_table_is_unsafe_and_probable_rename_reported():
    a = Schema(tables=[users(), Table("people", columns=[Column("x", "integer")])])
    b = Schema(tables=[users(), Table("persons", columns=[Column("x", "integer")])])
    cs = diff_schemas(a, b)
    assert [(p.kind, p.old, p.new) for p in cs.probable_renames] == [("table", "public.people", "persons")]
    plan = build_plan(cs, a, b)
    assert any("DROP TABLE public.people" in s.sql for s in plan.unsafe_statements)
    renamed = diff_schemas(a, b, renames=["people:persons"])
    assert [type(c).__name__ for c in renamed.changes] == ["RenameTable"]
    assert "ALTER TABLE public.people RENAME TO persons" in build_plan(renamed, a, b).sql()


def test_column_rename_confirmed():
    a = Schema(tables=[users(Column("fullname", "text"))])
    b = Schema(tables=[users(Column("name", "text"))])
    cs = diff_schemas(a, b)
    assert cs.probable_renames[0].hint() == "--rename public.users.fullname:name"
    cs = diff_schemas(a, b, renames=["users.fullname:name"])
    assert [type(c).__name__ for c in cs.changes] == ["RenameColumn"]


def test_index_added_concurrently_outside_transaction():
    a = Schema(tables=[users()])
    t = users()
    t.indexes.append(Index("users_email_idx", ["email"]))
    b = Schema(tables=[t])
    plan = build_plan(diff_schemas(a, b), a, b)
    (s,) = plan.statements
    assert s.sql.startswith("CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx ON public.users")
    assert not s.transactional
    assert "BEGIN" not in plan.sql()


def test_narrowing_is_unsafe_widening_is_not():
    a = Schema(tables=[users()])
    wide = users()
    wide.columns[1].type = "character varying(200)"
    narrow = users()
    narrow.columns[1].type = "character varying(50)"
    assert not build_plan(diff_schemas(a, Schema(tables=[wide])), a, Schema(tables=[wide])).unsafe_statements
    b = Schema(tables=[narrow])
    assert build_plan(diff_schemas(a, b), a, b).unsafe_statements


def test_enum_add_value_vs_rebuild():
    a = Schema(enums=[EnumType("mood", ["sad", "ok"])])
    b = Schema(enums=[EnumType("mood", ["sad", "ok", "happy"])])
    plan = build_plan(diff_schemas(a, b), a, b)
    assert [s.sql for s in plan.statements] == ["ALTER TYPE public.mood ADD VALUE IF NOT EXISTS 'happy' AFTER 'ok'"]
    # In the plan's transaction (PostgreSQL 12+): a failing plan leaves the enum as it was.
    assert plan.statements[0].transactional
    down = build_plan(diff_schemas(b, a), b, a)
    assert "RENAME TO mood__aishell_old" in down.sql() and down.unsafe_statements


def test_set_not_null_goes_through_a_check():
    a = Schema(tables=[users()])
    t = users()
    t.columns[1].nullable = False
    b = Schema(tables=[t])
    sql = build_plan(diff_schemas(a, b), a, b).sql()
    assert "CHECK (email IS NOT NULL) NOT VALID" in sql and "VALIDATE CONSTRAINT" in sql
    assert sql.index("VALIDATE") < sql.index("SET NOT NULL")
