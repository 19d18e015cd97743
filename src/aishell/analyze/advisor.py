"""Index proposals from the workload: what each statement filters, joins and sorts on.

For every table a statement reads, the key is its equality columns (``=``, ``IN``), then one range
column (``<``, ``BETWEEN``) or else its sort column; ``IS NULL`` filters become a partial index's
WHERE; a SELECT naming at most three more columns of the table gets them as INCLUDE (covering, for
index-only scans); ``lower(col) = ...`` proposes an expression index; ``LIKE``/``ILIKE`` proposes a
trigram GIN index. A proposal an existing index already fits is dropped; so is one that only repeats
a missing foreign-key index (missing-fk-index reports those, with the same workload evidence).
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


def _fits(table: Table, eq: list[str], first: str) -> bool:
    if eq:
        return has_leading_index(table, eq)
    return has_leading_index(table, [first])


def _fk_without_index(table: Table, cols: list[str]) -> bool:
    return any(
        set(fk.columns) == set(cols) and not has_leading_index(table, fk.columns) for fk in table.foreign_keys
    )


def propose_indexes(ctx: AnalysisContext, wl: Workload) -> list[Proposal]:
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
                if _fits(table, eq, key[0]):
                    continue
                if _fk_without_index(table, key):
                    continue
                if where:
                    kind = "partial"
            include: list[str] = []
            if st.kind == "select" and not st.star and kind != "expression":
                extra = sorted(st.selected.get(tname, set()) - set(key))
                if 0 < len(extra) <= 3 and all(
                    base_type(table.column(c).type) not in ("text", "jsonb", "bytea")
                    for c in extra
                    if table.column(c)
                ):
                    include = extra
                    kind = "covering" if kind == "btree" else kind
            p = Proposal(tname, key, include, where, kind=kind)
            out.setdefault(p.key, p).statements.append(st)
    return sorted(out.values(), key=lambda p: -p.total_ms)


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
