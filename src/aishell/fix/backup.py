"""The backup before applying, and the scratch copy the plan is rehearsed on.

Both use pg_dump of the server's own major version (the embedded 18's binaries for 18,
``/usr/lib/postgresql/<major>/bin``, else ``PATH``: ``PgServer.bin``).

The backup is one plain SQL file: the schema of the whole database (so it restores into an empty
database with ``psql -f``) and the data of every table a step could change (a DROP COLUMN, a type
change, VACUUM FULL), plus the tables those reference through foreign keys so the restore satisfies
them. Data of tables only indexed or constrained is left out: those steps cannot change a row.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from aishell.dialects.postgres.client import CONNINFO, run_client
from aishell.dialects.postgres.server import ExternalServer
from aishell.errors import SandboxError, UserError


class _Target(ExternalServer):
    """The user's database as a server whose major version we already know (no extra connection)."""

    def __init__(self, conninfo: str, major: int):
        super().__init__(conninfo)
        self._major = major

    def server_major(self) -> int:
        return self._major


def client_bin(conninfo: str, major: int, name: str) -> Path:
    return _Target(conninfo, major).bin(name)


def _pattern(schema: str, name: str) -> str:
    return '"' + schema.replace('"', '""') + '"."' + name.replace('"', '""') + '"'


def data_closure(conn: Any, tables: list[str]) -> list[tuple[str, str]]:
    """``tables`` and every table they reference through foreign keys, transitively."""
    if not tables:
        return []
    rels = [_pattern(*t.split(".", 1)) for t in tables]
    rows = conn.execute(
        """
        WITH RECURSIVE r(oid) AS (
            SELECT to_regclass(x) FROM unnest(%s::text[]) x WHERE to_regclass(x) IS NOT NULL
            UNION
            SELECT e.oid FROM r, LATERAL (
                SELECT c.confrelid FROM pg_constraint c WHERE c.conrelid = r.oid AND c.contype = 'f'
                UNION ALL  -- partitions hold the rows of a partitioned table
                SELECT i.inhrelid FROM pg_inherits i WHERE i.inhparent = r.oid) e(oid))
        SELECT n.nspname, cl.relname FROM r JOIN pg_class cl ON cl.oid = r.oid
        JOIN pg_namespace n ON n.oid = cl.relnamespace ORDER BY 1, 2
        """, (rels,)).fetchall()
    return [(r[0], r[1]) for r in rows]


def default_backup_path(backup_dir: Path | None, dbname: str) -> Path:
    stamp = _dt.datetime.now().strftime("%Y%m%d_%H%M%S")
    base = backup_dir if backup_dir is not None else Path("aishell") / "backups"
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", dbname) or "database"
    path = base / f"{safe}_{stamp}.sql"
    n = 1
    while path.exists():
        n += 1
        path = base / f"{safe}_{stamp}_{n}.sql"
    return path


def write_backup(conn: Any, conninfo: str, major: int, path: Path, data_tables: list[str], *,
                 timeout: float = 3600) -> dict[str, Any]:
    """pg_dump the schema of the database and the data of ``data_tables`` (with their FK parents)."""
    closure = data_closure(conn, data_tables)
    keep = set(closure)
    every = conn.execute(
        "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind IN ('r', 'p', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
        "AND n.nspname NOT LIKE 'pg\\_%%' ORDER BY 1, 2").fetchall()
    pg_dump = client_bin(conninfo, major, "pg_dump")
    args = [str(pg_dump), "--no-password", "--format=plain"]
    if not keep:
        args.append("--schema-only")
    else:
        args += [f"--exclude-table-data={_pattern(s, n)}" for s, n in every if (s, n) not in keep]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"--backup-dir {path.parent}: cannot create it ({exc.strerror})") from None
    try:
        with open(path, "wb") as out:
            proc = run_client([*args, "-d", CONNINFO], conninfo, stdout=out, stderr=subprocess.PIPE,
                              timeout=timeout)
    except OSError as exc:
        raise UserError(f"backup {path}: cannot write it ({exc.strerror})") from None
    if proc.returncode != 0:
        path.unlink(missing_ok=True)
        err = proc.stderr.decode(errors="replace").strip().splitlines()
        from aishell.dialects.postgres.connect import mask_url

        _raise_denied(err, "backup failed, nothing was applied")
        raise SandboxError(f"backup failed, nothing was applied: pg_dump: {mask_url(err[0] if err else '?')}")
    return {"path": str(path), "bytes": path.stat().st_size, "pg_dump": str(pg_dump),
            "data_of": [f"{s}.{n}" for s, n in closure], "schema": "whole database"}


@contextlib.contextmanager
def scratch_copy(conninfo: str, major: int, *, timeout: float = 600) -> Iterator[str]:
    """A throwaway database on the scratch server holding the schema (no rows) of ``conninfo``."""
    from aishell.dialects.postgres.server import scratch_server
    from aishell.sources import run_sql_text

    pg_dump = client_bin(conninfo, major, "pg_dump")
    proc = run_client([pg_dump, "--no-password", "--schema-only", "--no-owner", "--no-privileges",
                       "-d", CONNINFO], conninfo, capture_output=True, timeout=timeout)
    if proc.returncode != 0:
        from aishell.dialects.postgres.connect import mask_url

        err = proc.stderr.decode(errors="replace").strip().splitlines()
        _raise_denied(err, "dry run: pg_dump of the schema failed")
        raise SandboxError(f"dry run: pg_dump of the schema failed: {mask_url(err[0]) if err else '?'}")
    invalid = invalid_index_definitions(conninfo)
    server = scratch_server()
    with server.temporary_database(prefix="aishell_fix_") as scratch:
        try:
            # Our own dump, run without psql (its \restrict guard lines are skipped).
            run_sql_text(scratch, proc.stdout.decode(), label="scratch copy of the schema")
        except UserError as exc:
            raise UserError(f"dry run: cannot build a scratch copy of the schema ({exc}); "
                            "nothing was applied") from None
        _add_invalid_indexes(scratch, invalid)
        yield scratch


def _raise_denied(stderr_lines: list[str], what: str) -> None:
    """A pg_dump refused for lack of privilege is a permission error (exit 77), not a server failure."""
    from aishell.dialects.postgres.connect import mask_url
    from aishell.errors import PermissionDenied

    denied = next((ln for ln in stderr_lines if "permission denied" in ln), None)
    if denied:
        detail = denied.split("ERROR:")[-1].strip()
        raise PermissionDenied(f"{what}: pg_dump: {mask_url(detail)}: run it as the tables' owner")


def invalid_index_definitions(conninfo: str) -> list[str]:
    """``CREATE INDEX`` statements of the INVALID indexes of a database (pg_dump leaves them out)."""
    from aishell.dialects.postgres.connect import connect

    with connect(conninfo, autocommit=True) as conn:
        return [r[0] for r in conn.execute(
            "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT i.indisvalid "
            "AND n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1").fetchall()]


def _add_invalid_indexes(scratch: str, definitions: list[str]) -> None:
    """Give the copy the INVALID indexes too, so that a step dropping or rebuilding one runs there as it
    will on the database (on the empty copy they are built valid; that changes nothing for a rehearsal)."""
    from aishell.dialects.postgres.connect import connect

    if not definitions:
        return
    with connect(scratch, autocommit=True) as conn:
        for d in definitions:
            with contextlib.suppress(Exception):  # a step on an index the copy lacks fails there, and says so
                conn.execute(d)
