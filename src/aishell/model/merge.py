"""Merge one schema into another: Schema + Schema → Schema, for applying a pattern to a design.

What ``base`` has wins; ``addition`` only adds. A table of the same name (and schema) is *extended*:
columns, foreign keys, unique and check constraints, indexes, triggers and policies it lacks are added;
a column both have keeps the base's type, and the difference is reported. Tables, views, enums,
functions and the other objects the base lacks are added whole. Index names are unique per schema, so
an added index whose name is taken by another table's index gets a numbered one. A foreign-key column
brought by the addition takes the type of the key it references in the merged schema (``integer``
against a ``bigint`` id would not load). Plain data in, plain data out: no database, no design engine.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from aishell.model.schema import Schema, Table


@dataclass
class MergeReport:
    added_tables: list[str] = field(default_factory=list)
    extended: dict[str, list[str]] = field(default_factory=dict)  # table -> what was added to it
    conflicts: list[str] = field(default_factory=list)
    added_other: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "added_tables": self.added_tables,
            "extended": self.extended,
            "conflicts": self.conflicts,
            "added_other": self.added_other,
        }


def merge_schemas(base: Schema, addition: Schema) -> tuple[Schema, MergeReport]:
    out = copy.deepcopy(base)
    add = copy.deepcopy(addition)
    report = MergeReport()
    index_names = {(t.schema, i.name) for t in out.tables for i in t.indexes}
    brought: set[tuple[str, str]] = set()  # (table, column) the addition brought
    for t in add.tables:
        mine = out.table(t.name, t.schema)
        if mine is None:
            for i in t.indexes:
                i.name = _free(index_names, t.schema, i.name)
            out.tables.append(t)
            report.added_tables.append(t.name)
            brought |= {(t.qualified_name, c.name) for c in t.columns}
            continue
        added = _extend(mine, t, index_names, report)
        brought |= {(mine.qualified_name, c) for c in added}
    for kind in ("enums", "domains", "composite_types", "sequences", "extensions", "schemas"):
        have = {(getattr(o, "schema", None), o.name) for o in getattr(out, kind)}
        for o in getattr(add, kind):
            key = (getattr(o, "schema", None), o.name)
            if key not in have:
                getattr(out, kind).append(o)
                report.added_other.append(f"{kind[:-1].replace('_', ' ')} {o.name}")
            elif kind == "enums":
                mine = next(e for e in out.enums if (e.schema, e.name) == key)
                if mine.values != o.values:
                    report.conflicts.append(
                        f"enum {o.name}: kept the design's values ({', '.join(mine.values)}); "
                        f"the pattern has {', '.join(o.values)}"
                    )
    have_views = {(v.schema, v.name) for v in out.views} | {(t.schema, t.name) for t in out.tables}
    for v in add.views:
        if (v.schema, v.name) not in have_views:
            out.views.append(v)
            report.added_other.append(f"view {v.name}")
    have_fns = {f.signature for f in out.functions}
    for f in add.functions:
        if f.signature not in have_fns:
            out.functions.append(f)
            report.added_other.append(f"function {f.name}")
    _align_fk_types(out, brought, report)
    return out, report


def _free(taken: set[tuple[str, str]], schema: str, name: str) -> str:
    new, n = name, 1
    while (schema, new) in taken:
        n += 1
        new = f"{name[:60]}_{n}"
    taken.add((schema, new))
    return new


def _extend(mine: Table, theirs: Table, index_names: set[tuple[str, str]], report: MergeReport) -> list[str]:
    notes: list[str] = []
    added_cols: list[str] = []
    for c in theirs.columns:
        have = mine.column(c.name)
        if have is None:
            # A column added to a table that may have rows: NOT NULL without a default is kept as the
            # pattern says (migrate fills it or asks for a value with --fill).
            mine.columns.append(c)
            added_cols.append(c.name)
        elif _norm(have.type) != _norm(c.type):
            report.conflicts.append(
                f"{mine.name}.{c.name}: kept the design's {have.type} (the pattern has {c.type})"
            )
        elif have.comment is None and c.comment:
            have.comment = c.comment
    if added_cols:
        notes.append(f"columns {', '.join(added_cols)}")
    cols = {c.name for c in mine.columns}
    fk_keys = {
        (tuple(fk.columns), fk.ref_schema, fk.ref_table, tuple(fk.ref_columns)) for fk in mine.foreign_keys
    }
    fk_names = {fk.name for fk in mine.foreign_keys}
    for fk in theirs.foreign_keys:
        key = (tuple(fk.columns), fk.ref_schema, fk.ref_table, tuple(fk.ref_columns))
        if key in fk_keys or not set(fk.columns) <= cols:
            continue
        if fk.name in fk_names:
            fk.name = f"{fk.name[:55]}_{len(fk_names) + 1}"
        mine.foreign_keys.append(fk)
        fk_names.add(fk.name)
        notes.append(f"foreign key ({', '.join(fk.columns)}) → {fk.ref_table}")
    have_unique = {tuple(u.columns) for u in mine.unique} | {tuple(mine.primary_key)}
    names = {u.name for u in mine.unique} | {c.name for c in mine.checks} | {mine.primary_key_name}
    for u in theirs.unique:
        if tuple(u.columns) not in have_unique and set(u.columns) <= cols and u.name not in names:
            mine.unique.append(u)
            # the index that backs it, as the model lists one
            mine.indexes += [i for i in theirs.indexes if i.constraint == u.name]
            notes.append(f"unique ({', '.join(u.columns)})")
    have_checks = {" ".join((c.expression or "").split()) for c in mine.checks}
    for ck in theirs.checks:
        if " ".join((ck.expression or "").split()) not in have_checks and ck.name not in names:
            mine.checks.append(ck)
            notes.append(f"check {ck.name}")
    have_idx = {(tuple(i.columns), i.where, i.unique) for i in mine.indexes}
    for i in theirs.indexes:
        if (tuple(i.columns), i.where, i.unique) in have_idx or i.constraint:
            continue
        if not all(c in cols or not c.isidentifier() for c in i.columns):
            continue
        i.name = _free(index_names, mine.schema, i.name)
        mine.indexes.append(i)
        notes.append(f"index {i.name}")
    for kind in ("triggers", "policies"):
        have = {x.name for x in getattr(mine, kind)}
        for x in getattr(theirs, kind):
            if x.name not in have:
                getattr(mine, kind).append(x)
                notes.append(f"{kind[:-1] if kind == 'triggers' else 'policy'} {x.name}")
    if theirs.rls_enabled and not mine.rls_enabled:
        mine.rls_enabled = True
        mine.rls_forced = mine.rls_forced or theirs.rls_forced
        notes.append("row-level security")
    if mine.comment is None and theirs.comment:
        mine.comment = theirs.comment
    if notes:
        report.extended[mine.name] = notes
    return added_cols


def _norm(t: str) -> str:
    aliases = {
        "int": "integer",
        "int4": "integer",
        "int8": "bigint",
        "bool": "boolean",
        "varchar": "character varying",
        "timestamptz": "timestamp with time zone",
        "timestamp": "timestamp without time zone",
        "decimal": "numeric",
        "int2": "smallint",
    }
    low = " ".join(t.lower().split())
    base, _, rest = low.partition("(")
    base = aliases.get(base.strip(), base.strip())
    return base + ("(" + rest if rest else "")


def _align_fk_types(schema: Schema, brought: set[tuple[str, str]], report: MergeReport) -> None:
    for t in schema.tables:
        for fk in t.foreign_keys:
            parent = schema.table(fk.ref_table, fk.ref_schema)
            if parent is None:
                continue
            for a, b in zip(fk.columns, fk.ref_columns):
                col, ref = t.column(a), parent.column(b)
                if col is None or ref is None or (t.qualified_name, a) not in brought:
                    continue
                if _norm(col.type) != _norm(ref.type):
                    report.conflicts.append(
                        f"{t.name}.{a}: {col.type} → {ref.type}, the type of {parent.name}.{b} it references"
                    )
                    col.type = ref.type
