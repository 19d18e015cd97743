"""A safe connection for analysis: read-only, time-limited, one transaction per probe.

* ``default_transaction_read_only`` is set for the session and every probe runs in its own
  ``BEGIN READ ONLY`` transaction: PostgreSQL itself refuses any write.
* ``SET LOCAL statement_timeout`` bounds every probe; ``lock_timeout`` keeps a probe from queueing
  behind DDL; a timed-out or forbidden probe raises :class:`ProbeFailed` and the rule that wanted it
  reports itself as skipped with the reason.
* Every statement carries the ``/* aishell-analyze */`` marker so workload analysis can leave our own
  probes out of pg_stat_statements.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Sequence
from typing import Any

MARKER = "/* aishell-analyze */"
# PostgreSQL 17+ drops leading comments from pg_stat_statements' text, so SELECT probes are also
# wrapped in a subquery with this alias, which survives normalisation.
PROBE_ALIAS = "aishell_probe"


def _wrap(sql: str) -> str:
    if sql.lstrip()[:6].upper() == "SELECT":
        return f"SELECT * FROM ({sql}) AS {PROBE_ALIAS}"
    return sql


class ProbeFailed(Exception):
    """A probe could not run: timeout, missing privilege, missing extension."""


class ProbeSession:
    def __init__(self, conninfo: str, *, timeout_ms: int = 5000, lock_timeout_ms: int = 1000):
        from aishell.dialects.postgres.connect import connect

        self.timeout_ms = timeout_ms
        self.conn = connect(conninfo, autocommit=True)
        self.conn.execute(f"{MARKER} SET default_transaction_read_only = on")
        self.conn.execute(f"{MARKER} SET lock_timeout = {int(lock_timeout_ms)}")
        self.conn.execute(f"{MARKER} SET idle_in_transaction_session_timeout = 60000")
        # Probes read rows through TABLESAMPLE (data.whole), which no scan counter sees. Index scans are
        # off as a second guard, and merge joins too: costing one makes the planner read the first and
        # last entries of the join key's index (get_actual_variable_range), which counts as idx_scan.
        # EXPLAIN of workload statements turns them back on locally.
        for guc in ("enable_indexscan", "enable_indexonlyscan", "enable_bitmapscan", "enable_mergejoin"):
            self.conn.execute(f"{MARKER} SET {guc} = off")
        self.conn.autocommit = False
        self.conn.read_only = True
        self.conn.prepare_threshold = None  # our own PREPARE names must not collide with the driver's
        self.server_version_num = int(self.conn.info.server_version)
        self.queries = 0
        self.elapsed = 0.0
        # Probes refused for lack of privilege on an object ("permission denied for table x"): the
        # analysis is then partial, and says so in its score (engine.analyze_schema).
        self.denied: list[str] = []

    def _denied(self, exc: Exception) -> ProbeFailed:
        first = str(exc).splitlines()[0] if str(exc) else "permission denied"
        if "permission denied for" in first:
            self.denied.append(first)
        return ProbeFailed(f"permission denied: {first}")

    @property
    def major(self) -> int:
        return self.server_version_num // 10000

    def close(self) -> None:
        try:
            self.conn.close()
        except Exception:  # pragma: no cover
            pass

    def query(
        self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None, *, timeout_ms: int | None = None
    ) -> list[tuple]:
        """Run one probe in its own READ ONLY transaction; rows, or ProbeFailed."""
        return self._fetch(sql, params, timeout_ms)[1]

    def query_dicts(self, sql: str, params: Any = None, *, timeout_ms: int | None = None) -> list[dict]:
        """As :meth:`query`, each row a dict keyed by column name."""
        names, rows = self._fetch(sql, params, timeout_ms)
        return [dict(zip(names, row)) for row in rows]

    def _fetch(self, sql: str, params: Any, timeout_ms: int | None) -> tuple[list[str], list[tuple]]:
        import psycopg

        t0 = time.perf_counter()
        try:
            with self.conn.transaction():
                with self.conn.cursor() as cur:
                    cur.execute(
                        f"{MARKER} SET LOCAL statement_timeout = {int(timeout_ms or self.timeout_ms)}"
                    )
                    cur.execute(f"{MARKER} {_wrap(sql)}", params)
                    if not cur.description:
                        return [], []
                    return [d.name for d in cur.description], cur.fetchall()
        except psycopg.errors.QueryCanceled:
            raise ProbeFailed(f"timed out after {timeout_ms or self.timeout_ms} ms") from None
        except psycopg.errors.InsufficientPrivilege as exc:
            raise self._denied(exc) from None
        except psycopg.Error as exc:
            raise ProbeFailed(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from None
        finally:
            self.queries += 1
            self.elapsed += time.perf_counter() - t0

    @contextlib.contextmanager
    def block(self, *, timeout_ms: int | None = None) -> Iterator[Any]:
        """Several statements in one READ ONLY transaction (a cursor), with the probe timeout."""
        import psycopg

        t0 = time.perf_counter()
        try:
            with self.conn.transaction():
                with self.conn.cursor() as cur:
                    cur.execute(
                        f"{MARKER} SET LOCAL statement_timeout = {int(timeout_ms or self.timeout_ms)}"
                    )
                    yield cur
        except psycopg.errors.QueryCanceled:
            raise ProbeFailed(f"timed out after {timeout_ms or self.timeout_ms} ms") from None
        except psycopg.errors.InsufficientPrivilege as exc:
            raise self._denied(exc) from None
        except psycopg.Error as exc:
            raise ProbeFailed(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from None
        finally:
            self.queries += 1
            self.elapsed += time.perf_counter() - t0

    def scalar(self, sql: str, params: Any = None, *, timeout_ms: int | None = None) -> Any:
        rows = self.query(sql, params, timeout_ms=timeout_ms)
        return rows[0][0] if rows else None
