"""Running a plan against a database: transactions where PostgreSQL allows them, timeouts always,
and on the first error a stop with an account of what was applied and what was not."""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from aishell.diff.plan import LONG_STATEMENT_TIMEOUT, Plan, Statement
from aishell.errors import AishellError


@dataclass
class ExecutionReport:
    applied: list[Statement] = field(default_factory=list)
    failed: Statement | None = None
    error: str | None = None
    rolled_back: list[Statement] = field(default_factory=list)
    not_applied: list[Statement] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.failed is None

    def to_dict(self) -> dict:
        return {
            "ok": self.ok,
            "applied_statements": [s.sql for s in self.applied],
            "failed": self.failed.sql if self.failed else None,
            "error": self.error,
            "rolled_back": [s.sql for s in self.rolled_back],
            "not_applied": [s.sql for s in self.not_applied],
            "seconds": round(self.seconds, 3),
        }


class MigrationFailed(AishellError):
    """A statement failed; ``report`` says what was applied, rolled back and never run."""

    def __init__(self, report: ExecutionReport):
        first = (report.error or "").strip().splitlines()[0] if report.error else "failed"
        super().__init__(
            f"migration stopped at statement {len(report.applied) + len(report.rolled_back) + 1}: {first} "
            f"({len(report.applied)} applied, {len(report.rolled_back)} rolled back, "
            f"{len(report.not_applied)} not run)"
        )
        self.report = report


def execute_plan(plan: Plan, conninfo: str, *, on_statement: Callable[[Statement], None] | None = None,
                 raise_on_error: bool = True) -> ExecutionReport:
    """Run ``plan`` on ``conninfo``. Statements that may share a transaction run in one (all or none);
    the others (CONCURRENTLY, ADD VALUE, VALIDATE) run alone in autocommit."""
    from aishell.dialects.postgres.connect import connect

    report = ExecutionReport()
    start = time.perf_counter()
    groups = plan.groups()
    with connect(conninfo, autocommit=True) as conn:
        conn.execute(f"SET lock_timeout = '{plan.lock_timeout}'")
        conn.execute(f"SET statement_timeout = '{plan.statement_timeout}'")
        conn.execute("SET check_function_bodies = false")
        for gi, (transactional, stmts) in enumerate(groups):
            done: list[Statement] = []
            try:
                if transactional:
                    with conn.transaction():
                        for s in stmts:
                            _run(conn, s, plan)
                            done.append(s)
                            if on_statement:
                                on_statement(s)
                else:
                    for s in stmts:
                        _run(conn, s, plan)
                        done.append(s)
                        if on_statement:
                            on_statement(s)
                report.applied.extend(done)
            except Exception as exc:  # noqa: BLE001 - every database error ends the run the same way
                failed = stmts[len(done)]
                report.failed = failed
                report.error = _pg_message(exc)
                if transactional:
                    report.rolled_back = done
                    report.not_applied = stmts[len(done) + 1:]
                else:
                    report.applied.extend(done)
                    report.not_applied = stmts[len(done) + 1:]
                for _, later in groups[gi + 1:]:
                    report.not_applied.extend(later)
                break
    report.seconds = time.perf_counter() - start
    if report.failed is not None and raise_on_error:
        raise MigrationFailed(report)
    return report


_CONCURRENT_INDEX = re.compile(
    r"^CREATE\s+(?:UNIQUE\s+)?INDEX\s+CONCURRENTLY\s+IF\s+NOT\s+EXISTS\s+(\S+)\s+ON\s+(?:ONLY\s+)?(\S+)", re.IGNORECASE)


def _drop_invalid_leftover(conn, s: Statement) -> None:
    """A failed CONCURRENTLY build leaves an INVALID index behind; IF NOT EXISTS would keep it."""
    m = _CONCURRENT_INDEX.match(s.sql)
    if not m:
        return
    table = m.group(2)
    schema = table.rsplit(".", 1)[0] if "." in table else "public"
    name = m.group(1).strip('"')
    row = conn.execute(
        "SELECT NOT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = %s AND n.nspname = %s",
        (name, schema.strip('"'))).fetchone()
    if row and row[0]:
        conn.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {schema}.{m.group(1)}")


def _run(conn, s: Statement, plan: Plan) -> None:
    if not s.transactional:
        _drop_invalid_leftover(conn, s)
    if s.long_running:
        conn.execute(f"SET statement_timeout = '{LONG_STATEMENT_TIMEOUT}'")
    try:
        conn.execute(s.sql)
    finally:
        if s.long_running and conn.info.transaction_status != 3:  # not INERROR
            with contextlib.suppress(Exception):  # a failed transaction resets it on ROLLBACK anyway
                conn.execute(f"SET statement_timeout = '{plan.statement_timeout}'")


def _pg_message(exc: Exception) -> str:
    diag = getattr(exc, "diag", None)
    msg = str(exc).strip()
    if diag is not None and getattr(diag, "message_primary", None):
        msg = diag.message_primary
        if diag.message_detail:
            msg += f" ({diag.message_detail})"
    return msg


def run_sql_file_text(conninfo: str, text: str) -> None:
    """Run a migration file's text as psql would (used for versioned up/down files)."""
    from aishell.dialects.postgres.connect import connect

    with connect(conninfo, autocommit=True) as conn:
        conn.execute(text)
