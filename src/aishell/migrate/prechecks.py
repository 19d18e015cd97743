"""Counting a plan's pre-checks on the live database, read-only, before anything is shown or run.

Each ``DataCheck`` of the plan (diff/checks.py) is counted in one READ ONLY transaction under the
plan's statement timeout; a count that cannot run (it reads a column the plan adds) or times out is
reported as not counted, never as zero.
"""

from __future__ import annotations

from dataclasses import dataclass

from aishell.diff.checks import DataCheck
from aishell.diff.plan import Plan, Statement
from aishell.errors import AishellError


@dataclass
class CheckCount:
    statement: Statement
    check: DataCheck
    count: int | None
    error: str | None = None

    @property
    def fails(self) -> bool:
        return self.check.blocking and bool(self.count)

    def text(self) -> str:
        if self.count is None:
            return f"not counted ({self.check.what}): {self.error}"
        return self.check.message(self.count)

    def to_dict(self) -> dict:
        return {
            "statement": self.statement.sql,
            "kind": self.check.kind,
            "what": self.check.what,
            "count": self.count,
            "blocking": self.check.blocking,
            "error": self.error,
        }


class PrecheckFailed(AishellError):
    """Existing rows would make the plan fail or lose data: nothing was run."""


def count_checks(plan: Plan, conninfo: str) -> list[CheckCount]:
    import psycopg

    from aishell.dialects.postgres.connect import connect
    from aishell.migrate.execute import _pg_message

    todo = plan.checks()
    if not todo:
        return []
    out: list[CheckCount] = []
    with connect(conninfo) as conn:
        conn.read_only = True
        conn.execute("SELECT set_config('statement_timeout', %s, true)", (plan.statement_timeout,))
        for s, c in todo:
            try:
                with conn.transaction():
                    n = conn.execute(f"SELECT {c.count_sql}").fetchone()[0]
                out.append(CheckCount(s, c, int(n or 0)))
            except psycopg.Error as exc:
                out.append(CheckCount(s, c, None, _pg_message(exc)))
        conn.rollback()
    return out


def failing(counts: list[CheckCount]) -> list[CheckCount]:
    return [c for c in counts if c.fails]


def raise_if_failing(counts: list[CheckCount]) -> None:
    bad = failing(counts)
    if bad:
        raise PrecheckFailed(
            "pre-checks found existing rows the migration cannot take, nothing was changed: "
            + "; ".join(c.text() for c in bad),
            hint="clean the data (or change the desired schema) and run it again",
        )
