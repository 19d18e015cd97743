"""Where test data goes: a throwaway database built from SOURCE (kept with ``keep``), or a user's database
whose tables are empty (or ``append``)."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from aishell.errors import UnsafeError, UserError

TEST_PREFIX = "aishell_testdata_"


@dataclass(frozen=True)
class Throwaway:
    """A database built from SOURCE on the scratch server, owned by the unprivileged role it was loaded as.

    ``conninfo`` logs in as that role (with its random password: never print it); everything aishell runs
    in the database (planning, COPY, index rebuilds, pgbench) goes through it, so the schema's own code
    (triggers, defaults, CHECKs calling its functions) never runs as the server's administrator."""

    conninfo: str
    source: Any
    name: str
    owner: str
    admin_conninfo: str  # the administrator's, on the server's maintenance database

    @property
    def owner_conninfo(self) -> str:
        """``conninfo`` without the password: what a kept database is shown as."""
        from psycopg.conninfo import conninfo_to_dict, make_conninfo

        params = {k: str(v) for k, v in conninfo_to_dict(self.conninfo).items() if k != "password"}
        return make_conninfo("", **params)


@contextlib.contextmanager
def throwaway_database(source: str | None, *, keep: bool = False) -> Iterator[Throwaway]:
    """Build a new database on the scratch server holding SOURCE's schema, loaded (and then owned) by an
    unprivileged role made for it (``sources.load_sql_owned``).

    Dropped afterwards, and its role with it, unless ``keep``. SOURCE is read, never written: a live
    database is introspected and its DDL rebuilt here.
    """
    from psycopg import sql

    from aishell.dialects.postgres.connect import connect
    from aishell.dialects.postgres.server import scratch_server
    from aishell.dialects.postgres.sqlload import drop_load_role
    from aishell.sources import load_generated_owned, load_schema, load_sql_owned, parse_source

    src = parse_source(source if source is not None else "design")
    server = scratch_server()
    server.ensure_running()
    name = f"{TEST_PREFIX}{secrets.token_hex(4)}"
    admin = server.conninfo()
    with connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name)))
    conninfo = server.conninfo(name)
    ok = False
    owner = None
    try:
        if src.kind == "sql":
            assert src.path is not None
            owner = load_sql_owned(conninfo, src.path)
        else:
            from aishell.dialects.postgres.generate import generate

            schema = load_schema(src)
            owner = load_generated_owned(conninfo, generate(schema), label=f"DDL generated from {src.display}")
        yield Throwaway(owner.conninfo(conninfo), src, name, owner.name, admin)
        ok = True  # kept only when the whole run succeeded
    finally:
        if not (keep and ok):
            with contextlib.suppress(Exception):
                with connect(admin, autocommit=True) as conn:
                    conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            if owner is not None:
                drop_load_role(admin, owner.name)


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
