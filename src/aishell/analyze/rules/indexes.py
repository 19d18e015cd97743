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


def _keep_order(ix: Index, scans: dict[str, int] | None = None) -> tuple:
    # Keep what backs a constraint, then a unique index, then a valid one, then the one in use (the
    # planner's choice: dropping it would move its traffic to a copy whose counters say "unused"), then
    # the first name.
    used = (scans or {}).get(ix.name) or 0
    return (ix.constraint is None, not ix.unique, not ix.valid, -used, ix.name)


def index_scans(ctx: AnalysisContext, table: Table) -> dict[str, int]:
    """idx_scan of each index of ``table`` (empty without a live database)."""
    if not ctx.live:
        return {}
    out = {}
    for ix in table.indexes:
        st = ctx.stats.indexes.get(f"{table.schema}.{ix.name}")
        if st and st.get("idx_scan") is not None:
            out[ix.name] = int(st["idx_scan"])
    return out


def duplicate_drops(ctx: AnalysisContext, table: Table) -> list[tuple[Index, Index]]:
    """(index to drop, the identical index kept) pairs that duplicate-index proposes for ``table``."""
    scans = index_scans(ctx, table)
    groups: dict[tuple, list[Index]] = defaultdict(list)
    for ix in effective_indexes(table):
        groups[signature(ix)].append(ix)
    out = []
    for same in groups.values():
        if len(same) < 2:
            continue
        same.sort(key=lambda ix: _keep_order(ix, scans))
        out += [(ix, same[0]) for ix in same[1:]]
    return out


def redundant_drops(table: Table) -> list[tuple[Index, Index]]:
    """(narrow index to drop, the wider index that serves its queries) pairs of redundant-index."""
    dup_sigs: dict[tuple, int] = defaultdict(int)
    indexes = effective_indexes(table)
    for ix in indexes:
        dup_sigs[signature(ix)] += 1
    out = []
    for a in table.indexes:
        if a.unique or a.constraint or not a.valid or a.method != "btree":
            continue
        if dup_sigs[signature(a)] > 1:
            continue  # duplicate-index reports it
        cover = RedundantIndex._covering(indexes, a)
        if cover is not None:
            out.append((a, cover))
    return out


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

    Better: keep one and drop the others with DROP INDEX CONCURRENTLY. The one kept backs a
    constraint, or is unique, or else is the one the planner uses (most ``idx_scan``): dropping the copy
    in use would leave a survivor whose counters still say "never scanned".
    """

    id = "duplicate-index"
    title = "Duplicate Indexes"
    severity = "warning"
    categories = ("performance", "maintainability")
    groups = frozenset({"indexes"})

    def check(self, ctx: AnalysisContext) -> Iterator[Finding]:
        for table in ctx.tables:
            scans = index_scans(ctx, table)
            for ix, keep in duplicate_drops(ctx, table):
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
                    notes = [f"{keep.name} stays and serves the same queries"]
                    if keep.name in scans and ix.name in scans:
                        notes.append(
                            f"{keep.name} is the one in use ({scans[keep.name]:,} scans against "
                            f"{scans[ix.name]:,}): the planner's choice stays"
                        )
                    fix = Fix([drop_index_sql(table, ix.name)], safe=True, notes=notes)
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
            for a, cover in redundant_drops(table):
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
    """Indexes never scanned while the statistics were counting, on tables big enough to need them.

    Anti-pattern: an index nobody reads still costs on every INSERT, UPDATE and DELETE, and takes
    disk and cache. Unique indexes, constraint indexes, the last index leading with a foreign key's
    columns and the last index serving a filter of the workload (``--with-query-patterns`` or a query
    log) are never reported (they enforce something, protect FK checks, or serve a query whose plan
    just did not need them yet); nor are an index that duplicate-index or redundant-index already
    proposes to drop, or the index they keep in its place (it inherits the dropped one's queries).

    Better: confirm over a full business cycle (and on replicas, whose scans are counted there), then
    DROP INDEX CONCURRENTLY; the finding keeps the definition to recreate it. No finding at all when the
    counters cover less than ``unused_index_min_hours`` (7 days) or the table holds fewer than
    ``unused_index_min_rows`` rows (the planner rightly scans a small table): a note says how many
    indexes were not judged, and why.
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
        base = ctx.options.baseline
        if base is not None and base.get("taken_at") is not None:
            start = base["taken_at"]  # judged on the scans since the baseline was read
        window = (db["now"] - start).total_seconds() / 3600 if start and db.get("now") else None
        short = window is not None and window < ctx.t("unused_index_min_hours")
        min_rows = ctx.t("unused_index_min_rows")
        not_judged = {"window": 0, "small": 0, "workload": 0, "new": 0}
        filtered = _workload_filters(ctx)
        for table in ctx.tables:
            pairs = duplicate_drops(ctx, table) + redundant_drops(table)
            drops = {d.name for d, _ in pairs}
            # What another rule keeps in place of an index it drops is not also proposed for dropping:
            # the advice would contradict itself, and the survivor inherits the dropped one's queries.
            takes_over = {keep.name for _, keep in pairs}
            for ix in table.indexes:
                if ix.unique or ix.constraint or not ix.valid:
                    continue
                st = ctx.stats.indexes.get(f"{table.schema}.{ix.name}")
                if not st or st.get("idx_scan") is None:
                    continue
                used = int(st["idx_scan"])
                if base is not None:
                    prev = base.get("indexes", {}).get(f"{table.schema}.{ix.name}")
                    if prev is None:
                        not_judged["new"] += 1  # created after the baseline: no history to judge
                        continue
                    used -= int(prev.get("idx_scan") or 0)
                if used > 0 or ix.name in drops or ix.name in takes_over:
                    continue
                survivors = [i for i in table.indexes if i is not ix and i.name not in drops]
                if self._protects_fk(table, ix, survivors):
                    continue
                lead = plain_columns(ix)[:1]
                if lead and lead[0] in filtered.get(table.qualified_name, set()) and not any(
                    plain_columns(i)[:1] == lead and i.valid and not i.where for i in survivors
                ):
                    not_judged["workload"] += 1
                    continue
                rows = ctx.rows(table)
                if rows is not None and rows < min_rows:
                    not_judged["small"] += 1
                    continue
                if short:
                    not_judged["window"] += 1
                    continue
                tst = ctx.stats.table(table.qualified_name)
                writes = sum(int(tst.get(k) or 0) for k in ("n_tup_ins", "n_tup_upd", "n_tup_del"))
                since = f"since {reset:%Y-%m-%d %H:%M}" if reset else "since the statistics were reset"
                if base is not None:
                    since = f"since {start:%Y-%m-%d %H:%M} (the baseline)"
                extra = []
                if window is not None:
                    extra.append(
                        Evidence(
                            "stats_window_hours",
                            round(window, 2),
                            "exact" if (reset or base is not None) else "estimated",
                            "h",
                            "now − stats_reset" if reset else "now − server start (a lower bound)",
                        )
                    )
                if rows is not None:
                    extra.append(Evidence("table_rows", rows, "estimated", "rows", "pg_class.reltuples"))
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
                    fix=Fix(
                        [drop_index_sql(table, ix.name)],
                        safe=True,
                        notes=[
                            "check replicas and a full business cycle first",
                            f"to restore: {ix.definition or 'recreate it'}",
                        ],
                    ),
                    impact=f"{human_bytes(st['bytes'])} kept up to date on every write, never read",
                )
        why = []
        if not_judged["window"]:
            why.append(
                f"{not_judged['window']} because the statistics cover only {window:.1f} h "
                f"(< {ctx.t('unused_index_min_hours'):g} h)"
            )
        if not_judged["small"]:
            why.append(f"{not_judged['small']} on tables under {min_rows:,.0f} rows")
        if not_judged["workload"]:
            why.append(f"{not_judged['workload']} that the workload's filters would need")
        if not_judged["new"]:
            why.append(f"{not_judged['new']} created after the baseline")
        if why:
            ctx.notes.append(
                "unused-index: insufficient evidence, indexes without scans not judged: " + "; ".join(why)
            )
            ctx.insufficient[self.id] = sum(not_judged.values())

    @staticmethod
    def _protects_fk(table: Table, ix: Index, survivors: list[Index] | None = None) -> bool:
        """True when ``ix`` is the last index (among ``survivors`` and the keys) leading with an FK's columns."""
        rest = [i for i in table.indexes if i is not ix] if survivors is None else survivors
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
                    indexes=rest,
                )
                if not has_leading_index(others, fk.columns):
                    return True
        return False


def _workload_filters(ctx: AnalysisContext) -> dict[str, set[str]]:
    """Columns the loaded workload filters, joins or ranges on, by table (empty without a workload)."""
    if not ctx.options.with_query_patterns:
        return {}
    try:
        wl = ctx.workload
    except Exception:  # noqa: BLE001 - no workload, no guard
        return {}
    if not wl.available:
        return {}
    out: dict[str, set[str]] = defaultdict(set)
    for st in wl.statements:
        for u in st.uses:
            if u.role in ("eq", "in", "range", "join", "sort"):
                out[u.table].add(u.column)
    return out


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
