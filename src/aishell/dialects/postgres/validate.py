"""Validate a schema model by building it: generate DDL, load it into a throwaway database on the
scratch server, inspect it back and check what came out (``aishell schema validate``)."""

from __future__ import annotations

import contextlib
import re
import time
from typing import Any

from aishell.errors import SourceError, UserError
from aishell.model import Schema


def validate_schema(schema: Schema, *, server: Any = None) -> dict[str, Any]:
    """Build ``schema`` on ``server`` (default: the scratch server) and report on it.

    Raises UserError with the failing line and PostgreSQL's message when the DDL does not load.
    The report: ``loaded``, ``load_seconds``, ``statements``, ``server_version``, ``counts`` (of what the
    database holds afterwards), ``checks`` (primary keys, foreign-key indexes, inspect → generate
    stability), and ``ok`` (every check passed).
    """
    from aishell.dialects.postgres.generate import counts, generate, referenced_roles
    from aishell.dialects.postgres.inspect import inspect
    from aishell.dialects.postgres.server import scratch_server

    server = server or scratch_server()
    ddl = generate(schema, header=False)
    placeholders = ensure_roles(server, referenced_roles(schema))
    with server.temporary_database(prefix="aishell_validate_") as db:
        start = time.perf_counter()
        load_ddl(db, ddl)
        load_seconds = time.perf_counter() - start
        built = inspect(db, include_stats=False)
    again = generate(built, header=False)
    with server.temporary_database(prefix="aishell_validate_") as db2:
        load_ddl(db2, again, what="regenerated DDL")
        stable = generate(inspect(db2, include_stats=False), header=False) == again

    checks = [primary_key_check(built), foreign_key_index_check(built),
              {"name": "stable", "ok": stable,
               "title": "inspect → generate is stable" if stable else "inspect → generate is NOT stable",
               "details": []}]
    return {
        "loaded": True,
        "load_seconds": round(load_seconds, 4),
        "statements": statement_count(ddl),
        "server_version": built.server_version,
        "counts": counts(built),
        "checks": checks,
        "ok": all(c["ok"] for c in checks),
        "placeholder_roles": placeholders,
    }


def ensure_roles(server: Any, roles: list[str]) -> list[str]:
    """Create the roles the DDL names that the scratch server lacks (NOLOGIN placeholders: roles are
    server-wide, and a schema read from elsewhere grants to roles of its own server). Returns those
    created."""
    if not roles:
        return []
    from aishell.dialects.postgres.connect import connect
    from aishell.dialects.postgres.quote import quote_ident

    created = []
    with connect(server.conninfo(), autocommit=True) as conn:
        existing = {r[0] for r in conn.execute("SELECT rolname FROM pg_catalog.pg_roles").fetchall()}
        for role in roles:
            if role in existing:
                continue
            # Another session may create it meanwhile, or we may not be allowed: the load then says so.
            with contextlib.suppress(Exception):
                conn.execute(f"CREATE ROLE {quote_ident(role)} NOLOGIN")
                created.append(role)
    return created


def load_ddl(conninfo: str, ddl: str, psql: Any = None, *, what: str = "generated DDL") -> None:
    """Load DDL generated from a model (user text: checked and run unprivileged, as a .sql SOURCE); on
    failure one line: where, the statement, PostgreSQL's message. ``psql`` is ignored."""
    from aishell.sources import load_generated_into

    try:
        load_generated_into(conninfo, ddl, label=what)
    except SourceError as exc:
        if re.match(rf"^{re.escape(what)}:\d+: ", exc.message):  # refused by the check
            raise
        message = exc.message
        m = re.match(rf"^{re.escape(what)}: line (\d+): (.*)$", message, re.DOTALL)
        if not m:
            raise UserError(f"{what} failed to load: {message.split(': ', 1)[-1]}") from None
        line = int(m.group(1))
        statement = _statement_start(ddl, line)
        where = f"line {statement[0]}" if statement else f"line {line}"
        text = f" ({statement[1]})" if statement else ""
        raise UserError(f"{what} failed to load at {where}{text}: {m.group(2)}") from None


def _statement_start(ddl: str, line: int) -> tuple[int, str] | None:
    """The first line (number, text) of the statement psql reported at ``line``."""
    lines = ddl.split("\n")
    if not 1 <= line <= len(lines):
        return None
    i = line - 1
    while i > 0:
        prev = lines[i - 1].strip()
        if not prev or prev.endswith(";") or prev.startswith("--"):
            break
        i -= 1
    text = " ".join(lines[i].split())
    return i + 1, text[:100] + ("..." if len(text) > 100 else "")


def statement_count(ddl: str) -> int:
    try:
        from pglast import split

        return len(split(ddl))
    except Exception:  # noqa: BLE001 - pglast cannot split it: count statement ends instead
        return sum(1 for ln in ddl.splitlines() if ln.rstrip().endswith(";"))


def primary_key_check(schema: Schema) -> dict[str, Any]:
    missing = [t.qualified_name for t in schema.tables if not t.primary_key and not t.attrs.get("foreign")]
    return {
        "name": "primary_keys", "ok": not missing, "details": missing,
        "title": "Every table has a primary key" if not missing
        else f"{len(missing)} table(s) without a primary key",
    }


def foreign_key_index_check(schema: Schema) -> dict[str, Any]:
    """Every foreign key has an index whose leading columns are the key's columns (in any order):
    without one, deletes on the referenced table scan the referencing one."""
    missing = []
    for t in schema.tables:
        for fk in t.foreign_keys:
            n = len(fk.columns)
            covered = any(
                not any(ix.expressions[:n]) and set(ix.columns[:n]) == set(fk.columns) and ix.valid
                for ix in t.indexes
            ) or (set(t.primary_key[:n]) == set(fk.columns))
            if not covered:
                missing.append(f"{t.qualified_name}.{fk.name or ''} ({', '.join(fk.columns)})")
    return {
        "name": "foreign_key_indexes", "ok": not missing, "details": missing,
        "title": "Every foreign key has an index leading with its columns" if not missing
        else f"{len(missing)} foreign key(s) without a leading index",
    }
