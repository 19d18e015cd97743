"""Bloat estimated from the catalog and the planner's statistics, when pgstattuple is not installed.

The classic estimate (the ioguide / PostgreSQL Experts "table bloat" and "btree bloat" queries): how
many pages the live rows would need, from ``pg_class.reltuples`` and ``pg_stats`` (average width and
NULL fraction of each column), against the pages the relation has (``relpages``). The difference is
dead rows and free space, however the statistics counters look: it survives a statistics reset and a
file-level copy of the database, where ``n_dead_tup`` reads 0. It is an estimate (alignment of each
column, TOAST and b-tree deduplication are approximated), labelled so; pgstattuple measures instead.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from aishell.model import Index, Table

PAGE_HEADER = 24
ITEM_POINTER = 4
HEAP_TUPLE_HEADER = 23
INDEX_TUPLE_HEADER = 8
BTREE_SPECIAL = 16
MAXALIGN = 8


@dataclass
class Estimate:
    pages: int  # what the relation has
    expected_pages: int  # what its live rows would need
    block_size: int

    @property
    def wasted_bytes(self) -> int:
        return max(0, self.pages - self.expected_pages) * self.block_size

    @property
    def wasted_percent(self) -> float:
        return 100.0 * max(0, self.pages - self.expected_pages) / self.pages if self.pages else 0.0


def _align(n: float) -> float:
    return math.ceil(n / MAXALIGN) * MAXALIGN


def _fillfactor(options: list[str], default: int) -> int:
    for o in options:
        m = re.fullmatch(r"\s*fillfactor\s*=\s*(\d+)\s*", o, re.IGNORECASE)
        if m:
            return int(m.group(1))
    return default


def table_estimate(table: Table, st: dict, column_stats, block_size: int) -> Estimate | None:
    """Heap pages the live rows need against ``relpages``; None without statistics for every column."""
    pages, tuples = int(st.get("relpages") or 0), float(st.get("reltuples") or -1)
    if pages <= 0 or tuples < 0:
        return None
    width = 0.0
    nullable = False
    for col in table.columns:
        if col.generated and col.attrs.get("generated_kind") == "virtual":
            continue
        cs = column_stats(col.name)
        if not cs or cs.get("avg_width") is None:
            return None  # never analysed: no estimate
        frac = float(cs.get("null_frac") or 0)
        nullable |= frac > 0
        width += (1 - frac) * float(cs["avg_width"])
    header = _align(HEAP_TUPLE_HEADER + (math.ceil(len(table.columns) / 8) if nullable else 0))
    tuple_len = header + _align(width)
    usable = (block_size - PAGE_HEADER) * _fillfactor(table.options, 100) / 100
    per_page = max(1, math.floor(usable / (tuple_len + ITEM_POINTER)))
    return Estimate(pages, math.ceil(tuples / per_page), block_size)


def btree_estimate(table: Table, ix: Index, st: dict, column_stats, block_size: int) -> Estimate | None:
    """Leaf and meta pages a b-tree over the live rows needs (at its fillfactor) against ``relpages``;
    None for expression keys or columns without statistics."""
    pages, tuples = int(st.get("relpages") or 0), float(st.get("reltuples") or -1)
    if pages <= 1 or tuples < 0 or any(ix.expressions):
        return None
    width = 0.0
    for name in list(ix.columns) + list(ix.include):
        cs = column_stats(name)
        if not cs or cs.get("avg_width") is None:
            return None
        width += (1 - float(cs.get("null_frac") or 0)) * float(cs["avg_width"])
    tuple_len = _align(INDEX_TUPLE_HEADER + width)
    usable = (block_size - PAGE_HEADER - BTREE_SPECIAL) * _fillfactor(ix.options, 90) / 100
    per_page = max(1, math.floor(usable / (tuple_len + ITEM_POINTER)))
    leaves = math.ceil(tuples / per_page)
    # internal pages hold one downlink per child page; one meta page
    internal = 0
    level = leaves
    while level > 1:
        level = math.ceil(level / per_page)
        internal += level
    return Estimate(pages, leaves + internal + 1, block_size)
