"""One run at a time per database: a session-level PostgreSQL advisory lock.

``migrate --apply``, ``version apply``/``rollback`` and ``fix --apply`` hold it from before they read
the database until they end, on a connection of its own. Advisory locks belong to one database, so
the key (a constant for aishell, and a hash of the database name) gives each database its own lock.
A second run waits for it up to ``--wait`` and then stops with one line naming the holder (exit 75).
The server releases the lock when the holder's session ends, however the process ended.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

from aishell.errors import BusyError

LOCK_CLASS = 0x61697368  # 'aish'
DEFAULT_WAIT = "5s"


def parse_wait(text: str, flag: str = "--wait") -> float:
    """Seconds from ``5``, ``5s``, ``500ms``, ``2min`` (0 means: do not wait)."""
    from aishell.durations import parse_duration

    return parse_duration(text, flag=flag, default_unit="s", allow_zero=True) / 1000


_KEY = "SELECT %s::int, (hashtext(current_database()) & 2147483647)::int"


@contextlib.contextmanager
def database_lock(conninfo: str, *, wait: float, what: str) -> Iterator[None]:
    """Hold aishell's advisory lock on the database of ``conninfo`` for the ``with`` block."""
    from aishell.dialects.postgres.connect import connect

    conn = connect(conninfo, autocommit=True)
    try:
        conn.execute("SELECT set_config('application_name', %s, false)", (f"aishell {what}"[:63],))
        cls, obj = conn.execute(_KEY, (LOCK_CLASS,)).fetchone()
        deadline = time.monotonic() + max(wait, 0.0)
        while not conn.execute("SELECT pg_try_advisory_lock(%s, %s)", (cls, obj)).fetchone()[0]:
            if time.monotonic() >= deadline:
                raise BusyError(
                    _busy_message(conn, cls, obj, wait),
                    hint="wait for it to finish, or give --wait a longer duration",
                )
            time.sleep(0.1)
        yield
    finally:
        with contextlib.suppress(Exception):  # the session's end releases the lock anyway
            conn.close()


def _busy_message(conn, cls: int, obj: int, wait: float) -> str:
    row = conn.execute(
        "SELECT a.pid, a.application_name, extract(epoch FROM now() - a.backend_start)::int "
        "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' "
        "AND l.granted AND l.classid = %s::oid AND l.objid = %s::oid AND l.objsubid = 2 "
        "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        (cls, obj),
    ).fetchone()
    db = conn.info.dbname
    holder = f" (server pid {row[0]}, {row[1] or 'aishell'}, connected {row[2]} s ago)" if row else ""
    return (
        f"another aishell run is changing database {db!r}{holder}; waited {wait:g} s for it "
        "and changed nothing"
    )
