"""Where test data goes: a throwaway database built from SOURCE (kept with ``keep``), or a user's database
whose tables are empty (or ``append``)."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from typing import Any

from aishell.errors import UnsafeError, UserError

TEST_PREFIX = "aishell_testdata_"


@contextlib.contextmanager
def throwaway_database(source: str | None, *, keep: bool = False) -> Iterator[tuple[str, Any, str]]:
    """Yield (conninfo, source, dbname) of a new database on the scratch server holding SOURCE's schema.

    Dropped afterwards unless ``keep``. SOURCE is read, never written: a live database is introspected
    and its DDL rebuilt here.
    """
    from aishell.dialects.postgres.connect import connect
    from aishell.dialects.postgres.server import scratch_server
    from aishell.sources import load_generated_into, load_schema, load_sql_into, parse_source

    src = parse_source(source if source is not None else "design")
    server = scratch_server()
    server.ensure_running()
    name = f"{TEST_PREFIX}{secrets.token_hex(4)}"
    with connect(server.conninfo(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
    conninfo = server.conninfo(name)
    ok = False
    try:
        if src.kind == "sql":
            assert src.path is not None
            load_sql_into(conninfo, src.path)
        else:
            from aishell.dialects.postgres.generate import generate

            schema = load_schema(src)
            load_generated_into(conninfo, generate(schema), label=f"DDL generated from {src.display}")
        yield conninfo, src, name
        ok = True  # kept only when the whole run succeeded
    finally:
        if not (keep and ok):
            with contextlib.suppress(Exception):
                with connect(server.conninfo(), autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def check_target(plans: list, existing: dict[str, int], *, append: bool) -> None:
    """Refuse (exit 3) to write into tables that already hold rows, unless ``append``."""
    busy = [p.name for p in plans if p.count > 0 and existing.get(p.name, 0) > 0]
    if busy and not append:
        shown = ", ".join(f"{n} ({existing[n]:,} rows)" for n in busy[:5])
        more = f" and {len(busy) - 5} more" if len(busy) > 5 else ""
        raise UnsafeError(f"the target already has rows in {shown}{more}; "
                          "pass --append to add test rows to them")


def require_tables(plans: list) -> None:
    if not plans:
        raise UserError("the schema has no tables to fill")
