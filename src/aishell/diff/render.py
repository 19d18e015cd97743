"""SQL text a migration needs beyond whole objects (PostgreSQL).

The SQL of one whole object (a column definition, CREATE TYPE/DOMAIN/SEQUENCE/FUNCTION/VIEW/TRIGGER/
POLICY/INDEX, COMMENT, GRANT) comes from the DDL generator, :mod:`aishell.dialects.postgres.generate`,
whose output a pg_dump round trip checks. What stays here is migration-specific: ALTER forms (identity
and sequence options), index builds CONCURRENTLY, NOT VALID additions, CREATE TABLE with the foreign keys
the planner chose to put inline, REVOKE.
"""
from __future__ import annotations

import re

from aishell.dialects.postgres import generate as g
from aishell.dialects.postgres.generate import PostgresGenerator
from aishell.dialects.postgres.quote import qualify, quote_ident_list
from aishell.diff.normalize import table_constraints
from aishell.model import (
    Column,
    Index,
    Privilege,
    Sequence,
    Table,
    View,
)


def qname(obj) -> str:
    return qualify(obj.schema, obj.name)


def split_qualified(name: str) -> tuple[str, str]:
    """``schema.name`` (as the model stores parents) into its parts."""
    if "." in name:
        s, n = name.split(".", 1)
        return s.strip('"'), n.strip('"')
    return "public", name


def sql_of_qualified(name: str) -> str:
    return qualify(*split_qualified(name))


def identity_alter_sql(c: Column) -> str:
    """ALTER COLUMN ... SET options of an identity column whose sequence options change."""
    o = c.identity_options
    opts = []
    if o.get("start") is not None:
        opts.append(f"SET START WITH {o['start']}")
    if o.get("increment") is not None:
        opts.append(f"SET INCREMENT BY {o['increment']}")
    if o.get("min_value") is not None:
        opts.append(f"SET MINVALUE {o['min_value']}")
    if o.get("max_value") is not None:
        opts.append(f"SET MAXVALUE {o['max_value']}")
    if o.get("cache") is not None:
        opts.append(f"SET CACHE {o['cache']}")
    if o.get("cycle") is not None:
        opts.append(f"SET {'' if o['cycle'] else 'NO '}CYCLE")
    return " ".join(opts)


def create_table_sql(gen: PostgresGenerator, t: Table, inline_fks: list[str] | None = None,
                     parent: Table | None = None) -> str:
    """CREATE TABLE with columns and PK/UNIQUE/CHECK/EXCLUDE; foreign keys only those in ``inline_fks``.

    Not the generator's ``table_sql``: a migration creates a partition with its keys inline (the
    generator adds a partitioned table's keys after all its partitions exist) and chooses which foreign
    keys go inline from the tables it creates, not from the whole schema."""
    head = f"CREATE {'UNLOGGED ' if t.unlogged else ''}TABLE {qname(t)}"
    inherited = inherited_constraints(t, parent)
    if t.partition_of:
        columns = [c for c in t.columns
                   if not c.attrs.get("inherited") and (parent is None or parent.column(c.name) is None)]
    else:
        columns = [c for c in t.columns if not (t.inherits and c.attrs.get("inherited"))]  # inherited: the parent's
    items = [gen.column_sql(t, c) for c in columns]
    items += [g.constraint_sql(c.name, c.definition) for c in table_constraints(t) if c.name not in inherited]
    items += inline_fks or []
    body = " (\n    " + ",\n    ".join(items) + "\n)"
    if t.partition_of:
        s = f"{head} PARTITION OF {sql_of_qualified(t.partition_of)}{body if items else ''}\n    {t.partition_bound or 'DEFAULT'}"
    else:
        s = head + body
        if t.inherits:
            s += f" INHERITS ({', '.join(sql_of_qualified(p) for p in t.inherits)})"
    if t.partition_by:
        s += f" PARTITION BY {t.partition_by}"
    return s + gen.storage_sql(t)


def inherited_constraints(t: Table, parent: Table | None) -> set[str]:
    """Constraints a partition gets from its parent (created with it, so not repeated)."""
    if parent is None or not t.partition_of:
        return set()
    parent_defs = {c.definition for c in table_constraints(parent)}
    return {c.name for c in table_constraints(t) if c.definition in parent_defs and c.kind == "check"} | {
        c.name for c in table_constraints(t) if c.kind in ("primary key", "unique") and c.definition in parent_defs
    }


def fk_clause(name: str, definition: str, not_valid: bool = False) -> str:
    return g.constraint_sql(name, definition) + (" NOT VALID" if not_valid else "")


def index_sql(table_sql: str, index: Index, *, concurrently: bool = False, if_not_exists: bool = False) -> str:
    d = g.create_index_sql(table_sql, index)
    if concurrently:
        if_not_exists = True  # rerunnable; the executor first drops an INVALID leftover of a failed build
    if concurrently or if_not_exists:
        extra = ("CONCURRENTLY " if concurrently else "") + ("IF NOT EXISTS " if if_not_exists else "")
        d = re.sub(r"^CREATE\s+(UNIQUE\s+)?INDEX\s+", lambda m: f"CREATE {m.group(1) or ''}INDEX {extra}", d,
                   count=1, flags=re.IGNORECASE)
    return d


def domain_check_sql(c) -> str:
    """A domain check for ALTER DOMAIN ... ADD, without its NOT VALID (the planner adds one)."""
    return re.sub(r"(?i)\s+NOT\s+VALID\s*$", "", g.domain_check_sql(c))


def alter_sequence_sql(s: Sequence) -> str:
    """ALTER SEQUENCE to every option of ``s`` (CYCLE spelled out both ways: a change may turn it off)."""
    parts = [f"AS {s.type}"] if s.type else []
    parts += g.sequence_options(s.start, s.increment, s.min_value, s.max_value, s.cache, s.cycle)
    if not s.cycle:
        parts.append("NO CYCLE")
    return f"ALTER SEQUENCE {qname(s)} " + " ".join(parts)


def comment_sql(kind: str, name: str, text: str | None) -> str:
    return g.comment_sql(f"{kind} {name}", text)


def view_create_sql(v: View) -> str:
    """A view as a migration creates it: a materialized one filled when the model says so."""
    return g.create_view_sql(v, with_data=v.with_data)


def grant_sql(kind: str, name: str, p: Privilege, *, revoke: bool = False) -> str:
    if not revoke:
        return g.grant_sql(p.privileges, f"{kind} {name}", p.grantee, grantable=p.grantable, columns=p.columns)
    privs = ", ".join(p.privileges)
    if p.columns:
        privs = ", ".join(f"{x} ({quote_ident_list(p.columns)})" for x in p.privileges)
    return f"REVOKE {privs} ON {kind} {name} FROM {g.role_sql(p.grantee)}"
