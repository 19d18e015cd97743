"""Index proposals from the workload: what each statement filters, joins and sorts on.

For every table a statement reads, the key is its equality columns (``=``, ``IN``), then one range
column (``<``, ``BETWEEN``) or else its sort column; ``IS NULL`` filters become a partial index's
WHERE; a SELECT naming at most three more columns of the table gets them as INCLUDE (covering, for
index-only scans); ``lower(col) = ...`` proposes an expression index; ``LIKE``/``ILIKE`` proposes a
trigram GIN index. A proposal an existing index already fits is dropped (it fits when it leads with the
equality columns followed by the range or sort column). A proposal that leads with the columns of a
foreign key without an index is the one missing-fk-index proposes for that key (the busiest such: one
index serves both), so workload-missing-index leaves it out when that rule runs too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aishell.analyze.probes.data import base_type
from aishell.analyze.rules._common import candidate_keys, has_leading_index

if TYPE_CHECKING:
    from aishell.analyze.context import AnalysisContext
    from aishell.analyze.workload import Statement, Workload
    from aishell.model import Table


@dataclass
class Proposal:
    table: str
    columns: list[str]
    include: list[str] = field(default_factory=list)
    where: str | None = None
    method: str = "btree"
    opclass: str | None = None
    kind: str = "btree"  # btree | partial | covering | expression | trigram
    statements: list[Statement] = field(default_factory=list)

    @property
    def key(self) -> tuple:
        return (self.table, tuple(self.columns), tuple(self.include), self.where, self.method)

    @property
    def calls(self) -> int:
        return sum(s.calls for s in self.statements)

    @property
    def total_ms(self) -> float:
        return sum(s.total_ms for s in self.statements)


def _fits(table: Table, eq: list[str], then: set[str]) -> bool:
    """An existing index serves the statement: it leads with the equality columns (any order), followed
    by its range or its sort column when it has one."""
    n = len(eq)
    for key, _, method in candidate_keys(table):
        if method != "btree" or len(key) < n or None in key[:n] or set(key[:n]) != set(eq):
            continue
        if not then or (len(key) > n and key[n] in then):
            return True
    return False


def _includable(ctx: AnalysisContext, table: Table, column: str) -> bool:
    """A column an INCLUDE may carry: not a document or binary, and text only when it is short (at most
    32 bytes on average by pg_stats), so the index stays small enough to be worth an index-only scan."""
    col = table.column(column)
    if col is None:
        return False
    bt = base_type(col.type)
    if bt in ("jsonb", "json", "bytea", "xml", "tsvector") or col.type.endswith("[]"):
        return False
    if bt in ("text", "character varying", "character", "citext"):
        width = ctx.stats.column(table.qualified_name, column).get("avg_width") if ctx.live else None
        return width is not None and width <= 32
    return True


def fk_adoptions(ctx: AnalysisContext, wl: Workload) -> dict[tuple[str, tuple[str, ...]], Proposal]:
    """For each foreign key without an index, the workload's busiest index proposal that leads with the
    key's columns (and has no predicate): one index then serves both, and missing-fk-index proposes it."""
    cached = ctx.__dict__.get("fk_adoptions")
    if cached is not None:
        return cached
    out: dict[tuple[str, tuple[str, ...]], Proposal] = {}
    proposals = propose_indexes(ctx, wl, adopt=False)
    for t in ctx.tables:
        for fk in t.foreign_keys:
            if has_leading_index(t, fk.columns):
                continue
            n = len(fk.columns)
            fits = [
                p
                for p in proposals
                if p.table == t.qualified_name
                and p.where is None
                and p.method == "btree"
                and len(p.columns) >= n
                and set(p.columns[:n]) == set(fk.columns)
            ]
            if fits:
                out[(t.qualified_name, tuple(fk.columns))] = max(fits, key=lambda p: (p.calls, p.total_ms))
    ctx.__dict__["fk_adoptions"] = out
    return out


def propose_indexes(ctx: AnalysisContext, wl: Workload, *, adopt: bool = True) -> list[Proposal]:
    """Index proposals from the workload, busiest first. With ``adopt``, those missing-fk-index takes
    over (see :func:`fk_adoptions`) are left out when that rule runs too."""
    from aishell.dialects.postgres.quote import quote_ident

    out: dict[tuple, Proposal] = {}
    min_calls = ctx.t("workload_min_calls")
    scope = {t.qualified_name for t in ctx.tables}
    for st in wl.statements:
        if (wl.min_calls_apply and st.calls < min_calls) or st.kind not in ("select", "update", "delete"):
            continue
        for tname in st.tables:
            table = ctx.by_name.get(tname)
            if table is None or tname not in scope:
                continue
            uses = st.uses_of(tname)
            eq = list(dict.fromkeys(u.column for u in uses if u.role in ("eq", "in")))
            rng = next((u.column for u in uses if u.role == "range" and u.column not in eq), None)
            sort = [u.column for u in uses if u.role == "sort" and u.column not in eq]
            exprs = [
                (u.detail, u.column) for u in uses if u.role == "expr" and u.detail in ("lower", "upper")
            ]
            nulls = [u for u in uses if u.role in ("null", "notnull")]
            joins = [u.column for u in uses if u.role == "join"]
            where = (
                " AND ".join(
                    f"{quote_ident(u.column)} IS {'NOT ' if u.role == 'notnull' else ''}NULL" for u in nulls
                )
                or None
            )
            kind = "btree"
            if exprs:
                fn, col = exprs[0]
                key = [f"({fn}({quote_ident(col)}))"]
                if any(
                    ix.columns
                    and ix.columns[0].replace(" ", "").lower() in (f"{fn}({col})", f"({fn}({col}))")
                    for ix in table.indexes
                ):
                    continue
                kind = "expression"
            else:
                key = eq + ([rng] if rng else sort[:1])
                if not key:
                    if joins and not eq:
                        key = [joins[0]]
                    else:
                        continue
                then = {c for c in (rng, *sort[:1]) if c}
                if _fits(table, eq, then) if eq else _fits(table, [key[0]], set()):
                    continue
                if where:
                    kind = "partial"
            include: list[str] = []
            if st.kind == "select" and not st.star and kind != "expression":
                extra = sorted(st.selected.get(tname, set()) - set(key))
                if 0 < len(extra) <= 3 and all(_includable(ctx, table, c) for c in extra):
                    include = extra
                    kind = "covering" if kind == "btree" else kind
            p = Proposal(tname, key, include, where, kind=kind)
            out.setdefault(p.key, p).statements.append(st)
    found = sorted(_merge(list(out.values())), key=lambda p: (-p.total_ms, -p.calls))
    selected = getattr(ctx, "selected_rules", set())
    if adopt and (not selected or "missing-fk-index" in selected):
        taken = {id(p) for p in fk_adoptions(ctx, wl).values()}
        taken_keys = {p.key for p in fk_adoptions(ctx, wl).values()}
        found = [p for p in found if id(p) not in taken and p.key not in taken_keys]
    return found


def _serves(wide: Proposal, narrow: Proposal) -> bool:
    """One b-tree ``wide`` answers ``narrow``'s statements as well: same table and predicate, ``narrow``'s
    key a leading prefix of ``wide``'s (its equality part in any order), its INCLUDE columns all in
    ``wide``'s key or INCLUDE."""
    if (wide.table, wide.where, wide.method) != (narrow.table, narrow.where, narrow.method) or wide is narrow:
        return False
    if narrow.kind == "expression" or wide.kind == "expression":
        return wide.columns == narrow.columns and set(narrow.include) <= set(wide.include)
    n = len(narrow.columns)
    if len(wide.columns) < n or wide.columns[:n] != narrow.columns:
        return False
    return set(narrow.include) <= set(wide.columns) | set(wide.include)


def _merge(props: list[Proposal]) -> list[Proposal]:
    """Fewer indexes for the same statements: proposals with one key whose INCLUDE lists fit in three
    columns together become one; a proposal another one serves (:func:`_serves`) joins it."""
    by_key: dict[tuple, list[Proposal]] = {}
    for p in props:
        by_key.setdefault((p.table, tuple(p.columns), p.where, p.method), []).append(p)
    merged: list[Proposal] = []
    for group in by_key.values():
        group.sort(key=lambda p: -p.calls)
        head = group[0]
        for p in group[1:]:
            union = list(dict.fromkeys(head.include + p.include))
            if len(union) <= 3:
                head.include = union
                head.kind = "covering" if union and head.kind == "btree" else head.kind
                head.statements += [s for s in p.statements if s not in head.statements]
            else:
                merged.append(p)
        merged.append(head)
    merged.sort(key=lambda p: -len(p.columns) - len(p.include))
    kept: list[Proposal] = []
    for p in merged:
        wide = next((k for k in kept if _serves(k, p)), None)
        if wide is None:
            kept.append(p)
        else:
            wide.statements += [s for s in p.statements if s not in wide.statements]
    return kept


def propose_trigram(ctx: AnalysisContext, wl: Workload) -> list[Proposal]:
    out: dict[tuple, Proposal] = {}
    scope = {t.qualified_name for t in ctx.tables}
    for st in wl.statements:
        if wl.min_calls_apply and st.calls < ctx.t("workload_min_calls"):
            continue
        for u in st.uses:
            if u.role not in ("like", "ilike") or u.table not in scope:
                continue
            table = ctx.by_name.get(u.table)
            col = table.column(u.column) if table else None
            if col is None or base_type(col.type) not in ("text", "character varying", "citext"):
                continue
            if any(ix.method in ("gin", "gist") and ix.columns[:1] == [u.column] for ix in table.indexes):
                continue
            p = Proposal(u.table, [u.column], method="gin", opclass="gin_trgm_ops", kind="trigram")
            existing = out.setdefault(p.key, p)
            if st not in existing.statements:
                existing.statements.append(st)
    return sorted(out.values(), key=lambda p: -p.total_ms)


def one_to_one_pairs(ctx: AnalysisContext) -> list[tuple[Table, Table, list[str]]]:
    """(child, parent, fk columns) where the FK columns are also the child's PK or a unique key."""
    pairs = []
    for t in ctx.tables:
        for fk in t.foreign_keys:
            parent = ctx.ref_table(fk)
            if parent is None or parent is t:
                continue
            keys = [k for k, ix, m in candidate_keys(t) if ix is None or ix.unique]
            if any(set(k) == set(fk.columns) and len(k) == len(fk.columns) for k in keys):
                pairs.append((t, parent, list(fk.columns)))
    return pairs
