"""Running steps: one transaction first, then the online statements; timeouts; undo on failure.

Every statement runs under ``SET lock_timeout`` and ``statement_timeout``. The steps run in two phases:

1. **one transaction**: each step's statements up to its first *online* one (``CREATE INDEX
   CONCURRENTLY``, ``VALIDATE CONSTRAINT``, ``VACUUM``, ...) run under a savepoint of their own; a step
   that fails there is rolled back to its savepoint (and reported), the others go on; an interruption
   (Ctrl-C, a killed process) before the commit changes nothing at all;
2. **online**, after the commit, in step order: each step's remaining statements, alone. When one
   fails, the statements of that step that already ran (in phase 1 too) are undone (DROP the
   constraint or index it added, DROP NOT NULL), so a step applies fully or leaves nothing behind.

A failed CREATE INDEX CONCURRENTLY leaves an INVALID index: it is dropped (one left by an earlier run
is dropped before building again). Rows that violate a new constraint make the step *skipped*, with
their exact count, not *failed*.

This differs from ``aishell.migrate.execute`` on purpose: a migration stops at its first error, while
fixes are independent of each other and one bad row set must not hold back the others.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aishell.dialects.postgres.quote import qualify
from aishell.fix.classify import Statement
from aishell.fix.plan import Step

VIOLATION_STATES = {"23514", "23505", "23502", "23503"}  # check, unique, not null, foreign key
LOCK_TIMEOUT_STATE = "55P03"
CANCELED_STATE = "57014"


@dataclass
class StepResult:
    step: int
    status: str  # applied | skipped | failed
    seconds: float = 0.0
    reason: str | None = None
    violating_rows: int | None = None
    statements: list[dict[str, Any]] = field(default_factory=list)
    undone: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"step": self.step, "status": self.status, "seconds": round(self.seconds, 3),
                             "reason": self.reason, "statements": self.statements}
        if self.violating_rows is not None:
            d["violating_rows"] = self.violating_rows
        if self.undone:
            d["undone"] = self.undone
        return d


def pg_error(exc: Exception) -> tuple[str | None, str]:
    diag = getattr(exc, "diag", None)
    state = getattr(exc, "sqlstate", None)
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if diag is not None and getattr(diag, "message_primary", None):
        msg = diag.message_primary
        if diag.message_detail:
            msg += f" ({diag.message_detail})"
    return state, msg


def apply_steps(conninfo: str, steps: list[Step], *, lock_timeout: str, statement_timeout: str,
                skip: dict[int, tuple[str, int | None]] | None = None,
                on_step: Callable[[Step, StepResult, int, int], None] | None = None,
                test_points: bool = False) -> dict[int, StepResult]:
    """Run ``steps`` in order on ``conninfo``; ``skip`` maps step numbers to (reason, violating rows).
    ``test_points``: stop where a kill test asks (the real run, not the rehearsal)."""
    from aishell import testpoints
    from aishell.dialects.postgres.connect import connect

    def pause(point: str) -> None:
        if test_points:
            testpoints.pause(point)

    skip = skip or {}
    results: dict[int, StepResult] = {}
    total = len(steps)
    order = {s.number: i for i, s in enumerate(steps, 1)}
    later: list[tuple[Step, StepResult, list[Statement], float]] = []  # steps with online statements left

    def finish(step: Step, res: StepResult) -> None:
        results[step.number] = res
        if on_step:
            on_step(step, res, order[step.number], total)

    with connect(conninfo, autocommit=True) as conn:
        conn.execute("SELECT set_config('lock_timeout', %s, false), set_config('statement_timeout', %s, false)",
                     (lock_timeout, statement_timeout))
        from aishell.migrate.execute import watch_client

        watch_client(conn)
        reported: list[tuple[Step, StepResult]] = []
        with conn.transaction():
            for step in steps:
                if step.number in skip:
                    reason, count = skip[step.number]
                    reported.append((step, StepResult(step.number, "skipped", reason=reason, violating_rows=count)))
                    continue
                first, rest = _split(step)
                if not first:
                    later.append((step, StepResult(step.number, "applied"), [], 0.0))
                    continue
                covered = _covered(step, {s.number: r for s, r in reported})
                if covered is not None:
                    reported.append((step, covered))
                    continue
                t0 = time.perf_counter()
                res = StepResult(step.number, "applied")
                done: list[Statement] = []
                try:
                    with conn.transaction():  # a savepoint: a failing step leaves the others alone
                        for s in first:
                            _one(conn, s, res)
                            done.append(s)
                except Exception as exc:  # noqa: BLE001 - rolled back to the savepoint: nothing of it remains
                    _failed(conn, step, exc, first[len(done)], [], res, lock_timeout)
                    res.seconds = time.perf_counter() - t0
                    reported.append((step, res))
                    continue
                if rest:
                    later.append((step, res, done, time.perf_counter() - t0))
                else:
                    res.seconds = time.perf_counter() - t0
                    reported.append((step, res))
            pause("transaction")
        for step, res in reported:
            finish(step, res)
        for step, res, done, spent in later:
            covered = _covered(step, results)
            if covered is not None and not done:
                finish(step, covered)
                continue
            pause("online")
            finish(step, _run_online(conn, step, res, done, spent, lock_timeout))
    return {s.number: results[s.number] for s in steps if s.number in results}


def _is_online(s: Statement) -> bool:
    return not s.transactional or s.kind == "validate"


def _split(step: Step) -> tuple[list[Statement], list[Statement]]:
    """The statements of ``step`` that run in the transaction, and the online ones after."""
    if step.atomic:
        return list(step.statements), []
    for i, s in enumerate(step.statements):
        if _is_online(s):
            return step.statements[:i], step.statements[i:]
    return list(step.statements), []


def _covered(step: Step, results: dict[int, StepResult]) -> StepResult | None:
    if step.covered_by and results.get(step.covered_by) and results[step.covered_by].status == "applied":
        return StepResult(step.number, "skipped", reason=f"covered by the key added in step {step.covered_by}, "
                                                         f"which leads with ({', '.join(step.columns)})")
    return None


def _run_online(conn: Any, step: Step, res: StepResult, done: list[Statement], spent: float,
                lock_timeout: str) -> StepResult:
    t0 = time.perf_counter()
    _, rest = _split(step)
    k = 0
    try:
        for k, s in enumerate(rest):
            _one(conn, s, res)
            done.append(s)
    except Exception as exc:  # noqa: BLE001 - _failed re-raises what is not a database error
        _failed(conn, step, exc, rest[k], done, res, lock_timeout)
    res.seconds = spent + time.perf_counter() - t0
    return res


def _failed(conn: Any, step: Step, exc: Exception, failed: Statement, done: list[Statement], res: StepResult,
            lock_timeout: str) -> None:
    """Account for ``failed``, a statement of ``step``; ``done`` are its statements already committed,
    undone here."""
    import psycopg

    if not isinstance(exc, psycopg.Error):
        raise exc
    state, msg = pg_error(exc)
    if failed.kind == "create-index" and not failed.transactional:
        _drop_invalid(conn, failed, res)
    if failed.kind == "reindex" and not failed.transactional:
        _drop_reindex_leftovers(conn, failed, res)
    if not step.atomic:
        _undo(conn, done, res)
    if state in VIOLATION_STATES:
        from aishell.fix.checks import violations

        found = None
        with contextlib.suppress(Exception):  # the count is a courtesy; the error says enough
            found = violations(conn, step)
        res.status = "skipped"
        res.violating_rows = found[0] if found else None
        res.reason = f"{found[0]:,} {found[1]}" if found else f"existing rows violate it: {msg}"
    elif state == LOCK_TIMEOUT_STATE:
        res.status = "failed"
        res.reason = (f"lock_timeout ({lock_timeout}) reached waiting for a lock on {step.table}: another "
                      "session holds it; nothing of this step remains, run fix again later")
    elif state == CANCELED_STATE:
        res.status = "failed"
        res.reason = f"statement_timeout reached: {msg}; nothing of this step remains"
    else:
        res.status = "failed"
        res.reason = msg


def _one(conn: Any, s: Statement, res: StepResult) -> None:
    if s.kind == "create-index" and not s.transactional:
        _drop_invalid(conn, s, res, before=True)
    if s.kind == "reindex" and not s.transactional:
        _drop_reindex_leftovers(conn, s, res, before=True)
    recreate = None
    if s.kind == "drop-index" and s.name:  # keep the definition: the report says how to get it back
        row = conn.execute("SELECT pg_get_indexdef(to_regclass(%s))", (s.name,)).fetchone()
        recreate = row[0] if row else None
    t = time.perf_counter()
    conn.execute(s.sql)
    entry: dict[str, Any] = {"sql": s.sql, "seconds": round(time.perf_counter() - t, 4)}
    if recreate:
        entry["recreate"] = recreate + ";"
    res.statements.append(entry)


def _drop_invalid(conn: Any, s: Statement, res: StepResult, *, before: bool = False) -> None:
    """Drop an INVALID index of this name: left by a failed CONCURRENTLY build (now, or an earlier run)."""
    if not s.name:
        return
    row = conn.execute(
        "SELECT NOT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = %s AND n.nspname = %s",
        (s.name, s.schema or "public")).fetchone()
    if row and row[0]:
        sql = f"DROP INDEX CONCURRENTLY IF EXISTS {qualify(s.schema, s.name)};"
        conn.execute(sql)
        res.undone.append(sql + (" (an INVALID leftover of an earlier build)" if before else
                                 " (the INVALID index the failed build left)"))


def _drop_reindex_leftovers(conn: Any, s: Statement, res: StepResult, *, before: bool = False) -> None:
    """REINDEX CONCURRENTLY builds ``<name>_ccnew`` beside the index; a failed or interrupted one leaves
    it INVALID (and a rerun would add ``_ccnew1``)."""
    if not s.name:
        return
    rows = conn.execute(
        "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n "
        "ON n.oid = c.relnamespace WHERE NOT i.indisvalid AND n.nspname = %s AND c.relname ~ %s",
        (s.schema or "public", "^" + re.escape(s.name) + "_ccnew[0-9]*$")).fetchall()
    for (name,) in rows:
        sql = f"DROP INDEX CONCURRENTLY IF EXISTS {qualify(s.schema, name)};"
        conn.execute(sql)
        res.undone.append(sql + (" (an INVALID leftover of an earlier rebuild)" if before else
                                 " (the INVALID copy the failed rebuild left)"))


def _undo(conn: Any, done: list[Statement], res: StepResult) -> None:
    for s in reversed(done):
        if not s.inverse:
            continue
        try:
            conn.execute(s.inverse)
            res.undone.append(s.inverse)
        except Exception as exc:  # noqa: BLE001 - report it, keep undoing the rest
            res.undone.append(f"{s.inverse} -- failed: {pg_error(exc)[1]}")
