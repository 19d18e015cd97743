"""Facts derived from a schema model that documentation and diagrams both show.

Computed once per schema in :class:`SchemaFacts` (incoming foreign keys, key columns, unique column
sets, degrees) so that rendering hundreds of tables stays linear.
"""

from __future__ import annotations

import re
from collections import defaultdict

from aishell.model.schema import ForeignKey, Schema, Table


class SchemaFacts:
    """Lookups over a schema: tables by name, FKs in and out, key columns, neighbours."""

    def __init__(self, schema: Schema):
        self.schema = schema
        self.tables: dict[str, Table] = {t.qualified_name: t for t in schema.tables}
        self.incoming: dict[str, list[tuple[Table, ForeignKey]]] = defaultdict(list)
        self.fk_columns: dict[str, set[str]] = {}
        self.unique_sets: dict[str, list[frozenset[str]]] = {}
        self.neighbours: dict[str, set[str]] = defaultdict(set)
        # Views (and materialized views) that read each table.
        self.views_of: dict[str, list[str]] = defaultdict(list)
        for v in schema.views:
            for dep in v.depends_on:
                self.views_of[dep].append(v.qualified_name)
        for t in schema.tables:
            q = t.qualified_name
            self.fk_columns[q] = {c for fk in t.foreign_keys for c in fk.columns}
            sets: list[frozenset[str]] = []
            if t.primary_key:
                sets.append(frozenset(t.primary_key))
            sets += [frozenset(u.columns) for u in t.unique if u.columns]
            sets += [
                frozenset(i.columns)
                for i in t.indexes
                if i.unique and not i.where and not any(i.expressions) and i.columns
            ]
            self.unique_sets[q] = sets
            for fk in t.foreign_keys:
                ref = ref_name(fk)
                self.incoming[ref].append((t, fk))
                if ref != q and ref in self.tables:
                    self.neighbours[q].add(ref)
                    self.neighbours[ref].add(q)

    def table(self, qualified: str) -> Table | None:
        return self.tables.get(qualified)

    def is_unique(self, table: Table, columns: list[str]) -> bool:
        """True when ``columns`` of ``table`` are constrained unique (a key or unique index covers them)."""
        cols = set(columns)
        return any(s <= cols for s in self.unique_sets.get(table.qualified_name, []))

    def fk_optional(self, table: Table, fk: ForeignKey) -> bool:
        """An FK is optional when any of its columns may be NULL."""
        for name in fk.columns:
            col = table.column(name)
            if col is not None and col.nullable and name not in table.primary_key:
                return True
        return False

    def fk_one_to_one(self, table: Table, fk: ForeignKey) -> bool:
        return self.is_unique(table, fk.columns)

    def fk_identifying(self, table: Table, fk: ForeignKey) -> bool:
        return bool(table.primary_key) and set(fk.columns) <= set(table.primary_key)

    def degree(self, qualified: str) -> int:
        t = self.tables.get(qualified)
        out = len(t.foreign_keys) if t else 0
        return out + len(self.incoming.get(qualified, []))

    def unique_columns(self, table: Table) -> set[str]:
        """Columns that are unique on their own (single-column unique sets other than the PK)."""
        pk = frozenset(table.primary_key)
        return {next(iter(s)) for s in self.unique_sets.get(table.qualified_name, []) if len(s) == 1 and s != pk}


def ref_name(fk: ForeignKey) -> str:
    return f"{fk.ref_schema}.{fk.ref_table}"


_UNSAFE = re.compile(r"[^\w.-]+")  # \w: letters of any script, digits, _


class Slugger:
    """File-name-safe, collision-free slugs (also on case-insensitive file systems)."""

    def __init__(self) -> None:
        self._by_name: dict[str, str] = {}
        self._taken: set[str] = set()

    def __call__(self, name: str) -> str:
        if name in self._by_name:
            return self._by_name[name]
        base = _UNSAFE.sub("_", name).strip("._") or "object"
        slug, n = base, 1
        while slug.lower() in self._taken:
            n += 1
            slug = f"{base}-{n}"
        self._taken.add(slug.lower())
        self._by_name[name] = slug
        return slug


def human_bytes(n: object) -> str | None:
    if not isinstance(n, (int, float)) or isinstance(n, bool):
        return None
    size = float(n)
    for unit in ("bytes", "kB", "MB", "GB", "TB"):
        if size < 1024 or unit == "TB":
            return f"{int(size)} bytes" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return None  # pragma: no cover


def human_count(n: object) -> str | None:
    if not isinstance(n, (int, float)) or isinstance(n, bool) or n < 0:
        return None
    return f"{int(n):,}"


def table_stats(table: Table) -> dict[str, str]:
    """Row estimate and sizes of a live table, formatted; empty for a designed schema."""
    a = table.attrs
    out: dict[str, str] = {}
    rows = human_count(a.get("row_estimate"))
    if rows is not None:
        out["rows (estimate)"] = rows
    for key, label in (("total_bytes", "total size"), ("table_bytes", "table size"), ("index_bytes", "index size")):
        v = human_bytes(a.get(key))
        if v is not None:
            out[label] = v
    for key, label in (("seq_scan", "sequential scans"), ("idx_scan", "index scans"), ("n_dead_tup", "dead rows")):
        v = human_count(a.get(key))
        if v is not None:
            out[label] = v
    return out


def single_schema(schema: Schema) -> bool:
    return len({t.schema for t in schema.tables}) <= 1


def plural(n: int, noun: str) -> str:
    """``1 view``, ``2 views``, ``1 index``, ``3 indexes``; ``noun`` is given in the plural."""
    if n != 1:
        return f"{n} {noun}"
    singular = {"indexes": "index", "classes": "class"}.get(noun)
    if singular is None:
        singular = noun.removesuffix("s")
    return f"{n} {singular}"
