"""Running a migration file in recorded steps, so that an interrupted run resumes where it stopped.

A file (``V1.2.0__x.up.sql``, plain SQL for psql) is cut into *steps*: each ``BEGIN ... COMMIT`` block
is one step, and so is each statement outside a block. ``SET`` statements outside blocks are session
settings, run whenever they are met (also in the part of a file a resumed run skips). A step that may
run in a transaction runs in one together with its record in the history table, so the change and its
record commit together or not at all; a statement that cannot (``CREATE INDEX CONCURRENTLY``, ``VACUUM``)
runs alone and is recorded right after. Such statements are written to be run again (``IF NOT
EXISTS``; an INVALID index left by an interrupted build is dropped before building again), so a run
killed between the statement and its record repeats it harmlessly. A build that leaves its index
INVALID fails the step (the index is dropped) and is never recorded as done.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from aishell.errors import AishellError
from aishell.testpoints import pause

_NO_TRANSACTION = re.compile(
    r"^\s*(?:CREATE\s+(?:UNIQUE\s+)?INDEX\s+CONCURRENTLY|DROP\s+INDEX\s+CONCURRENTLY|REINDEX\b.*\bCONCURRENTLY|"
    r"REFRESH\s+MATERIALIZED\s+VIEW\s+CONCURRENTLY|ALTER\s+TABLE\b.*\bDETACH\s+PARTITION\b.*\bCONCURRENTLY|"
    r"VACUUM\b|CREATE\s+DATABASE|DROP\s+DATABASE|ALTER\s+SYSTEM|CREATE\s+TABLESPACE|DROP\s+TABLESPACE|"
    r"REINDEX\s+(?:SYSTEM|DATABASE)\b|CLUSTER\s*;?\s*$)",
    re.IGNORECASE | re.DOTALL,
)


def can_run_in_transaction(sql: str) -> bool:
    return not _NO_TRANSACTION.match(_strip_comments(sql))


def _strip_comments(sql: str) -> str:
    return re.sub(r"^\s*(--[^\n]*\n\s*)*", "", sql)


def _head(sql: str) -> str:
    s = _strip_comments(sql).strip()
    return s.split(None, 1)[0].upper().rstrip(";") if s else ""


@dataclass
class Step:
    statements: list[str] = field(default_factory=list)
    transactional: bool = True

    @property
    def first_line(self) -> str:
        for s in self.statements:
            line = _strip_comments(s).strip().splitlines()
            if line and _head(s) != "SET":
                return line[0]
        return _strip_comments(self.statements[0]).strip().splitlines()[0] if self.statements else ""


def split_statements(text: str) -> list[str]:
    from pglast import split

    return [s for s in split(text, with_parser=False) if s.strip()]


def file_items(text: str) -> list[tuple[str, str | Step]]:
    """The file as ``("set", sql)`` session settings and ``("step", Step)`` items, in order."""
    items: list[tuple[str, str | Step]] = []
    block: Step | None = None
    for s in split_statements(text):
        head = _head(s)
        if head in ("BEGIN", "START"):
            block = Step()
        elif head in ("COMMIT", "END"):
            if block is not None and block.statements:
                items.append(("step", block))
            block = None
        elif head == "ROLLBACK":
            block = None  # a block the file itself discards
        elif block is not None:
            block.statements.append(s)
        elif head in ("SET", "RESET"):
            items.append(("set", s))
        else:
            items.append(("step", Step([s], can_run_in_transaction(s))))
    if block is not None and block.statements:  # no COMMIT at the end: psql would leave it open; we commit it
        items.append(("step", block))
    return items


def steps_of(text: str) -> list[Step]:
    return [x for kind, x in file_items(text) if kind == "step"]  # type: ignore[misc]


class StepFailed(AishellError):
    def __init__(
        self,
        what: str,
        path: Path,
        step: int,
        total: int,
        statement: str,
        error: str,
        *,
        resumable: bool,
        dropped_invalid: str | None = None,
    ):
        done = step - 1
        tail = (
            f"steps 1-{done} are applied and recorded; fix the cause and run it again to resume at step {step}"
            if done
            else "nothing was changed"
        )
        _ = resumable
        extra = f"; dropped INVALID index {dropped_invalid}" if dropped_invalid else ""
        super().__init__(
            f"{what} stopped at step {step} of {total} of {path.name}: {error} "
            f"(statement: {statement[:120]}){extra}; {tail}"
        )


RecordFn = Callable[[object, int, float], None]


def run_steps(
    conninfo: str,
    path: Path,
    *,
    what: str,
    start_after: int,
    record: RecordFn,
    on_statement: Callable[[str], None] | None = None,
) -> tuple[int, float]:
    """Run the steps of ``path`` after the first ``start_after`` ones; ``record(conn, steps_done, seconds)``
    writes the history (inside the step's transaction when it has one). Returns (steps run, seconds)."""
    from aishell.dialects.postgres.connect import connect
    from aishell.migrate.execute import (
        _pg_message,
        built_index,
        drop_invalid_index,
        index_valid,
        watch_client,
    )

    items = file_items(path.read_text(encoding="utf-8"))
    total = sum(1 for kind, _ in items if kind == "step")
    start = time.perf_counter()
    n = 0
    ran = 0
    with connect(conninfo, autocommit=True) as conn:
        watch_client(conn)
        for kind, item in items:
            if kind == "set":
                conn.execute(item)  # type: ignore[arg-type]
                continue
            n += 1
            if n <= start_after:
                continue
            step: Step = item  # type: ignore[assignment]
            t0 = time.perf_counter()
            current = step.statements[0]
            dropped = None
            try:
                if step.transactional:
                    with conn.transaction():
                        for s in step.statements:
                            current = s
                            conn.execute(s)
                            if on_statement:
                                on_statement(s)
                            if _strip_comments(s).lstrip().startswith("DO $aishell") and "pre-check" in s:
                                pause("precheck")
                        current = "(history record)"
                        record(conn, n, time.perf_counter() - t0)
                        pause("transaction")
                else:
                    pause("online")
                    target = built_index(_strip_comments(current))
                    if target:
                        drop_invalid_index(conn, *target)  # IF NOT EXISTS would keep an earlier INVALID one
                    conn.execute(current)
                    if target and index_valid(conn, *target) is False:
                        raise RuntimeError(f"index {target[1]} was built but is INVALID")
                    if on_statement:
                        on_statement(current)
                    pause("history")
                    with conn.transaction():
                        record(conn, n, time.perf_counter() - t0)
            except Exception as exc:  # noqa: BLE001 - any database error stops the file the same way
                if not step.transactional:
                    target = built_index(_strip_comments(current))
                    with contextlib.suppress(Exception):  # if even this fails, the next run drops it
                        if target and drop_invalid_index(conn, *target):
                            dropped = target[1]
                msg = _pg_message(exc) if hasattr(exc, "diag") else str(exc)
                raise StepFailed(
                    what,
                    path,
                    n,
                    total,
                    _strip_comments(current).strip().splitlines()[0] if current.strip() else current,
                    msg,
                    resumable=step.transactional,
                    dropped_invalid=dropped,
                ) from None
            ran += 1
    return ran, time.perf_counter() - start
