"""EXPLAIN probes: the planner's cost of a workload statement, with and without a proposed index.

A normalised statement (``$1``, ``$2`` for its constants) is PREPAREd and EXPLAINed as a generic plan
(``plan_cache_mode = force_generic_plan``), so no parameter values are needed and nothing executes.
With hypopg installed the proposed index is created hypothetically (backend memory only, nothing
written) and the statement planned again: both costs are the planner's estimates. Without hypopg the
"after" cost is a labelled formula on the planner's own row estimate.
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass
from typing import Any

from aishell.analyze.probes.session import MARKER, ProbeFailed, ProbeSession

_names = itertools.count(1)


@dataclass
class PlanCheck:
    cost_before: float
    cost_after: float | None
    used: bool | None
    method: str  # hypopg | estimate
    scan_before: str | None = None
    note: str | None = None


def _enable(cur) -> None:
    cur.execute(f"{MARKER} SET LOCAL plan_cache_mode = force_generic_plan")
    for guc in ("enable_indexscan", "enable_indexonlyscan", "enable_bitmapscan", "enable_mergejoin"):
        cur.execute(f"{MARKER} SET LOCAL {guc} = on")


def _explain(cur, query: str, params: int) -> dict[str, Any]:
    name = f"aishell_p{next(_names)}"
    cur.execute(f"PREPARE {name} AS {query}")
    try:
        args = "(" + ", ".join(["NULL"] * params) + ")" if params else ""
        cur.execute(f"EXPLAIN (FORMAT JSON) EXECUTE {name}{args}")
        plan = cur.fetchone()[0]
    finally:
        cur.execute(f"DEALLOCATE {name}")
    if isinstance(plan, str):
        plan = json.loads(plan)
    return plan[0]["Plan"]


def _nodes(plan: dict[str, Any]):
    yield plan
    for p in plan.get("Plans", []) or []:
        yield from _nodes(p)


def plan_cost(session: ProbeSession, query: str, params: int) -> dict[str, Any]:
    with session.block() as cur:
        _enable(cur)
        return _explain(cur, query, params)


def check_index(
    session: ProbeSession,
    query: str,
    params: int,
    table: tuple[str, str],
    create_sql: str,
    hypopg: bool,
    reltuples: float | None,
    relpages: float | None = None,
    covering: bool = False,
) -> PlanCheck:
    """Cost of ``query`` before and after the index ``create_sql`` (a plain CREATE INDEX ... statement)."""
    schema, name = table
    with session.block() as cur:
        _enable(cur)
        before = _explain(cur, query, params)
        scan = next(
            (
                n
                for n in _nodes(before)
                if n.get("Relation Name") == name and "Scan" in n.get("Node Type", "")
            ),
            None,
        )
        scan_type = scan.get("Node Type") if scan else None
        if hypopg:
            cur.execute("SELECT indexname FROM hypopg_create_index(%s)", (create_sql,))
            hypo_name = cur.fetchone()[0]
            try:
                after = _explain(cur, query, params)
            finally:
                cur.execute("SELECT hypopg_reset()")
            used = any(n.get("Index Name") == hypo_name for n in _nodes(after))
            return PlanCheck(before["Total Cost"], after["Total Cost"], used, "hypopg", scan_type)
    # No hypopg: replace the table's sequential scan by an index scan that fetches the rows the
    # planner expects: the descent, per-tuple CPU, and one random heap page per row up to the table's
    # pages (none for a covering index, assuming an all-visible table), plus the leaf pages read.
    if scan is None or scan_type not in ("Seq Scan", "Parallel Seq Scan"):
        return PlanCheck(
            before["Total Cost"],
            None,
            None,
            "estimate",
            scan_type,
            "the planner does not read this table with a sequential scan",
        )
    rows = float(scan.get("Plan Rows") or 1)
    descent = math.log2(max(2.0, float(reltuples or 2))) * 0.0025 * 50
    heap_pages = 0.0 if covering else min(rows, float(relpages or rows))
    index_cost = descent + rows * (0.01 + 0.005) + heap_pages * 4.0 + math.ceil(rows * 24 / 8192)
    node_cost = float(scan["Total Cost"])
    after = max(0.0, before["Total Cost"] - node_cost + min(node_cost, index_cost))
    return PlanCheck(
        before["Total Cost"],
        after,
        None,
        "estimate",
        scan_type,
        "hypopg is not installed: the after-cost is a formula on the planner's row estimate",
    )


def hypopg_available(session: ProbeSession, extensions: dict[str, str]) -> bool:
    if "hypopg" not in extensions:
        return False
    try:
        session.query("SELECT hypopg_reset()")
        return True
    except ProbeFailed:
        return False
