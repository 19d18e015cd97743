"""Running a plan against a database: all or nothing where PostgreSQL allows it, timeouts always.

The plan runs in the stages of ``Plan.groups()`` (diff/schedule.py): the pre-checks and every
transactional statement in one transaction, so a failure there, or an interruption, changes nothing;
then the online statements (``CREATE INDEX CONCURRENTLY`` and the like), each alone; then, if any, the
statements that need them in one more transaction. At the first error it stops with an account of what
was committed, what was rolled back and what never ran. An INVALID index is never left behind silently:
one left by an earlier build is dropped before building again, one left by a failed build is dropped
and reported, and a build that ends with its index INVALID counts as failed.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from aishell.diff.plan import LONG_STATEMENT_TIMEOUT, Plan, Statement
from aishell.diff.schedule import IDENT, QNAME
from aishell.errors import AishellError
from aishell.testpoints import pause


@dataclass
class ExecutionReport:
    applied: list[Statement] = field(default_factory=list)
    failed: Statement | None = None
    error: str | None = None
    rolled_back: list[Statement] = field(default_factory=list)
    not_applied: list[Statement] = field(default_factory=list)
    seconds: float = 0.0
    # INVALID indexes dropped: "name (why)"
    dropped_invalid: list[str] = field(default_factory=list)
    total: int = 0

    @property
    def ok(self) -> bool:
        return self.failed is None

    @property
    def changed_nothing(self) -> bool:
        return not self.applied

    def to_dict(self) -> dict:
        return {
            "ok": self.ok,
            "changed_nothing": self.changed_nothing,
            "applied_statements": [s.sql for s in self.applied],
            "failed": self.failed.sql if self.failed else None,
            "error": self.error,
            "rolled_back": [s.sql for s in self.rolled_back],
            "not_applied": [s.sql for s in self.not_applied],
            "dropped_invalid_indexes": self.dropped_invalid,
            "seconds": round(self.seconds, 3),
        }


class MigrationFailed(AishellError):
    """A statement failed; ``report`` says what was applied, rolled back and never run."""

    def __init__(self, report: ExecutionReport):
        first = (report.error or "").strip().splitlines()[0] if report.error else "failed"
        at = len(report.applied) + len(report.rolled_back) + 1
        if report.changed_nothing and "nothing was changed" in first:  # the pre-checks said it
            msg = first
        elif report.changed_nothing:
            msg = (
                f"migration failed at statement {at} of {report.total}: {first}; nothing was changed "
                f"(its transaction was rolled back)"
            )
        else:
            msg = (
                f"migration stopped at statement {at} of {report.total}: {first} ({len(report.applied)} applied "
                f"and committed, {len(report.rolled_back)} rolled back, {len(report.not_applied)} not run; "
                "fix the cause and run it again to continue)"
            )
        if report.dropped_invalid:
            msg += f"; dropped INVALID index {', '.join(report.dropped_invalid)}"
        super().__init__(msg)
        self.report = report


def execute_plan(
    plan: Plan,
    conninfo: str,
    *,
    on_statement: Callable[[Statement], None] | None = None,
    raise_on_error: bool = True,
) -> ExecutionReport:
    """Run ``plan`` on ``conninfo`` in its stages (see the module docstring)."""
    from aishell.dialects.postgres.connect import connect

    report = ExecutionReport(total=len(plan.statements))
    start = time.perf_counter()
    groups = plan.groups()
    report.total = sum(len(g[1]) for g in groups)
    transactions = 0
    with connect(conninfo, autocommit=True) as conn:
        conn.execute(
            "SELECT set_config('lock_timeout', %s, false), set_config('statement_timeout', %s, false)",
            (plan.lock_timeout, plan.statement_timeout),
        )
        conn.execute("SET check_function_bodies = false")
        watch_client(conn)
        for gi, (transactional, stmts) in enumerate(groups):
            done: list[Statement] = []
            try:
                if transactional:
                    transactions += 1
                    with conn.transaction():
                        for s in stmts:
                            _run(conn, s, plan)
                            done.append(s)
                            if s.description.startswith("pre-checks:"):
                                pause("precheck")
                        pause("transaction" if transactions == 1 else f"transaction-{transactions}")
                    for s in done:
                        if on_statement:
                            on_statement(s)
                else:
                    for s in stmts:
                        pause("online")
                        _run_online(conn, s, plan, report)
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
                else:
                    report.applied.extend(done)
                    _after_failed_build(conn, failed, report)
                report.not_applied = stmts[len(done) + 1 :]
                for _, later in groups[gi + 1 :]:
                    report.not_applied.extend(later)
                break
    report.seconds = time.perf_counter() - start
    if report.failed is not None and raise_on_error:
        raise MigrationFailed(report)
    return report


_INDEX_BUILD = re.compile(
    rf"^CREATE\s+(?:UNIQUE\s+)?INDEX\s+CONCURRENTLY\s+(?:IF\s+NOT\s+EXISTS\s+)?(?P<n>{IDENT})\s+"
    rf"ON\s+(?:ONLY\s+)?(?P<t>{QNAME})",
    re.IGNORECASE,
)


def _unquote(part: str) -> str:
    part = part.strip()
    return part[1:-1].replace('""', '"') if part.startswith('"') else part


def built_index(sql: str) -> tuple[str, str] | None:
    """(schema, index name) of a ``CREATE INDEX CONCURRENTLY`` statement."""
    m = _INDEX_BUILD.match(sql.strip())
    if not m:
        return None
    parts = re.findall(IDENT, m["t"])
    schema = _unquote(parts[0]) if len(parts) > 1 else "public"
    return schema, _unquote(m["n"])


def index_valid(conn, schema: str, name: str) -> bool | None:
    """True/False for the index ``schema.name``; None when there is none."""
    row = conn.execute(
        "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = %s AND n.nspname = %s",
        (name, schema),
    ).fetchone()
    return None if row is None else bool(row[0])


def drop_invalid_index(conn, schema: str, name: str, *, concurrently: bool = True) -> bool:
    """Drop ``schema.name`` if it is an INVALID index; True when it did."""
    from aishell.dialects.postgres.quote import qualify

    if index_valid(conn, schema, name) is not False:
        return False
    conn.execute(f"DROP INDEX {'CONCURRENTLY ' if concurrently else ''}IF EXISTS {qualify(schema, name)}")
    return True


def _run_online(conn, s: Statement, plan: Plan, report: ExecutionReport) -> None:
    target = built_index(s.sql)
    if target and drop_invalid_index(conn, *target):
        # IF NOT EXISTS would keep the INVALID leftover of an earlier build and call it done.
        report.dropped_invalid.append(f"{target[1]} (left INVALID by an earlier build; built again)")
    try:
        _run(conn, s, plan)
    except KeyboardInterrupt:
        if target:  # psycopg cancelled the build: do not leave its INVALID index behind, if it goes quickly
            with contextlib.suppress(Exception):
                conn.execute("SET lock_timeout = '2s'")
                if drop_invalid_index(conn, *target, concurrently=False):
                    report.dropped_invalid.append(f"{target[1]} (left INVALID by the interrupted build)")
        raise
    if target and index_valid(conn, *target) is False:
        raise _BuildLeftInvalid(f"index {target[1]} was built but is INVALID")


class _BuildLeftInvalid(Exception):
    pass


def _after_failed_build(conn, s: Statement, report: ExecutionReport) -> None:
    target = built_index(s.sql)
    if not target:
        return
    with contextlib.suppress(Exception):  # reported as left behind when even this fails
        if drop_invalid_index(conn, *target):
            report.dropped_invalid.append(f"{target[1]} (left INVALID by the failed build)")


# PostgreSQL 14+ checks, while a statement runs, that the client is still there: a killed aishell then
# has its statement (a long CREATE INDEX CONCURRENTLY, say) cancelled at once, instead of running on
# unseen while the next run starts.
WATCH_CLIENT = (
    "SELECT set_config('client_connection_check_interval', '2s', false) "
    "WHERE current_setting('server_version_num')::int >= 140000"
)


def watch_client(conn) -> None:
    conn.execute(WATCH_CLIENT)


def _run(conn, s: Statement, plan: Plan) -> None:
    if s.long_running:
        conn.execute("SELECT set_config('statement_timeout', %s, false)", (LONG_STATEMENT_TIMEOUT,))
    try:
        conn.execute(s.sql)
    finally:
        if s.long_running and conn.info.transaction_status != 3:  # not INERROR
            with contextlib.suppress(Exception):  # a failed transaction resets it on ROLLBACK anyway
                conn.execute("SELECT set_config('statement_timeout', %s, false)", (plan.statement_timeout,))


def _pg_message(exc: BaseException) -> str:
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
