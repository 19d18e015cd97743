"""A small read-only libpq client through ctypes, for reading the catalog without importing psycopg.

``schema inspect`` of a few hundred tables is dominated by start-up, and ``import psycopg`` alone
(asyncio, ssl, its 250 error classes) costs 0.12-0.27 s. The catalog queries only need to be sent and
their rows read, so ``inspect`` uses libpq directly when it can find it: the copy psycopg's binary
wheel ships (the same library psycopg would use) or the system's ``libpq.so.5``. Each catalog query
is read with ``COPY (query) TO STDOUT`` in text format (one buffer per row, the same server work as
the plain query) and parsed with ``str.split``; each value becomes the Python value psycopg would
have returned for its column type, which ``describe`` learns from the server.

libpq handles everything about connecting (conninfo strings and URLs, ``PGPASSWORD`` and the other
``PG*`` variables, ``.pgpass``, SSL, SCRAM): no password ever passes through this module.
"""

from __future__ import annotations

import ctypes
import itertools
import os
import re
import select
from collections.abc import Callable
from typing import Any

# Result and connection status codes (libpq-fe.h).
_CONNECTION_OK = 0
_PGRES_COMMAND_OK = 1
_PGRES_TUPLES_OK = 2
_PGRES_COPY_OUT = 3
_PGRES_PIPELINE_SYNC = 10
_PG_DIAG_SQLSTATE = ord("C")
_PG_DIAG_MESSAGE_PRIMARY = ord("M")


class LibpqError(Exception):
    """A statement failed on the server, or the connection broke (``sqlstate`` None)."""

    def __init__(self, message: str, sqlstate: str | None = None):
        super().__init__(message)
        self.sqlstate = sqlstate


class ConninfoError(Exception):
    """libpq could not parse a connection string."""


class _Lib:
    """The libpq functions used here, bound twice: calls that may wait on the network release the
    GIL (``ctypes.CDLL``); the many short ones made per row keep it (``ctypes.PyDLL``), so that a
    thread reading rows never waits for the GIL between two of them and two threads never call
    libpq on one connection at the same time."""

    def __init__(self, path: str):
        blocking = ctypes.CDLL(path)
        quick = ctypes.PyDLL(path)
        p, c, i = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int
        pp = ctypes.POINTER(ctypes.c_char_p)

        def bind(lib, name, restype, *argtypes):
            fn = getattr(lib, name)
            fn.restype = restype
            fn.argtypes = argtypes
            return fn

        self.PQconnectdbParams = bind(blocking, "PQconnectdbParams", p, pp, pp, i)
        self.PQexec = bind(blocking, "PQexec", p, p, c)
        self.PQexecParams = bind(blocking, "PQexecParams", p, p, c, i, p, pp, p, p, i)
        self.PQprepare = bind(blocking, "PQprepare", p, p, c, c, i, p)
        self.PQdescribePrepared = bind(blocking, "PQdescribePrepared", p, p, c)
        self.PQsendQuery = bind(blocking, "PQsendQuery", i, p, c)
        self.PQfinish = bind(blocking, "PQfinish", None, p)
        self.PQcancel = bind(blocking, "PQcancel", i, p, c, i)
        self.PQconninfoParse = bind(quick, "PQconninfoParse", p, c, ctypes.POINTER(p))
        self.PQconninfoFree = bind(quick, "PQconninfoFree", None, p)
        self.PQfreemem = bind(quick, "PQfreemem", None, p)
        self.PQstatus = bind(quick, "PQstatus", i, p)
        self.PQerrorMessage = bind(quick, "PQerrorMessage", c, p)
        self.PQserverVersion = bind(quick, "PQserverVersion", i, p)
        self.PQparameterStatus = bind(quick, "PQparameterStatus", c, p, c)
        self.PQsocket = bind(quick, "PQsocket", i, p)
        self.PQgetCancel = bind(quick, "PQgetCancel", p, p)
        self.PQfreeCancel = bind(quick, "PQfreeCancel", None, p)
        self.PQresultStatus = bind(quick, "PQresultStatus", i, p)
        self.PQresultErrorField = bind(quick, "PQresultErrorField", c, p, i)
        self.PQresultErrorMessage = bind(quick, "PQresultErrorMessage", c, p)
        self.PQclear = bind(quick, "PQclear", None, p)
        self.PQntuples = bind(quick, "PQntuples", i, p)
        self.PQnfields = bind(quick, "PQnfields", i, p)
        self.PQfname = bind(quick, "PQfname", c, p, i)
        self.PQftype = bind(quick, "PQftype", ctypes.c_uint, p, i)
        self.PQgetvalue = bind(quick, "PQgetvalue", c, p, i, i)
        self.PQgetisnull = bind(quick, "PQgetisnull", i, p, i, i)
        self.PQconsumeInput = bind(quick, "PQconsumeInput", i, p)
        self.PQisBusy = bind(quick, "PQisBusy", i, p)
        self.PQgetResult = bind(quick, "PQgetResult", p, p)
        self.PQgetCopyData = bind(quick, "PQgetCopyData", i, p, ctypes.POINTER(ctypes.c_void_p), i)
        self.PQgetResultWait = bind(blocking, "PQgetResult", p, p)
        try:  # libpq 14 and later
            self.PQenterPipelineMode = bind(quick, "PQenterPipelineMode", i, p)
            self.PQexitPipelineMode = bind(quick, "PQexitPipelineMode", i, p)
            self.PQpipelineSync = bind(blocking, "PQpipelineSync", i, p)
            self.PQsendQueryParams = bind(blocking, "PQsendQueryParams", i, p, c, i, p, pp, p, p, i)
            self.PQsendPrepare = bind(blocking, "PQsendPrepare", i, p, c, c, i, p)
            self.PQsendDescribePrepared = bind(blocking, "PQsendDescribePrepared", i, p, c)
            self.pipeline = True
        except AttributeError:
            self.pipeline = False


def _candidates() -> list[str]:
    """Where libpq may be: psycopg's binary wheel first (the library psycopg itself would use), then
    the system's. ``AISHELL_LIBPQ`` names one explicitly; ``AISHELL_LIBPQ=none`` turns this off."""
    forced = os.environ.get("AISHELL_LIBPQ")
    if forced:
        return [] if forced.lower() in ("none", "0", "off") else [forced]
    out: list[str] = []
    import importlib.util

    spec = importlib.util.find_spec("psycopg_binary")
    if spec is not None and spec.origin:
        libs = os.path.join(os.path.dirname(os.path.dirname(spec.origin)), "psycopg_binary.libs")
        try:
            out += [os.path.join(libs, f) for f in sorted(os.listdir(libs)) if f.startswith("libpq")]
        except OSError:
            pass
    out += ["libpq.so.5", "libpq.5.dylib", "libpq.dylib"]
    return out


_LIB: _Lib | None | bool = False  # False: not looked for yet


def library() -> _Lib | None:
    """The bound libpq, or None when none can be loaded (the caller uses psycopg instead)."""
    global _LIB
    if _LIB is False:
        _LIB = None
        for path in _candidates():
            try:
                _LIB = _Lib(path)
                break
            except (OSError, AttributeError):
                continue
    return _LIB  # type: ignore[return-value]


# -- values --------------------------------------------------------------------------------------------
_NULL = "\\N"
_COPY_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_COPY_ESCAPE = re.compile(r"\\(.)", re.S)


def _unescape(text: str) -> str:
    """Undo COPY's text-format escapes (``\\n``, ``\\t``, ``\\\\``, ...)."""
    return _COPY_ESCAPE.sub(lambda m: _COPY_ESCAPES.get(m.group(1), m.group(1)), text)


def _array_items(text: str) -> list[str | None]:
    """The elements of a one-dimensional array literal, as psycopg's array loader reads them."""
    if text[0] == "[":  # explicit bounds, as int2vector cast to int2[] prints: [0:2]={1,2,3}
        text = text[text.index("=") + 1:]
    body = text[1:-1]
    if not body:
        return []
    if '"' not in body and "\\" not in body:
        return [None if x == "NULL" else x for x in body.split(",")]
    items: list[str | None] = []
    i, n = 0, len(body)
    while i <= n:
        if i < n and body[i] == '"':
            i += 1
            buf = []
            while body[i] != '"':
                if body[i] == "\\":
                    i += 1
                buf.append(body[i])
                i += 1
            items.append("".join(buf))
            i += 2  # the closing quote and the comma
        else:
            j = body.find(",", i)
            if j < 0:
                j = n
            word = body[i:j]
            items.append(None if word == "NULL" else word)
            i = j + 1
    return items


def _text_array(text: str) -> list[str | None]:
    return _array_items(_unescape(text) if "\\" in text else text)


def _int_array(text: str) -> list[int | None]:
    if text[0] == "[":
        text = text[text.index("=") + 1:]
    if "N" not in text:  # no NULL element
        return list(map(int, text[1:-1].split(","))) if len(text) > 2 else []
    return [None if x is None else int(x) for x in _array_items(text)]


# Type oid -> how a COPY text field becomes the value psycopg returns for that type.
_TEXT_TYPES = {25: "text", 19: "name", 1043: "varchar", 18: "char", 1042: "bpchar"}
_INT_TYPES = {20, 21, 23, 26, 28, 29}  # int8, int2, int4, oid, xid, cid
_FLOAT_TYPES = {700, 701}
_BOOL = 16
_TEXT_ARRAYS = {1009, 1003, 1015, 1002, 1014}
_INT_ARRAYS = {1005, 1007, 1016, 1028}


def _field(var: str, oid: int, copy: bool = True) -> str:
    """A Python expression turning the COPY field held in ``var`` into its value (with ``copy``
    False: a value as PQgetvalue returns it, None for NULL, nothing escaped)."""
    if not copy:
        if oid in _TEXT_TYPES:
            return var
        if oid in _TEXT_ARRAYS:
            return f"(None if {var} is None else _array_items({var}))"
        return _field(var, oid).replace(f"{var} == N", f"{var} is None")
    if oid in _TEXT_TYPES:
        return f"({var} if '\\\\' not in {var} else None if {var} == N else U({var}))"
    if oid in _INT_TYPES:
        return f"(None if {var} == N else int({var}))"
    if oid in _FLOAT_TYPES:
        return f"(None if {var} == N else float({var}))"
    if oid == _BOOL:
        return f"(None if {var} == N else {var} == 't')"
    if oid in _TEXT_ARRAYS:
        return f"(None if {var} == N else TA({var}))"
    if oid in _INT_ARRAYS:
        # Inline for the usual array without NULLs ({1,2} or, from an int2vector, [0:1]={1,2}).
        return (f"(None if {var} == N else [*map(int, {var}[{var}.index('{{') + 1:-1].split(','))]"
                f" if 'N' not in {var} and {var}[-2] != '{{' else IA({var}))")
    raise LibpqError(f"no reader for column type oid {oid}")


def row_reader(names: list[str], oids: list[int]) -> Callable[[bytes], list[dict[str, Any]]]:
    """A function turning a COPY text buffer with these columns into psycopg-like dict rows.

    It is generated per query, so each row costs one ``split`` and one dict display."""
    args = [f"a{i}" for i in range(len(names))]
    body = ", ".join(f"{name!r}: {_field(a, oid)}" for name, a, oid in zip(names, args, oids))
    target = ", ".join(args) + ("," if len(args) == 1 else "")
    src = (
        "def read(data):\n"
        "    lines = data.decode('utf-8').split('\\n')\n"
        "    lines.pop()\n"
        f"    return [{{{body}}} for {target} in map(split, lines, tabs)]\n"
    )
    env: dict[str, Any] = {"N": _NULL, "U": _unescape, "TA": _text_array, "IA": _int_array,
                           "split": str.split, "tabs": itertools.repeat("\t")}
    exec(compile(src, "<aishell copy reader>", "exec"), env)
    return env["read"]


def value_reader(names: list[str], oids: list[int]) -> Callable[[list[tuple]], list[dict[str, Any]]]:
    """Like ``row_reader``, for rows of values as ``Connection.pipeline`` returns them."""
    args = [f"a{i}" for i in range(len(names))]
    body = ", ".join(f"{name!r}: {_field(a, oid, copy=False)}" for name, a, oid in zip(names, args, oids))
    target = ", ".join(args) + ("," if len(args) == 1 else "")
    src = f"def read(rows):\n    return [{{{body}}} for {target} in rows]\n"
    env: dict[str, Any] = {"IA": _int_array, "_array_items": _array_items}
    exec(compile(src, "<aishell value reader>", "exec"), env)
    return env["read"]


# -- connections -----------------------------------------------------------------------------------------
def _cstr_array(values: list[str]):
    arr = (ctypes.c_char_p * (len(values) + 1))()
    for k, v in enumerate(values):
        arr[k] = v.encode("utf-8")
    arr[len(values)] = None
    return arr


def _param_array(params: tuple[str | None, ...]):
    return (ctypes.c_char_p * len(params))(*(None if v is None else v.encode("utf-8") for v in params))


class _ConninfoOption(ctypes.Structure):
    _fields_ = [("keyword", ctypes.c_char_p), ("envvar", ctypes.c_char_p), ("compiled", ctypes.c_char_p),
                ("val", ctypes.c_char_p), ("label", ctypes.c_char_p), ("dispchar", ctypes.c_char_p),
                ("dispsize", ctypes.c_int)]


def conninfo_to_dict(conninfo: str) -> dict[str, str]:
    """The keywords a conninfo string or URL sets, as libpq parses it (psycopg's function of the same
    name, for where psycopg is not imported)."""
    lib = library()
    assert lib is not None
    err = ctypes.c_void_p()
    opts = lib.PQconninfoParse(conninfo.encode("utf-8"), ctypes.byref(err))
    if not opts:
        message = ctypes.string_at(err.value).decode("utf-8", "replace").strip() if err.value else "invalid"
        if err.value:
            lib.PQfreemem(err)
        raise ConninfoError(message)
    try:
        out = {}
        array = ctypes.cast(opts, ctypes.POINTER(_ConninfoOption))
        k = 0
        while array[k].keyword is not None:
            if array[k].val is not None:
                out[array[k].keyword.decode()] = array[k].val.decode("utf-8", "replace")
            k += 1
        return out
    finally:
        lib.PQconninfoFree(opts)


def check_conninfo(conninfo: str) -> None:
    """Raise ConninfoError with libpq's message if ``conninfo`` is not a valid connection string."""
    lib = library()
    assert lib is not None
    err = ctypes.c_void_p()
    opts = lib.PQconninfoParse(conninfo.encode("utf-8"), ctypes.byref(err))
    if opts:
        lib.PQconninfoFree(opts)
        return
    message = ctypes.string_at(err.value).decode("utf-8", "replace").strip() if err.value else "invalid"
    if err.value:
        lib.PQfreemem(err)
    raise ConninfoError(message)


class Connection:
    """One libpq connection: a few statements run one by one, then a batch of ``COPY ... TO STDOUT``
    read by ``copies``."""

    def __init__(self, conninfo: str, **options: str):
        lib = library()
        assert lib is not None
        self.lib = lib
        # Later keywords override what the expanded conninfo says, as psycopg's make_conninfo does.
        keys = ["dbname", *options]
        values = [conninfo, *options.values()]
        self._cancel = None
        self.conn = lib.PQconnectdbParams(_cstr_array(keys), _cstr_array(values), 1)
        if not self.conn:
            raise LibpqError("out of memory")
        if lib.PQstatus(self.conn) != _CONNECTION_OK:
            message = self._error_message()
            self.close()
            raise LibpqError(message)
        # Made here, by the thread that uses the connection: ``cancel`` (from any thread) only reads it.
        self._cancel = lib.PQgetCancel(self.conn)

    def _error_message(self) -> str:
        raw = self.lib.PQerrorMessage(self.conn) if self.conn else None
        return (raw or b"connection failed").decode("utf-8", "replace").strip()

    @property
    def server_version(self) -> int:
        return self.lib.PQserverVersion(self.conn)

    def parameter(self, name: str) -> str | None:
        raw = self.lib.PQparameterStatus(self.conn, name.encode())
        return raw.decode("utf-8", "replace") if raw is not None else None

    def _check(self, res: int | None, ok: tuple[int, ...]) -> int:
        """Raise LibpqError unless ``res`` has one of the ``ok`` statuses (the result is kept)."""
        lib = self.lib
        if not res:
            raise LibpqError(self._error_message())
        status = lib.PQresultStatus(res)
        if status in ok:
            return res
        sqlstate = lib.PQresultErrorField(res, _PG_DIAG_SQLSTATE)
        primary = lib.PQresultErrorField(res, _PG_DIAG_MESSAGE_PRIMARY)
        message = (primary or lib.PQresultErrorMessage(res) or b"").decode("utf-8", "replace").strip()
        lib.PQclear(res)
        raise LibpqError(message or self._error_message(), sqlstate.decode() if sqlstate else None)

    def execute(self, sql: str, params: tuple[str | None, ...] = ()) -> list[tuple[str | None, ...]]:
        """Run one statement (``$1``... bound to ``params`` as text); its rows as text values."""
        lib = self.lib
        if params:
            values = _param_array(params)
            res = lib.PQexecParams(self.conn, sql.encode("utf-8"), len(params), None, values, None, None, 0)
        else:
            res = lib.PQexec(self.conn, sql.encode("utf-8"))
        res = self._check(res, (_PGRES_COMMAND_OK, _PGRES_TUPLES_OK))
        try:
            nf = lib.PQnfields(res)
            rows = []
            for r in range(lib.PQntuples(res)):
                rows.append(tuple(
                    None if lib.PQgetisnull(res, r, f) else lib.PQgetvalue(res, r, f).decode("utf-8")
                    for f in range(nf)))
            return rows
        finally:
            lib.PQclear(res)

    def pipeline(self, steps: list[tuple]) -> list[tuple[list[str], list[int], list[tuple]]]:
        """Run ``("run", sql[, params])`` statements (``$1``... bound to text ``params``) and ``("describe", sql)`` look-ups in one round trip
        (libpq's pipeline mode; one by one where libpq is older than 14). Each step's column names,
        type oids and rows (text values; none for a describe)."""
        lib = self.lib
        if not lib.pipeline:
            out = []
            for kind, sql, *params in steps:
                if kind == "describe":
                    out.append((*self.describe(sql), []))
                else:
                    values = _param_array(params[0] if params else ())
                    res = lib.PQexecParams(self.conn, sql.encode("utf-8"), len(values), None, values, None, None, 0)
                    out.append(self._take(self._check(res, (_PGRES_COMMAND_OK, _PGRES_TUPLES_OK))))
            return out
        conn = self.conn
        if not lib.PQenterPipelineMode(conn):
            raise LibpqError(self._error_message())
        try:
            for kind, sql, *params in steps:
                text = sql.encode("utf-8")
                if kind == "describe":
                    ok = lib.PQsendPrepare(conn, b"", text, 0, None) and lib.PQsendDescribePrepared(conn, b"")
                else:
                    values = _param_array(params[0] if params else ())
                    ok = lib.PQsendQueryParams(conn, text, len(values), None, values, None, None, 0)
                if not ok:
                    raise LibpqError(self._error_message())
            if not lib.PQpipelineSync(conn):
                raise LibpqError(self._error_message())
            results: list[int] = []
            nulls = 0
            while True:
                res = lib.PQgetResultWait(conn)
                if not res:
                    nulls += 1
                    if nulls > 2 and lib.PQstatus(conn) != _CONNECTION_OK:
                        raise LibpqError(self._error_message())
                    continue
                nulls = 0
                if lib.PQresultStatus(res) == _PGRES_PIPELINE_SYNC:
                    lib.PQclear(res)
                    break
                results.append(res)
        finally:
            lib.PQexitPipelineMode(conn)
        out = []
        error: LibpqError | None = None
        k = 0
        for kind, *_ in steps:
            mine = results[k:k + (2 if kind == "describe" else 1)]
            k += len(mine)
            for res in mine[:-1]:
                try:
                    lib.PQclear(self._check(res, (_PGRES_COMMAND_OK,)))
                except LibpqError as exc:
                    error = error or exc
            try:
                out.append(self._take(self._check(mine[-1], (_PGRES_COMMAND_OK, _PGRES_TUPLES_OK))))
            except LibpqError as exc:  # the first failure, then "aborted" for every step after it
                error = error or exc
        for res in results[k:]:
            lib.PQclear(res)
        if error is not None:
            raise error
        return out

    def _take(self, res: int) -> tuple[list[str], list[int], list[tuple]]:
        """The names, type oids and rows of a result, which it frees."""
        lib = self.lib
        try:
            nf = lib.PQnfields(res)
            names = [lib.PQfname(res, k).decode("utf-8") for k in range(nf)]
            oids = [lib.PQftype(res, k) for k in range(nf)]
            rows = [tuple(None if lib.PQgetisnull(res, r, f) else lib.PQgetvalue(res, r, f).decode("utf-8")
                          for f in range(nf)) for r in range(lib.PQntuples(res))]
            return names, oids, rows
        finally:
            lib.PQclear(res)

    def describe(self, sql: str) -> tuple[list[str], list[int]]:
        """The column names and type oids of a query, without running it."""
        lib = self.lib
        lib.PQclear(self._check(lib.PQprepare(self.conn, b"", sql.encode("utf-8"), 0, None), (_PGRES_COMMAND_OK,)))
        res = self._check(lib.PQdescribePrepared(self.conn, b""), (_PGRES_COMMAND_OK,))
        try:
            n = lib.PQnfields(res)
            return ([lib.PQfname(res, k).decode("utf-8") for k in range(n)], [lib.PQftype(res, k) for k in range(n)])
        finally:
            lib.PQclear(res)

    def copies(self, queries: list[str], stop: Callable[[], bool]):
        """Send ``COPY (q) TO STDOUT`` for every query in one batch, then yield each one's rows as
        one bytes buffer, in order, as soon as it is complete. ``stop`` is polled while waiting."""
        lib = self.lib
        text = ";\n".join(f"COPY (\n{q}\n) TO STDOUT" for q in queries)
        if not lib.PQsendQuery(self.conn, text.encode("utf-8")):
            raise LibpqError(self._error_message())
        conn = lib_conn = self.conn
        sock = lib.PQsocket(conn)
        buf = ctypes.c_void_p()
        ref = ctypes.byref(buf)
        get, free, string_at = lib.PQgetCopyData, lib.PQfreemem, ctypes.string_at

        def wait() -> None:
            while not select.select([sock], [], [], 0.2)[0]:
                if stop():
                    raise LibpqError("stopped")
            if not lib.PQconsumeInput(lib_conn):
                raise LibpqError(self._error_message())

        def next_result() -> int | None:
            while lib.PQisBusy(conn):
                wait()
            return lib.PQgetResult(conn)

        for _ in queries:
            lib.PQclear(self._check(next_result(), (_PGRES_COPY_OUT,)))
            chunks: list[bytes] = []
            append = chunks.append
            while True:
                n = get(conn, ref, 1)
                if n > 0:
                    append(string_at(buf.value, n))
                    free(buf)
                elif n == 0:
                    # No whole row buffered. libpq reads 8-16 kB per call: read on from the socket
                    # while it has data, keeping the GIL, and only wait (giving the GIL up, and
                    # having to win it back) when it is empty; else the server stalls on a full
                    # socket whenever the model building holds the GIL.
                    before = lib.PQconsumeInput(conn) and get(conn, ref, 1)
                    if before > 0:
                        append(string_at(buf.value, before))
                        free(buf)
                    elif before == 0:
                        wait()
                    elif before == -1:
                        break
                    else:
                        raise LibpqError(self._error_message())
                elif n == -1:
                    break
                else:
                    raise LibpqError(self._error_message())
            lib.PQclear(self._check(next_result(), (_PGRES_COMMAND_OK,)))
            yield b"".join(chunks)
        while (res := next_result()):
            lib.PQclear(self._check(res, (_PGRES_COMMAND_OK, _PGRES_TUPLES_OK)))

    def cancel(self) -> None:
        """Ask the server to stop the running statement (from any thread, before ``close``)."""
        if self._cancel:
            err = ctypes.create_string_buffer(256)
            self.lib.PQcancel(self._cancel, err, 256)

    def close(self) -> None:
        if self._cancel:
            self.lib.PQfreeCancel(self._cancel)
            self._cancel = None
        if self.conn:
            self.lib.PQfinish(self.conn)
            self.conn = None

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
