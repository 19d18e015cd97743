"""Validation of a design: model checks, then the generated DDL executed on a real PostgreSQL.

The DDL runs in a throwaway database on the scratch server (the embedded PostgreSQL by default,
``$AISHELL_SCRATCH_URL`` otherwise), inside one transaction, so what the review calls valid has loaded.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from aishell.model import Schema


@dataclass
class Check:
    name: str
    ok: bool
    detail: str = ""


@dataclass
class Validation:
    checks: list[Check] = field(default_factory=list)
    loaded: bool | None = None  # None: not attempted
    server: str | None = None
    error: str | None = None
    seconds: float | None = None
    statements: int | None = None
    extensions_available: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks) and self.loaded is not False

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "loaded": self.loaded,
            "server": self.server,
            "error": self.error,
            "seconds": None if self.seconds is None else round(self.seconds, 3),
            "extensions_available": self.extensions_available,
            "checks": [
                {"name": c.name, "ok": c.ok, **({"detail": c.detail} if c.detail else {})}
                for c in self.checks
            ],
        }


def model_checks(schema: Schema) -> list[Check]:
    """Every table has a primary key; every foreign key leads an index; names are unique; no empty table."""
    checks: list[Check] = []
    base = [t for t in schema.tables if not t.partition_of]
    no_pk = [t.name for t in base if not t.primary_key]
    checks.append(Check("every table has a primary key", not no_pk, ", ".join(no_pk)))
    unindexed = []
    for t in base:
        for fk in t.foreign_keys:
            n = len(fk.columns)
            leads = t.primary_key[:n] == fk.columns or any(
                i.columns[:n] == fk.columns and not i.where and not any(i.expressions[:n]) for i in t.indexes
            )
            if not leads:
                unindexed.append(f"{t.name}({', '.join(fk.columns)})")
    checks.append(Check("every foreign key leads an index", not unindexed, ", ".join(unindexed)))
    names: dict[str, int] = {}
    for t in schema.tables:
        names[t.name] = names.get(t.name, 0) + 1
        for i in t.indexes:
            if not i.constraint:
                names[i.name] = names.get(i.name, 0) + 1
    for v in schema.views:
        names[v.name] = names.get(v.name, 0) + 1
    dup = sorted(n for n, k in names.items() if k > 1)
    checks.append(Check("relation names are unique", not dup, ", ".join(dup)))
    long = sorted(n for n in names if len(n.encode()) > 63)
    checks.append(Check("identifiers fit in 63 bytes", not long, ", ".join(long)))
    bad_fk = []
    table_names = {t.name for t in schema.tables}
    for t in base:
        for fk in t.foreign_keys:
            if fk.ref_table not in table_names:
                bad_fk.append(f"{t.name} → {fk.ref_table}")
    checks.append(Check("foreign keys reference existing tables", not bad_fk, ", ".join(bad_fk)))
    return checks


CHECK_DATABASE = "aishell_design_check"
_LAST_AVAILABLE: list[str] = []  # optional extensions the last validation server offers


OPTIONAL_EXTENSIONS = ("timescaledb", "pg_trgm", "pg_partman", "pg_cron")


def load_ddl(ddl: str, server: Any = None) -> tuple[bool, str | None, str, float]:
    """Run ``ddl`` in one transaction on a scratch database; (ok, first error, server version, seconds).

    On the embedded sandbox the DDL runs in a reused database (``aishell_design_check``) inside a
    transaction that is always rolled back: the same proof as a fresh database (PostgreSQL checks every
    statement) without the ~0.3 s CREATE DATABASE. On any other server (``$AISHELL_SCRATCH_URL``) a
    temporary database is created and dropped, so nothing is left behind there.
    """
    import contextlib

    from aishell.dialects.postgres.server import Sandbox, scratch_server

    server = server or scratch_server()
    start = time.perf_counter()
    if isinstance(server, Sandbox):
        conninfo = _check_database(server)
        ok, err, version = _run_rolled_back(conninfo, ddl)
        return ok, err, version, time.perf_counter() - start
    with contextlib.ExitStack() as stack:
        conninfo = stack.enter_context(server.temporary_database(prefix="aishell_design_"))
        ok, err, version = _run_rolled_back(conninfo, ddl)
    return ok, err, version, time.perf_counter() - start


def _check_database(server: Any) -> str:
    import psycopg

    from aishell.dialects.postgres.connect import connect

    with connect(server.conninfo(), autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (CHECK_DATABASE,)).fetchone() is None:
            try:
                conn.execute(f'CREATE DATABASE "{CHECK_DATABASE}" TEMPLATE template0')
            except psycopg.errors.DuplicateDatabase:  # created concurrently by another run
                pass
    return server.conninfo(CHECK_DATABASE)


def _run_rolled_back(conninfo: str, ddl: str) -> tuple[bool, str | None, str]:
    import psycopg

    from aishell.dialects.postgres.connect import connect

    with connect(conninfo) as conn:
        version = _version_text(conn.info.server_version)
        _LAST_AVAILABLE[:] = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM pg_available_extensions WHERE name = ANY(%s) ORDER BY 1",
                (list(OPTIONAL_EXTENSIONS),),
            ).fetchall()
        ]
        conn.rollback()
        try:
            with conn.transaction():
                conn.execute("SET LOCAL lock_timeout = '30s'")
                conn.execute(ddl)  # no parameters: simple query protocol, many statements at once
                raise psycopg.Rollback()
        except psycopg.Error as exc:
            msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            return False, msg, version
    return True, None, version


def _version_text(v: int) -> str:
    return f"PostgreSQL {v // 10000}.{v % 10000}" if v >= 100000 else f"PostgreSQL {v}"


def validate(
    schema: Schema, *, ddl: str | None = None, execute: bool = True, server: Any = None
) -> Validation:
    val = Validation(checks=model_checks(schema))
    if not execute:
        return val
    # A design's text (a language model's answer above all) is as hostile as a file: nothing whose
    # fields are not what they claim reaches the sandbox.
    from aishell.model.check import UnsafeModelError, check_schema

    try:
        check_schema(schema)
    except UnsafeModelError as exc:
        val.loaded, val.error = False, str(exc)
        val.checks.append(Check("model fields are what they claim", False, str(exc)))
        return val
    if ddl is None:
        from aishell.dialects.postgres.generate import generate

        ddl = generate(schema, header=False)
    ok, err, version, seconds = load_ddl(ddl, server)
    val.loaded, val.error, val.server, val.seconds = ok, err, version, seconds
    val.extensions_available = list(_LAST_AVAILABLE)
    val.checks.append(Check(f"DDL loads on {version}", ok, err or ""))
    return val
