"""PostgreSQL DDL from the schema model.

``generate(schema)`` writes DDL for everything in the model, in an order that runs as written on an
empty database. Two kinds of model come in:

* an *inspected* model (``aishell.dialects.postgres.inspect``): every object carries the database's own
  canonical text (``definition`` fields), fully schema-qualified because inspect reads it with an empty
  ``search_path``. The generator reuses that text, so ``pg_dump --schema-only`` of the source and of a
  database built from our DDL are identical (tests/postgres/test_roundtrip.py proves it);
* a *designed* model (``aishell schema design``, hand-written JSON): no ``definition`` text, common SQL
  spellings (``VARCHAR(255)``, ``BIGINT``, an enum's bare name), expressions such as ``price >= 0``.
  Statements are built from the structured fields.

The generator dispatches by object kind (one ``<kind>_sql`` method each, as sqlglot's generator does) and
orders objects with one dependency graph: every object is a node; edges come from what its text names
(types, sequences, functions, tables) plus foreign keys, partition parents and inheritance parents.
Every identifier we write passes through :mod:`aishell.dialects.postgres.quote`.

Phases, after the ordered creation of types, functions, sequences, tables and views:
sequence ownership, NOT VALID checks, indexes (partitions before their parents so the parent's index
attaches to the partitions' own), foreign keys that could not go inline, triggers, row-level security
and policies, comments, ownership, privileges.
"""

from __future__ import annotations

import dataclasses
import heapq
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from aishell.dialects.postgres import objects as ob
from aishell.dialects.postgres.quote import qualify, quote_ident, quote_literal
from aishell.errors import UserError
from aishell.model.graph import creation_order
from aishell.model.schema import (
    CheckConstraint,
    Column,
    CompositeType,
    Domain,
    EnumType,
    Extension,
    ForeignKey,
    Function,
    Index,
    Namespace,
    Policy,
    Privilege,
    Schema,
    Sequence,
    Table,
    Trigger,
    UniqueConstraint,
    View,
)

__all__ = [
    "PostgresGenerator", "check_text", "comment_sql", "constraint_sql", "counts", "create_enum_sql", "create_extension_sql",
    "create_function_sql", "create_index_sql", "create_policy_sql", "create_trigger_sql", "create_view_sql",
    "domain_check_sql", "function_keyword", "generate", "grant_sql", "header_comment", "role_sql", "sequence_options",
    "trigger_state_sql",
]

# Objects PostgreSQL creates in every new database; never created again.
_BUILTIN_SCHEMAS = {"public", "pg_catalog", "information_schema", "pg_toast"}
_BUILTIN_EXTENSIONS = {"plpgsql"}
_DEFAULT_PUBLIC_COMMENT = "standard public schema"


def generate(
    schema: Schema,
    *,
    header: bool = True,
    if_not_exists: bool = False,
    owners: bool | None = None,
    header_info: dict[str, Any] | None = None,
) -> str:
    """DDL for everything in ``schema``, in dependency order, runnable as written on an empty database.

    ``if_not_exists`` makes every statement safe to re-run (``IF NOT EXISTS`` where PostgreSQL has it,
    a ``DO`` block ignoring ``duplicate_object`` elsewhere). ``owners``: ``True`` writes
    ``ALTER ... OWNER TO`` for every object with a known owner, ``False`` never, ``None`` (default) only
    for objects whose owner differs from the schema's most common owner (whoever runs the DDL owns the
    rest). ``header_info`` adds ``key: value`` lines to the header comment (source, generated at).
    """
    return PostgresGenerator(schema, if_not_exists=if_not_exists, owners=owners).generate(
        header=header, header_info=header_info
    )


def counts(schema: Schema) -> dict[str, int]:
    """Object counts taken from the model (never canned): what the header and ``--json`` report.

    ``indexes`` counts explicit indexes (tables' and materialized views') that are not created by a
    constraint; ``constraints`` counts primary keys, foreign keys, unique, check and exclusion
    constraints.
    """
    tables = [t for t in schema.tables]
    return {
        "schemas": len([n for n in schema.schemas if n.name not in _BUILTIN_SCHEMAS]),
        "extensions": len([e for e in schema.extensions if e.name not in _BUILTIN_EXTENSIONS]),
        "types": len(schema.enums) + len(schema.domains) + len(schema.composite_types),
        "sequences": len(schema.sequences),
        "tables": len(tables),
        "views": len([v for v in schema.views if not v.materialized]),
        "materialized_views": len([v for v in schema.views if v.materialized]),
        "functions": len(schema.functions),
        "indexes": sum(1 for t in tables for i in t.indexes if not i.constraint)
        + sum(len(v.indexes) for v in schema.views),
        "constraints": sum(
            (1 if t.primary_key else 0) + len(t.foreign_keys) + len(t.checks) + len(t.unique)
            + len(t.exclusions)
            for t in tables
        ),
        "triggers": sum(len(t.triggers) for t in tables) + sum(len(v.triggers) for v in schema.views),
        "policies": sum(len(t.policies) for t in tables),
    }


def referenced_roles(schema: Schema) -> list[str]:
    """Every role the DDL names (owners, grantees, grantors, policy roles), sorted; PUBLIC and the
    pseudo-roles left out. A database built from the DDL needs them to exist."""
    names: set[str] = set()
    objs: list[Any] = [*schema.schemas, *schema.enums, *schema.domains, *schema.composite_types,
                       *schema.sequences, *schema.tables, *schema.views, *schema.functions]
    for o in objs:
        if getattr(o, "owner", None):
            names.add(o.owner)
        for p in getattr(o, "privileges", []) or []:
            names.update(x for x in (p.grantee, p.grantor) if x)
    for t in schema.tables:
        for pol in t.policies:
            names.update(pol.roles)
    for o in [*schema.collations, *schema.range_types, *schema.base_types, *schema.text_search_configs,
              *schema.text_search_dictionaries, *schema.operators, *schema.operator_families,
              *schema.operator_classes, *schema.foreign_data_wrappers, *schema.foreign_servers,
              *schema.publications, *schema.subscriptions, *schema.event_triggers]:
        if getattr(o, "owner", None):
            names.add(o.owner)
        for p in getattr(o, "privileges", []) or []:
            names.update(x for x in (p.grantee, p.grantor) if x)
    for d in schema.default_privileges:
        names.add(d.role)
        for p in d.privileges:
            names.update(x for x in (p.grantee, p.grantor) if x)
    names.update(m.user for m in schema.user_mappings)
    special = {"public", "current_user", "session_user", "current_role", "pg_database_owner"}
    return sorted(n for n in names if n.lower() not in special)


def header_comment(schema: Schema, info: dict[str, Any] | None = None) -> str:
    """The comment block opening generated DDL: what, for which dialect, and counts from the model."""
    c = counts(schema)
    lines = ["-- Generated by aishell"]
    if schema.name:
        lines.append(f"-- Schema: {_one_line(schema.name)}")
    for key, value in (info or {}).items():
        lines.append(f"-- {key}: {_one_line(str(value))}")
    lines.append("-- Dialect: PostgreSQL" + (f" (source server {schema.server_version})"
                                            if schema.server_version else ""))
    lines.append(
        f"-- Tables: {c['tables']}, views: {c['views'] + c['materialized_views']}, "
        f"indexes: {c['indexes']}, constraints: {c['constraints']}, functions: {c['functions']}, "
        f"triggers: {c['triggers']}"
    )
    return "\n".join(lines) + "\n"


def _one_line(text: str) -> str:
    return " ".join(text.split())


# --------------------------------------------------------------------------------------------------
# Name references inside SQL text, used to order objects.
# --------------------------------------------------------------------------------------------------

_IDENT = r'(?:"(?:[^"]|"")+"|[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*)'
_NAME_REF = re.compile(rf"({_IDENT})(?:\s*\.\s*({_IDENT}))?")


def _unquote(part: str) -> str:
    if part.startswith('"'):
        return part[1:-1].replace('""', '"')
    return part.lower()


def _references(text: str | None) -> Iterable[tuple[str | None, str]]:
    """(schema, name) pairs and bare (None, name) names that appear in SQL text."""
    if not text:
        return
    for m in _NAME_REF.finditer(text):
        first, second = m.group(1), m.group(2)
        if second is not None:
            yield _unquote(first), _unquote(second)
        else:
            yield None, _unquote(first)


def _split_qualified(text: str) -> tuple[str | None, str]:
    """Split a possibly quoted, possibly schema-qualified name written as SQL text."""
    parts = [_unquote(p) if p.startswith('"') else p for p in re.findall(_IDENT, text)]
    if len(parts) >= 2:
        return parts[-2], parts[-1]
    return None, parts[0] if parts else text


def _sql_name(text: str) -> str:
    """A name given as text in the model (``schema.fn``, ``fn``, ``"we""ird".fn()``): quote what is bare."""
    text = text.strip()
    if '"' in text or "(" in text:
        return text
    return ".".join(quote_ident(p) for p in text.split("."))


def _dollar_quote(body: str, tag: str = "body") -> str:
    t = tag
    n = 0
    while f"${t}$" in body:
        n += 1
        t = f"{tag}{n}"
    return f"${t}${body}${t}$"


def _stmt(text: str) -> str:
    text = text.strip()
    while text.endswith(";"):
        text = text[:-1].rstrip()
    return text + ";"


def _paren(expr: str) -> str:
    """Wrap an expression in parentheses unless one pair already encloses all of it."""
    e = expr.strip()
    if e.startswith("(") and e.endswith(")"):
        depth = 0
        in_str = False
        for i, ch in enumerate(e):
            if ch == "'":
                in_str = not in_str
            elif not in_str:
                if ch == "(":
                    depth += 1
                elif ch == ")":
                    depth -= 1
                    if depth == 0 and i != len(e) - 1:
                        break
        else:
            return e
    return f"({e})"


# --------------------------------------------------------------------------------------------------
# One whole object, as one statement (no trailing semicolon, no if_not_exists guard): shared by the
# generator and by the migration renderer (aishell.diff.render).
# --------------------------------------------------------------------------------------------------


def create_extension_sql(ext: Extension) -> str:
    sql = f"CREATE EXTENSION IF NOT EXISTS {quote_ident(ext.name)}"
    if ext.schema:
        sql += f" WITH SCHEMA {quote_ident(ext.schema)}"
    return sql


def create_enum_sql(e: EnumType) -> str:
    values = ",\n    ".join(quote_literal(v) for v in e.values)
    body = f"\n    {values}\n" if e.values else ""
    return f"CREATE TYPE {qualify(e.schema, e.name)} AS ENUM ({body})"


def function_keyword(f: Function) -> str:
    """FUNCTION, PROCEDURE or AGGREGATE: what COMMENT ON, ALTER and DROP call a routine."""
    return {"procedure": "PROCEDURE", "aggregate": "AGGREGATE"}.get(f.kind, "FUNCTION")


def create_function_sql(f: Function, *, or_replace: bool = False) -> str:
    """The routine's own CREATE statement (inspect's ``definition``), or one built from a design's
    fields when the definition is only the body."""
    text = (f.definition or "").strip()
    if re.match(r"(?is)^\s*CREATE\s", text):
        if or_replace:
            text = re.sub(
                r"(?is)^\s*CREATE\s+(?!OR\s+REPLACE)(FUNCTION|PROCEDURE|AGGREGATE)\b",
                r"CREATE OR REPLACE \1",
                text,
            )
        return _stmt(text)[:-1]
    if not text:
        raise UserError(f"function {f.schema}.{f.name} has no definition")
    # A design may give only the body: build the statement from the structured fields.
    keyword = {"procedure": "PROCEDURE"}.get(f.kind, "FUNCTION")
    sql = f"CREATE OR REPLACE {keyword} {qualify(f.schema, f.name)}({f.arguments or f.identity_args})"
    if keyword == "FUNCTION":
        sql += f"\n RETURNS {f.returns or 'void'}"
    sql += f"\n LANGUAGE {f.language or 'sql'}"
    if f.volatility and keyword == "FUNCTION":
        sql += f"\n {f.volatility.upper()}"
    return sql + f"\nAS {_dollar_quote(chr(10) + text + chr(10), 'function')}"


def sequence_options(start: Any, increment: Any, min_value: Any, max_value: Any, cache: Any,
                     cycle: Any) -> list[str]:
    """Options of CREATE SEQUENCE (and of an identity column), defaults spelled out as pg_dump does."""
    out = []
    if start is not None:
        out.append(f"START WITH {int(start)}")
    out.append(f"INCREMENT BY {int(increment if increment is not None else 1)}")
    out.append(f"MINVALUE {int(min_value)}" if min_value is not None else "NO MINVALUE")
    out.append(f"MAXVALUE {int(max_value)}" if max_value is not None else "NO MAXVALUE")
    out.append(f"CACHE {int(cache if cache is not None else 1)}")
    if cycle:
        out.append("CYCLE")
    return out


def _is_create_view(definition: str | None) -> bool:
    return bool(re.match(r"(?is)^\s*CREATE\s+(OR\s+REPLACE\s+)?(MATERIALIZED\s+)?VIEW\b", definition or ""))


def create_view_sql(v: View, *, with_data: bool, if_not_exists: bool = False) -> str:
    """CREATE [MATERIALIZED] VIEW; a materialized view filled (``with_data``) or left empty."""
    body = (v.definition or "").strip().rstrip(";").rstrip()
    if not body:
        raise UserError(f"view {v.qualified_name} has no definition (its SELECT)")
    if _is_create_view(body):
        return body  # a design gave the whole statement
    name = qualify(v.schema, v.name)
    opts = f"\nWITH ({', '.join(v.options)})" if v.options else ""
    if v.materialized:
        head = f"CREATE MATERIALIZED VIEW{' IF NOT EXISTS' if if_not_exists else ''} {name}"
        if v.attrs.get("access_method") and v.attrs["access_method"] != "heap":
            head += f"\nUSING {quote_ident(v.attrs['access_method'])}"
        head += opts
        if v.tablespace:
            head += f"\nTABLESPACE {quote_ident(v.tablespace)}"
        return f"{head} AS\n{body}\nWITH {'DATA' if with_data else 'NO DATA'}"
    verb = "CREATE OR REPLACE VIEW" if if_not_exists else "CREATE VIEW"
    return f"{verb} {name}{opts} AS\n{body}"


def create_trigger_sql(tr: Trigger, on_sql: str, *, or_replace: bool = False) -> str:
    """CREATE TRIGGER on the relation ``on_sql`` (qualified SQL text); its enabled state apart."""
    if tr.definition:
        sql = _stmt(tr.definition)[:-1]
        if or_replace and not tr.constraint:
            sql = re.sub(r"^CREATE TRIGGER\b", "CREATE OR REPLACE TRIGGER", sql)
        return sql
    events = " OR ".join(e.upper() for e in tr.events)
    func = _sql_name(tr.function)
    if not func.endswith(")"):
        func += "()"
    verb = "CREATE CONSTRAINT TRIGGER" if tr.constraint else (
        "CREATE OR REPLACE TRIGGER" if or_replace else "CREATE TRIGGER")
    sql = f"{verb} {quote_ident(tr.name)} {tr.timing.upper()} {events} ON {on_sql} FOR EACH {tr.for_each.upper()}"
    if tr.when:
        sql += f" WHEN {_paren(tr.when)}"
    return sql + f" EXECUTE FUNCTION {func}"


_TRIGGER_STATE = {"D": "DISABLE TRIGGER", "R": "ENABLE REPLICA TRIGGER", "A": "ENABLE ALWAYS TRIGGER"}


def trigger_state_sql(tr: Trigger, on_sql: str) -> str | None:
    """ALTER TABLE ... DISABLE / ENABLE REPLICA / ENABLE ALWAYS TRIGGER, or None for a plain enabled one."""
    state = _TRIGGER_STATE.get(tr.enabled)
    return f"ALTER TABLE {on_sql} {state} {quote_ident(tr.name)}" if state else None


def create_policy_sql(p: Policy, on_sql: str) -> str:
    sql = f"CREATE POLICY {quote_ident(p.name)} ON {on_sql}"
    if not p.permissive:
        sql += " AS RESTRICTIVE"
    if p.command and p.command.upper() != "ALL":
        sql += f" FOR {p.command.upper()}"
    roles = p.roles or ["public"]
    if [r.lower() for r in roles] != ["public"]:
        sql += " TO " + ", ".join(role_sql(r) for r in roles)
    if p.using:
        sql += f" USING {_paren(p.using)}"
    if p.with_check:
        sql += f" WITH CHECK {_paren(p.with_check)}"
    return sql


def comment_sql(target: str, text: str | None) -> str:
    """COMMENT ON ``target`` (``TABLE public.t``, ``COLUMN public.t.c``, ...); None removes it."""
    return f"COMMENT ON {target} IS {quote_literal(text) if text is not None else 'NULL'}"


def constraint_sql(name: str | None, text: str) -> str:
    """A constraint clause, ``CONSTRAINT name`` before its definition when it has a name."""
    return f"CONSTRAINT {quote_ident(name)} {text}" if name else text


def domain_check_sql(ck: CheckConstraint) -> str:
    """A domain's check as CREATE DOMAIN and ALTER DOMAIN ... ADD take it (named when it has a name)."""
    return constraint_sql(ck.name, check_text(ck))


def check_text(ck: CheckConstraint) -> str:
    """A CHECK constraint's definition: inspect's text, or built from a design's expression."""
    if ck.definition:
        return ck.definition
    expr = re.sub(r"(?is)^\s*CHECK\s*(?=\()", "", ck.expression)
    text = f"CHECK {_paren(expr)}"
    if ck.no_inherit:
        text += " NO INHERIT"
    if not ck.valid:
        text += " NOT VALID"
    return text


# --------------------------------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------------------------------


@dataclass(order=True)
class _Node:
    rank: int
    position: int
    kind: str = field(compare=False)
    obj: Any = field(compare=False)
    deps: set[int] = field(default_factory=set, compare=False)
    # For a table: dependencies that come only from column defaults, and the columns concerned. A
    # cycle through them is broken by setting those defaults after creation, as pg_dump does.
    soft: dict[int, list[str]] = field(default_factory=dict, compare=False)


_RANK = {"schema": 0, "extension": 1, "collation": 2, "shell": 2, "enum": 2, "domain": 3, "composite": 4,
         "range": 4, "fdw": 5, "function": 5, "basetype": 5, "tsparser": 6, "tstemplate": 6, "tsdict": 6,
         "tsconfig": 6, "cast": 6, "operator": 6, "opfamily": 6, "opclass": 6, "server": 6, "usermapping": 6,
         "sequence": 6, "table": 7, "tcons": 8, "view": 9}
# Model lists of format 2 created with the other objects, as (node kind, Schema attribute).
_OBJECT_KINDS = [("collation", "collations"), ("range", "range_types"), ("basetype", "base_types"),
                 ("tsparser", "text_search_parsers"), ("tstemplate", "text_search_templates"),
                 ("tsdict", "text_search_dictionaries"), ("tsconfig", "text_search_configs"),
                 ("cast", "casts"), ("operator", "operators"), ("opfamily", "operator_families"),
                 ("opclass", "operator_classes"), ("fdw", "foreign_data_wrappers"), ("server", "foreign_servers"),
                 ("usermapping", "user_mappings")]
_OPERATOR_MEMBER = re.compile(r"^OPERATOR \d+ (?:((?:\"(?:[^\"]|\"\")+\"|[A-Za-z_][\w$]*))\.)?([^\s(]+)\(")


class PostgresGenerator:
    """Turns one Schema into PostgreSQL DDL. Each object kind has a ``<kind>_sql`` method."""

    def __init__(self, schema: Schema, *, if_not_exists: bool = False, owners: bool | None = None):
        # Foreign tables need their server: one the model does not describe is left out, and said so.
        servers = {srv.name for srv in schema.foreign_servers}
        self.skipped = [t for t in schema.tables if t.attrs.get("foreign") and t.attrs.get("foreign_server") not in servers]
        if self.skipped:
            schema = dataclasses.replace(
                schema, tables=[t for t in schema.tables if not t.attrs.get("foreign")]
            )
        self.schema = schema
        self.if_not_exists = if_not_exists
        self.owners = owners
        # An inspected model carries canonical, fully qualified text; a design does not.
        self.inspected = schema.server_version is not None
        try:
            self.major = int(str(schema.server_version).split(".")[0]) if self.inspected else 0
        except ValueError:
            self.major = 0
        self.tables = {t.qualified_name: t for t in schema.tables}
        self.partitions: dict[str, list[Table]] = {}
        for t in schema.tables:
            parent = self._parent_of(t)
            if parent is not None:
                self.partitions.setdefault(parent.qualified_name, []).append(t)
        self.type_names = {(o.schema, o.name): o for o in [*schema.enums, *schema.domains,
                                                           *schema.composite_types]}
        self.identity_sequences = self._identity_sequences()
        self.default_owner = self._default_owner()
        self.inline_fks: dict[int, bool] = {}
        self.deferred_cycle_fks: set[tuple[str, str]] = set()
        self.deferred_defaults: set[tuple[str, str]] = set()
        self._check_partitions()

    def _check_partitions(self) -> None:
        """A partition needs a parent in the model that is partitioned: say which, rather than emit DDL
        that cannot run."""
        for t in self.schema.tables:
            if not t.partition_of:
                continue
            parent = self._parent_of(t)
            if parent is None:
                raise UserError(
                    f"table {t.qualified_name} is a partition of {t.partition_of}, which is not in the schema"
                )
            if not parent.partition_by:
                raise UserError(
                    f"table {t.qualified_name} is a partition of {parent.qualified_name}, "
                    "which is not partitioned (it has no partition_by)"
                )

    # -- entry point ---------------------------------------------------------------------------------
    def generate(self, *, header: bool = True, header_info: dict[str, Any] | None = None) -> str:
        out: list[str] = []
        if header:
            out.append(header_comment(self.schema, header_info))
        out.append(self.preamble_sql())
        sections: list[tuple[str, list[str]]] = [
            ("Schemas, types, functions, sequences, tables and views", self.objects_sql()),
            ("Defaults set after creation", self.deferred_defaults_sql()),
            ("Sequence ownership", self.sequence_ownership_sql()),
            ("Constraints added after creation", self.late_constraints_sql()),
            ("Indexes", self.indexes_sql()),
            ("Foreign keys", self.late_foreign_keys_sql()),
            ("Triggers", self.triggers_sql()),
            ("Row-level security", self.rls_sql()),
            ("Rules", self.rules_sql()),
            ("Publications and subscriptions (subscriptions never connect: connect = false)",
             self.replication_sql()),
            ("Comments", self.comments_sql()),
            ("Ownership", self.owners_sql()),
            ("Privileges", self.privileges_sql()),
            ("Materialized view data", self.refresh_sql()),
            # Last: default privileges would otherwise apply to the objects created above, and event
            # triggers would fire on the DDL that follows them.
            ("Default privileges", self.default_privileges_sql()),
            ("Event triggers", self.event_triggers_sql()),
        ]
        if self.skipped:
            names = ", ".join(t.qualified_name for t in self.skipped)
            out.append(f"-- Not created: foreign tables whose server the model does not describe: {names}\n")
        rule = "-- " + "=" * 60
        for title, stmts in sections:
            if stmts:
                out.append(f"{rule}\n-- {title}\n{rule}\n")
                out.append("\n\n".join(stmts) + "\n")
        return "\n".join(out)

    def preamble_sql(self) -> str:
        lines = [
            "SET client_min_messages = warning;",
            "SET check_function_bodies = false;",
            "SET standard_conforming_strings = on;",
        ]
        if self.inspected:
            # Inspected text is schema-qualified for an empty search_path, as pg_dump writes it.
            lines.append("SELECT pg_catalog.set_config('search_path', '', false);")
        else:
            # A design names its types and tables bare; they live in public.
            lines.append("SET search_path = public, pg_catalog;")
        return "\n".join(lines) + "\n"

    # -- helpers -------------------------------------------------------------------------------------
    def _guard(self, stmt: str, *also: str) -> str:
        """With if_not_exists, make a statement PostgreSQL has no IF NOT EXISTS for re-runnable: a DO
        block ignoring "already exists" errors (and the conditions in ``also``)."""
        if not self.if_not_exists:
            return stmt
        conditions = ["duplicate_object", "duplicate_table", "duplicate_schema", "invalid_table_definition",
                      "object_not_in_prerequisite_state", *also]
        body = f"BEGIN\n  {stmt}\nEXCEPTION WHEN {' OR '.join(conditions)} THEN NULL;\nEND"
        return f"DO {_dollar_quote(body, 'do')};"

    def _ine(self) -> str:
        return " IF NOT EXISTS" if self.if_not_exists else ""

    def _table_by_text(self, qualified: str | None) -> Table | None:
        if not qualified:
            return None
        t = self.tables.get(qualified)
        if t is not None:
            return t
        s, n = _split_qualified(qualified)
        return self.tables.get(f"{s or 'public'}.{n}")

    def _parent_of(self, t: Table) -> Table | None:
        return self._table_by_text(t.partition_of) if t.partition_of else None

    def _inherit_parents(self, t: Table) -> list[Table]:
        return [p for p in (self._table_by_text(x) for x in t.inherits) if p is not None]

    def _qualified_text(self, qualified: str) -> str:
        t = self._table_by_text(qualified)
        if t is not None:
            return qualify(t.schema, t.name)
        return _sql_name(qualified)

    def _type_sql(self, type_text: str) -> str:
        """A column type; in a design, a bare user type name is qualified with its schema."""
        if self.inspected:
            return type_text
        m = re.match(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*((?:\[\d*\])*)\s*$", type_text)
        if m:
            name = m.group(1)
            for s, n in self.type_names:
                if n == name or n.lower() == name.lower():
                    return qualify(s, n) + m.group(2)
        return type_text

    def _identity_sequences(self) -> set[tuple[str, str]]:
        """Sequences that belong to identity columns (created by the column, not CREATE SEQUENCE)."""
        out: set[tuple[str, str]] = set()
        for t in self.schema.tables:
            for c in t.columns:
                if c.identity:
                    name = c.identity_options.get("sequence_name")
                    if name:
                        out.add(self._split_dotted(str(name), t.schema))
        for seq in self.schema.sequences:
            if seq.owned_by:
                owner = self._owned_by(seq.owned_by)
                if owner and owner[1].identity:
                    out.add((seq.schema, seq.name))
        return out

    def _split_dotted(self, text: str, default_schema: str) -> tuple[str, str]:
        """Split ``schema.name`` written unquoted (names may hold dots and spaces) using the schemas the
        model knows; a name without a known schema prefix is in ``default_schema``."""
        known = {n.name for n in self.schema.schemas} | {t.schema for t in self.schema.tables} | {default_schema}
        for sch in sorted(known, key=len, reverse=True):
            if text.startswith(sch + "."):
                return sch, text[len(sch) + 1:]
        if "." in text and not text.startswith('"'):
            sch, _, name = text.partition(".")
            return sch, name
        return default_schema, text

    def _depends_on_refs(self, entries: list[str]) -> list[tuple[str | None, str]]:
        """``depends_on`` entries (``schema.name``, ``schema.fn(args)``, written unquoted) as references;
        a design may write them bare."""
        out: list[tuple[str | None, str]] = []
        for entry in entries:
            text = re.sub(r"\(.*\)\s*$", "", entry.strip(), flags=re.DOTALL)
            if "." in text:
                sch, name = self._split_dotted(text, "public")
                out.append((sch, name))
            else:
                out.append((None, text))
        return out

    def _collation_sql(self, text: str) -> str:
        """A collation as inspect writes it (``schema.name``, or bare when in pg_catalog; names such as
        ``en_US.utf8`` hold dots) or as a design does (``C``, ``"de_DE"``)."""
        text = text.strip()
        if '"' in text:
            return text
        known = {n.name for n in self.schema.schemas} | {t.schema for t in self.schema.tables} | {"pg_catalog"}
        for sch in sorted(known, key=len, reverse=True):
            if text.startswith(sch + "."):
                return qualify(sch, text[len(sch) + 1:])
        return quote_ident(text)

    def _owned_by(self, text: str) -> tuple[Table, Column] | None:
        """The (table, column) of ``schema.table.column`` written unquoted (names may hold dots)."""
        pos = text.find(".")
        while pos >= 0:
            t = self.tables.get(text[:pos])
            if t is not None:
                col = t.column(text[pos + 1:])
                if col is not None:
                    return t, col
            pos = text.find(".", pos + 1)
        if text.count(".") == 1 and not text.startswith("public."):
            return self._owned_by("public." + text)  # a design may leave out the schema
        return None

    def _default_owner(self) -> str | None:
        owners: dict[str, int] = {}
        for obj in self._owned_objects():
            if obj.owner:
                owners[obj.owner] = owners.get(obj.owner, 0) + 1
        return max(owners, key=lambda k: owners[k]) if owners else None

    def _owned_objects(self) -> list[Any]:
        s = self.schema
        return [*s.schemas, *s.enums, *s.domains, *s.composite_types, *s.sequences, *s.tables,
                *s.views, *s.functions, *s.collations, *s.range_types, *s.base_types, *s.text_search_configs,
                *s.text_search_dictionaries, *s.operators, *s.operator_families, *s.operator_classes]

    # -- dependency ordering -------------------------------------------------------------------------
    def _nodes(self) -> list[_Node]:
        s = self.schema
        nodes: list[_Node] = []

        def add(kind: str, obj: Any) -> _Node:
            node = _Node(_RANK[kind], len(nodes), kind, obj)
            nodes.append(node)
            return node

        by_name: dict[tuple[str, str], list[_Node]] = {}
        bare: dict[str, list[_Node]] = {}

        def register(node: _Node, schema_name: str, name: str) -> None:
            by_name.setdefault((schema_name, name), []).append(node)
            bare.setdefault(name, []).append(node)
            if name.lower() != name:
                bare.setdefault(name.lower(), []).append(node)

        ns_nodes: dict[str, _Node] = {}
        for ns in s.schemas:
            if ns.name in _BUILTIN_SCHEMAS:
                continue
            ns_nodes[ns.name] = add("schema", ns)
        # A design may put objects in a schema it does not list: create that schema too.
        used = [o.schema for o in [*s.enums, *s.domains, *s.composite_types, *s.functions, *s.sequences,
                                   *s.tables, *s.views]] + [e.schema for e in s.extensions if e.schema]
        for name in used:
            if name and name not in ns_nodes and name not in _BUILTIN_SCHEMAS:
                ns_nodes[name] = add("schema", Namespace(name))
        ext_nodes = [add("extension", e) for e in s.extensions if e.name not in _BUILTIN_EXTENSIONS]
        for kind, objs in (("enum", s.enums), ("domain", s.domains), ("composite", s.composite_types)):
            for o in objs:
                register(add(kind, o), o.schema, o.name)
        fdw_nodes: dict[str, _Node] = {}
        server_nodes: dict[str, _Node] = {}
        shell_of: dict[int, int] = {}
        operator_nodes: dict[tuple[str, str], list[_Node]] = {}
        for kind, attr in _OBJECT_KINDS:
            for o in getattr(s, attr):
                node = add(kind, o)
                if kind == "fdw":
                    fdw_nodes[o.name] = node
                elif kind == "server":
                    server_nodes[o.name] = node
                elif kind == "operator":
                    operator_nodes.setdefault((o.schema, o.name), []).append(node)
                elif kind not in ("cast", "usermapping"):
                    register(node, o.schema, o.name)
                if kind == "range":
                    from aishell.dialects.postgres.inspect import default_multirange_name

                    mr = _split_qualified(o.multirange) if o.multirange else (o.schema, default_multirange_name(o.name))
                    register(node, mr[0] or o.schema, mr[1])
                if kind == "basetype":
                    shell = add("shell", o)
                    shell_of[node.position] = shell.position
        for f in s.functions:
            register(add("function", f), f.schema, f.name)
        for seq in s.sequences:
            if (seq.schema, seq.name) in self.identity_sequences:
                continue
            register(add("sequence", seq), seq.schema, seq.name)

        order, deferred = creation_order(s)
        self.deferred_cycle_fks = deferred
        table_nodes: dict[str, _Node] = {}
        for t in order:
            node = add("table", t)
            table_nodes[t.qualified_name] = node
            register(node, t.schema, t.name)
        tcons_nodes: dict[str, _Node] = {}
        for t in order:
            if t.partition_by and self._deferred_parent_constraints(t):
                tcons_nodes[t.qualified_name] = add("tcons", t)
        for v in s.views:
            register(add("view", v), v.schema, v.name)

        def resolve(refs: Iterable[tuple[str | None, str]], allow_bare: bool) -> set[int]:
            out: set[int] = set()
            for sch, name in refs:
                if sch is not None:
                    targets = by_name.get((sch, name), [])
                elif allow_bare:
                    targets = bare.get(name, [])
                else:
                    targets = []
                for n in targets:
                    if n.kind == "table" and n.obj.qualified_name in tcons_nodes:
                        n = tcons_nodes[n.obj.qualified_name]
                    out.add(n.position)
            return out

        bare_ok = not self.inspected
        base = {n.position for n in ns_nodes.values()} | {n.position for n in ext_nodes}
        for node in nodes:
            kind, obj = node.kind, node.obj
            deps: set[int] = set()
            schema_name = getattr(obj, "schema", None)
            if kind not in ("schema", "extension"):
                deps |= base if kind != "tcons" else set()
            if kind == "extension" and obj.schema in ns_nodes:
                deps.add(ns_nodes[obj.schema].position)
            if kind == "domain":
                texts = [obj.type, obj.default or ""] + [c.definition or c.expression for c in obj.checks]
                deps |= resolve(_refs_of(texts), bare_ok)
            elif kind == "composite":
                deps |= resolve(_refs_of([a.type for a in obj.attributes]), bare_ok)
            elif kind == "function":
                deps |= resolve(_refs_of([obj.arguments, obj.returns or "", _function_header(obj.definition)]),
                                bare_ok)
                deps |= resolve(self._depends_on_refs(obj.depends_on), bare_ok)
            elif kind == "table":
                texts: list[str] = []
                for c in obj.columns:
                    texts += [c.type, c.generated or "", c.collation or ""]
                for ck in obj.checks:
                    texts.append(ck.definition or ck.expression)
                texts += [obj.partition_by or ""]
                hard = resolve(_refs_of(texts), bare_ok)
                deps |= hard
                for c in obj.columns:
                    if c.default:
                        for d in resolve(_references(c.default), bare_ok) - hard - {node.position}:
                            node.soft.setdefault(d, []).append(c.name)
                            deps.add(d)
                for p in [self._parent_of(obj), *self._inherit_parents(obj)]:
                    if p is not None:
                        deps.add(table_nodes[p.qualified_name].position)
                for fk in obj.foreign_keys:
                    if self._fk_inline(obj, fk):
                        ref = self.tables.get(f"{fk.ref_schema}.{fk.ref_table}")
                        if ref is not None and ref is not obj:
                            deps.add(table_nodes[ref.qualified_name].position)
            elif kind == "tcons":
                deps.add(table_nodes[obj.qualified_name].position)
                for child in self.partitions.get(obj.qualified_name, []):
                    cn = tcons_nodes.get(child.qualified_name) or table_nodes[child.qualified_name]
                    deps.add(cn.position)
            elif kind == "view":
                deps |= resolve(_refs_of([obj.definition]), bare_ok)
                deps |= resolve(self._depends_on_refs(obj.depends_on), bare_ok)
            elif kind in _OBJECT_TEXTS:
                deps |= resolve(_refs_of([t for t in _OBJECT_TEXTS[kind](obj) if t]), bare_ok)
                if kind in ("opfamily", "opclass"):
                    for m in obj.operators:
                        om = _OPERATOR_MEMBER.match(m)
                        if om:
                            key = (_unquote(om.group(1)) if om.group(1) else "pg_catalog", om.group(2))
                            deps |= {n.position for n in operator_nodes.get(key, [])}
                    if kind == "opclass" and obj.family is None:
                        deps |= resolve([(obj.schema, obj.name)], False)
                if kind == "server" and obj.wrapper in fdw_nodes:
                    deps.add(fdw_nodes[obj.wrapper].position)
                if kind == "usermapping" and obj.server in server_nodes:
                    deps.add(server_nodes[obj.server].position)
            if kind == "table" and obj.attrs.get("foreign") and obj.attrs.get("foreign_server") in server_nodes:
                deps.add(server_nodes[obj.attrs["foreign_server"]].position)
            if kind == "function":
                # A base type's own support routines need only its shell (the type needs them); any
                # other routine naming the type needs the type itself.
                fname = f"{obj.schema}.{obj.name}" if obj.schema != "pg_catalog" else obj.name
                deps = {shell_of[d] if d in shell_of and fname in _support_functions(nodes[d].obj) else d
                        for d in deps}
            if kind == "shell":
                deps = {d for d in deps if nodes[d].kind in ("schema", "extension")}
            if kind == "basetype":
                deps.add(shell_of[node.position])
            if schema_name in ns_nodes:
                deps.add(ns_nodes[schema_name].position)
            deps.discard(node.position)
            node.deps = deps
        return nodes

    def _ordered(self) -> list[_Node]:
        nodes = self._nodes()
        dependents: dict[int, list[int]] = {}
        missing = {}
        for n in nodes:
            missing[n.position] = set(n.deps)
            for d in n.deps:
                dependents.setdefault(d, []).append(n.position)
        heap = [n for n in nodes if not missing[n.position]]
        heapq.heapify(heap)
        done: set[int] = set()
        out: list[_Node] = []
        while len(out) < len(nodes):
            if not heap:
                rest = [n for n in nodes if n.position not in done]
                # A cycle through column defaults (a default calling a function that reads the table):
                # create the table without those defaults and set them once the objects exist.
                soft = [n for n in rest if n.soft and missing[n.position] <= set(n.soft)]
                if soft:
                    victim = min(soft)
                    for d in missing[victim.position]:
                        for col in victim.soft[d]:
                            self.deferred_defaults.add((victim.obj.qualified_name, col))
                else:
                    # Any other cycle the text scan found (or imagined): the earliest remaining object.
                    victim = min(rest)
                missing[victim.position] = set()
                heap.append(victim)
            node = heapq.heappop(heap)
            if node.position in done:
                continue
            done.add(node.position)
            out.append(node)
            for dep in dependents.get(node.position, []):
                m = missing[dep]
                m.discard(node.position)
                if not m and dep not in done:
                    heapq.heappush(heap, nodes[dep])
        return out

    # -- objects -------------------------------------------------------------------------------------
    def refresh_sql(self) -> list[str]:
        return [f"REFRESH MATERIALIZED VIEW {qualify(v.schema, v.name)};" for v in self.refresh]

    def objects_sql(self) -> list[str]:
        self.refresh: list[View] = []
        out = []
        for node in self._ordered():
            sql = getattr(self, f"{node.kind}_sql")(node.obj)
            if sql:
                out.append(sql)
        return out

    def schema_sql(self, ns: Namespace) -> str:
        return f"CREATE SCHEMA{self._ine()} {quote_ident(ns.name)};"

    def extension_sql(self, ext: Extension) -> str:
        return create_extension_sql(ext) + ";"

    def enum_sql(self, e: EnumType) -> str:
        return self._guard(create_enum_sql(e) + ";")

    def domain_sql(self, d: Domain) -> str:
        return "\n\n".join(self._guard(stmt + ";") for stmt in self.domain_statements(d))

    def domain_statements(self, d: Domain, *, sep: str = "\n    ") -> list[str]:
        """CREATE DOMAIN with its valid checks, then ALTER DOMAIN ... ADD for each NOT VALID one (which
        CREATE DOMAIN cannot take). ``sep`` goes between the clauses of CREATE DOMAIN (a migration keeps
        it on one line, where a squawk-ignore comment before it covers all of it)."""
        parts = [f"CREATE DOMAIN {qualify(d.schema, d.name)} AS {self._type_sql(d.type)}"]
        if d.collation and d.collation != "default":
            parts.append(f"COLLATE {self._collation_sql(d.collation)}")
        if d.default is not None:
            parts.append(f"DEFAULT {d.default}")
        if d.not_null:
            parts.append("NOT NULL")
        late = []
        for ck in d.checks:
            if _not_valid(check_text(ck)):
                late.append(f"ALTER DOMAIN {qualify(d.schema, d.name)} ADD {domain_check_sql(ck)}")
                continue
            parts.append(domain_check_sql(ck))
        return [sep.join(parts), *late]

    def composite_sql(self, c: CompositeType) -> str:
        attrs = ",\n    ".join(
            f"{quote_ident(a.name)} {self._type_sql(a.type)}"
            + (f" COLLATE {self._collation_sql(a.collation)}" if a.collation else "")
            for a in c.attributes
        )
        body = f"\n    {attrs}\n" if attrs else ""
        return self._guard(f"CREATE TYPE {qualify(c.schema, c.name)} AS ({body});")

    def function_sql(self, f: Function) -> str:
        return create_function_sql(f, or_replace=self.if_not_exists) + ";"

    def sequence_sql(self, seq: Sequence) -> str:
        unlogged = "UNLOGGED " if seq.attrs.get("unlogged") else ""
        lines = [f"CREATE {unlogged}SEQUENCE{self._ine()} {qualify(seq.schema, seq.name)}"]
        if seq.type and seq.type.lower() not in ("bigint", "int8"):
            lines.append(f"AS {seq.type}")
        lines += sequence_options(seq.start, seq.increment, seq.min_value, seq.max_value, seq.cache, seq.cycle)
        return "\n    ".join(lines) + ";"

    # -- object kinds of format 2 (SQL from aishell.dialects.postgres.objects) ------------------------------
    def _objects(self, statements: list[str]) -> str:
        return "\n".join(self._guard(stmt + ";") for stmt in statements)

    def collation_sql(self, o: Any) -> str:
        return self._objects(ob.create_collation_sql(o))

    def range_sql(self, o: Any) -> str:
        return self._objects(ob.create_range_type_sql(o))

    def shell_sql(self, o: Any) -> str:
        return self._objects(ob.create_shell_type_sql(o))

    def basetype_sql(self, o: Any) -> str:
        return self._objects(ob.create_base_type_sql(o))

    def tsparser_sql(self, o: Any) -> str:
        return self._objects(ob.create_ts_parser_sql(o))

    def tstemplate_sql(self, o: Any) -> str:
        return self._objects(ob.create_ts_template_sql(o))

    def tsdict_sql(self, o: Any) -> str:
        return self._objects(ob.create_ts_dictionary_sql(o))

    def tsconfig_sql(self, o: Any) -> str:
        return self._objects(ob.create_ts_config_sql(o))

    def cast_sql(self, o: Any) -> str:
        return self._objects(ob.create_cast_sql(o))

    def operator_sql(self, o: Any) -> str:
        return self._objects(ob.create_operator_sql(o))

    def opfamily_sql(self, o: Any) -> str:
        return self._objects(ob.create_operator_family_sql(o))

    def opclass_sql(self, o: Any) -> str:
        return self._objects(ob.create_operator_class_sql(o))

    def fdw_sql(self, o: Any) -> str:
        return self._objects(ob.create_fdw_sql(o))

    def server_sql(self, o: Any) -> str:
        return self._objects(ob.create_server_sql(o))

    def usermapping_sql(self, o: Any) -> str:
        sql = self._objects(ob.create_user_mapping_sql(o))
        secret = o.attrs.get("secret_options")
        if secret:
            sql = (f"-- {', '.join(secret)} not copied (never read): set with ALTER USER MAPPING ... "
                   f"OPTIONS (ADD ...)\n{sql}")
        return sql

    def rules_sql(self) -> list[str]:
        out = []
        for rel in [*self.schema.tables, *self.schema.views]:
            for rule in rel.rules:
                out.append(self._objects(ob.create_rule_sql(rule, qualify(rel.schema, rel.name))))
        return out

    def replication_sql(self) -> list[str]:
        out = [self._objects(ob.create_publication_sql(p)) for p in self.schema.publications]
        for sub in self.schema.subscriptions:
            sql = self._objects(ob.create_subscription_sql(sub))
            if sub.attrs.get("secret_options"):
                sql = (f"-- {', '.join(sub.attrs['secret_options'])} left out of the connection string "
                       f"(never read)\n{sql}")
            out.append(sql)
        return out

    def default_privileges_sql(self) -> list[str]:
        out = []
        for d in self.schema.default_privileges:
            out += [stmt + ";" for stmt in ob.default_privileges_sql(d, major=self.major or 18)]
        return out

    def event_triggers_sql(self) -> list[str]:
        """Event triggers with their comments and owners, after everything else."""
        out = []
        for e in self.schema.event_triggers:
            sql = self._objects(ob.create_event_trigger_sql(e))
            if e.comment is not None:
                sql += "\n" + comment_sql(ob.object_target(e), e.comment) + ";"
            if e.owner and self.owners is not False and (self.owners or e.owner != self.default_owner):
                sql += f"\nALTER {ob.object_target(e)} OWNER TO {quote_ident(e.owner)};"
            out.append(sql)
        return out

    def foreign_table_sql(self, t: Table) -> str:
        elements = []
        for c in t.columns:
            if c.attrs.get("inherited"):
                continue
            parts = [quote_ident(c.name), self._type_sql(c.type)]
            if c.attrs.get("fdw_options"):
                parts.append(ob.options_sql(list(c.attrs["fdw_options"])).strip().replace("\n    ", " ")
                             .replace("\n", "").replace("( ", "("))
            if c.collation and c.collation != "default":
                parts.append(f"COLLATE {self._collation_sql(c.collation)}")
            if c.default is not None:
                parts.append(f"DEFAULT {c.default}")
            if not c.nullable:
                parts.append("NOT NULL")
            elements.append(" ".join(parts))
        elements += [self._named(ck.name, self._check_text(ck)) for ck in t.checks]
        sql = f"CREATE FOREIGN TABLE {qualify(t.schema, t.name)} (\n    " + ",\n    ".join(elements) + "\n)"
        if t.inherits:
            sql += "\nINHERITS (" + ", ".join(self._qualified_text(p) for p in t.inherits) + ")"
        sql += f"\nSERVER {quote_ident(str(t.attrs.get('foreign_server')))}"
        sql += ob.options_sql(list(t.attrs.get("foreign_options") or []))
        return self._guard(sql + ";") + ("\n" + "\n".join(self._column_settings(t)) if self._column_settings(t) else "")

    # -- tables --------------------------------------------------------------------------------------
    def table_sql(self, t: Table) -> str:
        if t.attrs.get("foreign"):
            return self.foreign_table_sql(t)
        parent = self._parent_of(t)
        if parent is not None:
            return self._partition_sql(t, parent)
        inherit_parents = self._inherit_parents(t)
        if self.inspected:
            local = [c for c in t.columns if not c.attrs.get("inherited")]
        else:
            inherited_cols = {c.name for p in inherit_parents for c in p.columns}
            local = [c for c in t.columns if c.name not in inherited_cols]
        elements = [self.column_sql(t, c) for c in local]
        elements += self._table_constraints(t, inherited_checks=self._inherited_check_names(inherit_parents))
        head = f"CREATE {'UNLOGGED ' if t.unlogged else ''}TABLE{self._ine()} {qualify(t.schema, t.name)}"
        body = " (\n    " + ",\n    ".join(elements) + "\n)" if elements else " (\n)"
        tail = ""
        if t.inherits:
            tail += "\nINHERITS (" + ", ".join(self._qualified_text(p) for p in t.inherits) + ")"
        if t.partition_by:
            tail += f"\nPARTITION BY {t.partition_by}"
        tail += self.storage_sql(t)
        sql = head + body + tail + ";"
        fixups = self._inherited_column_fixups(t, inherit_parents, local)
        return "\n".join([sql, *fixups, *self._column_settings(t)])

    def storage_sql(self, t: Table) -> str:
        """A table's access method, storage parameters and tablespace, each on a line of its own."""
        tail = ""
        if t.access_method and not t.partition_by and t.access_method != "heap":
            tail += f"\nUSING {quote_ident(t.access_method)}"
        if t.options:
            tail += "\nWITH (" + ", ".join(t.options) + ")"
        if t.tablespace:
            tail += f"\nTABLESPACE {quote_ident(t.tablespace)}"
        return tail

    def _partition_sql(self, t: Table, parent: Table) -> str:
        """A partition: ``PARTITION OF`` when its columns are all the parent's, in the parent's order;
        otherwise a standalone table attached afterwards (it keeps its own column order and its columns
        stay local, as in the source)."""
        name = qualify(t.schema, t.name)
        bound = t.partition_bound or "DEFAULT"
        same_columns = not t.columns or (
            [c.name for c in t.columns] == [c.name for c in parent.columns]
            and (not self.inspected or all(c.attrs.get("inherited") for c in t.columns))
            and self._not_null_names_match(t, parent)
        )
        constraints = self._table_constraints(t, inherited_checks=self._inherited_check_names([parent]))
        tail = ""
        if t.partition_by:
            tail += f"\nPARTITION BY {t.partition_by}"
        tail += self.storage_sql(t)
        unlogged = "UNLOGGED " if t.unlogged else ""
        if same_columns:
            sql = (f"CREATE {unlogged}TABLE{self._ine()} {name} PARTITION OF "
                   f"{qualify(parent.schema, parent.name)}\n{bound}{tail};")
            # Constraints follow as ALTER TABLE: a key declared inside PARTITION OF (...) would give its
            # columns NOT NULL constraints of their own instead of the inherited ones.
            alters = [self._guard(f"ALTER TABLE ONLY {name} ADD {c};") for c in constraints]
            fixups = self._inherited_column_fixups(t, [parent], [])
            return "\n".join([sql, *alters, *fixups, *self._column_settings(t)])
        # The partition must already have its ancestors' checks to be attached.
        own = {c.name for c in t.checks}
        ancestor = parent
        while ancestor is not None:
            for ck in ancestor.checks:
                text = self._check_text(ck)
                if ck.name not in own and not ck.no_inherit and "NO INHERIT" not in text and not _not_valid(text):
                    constraints.append(self._named(ck.name, text))
                    own.add(ck.name)
            ancestor = self._parent_of(ancestor)
        elements = [self.column_sql(t, c, nn_name=self._inherited_nn_name(t, c)) for c in t.columns] + constraints
        sql = (f"CREATE {unlogged}TABLE{self._ine()} {name} (\n    " + ",\n    ".join(elements) + f"\n){tail};")
        attach = self._guard(f"ALTER TABLE ONLY {qualify(parent.schema, parent.name)} ATTACH PARTITION {name} {bound};",
                             "wrong_object_type")  # "is already a partition"
        return "\n".join([sql, attach, *self._column_settings(t)])

    def _not_null_names_match(self, t: Table, parent: Table) -> bool:
        """On PostgreSQL 18, whether a partition's NOT NULL constraints carry the names PARTITION OF
        gives them (its parent's). inspect records ``not_null_name`` only where a name differs from
        what it would be by default in context: ``<table>_<column>_not_null`` for a table's own
        constraint, the parent's name for an inherited one (a table attached after creation keeps
        names of its own)."""
        if self.major < 18:
            return True
        return not any(c.attrs.get("not_null_name") for c in t.columns if c.attrs.get("inherited"))

    def _inherited_nn_name(self, t: Table, c: Column) -> str | None:
        """For a partition created on its own and attached: the name its inherited NOT NULL constraint
        has when inspect recorded none, i.e. the parent's (PostgreSQL 18)."""
        if self.major < 18 or c.nullable or not c.attrs.get("inherited") or c.attrs.get("not_null_name"):
            return None
        parent = self._parent_of(t)
        seen = 0
        while parent is not None and seen < 100:
            pc = parent.column(c.name)
            if pc is None:
                return None
            if pc.attrs.get("not_null_name"):
                return str(pc.attrs["not_null_name"])
            if not pc.attrs.get("inherited"):
                return f"{parent.name}_{c.name}_not_null"[:63]
            parent, seen = self._parent_of(parent), seen + 1
        return None

    def _inherited_column_fixups(self, t: Table, parents: list[Table], local: list[Column]) -> list[str]:
        """Defaults and NOT NULL a child sets on columns it inherits (and does not declare itself),
        where they differ from what it inherits."""
        out = []
        declared = {c.name for c in local}
        for c in t.columns:
            if c.name in declared:
                continue
            pc = next((p.column(c.name) for p in parents if p.column(c.name) is not None), None)
            if pc is None:
                continue
            col = f"ALTER TABLE ONLY {qualify(t.schema, t.name)} ALTER COLUMN {quote_ident(c.name)}"
            if c.identity or c.generated or pc.identity:
                continue
            if (c.default or None) != (pc.default or None):
                out.append(f"{col} SET DEFAULT {c.default};" if c.default else f"{col} DROP DEFAULT;")
            if not c.nullable and pc.nullable and c.name not in t.primary_key:
                out.append(f"{col} SET NOT NULL;")
        return out

    def _column_settings(self, t: Table) -> list[str]:
        """Per-column settings PostgreSQL only takes from ALTER TABLE: statistics, storage, options."""
        out = []
        for c in t.columns:
            if not c.attrs:
                continue
            col = f"ALTER TABLE ONLY {qualify(t.schema, t.name)} ALTER COLUMN {quote_ident(c.name)}"
            if c.attrs.get("statistics") is not None:
                out.append(f"{col} SET STATISTICS {int(c.attrs['statistics'])};")
            if c.attrs.get("storage"):
                out.append(f"{col} SET STORAGE {str(c.attrs['storage']).upper()};")
            if c.attrs.get("options"):
                out.append(f"{col} SET ({', '.join(c.attrs['options'])});")
        return out

    def _inherited_check_names(self, parents: list[Table]) -> set[str]:
        """Checks a design lists on a child that it inherits from a parent (inspect leaves those out)."""
        if self.inspected:
            return set()
        return self._parent_check_names(parents)

    @staticmethod
    def _parent_check_names(parents: list[Table]) -> set[str]:
        return {c.name for p in parents for c in p.checks if c.name}

    def column_sql(self, t: Table, c: Column, *, nn_name: str | None = None) -> str:
        parts = [quote_ident(c.name), self._type_sql(c.type)]
        if c.collation and c.collation != "default":
            parts.append(f"COLLATE {self._collation_sql(c.collation)}")
        if c.attrs.get("compression"):
            parts.append(f"COMPRESSION {quote_ident(str(c.attrs['compression']))}")
        if c.generated:
            kind = (c.generated_kind or "stored").upper()
            parts.append(f"GENERATED ALWAYS AS {_paren(c.generated)} {kind}")
        elif c.identity:
            parts.append(self.identity_sql(t, c))
        elif c.default is not None and (t.qualified_name, c.name) not in self.deferred_defaults:
            parts.append(f"DEFAULT {c.default}")
        if not c.nullable and c.attrs.get("not_null_valid") is not False:
            name = str(c.attrs.get("not_null_name") or nn_name or "")
            default = f"{t.name}_{c.name}_not_null"
            if name and not (name == default and len(default) <= 63):  # the default needs no spelling out
                parts.append(f"CONSTRAINT {quote_ident(name)}")
            parts.append("NOT NULL")
            if c.attrs.get("not_null_no_inherit"):
                parts.append("NO INHERIT")
        return " ".join(parts)

    def identity_sql(self, t: Table, c: Column) -> str:
        """GENERATED ALWAYS|BY DEFAULT AS IDENTITY with the sequence's options, as a column definition
        (and ALTER COLUMN ... ADD) writes it."""
        ident = f"GENERATED {c.identity.upper()} AS IDENTITY"
        opts = self._identity_options(t, c)
        if opts:
            ident += " (\n        " + "\n        ".join(opts) + "\n    )"
        return ident

    def _identity_options(self, t: Table, c: Column) -> list[str]:
        o = c.identity_options
        if not o:
            return []
        out = []
        if o.get("sequence_name"):
            s, n = self._split_dotted(str(o["sequence_name"]), t.schema)
            out.append(f"SEQUENCE NAME {qualify(s, n)}")
        out += sequence_options(o.get("start"), o.get("increment"), o.get("min_value"),
                                o.get("max_value"), o.get("cache"), o.get("cycle"))
        return out

    def _table_constraints(self, t: Table, *, inherited_checks: set[str]) -> list[str]:
        out = []
        deferred_keys = bool(t.partition_by)
        if t.primary_key and not deferred_keys:
            out.append(self._pk_sql(t))
        if not deferred_keys:
            for u in t.unique:
                out.append(self._named(u.name, self._unique_text(u)))
        for ck in t.checks:
            if ck.name and ck.name in inherited_checks:
                continue
            text = self._check_text(ck)
            if _not_valid(text):
                continue
            out.append(self._named(ck.name, text))
        if not deferred_keys:
            for ex in t.exclusions:
                out.append(self._named(ex.name, ex.definition))
        for fk in t.foreign_keys:
            if self._fk_inline(t, fk):
                out.append(self._named(fk.name, self._fk_text(fk)))
        return out

    def _pk_sql(self, t: Table) -> str:
        """PRIMARY KEY, with what its backing index says (INCLUDE, storage options, tablespace)."""
        if t.attrs.get("primary_key_definition"):
            return self._named(t.primary_key_name, str(t.attrs["primary_key_definition"]))
        text = f"PRIMARY KEY ({', '.join(quote_ident(c) for c in t.primary_key)})"
        ix = next((i for i in t.indexes if t.primary_key_name and i.constraint == t.primary_key_name), None)
        if ix is not None:
            if ix.method == "gist" and len(t.primary_key) > 1:
                # A temporal key (PostgreSQL 18): only WITHOUT OVERLAPS makes a gist primary key.
                cols = [quote_ident(c) for c in t.primary_key]
                text = f"PRIMARY KEY ({', '.join(cols[:-1])}, {cols[-1]} WITHOUT OVERLAPS)"
            if ix.include:
                text += f" INCLUDE ({', '.join(quote_ident(c) for c in ix.include)})"
            if ix.options:
                text += f" WITH ({', '.join(ix.options)})"
            if ix.tablespace:
                text += f" USING INDEX TABLESPACE {quote_ident(ix.tablespace)}"
        if t.attrs.get("primary_key_deferrable"):
            text += " DEFERRABLE"
            if t.attrs.get("primary_key_initially_deferred"):
                text += " INITIALLY DEFERRED"
        return self._named(t.primary_key_name, text)

    @staticmethod
    def _named(name: str | None, text: str) -> str:
        return constraint_sql(name, text)

    @staticmethod
    def _check_text(ck: CheckConstraint) -> str:
        return check_text(ck)

    def _unique_text(self, u: UniqueConstraint) -> str:
        if u.definition:
            return u.definition
        text = "UNIQUE" + (" NULLS NOT DISTINCT" if u.nulls_not_distinct else "")
        text += f" ({', '.join(quote_ident(c) for c in u.columns)})"
        if u.include:
            text += f" INCLUDE ({', '.join(quote_ident(c) for c in u.include)})"
        if u.deferrable:
            text += " DEFERRABLE" + (" INITIALLY DEFERRED" if u.initially_deferred else "")
        return text

    def _fk_text(self, fk: ForeignKey) -> str:
        if fk.definition:
            return fk.definition
        ref = self.tables.get(f"{fk.ref_schema}.{fk.ref_table}")
        text = f"FOREIGN KEY ({', '.join(quote_ident(c) for c in fk.columns)}) REFERENCES "
        text += qualify(ref.schema, ref.name) if ref else qualify(fk.ref_schema, fk.ref_table)
        if fk.ref_columns:
            text += f"({', '.join(quote_ident(c) for c in fk.ref_columns)})"
        if fk.match and fk.match.upper() not in ("SIMPLE", "NONE"):
            text += f" MATCH {fk.match.upper()}"
        if fk.on_update and fk.on_update.upper() != "NO ACTION":
            text += f" ON UPDATE {fk.on_update.upper()}"
        if fk.on_delete and fk.on_delete.upper() != "NO ACTION":
            text += f" ON DELETE {fk.on_delete.upper()}"
        if fk.deferrable:
            text += " DEFERRABLE" + (" INITIALLY DEFERRED" if fk.initially_deferred else "")
        if not fk.valid:
            text += " NOT VALID"
        return text

    def _fk_inline(self, t: Table, fk: ForeignKey) -> bool:
        """Whether a foreign key can be written inside CREATE TABLE: the referenced table comes first
        (no cycle), its key exists from its own CREATE TABLE, and the key is valid."""
        key = id(fk)
        if key in self.inline_fks:
            return self.inline_fks[key]
        ok = self._fk_inline_uncached(t, fk)
        self.inline_fks[key] = ok
        return ok

    def _fk_inline_uncached(self, t: Table, fk: ForeignKey) -> bool:
        if self._fk_is_clone(t, fk) or _not_valid(self._fk_text(fk)) or not fk.valid:
            return False
        ref = self.tables.get(f"{fk.ref_schema}.{fk.ref_table}")
        if ref is None or ref.partition_by or ref.partition_of:
            return False
        if (t.qualified_name, ref.qualified_name) in self.deferred_cycle_fks:
            return False
        if t.partition_by or t.partition_of:
            return False
        cols = list(fk.ref_columns) or list(ref.primary_key)
        keys = [list(ref.primary_key)] + [list(u.columns) for u in ref.unique if not u.definition or
                                          "UNIQUE" in u.definition]
        return any(k and sorted(k) == sorted(cols) for k in keys)

    def _fk_is_clone(self, t: Table, fk: ForeignKey) -> bool:
        """A partition's copy of its parent's foreign key (PostgreSQL creates it with the partition)."""
        parent = self._parent_of(t)
        while parent is not None:
            if any(p.name == fk.name and p.columns == fk.columns for p in parent.foreign_keys):
                return True
            parent = self._parent_of(parent)
        return False

    def _deferred_parent_constraints(self, t: Table) -> list[str]:
        """A partitioned table's keys, added after its partitions exist so that PostgreSQL attaches the
        partitions' own (named) keys instead of creating new ones."""
        out = []
        if t.primary_key:
            out.append(self._pk_sql(t))
        out += [self._named(u.name, self._unique_text(u)) for u in t.unique]
        out += [self._named(ex.name, ex.definition) for ex in t.exclusions]
        return out

    def tcons_sql(self, t: Table) -> str:
        name = qualify(t.schema, t.name)
        return "\n".join(self._guard(f"ALTER TABLE {name} ADD {c};") for c in self._deferred_parent_constraints(t))

    # -- views ---------------------------------------------------------------------------------------
    def view_sql(self, v: View) -> str:
        # As pg_dump does: a materialized view is created empty. A design's is filled at the end
        # (REFRESH), once every function its query may call can find its tables (bodies are not checked
        # at creation); one read from a database stays empty, as pg_dump --schema-only leaves it.
        sql = create_view_sql(v, with_data=False, if_not_exists=self.if_not_exists) + ";"
        if v.materialized and v.with_data and not self.inspected and not _is_create_view(v.definition):
            self.refresh.append(v)
        return sql

    # -- phases after creation -------------------------------------------------------------------------
    def deferred_defaults_sql(self) -> list[str]:
        """Defaults left out of CREATE TABLE to break a cycle, on the table and on the partitions and
        children that inherited nothing because the parent had no default yet."""
        out = []
        for t in self.schema.tables:
            for c in t.columns:
                if (t.qualified_name, c.name) in self.deferred_defaults or self._lost_inherited_default(t, c):
                    out.append(f"ALTER TABLE ONLY {qualify(t.schema, t.name)} ALTER COLUMN {quote_ident(c.name)} "
                               f"SET DEFAULT {c.default};")
        return out

    def _lost_inherited_default(self, t: Table, c: Column) -> bool:
        if not c.default or (t.qualified_name, c.name) in self.deferred_defaults:
            return False
        for p in [self._parent_of(t), *self._inherit_parents(t)]:
            pc = p.column(c.name) if p is not None else None
            if pc is not None and pc.default == c.default and (
                    (p.qualified_name, c.name) in self.deferred_defaults or self._lost_inherited_default(p, pc)):
                return True
        return False

    def sequence_ownership_sql(self) -> list[str]:
        out = []
        for seq in self.schema.sequences:
            if (seq.schema, seq.name) in self.identity_sequences or not seq.owned_by:
                continue
            owner = self._owned_by(seq.owned_by)
            if owner is None:
                continue
            t, c = owner
            out.append(f"ALTER SEQUENCE {qualify(seq.schema, seq.name)} OWNED BY "
                       f"{qualify(t.schema, t.name)}.{quote_ident(c.name)};")
        return out

    def late_constraints_sql(self) -> list[str]:
        out = []
        for t in self.schema.tables:
            for c in t.columns:
                if c.attrs.get("not_null_valid") is False:
                    name = c.attrs.get("not_null_name") or f"{t.name}_{c.name}_not_null"
                    out.append(self._guard(f"ALTER TABLE {qualify(t.schema, t.name)} ADD CONSTRAINT "
                                           f"{quote_ident(str(name))} NOT NULL {quote_ident(c.name)} NOT VALID;"))
            parent = self._parent_of(t)
            inherited = self._inherited_check_names([parent] if parent else self._inherit_parents(t))
            for ck in t.checks:
                if ck.name and ck.name in inherited:
                    continue
                text = self._check_text(ck)
                if _not_valid(text):
                    out.append(self._guard(f"ALTER TABLE {qualify(t.schema, t.name)} ADD "
                                           f"{self._named(ck.name, text)};"))
        return out

    def _index_order(self) -> list[Table]:
        """Tables deepest in a partition tree first, so a parent's index attaches to its partitions'."""
        def depth(t: Table) -> int:
            d, p = 0, self._parent_of(t)
            while p is not None and d < 100:
                d, p = d + 1, self._parent_of(p)
            return d
        return sorted(self.schema.tables, key=lambda t: -depth(t))

    def indexes_sql(self) -> list[str]:
        out = []
        for t in self._index_order():
            for ix in t.indexes:
                sql = self.index_sql(t.schema, t.name, ix, partitioned=bool(t.partition_by), table=t)
                if sql:
                    out.append(sql)
            for ix in t.indexes:
                if ix.attrs.get("clustered"):
                    out.append(f"ALTER TABLE {qualify(t.schema, t.name)} CLUSTER ON {quote_ident(ix.name)};")
            if t.attrs.get("replica_identity"):
                ri = self._replica_identity(t)
                if ri:
                    out.append(ri)
            for st in t.attrs.get("statistics") or []:
                if isinstance(st, dict) and st.get("definition"):
                    text = str(st["definition"])
                    if self.if_not_exists:
                        text = re.sub(
                            r"^CREATE STATISTICS (?!IF NOT EXISTS)", "CREATE STATISTICS IF NOT EXISTS ", text
                        )
                    out.append(_stmt(text))
        for v in self.schema.views:
            for ix in v.indexes:
                sql = self.index_sql(v.schema, v.name, ix, partitioned=False, table=None)
                if sql:
                    out.append(sql)
        return out

    def _replica_identity(self, t: Table) -> str:
        ri = str(t.attrs["replica_identity"])
        name = qualify(t.schema, t.name)
        if ri.lower() in ("full", "f"):
            return f"ALTER TABLE ONLY {name} REPLICA IDENTITY FULL;"
        if ri.lower() in ("nothing", "n"):
            return f"ALTER TABLE ONLY {name} REPLICA IDENTITY NOTHING;"
        if ri.lower() in ("default", "d"):
            return ""
        ix = next((i for i in t.indexes if i.attrs.get("replica_identity")), None)
        if ri.upper() == "INDEX" and ix is None:
            return ""
        return f"ALTER TABLE ONLY {name} REPLICA IDENTITY USING INDEX {quote_ident(ix.name if ix else ri)};"

    def index_sql(self, schema_name: str, rel: str, ix: Index, *, partitioned: bool,
                  table: Table | None) -> str:
        if ix.constraint or not ix.valid:
            return ""
        # pg_get_indexdef writes ON ONLY only for a partitioned table's index (``partitioned``).
        return _stmt(create_index_sql(qualify(schema_name, rel), ix, table=table, if_not_exists=self.if_not_exists))


    def late_foreign_keys_sql(self) -> list[str]:
        out = []
        for t in self.schema.tables:
            for fk in t.foreign_keys:
                if self._fk_inline(t, fk) or self._fk_is_clone(t, fk):
                    continue
                out.append(self._guard(f"ALTER TABLE {qualify(t.schema, t.name)} ADD "
                                       f"{self._named(fk.name, self._fk_text(fk))};"))
        return out

    def triggers_sql(self) -> list[str]:
        out = []
        for t in self.schema.tables:
            for tr in t.triggers:
                out.append(self.trigger_sql(t.schema, t.name, tr))
        for v in self.schema.views:
            for tr in v.triggers:
                out.append(self.trigger_sql(v.schema, v.name, tr))
        return out

    def trigger_sql(self, schema_name: str, rel: str, tr: Trigger) -> str:
        on_sql = qualify(schema_name, rel)
        sql = create_trigger_sql(tr, on_sql, or_replace=self.if_not_exists) + ";"
        if tr.constraint:
            sql = self._guard(sql)  # constraint triggers have no OR REPLACE
        state = trigger_state_sql(tr, on_sql)
        return f"{sql}\n{state};" if state else sql

    def rls_sql(self) -> list[str]:
        out = []
        for t in self.schema.tables:
            name = qualify(t.schema, t.name)
            if t.rls_enabled:
                out.append(f"ALTER TABLE {name} ENABLE ROW LEVEL SECURITY;")
            if t.rls_forced:
                out.append(f"ALTER TABLE {name} FORCE ROW LEVEL SECURITY;")
            for p in t.policies:
                out.append(self.policy_sql(t, p))
        return out

    def policy_sql(self, t: Table, p: Policy) -> str:
        return self._guard(create_policy_sql(p, qualify(t.schema, t.name)) + ";")

    # -- comments ------------------------------------------------------------------------------------
    def comments_sql(self) -> list[str]:
        s = self.schema
        out: list[str] = []

        def add(target: str, comment: str | None) -> None:
            if comment is not None:
                out.append(comment_sql(target, comment) + ";")

        for ns in s.schemas:
            if ns.name == "public" and ns.comment == _DEFAULT_PUBLIC_COMMENT:
                continue
            if ns.name in ("pg_catalog", "information_schema"):
                continue
            add(f"SCHEMA {quote_ident(ns.name)}", ns.comment)
        for e in s.extensions:
            if e.name not in _BUILTIN_EXTENSIONS:
                add(f"EXTENSION {quote_ident(e.name)}", e.comment)
        for en in s.enums:
            add(f"TYPE {qualify(en.schema, en.name)}", en.comment)
        for d in s.domains:
            add(f"DOMAIN {qualify(d.schema, d.name)}", d.comment)
            for ck in d.checks:
                if ck.name:
                    add(f"CONSTRAINT {quote_ident(ck.name)} ON DOMAIN {qualify(d.schema, d.name)}", ck.comment)
        for ct in s.composite_types:
            add(f"TYPE {qualify(ct.schema, ct.name)}", ct.comment)
            for a in ct.attributes:
                add(f"COLUMN {qualify(ct.schema, ct.name)}.{quote_ident(a.name)}", a.comment)
        for seq in s.sequences:
            add(f"SEQUENCE {qualify(seq.schema, seq.name)}", seq.comment)
        for f in s.functions:
            add(f"{function_keyword(f)} {qualify(f.schema, f.name)}({f.identity_args})", f.comment)
        for t in s.tables:
            name = qualify(t.schema, t.name)
            add(f"{'FOREIGN TABLE' if t.attrs.get('foreign') else 'TABLE'} {name}", t.comment)
            for c in t.columns:
                add(f"COLUMN {name}.{quote_ident(c.name)}", c.comment)
            if t.attrs.get("primary_key_comment") and t.primary_key_name:
                add(f"CONSTRAINT {quote_ident(t.primary_key_name)} ON {name}", t.attrs["primary_key_comment"])
            for con in [*t.foreign_keys, *t.checks, *t.unique, *t.exclusions]:
                if con.name and con.comment is not None:
                    if isinstance(con, ForeignKey) and self._fk_is_clone(t, con):
                        continue
                    add(f"CONSTRAINT {quote_ident(con.name)} ON {name}", con.comment)
            for ix in t.indexes:
                if ix.valid:
                    add(f"INDEX {qualify(t.schema, ix.name)}", ix.comment)
            for st in t.attrs.get("statistics") or []:
                if isinstance(st, dict) and st.get("comment") is not None and st.get("name"):
                    add(f"STATISTICS {qualify(st.get('schema') or t.schema, st['name'])}", st["comment"])
            for tr in t.triggers:
                add(f"TRIGGER {quote_ident(tr.name)} ON {name}", tr.comment)
            for p in t.policies:
                add(f"POLICY {quote_ident(p.name)} ON {name}", p.comment)
        for v in s.views:
            name = qualify(v.schema, v.name)
            add(f"{'MATERIALIZED VIEW' if v.materialized else 'VIEW'} {name}", v.comment)
            for col, comment in v.column_comments.items():
                add(f"COLUMN {name}.{quote_ident(col)}", comment)
            for ix in v.indexes:
                add(f"INDEX {qualify(v.schema, ix.name)}", ix.comment)
            for tr in v.triggers:
                add(f"TRIGGER {quote_ident(tr.name)} ON {name}", tr.comment)
        for rel in [*s.tables, *s.views]:
            for rule in rel.rules:
                add(f"RULE {quote_ident(rule.name)} ON {qualify(rel.schema, rel.name)}", rule.comment)
        for _kind, attr in _OBJECT_KINDS:
            for o in getattr(s, attr):
                if getattr(o, "comment", None) is not None:
                    add(ob.object_target(o), o.comment)
        for o in [*s.publications, *s.subscriptions]:
            add(ob.object_target(o), o.comment)
        return out

    # -- ownership and privileges ----------------------------------------------------------------------
    def _acl_targets(self) -> list[tuple[str, str, str, Any]]:
        """(ACL kind, ALTER target, GRANT target, object) for every object that has an owner and ACL."""
        s = self.schema
        out: list[tuple[str, str, str, Any]] = []
        for n in s.schemas:
            if n.name in ("pg_catalog", "information_schema", "pg_toast"):
                continue
            out.append(("SCHEMA", f"SCHEMA {quote_ident(n.name)}", f"SCHEMA {quote_ident(n.name)}", n))
        for e in s.enums:
            out.append(("TYPE", f"TYPE {qualify(e.schema, e.name)}", f"TYPE {qualify(e.schema, e.name)}", e))
        for d in s.domains:
            out.append(("TYPE", f"DOMAIN {qualify(d.schema, d.name)}", f"DOMAIN {qualify(d.schema, d.name)}", d))
        for c in s.composite_types:
            out.append(("TYPE", f"TYPE {qualify(c.schema, c.name)}", f"TYPE {qualify(c.schema, c.name)}", c))
        for q in s.sequences:
            if (q.schema, q.name) not in self.identity_sequences:
                name = qualify(q.schema, q.name)
                out.append(("SEQUENCE", f"SEQUENCE {name}", f"SEQUENCE {name}", q))
        for f in s.functions:
            sig = f"{qualify(f.schema, f.name)}({f.identity_args})"
            grant_kw = "PROCEDURE" if f.kind == "procedure" else "FUNCTION"
            out.append(("FUNCTION", f"{function_keyword(f)} {sig}", f"{grant_kw} {sig}", f))
        for t in s.tables:
            name = qualify(t.schema, t.name)
            out.append(("TABLE", f"{'FOREIGN TABLE' if t.attrs.get('foreign') else 'TABLE'} {name}",
                        f"TABLE {name}", t))
        for v in s.views:
            name = qualify(v.schema, v.name)
            out.append(("TABLE", f"{'MATERIALIZED VIEW' if v.materialized else 'VIEW'} {name}", f"TABLE {name}", v))
        for o in [*s.range_types, *s.base_types]:
            out.append(("TYPE", ob.object_target(o), ob.object_target(o), o))
        for w in s.foreign_data_wrappers:
            out.append(("FOREIGN DATA WRAPPER", ob.object_target(w), ob.object_target(w), w))
        for srv in s.foreign_servers:
            out.append(("FOREIGN SERVER", ob.object_target(srv), f"FOREIGN SERVER {quote_ident(srv.name)}", srv))
        for o in [*s.collations, *s.text_search_configs, *s.text_search_dictionaries, *s.operators,
                  *s.operator_families, *s.operator_classes, *s.publications, *s.subscriptions]:
            out.append(("", ob.object_target(o), "", o))
        return out

    def owners_sql(self) -> list[str]:
        if self.owners is False:
            return []
        out = []
        for _kind, target, _grant, obj in self._acl_targets():
            if not obj.owner:
                continue
            if isinstance(obj, Namespace) and obj.name == "public":
                # PostgreSQL 15+ gives public to pg_database_owner; older servers to the bootstrap user.
                if self.major >= 15 and obj.owner != "pg_database_owner":
                    out.append(f"ALTER {target} OWNER TO {quote_ident(obj.owner)};")
                continue
            if self.owners is None and obj.owner == self.default_owner:
                continue
            out.append(f"ALTER {target} OWNER TO {quote_ident(obj.owner)};")
        return out

    def privileges_sql(self) -> list[str]:
        out = []
        for kind, _target, grant_target, obj in self._acl_targets():
            privs: list[Privilege] = getattr(obj, "privileges", [])
            if privs:
                out += self._grant_statements(kind, grant_target, obj, privs)
        return out

    def _grant_statements(self, kind: str, target: str, obj: Any, privs: list[Privilege]) -> list[str]:
        """GRANT/REVOKE turning an object's default privileges into exactly its ACL, as pg_dump does:
        revoke each default entry the ACL lacks, then grant each ACL entry that is not a default one,
        in ACL order. ``privs`` is the ACL as inspect reads it (owner's entry included); an object whose
        ACL was never changed has none."""
        owner = obj.owner
        items = _acl_items([p for p in privs if not p.columns])
        out: list[str] = []
        if items:
            defaults = self._default_acl(kind, obj)
            for d in defaults:
                if d not in items:
                    out.append(f"REVOKE ALL ON {target} FROM {role_sql(d.grantee)};")
            for item in items:
                if item in defaults:
                    continue
                out += _grant_item(item, target, owner, None)
        for item in _acl_items([p for p in privs if p.columns]):
            out += _grant_item(item, target, owner, item.columns)
        return out

    def _default_acl(self, kind: str, obj: Any) -> list[_AclItem]:
        """The ACL an object has before any GRANT (PostgreSQL's acldefault, or the initial privileges
        of the public schema)."""
        owner = obj.owner or ""
        everything = set(_ALL_PRIVS[kind])
        if kind == "TABLE" and (self.major >= 17 or not self.inspected):
            everything.add("MAINTAIN")
        out = [_AclItem(owner, owner, frozenset(everything), frozenset())]
        if kind in ("FUNCTION", "TYPE"):
            out.append(_AclItem("PUBLIC", owner, frozenset({"EXECUTE" if kind == "FUNCTION" else "USAGE"}),
                                frozenset()))
        if isinstance(obj, Namespace) and obj.name == "public" and self.major >= 15:
            out = [_AclItem("pg_database_owner", "pg_database_owner", frozenset({"USAGE", "CREATE"}), frozenset()),
                   _AclItem("PUBLIC", "pg_database_owner", frozenset({"USAGE"}), frozenset())]
            if owner != "pg_database_owner":
                out = [_AclItem(owner, owner, frozenset({"USAGE", "CREATE"}), frozenset()),
                       _AclItem("PUBLIC", owner, frozenset({"USAGE"}), frozenset())]
        return out


def create_index_sql(on_sql: str, ix: Index, *, table: Table | None = None, if_not_exists: bool = False) -> str:
    """CREATE INDEX on the relation ``on_sql``: inspect's ``definition`` (ON ONLY dropped, so that an index
    on a partitioned table attaches to its partitions' matching indexes and creates the missing ones),
    or one built from a design's fields (``table`` tells its columns from expressions)."""
    if ix.definition:
        text = _stmt(ix.definition)[:-1]
        text = re.sub(r"\bON ONLY\b", "ON", text, count=1)
        if if_not_exists:
            text = re.sub(r"^(CREATE (?:UNIQUE )?INDEX )(?!IF NOT EXISTS)", r"\1IF NOT EXISTS ", text)
        return text
    keys = []
    for i, col in enumerate(ix.columns):
        inline_order = ""
        m = _KEY_ORDER.match(col)
        if (
            m
            and (i >= len(ix.expressions) or not ix.expressions[i])
            and (table is None or table.column(m.group(1)) is not None)
        ):
            col, inline_order = m.group(1), " " + " ".join(m.group(2).upper().split())
        is_expr = (
            ix.expressions[i]
            if i < len(ix.expressions)
            else (table is not None and table.column(col) is None and not re.match(r"^\w+$", col))
        )
        key = (_paren(col) if is_expr else quote_ident(col)) + inline_order
        if i < len(ix.opclasses) and ix.opclasses[i]:
            key += f" {ix.opclasses[i]}"
        if i < len(ix.orders) and ix.orders[i]:
            key += f" {ix.orders[i]}"
        keys.append(key)
    sql = f"CREATE {'UNIQUE ' if ix.unique else ''}INDEX{' IF NOT EXISTS' if if_not_exists else ''} "
    sql += f"{quote_ident(ix.name)} ON {on_sql}"
    if ix.method and ix.method.lower() != "btree":
        sql += f" USING {ix.method.lower()}"
    sql += f" ({', '.join(keys)})"
    if ix.include:
        sql += f" INCLUDE ({', '.join(quote_ident(c) for c in ix.include)})"
    if ix.nulls_not_distinct:
        sql += " NULLS NOT DISTINCT"
    if ix.options:
        sql += f" WITH ({', '.join(ix.options)})"
    if ix.tablespace:
        sql += f" TABLESPACE {quote_ident(ix.tablespace)}"
    if ix.where:
        sql += f" WHERE {_paren(ix.where)}"
    return sql


@dataclass(frozen=True)
class _AclItem:
    grantee: str
    grantor: str
    plain: frozenset[str]
    with_option: frozenset[str]
    columns: tuple[str, ...] = ()


def _acl_items(privs: list[Privilege]) -> list[_AclItem]:
    """Regroup inspect's Privilege entries (split by grant option) into aclitems, in ACL order."""
    order: list[tuple[str, str, tuple[str, ...]]] = []
    plain: dict[tuple[str, str, tuple[str, ...]], set[str]] = {}
    opt: dict[tuple[str, str, tuple[str, ...]], set[str]] = {}
    for p in privs:
        key = (_role_key(p.grantee), p.grantor or "", tuple(p.columns))
        if key not in plain:
            order.append(key)
            plain[key], opt[key] = set(), set()
        (opt if p.grantable else plain)[key].update(x.upper() for x in p.privileges)
    return [_AclItem(k[0], k[1], frozenset(plain[k]), frozenset(opt[k]), k[2]) for k in order]


def _grant_item(item: _AclItem, target: str, owner: str | None, columns: tuple[str, ...] | None) -> list[str]:
    out = []
    for privs, option in ((item.plain, False), (item.with_option, True)):
        if not privs:
            continue
        names = sorted(privs, key=_PRIV_ORDER.index if all(p in _PRIV_ORDER for p in privs) else str)
        stmt = grant_sql(names, target, item.grantee, grantable=option, columns=columns or ()) + ";"
        if item.grantor and owner and item.grantor != owner:
            stmt = f"SET SESSION AUTHORIZATION {quote_ident(item.grantor)};\n{stmt}\nRESET SESSION AUTHORIZATION;"
        out.append(stmt)
    return out


def grant_sql(privileges: Iterable[str], target: str, grantee: str, *, grantable: bool = False,
              columns: Iterable[str] = ()) -> str:
    """GRANT ``privileges`` (on ``columns`` when given) ON ``target`` (``TABLE public.t``) TO ``grantee``."""
    cols = ", ".join(quote_ident(c) for c in columns)
    text = ", ".join(f"{p}({cols})" if cols else p for p in privileges)
    return f"GRANT {text} ON {target} TO {role_sql(grantee)}{' WITH GRANT OPTION' if grantable else ''}"


_PRIV_ORDER = ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER", "MAINTAIN",
               "EXECUTE", "USAGE", "CREATE", "CONNECT", "TEMPORARY"]


# --------------------------------------------------------------------------------------------------


# A design's index key written with its order: "created_at DESC", "name ASC NULLS LAST".
_KEY_ORDER = re.compile(
    r"^\s*(\w+)\s+((?:ASC|DESC)(?:\s+NULLS\s+(?:FIRST|LAST))?|NULLS\s+(?:FIRST|LAST))\s*$", re.IGNORECASE
)


# What each format-2 object's creation names (types, functions, templates, ...), to order it.
_OBJECT_TEXTS: dict[str, Any] = {
    "collation": lambda o: [],
    "range": lambda o: [o.subtype, o.subtype_opclass, o.collation, o.canonical, o.subtype_diff],
    "basetype": lambda o: [o.input, o.output, o.receive, o.send, o.typmod_in, o.typmod_out, o.analyze,
                           o.subscript, o.element],
    "shell": lambda o: [],
    "tsparser": lambda o: [o.start, o.gettoken, o.end, o.lextypes, o.headline],
    "tstemplate": lambda o: [o.init, o.lexize],
    "tsdict": lambda o: [o.template],
    "tsconfig": lambda o: [o.parser, *[d for m in o.mappings for d in m.dictionaries]],
    "cast": lambda o: [o.source, o.target, o.function],
    "operator": lambda o: [o.function, o.left, o.right, o.restrict, o.join],
    "opfamily": lambda o: [re.sub(r"^OPERATOR \d+ \S+?\(", "(", m) for m in o.operators] + list(o.functions),
    "opclass": lambda o: [o.type, o.family, o.storage, *list(o.functions),
                          *[re.sub(r"^OPERATOR \d+ \S+?\(", "(", m) for m in o.operators]],
    "fdw": lambda o: [o.handler, o.validator],
    "server": lambda o: [],
    "usermapping": lambda o: [],
}


def _support_functions(b: Any) -> set[str]:
    """The routines a base type is defined with, as its fields name them (quotes taken off)."""
    names = [b.input, b.output, b.receive, b.send, b.typmod_in, b.typmod_out, b.analyze]
    return {n.replace('"', "") for n in names if n}


def _refs_of(texts: Iterable[str]) -> list[tuple[str | None, str]]:
    out: list[tuple[str | None, str]] = []
    for t in texts:
        out.extend(_references(t))
    return out


def _function_header(definition: str) -> str:
    """The part of a CREATE FUNCTION that must resolve at creation time: everything but a string
    body (an SQL-standard ``BEGIN ATOMIC``/``RETURN`` body is parsed at creation, so it counts)."""
    if not definition:
        return ""
    m = re.search(r"(?im)^\s*AS\s+(\$|')", definition)
    if m:
        return definition[: m.start()]
    m = re.search(r"(?i)\bAS\s+(\$[A-Za-z0-9_]*\$|')", definition)
    return definition[: m.start()] if m else definition


def _not_valid(text: str) -> bool:
    return text.rstrip().upper().endswith("NOT VALID")


def role_sql(name: str) -> str:
    """A role as GRANT, REVOKE and CREATE POLICY name it (PUBLIC and CURRENT_USER unquoted)."""
    if name.lower() == "public" or name == "PUBLIC":
        return "PUBLIC"
    if name.upper() in ("CURRENT_USER", "SESSION_USER", "CURRENT_ROLE"):
        return name.upper()
    return quote_ident(name)


def _role_key(name: str | None) -> str:
    if name is None:
        return ""
    return "PUBLIC" if name in ("PUBLIC", "public") else name


_ALL_PRIVS = {
    "TABLE": {"SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"},
    "SEQUENCE": {"USAGE", "SELECT", "UPDATE"},
    "FUNCTION": {"EXECUTE"},
    "TYPE": {"USAGE"},
    "SCHEMA": {"USAGE", "CREATE"},
    "FOREIGN DATA WRAPPER": {"USAGE"},
    "FOREIGN SERVER": {"USAGE"},
}
