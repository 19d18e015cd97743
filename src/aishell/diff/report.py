"""The diff as people read it: changes grouped by kind (tables, columns, indexes, constraints, ...)
with ``+``/``-``/``~`` and where each side has it, plus the data impact from TARGET's statistics."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from aishell.diff import changes as ch
from aishell.diff.changes import Change, ChangeSet
from aishell.model import Schema

GROUPS = ["Schemas", "Extensions", "Types", "Sequences", "Tables", "Columns", "Indexes", "Constraints",
          "Views", "Functions", "Triggers", "Policies", "Text search", "Operators and casts", "Foreign data",
          "Replication", "Comments", "Privileges"]

_KIND_GROUP = {
    "schema": "Schemas", "extension": "Extensions", "enum": "Types", "domain": "Types", "type": "Types",
    "sequence": "Sequences", "table": "Tables", "column": "Columns", "index": "Indexes",
    "constraint": "Constraints", "foreign key": "Constraints", "view": "Views", "function": "Functions",
    "trigger": "Triggers", "policy": "Policies", "comment": "Comments", "privilege": "Privileges",
    "collation": "Types", "range type": "Types", "base type": "Types", "rule": "Triggers",
    "event trigger": "Triggers", "text search parser": "Text search", "text search template": "Text search",
    "text search dictionary": "Text search", "text search configuration": "Text search",
    "cast": "Operators and casts", "operator": "Operators and casts", "operator family": "Operators and casts",
    "operator class": "Operators and casts", "foreign-data wrapper": "Foreign data", "server": "Foreign data",
    "user mapping": "Foreign data", "publication": "Replication", "subscription": "Replication",
    "default privileges": "Privileges",
}


def table_of(c: Change) -> str | None:
    if isinstance(c, (ch.AddTable, ch.DropTable, ch.AlterTable, ch.RenameTable)):
        return c.obj.qualified_name
    return c.parent


def _short(qn: str | None) -> str:
    if qn and qn.startswith("public."):
        return qn[7:]
    return qn or ""


def describe(c: Change, src: str, tgt: str) -> tuple[str, str]:
    """(line, where) for one change: ``+ name TYPE`` and ``in staging, not in production``."""
    if isinstance(c, ch.RenameTable):
        return f"~ {_short(c.old.qualified_name)} → {c.new.name}", "renamed"
    if isinstance(c, ch.RenameColumn):
        return f"~ {c.old.name} → {c.new.name}", "renamed"
    if isinstance(c, (ch.RenameIndex, ch.RenameConstraint)):
        o = c.old[1].name if isinstance(c.old, tuple) else c.old.name
        n = c.new[1].name if isinstance(c.new, tuple) else c.new.name
        return f"~ {o} → {n}", "renamed"
    if isinstance(c, ch.ReplaceComment):
        return f"~ {c.label}", "comment differs"
    if isinstance(c, (ch.Grant, ch.Revoke)):
        g = c.obj
        p = g.privilege
        cols = f" ({', '.join(p.columns)})" if p.columns else ""
        line = f"{c.symbol} {', '.join(p.privileges)}{cols} on {g.label} to {p.grantee}"
        return line, (f"in {src}, not in {tgt}" if c.action == "create" else f"in {tgt}, not in {src}")
    name = c.name
    if c.kind in ("table", "view", "enum", "domain", "type", "sequence"):
        name = _short(name)
    if isinstance(c, ch.AddColumn):
        name = f"{c.new.name} {c.new.type}{'' if c.new.nullable else ' NOT NULL'}"
    if isinstance(c, ch.AlterColumn):
        return f"~ {c.new.name}: {column_change_text(c.old, c.new)}", "different"
    if isinstance(c, ch.AlterEnum):
        return f"~ {name}: ({', '.join(c.old.values)}) → ({', '.join(c.new.values)})", "different"
    if c.action == "create":
        return f"+ {name}", f"in {src}, not in {tgt}"
    if c.action == "drop":
        return f"- {name}", f"in {tgt}, not in {src}"
    return f"~ {name}", "different"


def column_change_text(o, n) -> str:
    from aishell.diff.normalize import norm_default, norm_type

    parts = []
    if norm_type(o.type) != norm_type(n.type):
        parts.append(f"{o.type} → {n.type}")
    if o.nullable != n.nullable:
        parts.append("NULL → NOT NULL" if not n.nullable else "NOT NULL → NULL")
    if norm_default(o.default) != norm_default(n.default) and not (o.identity or n.identity):
        parts.append(f"default {o.default or 'none'} → {n.default or 'none'}")
    if o.identity != n.identity:
        parts.append(f"identity {o.identity or 'none'} → {n.identity or 'none'}")
    if (o.generated or None) != (n.generated or None):
        parts.append(f"generated {o.generated or 'none'} → {n.generated or 'none'}")
    if (o.collation or "default") != (n.collation or "default"):
        parts.append(f"collation {o.collation or 'default'} → {n.collation or 'default'}")
    return ", ".join(parts) or "options differ"


def grouped(cs: ChangeSet, src: str, tgt: str) -> OrderedDict[str, Any]:
    """Changes grouped for display: {group: [lines]} and, for Columns, {table: [lines]}."""
    out: OrderedDict[str, Any] = OrderedDict((g, []) for g in GROUPS)
    out["Columns"] = OrderedDict()
    altered_tables: list[str] = []
    for c in cs.changes:
        group = _KIND_GROUP.get(c.kind, "Tables")
        line, where = describe(c, src, tgt)
        if group == "Columns":
            out["Columns"].setdefault(_short(c.parent), []).append((line, where))
        else:
            out[group].append((line, where))
        t = table_of(c)
        if t and c.kind not in ("table",) and not isinstance(c, ch.ReplaceComment | ch.Grant | ch.Revoke):
            if t not in altered_tables:
                altered_tables.append(t)
    added = {c.new.qualified_name for c in cs.changes if isinstance(c, (ch.AddTable, ch.AddView))}
    for t in altered_tables:
        if t in added:
            continue
        if any(c.kind == "view" for c in cs.changes if c.obj is not None and getattr(c.obj, "qualified_name", "") == t):
            continue
        out["Tables"].append((f"~ {_short(t)}", "different schema"))
    return OrderedDict((k, v) for k, v in out.items() if v)


def affected_tables(cs: ChangeSet) -> list[str]:
    names: list[str] = []
    for c in cs.changes:
        if isinstance(c, (ch.AddTable, ch.ReplaceComment, ch.Grant, ch.Revoke, ch.AddView, ch.DropView,
                          ch.AlterView, ch.AddFunction, ch.AlterFunction, ch.DropFunction)):
            continue
        t = table_of(c)
        if t and t not in names:
            names.append(t)
    return names


def data_impact(cs: ChangeSet, current: Schema) -> dict[str, Any]:
    """Rows in the tables the migration touches, from TARGET's statistics (an estimate)."""
    rows = 0
    known = 0
    tables = []
    by = {t.qualified_name: t for t in current.tables}
    for name in affected_tables(cs):
        t = by.get(name)
        if t is None:
            continue
        est = t.attrs.get("row_estimate")
        tables.append({"table": name, "row_estimate": est})
        if isinstance(est, (int, float)) and est >= 0:
            rows += int(est)
            known += 1
    return {"tables": tables, "rows_estimated": rows if known else None, "estimated": True}


def human_count(n: int) -> str:
    for div, suffix in ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "K")):
        if n >= div:
            return f"{n / div:.1f}{suffix}"
    return str(n)


def count_differences(cs: ChangeSet) -> int:
    return len(cs.changes)


def to_json(cs: ChangeSet, current: Schema, src: str, tgt: str) -> dict[str, Any]:
    items = []
    for c in cs.changes:
        line, where = describe(c, src, tgt)
        items.append({"change": type(c).__name__, "kind": c.kind, "action": c.action, "symbol": c.symbol,
                      "object": c.name, "table": table_of(c), "summary": line[2:], "where": where})
    return {
        "source": src, "target": tgt, "equal": not cs.changes, "differences": len(cs.changes),
        "changes": items,
        "probable_renames": [{"kind": p.kind, "old": p.old, "new": p.new, "confirm": p.hint()}
                             for p in cs.probable_renames],
        "data_impact": data_impact(cs, current),
    }
