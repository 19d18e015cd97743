"""duplicate-index, redundant-index, unused-index, invalid-index."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator

from aishell.analyze.context import AnalysisContext
from aishell.analyze.findings import Evidence, Finding, Fix, exact
from aishell.analyze.registry import Rule
from aishell.analyze.rules._common import (
    drop_index_sql,
    has_leading_index,
    human_bytes,
    plain_columns,
    qname,
    require_live,
)
from aishell.dialects.postgres.quote import qualify
from aishell.model import Index, Table


def _norm(values: list[str], n: int) -> tuple[str, ...]:
    vals = list(values) + [""] * (n - len(values))
    return tuple(v.strip().upper() for v in vals[:n])


_SIG_CACHE: dict[int, tuple[Index, tuple]] = {}


def signature(ix: Index) -> tuple:
    """Everything that makes two indexes serve the same queries, the name left out (memoised)."""
    hit = _SIG_CACHE.get(id(ix))
    if hit is not None and hit[0] is ix:
        return hit[1]
    sig = _signature(ix)
    if len(_SIG_CACHE) > 200_000:
        _SIG_CACHE.clear()
    _SIG_CACHE[id(ix)] = (ix, sig)
    return sig


def _signature(ix: Index) -> tuple:
    n = len(ix.columns)
    exprs = tuple((ix.expressions + [False] * n)[:n])
    opclasses = tuple(o.strip().lower() for o in (list(ix.opclasses) + [""] * n)[:n])
    where = re.sub(r"\s+", " ", ix.where or "").strip().lower()
    return (
        ix.method.lower(),
        tuple(ix.columns),
        exprs,
        _norm(ix.orders, n),
        opclasses,
        where,
        tuple(ix.include),
        ix.nulls_not_distinct,
        ix.unique,
    )


def effective_indexes(table: Table) -> list[Index]:
    """The table's indexes, plus the implicit unique indexes of its primary key and unique constraints
    when the model does not list them (designed schemas do not; introspected ones do)."""
    out = list(table.indexes)
    backed = {ix.constraint for ix in table.indexes if ix.constraint}
    if table.primary_key and (table.primary_key_name or f"{table.name}_pkey") not in backed:
        name = table.primary_key_name or f"{table.name}_pkey"
        out.append(Index(name, list(table.primary_key), unique=True, constraint=name))
    for uc in table.unique:
        name = uc.name or f"{table.name}_{'_'.join(uc.columns)}_key"
        if name not in backed:
            out.append(
                Index(
                    name,
                    list(uc.columns),
                    unique=True,
                    constraint=name,
                    nulls_not_distinct=uc.nulls_not_distinct,
                    include=list(uc.include),
                )
            )
    return out


def _keep_order(ix: Index) -> tuple:
    # Keep what backs a constraint, then a unique index, then a valid one, then the first name.
    return (ix.constraint is None, not ix.unique, not ix.valid, ix.name)


def _index_bytes(ctx: AnalysisContext, table: Table, ix: Index) -> list:
    if not ctx.live:
        return []
    st = ctx.stats.indexes.get(f"{table.schema}.{ix.name}")
    if not st:
        return []
    ev = [exact("index_bytes", st["bytes"], "bytes", "pg_relation_size")]
    if st.get("idx_scan") is not None:
        ev.append(
            exact("index_scans", st["idx_scan"], "scans", "pg_stat_user_indexes.idx_scan since stats reset")
        )
    return ev


class DuplicateIndex(Rule):
    """Indexes identical to another index of the same table (same columns, method, predicate).

    Anti-pattern: ``CREATE INDEX idx_users_email ON users(email)`` next to ``UNIQUE (email)``'s own
    index with the same definition: twice the writes and the space for nothing.

    Better: keep one (the one that backs a constraint, or the unique one) and drop the others with
    DROP INDEX CONCURRENTLY.
    """

    id = "duplicate-index"
    title = "Duplicate Indexes"
    severity = "warning"
    categories = ("performance", "maintainability")
    groups = frozenset({"indexes"})

    def check(self, ctx: AnalysisContext) -> Iterator[Finding]:
        for table in ctx.tables:
            groups: dict[tuple, list[Index]] = defaultdict(list)
            for ix in effective_indexes(table):
                groups[signature(ix)].append(ix)
            for same in groups.values():
                if len(same) < 2:
                    continue
                same.sort(key=_keep_order)
                keep, drop = same[0], same[1:]
                for ix in drop:
                    if ix.constraint:
                        # Both back constraints: dropping means dropping a constraint; say so.
                        fix = Fix(
                            [
                                f"ALTER TABLE {qualify(table.schema, table.name)} DROP CONSTRAINT "
                                f"{qualify(None, ix.constraint)};"
                            ],
                            safe=False,
                            notes=[
                                f"{ix.name} backs constraint {ix.constraint}; {keep.name} enforces the same"
                            ],
                        )
                    else:
                        fix = Fix(
                            [drop_index_sql(table, ix.name)],
                            safe=True,
                            notes=[f"{keep.name} stays and serves the same queries"],
                        )
                    yield self.finding(
                        qname(table),
                        f"index {ix.name} duplicates {keep.name}",
                        columns=[c for c in plain_columns(ix) if c],
                        object=ix.name,
                        evidence=_index_bytes(ctx, table, ix),
                        fix=fix,
                        impact="every write maintains both indexes; the copy takes space and cache",
                        attrs={"duplicate_of": keep.name},
                    )


class RedundantIndex(Rule):
    """Indexes whose columns are a leading prefix of another index on the same table.

    Anti-pattern: ``idx_orders_user (user_id)`` next to ``idx_orders_user_created (user_id, created_at)``:
    the wider index answers every query the narrow one does.

    Better: drop the narrow index (unless it is unique or backs a constraint, which the rule never
    proposes). pg-index-health calls these intersected indexes.
    """

    id = "redundant-index"
    title = "Redundant Indexes"
    severity = "warning"
    categories = ("performance", "maintainability")
    groups = frozenset({"indexes"})

    def check(self, ctx: AnalysisContext) -> Iterator[Finding]:
        for table in ctx.tables:
            dup_sigs = defaultdict(int)
            indexes = effective_indexes(table)
            for ix in indexes:
                dup_sigs[signature(ix)] += 1
            for a in table.indexes:
                if a.unique or a.constraint or not a.valid or a.method != "btree":
                    continue
                if dup_sigs[signature(a)] > 1:
                    continue  # duplicate-index reports it
                cover = self._covering(indexes, a)
                if cover is None:
                    continue
                yield self.finding(
                    qname(table),
                    f"index {a.name} ({', '.join(a.columns)}) is a prefix of {cover.name} "
                    f"({', '.join(cover.columns)})",
                    columns=[c for c in plain_columns(a) if c],
                    object=a.name,
                    evidence=_index_bytes(ctx, table, a),
                    fix=Fix(
                        [drop_index_sql(table, a.name)],
                        safe=True,
                        notes=[
                            f"{cover.name} serves every query {a.name} does",
                            f"to restore: {a.definition or 'recreate it'}",
                        ],
                    ),
                    impact="extra write cost and space for an index the planner can replace",
                    attrs={"covered_by": cover.name},
                )

    @staticmethod
    def _covering(indexes: list[Index], a: Index) -> Index | None:
        sa = signature(a)
        n = len(a.columns)
        for b in sorted(indexes, key=_keep_order):
            if b is a or b.method != "btree" or not b.valid:
                continue
            sb = signature(b)
            if sb[5] != sa[5]:  # different predicate
                continue
            if (
                len(b.columns) < n
                or tuple(b.columns[:n]) != sa[1]
                or sb[2][:n] != sa[2]
                or sb[3][:n] != sa[3]
                or sb[4][:n] != sa[4]
            ):
                continue
            if len(b.columns) == n and not b.unique:
                continue  # same key, neither unique: duplicate-index territory
            if not set(a.include) <= set(b.columns) | set(b.include):
                continue
            return b
        return None


class UnusedIndex(Rule):
    """Indexes never scanned since the statistics were last reset.

    Anti-pattern: an index nobody reads still costs on every INSERT, UPDATE and DELETE, and takes
    disk and cache. Unique indexes, constraint indexes and the only index covering a foreign key are
    never reported (they enforce something or protect FK checks).

    Better: confirm over a full business cycle (and on replicas, whose scans are counted there), then
    DROP INDEX CONCURRENTLY; the finding keeps the definition to recreate it. When the counters cover
    less than ``unused_index_min_hours`` (7 days) the finding is only an optimization.
    """

    id = "unused-index"
    title = "Unused Indexes"
    severity = "warning"
    categories = ("performance", "maintainability")
    needs = frozenset({"live", "stats"})
    groups = frozenset({"indexes"})

    def check(self, ctx: AnalysisContext) -> Iterator[Finding]:
        require_live(ctx)
        db = ctx.stats.database
        reset = db.get("stats_reset")
        # How long the counters have been counting: since the reset, else at least since the server started.
        start = reset or db.get("started")
        window = (db["now"] - start).total_seconds() / 3600 if start and db.get("now") else None
        short = window is not None and window < ctx.t("unused_index_min_hours")
        for table in ctx.tables:
            for ix in table.indexes:
                if ix.unique or ix.constraint or not ix.valid:
                    continue
                st = ctx.stats.indexes.get(f"{table.schema}.{ix.name}")
                if not st or st.get("idx_scan") is None or st["idx_scan"] > 0:
                    continue
                if self._protects_fk(table, ix):
                    continue
                tst = ctx.stats.table(table.qualified_name)
                writes = sum(int(tst.get(k) or 0) for k in ("n_tup_ins", "n_tup_upd", "n_tup_del"))
                since = f"since {reset:%Y-%m-%d %H:%M}" if reset else "since the statistics were reset"
                extra = []
                notes = ["check replicas and a full business cycle first"]
                if window is not None:
                    extra.append(
                        Evidence(
                            "stats_window_hours",
                            round(window, 2),
                            "exact" if reset else "estimated",
                            "h",
                            "now − stats_reset" if reset else "now − server start (a lower bound)",
                        )
                    )
                if short:
                    notes.insert(
                        0, f"the statistics cover only {window:.1f} h: too short to call an index unused"
                    )
                yield self.finding(
                    qname(table),
                    f"index {ix.name} has not been scanned {since} ({human_bytes(st['bytes'])})",
                    columns=[c for c in plain_columns(ix) if c],
                    object=ix.name,
                    evidence=[
                        exact("index_scans", 0, "scans", "pg_stat_user_indexes.idx_scan"),
                        exact("index_bytes", st["bytes"], "bytes", "pg_relation_size"),
                        exact("table_writes", writes, "rows", "n_tup_ins + n_tup_upd + n_tup_del"),
                        *extra,
                    ],
                    severity="optimization" if short else None,
                    fix=Fix(
                        [drop_index_sql(table, ix.name)],
                        safe=True,
                        notes=[*notes, f"to restore: {ix.definition or 'recreate it'}"],
                    ),
                    impact=f"{human_bytes(st['bytes'])} kept up to date on every write, never read",
                )

    @staticmethod
    def _protects_fk(table: Table, ix: Index) -> bool:
        for fk in table.foreign_keys:
            cols = plain_columns(ix)
            n = len(fk.columns)
            if len(cols) >= n and set(cols[:n]) == set(fk.columns):
                others = Table(
                    table.name,
                    table.schema,
                    columns=table.columns,
                    primary_key=table.primary_key,
                    unique=table.unique,
                    indexes=[i for i in table.indexes if i is not ix],
                )
                if not has_leading_index(others, fk.columns):
                    return True
        return False


class InvalidIndex(Rule):
    """Indexes marked invalid (a failed CREATE INDEX CONCURRENTLY or REINDEX).

    Anti-pattern: the planner never uses an invalid index, yet every write still maintains it.

    Better: REINDEX INDEX CONCURRENTLY (or drop it and create it again concurrently).
    """

    id = "invalid-index"
    title = "Invalid Indexes"
    severity = "critical"
    categories = ("performance", "maintainability")
    groups = frozenset({"indexes"})

    def check(self, ctx: AnalysisContext) -> Iterator[Finding]:
        for table in ctx.tables:
            for ix in table.indexes:
                if ix.valid:
                    continue
                yield self.finding(
                    qname(table),
                    f"index {ix.name} is invalid: the planner ignores it, writes still pay for it",
                    columns=[c for c in plain_columns(ix) if c],
                    object=ix.name,
                    evidence=_index_bytes(ctx, table, ix),
                    fix=Fix(
                        [f"REINDEX INDEX CONCURRENTLY {qualify(table.schema, ix.name)};"],
                        safe=True,
                        notes=["if it fails again, find the cause first (duplicate keys for a unique index)"],
                    ),
                    impact="queries that should use it scan instead; writes maintain it anyway",
                )
