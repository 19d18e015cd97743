"""Hostile `.json` models (issue 9, item 2): a model file runs nothing it does not declare.

Every field the PostgreSQL generator pastes into DDL is parsed as what it claims to be
(``aishell.model.check``). Three layers of proof:

* the real command line (``schema validate``, ``generate sql``, ``diff``) with hostile files: exit 1, one
  line naming the file and the field, no traceback, and the marker file a ``COPY ... TO PROGRAM`` would
  create is never made (the sandbox runs as a superuser: on main it is made);
* every string field of every object kind, taken from real inspected models, replaced in turn with
  injection payloads: either the file is refused naming that field, or the DDL generated from it holds
  no statement the payload smuggled in (split by pglast's scanner, each statement parsed);
* legitimate models (every fixture of tests/fixtures/objects and Pagila, inspected) still load unchanged.
"""

from __future__ import annotations

import copy
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CORPUS, FIXTURES, TEST_URL, run_cli

OBJECTS = FIXTURES / "objects"
LEGIT = ["catalog", "core", "quoting", "routines", "tables", "types", "views", "pg18"]


def one_line_error(r, code: int = 1) -> str:
    assert r.returncode == code, (r.returncode, r.stdout[-2000:], r.stderr)
    assert r.stderr.startswith("aishell: error:"), r.stderr
    assert r.stderr.count("\n") == 1, r.stderr
    assert "Traceback" not in r.stderr
    return r.stderr


@pytest.fixture
def drop():
    """A folder the sandbox's server process (another OS user) may reach and write into: where a
    smuggled COPY TO PROGRAM would leave its marker file (pytest's tmp_path is private to its user)."""
    folder = Path(tempfile.mkdtemp(prefix="aishell-hostile-"))
    folder.chmod(0o777)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _table(**extra: Any) -> dict[str, Any]:
    table = {"name": "orders", "columns": [{"name": "id", "type": "integer", "nullable": False},
                                            {"name": "total", "type": "numeric(10,2)"}],
             "primary_key": ["id"]}
    table.update(extra)
    return table


def _model(**extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"format_version": 2, "tables": [_table()]}
    doc.update(extra)
    return doc


PLPYTHON = "CREATE FUNCTION public.f() RETURNS integer LANGUAGE plpython3u AS $$ import os $$"


def _hostile_files(marker: Path) -> dict[str, tuple[dict[str, Any], str]]:
    """name -> (model document, the path its error must name)."""
    copy_program = f"COPY (SELECT 1) TO PROGRAM 'touch {marker}'"
    plpgsql_copy = ("CREATE OR REPLACE FUNCTION public.stamp() RETURNS trigger LANGUAGE plpgsql AS $f$ "
                    f"BEGIN {copy_program}; RETURN NEW; END $f$")
    plpgsql_dynamic = ("CREATE OR REPLACE FUNCTION public.stamp() RETURNS trigger LANGUAGE plpgsql AS $f$ "
                       f"BEGIN EXECUTE 'COPY (SELECT 1) TO PROGRAM ''touch {marker}'''; RETURN NEW; END $f$")
    trigger = {"name": "stamp", "timing": "BEFORE", "events": ["INSERT"], "function": "public.stamp"}
    col = "tables.public.orders.columns"
    return {
        "column type": (_model(tables=[_table(columns=[
            {"name": "id", "type": "integer", "nullable": False},
            {"name": "total", "type": f"int); {copy_program}; CREATE TABLE t2 (b int"}])]),
            f"{col}.total.type"),
        "column default": (_model(tables=[_table(columns=[
            {"name": "id", "type": "integer", "nullable": False},
            {"name": "total", "type": "integer", "default": f"1; {copy_program}; SELECT 1"}])]),
            f"{col}.total.default"),
        "default reading a file": (_model(tables=[_table(columns=[
            {"name": "id", "type": "integer", "nullable": False},
            {"name": "total", "type": "text", "default": "pg_read_file('/etc/passwd')"}])]),
            f"{col}.total.default"),
        "generated": (_model(tables=[_table(columns=[
            {"name": "id", "type": "integer", "nullable": False},
            {"name": "total", "type": "integer", "generated": f"1) STORED); {copy_program}; --"}])]),
            f"{col}.total.generated"),
        "check": (_model(tables=[_table(checks=[{"name": "c", "expression": f"true); {copy_program}; --"}])]),
                  "tables.public.orders.checks.c.expression"),
        "check definition": (_model(tables=[_table(checks=[
            {"name": "c", "expression": "true",
             "definition": f"CHECK (true)); {copy_program}; SELECT (1"}])]),
            "tables.public.orders.checks.c.definition"),
        "index where": (_model(tables=[_table(indexes=[
            {"name": "i", "columns": ["total"], "where": f"true); {copy_program}; SELECT (1"}])]),
            "tables.public.orders.indexes.i.where"),
        "index expression": (_model(tables=[_table(indexes=[
            {"name": "i", "columns": [f"lo_export(1, '{marker}')"], "expressions": [True]}])]),
            "tables.public.orders.indexes.i.columns[0]"),
        "index definition": (_model(tables=[_table(indexes=[
            {"name": "i", "columns": ["total"],
             "definition": f"CREATE INDEX i ON public.orders (total); {copy_program}"}])]),
            "tables.public.orders.indexes.i.definition"),
        "view body": (_model(views=[{"name": "v", "definition": f"SELECT 1; {copy_program}"}]),
                      "views.public.v.definition"),
        "materialized view reading a file": (_model(views=[
            {"name": "v", "materialized": True, "definition": "SELECT pg_read_file('/etc/passwd') AS f"}]),
            "views.public.v.definition"),
        "policy": (_model(tables=[_table(policies=[{"name": "p", "using": f"true); {copy_program}; --"}])]),
                   "tables.public.orders.policies.p.using"),
        "trigger when": (_model(tables=[_table(triggers=[
            dict(trigger, when=f"true) EXECUTE FUNCTION x(); {copy_program}; --")])]),
                         "tables.public.orders.triggers.stamp.when"),
        "function body COPY": (_model(tables=[_table(triggers=[trigger])], functions=[
            {"name": "stamp", "returns": "trigger", "language": "plpgsql", "definition": plpgsql_copy}]),
            "functions.public.stamp().definition"),
        "trigger function with dynamic SQL": (_model(tables=[_table(triggers=[trigger])], functions=[
            {"name": "stamp", "returns": "trigger", "language": "plpgsql", "definition": plpgsql_dynamic}]),
            "functions.public.stamp().definition"),
        "untrusted language": (_model(functions=[
            {"name": "f", "returns": "integer", "language": "plpython3u",
             "definition": PLPYTHON}]),
            "functions.public.f().language"),
        "untrusted language in the definition only": (_model(functions=[
            {"name": "f", "returns": "integer", "language": "sql",
             "definition": PLPYTHON}]),
            "functions.public.f().definition"),
        "C library from anywhere": (_model(functions=[
            {"name": "f", "returns": "integer", "language": "c",
             "definition": f"CREATE FUNCTION public.f() RETURNS integer LANGUAGE c AS '{marker}.so', 'f'"}]),
            "functions.public.f().definition"),
        "internal function bound to a file-reading symbol": (_model(functions=[
            {"name": "harmless", "returns": "text", "language": "internal",
             "definition": "CREATE FUNCTION public.harmless(text) RETURNS text LANGUAGE internal "
                           "AS 'pg_read_file_all'"}]),
            "functions.public.harmless().definition"),
        "internal function bound to lo_import's symbol": (_model(functions=[
            {"name": "harmless", "returns": "oid", "language": "internal",
             "definition": "CREATE FUNCTION public.harmless(text) RETURNS oid LANGUAGE internal "
                           "AS 'be_lo_import'"}]),
            "functions.public.harmless().definition"),
        "event trigger function": (_model(functions=[
            {"name": "ev", "returns": "event_trigger", "language": "plpgsql",
             "definition": "CREATE FUNCTION public.ev() RETURNS event_trigger LANGUAGE plpgsql AS $f$ BEGIN "
                           f"EXECUTE 'COPY (SELECT 1) TO PROGRAM ''touch {marker}'''; END $f$"}],
            event_triggers=[{"name": "ev", "event": "ddl_command_end", "function": "public.ev"}]),
            "functions.public.ev().definition"),
        "foreign table program": (_model(tables=[_table(attrs={
            "foreign": True, "foreign_server": "s", "foreign_options": [f"program=touch {marker}"]})]),
            "tables.public.orders.attrs.foreign_options[0]"),
        "sequence type": (_model(sequences=[{"name": "s", "type": f"bigint; {copy_program}; --"}]),
                          "sequences.public.s.type"),
        "domain default": (_model(domains=[
            {"name": "d", "type": "integer", "default": f"1; {copy_program}"}]),
                           "domains.public.d.default"),
        "cast function": (_model(casts=[{"source": "text", "target": "integer",
                                         "function": "pg_catalog.pg_read_file(text)"}]),
                          "casts.(text AS integer).function"),
        "operator name": (_model(operators=[{"name": f"=; {copy_program}; --", "function": "int4eq",
                                             "left": "integer", "right": "integer"}]),
                          "operators.public.=; COPY"),
        "publication where": (_model(publications=[{"name": "p", "tables": [
            {"table": "public.orders", "where": f"true); {copy_program}; --"}]}]),
            "publications.p.tables.public.orders.where"),
        "rule": (_model(tables=[_table(rules=[{"name": "r", "event": "INSERT", "definition":
            f"CREATE RULE r AS ON INSERT TO public.orders DO INSTEAD NOTHING; {copy_program}"}])]),
            "tables.public.orders.rules.r.definition"),
        "column storage option": (_model(tables=[_table(columns=[
            {"name": "id", "type": "integer", "nullable": False},
            {"name": "total", "type": "integer",
             "attrs": {"options": [f"n_distinct=1); {copy_program}; --"]}}])]),
            f"{col}.total.attrs.options[0]"),
        "another dialect": (dict(_model(tables=[_table(columns=[
            {"name": "id", "type": "integer", "nullable": False},
            {"name": "total", "type": "text", "default": "pg_read_file('/etc/passwd')"}])]), dialect="mysql"),
            f"{col}.total.default"),
        "statistics": (_model(tables=[_table(attrs={"statistics": [{"name": "st", "definition":
            f"CREATE STATISTICS st ON id, total FROM public.orders; {copy_program}"}]})]),
            "tables.public.orders.attrs.statistics[0].definition"),
    }


HOSTILE = sorted(_hostile_files(Path("/m")))


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_file_refused_by_validate(pg_server, drop, name):
    marker = drop / "marker"
    doc, path = _hostile_files(marker)[name]
    src = drop / "model.json"
    src.write_text(json.dumps(doc), encoding="utf-8")
    r = run_cli("schema", "validate", str(src))
    assert not marker.exists(), "the file ran a shell command"
    err = one_line_error(r)
    assert f"{src}: {path}" in err, err


@pytest.mark.parametrize("name", ["column type", "check", "function body COPY", "view body"])
def test_hostile_file_refused_by_generate_and_diff(pg_server, drop, name):
    marker = drop / "marker"
    doc, path = _hostile_files(marker)[name]
    src = drop / "model.json"
    src.write_text(json.dumps(doc), encoding="utf-8")
    good = drop / "good.json"
    good.write_text(json.dumps(_model()), encoding="utf-8")
    r = run_cli("schema", "generate", "sql", "--from", str(src))
    assert path in one_line_error(r)
    assert "COPY" not in r.stdout
    for args in ((str(src), str(good)), (str(good), str(src))):
        r = run_cli("schema", "diff", *args)
        assert path in one_line_error(r)
    assert not marker.exists()


def test_hostile_design_refused(pg_server, drop):
    """The saved design (aishell/design.json) is a model file too."""
    marker = drop / "marker"
    doc, path = _hostile_files(marker)["column default"]
    (drop / "aishell").mkdir()
    (drop / "aishell" / "design.json").write_text(json.dumps(doc), encoding="utf-8")
    r = run_cli("schema", "validate", cwd=drop)
    assert path in one_line_error(r)
    r = run_cli("schema", "generate", "sql", cwd=drop)
    assert path in one_line_error(r)
    assert not marker.exists()


def test_names_and_comments_are_quoted_not_run(pg_server, drop):
    """Names and comments are data: a name or comment holding SQL is kept as it is and runs nothing."""
    marker = drop / "marker"
    evil = f"x\"; COPY (SELECT 1) TO PROGRAM 'touch {marker}'; --"
    comment = f"'; COPY (SELECT 1) TO PROGRAM 'touch {marker}'; --"
    doc = _model(tables=[{"name": evil, "comment": comment,
                          "columns": [{"name": evil, "type": "integer", "nullable": False,
                                       "comment": comment}],
                          "primary_key": [evil]}])
    src = drop / "model.json"
    src.write_text(json.dumps(doc), encoding="utf-8")
    r = run_cli("schema", "validate", str(src), "--json")
    assert r.returncode == 0, r.stderr
    assert not marker.exists()
    r = run_cli("schema", "inspect", str(src), "--json")
    assert r.returncode == 0, r.stderr
    table = json.loads(r.stdout)["tables"][0]
    assert table["name"] == evil and table["columns"][0]["name"] == evil and table["comment"] == comment


# -- every field of every kind ---------------------------------------------------------------------------
PAYLOADS = [
    "int); COPY (SELECT 1) TO PROGRAM 'touch mc_marker'; CREATE TABLE mc_evil (b int",
    "x\"; COPY (SELECT 1) TO PROGRAM 'touch mc_marker'; --",
    "x'; COPY (SELECT 1) TO PROGRAM 'touch mc_marker'; --",
    "x$$; COPY (SELECT 1) TO PROGRAM 'touch mc_marker'; --",
    "pg_read_file('mc_marker')",
]
_SMUGGLED_NODES = {"CopyStmt", "DoStmt", "LoadStmt"}


def _statements(ddl: str) -> list[str]:
    """The DDL split at every ';' outside parentheses, by PostgreSQL's own scanner."""
    from pglast import parser

    out, start, depth = [], 0, 0
    try:
        tokens = parser.scan(ddl)
    except parser.ParseError as exc:  # an unterminated quote: the text lost its shape
        return [f"-- unscannable: {exc}"]
    for tok in tokens:
        piece = ddl[tok.start:tok.end + 1]
        if piece == "(":
            depth += 1
        elif piece == ")":
            depth -= 1
        elif piece == ";" and depth <= 0:
            out.append(ddl[start:tok.start])
            start = tok.end + 1
    out.append(ddl[start:])
    return [s for s in out if s.strip()]


def _smuggled(ddl: str, known: set[str]) -> str | None:
    """What the payload got into the DDL: a COPY/DO/LOAD statement, the marker table, pg_read_file.
    Statements the untouched model generates too (``known``) are not looked at again."""
    from pglast import parser

    from aishell.model.check import _Walk

    for text in _statements(ddl):
        if text in known:
            continue
        if text.startswith("-- unscannable"):
            return text.splitlines()[0]
        try:
            tree = json.loads(parser.parse_sql_json(text))
        except parser.ParseError:
            continue  # psql stops here (ON_ERROR_STOP); the statements around it are looked at too
        walk = _Walk().visit(tree)
        if walk.nodes & _SMUGGLED_NODES or "pg_read_file" in walk.calls or '"mc_evil"' in json.dumps(tree):
            return " ".join(text.split())[:160]
    return None


def _string_fields(doc: Any, path: tuple = ()) -> list[tuple]:
    """Paths (as keys and indexes) to every string or null leaf of a model document."""
    out = []
    if isinstance(doc, dict):
        for k, v in doc.items():
            if k in ("format_version", "server_version", "dialect", "name") and not path:
                continue
            out += _string_fields(v, (*path, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += _string_fields(v, (*path, i))
    elif isinstance(doc, str) or doc is None:
        out.append(path)
    return out


# attrs the PostgreSQL generator reads, per model class (the fixtures leave most of them unset).
_ATTRS = {"Column": {"options": "<list>", "storage": "<str>", "fdw_options": "<list>", "compression": "<str>",
                     "not_null_name": "<str>"},
          "Table": {"foreign_options": "<list>", "primary_key_definition": "<str>",
                    "replica_identity": "<str>"},
          "View": {"access_method": "<str>"}}


def _unset_fields(doc: Any, cls: type, path: tuple = ()) -> list[tuple]:
    """Paths to the string lists a model leaves empty and the attrs it leaves unset: ``(..., 0)`` appends
    to an empty list, ``(..., "attrs", key, kind)`` sets a key of attrs."""
    import dataclasses
    import typing

    out = []
    for name, hint in typing.get_type_hints(cls).items():
        value = doc.get(name) if isinstance(doc, dict) else None
        if name == "attrs" and cls.__name__ in _ATTRS:
            out += [(*path, "attrs", key, kind) for key, kind in _ATTRS[cls.__name__].items()]
        elif typing.get_origin(hint) is list and isinstance(value, list):
            (item,) = typing.get_args(hint)
            if item is str and not value:
                out.append((*path, name, 0))
            elif dataclasses.is_dataclass(item):
                for i, v in enumerate(value):
                    out += _unset_fields(v, item, (*path, name, i))
    return out


def _shape(path: tuple) -> tuple:
    return tuple("*" if isinstance(p, int) else p for p in path)


def _set(doc: Any, path: tuple, value: Any) -> None:
    if path[-1] in ("<list>", "<str>"):  # (..., "attrs", key, kind)
        for p in path[:-2]:
            doc = doc[p]
        doc[path[-2]] = [value] if path[-1] == "<list>" else value
        return
    for p in path[:-1]:
        doc = doc[p]
    if isinstance(doc, list) and path[-1] == len(doc):
        doc.append(value)
    else:
        doc[path[-1]] = value


@pytest.fixture(scope="module")
def inspected(pg_server):
    """Real models of every object kind: the fixtures of tests/fixtures/objects, inspected."""
    from aishell.dialects.postgres.inspect import inspect
    from aishell.model import to_dict
    from aishell.sources import load_sql_into, run_sql_text

    docs = {}
    for name in LEGIT:
        if name == "pg18" and pg_server.server_major() < 18:
            continue
        with pg_server.temporary_database(prefix="aishell_hostile_") as conninfo:
            path = OBJECTS / f"{name}.sql"
            if name == "catalog":  # superuser-only kinds (event triggers, wrappers): our own fixture text
                run_sql_text(conninfo, path.read_text(encoding="utf-8"), label=path.name)
            else:
                load_sql_into(conninfo, path)
            docs[name] = to_dict(inspect(conninfo, include_stats=False), keep_defaults=True)
            docs[name]["format_version"] = 2
    return docs


def test_every_field_refused_or_inert(inspected):
    """Each payload in each kind of string field (one field of each shape, from real models): refused
    naming the field, or the generated DDL holds nothing the payload smuggled in."""
    if TEST_URL:
        pytest.skip("no server is involved past the fixture: the embedded pass covers it")
    from aishell.dialects.postgres.generate import generate
    from aishell.errors import AishellError
    from aishell.model import ModelFormatError, Schema, loads
    from aishell.model.check import UnsafeModelError

    seen: set[tuple] = set()
    tried = refused = 0
    holes = []
    for doc in inspected.values():
        known = set(_statements(generate(loads(json.dumps(doc)), header=False)))
        for path in _string_fields(doc) + _unset_fields(doc, Schema):
            if _shape(path) in seen:
                continue
            seen.add(_shape(path))
            for payload in PAYLOADS:
                hostile = copy.deepcopy(doc)
                _set(hostile, path, payload)
                try:
                    schema = loads(json.dumps(hostile))
                except UnsafeModelError as exc:
                    tried += 1
                    refused += 1
                    assert "\n" not in str(exc)
                    continue
                except ModelFormatError:
                    continue  # the shape check refuses it already (a field that cannot be a string)
                tried += 1
                try:
                    ddl = generate(schema, header=False)
                except (AishellError, KeyError, ValueError, TypeError, AttributeError):
                    continue  # no DDL at all
                smuggled = _smuggled(ddl, known)
                if smuggled:
                    holes.append(f"{'.'.join(map(str, path))} = {payload!r}: {smuggled}")
    assert not holes, "\n".join(holes[:60])
    assert tried > 500 and refused > tried // 3, (tried, refused)


def test_every_legit_model_loads_unchanged(inspected, pg_server):
    """Inspected models of every fixture and of Pagila pass the checks and load as they were written."""
    from aishell.dialects.postgres.inspect import inspect
    from aishell.model import dumps, loads, to_dict
    from aishell.sources import load_sql_into

    for name, doc in inspected.items():
        again = to_dict(loads(json.dumps(doc)), keep_defaults=True)
        again["format_version"] = 2
        assert again == doc, name
    pagila = CORPUS / ("pagila-schema.sql" if pg_server.server_major() >= 16 else "pagila-schema-pg15.sql")
    with pg_server.temporary_database(prefix="aishell_hostile_") as conninfo:
        load_sql_into(conninfo, pagila, pg_server.bin("psql"))
        model = inspect(conninfo, include_stats=False)
    text = dumps(model)
    assert dumps(loads(text)) == text


def test_design_spellings_pass():
    """What a design writes (common SQL type spellings, bare bodies, index keys with an order) passes."""
    from aishell.model import loads

    doc = _model(tables=[_table(
        columns=[{"name": "id", "type": "BIGSERIAL", "nullable": False},
                 {"name": "total", "type": "NUMERIC(12, 2)", "default": "0"},
                 {"name": "at", "type": "timestamp with time zone", "default": "now()"},
                 {"name": "tags", "type": "varchar(40)[]", "default": "'{}'::varchar[]"},
                 {"name": "state", "type": "text", "default": "'new'", "collation": "C"}],
        checks=[{"name": "total_positive", "expression": "CHECK (total >= 0)"}],
        indexes=[{"name": "orders_at_idx", "columns": ["at DESC"]},
                 {"name": "orders_lower_idx", "columns": ["lower(state)"], "where": "total > 0"}],
        policies=[{"name": "own", "using": "EXISTS (SELECT 1 FROM pg_catalog.pg_roles)"}],
    )], functions=[{"name": "bump", "language": "plpgsql", "returns": "trigger",
                    "definition": "BEGIN NEW.at := now(); RETURN NEW; END"}],
        views=[{"name": "big", "definition": "SELECT id FROM public.orders WHERE total > 100;"}])
    schema = loads(json.dumps(doc))
    assert schema.tables[0].columns[0].type == "BIGSERIAL"


@pytest.mark.parametrize("text", [
    "integer", "character varying(255)", "timestamp(3) without time zone", "public.\"My Type\"[]",
    "interval year to month", "double precision", "bit varying(8)",
])
def test_types_accepted(text):
    from aishell.model.check import check_type

    check_type(text)


@pytest.mark.parametrize("text", [
    "int -- ", "int /* x */", "int, b int", "int) ; x (", "varchar(pg_sleep(1))", "int DEFAULT 1",
    "int COLLATE \"C\"", "int\x00",
])
def test_types_refused(text):
    from aishell.model.check import _Refused, check_type

    with pytest.raises(_Refused):
        check_type(text)


def test_pagila_keeps_its_dynamic_sql():
    """A routine nothing runs by itself may keep EXECUTE (Pagila's rewards_report); once a trigger
    calls it, it is refused."""
    from aishell.model import loads
    from aishell.model.check import UnsafeModelError

    body = ("CREATE FUNCTION public.report() RETURNS integer LANGUAGE plpgsql AS $f$ "
            "DECLARE q text := 'SELECT 1'; "
            "BEGIN EXECUTE q; RETURN 1; END $f$")
    fn = {"name": "report", "returns": "integer", "language": "plpgsql", "definition": body}
    loads(json.dumps(_model(functions=[fn])))
    caller = {"name": "t", "returns": "trigger", "language": "plpgsql",
              "definition": "CREATE FUNCTION public.t() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN "
                            "PERFORM public.report(); RETURN NEW; END $f$"}
    trigger = {"name": "t", "timing": "AFTER", "events": ["INSERT"], "function": "public.t"}
    refused = r"functions\.public\.report\(\)\.definition: runs dynamic SQL"
    with pytest.raises(UnsafeModelError, match=refused):
        loads(json.dumps(_model(tables=[_table(triggers=[trigger])], functions=[fn, caller])))



def test_version_snapshot_is_checked(tmp_path):
    """A version snapshot (migrations/.snapshots/V*.json) is a model file too: refused naming it."""
    from aishell.errors import UserError
    from aishell.migrate.versions import load_snapshot, snapshot_path

    path = snapshot_path(tmp_path, "1.0.0")
    path.parent.mkdir(parents=True)
    doc, field = _hostile_files(tmp_path / "marker")["column type"]
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(UserError, match=rf"^{path}: {field}: "):
        load_snapshot(tmp_path, "1.0.0")


def test_design_validation_checks_the_model_first(pg_server, drop):
    """A design built from a language model's answer reaches the sandbox only once its fields pass."""
    from aishell.design.validate import validate
    from aishell.model import from_dict

    marker = drop / "marker"
    doc, path = _hostile_files(marker)["column default"]
    val = validate(from_dict(doc))
    assert val.loaded is False and not val.ok
    assert val.error.startswith(path)
    assert not marker.exists()


@pytest.mark.parametrize("statement, refused", [
    ("EXECUTE format('INSERT INTO %I.%I SELECT ($1).*', TG_TABLE_SCHEMA, TG_TABLE_NAME || '_log') USING NEW;",
     None),
    ("EXECUTE 'SELECT 1';", None),
    ("EXECUTE format('SELECT %s', TG_ARGV[0]);", "runs dynamic SQL"),
    ("EXECUTE 'CO' || 'PY (SELECT 1) TO PROGRAM ''touch x''' ;", "runs dynamic SQL"),
    ("EXECUTE 'COPY (SELECT 1) TO PROGRAM ''touch x''' ;", "holds a COPY statement"),
    ("EXECUTE format('COPY (SELECT 1) TO PROGRAM %L', TG_ARGV[0]);", "holds a COPY statement"),
])
def test_trigger_dynamic_sql_with_a_fixed_statement(statement, refused):
    """An audit trigger's EXECUTE format('INSERT INTO %I ...') has a statement known in advance: it is
    checked like any other and kept; text built at run time (%s, concatenation) is refused."""
    from aishell.model import loads
    from aishell.model.check import UnsafeModelError

    fn = {"name": "audit", "returns": "trigger", "language": "plpgsql",
          "definition": "CREATE FUNCTION public.audit() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN "
                        f"{statement} RETURN NEW; END $f$"}
    trigger = {"name": "audit", "timing": "AFTER", "events": ["INSERT"], "function": "public.audit"}
    text = json.dumps(_model(tables=[_table(triggers=[trigger])], functions=[fn]))
    if refused is None:
        loads(text)
    else:
        with pytest.raises(UnsafeModelError, match=rf"functions\.public\.audit\(\)\.definition: {refused}"):
            loads(text)


def test_materialized_view_filled_from_a_foreign_table_refused():
    """Filling a materialized view at load would reach the foreign server (or file_fdw's reader)."""
    from aishell.model import loads
    from aishell.model.check import UnsafeModelError

    foreign = _table(name="remote", attrs={"foreign": True, "foreign_server": "s"})
    views = [{"name": "mid", "definition": "SELECT * FROM public.remote"},
             {"name": "m", "materialized": True, "definition": "SELECT * FROM public.mid"}]
    with pytest.raises(UnsafeModelError, match=r"^views\.public\.m\.definition: is filled at load"):
        loads(json.dumps(_model(tables=[foreign], views=views)))
    views[1]["with_data"] = False
    loads(json.dumps(_model(tables=[foreign], views=views)))
