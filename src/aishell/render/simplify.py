"""A simplified view of a large schema, for documentation and diagrams.

Three rules, applied in order, each recorded so the user sees what was done:

1. **junction** — a table that only links two others (two foreign keys, nothing referencing it, at most
   two bookkeeping columns such as ``last_update``) becomes a many-to-many edge between them;
2. **lookup** — small code tables (no foreign keys out, referenced by others, a key and one or two
   text columns, few rows when the source is live) are grouped into one box per schema;
3. **top** — when more than ``max_tables`` remain, the most connected tables are kept (degree counted
   over foreign keys in and out and many-to-many edges) and the rest omitted.

The result is a :class:`~aishell.model.schema.Schema` holding the kept tables, with what was collapsed
in ``attrs["simplified"]``; it serialises like any model, so ``simplify --output view.json`` can be
fed back to ``diagram --from view.json`` and ``document``.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from aishell.model.schema import Schema, Table
from aishell.render.facts import SchemaFacts, ref_name

_BOOKKEEPING = re.compile(
    r"(^|_)(last_update|last_updated|updated|created|modified|deleted|inserted)(_at|_on|_by|_date)?$"
    r"|(_at|_on)$|^(position|sort_order|ordinal|rank|version)$",
    re.IGNORECASE,
)
_TEXT_TYPE = re.compile(r"char|text|citext|name|enum", re.IGNORECASE)
_PERSONAL = re.compile(r"email|password|phone|address|birth", re.IGNORECASE)
LOOKUP_MAX_ROWS = 10_000


def _is_bookkeeping(table: Table, name: str) -> bool:
    col = table.column(name)
    if col is None:
        return False
    return bool(_BOOKKEEPING.search(name)) or col.type.lower().startswith(("timestamp", "date"))


def junction_of(facts: SchemaFacts, table: Table) -> tuple[str, str] | None:
    """The two tables ``table`` links, if it is a pure junction table; None otherwise."""
    q = table.qualified_name
    if len(table.foreign_keys) != 2 or facts.incoming.get(q):
        return None
    refs = [ref_name(fk) for fk in table.foreign_keys]
    if any(r not in facts.tables or r == q for r in refs):
        return None
    fk_cols = {c for fk in table.foreign_keys for c in fk.columns}
    extra = [c.name for c in table.columns if c.name not in fk_cols]
    surrogate = [c for c in extra if c in table.primary_key and len(table.primary_key) == 1]
    payload = [c for c in extra if c not in surrogate]
    if len(payload) > 2 or not all(_is_bookkeeping(table, c) for c in payload):
        return None
    if table.primary_key and not set(table.primary_key) <= fk_cols and not surrogate:
        return None
    return refs[0], refs[1]


def is_lookup(facts: SchemaFacts, table: Table, removed: set[str] | frozenset[str] = frozenset()) -> bool:
    """A small code table: referenced (by tables not in ``removed``), references nothing, a key plus
    one or two text columns."""
    q = table.qualified_name
    users = {t.qualified_name for t, _ in facts.incoming.get(q, [])} - {q} - set(removed)
    if table.foreign_keys or not users:
        return False
    rows = table.attrs.get("row_estimate")
    if isinstance(rows, (int, float)) and rows > LOOKUP_MAX_ROWS:
        return False
    payload = [
        c for c in table.columns if c.name not in table.primary_key and not _is_bookkeeping(table, c.name)
    ]
    if not payload or len(payload) > 2 or len(table.columns) > 5:
        return False
    if any(_PERSONAL.search(c.name) for c in payload):
        return False
    return all(_TEXT_TYPE.search(c.type) for c in payload)


def fold_partitions(schema: Schema) -> tuple[Schema, list[dict[str, Any]]]:
    """Hide partitions behind their partitioned parent (at any depth).

    Foreign keys declared on partitions (pagila declares them there) are lifted to the parent, and
    keys pointing at a partition are pointed at it; the parent's ``attrs["partitions"]`` counts them.
    Returns the folded schema and one rule record per parent.
    """
    by_name = {t.qualified_name: t for t in schema.tables}

    def root(q: str) -> str:
        seen = set()
        while q in by_name and by_name[q].partition_of in by_name and q not in seen:
            seen.add(q)
            q = by_name[q].partition_of  # type: ignore[assignment]
        return q

    parts = {q: root(q) for q, t in by_name.items() if t.partition_of in by_name}
    if not parts:
        return schema, []
    counts: dict[str, int] = {}
    lifted: dict[str, list] = {}
    rows: dict[str, int] = {}
    for q, r in parts.items():
        counts[r] = counts.get(r, 0) + 1
        lifted.setdefault(r, []).extend(by_name[q].foreign_keys)
        est = by_name[q].attrs.get("row_estimate")
        if isinstance(est, (int, float)) and est > 0:
            rows[r] = rows.get(r, 0) + int(est)
    tables = []
    for t in schema.tables:
        q = t.qualified_name
        if q in parts:
            continue
        fks = list(t.foreign_keys) + lifted.get(q, [])
        seen: set[tuple] = set()
        new_fks = []
        for fk in fks:
            ref = parts.get(f"{fk.ref_schema}.{fk.ref_table}")
            if ref is not None:
                rs, rt = ref.split(".", 1)
                fk = dataclasses.replace(fk, ref_schema=rs, ref_table=rt)
            key = (tuple(fk.columns), fk.ref_schema, fk.ref_table, tuple(fk.ref_columns))
            if key in seen:
                continue
            seen.add(key)
            new_fks.append(fk)
        if new_fks != t.foreign_keys or q in counts:
            attrs = dict(t.attrs)
            if q in counts:
                attrs["partitions"] = counts[q]
                own = attrs.get("row_estimate")
                if q in rows and not (isinstance(own, (int, float)) and own > 0):
                    attrs["row_estimate"] = rows[q]
            t = dataclasses.replace(t, foreign_keys=new_fks, attrs=attrs)
        tables.append(t)
    rules = [{"rule": "partitions", "table": r,
              "detail": f"{n} partition(s) of {r} folded into it"} for r, n in counts.items()]
    return dataclasses.replace(schema, tables=tables), rules


def simplify(
    schema: Schema,
    max_tables: int | None = None,
    *,
    junctions: bool = True,
    lookups: bool = True,
    keep: list[str] | None = None,
) -> Schema:
    """Return the simplified view of ``schema`` (see the module docstring); ``keep`` names tables
    that must survive the *top* rule."""
    source_tables = len(schema.tables)
    schema, rules = fold_partitions(schema)
    facts = SchemaFacts(schema)
    m2m: list[dict[str, Any]] = []
    removed: set[str] = set()

    if junctions:
        for t in schema.tables:
            pair = junction_of(facts, t)
            if pair is None:
                continue
            fk_a, fk_b = t.foreign_keys
            m2m.append({
                "junction": t.qualified_name,
                "left": pair[0], "left_columns": list(fk_a.columns),
                "right": pair[1], "right_columns": list(fk_b.columns),
            })
            removed.add(t.qualified_name)
            rules.append({
                "rule": "junction", "table": t.qualified_name,
                "detail": f"{t.qualified_name} collapsed into a many-to-many edge {pair[0]} ↔ {pair[1]}",
            })

    lookup_tables: list[Table] = []
    if lookups:
        # A table at the end of a many-to-many edge is an entity in its own right, not a lookup.
        m2m_ends = {e[side] for e in m2m for side in ("left", "right")}
        for t in schema.tables:
            q = t.qualified_name
            if q not in removed and q not in m2m_ends and is_lookup(facts, t, removed):
                lookup_tables.append(t)
    lookup_names = {t.qualified_name for t in lookup_tables}

    remaining = [t for t in schema.tables if t.qualified_name not in removed]
    omitted: list[str] = []
    core = [t for t in remaining if t.qualified_name not in lookup_names]
    budget = None
    if max_tables is not None:
        budget = max(1, max_tables - (1 if lookup_tables else 0))
    if budget is not None and len(core) > budget:
        degree: dict[str, int] = {t.qualified_name: facts.degree(t.qualified_name) for t in core}
        for e in m2m:
            for side in ("left", "right"):
                if e[side] in degree:
                    degree[e[side]] += 1
        must = set(keep or [])
        ranked = sorted(
            core,
            key=lambda t: (t.qualified_name not in must, -degree[t.qualified_name], -len(t.columns),
                           t.qualified_name),
        )
        kept = {t.qualified_name for t in ranked[:budget]}
        omitted = [t.qualified_name for t in core if t.qualified_name not in kept]
        rules.append({
            "rule": "top", "table": None,
            "detail": f"kept the {len(kept)} most connected of {len(core)} tables; {len(omitted)} omitted",
        })
        removed |= set(omitted)
        # Lookups only referenced by omitted tables go too.
        for t in list(lookup_tables):
            users = {u.qualified_name for u, _ in facts.incoming.get(t.qualified_name, [])}
            if not users - removed:
                lookup_tables.remove(t)
                omitted.append(t.qualified_name)
                removed.add(t.qualified_name)

    groups: list[dict[str, Any]] = []
    by_schema: dict[str, list[str]] = {}
    for t in lookup_tables:
        by_schema.setdefault(t.schema, []).append(t.qualified_name)
    multi = len({t.schema for t in schema.tables}) > 1
    for sch, names in by_schema.items():
        name = f"{sch} lookups" if multi else "lookup tables"
        groups.append({"name": name, "schema": sch, "tables": names})
        rules.append({
            "rule": "lookup", "table": None,
            "detail": f"{len(names)} lookup table(s) grouped as '{name}': "
                      + ", ".join(n.split(".", 1)[1] if not multi else n for n in names),
        })

    kept_tables = [t for t in schema.tables if t.qualified_name not in removed]
    collapsed = [e["junction"] for e in m2m]
    m2m = [e for e in m2m if e["left"] not in removed and e["right"] not in removed]
    out = dataclasses.replace(schema, tables=kept_tables, attrs=dict(schema.attrs))
    out.attrs["simplified"] = {
        "source_tables": source_tables,
        "tables": len(kept_tables),
        "m2m": m2m,
        "junctions": collapsed,
        "groups": groups,
        "omitted": omitted,
        "partitions": {r["table"]: r["detail"] for r in rules if r["rule"] == "partitions"},
        "rules": rules,
    }
    return out


def simplified_info(schema: Schema) -> dict[str, Any] | None:
    """The ``attrs["simplified"]`` record of a simplified schema, or None."""
    info = schema.attrs.get("simplified")
    return info if isinstance(info, dict) else None


def summarize_rules(rules: list[dict[str, Any]], limit: int = 4) -> list[str]:
    """One line per kind of rule (``22 junction tables collapsed ...: a, b, c, d, ...``)."""
    out: list[str] = []
    for kind, what in (("partitions", "partitioned table(s) shown with their partitions folded in"),
                       ("junction", "junction table(s) drawn as many-to-many edges")):
        tables = [r["table"] for r in rules if r["rule"] == kind]
        if tables:
            names = ", ".join(t.split(".", 1)[-1] for t in tables[:limit]) + (", ..." if len(tables) > limit else "")
            out.append(f"{len(tables)} {what}: {names}")
    out += [r["detail"] for r in rules if r["rule"] not in ("partitions", "junction")]
    return out
