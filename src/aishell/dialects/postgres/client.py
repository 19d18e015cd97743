"""Running PostgreSQL's client programs (pg_dump, psql, pgbench, ...) without leaking a password.

A process's argv is readable by every local user (``ps``, ``/proc/PID/cmdline``), its environment only
by its owner and root. So the conninfo a client program gets on its command line never holds a
password: ``client_command`` takes it out and hands it over as ``PGPASSWORD`` in the child's
environment instead. ``run_client`` is the one way aishell starts such a program.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from typing import Any

from aishell.errors import UserError

CONNINFO = object()  # placeholder in an argument list: where the password-free conninfo goes


def client_env(conninfo: str, base: dict[str, str] | None = None) -> tuple[str, dict[str, str]]:
    """``conninfo`` without its password (key=value form), and ``base`` (or os.environ) + PGPASSWORD.

    URLs, ``key=value`` strings, ``?password=`` query parameters and passwords holding quotes,
    spaces, ``@`` or ``=`` are all read by libpq's own parser, so nothing is missed.
    """
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    from aishell.dialects.postgres.connect import mask_url

    env = dict(os.environ if base is None else base)
    try:
        params = conninfo_to_dict(conninfo)
    except psycopg.ProgrammingError as exc:
        raise UserError(f"invalid connection string: {mask_url(str(exc).splitlines()[0])}") from None
    password = params.pop("password", None)
    if password is not None:
        env["PGPASSWORD"] = str(password)
    return make_conninfo("", **{k: str(v) for k, v in params.items() if v is not None}), env


def client_command(args: Sequence[Any], conninfo: str, base_env: dict[str, str] | None = None
                   ) -> tuple[list[str], dict[str, str]]:
    """The argv (``CONNINFO`` replaced by the password-free conninfo) and environment to start."""
    if not any(a is CONNINFO for a in args):
        raise ValueError("client_command: the argument list has no CONNINFO placeholder")
    safe, env = client_env(conninfo, base_env)
    return [safe if a is CONNINFO else str(a) for a in args], env


def run_client(args: Sequence[Any], conninfo: str, **kwargs: Any) -> subprocess.CompletedProcess:
    """``subprocess.run`` of a PostgreSQL client program; ``args`` holds ``CONNINFO`` where the
    connection string goes (``-d CONNINFO`` for most, the last argument for pgbench)."""
    argv, env = client_command(args, conninfo, kwargs.pop("env", None))
    return subprocess.run(argv, env=env, check=False, **kwargs)
