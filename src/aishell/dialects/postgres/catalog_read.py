"""Reading the catalog through libpq (``aishell.dialects.postgres.libpq``), without the model.

The catalog queries (one ``.sql`` file each in ``sql/``, assembled for the server's major version) and
the reading of their rows live here, apart from ``inspect.py`` which builds the model from them, so
that a command can start reading (connect, open the transaction, send every query) before it has
imported the model and the inspector: ``CatalogRead`` does all of that in a thread, and the server
works while the client is still starting up.
"""

from __future__ import annotations

import os
import queue
import re
import threading
from collections.abc import Iterator
from functools import cache
from typing import Any

from aishell.errors import AishellError, ConnectError, UserError

_SQL_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sql")

#: The catalog queries, in the order they run. Their number never depends on the database's size.
QUERIES = (
    "namespaces",
    "extensions",
    "types",
    "sequences",
    "relations",
    "columns",
    "opclasses",
    "indexes",
    "constraints",
    "triggers",
    "policies",
    "statistics",
    "functions",
    "collations",
    "text_search",
    "casts",
    "operators",
    "operator_families",
    "rules",
    "event_triggers",
    "publications",
    "subscriptions",
    "default_privileges",
    "foreign_data",
)

DEFAULT_STATEMENT_TIMEOUT = "120s"

#: What a side connection reads: the indexes query (``pg_get_indexdef`` of every index) costs the
#: server about as much as all the other queries together.
SIDE_QUERIES = ("indexes",)
#: Below this many indexes in the catalog (system ones included), one connection reads everything: a
#: second backend starts with cold catalog caches and competes for the cores with the client's own work.
SIDE_MIN_INDEXES = 4000


# -- query text ---------------------------------------------------------------------------------------
@cache
def _raw_sql(name: str) -> str:
    with open(os.path.join(_SQL_DIR, f"{name}.sql"), encoding="utf-8") as f:
        return f.read()


_DIRECTIVE = re.compile(r"^\s*--@(if|else|endif)\b\s*(.*)$")


def render_sql(text: str, *, version: int, stats: bool = True, superuser: bool = True) -> str:
    """Keep the lines of ``text`` whose ``--@if`` conditions hold for this server and options."""
    out: list[str] = []
    stack: list[tuple[bool, bool]] = []  # (this branch active, parent active)
    active = True
    env = {"v": version, "stats": stats, "superuser": superuser, "__builtins__": {}}
    for line in text.splitlines():
        m = _DIRECTIVE.match(line)
        if not m:
            if active:
                out.append(line)
            continue
        word, cond = m.group(1), m.group(2).strip()
        if word == "if":
            holds = bool(eval(cond, env))
            stack.append((holds, active))
            active = active and holds
        elif word == "else":
            holds, parent = stack[-1]
            stack[-1] = (not holds, parent)
            active = parent and not holds
        else:
            _, parent = stack.pop()
            active = parent
    if stack:
        raise ValueError("unbalanced --@if in catalog query")
    return "\n".join(out)


def catalog_sql(name: str, *, version: int, stats: bool = True, superuser: bool = True) -> str:
    """The catalog query ``name`` as it runs on a server of ``server_version_num`` ``version``."""
    return render_sql(_raw_sql(name), version=version, stats=stats, superuser=superuser)


# -- reading through libpq (no psycopg) ------------------------------------------------------------------
def _copy_sql(name: str, *, version: int, stats: bool, superuser: bool, schemas_given: bool,
              nsp: list[int] | None) -> str:
    """A catalog query with its parameters written in, as ``COPY (query)`` takes none: the namespace
    oids as an array literal of integers the server returned, the schema names (user text) never
    pasted, but read from a transaction-local setting bound as a parameter."""
    text = catalog_sql(name, version=version, stats=stats, superuser=superuser)
    schemas = "pg_catalog.current_setting('aishell.inspect_schemas')" if schemas_given else "NULL"
    oids = "'{" + ",".join(str(int(o)) for o in nsp or ()) + "}'"
    return text.replace("%(schemas)s", schemas).replace("%(nsp)s", oids).replace("%%", "%")


def _array_literal(values: list[str]) -> str:
    return "{" + ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values) + "}"


_SNAPSHOT_ID = re.compile(r"^[0-9A-Fa-f-]+$")


def _begin_steps(statement_timeout: str, schemas: list[str] | None, snapshot: str | None = None,
                 want_snapshot: bool = False) -> list[tuple]:
    """The statements that open the READ ONLY, REPEATABLE READ transaction with the settings every
    catalog query runs under (as ``inspect_connection`` does); the last one returns (..., superuser
    'on'/'off', the exported snapshot or NULL)."""
    steps: list[tuple] = [("run", "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")]
    if snapshot is not None:
        if not _SNAPSHOT_ID.match(snapshot):
            raise AishellError(f"unexpected snapshot id {snapshot!r}")
        steps.append(("run", f"SET TRANSACTION SNAPSHOT '{snapshot}'"))
    steps.append((
        "run",
        "SELECT pg_catalog.set_config('search_path', '', true),"
        " pg_catalog.set_config('statement_timeout', $1, true),"
        " pg_catalog.set_config('lock_timeout', $1, true),"
        " pg_catalog.set_config('work_mem', '64MB', true),"
        " pg_catalog.set_config('aishell.inspect_schemas', $2, true),"
        " pg_catalog.current_setting('is_superuser'),"
        + (" CASE WHEN NOT pg_catalog.pg_is_in_recovery()"
           " AND (SELECT pg_catalog.count(*) FROM pg_catalog.pg_index) >= $3::pg_catalog.int4"
           " THEN pg_catalog.pg_export_snapshot() END" if want_snapshot else " NULL"),
        (statement_timeout, _array_literal(schemas) if schemas else "")
        + ((str(SIDE_MIN_INDEXES),) if want_snapshot else ()),
    ))
    return steps


def _begin_libpq(conn: Any, statement_timeout: str, schemas: list[str] | None, snapshot: str | None = None) -> None:
    conn.pipeline(_begin_steps(statement_timeout, schemas, snapshot=snapshot))


class _LibpqSide:
    """A second connection, made in its thread while the first one works, that reads some catalog
    queries in the first one's exported snapshot (the libpq twin of ``inspect._SideReader``)."""

    def __init__(self, conninfo: str, options: dict[str, str]):
        self.conn: Any = None
        self.results: queue.Queue = queue.Queue()
        self._work: queue.Queue = queue.Queue()
        self._connected: queue.Queue = queue.Queue()
        self.stopped = False
        self._thread = threading.Thread(target=self._run, args=(conninfo, options), name="aishell-inspect-side",
                                        daemon=True)
        self._thread.start()

    def _run(self, conninfo: str, options: dict[str, str]) -> None:
        from aishell.dialects.postgres import libpq

        try:
            self.conn = libpq.Connection(conninfo, **options)
        except Exception:  # noqa: BLE001 - the first connection reads everything instead
            self.conn = None
        self._connected.put(self.conn is not None)
        job = self._work.get()
        try:
            if job is None or self.conn is None:
                return
            snapshot, statement_timeout, schemas, queries = job
            try:
                _begin_libpq(self.conn, statement_timeout, schemas, snapshot=snapshot)
                for data in self.conn.copies(queries, lambda: self.stopped):
                    self.results.put(data)
            except BaseException as exc:  # noqa: BLE001 - raised in the caller's thread
                self.results.put(exc)
        finally:
            if self.conn is not None:
                self.conn.close()

    def start(self, snapshot: str, statement_timeout: str, schemas: list[str] | None, queries: list[str]) -> bool:
        if not self._connected.get():
            self._work.put(None)
            return False
        self._work.put((snapshot, statement_timeout, schemas, queries))
        return True

    def next(self) -> bytes:
        value = self.results.get()
        if isinstance(value, BaseException):
            raise value
        return value

    def close(self) -> None:
        self.stopped = True
        self._work.put(None)
        self._thread.join()


def available() -> bool:
    """Whether libpq can be loaded (else the inspector reads through psycopg)."""
    from aishell.dialects.postgres import libpq

    return libpq.library() is not None


class CatalogRead:
    """Every catalog query of ``inspect``, read through libpq in a thread that starts at once.

    The thread connects, opens the READ ONLY, REPEATABLE READ transaction with its settings, reads the
    namespaces and every other query's column names and types in one pipelined round trip, then sends
    all the other queries as ``COPY (...) TO STDOUT`` and hands over each one's rows as they arrive.
    ``rows()`` yields ``(query name, psycopg-like dict rows)`` in ``QUERIES`` order; an error (a
    failed connection, a timeout) is raised there as the one-line error ``inspect`` raises for it.
    """

    def __init__(self, conninfo: str, *, schemas: list[str] | None = None, include_stats: bool = True,
                 statement_timeout: str = DEFAULT_STATEMENT_TIMEOUT):
        self.conninfo = conninfo
        self.schemas = list(schemas) if schemas else None
        self.include_stats = include_stats
        self.statement_timeout = statement_timeout
        self.version = 0
        self.conn: Any = None
        self.side: _LibpqSide | None = None
        self.stopped = False
        self._items: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="aishell-inspect-reader", daemon=True)
        self._thread.start()

    def _sql(self, name: str, superuser: bool, nsp: list[int] | None) -> str:
        return _copy_sql(name, version=self.version, stats=self.include_stats, superuser=superuser,
                         schemas_given=bool(self.schemas), nsp=nsp)

    def _run(self) -> None:
        from aishell.dialects.postgres import libpq
        from aishell.dialects.postgres.connect import _explain, mask_url

        put = self._items.put
        try:
            try:
                libpq.check_conninfo(self.conninfo)
            except libpq.ConninfoError as exc:
                raise UserError(f"invalid connection string: {mask_url(str(exc).splitlines()[0])}") from None
            options = {"connect_timeout": "10", "application_name": "aishell", "client_encoding": "UTF8"}
            try:
                self.conn = conn = libpq.Connection(self.conninfo, **options)
            except libpq.LibpqError as exc:
                raise ConnectError(_explain(self.conninfo, str(exc))) from None
            if self.stopped:  # the consumer gave up while this thread was connecting
                return
            self.version = version = conn.server_version
            if version < 130000:
                raise UserError(f"PostgreSQL {version // 10000} is not supported (aishell reads 13 and later)")
            # One round trip: the transaction, the namespaces, and the column names and types of every
            # other query (COPY text carries neither). Whether the role is a superuser is not known
            # yet: it only decides whether the subscriptions query reads the connection string or
            # NULL::text, the same column either way.
            begin = _begin_steps(self.statement_timeout, self.schemas, want_snapshot=True)
            found = conn.pipeline(begin + [("run", self._sql(QUERIES[0], False, None))]
                                  + [("describe", self._sql(name, False, None)) for name in QUERIES[1:]])
            (*_, is_superuser, snapshot), = found[len(begin) - 1][2]
            superuser = is_superuser == "on"
            names, oids, rows = found[len(begin)]
            put((QUERIES[0], (names, oids, rows)))
            columns = dict(zip(QUERIES[1:], (f[:2] for f in found[len(begin) + 1:])))
            nsp = [int(r[names.index("oid")]) for r in rows]
            aside: tuple[str, ...] = ()
            if snapshot is not None:
                self.side = _LibpqSide(self.conninfo, options)
                if self.side.start(snapshot, self.statement_timeout, self.schemas,
                                   [self._sql(name, superuser, nsp) for name in SIDE_QUERIES]):
                    aside = SIDE_QUERIES
            put(("", {name: columns[name] for name in aside}))
            here = [name for name in QUERIES[1:] if name not in aside]
            for name, data in zip(here, conn.copies([self._sql(name, superuser, nsp) for name in here],
                                                    lambda: self.stopped)):
                put((name, (*columns[name], data)))
        except BaseException as exc:  # noqa: BLE001 - raised in the consumer's thread
            put((None, exc))

    def _next(self) -> tuple[str, Any]:
        name, value = self._items.get()
        if name is None:
            raise value
        return name, value

    def rows(self) -> Iterator[tuple[str, list[dict[str, Any]]]]:
        from aishell.dialects.postgres import libpq

        try:
            name, (names, oids, rows) = self._next()
            yield name, libpq.value_reader(names, oids)(rows)
            _, aside = self._next()  # the queries the side connection reads, with their columns
            for name in QUERIES[1:]:
                if name in aside:
                    assert self.side is not None
                    yield name, libpq.row_reader(*aside[name])(self.side.next())
                else:
                    got, (names, oids, data) = self._next()
                    yield got, libpq.row_reader(names, oids)(data)
        except libpq.LibpqError as exc:
            raise _user_error(exc, self.statement_timeout) from None

    def close(self) -> None:
        """Stop reading (cancelling a running query) and close the connections."""
        self.stopped = True
        if self._thread.is_alive() and self.conn is not None:
            try:
                self.conn.cancel()
            except Exception:  # noqa: BLE001 - best effort: the connection is closed next
                pass
        self._thread.join()
        if self.side is not None:
            self.side.close()
        if self.conn is not None:
            self.conn.close()


def _user_error(exc: Any, statement_timeout: str) -> Exception:
    """The one-line error ``inspect`` raises for a libpq failure."""
    message = str(exc).splitlines()[0] if str(exc) else "error"
    if exc.sqlstate in ("57014", "55P03"):
        what = "waiting for a lock" if exc.sqlstate == "55P03" else "reading the catalog"
        return AishellError(
            f"introspection stopped after the {statement_timeout} timeout while {what}"
            " (another session holds a lock, or the catalog is very large)"
        )
    if exc.sqlstate == "42501":
        return UserError(f"not allowed to read the catalog: {message}")
    if exc.sqlstate is None or exc.sqlstate.startswith("08"):
        return ConnectError(f"lost the connection while reading the catalog: {message}")
    return exc
