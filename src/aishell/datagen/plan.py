"""Planning a data set: which columns to fill and how, and how many rows each table gets.

``--data-size N`` is the total number of rows over all tables (partitions count under their parent).
It is shared by role: a table's weight grows by a factor of 3 for each level of foreign keys above it,
so lookup tables (countries, categories) stay small and the tables at the bottom of the graph (orders,
order items, events, payments) get most rows; small lookup roots weigh a third of a plain root.
Capacities are respected (a unique column over an enum cannot have more rows than labels; a junction
table cannot have more rows than pairs of parents) and what they leave over goes to the others.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from aishell.datagen.catalog import ColInfo
from aishell.datagen.checks import TableRules, arith_columns, table_rules
from aishell.datagen.values import Context, Gen, Unsupported, binary_ok, make, producible
from aishell.model import ForeignKey, Schema, Table
from aishell.model.graph import creation_order

FANOUT = 3.0


@dataclass
class FkSource:
    fk: ForeignKey
    parent: str
    nullable: bool
    keys: Any = None  # rows.KeySpace once the parent's keys are known
    self_ref: bool = False
    null_share: float = 0.15  # an optional link is empty this often
    forward: bool = False  # closes a cycle: the parent loads after this table


@dataclass
class TablePlan:
    table: Table
    cols: list[ColInfo]
    rules: TableRules
    copy_cols: list[str] = field(default_factory=list)
    gens: dict[str, Gen] = field(default_factory=dict)
    fks: list[FkSource] = field(default_factory=list)
    deferred: list[ForeignKey] = field(default_factory=list)
    combo: list[tuple[str, Any]] = field(default_factory=list)  # ('fk', FkSource) | ('col', (name, values))
    filters: list[str] = field(default_factory=list)
    on_conflict_skip: bool = False
    binary: bool = True
    weight: float = 1.0
    count: int = 0
    part_layout: dict | None = None  # a range-partitioned table's rows in partition order (values.interval_gen)
    capacity: int | None = None
    skip: str | None = None
    unique_cols: set[str] = field(default_factory=set)
    placeholders: dict[str, Any] = field(default_factory=dict)  # NOT NULL deferred FK columns
    seed: int = 0
    seq_cols: dict[str, str | None] = field(default_factory=dict)  # identity/serial columns we number: sequence
    seq_first: dict[str, int] = field(default_factory=dict)  # first number of each, set before the load
    near: list[tuple[str, str, int, int]] = field(default_factory=list)  # (col, ref, lo_us, hi_us): col = ref - d
    role: str = ""  # lookup, root, child, junction, event (volumes.py)
    copy_order: list[str] = field(default_factory=list)  # COPY column order: fixed-width columns first
    group: Any = None  # groups.GroupRule: rows per parent a design's count or sum trigger allows

    @property
    def name(self) -> str:
        return self.table.qualified_name

    @property
    def staged(self) -> bool:
        return bool(self.filters) or self.on_conflict_skip

    def col(self, name: str) -> ColInfo | None:
        return next((c for c in self.cols if c.name == name), None)


def build_plans(schema: Schema, columns: dict[tuple[str, str], list[ColInfo]], ctx: Context, *,
                throwaway: bool, existing: dict[str, int]) -> list[TablePlan]:
    order, deferred_edges = creation_order(_parents_only(schema))
    names = {t.qualified_name for t in schema.tables}
    plans: list[TablePlan] = []
    for t in order:
        if t.partition_of:
            continue
        cols = columns.get((t.schema, t.name))
        if cols is None:
            continue
        col_domains = {c.name: c.name for c in cols if c.domain_checks}
        domain_checks = {c.name: c.domain_checks for c in cols if c.domain_checks}
        rules = table_rules(t, domain_checks, col_domains)
        p = TablePlan(t, cols, rules, seed=ctx.seed)
        _foreign_keys(p, t, names, deferred_edges, throwaway)
        plans.append(p)
    by_name = {p.name: p for p in plans}
    _forward_keys(plans, by_name)
    for p in plans:
        if not p.skip:
            _columns(p, ctx, by_name, existing.get(p.name, 0))
    _propagate_skips(plans, by_name, existing)
    return plans


def _propagate_skips(plans: list[TablePlan], by_name: dict[str, TablePlan], existing: dict[str, int]) -> None:
    """A table whose NOT NULL foreign key points at a skipped, empty table cannot be filled either."""
    for p in plans:  # parents come first
        if p.skip:
            continue
        for src in p.fks + [m for kind, m in p.combo if kind == "fk"]:
            parent = by_name.get(src.parent)
            if parent is None or not parent.skip or existing.get(src.parent, 0) > 0:
                continue
            if src.nullable and src in p.fks:
                continue
            p.skip = f"its parent {src.parent} is skipped and empty"
            break


def _parents_only(schema: Schema) -> Schema:
    """The schema without partitions, each partitioned parent carrying its partitions' foreign keys
    (pagila declares payment's keys on every partition, not on the parent)."""
    import dataclasses

    extra: dict[str, list[ForeignKey]] = {}
    for t in schema.tables:
        if t.partition_of:
            extra.setdefault(t.partition_of, []).extend(t.foreign_keys)
    tables = []
    for t in schema.tables:
        if t.partition_of:
            continue
        fks = list(t.foreign_keys)
        seen = {(tuple(f.columns), f.ref_schema, f.ref_table, tuple(f.ref_columns)) for f in fks}
        for f in extra.get(t.qualified_name, []):
            key = (tuple(f.columns), f.ref_schema, f.ref_table, tuple(f.ref_columns))
            if key not in seen:
                seen.add(key)
                fks.append(f)
        tables.append(dataclasses.replace(t, foreign_keys=fks) if len(fks) != len(t.foreign_keys) else t)
    return dataclasses.replace(schema, tables=tables)


def _foreign_keys(p: TablePlan, t: Table, names: set[str], deferred_edges: set[tuple[str, str]],
                  throwaway: bool) -> None:
    for fk in t.foreign_keys:
        parent = f"{fk.ref_schema}.{fk.ref_table}"
        if parent not in names:
            continue
        cols = [p.col(c) for c in fk.columns]
        nullable = all(c is not None and not c.not_null for c in cols)
        if parent == t.qualified_name:
            p.fks.append(FkSource(fk, parent, nullable, self_ref=True, null_share=_self_null_share(t.name)))
            continue
        if (t.qualified_name, parent) in deferred_edges:
            p.deferred.append(fk)  # a cycle: numbered keys are known ahead (see _forward_keys), others UPDATEd
            continue
        p.fks.append(FkSource(fk, parent, nullable))


def _self_null_share(table: str) -> float:
    """Roots of a hierarchy (top categories) are common; replies among reviews or comments are not."""
    t = table.lower()
    if any(w in t for w in ("categor", "department", "folder", "region", "location", "org", "node", "group",
                            "menu", "page", "territor", "unit", "team")):
        return 0.3
    return 0.8


def _forward_keys(plans: list[TablePlan], by_name: dict[str, TablePlan]) -> None:
    """A cycle's foreign key to a table loaded later: when that table's key is numbered by us, its keys
    are known before it loads, so the key is filled in the COPY instead of by an UPDATE afterwards."""
    for p in plans:
        keep = []
        for fk in p.deferred:
            parent = by_name.get(f"{fk.ref_schema}.{fk.ref_table}")
            ref = parent.col(fk.ref_columns[0]) if parent is not None and len(fk.ref_columns) == 1 else None
            if ref is not None and ref.numbered:
                cols = [p.col(c) for c in fk.columns]
                p.fks.append(FkSource(fk, parent.name, all(c is not None and not c.not_null for c in cols),
                                      forward=True))
            else:
                keep.append(fk)
        p.deferred = keep


def _unique_sets(t: Table) -> list[list[str]]:
    sets: list[list[str]] = []
    if t.primary_key:
        sets.append(list(t.primary_key))
    for u in t.unique:
        sets.append(list(u.columns))
    colnames = {c.name for c in t.columns}
    for ix in t.indexes:
        if not ix.unique or ix.constraint:
            continue
        cols: list[str] = []
        for part, is_expr in zip(ix.columns, ix.expressions or [False] * len(ix.columns)):
            if is_expr:
                cols += [w for w in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", part) if w in colnames]
            else:
                cols.append(part)
        if cols:
            sets.append(cols)
    out: list[list[str]] = []
    for s in sets:
        if s and sorted(s) not in [sorted(x) for x in out]:
            out.append(s)
    return out


_UNIQUABLE = {"int2", "int4", "int8", "numeric", "float4", "float8", "text", "varchar", "bpchar", "citext",
              "uuid", "timestamp", "timestamptz", "date", "inet", "cidr", "macaddr", "money"}


def _columns(p: TablePlan, ctx: Context, by_name: dict[str, TablePlan], existing_rows: int) -> None:
    t = p.table
    fk_cols = {c: s for s in p.fks for c in s.fk.columns}
    deferred_cols = {c for fk in p.deferred for c in fk.columns}
    gen_cols = [c for c in p.cols if not c.db_fills]
    for c in gen_cols:
        if c.name in fk_cols or c.name in deferred_cols:
            continue
        if not producible(c):
            if c.not_null and not c.default:
                p.skip = f"column {c.name} has type {c.domain or c.base}, which test data cannot produce"
                return
    # Unique constraints: satisfied by a database-filled column, by one column built unique, or by
    # enumerating distinct combinations of parent keys and finite domains.
    finite: dict[str, list] = {}
    for c in gen_cols:
        r = p.rules.columns.get(c.name)
        if r and r.choices is not None:
            finite[c.name] = list(r.choices)
        elif c.typtype == "e" and c.labels:
            finite[c.name] = list(c.labels)
        elif c.base == "bool":
            finite[c.name] = [False, True]
    db_filled = {c.name for c in p.cols if c.db_fills}
    for c in gen_cols:
        if c.numbered and c.name not in fk_cols and c.name not in deferred_cols:
            p.seq_cols[c.name] = None
            p.unique_cols.add(c.name)
    combo_cols: list[str] | None = None
    for uset in _unique_sets(t):
        if any(c in db_filled or c in p.unique_cols for c in uset):
            continue
        cands = [c for c in uset if c not in fk_cols and c not in deferred_cols and c not in finite
                 and p.col(c) is not None and (p.col(c).base in _UNIQUABLE) and not p.col(c).is_array]
        if cands:
            p.unique_cols.add(cands[0])
            continue
        if combo_cols is None and all(c in fk_cols or c in finite for c in uset):
            combo_cols = uset
            continue
        if combo_cols is not None and sorted(combo_cols) == sorted(uset):
            continue
        p.on_conflict_skip = True  # verified by the database: conflicting rows are left out
    if combo_cols:
        seen: set[int] = set()
        for c in combo_cols:
            if c in fk_cols:
                src = fk_cols[c]
                if id(src) not in seen:
                    seen.add(id(src))
                    p.combo.append(("fk", src))
            else:
                p.combo.append(("col", (c, finite[c])))
        # every column of a combo FK is set by the combo
        combo_fk_cols = {c for kind, m in p.combo if kind == "fk" for c in m.fk.columns}
        for c in combo_fk_cols:
            fk_cols.pop(c, None)
    if t.exclusions:
        p.on_conflict_skip = True
    p.filters = list(p.rules.unsupported)
    derived = set(p.rules.derived)
    partition = _partition_intervals(t)
    _implicit_order(p, partition[0] if partition else None)
    for c in gen_cols:
        if c.name in fk_cols or c.name in deferred_cols or c.name in derived:
            continue
        if any(kind == "col" and m[0] == c.name for kind, m in p.combo):
            continue
        try:
            if c.name in p.seq_cols:
                p.gens[c.name] = _numbering(p, c.name)
                continue
            if partition and c.name == partition[0] and partition[1]:
                from aishell.datagen.values import interval_gen

                unique = c.name in p.unique_cols
                p.part_layout = None if unique else {"names": t.attrs.get("_dg_partition_names")}
                p.gens[c.name] = interval_gen(c, partition[1], ctx.nprng(t.name, c.name), unique,
                                              existing_rows, p.part_layout)
                continue
            null_frac = _null_share(c.name)
            if c.name in {x for o in p.rules.order for x in (o[0], o[2])} or \
                    any(c.name in arith_columns(e) for e in p.rules.derived.values()):
                null_frac = 0.0 if c.name not in {o[0] for o in p.rules.order} else null_frac
            p.gens[c.name] = make(c, p.rules.columns.get(c.name), ctx, t, unique=c.name in p.unique_cols,
                                  unique_start=existing_rows, null_frac=null_frac)
        except Unsupported as exc:
            if c.default and not c.not_null or c.default:
                continue  # left to its default
            if not c.not_null:
                p.gens[c.name] = Gen(lambda s, n: [None] * n)
                continue
            if "regular expression" in str(exc):
                p.filters = [ck.expression for ck in t.checks]
                p.gens[c.name] = make(c, None, ctx, t, unique=c.name in p.unique_cols, unique_start=existing_rows)
                continue
            p.skip = f"column {c.name}: {exc}"
            return
    for fk in p.deferred:
        for cname in fk.columns:
            ci = p.col(cname)
            if ci is not None and ci.not_null:
                p.placeholders[cname] = _placeholder(ci)
    p.copy_cols = [c.name for c in gen_cols if c.name in p.gens or c.name in fk_cols or c.name in derived
                   or c.name in deferred_cols and c.name in p.placeholders
                   or any(kind == "fk" and c.name in m.fk.columns for kind, m in p.combo)
                   or any(kind == "col" and m[0] == c.name for kind, m in p.combo)]
    p.binary = all(binary_ok(p.col(c)) for c in p.copy_cols)
    from aishell.datagen.encode import FIXED_KINDS
    from aishell.datagen.values import kind_of

    fixed = [c for c in p.copy_cols if not p.col(c).is_array and kind_of(p.col(c)) in FIXED_KINDS]
    # never-NULL ones lead, so most batches encode them as one record per row
    fixed.sort(key=lambda c: not (p.col(c).not_null or c in p.seq_cols))
    p.copy_order = fixed + [c for c in p.copy_cols if c not in fixed]
    caps = [g.capacity for c, g in p.gens.items() if c in p.unique_cols and g.capacity is not None]
    p.capacity = min(caps) if caps else None


_BEFORE = ("created_at", "inserted_at", "created_on", "creation_date", "create_date")
_NOT_AFTER = ("expire", "expiry", "due", "scheduled", "start", "begin", "valid", "birth", "deadline", "until")


def _implicit_order(p: TablePlan, partition_col: str | None) -> None:
    """Realism, not a constraint: ``updated_at``, ``shipped_at``, ``last_login_at`` ... come after the
    row's ``created_at`` (explicit CHECKs between columns were added already and come first)."""
    first = next((c for c in p.cols if c.name.lower() in _BEFORE and c.base in ("timestamp", "timestamptz", "date")
                  and not c.db_fills), None)
    if first is None or first.name == partition_col:
        return
    key = p.col(partition_col) if partition_col else None
    if key is not None and key.base == first.base and first.base != "date":
        p.near.append((first.name, key.name, 0, 30 * 60 * 1_000_000))  # a row is created as its event starts
    explicit = {later for later, _op, _e in p.rules.order}
    for c in p.cols:
        n = c.name.lower()
        if c is first or c.db_fills or c.base != first.base or c.name in explicit or c.name in p.unique_cols \
                or c.name == partition_col or not (n.endswith(("_at", "_on")) or n == "last_update") \
                or any(w in n for w in _NOT_AFTER) or c.name in p.rules.derived:
            continue
        r = p.rules.columns.get(c.name)
        if r is not None and (r.lo is not None or r.hi is not None or r.choices is not None):
            continue
        p.rules.order.append((c.name, ">=", first.name))


def _numbering(p: TablePlan, name: str) -> Gen:
    import numpy as np

    def seq(s: int, n: int) -> Any:
        first = p.seq_first.get(name, 1)
        return np.arange(first + s, first + s + n, dtype=np.int64)
    return Gen(seq)


def _placeholder(c: ColInfo) -> Any:
    if c.base in ("int2", "int4", "int8", "numeric"):
        return 0
    if c.base == "uuid":
        import uuid

        return uuid.UUID(int=0)
    return "0"


def _null_share(name: str) -> float:
    """How often a nullable column is empty: most rows carry no note or comment, few are deleted."""
    n = name.lower()
    if n in ("notes", "note", "comment", "comments", "remarks", "instructions", "special_requests",
             "internal_notes", "memo") or n.endswith(("_notes", "_note", "_comment")):
        return 0.8
    if n in ("deleted_at", "archived_at", "cancelled_at", "canceled_at", "banned_at", "refunded_at"):
        return 0.9
    if n.endswith("_at") and any(w in n for w in ("completed", "returned", "shipped", "read", "edited",
                                                   "closed", "resolved", "ended", "delivered", "paid")):
        return 0.3
    return 0.1


def _partition_intervals(t: Table) -> tuple[str, list] | None:
    """(column, [(from, to), ...]) for a single-column RANGE/LIST partitioned table without DEFAULT."""
    return t.attrs.get("_dg_partition")  # filled by load.prepare_partitions


def _weights(plans: list[TablePlan], by_name: dict[str, TablePlan]) -> None:
    level: dict[str, int] = {}
    for p in plans:  # creation order: parents first
        parents = [s.parent for s in p.fks if s.parent in by_name] + \
                  [s.parent for kind, s in p.combo if kind == "fk" and s.parent in by_name]
        level[p.name] = 1 + max((level.get(x, 0) for x in parents), default=-1)
    referenced = {s.parent for p in plans for s in p.fks} | \
                 {s.parent for p in plans for kind, s in p.combo if kind == "fk"}
    for p in plans:
        w = FANOUT ** level[p.name]
        plain = [c for c in p.copy_cols if c not in {x for s in p.fks for x in s.fk.columns}]
        if level[p.name] == 0 and p.name in referenced and len(plain) <= 3:
            w /= FANOUT
        p.weight = w


def combo_capacity(p: TablePlan, counts: dict[str, int], existing: dict[str, int]) -> int | None:
    if not p.combo:
        return None
    cap = 1
    for kind, m in p.combo:
        if kind == "fk":
            cap *= counts.get(m.parent, 0) + existing.get(m.parent, 0)
        else:
            cap *= len(m[1])
        if cap > 10**15:
            return None
    return cap


def allocate(plans: list[TablePlan], total: int, existing: dict[str, int], hints: Any = None) -> None:
    """Split ``total`` rows over the plans in the proportions of ``volumes.natural_volumes``, within
    capacities; lookup tables keep their natural size (at most a fifth of the total between them)."""
    from aishell.datagen.volumes import natural_volumes

    live = [p for p in plans if not p.skip]
    for p in plans:
        p.count = 0
    if not live or total <= 0:
        return
    from aishell.datagen.volumes import stock_tables

    vol, lookups = natural_volumes(plans, hints)
    stock = stock_tables(plans, hints) - lookups
    for p in live:
        p.weight = vol[p.name]
        p.role = "lookup" if p.name in lookups else "stated" if p.name in stock else p.role
    # Lookups keep their natural size and stated stock (800 stations) its stated size, while together
    # they fit in half of N; the rest of N goes to the other tables in their natural proportions.
    fixed_total = sum(vol[n] for n in lookups | stock)
    share = min(1.0, 0.5 * total / fixed_total) if fixed_total else 1.0
    preset = {n: max(1, round(vol[n] * share)) for n in lookups | stock}
    counts: dict[str, int] = {}
    for _ in range(4):
        caps = {}
        for p in live:
            cs = [c for c in (p.capacity, combo_capacity(p, counts, existing)) if c is not None]
            caps[p.name] = min(cs) if cs else None
        fixed: dict[str, int] = {n: min(v, caps[n]) if caps[n] is not None else v for n, v in preset.items()}
        while True:
            free = [p for p in live if p.name not in fixed]
            rem = total - sum(fixed.values())
            if not free or rem <= 0:
                shares = {}
                break
            tw = sum(p.weight for p in free)
            shares = {p.name: rem * p.weight / tw for p in free}
            capped = [p for p in free if caps[p.name] is not None and shares[p.name] > caps[p.name]]
            if not capped:
                break
            for p in capped:
                fixed[p.name] = caps[p.name]
        ints = {n: math.floor(v) for n, v in shares.items()}
        left = total - sum(fixed.values()) - sum(ints.values())
        for n, _ in sorted(shares.items(), key=lambda kv: kv[1] - math.floor(kv[1]), reverse=True)[:max(0, left)]:
            ints[n] += 1
        counts = {**fixed, **ints}
        # every table that others need gets at least one row, taken from the largest
        for p in live:
            if counts.get(p.name, 0) == 0 and total >= len(live) and (caps[p.name] or 1) > 0:
                donor = max(counts, key=lambda n: counts[n])
                if counts[donor] > 1:
                    counts[donor] -= 1
                    counts[p.name] = 1
        if sum(counts.values()) > total:  # lookups took more than a tiny total allows
            over = sum(counts.values()) - total
            for n in sorted(counts, key=lambda n: -counts[n]):
                take = min(over, counts[n] - 1)
                counts[n] -= take
                over -= take
    for p in live:
        p.count = counts.get(p.name, 0)
