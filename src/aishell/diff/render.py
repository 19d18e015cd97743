"""SQL text for whole model objects (PostgreSQL): the pieces the planner orders.

These are the per-object CREATE/DROP forms a migration needs (a table without its foreign keys, a view
with its indexes and grants, ...). They prefer the database's own ``definition`` text where the model
has it, which makes the round trip exact.
"""

from __future__ import annotations

import re

from aishell.dialects.postgres.quote import qualify, quote_ident, quote_ident_list, quote_literal
from aishell.diff.normalize import fk_definition, index_definition, norm_ws, table_constraints
from aishell.model import (
    Column,
    CompositeType,
    Domain,
    EnumType,
    Extension,
    Function,
    Index,
    Policy,
    Privilege,
    Sequence,
    Table,
    Trigger,
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


def column_sql(c: Column, *, for_add: bool = False) -> str:
    parts = [quote_ident(c.name), c.type]
    if c.collation and c.collation != "default":
        coll = c.collation if c.collation.startswith('"') or "." in c.collation else quote_ident(c.collation)
        parts.append(f"COLLATE {coll}")
    if c.generated:
        expr = c.generated.strip()
        if not expr.startswith("("):
            expr = f"({expr})"
        kind = (c.generated_kind or "stored").upper()
        parts.append(f"GENERATED ALWAYS AS {expr} {kind}" if kind == "STORED" else f"GENERATED ALWAYS AS {expr}")
    elif c.identity:
        parts.append(f"GENERATED {c.identity.upper()} AS IDENTITY{identity_options_sql(c)}")
    elif c.default is not None:
        parts.append(f"DEFAULT {c.default}")
    if not c.nullable:
        parts.append("NOT NULL")
    return " ".join(parts)


def identity_options_sql(c: Column, *, alter: bool = False) -> str:
    o = c.identity_options
    if not o:
        return ""
    opts = []
    if o.get("sequence_name") and not alter:
        opts.append(f"SEQUENCE NAME {o['sequence_name']}")
    if o.get("start") is not None:
        opts.append(f"{'SET ' if alter else ''}START WITH {o['start']}")
    if o.get("increment") is not None:
        opts.append(f"{'SET ' if alter else ''}INCREMENT BY {o['increment']}")
    if o.get("min_value") is not None:
        opts.append(f"{'SET ' if alter else ''}MINVALUE {o['min_value']}")
    if o.get("max_value") is not None:
        opts.append(f"{'SET ' if alter else ''}MAXVALUE {o['max_value']}")
    if o.get("cache") is not None:
        opts.append(f"{'SET ' if alter else ''}CACHE {o['cache']}")
    if o.get("cycle") is not None:
        opts.append(f"{'SET ' if alter else ''}{'' if o['cycle'] else 'NO '}CYCLE")
    if alter:
        return " ".join(opts)
    return f" ({' '.join(opts)})" if opts else ""


def create_table_sql(t: Table, inline_fks: list[str] | None = None, parent: Table | None = None) -> str:
    """CREATE TABLE with columns and PK/UNIQUE/CHECK/EXCLUDE; foreign keys only those in ``inline_fks``."""
    head = f"CREATE {'UNLOGGED ' if t.unlogged else ''}TABLE {qname(t)}"
    items: list[str] = []
    inherited = inherited_constraints(t, parent)
    if t.partition_of:
        own = [c for c in t.columns if not c.attrs.get("inherited") and (parent is None or parent.column(c.name) is None)]
        body = []
        for c in own:
            body.append("    " + column_sql(c))
        for c in table_constraints(t):
            if c.name in inherited:
                continue
            body.append(f"    CONSTRAINT {quote_ident(c.name)} {c.definition}")
        for fk in inline_fks or []:
            body.append("    " + fk)
        inner = (" (\n" + ",\n".join(body) + "\n)") if body else ""
        s = f"{head} PARTITION OF {sql_of_qualified(t.partition_of)}{inner}\n    {t.partition_bound or 'DEFAULT'}"
    else:
        for c in t.columns:
            if t.inherits and c.attrs.get("inherited"):
                continue  # comes from the parent
            items.append("    " + column_sql(c))
        for c in table_constraints(t):
            if c.name in inherited:
                continue
            items.append(f"    CONSTRAINT {quote_ident(c.name)} {c.definition}")
        for fk in inline_fks or []:
            items.append("    " + fk)
        s = head + " (\n" + ",\n".join(items) + "\n)"
        if t.inherits:
            s += f" INHERITS ({', '.join(sql_of_qualified(p) for p in t.inherits)})"
    if t.partition_by:
        s += f" PARTITION BY {t.partition_by}"
    if t.options:
        s += f" WITH ({', '.join(t.options)})"
    return s


def inherited_constraints(t: Table, parent: Table | None) -> set[str]:
    """Constraints a partition gets from its parent (created with it, so not repeated)."""
    if parent is None or not t.partition_of:
        return set()
    parent_defs = {c.definition for c in table_constraints(parent)}
    return {c.name for c in table_constraints(t) if c.definition in parent_defs and c.kind == "check"} | {
        c.name for c in table_constraints(t) if c.kind in ("primary key", "unique") and c.definition in parent_defs
    }


def fk_clause(name: str, definition: str, not_valid: bool = False) -> str:
    return f"CONSTRAINT {quote_ident(name)} {definition}{' NOT VALID' if not_valid else ''}"


def fk_def(fk) -> str:
    if fk.definition:
        d = norm_ws(fk.definition) or ""
        return d[: -len(" NOT VALID")] if d.upper().endswith(" NOT VALID") else d
    return fk_definition(fk)


def index_sql(table_sql: str, index: Index, *, concurrently: bool = False, if_not_exists: bool = False) -> str:
    d = index_definition(table_sql, index)
    # On a partitioned table, CREATE INDEX ... ON ONLY makes an invalid shell; without ONLY it
    # recurses, attaching matching partition indexes and creating the missing ones.
    d = re.sub(r"\sON ONLY\s", " ON ", d, count=1)
    if concurrently:
        if_not_exists = True  # rerunnable; the executor first drops an INVALID leftover of a failed build
    if concurrently or if_not_exists:
        extra = ("CONCURRENTLY " if concurrently else "") + ("IF NOT EXISTS " if if_not_exists else "")
        d = re.sub(r"^CREATE\s+(UNIQUE\s+)?INDEX\s+", lambda m: f"CREATE {m.group(1) or ''}INDEX {extra}", d,
                   count=1, flags=re.IGNORECASE)
    return d


def trigger_sql(t: Trigger, on_sql: str) -> str:
    if t.definition:
        return norm_ws(t.definition) or ""
    events = " OR ".join(t.events)
    s = f"CREATE {'CONSTRAINT ' if t.constraint else ''}TRIGGER {quote_ident(t.name)} {t.timing} {events} ON {on_sql}"
    s += f" FOR EACH {t.for_each}"
    if t.when:
        s += f" WHEN ({t.when})"
    fn = t.function if t.function.endswith(")") else f"{t.function}()"
    return s + f" EXECUTE FUNCTION {fn}"


def trigger_enable_sql(t: Trigger, on_sql: str) -> str | None:
    mode = {"D": "DISABLE", "R": "ENABLE REPLICA", "A": "ENABLE ALWAYS"}.get(t.enabled)
    if not mode:
        return None
    return f"ALTER TABLE {on_sql} {mode} TRIGGER {quote_ident(t.name)}"


def role_sql(role: str) -> str:
    return "PUBLIC" if role.lower() == "public" else quote_ident(role)


def policy_sql(p: Policy, on_sql: str) -> str:
    s = f"CREATE POLICY {quote_ident(p.name)} ON {on_sql}"
    if not p.permissive:
        s += " AS RESTRICTIVE"
    if p.command and p.command.upper() != "ALL":
        s += f" FOR {p.command.upper()}"
    if p.roles and [r.lower() for r in p.roles] != ["public"]:
        s += f" TO {', '.join(role_sql(r) for r in p.roles)}"
    if p.using:
        s += f" USING ({_unparen(p.using)})"
    if p.with_check:
        s += f" WITH CHECK ({_unparen(p.with_check)})"
    return s


def _unparen(expr: str) -> str:
    return expr.strip()


def view_create_sql(v: View) -> str:
    body = (v.definition or "").strip().rstrip(";").strip()
    if v.materialized:
        s = f"CREATE MATERIALIZED VIEW {qname(v)}"
        if v.options:
            s += f" WITH ({', '.join(v.options)})"
        return f"{s} AS\n{body}\nWITH {'DATA' if v.with_data else 'NO DATA'}"
    s = f"CREATE VIEW {qname(v)}"
    if v.options:
        s += f" WITH ({', '.join(v.options)})"
    return f"{s} AS\n{body}"


def enum_sql(e: EnumType) -> str:
    return f"CREATE TYPE {qname(e)} AS ENUM ({', '.join(quote_literal(v) for v in e.values)})"


def domain_sql(d: Domain) -> str:
    s = f"CREATE DOMAIN {qname(d)} AS {d.type}"
    if d.collation and d.collation != "default":
        s += f" COLLATE {d.collation}"
    if d.default is not None:
        s += f" DEFAULT {d.default}"
    if d.not_null:
        s += " NOT NULL"
    for c in d.checks:
        s += " " + domain_check_sql(c)
    return s


def domain_check_sql(c) -> str:
    if c.definition:
        d = norm_ws(c.definition) or ""
    else:
        e = c.expression.strip()
        d = f"CHECK ({e})" if not e.startswith("(") else f"CHECK {e}"
    return (f"CONSTRAINT {quote_ident(c.name)} " if c.name else "") + d


def composite_sql(t: CompositeType) -> str:
    attrs = ", ".join(f"{quote_ident(a.name)} {a.type}" for a in t.attributes)
    return f"CREATE TYPE {qname(t)} AS ({attrs})"


def sequence_sql(s: Sequence, *, alter: bool = False) -> str:
    parts = []
    if s.type:
        parts.append(f"AS {s.type}")
    parts.append(f"{'RESTART ' if False else ''}START WITH {s.start}")
    parts.append(f"INCREMENT BY {s.increment}")
    parts.append(f"MINVALUE {s.min_value}" if s.min_value is not None else "NO MINVALUE")
    parts.append(f"MAXVALUE {s.max_value}" if s.max_value is not None else "NO MAXVALUE")
    parts.append(f"CACHE {s.cache}")
    parts.append("CYCLE" if s.cycle else "NO CYCLE")
    verb = "ALTER" if alter else "CREATE"
    return f"{verb} SEQUENCE {qname(s)} " + " ".join(parts)


def extension_sql(e: Extension) -> str:
    s = f"CREATE EXTENSION IF NOT EXISTS {quote_ident(e.name)}"
    if e.schema:
        s += f" WITH SCHEMA {quote_ident(e.schema)}"
    return s


def function_sql(f: Function) -> str:
    d = (f.definition or "").strip()
    d = re.sub(r";\s*$", "", d)
    return d


def function_kind_sql(f: Function) -> str:
    return {"procedure": "PROCEDURE", "aggregate": "AGGREGATE"}.get(f.kind, "FUNCTION")


def comment_sql(kind: str, name: str, text: str | None) -> str:
    return f"COMMENT ON {kind} {name} IS {quote_literal(text) if text is not None else 'NULL'}"


def grant_sql(kind: str, name: str, p: Privilege, *, revoke: bool = False) -> str:
    privs = ", ".join(p.privileges)
    if p.columns:
        privs = ", ".join(f"{x} ({quote_ident_list(p.columns)})" for x in p.privileges)
    who = role_sql(p.grantee)
    if revoke:
        return f"REVOKE {privs} ON {kind} {name} FROM {who}"
    return f"GRANT {privs} ON {kind} {name} TO {who}{' WITH GRANT OPTION' if p.grantable else ''}"
