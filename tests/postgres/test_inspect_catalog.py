"""The object kinds of model format 2 (tests/fixtures/objects/catalog.sql), introspected on PostgreSQL
18 (embedded) and 15 (system): concrete fields, secrets never read, strict JSON of format 2."""

from __future__ import annotations

import json

import pytest

from aishell.dialects.postgres.inspect import inspect
from aishell.model import ModelFormatError, dumps, loads
from aishell.sources import run_sql_text
from tests.conftest import FIXTURES

SECRETS = """
CREATE SERVER aishell_fixture_secret_srv FOREIGN DATA WRAPPER aishell_fixture_fdw
    OPTIONS (host 'db.example', password 'srv-s3cret');
CREATE USER MAPPING FOR postgres SERVER aishell_fixture_srv OPTIONS (user 'me', password 'um-s3cret');
CREATE SUBSCRIPTION aishell_fixture_secret_sub
    CONNECTION 'host=192.0.2.1 dbname=up user=rep password=sub-s3cret'
    PUBLICATION aishell_fixture_pub WITH (connect = false);
"""


COMMON = ["core.sql", "types.sql", "tables.sql", "views.sql", "routines.sql", "quoting.sql", "catalog.sql"]


@pytest.fixture(scope="module", params=["embedded", "pg15"])
def database(request):
    server = request.getfixturevalue("sandbox" if request.param == "embedded" else "pg15_server")
    with server.temporary_database(prefix="aishell_test_catalog_") as conninfo:
        for name in COMMON:
            # catalog.sql holds what only a superuser makes (event triggers, subscriptions, wrappers):
            # no .sql SOURCE may, so the fixture is run as our own text.
            run_sql_text(conninfo, (FIXTURES / "objects" / name).read_text(), label=name)
        run_sql_text(conninfo, "SET client_min_messages = error;" + SECRETS, server.bin("psql"))
        yield conninfo


@pytest.fixture(scope="module")
def model(database):
    return inspect(database, include_stats=False)


def test_text_search_configuration_with_unaccent_mappings(model):
    cfg = {c.name: c for c in model.text_search_configs}
    names = cfg["names"]
    assert names.parser == '"default"' and names.comment == "Accent-blind names"
    maps = {m.token: m.dictionaries for m in names.mappings}
    assert maps["hword"] == maps["word"] == ["search.unaccent", "simple"]
    assert maps["numword"] == ["simple"] and len(maps) == 12
    assert {m.token: m.dictionaries for m in cfg["english_plain"].mappings}["asciiword"] == [
        "search.english_stem_nostop"]
    dicts = {d.name: d for d in model.text_search_dictionaries}
    assert dicts["english_stem_nostop"].template == "snowball"
    assert dicts["english_stem_nostop"].options == "language = 'english'"
    assert dicts["plain_dict"].template == "search.simple_tmpl"
    (parser,) = model.text_search_parsers
    assert (parser.start, parser.headline) == ("prsd_start", "prsd_headline")
    (tmpl,) = model.text_search_templates
    assert (tmpl.init, tmpl.lexize) == ("dsimple_init", "dsimple_lexize")


def test_types_casts_operators(model):
    colls = {c.name: c for c in model.collations}
    assert (colls["posix_c"].provider, colls["posix_c"].locale) == ("libc", "C")
    assert (colls["split_c"].lc_collate, colls["split_c"].lc_ctype) == ("C", "POSIX")
    ranges = {r.name: r for r in model.range_types}
    assert ranges["floatrange"].subtype_diff == "float8mi" and ranges["floatrange"].multirange is None
    assert ranges["textrange"].multirange == "search.text_ranges" and ranges["textrange"].collation == '"C"'
    (myint,) = model.base_types
    assert (myint.input, myint.internal_length, myint.passed_by_value, myint.category) == (
        "search.myint_in", 4, True, "N")
    # The range types' constructors and casts are PostgreSQL's, not ours.
    assert not any(f.name in ("floatrange", "floatmultirange") for f in model.functions)
    casts = {(c.source, c.target): c for c in model.casts}
    assert set(casts) == {("search.myint", "integer"), ("integer", "search.myint")}
    assert casts[("search.myint", "integer")].context == "assignment"
    ops = {(o.name, o.left, o.right): o for o in model.operators}
    eq = ops[("=~=", "text", "text")]
    assert (eq.commutator, eq.restrict, eq.hashes, eq.merges) == ("search.=~=", "eqsel", True, True)
    assert ops[("!~!", None, "numeric")].function == "numeric_uminus"
    classes = {c.name: c for c in model.operator_classes}
    assert classes["ci_ops"].operators == ["OPERATOR 1 search.<~<(text,text)", "OPERATOR 3 search.=~=(text,text)"]
    families = {f.name: f for f in model.operator_families}
    assert families["loose_ops"].functions == ["FUNCTION 1 (integer, bigint) btint48cmp(integer,bigint)"]
    assert families["ci_ops"].operators == []  # its members belong to the class


def test_rules_event_triggers_publications(model):
    artist = model.table("artist", "search")
    rules = {r.name: r for r in artist.rules}
    assert rules["artist_no_delete"].enabled == "D" and rules["artist_log_insert"].comment == "Audit trail"
    assert model.view("artist_names", "search").rules[0].event == "INSERT"
    evt = {e.name: e for e in model.event_triggers}
    assert evt["aishell_fixture_note_ddl"].tags == ["CREATE TABLE", "ALTER TABLE"]
    assert evt["aishell_fixture_note_drop"].enabled == "D"
    pubs = {p.name: p for p in model.publications}
    pub = pubs["aishell_fixture_pub"]
    assert pub.publish == ["insert", "update"] and pub.via_root
    assert [(t.table, t.columns, t.where) for t in pub.tables] == [
        ("search.artist", ["id", "name"], "(id > 0)"), ("search.span", [], None)]
    assert pubs["aishell_fixture_pub_schema"].schemas == ["search"]
    defaults = {(d.role, d.schema, d.object_type) for d in model.default_privileges}
    assert ("postgres", "search", "TABLES") in defaults and ("aishell_fixture_reader", None, "FUNCTIONS") in defaults


def test_secrets_are_never_read(model):
    text = dumps(model)
    assert "s3cret" not in text
    subs = {s.name: s for s in model.subscriptions}
    secret = subs["aishell_fixture_secret_sub"]
    assert "password" not in secret.connection and secret.attrs["secret_options"] == ["password"]
    assert "host=192.0.2.1" in secret.connection
    assert subs["aishell_fixture_sub"].options == {"slot_name": "mirror_slot", "binary": "true"}
    servers = {s.name: s for s in model.foreign_servers}
    assert servers["aishell_fixture_secret_srv"].options == ["host=db.example"]
    assert servers["aishell_fixture_secret_srv"].attrs["secret_options"] == ["password"]
    maps = {(m.user, m.server): m for m in model.user_mappings}
    assert maps[("postgres", "aishell_fixture_srv")].options == ["user=me"]
    assert maps[("public", "aishell_fixture_srv")].options == []
    # The generated DDL says what it left out, and never connects a subscription.
    from aishell.dialects.postgres.generate import generate

    ddl = generate(model)
    assert "s3cret" not in ddl and "connect = false" in ddl
    assert "-- password not copied" in ddl


def test_json_is_format_2_and_strict(model):
    text = dumps(model)
    data = json.loads(text)
    assert data["format_version"] == 2
    again = loads(text)
    assert again.text_search_configs == model.text_search_configs and again.casts == model.casts
    assert dumps(again) == text
    data["format_version"] = 1
    with pytest.raises(ModelFormatError, match="base_types: needs format_version 2"):
        loads(json.dumps(data))
    data["format_version"] = 2
    data["text_search_configs"][0]["mappings"][0]["dictionaries"] = "simple"
    with pytest.raises(ModelFormatError, match=r"text_search_configs\[0\]\.mappings\[0\]\.dictionaries"):
        loads(json.dumps(data))
