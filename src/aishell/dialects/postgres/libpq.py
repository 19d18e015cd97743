"""A minimal libpq client through ctypes, for the one path where start-up time is the product:
reading a catalog (``schema inspect --json``, ``schema diff``).

psycopg is the driver everywhere else; importing it costs 0.1-0.2 s (it loads asyncio, ssl and its
type system), which on a 375-table schema is as long as pg_dump takes for the whole dump. Catalog
reads need none of that: every catalog query here returns one value, a JSON array of its rows built
by the server (``json_agg``), which Python's C JSON parser turns into dicts. The queries are sent
together in libpq's pipeline mode, their values as parameters (never pasted into the text).

``load()`` returns None when no libpq 14+ is found (then callers use psycopg); set
``AISHELL_NO_LIBPQ=1`` to force that.
"""

from __future__ import annotations

import ctypes
import os
import sys
from pathlib import Path
from typing import Self

_LIB: ctypes.CDLL | None | bool = False

CONNECTION_OK = 0
PGRES_COMMAND_OK = 1
PGRES_TUPLES_OK = 2
PGRES_PIPELINE_SYNC = 10
PG_DIAG_SQLSTATE = ord("C")


class LibpqError(Exception):
    """A failed statement: ``sqlstate`` and the server's message."""

    def __init__(self, message: str, sqlstate: str | None = None):
        super().__init__(message)
        self.sqlstate = sqlstate


class ConnectionFailed(Exception):
    """libpq could not connect; the message is libpq's."""


def _candidates() -> list[str]:
    env = os.environ.get("AISHELL_LIBPQ")
    out = [env] if env else []
    out.append("libpq.so.5")
    # psycopg's binary wheel ships one.
    for entry in sys.path:
        libs = Path(entry or ".") / "psycopg_binary.libs"
        if libs.is_dir():
            out += sorted(str(p) for p in libs.glob("libpq*.so*"))
    return out


def load() -> ctypes.CDLL | None:
    """The libpq library (version 14 or later, for pipeline mode), or None."""
    global _LIB
    if _LIB is not False:
        return _LIB or None
    _LIB = None
    if os.environ.get("AISHELL_NO_LIBPQ"):
        return None
    for name in _candidates():
        try:
            lib = ctypes.CDLL(name)
        except OSError:
            continue
        if not hasattr(lib, "PQenterPipelineMode"):
            continue
        _declare(lib)
        _LIB = lib
        break
    return _LIB or None


def _declare(lib: ctypes.CDLL) -> None:
    vp, cp, i = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int
    sigs = {
        "PQconnectdbParams": (vp, [ctypes.POINTER(cp), ctypes.POINTER(cp), i]),
        "PQstatus": (i, [vp]),
        "PQerrorMessage": (cp, [vp]),
        "PQfinish": (None, [vp]),
        "PQexec": (vp, [vp, cp]),
        "PQresultStatus": (i, [vp]),
        "PQresultErrorMessage": (cp, [vp]),
        "PQresultErrorField": (cp, [vp, i]),
        "PQclear": (None, [vp]),
        "PQntuples": (i, [vp]),
        "PQgetvalue": (vp, [vp, i, i]),
        "PQgetlength": (i, [vp, i, i]),
        "PQgetisnull": (i, [vp, i, i]),
        "PQenterPipelineMode": (i, [vp]),
        "PQexitPipelineMode": (i, [vp]),
        "PQpipelineSync": (i, [vp]),
        "PQsendQueryParams": (i, [vp, cp, i, vp, ctypes.POINTER(cp), vp, vp, i]),
        "PQgetResult": (vp, [vp]),
        "PQserverVersion": (i, [vp]),
        "PQsetnonblocking": (i, [vp, i]),
        "PQcancel": (i, [vp, cp, i]),
        "PQgetCancel": (vp, [vp]),
        "PQfreeCancel": (None, [vp]),
    }
    for name, (res, args) in sigs.items():
        fn = getattr(lib, name)
        fn.restype = res
        fn.argtypes = args


class Connection:
    """One libpq connection: ``execute`` for simple statements, ``pipeline`` for a batch of queries
    each returning a single text value."""

    def __init__(self, conninfo: str, *, connect_timeout: int = 10, application_name: str = "aishell"):
        lib = load()
        if lib is None:
            raise RuntimeError("libpq is not available")
        self.lib = lib
        params = {"dbname": conninfo, "connect_timeout": str(connect_timeout),
                  "application_name": application_name}
        keys = (ctypes.c_char_p * (len(params) + 1))(*[k.encode() for k in params], None)
        values = (ctypes.c_char_p * (len(params) + 1))(*[v.encode() for v in params.values()], None)
        self.conn = lib.PQconnectdbParams(keys, values, 1)  # expand_dbname: conninfo or URI in dbname
        if not self.conn or lib.PQstatus(self.conn) != CONNECTION_OK:
            message = lib.PQerrorMessage(self.conn).decode(errors="replace") if self.conn else "out of memory"
            self.close()
            raise ConnectionFailed(message)
        self.server_version = lib.PQserverVersion(self.conn)

    def close(self) -> None:
        if getattr(self, "conn", None):
            self.lib.PQfinish(self.conn)
            self.conn = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _check(self, res) -> None:
        status = self.lib.PQresultStatus(res)
        if status in (PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_PIPELINE_SYNC):
            return
        message = (self.lib.PQresultErrorMessage(res) or b"").decode(errors="replace").strip()
        state = self.lib.PQresultErrorField(res, PG_DIAG_SQLSTATE)
        if not message:
            message = self.lib.PQerrorMessage(self.conn).decode(errors="replace").strip() or "connection lost"
        raise LibpqError(message, state.decode() if state else None)

    def execute(self, sql: str) -> list[list[str | None]]:
        """Run ``sql`` (no parameters): its rows as text."""
        res = self.lib.PQexec(self.conn, sql.encode())
        if not res:
            raise LibpqError(self.lib.PQerrorMessage(self.conn).decode(errors="replace").strip())
        try:
            self._check(res)
            return [[self._value(res, r, 0)] for r in range(self.lib.PQntuples(res))]
        finally:
            self.lib.PQclear(res)

    def _value(self, res, row: int, col: int) -> str | None:
        if self.lib.PQgetisnull(res, row, col):
            return None
        n = self.lib.PQgetlength(res, row, col)
        return ctypes.string_at(self.lib.PQgetvalue(res, row, col), n).decode()

    def send(self, sql: str, params: list[str | None]) -> None:
        arr = (ctypes.c_char_p * max(1, len(params)))(*[None if p is None else p.encode() for p in params])
        if not self.lib.PQsendQueryParams(self.conn, sql.encode(), len(params), None, arr, None, None, 0):
            raise LibpqError(self.lib.PQerrorMessage(self.conn).decode(errors="replace").strip())

    def enter_pipeline(self) -> None:
        if not self.lib.PQenterPipelineMode(self.conn):
            raise LibpqError("could not enter pipeline mode")

    def sync(self) -> None:
        if not self.lib.PQpipelineSync(self.conn):
            raise LibpqError(self.lib.PQerrorMessage(self.conn).decode(errors="replace").strip())

    def next_value(self) -> bytes | None:
        """The single value of the next query's result (bytes), consuming the results after it up to
        the query's end marker. Releases the GIL while libpq waits for the server."""
        lib = self.lib
        res = lib.PQgetResult(self.conn)
        if not res:
            raise LibpqError(lib.PQerrorMessage(self.conn).decode(errors="replace").strip() or "connection lost")
        try:
            self._check(res)
            if lib.PQntuples(res) == 0 or lib.PQgetisnull(res, 0, 0):
                value = None
            else:
                value = ctypes.string_at(lib.PQgetvalue(res, 0, 0), lib.PQgetlength(res, 0, 0))
        finally:
            lib.PQclear(res)
        end = lib.PQgetResult(self.conn)  # NULL: this query's results are done
        if end:
            lib.PQclear(end)
        return value

    def finish_pipeline(self) -> None:
        lib = self.lib
        res = lib.PQgetResult(self.conn)  # the sync marker
        if res:
            lib.PQclear(res)
        lib.PQexitPipelineMode(self.conn)

    def cancel(self) -> None:
        c = self.lib.PQgetCancel(self.conn)
        if c:
            buf = ctypes.create_string_buffer(256)
            self.lib.PQcancel(c, buf, 256)
            self.lib.PQfreeCancel(c)
