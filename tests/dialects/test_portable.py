"""The pieces the three generators share: type parsing, expression translation and its refusals,
array literals, flattened names."""

from __future__ import annotations

import pytest

from aishell.dialects.portable import (
    Untranslatable,
    flat_names,
    parse_type,
    pg_array_to_json,
    resolve_type,
    translate_expr,
)
from aishell.model import Domain, EnumType, Schema, Table


@pytest.mark.parametrize(
    ("text", "base", "args", "array"),
    [
        ("character varying(255)", "varchar", (255,), 0),
        ("VARCHAR(255)", "varchar", (255,), 0),
        ("timestamp(3) with time zone", "timestamptz", (3,), 0),
        ("TIMESTAMPTZ", "timestamptz", (), 0),
        ("numeric(10,2)", "numeric", (10, 2), 0),
        ("DECIMAL(10, 2)", "numeric", (10, 2), 0),
        ("integer[]", "integer", (), 1),
        ("text[][]", "text", (), 2),
        ("double precision", "double", (), 0),
        ('"char"', "char1", (), 0),
        ("public.vector(20)", "vector", (20,), 0),
        ("interval day to second", "interval", (), 0),
        ("pg_catalog.int4", "integer", (), 0),
        ('public."bıgınt"', "user", (), 0),
    ],
)
def test_parse_type(text, base, args, array):
    t = parse_type(text)
    assert (t.base, t.args, t.array) == (base, args, array)


def test_serial_spellings_and_user_types():
    assert parse_type("BIGSERIAL").serial and parse_type("BIGSERIAL").base == "bigint"
    assert parse_type('public."bıgınt"').user == ("public", "bıgınt")
    schema = Schema(
        enums=[EnumType("mood", ["ok", "sad"])],
        domains=[Domain("bıgınt", "bigint"), Domain("ids", 'public."bıgınt"[]', not_null=True)],
    )
    assert resolve_type(schema, "public.mood[]").type.base == "enum"
    assert resolve_type(schema, "public.mood[]").type.array == 1
    assert resolve_type(schema, 'public."bıgınt"').type.base == "bigint"
    r = resolve_type(schema, "ids")
    assert (r.type.base, r.type.array, r.domain_not_null) == ("bigint", 1, True)


def test_translate_rewrites():
    assert (
        translate_expr("((rating = ANY (ARRAY['G'::text, 'PG'::text])))", "mysql")
        == "((`rating` IN ('G', 'PG')))"
    )
    assert translate_expr("(price >= (0)::numeric)", "sqlite") == '("price" >= 0)'
    assert translate_expr("(VALUE > 0)", "mysql", value_column="n") == "(`n` > 0)"
    assert translate_expr("(a ~ 'x'::text)", "mysql") == "(`a` REGEXP 'x')"
    assert translate_expr("(a ~* 'x'::text)", "mysql") == "(`a` REGEXP '(?i)x')"
    assert "DECIMAL(65, 30)" in translate_expr("((x)::numeric / 3)", "mysql")  # never DECIMAL(10,0)
    view = translate_expr("SELECT t.a FROM public.t", "sqlite", statement=True, table_name=lambda s, n: "T2")
    assert view == 'SELECT "t"."a" FROM "T2" AS "t"'  # the old name stays usable as a qualifier


@pytest.mark.parametrize(
    ("expr", "dialect", "why"),
    [
        ("uuidv7()", "mysql", "uuidv7"),
        ("(a ~ 'x'::text)", "sqlite", "regular expression"),
        ("(tags && ARRAY['a'::text])", "mysql", "Array"),
        ("(created_at <= now())", "mysql", "not deterministic"),
        ("(x = ANY (ys))", "sqlite", "Any"),
        ("((x)::public.mood = 'ok')", "mysql", "mood"),
    ],
)
def test_translate_refuses(expr, dialect, why):
    with pytest.raises(Untranslatable, match=why):
        translate_expr(expr, dialect, check=True)


def test_array_literals_as_json():
    assert pg_array_to_json("{1,2}", "integer") == "[1, 2]"
    assert pg_array_to_json('{"a b",c,NULL}', "text") == '["a b", "c", null]'
    assert pg_array_to_json("{}", "text") == "[]"
    assert pg_array_to_json("{{1},{2}}", "integer") is None


def test_flat_names_keep_schemas_apart():
    schema = Schema(tables=[Table("t"), Table("t", schema="audit"), Table("u", schema="audit")])
    assert flat_names(schema) == {"public.t": "t", "audit.t": "audit_t", "audit.u": "u"}


def test_unknown_options_are_refused():
    from aishell.dialects.mongo.generate import generate as mongo
    from aishell.dialects.mysql.generate import generate as mysql
    from aishell.dialects.sqlite.generate import generate as sqlite
    from aishell.errors import UserError

    for gen in (mysql, sqlite, mongo):
        with pytest.raises(UserError, match="unknown option 'colation'"):
            gen(Schema(), colation="x")
