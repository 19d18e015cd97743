"""Introspection of a live PostgreSQL database into the schema model.

A constant number of catalog queries, one per object kind, kept as ``.sql`` files in
``aishell/dialects/postgres/sql/`` (as schemainspect does), all run inside one ``READ ONLY``
``REPEATABLE READ`` transaction with a statement timeout, so the result is one consistent snapshot and
nothing can be written. The queries are assembled for the server's major version (PostgreSQL 13 to 18)
from ``--@if <condition>`` / ``--@else`` / ``--@endif`` lines, where the condition may use ``v`` (the
server's ``server_version_num``) and ``stats`` (whether live statistics are wanted). The queries and
their reading through libpq (no psycopg import; ``COPY`` text) live in ``catalog_read.py``; psycopg
reads them where libpq cannot be loaded, and ``inspect_connection`` reads on a psycopg connection.

``search_path`` is emptied for the transaction, as pg_dump does, so every name PostgreSQL prints
(``format_type``, ``pg_get_expr``, ``pg_get_indexdef``, ...) is schema-qualified unless it lives in
``pg_catalog``: ``public.mpaa_rating``, ``nextval('public.film_film_id_seq'::regclass)``.

What goes where follows the conventions in ``docs/dev/helpers.md``; ``docs/inspect.md`` lists what is
captured and what is deliberately left out.
"""

from __future__ import annotations

import contextlib
import gc
import queue
import re
import threading
from collections.abc import Iterator
from typing import Any

from aishell.dialects.postgres import catalog_read
from aishell.dialects.postgres.catalog_read import (  # noqa: F401 - re-exported: they were defined here
    DEFAULT_STATEMENT_TIMEOUT,
    QUERIES,
    SIDE_MIN_INDEXES,
    SIDE_QUERIES,
    catalog_sql,
    render_sql,
)
from aishell.dialects.postgres.quote import qualify, quote_ident
from aishell.errors import AishellError, ConnectError, UserError
from aishell.model import (
    BaseType,
    Cast,
    CheckConstraint,
    Collation,
    Column,
    CompositeType,
    DefaultPrivilege,
    Domain,
    EnumType,
    EventTrigger,
    ExclusionConstraint,
    Extension,
    ForeignDataWrapper,
    ForeignKey,
    ForeignServer,
    Function,
    Index,
    Namespace,
    Operator,
    OperatorClass,
    OperatorFamily,
    Policy,
    Privilege,
    Publication,
    PublicationTable,
    RangeType,
    Rule,
    Schema,
    Sequence,
    Subscription,
    Table,
    TextSearchConfig,
    TextSearchDictionary,
    TextSearchMapping,
    TextSearchParser,
    TextSearchTemplate,
    Trigger,
    UniqueConstraint,
    UserMapping,
    View,
)

_ACTIONS = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}
_MATCH = {"s": "SIMPLE", "f": "FULL", "p": "PARTIAL"}
_VOLATILITY = {"i": "IMMUTABLE", "s": "STABLE", "v": "VOLATILE"}
_PARALLEL = {"s": "SAFE", "r": "RESTRICTED", "u": "UNSAFE"}
_FUNC_KIND = {"f": "function", "p": "procedure", "a": "aggregate", "w": "window"}
_POLICY_CMD = {"*": "ALL", "r": "SELECT", "a": "INSERT", "w": "UPDATE", "d": "DELETE"}
_FINAL_MODIFY = {"r": "READ_ONLY", "s": "SHAREABLE", "w": "READ_WRITE"}
_ACL_PRIVS = {
    "r": "SELECT", "w": "UPDATE", "a": "INSERT", "d": "DELETE", "D": "TRUNCATE", "x": "REFERENCES",
    "t": "TRIGGER", "X": "EXECUTE", "U": "USAGE", "C": "CREATE", "c": "CONNECT", "T": "TEMPORARY",
    "m": "MAINTAIN", "s": "SET", "A": "ALTER SYSTEM",
}
# Sequence bounds PostgreSQL uses when none is given, by type: (min, max).
_TYPE_BOUNDS = {
    "smallint": (-32768, 32767),
    "integer": (-2147483648, 2147483647),
    "bigint": (-9223372036854775808, 9223372036854775807),
}


# -- entry points ---------------------------------------------------------------------------------------
def inspect(
    conninfo: str,
    *,
    schemas: list[str] | None = None,
    include_stats: bool = True,
    statement_timeout: str = DEFAULT_STATEMENT_TIMEOUT,
    reader: str | None = None,
    reading: Any = None,
) -> Schema:
    """Read the schema of the database at ``conninfo`` into a model.

    ``schemas`` limits the result to those PostgreSQL schemas (default: every non-system schema).
    ``include_stats`` adds live statistics (row estimates, sizes, scan counts) to ``attrs``.
    The catalog is read through libpq directly when it can be loaded (``aishell.dialects.postgres.libpq``:
    no psycopg import, rows read with COPY), else, or with ``reader="psycopg"``, through psycopg; the
    model is the same either way. ``reading`` is a ``catalog_read.CatalogRead`` a caller started
    earlier (with the same options), so that the server works while the caller was still starting up.
    """
    if reading is None and reader != "psycopg" and catalog_read.available():
        reading = catalog_read.CatalogRead(conninfo, schemas=schemas, include_stats=include_stats,
                                           statement_timeout=statement_timeout)
    if reading is not None:
        return _inspect_libpq(reading, schemas=schemas, include_stats=include_stats)
    from aishell.dialects.postgres.connect import connect

    with connect(conninfo) as conn:
        return inspect_connection(
            conn, schemas=schemas, include_stats=include_stats, statement_timeout=statement_timeout,
            side_conninfo=conninfo,
        )


def inspect_connection(
    conn: Any,
    *,
    schemas: list[str] | None = None,
    include_stats: bool = True,
    statement_timeout: str = DEFAULT_STATEMENT_TIMEOUT,
    side_conninfo: str | None = None,
) -> Schema:
    """Like ``inspect`` on an open psycopg connection (not in autocommit mode, no transaction open).

    With ``side_conninfo`` (where ``conn`` is connected) and a catalog of at least ``SIDE_MIN_INDEXES``
    indexes, a second connection runs ``SIDE_QUERIES`` in this connection's snapshot (exported to it)
    while this one runs the others, so that two server processes share the reading."""
    import psycopg

    version = int(conn.info.server_version)
    if version < 130000:
        raise UserError(f"PostgreSQL {version // 10000} is not supported (aishell reads 13 and later)")
    builder = _Builder(include_stats)
    side: _SideReader | None = None
    # The model is a few hundred thousand small objects and none of them is garbage: the cyclic
    # collector would only walk them over and over (it doubles the time of a 2,000-table build).
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        conn.read_only = True
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        with conn.transaction():
            with conn.cursor() as cur:
                cur.execute(
                    "SELECT pg_catalog.set_config('search_path', '', true),"
                    " pg_catalog.set_config('statement_timeout', %s, true),"
                    " pg_catalog.set_config('lock_timeout', %s, true),"
                    # Enough memory for the catalog queries' sorts and hashes not to spill to disk.
                    " pg_catalog.set_config('work_mem', '64MB', true),"
                    # Some catalog columns (a subscription's connection string) only a superuser may read.
                    " pg_catalog.current_setting('is_superuser'),"
                    # The snapshot a second connection reads in, when the catalog is large enough for
                    # it to pay (a standby cannot export one).
                    + (" CASE WHEN NOT pg_catalog.pg_is_in_recovery()"
                       " AND (SELECT pg_catalog.count(*) FROM pg_catalog.pg_index) >= %s"
                       " THEN pg_catalog.pg_export_snapshot() END" if side_conninfo else " NULL"),
                    (statement_timeout, statement_timeout) + ((SIDE_MIN_INDEXES,) if side_conninfo else ()),
                )
                *_, is_superuser, snapshot = cur.fetchone()
                superuser = is_superuser == "on"
                if snapshot is not None:
                    # Connects in its thread while this connection reads the namespaces.
                    side = _SideReader(side_conninfo, SIDE_QUERIES)
                params: dict[str, Any] = {"schemas": list(schemas) if schemas else None}
                cur.execute(catalog_sql(QUERIES[0], version=version, stats=include_stats), params)
                namespaces = _dict_rows(cur)
                builder.feed(QUERIES[0], namespaces)
                params["nsp"] = [r["oid"] for r in namespaces]
            # The other queries go out together in a pipeline, a reader thread drains their results
            # as the server produces them, and this thread builds the model from each result while the
            # server computes the next: server and client work side by side.
            rest = QUERIES[1:]
            aside: tuple[str, ...] = ()
            if side is not None:
                aside = side.start(snapshot, statement_timeout, [
                    (name, catalog_sql(name, version=version, stats=include_stats, superuser=superuser))
                    for name in side.names], params)
            here = [name for name in rest if name not in aside]
            pipeline = conn.pipeline() if psycopg.Pipeline.is_supported() else contextlib.nullcontext()
            with pipeline:
                cursors = [conn.cursor() for _ in here]
                for name, cur in zip(here, cursors):
                    cur.execute(catalog_sql(name, version=version, stats=include_stats, superuser=superuser), params)
                results = _read_in_background(conn, list(zip(here, cursors)))
                for name in rest:
                    # In QUERIES order, whichever connection read the result.
                    builder.feed(name, side.result(name) if name in aside else next(results)[1])
                for _ in results:
                    pass
                for cur in cursors:
                    cur.close()
        schema = builder.finish()
    except (psycopg.errors.QueryCanceled, psycopg.errors.LockNotAvailable) as exc:
        what = "waiting for a lock" if isinstance(exc, psycopg.errors.LockNotAvailable) else "reading the catalog"
        raise AishellError(
            f"introspection stopped after the {statement_timeout} timeout while {what}"
            " (another session holds a lock, or the catalog is very large)"
        ) from None
    except psycopg.errors.InsufficientPrivilege as exc:
        raise UserError(f"not allowed to read the catalog: {str(exc).splitlines()[0]}") from None
    except psycopg.OperationalError as exc:
        raise ConnectError(
            f"lost the connection while reading the catalog: {str(exc).splitlines()[0]}"
        ) from None
    finally:
        if side is not None:
            side.close()
        if gc_was_enabled:
            gc.enable()
    return _finished(schema, version, schemas)


def _finished(schema: Schema, version: int, schemas: list[str] | None) -> Schema:
    """The model read by either reader, with its server version, once every schema asked for exists."""
    schema.server_version = f"{version // 10000}.{version % 10000}"
    if schemas:
        missing = sorted(set(schemas) - {n.name for n in schema.schemas})
        if missing:
            raise UserError(f"no schema named {missing[0]!r} in this database")
    return schema


class _SideReader:
    """A second connection that runs some catalog queries in another connection's snapshot.

    It connects in a thread as soon as it is made (while the first connection does too); ``start``
    hands it the exported snapshot and the queries, ``result`` waits for one of them. If it could not
    connect, ``start`` returns no names and the first connection runs everything, as without it.
    """

    def __init__(self, conninfo: str, names: tuple[str, ...]):
        import psycopg  # noqa: F401 - imported here, never by two threads at once

        self.names = names
        self.conn: Any = None
        self._connected: queue.Queue = queue.Queue()  # thread -> caller: whether it connected
        self._work: queue.Queue = queue.Queue()  # caller -> thread: the queries, or None
        self._started = False
        self._results: dict[str, Any] = {}
        self._done = threading.Condition()
        self._thread = threading.Thread(target=self._run, args=(conninfo,), name="aishell-inspect-side",
                                        daemon=True)
        self._thread.start()

    def _run(self, conninfo: str) -> None:
        from aishell.dialects.postgres.connect import connect

        try:
            conn = connect(conninfo)
        except Exception:  # noqa: BLE001 - the first connection reads everything instead
            conn = None
        self.conn = conn
        self._connected.put(conn is not None)
        job = self._work.get()
        if job is None or conn is None:
            if conn is not None:
                conn.close()
            return
        snapshot, statement_timeout, queries, params = job
        try:
            self._read(conn, snapshot, statement_timeout, queries, params)
        except BaseException as exc:  # noqa: BLE001 - raised in the caller's thread by result()
            with self._done:
                for name, _ in queries:
                    self._results.setdefault(name, exc)
                self._done.notify_all()
        finally:
            conn.close()

    def _read(self, conn: Any, snapshot: str, statement_timeout: str, queries: list[tuple[str, str]],
              params: dict[str, Any]) -> None:
        import psycopg
        from psycopg import sql

        conn.read_only = True
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        with conn.transaction(), conn.cursor() as cur:
            cur.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(snapshot)))
            cur.execute(
                "SELECT pg_catalog.set_config('search_path', '', true),"
                " pg_catalog.set_config('statement_timeout', %s, true),"
                " pg_catalog.set_config('lock_timeout', %s, true),"
                " pg_catalog.set_config('work_mem', '64MB', true)",
                (statement_timeout, statement_timeout),
            )
            for name, text in queries:
                cur.execute(text, params)
                rows = _dict_rows(cur)
                with self._done:
                    self._results[name] = rows
                    self._done.notify_all()

    def start(self, snapshot: str, statement_timeout: str, queries: list[tuple[str, str]],
              params: dict[str, Any]) -> tuple[str, ...]:
        """Run ``queries`` in ``snapshot``; the names it took on (none if it could not connect)."""
        if not self._connected.get():
            self._work.put(None)
            return ()
        self._work.put((snapshot, statement_timeout, queries, dict(params)))
        self._started = True
        return tuple(name for name, _ in queries)

    def result(self, name: str) -> list[dict[str, Any]]:
        with self._done:
            while name not in self._results:
                self._done.wait()
            value = self._results[name]
        if isinstance(value, BaseException):
            raise value
        return value

    def close(self) -> None:
        """End the thread: unused, it closes its connection; cancelled, its query stops."""
        if not self._started:
            self._work.put(None)  # the thread closes its connection, if it made one, by itself
            return
        if self._thread.is_alive() and self.conn is not None:
            cancel = getattr(self.conn, "cancel_safe", None) or self.conn.cancel
            with contextlib.suppress(Exception):
                with self._done:
                    pending = any(name not in self._results for name in self.names)
                if pending:
                    cancel()
        self._thread.join()


def _read_in_background(
    conn: Any, named_cursors: list[tuple[str, Any]]
) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Yield each cursor's rows in order, fetched by a thread that never waits for the consumer.

    Only that thread touches the connection until every result is read; an error it meets is raised
    here, in the caller's thread. If the consumer stops early (Ctrl-C, an error), the running query is
    cancelled so that the reader ends at once instead of reading every remaining result.
    """
    results: queue.Queue = queue.Queue()

    def read() -> None:
        try:
            for name, cur in named_cursors:
                results.put((name, _dict_rows(cur)))
        except BaseException as exc:  # noqa: BLE001 - handed over to the consumer
            results.put((None, exc))

    reader = threading.Thread(target=read, name="aishell-inspect-reader", daemon=True)
    reader.start()
    finished = False
    try:
        for _ in named_cursors:
            name, payload = results.get()
            if name is None:
                raise payload
            yield name, payload
        finished = True
    finally:
        if not finished and reader.is_alive():
            cancel = getattr(conn, "cancel_safe", None) or conn.cancel
            with contextlib.suppress(Exception):
                cancel()
        reader.join()


def _inspect_libpq(reading: Any, *, schemas: list[str] | None, include_stats: bool) -> Schema:
    """``inspect`` from a ``CatalogRead``: the same queries in the same transaction as
    ``inspect_connection``, read through libpq, and the same model building."""
    builder = _Builder(include_stats)
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for name, rows in reading.rows():
            builder.feed(name, rows)
        schema = builder.finish()
    finally:
        reading.close()
        if gc_was_enabled:
            gc.enable()
    version = reading.version
    return _finished(schema, version, schemas)


def _dict_rows(cur: Any) -> list[dict[str, Any]]:
    data = cur.fetchall()  # first: in pipeline mode the description arrives with the rows
    names = [d.name for d in cur.description]
    return [dict(zip(names, row)) for row in data]


# -- assembling the model ---------------------------------------------------------------------------------
class _Builder:
    """Turns each query's rows into model objects as they arrive.

    ``inspect_connection`` feeds it while later queries still run on the server, so building the model
    overlaps the catalog work. Each step may rely only on the queries before it in ``QUERIES``.
    """

    def __init__(self, include_stats: bool):
        self.include_stats = include_stats
        self.schema = Schema()
        self.identity: dict[tuple[int, int], dict[str, Any]] = {}
        self.domains: dict[int, Domain] = {}
        self.composites: dict[int, CompositeType] = {}  # by relation oid
        self.tables: dict[int, Table] = {}
        self.views: dict[int, View] = {}
        self.relation_rows: dict[int, dict[str, Any]] = {}
        self.column_names: dict[tuple[int, int], str] = {}
        self.opclass_names: dict[int, str] = {}
        self.indexes: dict[int, Index] = {}
        self.pending_unique: list[tuple[UniqueConstraint, int]] = []

    def feed(self, name: str, rows: list[dict[str, Any]]) -> None:
        getattr(self, f"_on_{name}")(rows)

    # -- one step per query ------------------------------------------------------------------------------
    def _on_namespaces(self, rows: list[dict[str, Any]]) -> None:
        self.schema.schemas = [
            Namespace(name=r["name"], owner=r["owner"], comment=r["comment"], privileges=parse_acl(r["acl"]))
            for r in rows
        ]

    def _on_extensions(self, rows: list[dict[str, Any]]) -> None:
        self.schema.extensions = [
            Extension(name=r["name"], schema=r["schema"], version=r["version"], comment=r["comment"])
            for r in rows
        ]

    def _on_types(self, rows: list[dict[str, Any]]) -> None:
        for r in rows:
            common = dict(
                name=r["name"],
                schema=r["schema"],
                owner=r["owner"],
                comment=r["comment"],
                privileges=parse_acl(r["acl"]),
            )
            if r["kind"] == "e":
                self.schema.enums.append(EnumType(values=list(r["enum_values"] or []), **common))
            elif r["kind"] == "d":
                dom = Domain(
                    type=r["base_type"],
                    default=r["default_value"],
                    not_null=r["not_null"],
                    collation=r["collation"],
                    **common,
                )
                self.domains[r["oid"]] = dom
                self.schema.domains.append(dom)
            elif r["kind"] == "r":
                self.schema.range_types.append(_range_type(r, common))
            elif r["kind"] == "b":
                self.schema.base_types.append(_base_type(r, common))
            else:
                comp = CompositeType(**common)
                self.composites[r["relid"]] = comp
                self.schema.composite_types.append(comp)

    def _on_sequences(self, rows: list[dict[str, Any]]) -> None:
        for r in rows:
            lo, hi = _default_bounds(r["type"], r["increment"])
            min_value = None if r["min_value"] == lo else r["min_value"]
            max_value = None if r["max_value"] == hi else r["max_value"]
            if r["owner_deptype"] == "i":
                # An identity column's sequence: its options go on the column, keyed (table oid, attnum).
                opts: dict[str, Any] = {
                    "start": r["start"],
                    "increment": r["increment"],
                    "cache": r["cache"],
                    "cycle": r["cycle"],
                    "sequence_name": f"{r['schema']}.{r['name']}",
                }
                if min_value is not None:
                    opts["min_value"] = min_value
                if max_value is not None:
                    opts["max_value"] = max_value
                if r["type"] != "bigint":
                    opts["type"] = r["type"]
                self.identity[(r["owner_relid"], r["owner_attnum"])] = opts
                continue
            owned_by = (
                f"{r['owner_schema']}.{r['owner_table']}.{r['owner_column']}" if r["owner_table"] else None
            )
            seq = Sequence(
                name=r["name"],
                schema=r["schema"],
                type=r["type"],
                start=r["start"],
                increment=r["increment"],
                min_value=min_value,
                max_value=max_value,
                cache=r["cache"],
                cycle=r["cycle"],
                owned_by=owned_by,
                owner=r["owner"],
                comment=r["comment"],
                privileges=parse_acl(r["acl"]),
            )
            if r["persistence"] == "u":
                seq.attrs["unlogged"] = True
            self.schema.sequences.append(seq)

    def _on_relations(self, rows: list[dict[str, Any]]) -> None:
        for r in rows:
            self.relation_rows[r["oid"]] = r
            if r["kind"] in ("v", "m"):
                view = View(
                    name=r["name"],
                    schema=r["schema"],
                    definition=r["view_definition"] or "",
                    materialized=r["kind"] == "m",
                    options=list(r["options"] or []),
                    with_data=bool(r["populated"]) if r["kind"] == "m" else True,
                    tablespace=r["tablespace"],
                    owner=r["owner"],
                    comment=r["comment"],
                    privileges=parse_acl(r["acl"]),
                    depends_on=sorted(r["depends_on"] or []),
                )
                if r["kind"] == "m" and r["access_method"] not in (None, "heap"):
                    view.attrs["access_method"] = r["access_method"]
                self.views[r["oid"]] = view
                continue
            parents = list(r["parents"] or [])
            table = Table(
                name=r["name"],
                schema=r["schema"],
                rls_enabled=r["rls_enabled"],
                rls_forced=r["rls_forced"],
                unlogged=r["persistence"] == "u",
                partition_by=r["partition_by"],
                partition_of=parents[0] if r["is_partition"] and parents else None,
                partition_bound=r["partition_bound"],
                inherits=[] if r["is_partition"] else parents,
                options=list(r["options"] or []),
                tablespace=r["tablespace"],
                access_method=r["access_method"] if r["access_method"] not in (None, "heap") else None,
                owner=r["owner"],
                comment=r["comment"],
                privileges=parse_acl(r["acl"]),
            )
            if r["kind"] == "f":
                table.attrs["foreign"] = True
                table.attrs["foreign_server"] = r["foreign_server"]
                if r["foreign_options"]:
                    table.attrs["foreign_options"] = list(r["foreign_options"])
            if r["replica_identity"] and r["replica_identity"] != "d" and r["kind"] != "f":
                # f: FULL, n: NOTHING, i: USING INDEX (the index is flagged replica_identity).
                table.attrs["replica_identity"] = {"f": "FULL", "n": "NOTHING", "i": "INDEX"}[
                    r["replica_identity"]
                ]
            self.tables[r["oid"]] = table

    def _on_columns(self, rows: list[dict[str, Any]]) -> None:
        names = self.column_names
        tables, views, composites, identity = self.tables, self.views, self.composites, self.identity
        rows.sort(key=lambda r: (r["relid"], r["attnum"]))
        for r in rows:
            relid = r["relid"]
            names[(relid, r["attnum"])] = r["name"]
            table = tables.get(relid)
            if table is not None:
                table.columns.append(_column(r, identity.get((relid, r["attnum"]), {})))
                if r["acl"]:
                    table.privileges.extend(_column_privileges(r))
                continue
            view = views.get(relid)
            if view is not None:
                view.columns.append(r["name"])
                if r["comment"] is not None:
                    view.column_comments[r["name"]] = r["comment"]
                if r["acl"]:
                    view.privileges.extend(_column_privileges(r))
                continue
            comp = composites.get(relid)
            if comp is not None:
                comp.attributes.append(_column(r, {}))

    def _on_constraints(self, rows: list[dict[str, Any]]) -> None:
        for r in rows:
            if r["relid"]:
                table = self.tables.get(r["relid"])
                if table is not None:
                    _add_constraint(table, r, self.column_names, self.pending_unique)
            elif r["typid"] and r["kind"] == "c" and r["typid"] in self.domains:
                self.domains[r["typid"]].checks.append(
                    CheckConstraint(
                        name=r["name"],
                        expression=_check_expr(r),
                        valid=r["validated"],
                        comment=r["comment"],
                        definition=r["definition"],
                    )
                )

    def _on_opclasses(self, rows: list[dict[str, Any]]) -> None:
        self.opclass_names = {r["oid"]: r["name"] for r in rows}

    def _on_indexes(self, rows: list[dict[str, Any]]) -> None:
        for r in rows:
            idx = _index(r, self.include_stats, self.column_names, self.opclass_names)
            self.indexes[r["oid"]] = idx
            owner_rel = self.tables.get(r["relid"]) or self.views.get(r["relid"])
            if owner_rel is not None:
                owner_rel.indexes.append(idx)

    def _on_triggers(self, rows: list[dict[str, Any]]) -> None:
        for r in rows:
            owner_rel = self.tables.get(r["relid"]) or self.views.get(r["relid"])
            if owner_rel is not None:
                owner_rel.triggers.append(_trigger(r))

    def _on_policies(self, rows: list[dict[str, Any]]) -> None:
        for r in rows:
            table = self.tables.get(r["relid"])
            if table is not None:
                table.policies.append(
                    Policy(
                        name=r["name"],
                        command=_POLICY_CMD.get(r["command"], "ALL"),
                        permissive=r["permissive"],
                        roles=list(r["roles"] or ["public"]),
                        using=r["using_expr"],
                        with_check=r["check_expr"],
                        comment=r["comment"],
                    )
                )

    def _on_statistics(self, rows: list[dict[str, Any]]) -> None:
        for r in rows:
            table = self.tables.get(r["relid"])
            if table is not None:
                entry = {"name": r["name"], "schema": r["schema"], "definition": r["definition"]}
                if r["comment"] is not None:
                    entry["comment"] = r["comment"]
                table.attrs.setdefault("statistics", []).append(entry)

    def _on_functions(self, rows: list[dict[str, Any]]) -> None:
        self.schema.functions = [_function(r) for r in rows]

    def _on_collations(self, rows: list[dict[str, Any]]) -> None:
        self.schema.collations = [_collation(r) for r in rows]

    def _on_text_search(self, rows: list[dict[str, Any]]) -> None:
        s = self.schema
        for r in rows:
            kind, common = r["kind"], {"name": r["name"], "schema": r["schema"], "comment": r["comment"]}
            if kind == "c":
                mappings = [TextSearchMapping(token=t, dictionaries=d.split(",") if d else [])
                            for t, d in zip(r["tokens"] or [], r["dictionaries"] or [])]
                s.text_search_configs.append(TextSearchConfig(parser=r["parser"], mappings=mappings,
                                                              owner=r["owner"], **common))
            elif kind == "d":
                s.text_search_dictionaries.append(TextSearchDictionary(template=r["template"], options=r["options"],
                                                                       owner=r["owner"], **common))
            elif kind == "p":
                s.text_search_parsers.append(TextSearchParser(start=r["f1"], gettoken=r["f2"], end=r["f3"],
                                                              lextypes=r["f4"], headline=r["f5"], **common))
            else:
                s.text_search_templates.append(TextSearchTemplate(init=r["f1"], lexize=r["f2"], **common))

    def _on_casts(self, rows: list[dict[str, Any]]) -> None:
        self.schema.casts = [
            Cast(source=r["source"], target=r["target"], method=_CAST_METHOD[r["method"]], function=r["function"],
                 context=_CAST_CONTEXT[r["context"]], comment=r["comment"])
            for r in rows
        ]

    def _on_operators(self, rows: list[dict[str, Any]]) -> None:
        self.schema.operators = [
            Operator(name=r["name"], schema=r["schema"], function=r["function"], left=r["left"], right=r["right"],
                     commutator=r["commutator"], negator=r["negator"], restrict=r["restrict"], join=r["join"],
                     hashes=r["hashes"], merges=r["merges"], owner=r["owner"], comment=r["comment"])
            for r in rows
        ]

    def _on_operator_families(self, rows: list[dict[str, Any]]) -> None:
        for r in rows:
            common = {"name": r["name"], "schema": r["schema"], "method": r["method"], "owner": r["owner"],
                      "comment": r["comment"], "operators": list(r["operators"] or []),
                      "functions": list(r["functions"] or [])}
            if r["kind"] == "f":
                self.schema.operator_families.append(OperatorFamily(**common))
            else:
                family = r["family"]
                own = quote_ident(r["name"]) if r["schema"] == "pg_catalog" else qualify(r["schema"], r["name"])
                self.schema.operator_classes.append(OperatorClass(
                    type=r["type"], default=r["is_default"], family=None if family == own else family,
                    storage=r["storage"], **common))

    def _on_rules(self, rows: list[dict[str, Any]]) -> None:
        for r in rows:
            rel = self.tables.get(r["relid"]) or self.views.get(r["relid"])
            if rel is not None:
                rel.rules.append(Rule(name=r["name"], event=_RULE_EVENT.get(r["event"], r["event"]),
                                      definition=r["definition"], enabled=r["enabled"], comment=r["comment"]))

    def _on_event_triggers(self, rows: list[dict[str, Any]]) -> None:
        self.schema.event_triggers = [
            EventTrigger(name=r["name"], event=r["event"], function=r["function"], tags=list(r["tags"] or []),
                         enabled=r["enabled"], owner=r["owner"], comment=r["comment"])
            for r in rows
        ]

    def _on_publications(self, rows: list[dict[str, Any]]) -> None:
        for r in rows:
            names = list(r["table_names"] or [])
            wheres = list(r["wheres"] or [""] * len(names))
            columns = list(r["columns"] or [""] * len(names))
            tables = [PublicationTable(table=n, columns=_split_columns(c), where=w or None)
                      for n, w, c in zip(names, wheres, columns)]
            publish = [w for w, on in (("insert", r["ins"]), ("update", r["upd"]), ("delete", r["del"]),
                                       ("truncate", r["trunc"])) if on]
            pub = Publication(name=r["name"], all_tables=r["all_tables"], tables=tables,
                              schemas=list(r["schemas"] or []), publish=publish, via_root=r["via_root"],
                              owner=r["owner"], comment=r["comment"])
            if r["gencols"] and r["gencols"] != "n":
                pub.attrs["publish_generated_columns"] = "stored"
            self.schema.publications.append(pub)

    def _on_subscriptions(self, rows: list[dict[str, Any]]) -> None:
        self.schema.subscriptions = [_subscription(r) for r in rows]

    def _on_default_privileges(self, rows: list[dict[str, Any]]) -> None:
        self.schema.default_privileges = [
            DefaultPrivilege(role=r["role"], schema=r["schema"],
                             object_type=_DEFACL_TYPES.get(r["object_type"], r["object_type"]),
                             privileges=parse_acl(r["acl"]))
            for r in rows
        ]

    def _on_foreign_data(self, rows: list[dict[str, Any]]) -> None:
        s = self.schema
        for r in rows:
            kind = r["kind"]
            if kind == "w":
                s.foreign_data_wrappers.append(ForeignDataWrapper(
                    name=r["name"], handler=r["handler"], validator=r["validator"], options=list(r["options"] or []),
                    owner=r["owner"], comment=r["comment"], privileges=parse_acl(r["acl"])))
            elif kind == "s":
                options, secret = _without_secrets(r["options"])
                srv = ForeignServer(name=r["name"], wrapper=r["wrapper"], type=r["type"], version=r["version"],
                                    options=options, owner=r["owner"], comment=r["comment"],
                                    privileges=parse_acl(r["acl"]))
                if secret:
                    srv.attrs["secret_options"] = secret
                s.foreign_servers.append(srv)
            else:
                options, secret = _without_secrets(r["options"])
                um = UserMapping(user=r["usename"], server=r["wrapper"], options=options)
                if secret:
                    um.attrs["secret_options"] = secret
                s.user_mappings.append(um)

    # -- the end -----------------------------------------------------------------------------------------
    def finish(self) -> Schema:
        schema = self.schema
        for uc, indid in self.pending_unique:
            idx = self.indexes.get(indid)
            if idx is not None:
                uc.nulls_not_distinct = idx.nulls_not_distinct
                uc.include = list(idx.include)
        if self.include_stats:
            for oid, r in self.relation_rows.items():
                rel = self.tables.get(oid) or self.views.get(oid)
                if rel is not None and r["kind"] in ("r", "m"):
                    rel.attrs.update(_table_stats(r, rel.indexes))
        _prune_not_null_names(self.tables.values())
        schema.tables = sorted(self.tables.values(), key=lambda t: (t.schema, t.name))
        schema.views = sorted(self.views.values(), key=lambda v: (v.schema, v.name))
        for t in schema.tables:
            t.indexes.sort(key=lambda i: i.name)
            t.foreign_keys.sort(key=lambda f: f.name or "")
            t.checks.sort(key=lambda c: c.name or "")
            t.unique.sort(key=lambda u: u.name or "")
            t.exclusions.sort(key=lambda x: x.name or "")
            t.triggers.sort(key=lambda x: x.name)
            t.policies.sort(key=lambda x: x.name)
        for v in schema.views:
            v.indexes.sort(key=lambda i: i.name)
            v.triggers.sort(key=lambda x: x.name)
        for d in schema.domains:
            d.checks.sort(key=lambda c: c.name or "")
        schema.functions.sort(key=lambda f: (f.schema, f.name, f.identity_args))
        return schema


def _prune_not_null_names(tables: Any) -> None:
    """Keep a column's ``not_null_name`` only where it differs from the name it gets by default in
    context: ``<table>_<column>_not_null`` for a table's own constraint, the parent's constraint name
    for an inherited column (a partition attached after creation keeps names of its own)."""
    tables = list(tables)
    raw = {(t.schema, t.name, c.name): c.attrs.get("not_null_name") for t in tables for c in t.columns}
    for t in tables:
        parents = [t.partition_of] if t.partition_of else list(t.inherits)
        for c in t.columns:
            name = c.attrs.get("not_null_name")
            if name is None:
                continue
            expected = f"{t.name}_{c.name}_not_null"
            if c.attrs.get("inherited"):
                for parent in parents:
                    pschema, _, pname = parent.partition(".")
                    inherited_name = raw.get((pschema, pname, c.name))
                    if inherited_name:
                        expected = inherited_name
                        break
            if _truncate_name(expected) == name:
                del c.attrs["not_null_name"]


def _truncate_name(name: str, limit: int = 63) -> str:
    """PostgreSQL cuts identifiers to 63 bytes (NAMEDATALEN - 1) without splitting a character."""
    data = name.encode()
    if len(data) <= limit:
        return name
    return data[:limit].decode("utf-8", errors="ignore")


def _default_bounds(type_name: str, increment: int) -> tuple[int, int]:
    lo, hi = _TYPE_BOUNDS.get(type_name, _TYPE_BOUNDS["bigint"])
    return (1, hi) if increment > 0 else (lo, -1)


_IDENTITY = {"a": "always", "d": "by default"}
_GENERATED = {"s": "stored", "v": "virtual"}
_STORAGE = {"p": "PLAIN", "e": "EXTERNAL", "m": "MAIN", "x": "EXTENDED"}
_COMPRESSION = {"p": "pglz", "l": "lz4"}


def _column(r: dict[str, Any], identity_options: dict[str, Any]) -> Column:
    """A column (or a composite type's attribute) from a row of the columns query."""
    identity = r["identity"]
    generated_kind = r["generated_kind"]
    col = Column(
        r["name"], r["type"], not r["not_null"], r["default_value"],
        _IDENTITY[identity] if identity else None, dict(identity_options) if identity else {},
        r["generated"], _GENERATED[generated_kind] if generated_kind else None,
        r["collation"], r["comment"],
    )
    # Everything below is rare: settle the common case with as few lookups as possible.
    stattarget = r["stattarget"]
    storage = r["storage"]
    options = r["options"]
    compression = r.get("compression")
    not_null_name = r.get("not_null_name")
    inherited = r["is_local"] is False
    fdw_options = r["fdw_options"]
    if not (inherited or options or fdw_options or compression or not_null_name or storage != r["type_storage"]
            or (stattarget is not None and stattarget >= 0)):
        return col
    attrs = col.attrs
    if stattarget is not None and stattarget >= 0:
        attrs["statistics"] = stattarget
    if storage and r["type_storage"] and storage != r["type_storage"]:
        attrs["storage"] = _STORAGE.get(storage, storage)
    if compression:
        attrs["compression"] = _COMPRESSION.get(compression, compression)
    # Only options a user can set (n_distinct, n_distinct_inherited); some builds store private
    # bookkeeping there too (the system PostgreSQL 15 here adds "pg_attver=...").
    options = [o for o in options or [] if not o.startswith("pg_")]
    if options:
        attrs["options"] = options
    if fdw_options:
        attrs["fdw_options"] = list(fdw_options)
    if inherited:
        attrs["inherited"] = True
    if not_null_name:
        # PostgreSQL 18 names NOT NULL constraints. The name is kept here and pruned by
        # _prune_not_null_names where it is the one PostgreSQL would choose anyway.
        attrs["not_null_name"] = not_null_name
        if r.get("not_null_no_inherit"):
            attrs["not_null_no_inherit"] = True
        if r.get("not_null_valid") is False:
            attrs["not_null_valid"] = False
    return col


def _column_privileges(r: dict[str, Any]) -> list[Privilege]:
    """Column-level grants of one column row."""
    out = parse_acl(r["acl"])
    for p in out:
        p.columns = [r["name"]]
    return out


def _table_stats(r: dict[str, Any], indexes: list[Index]) -> dict[str, Any]:
    """Row estimate, sizes and scan counts of a table or materialized view.

    Sizes come from the planner's page counts (``relpages``, kept by VACUUM, ANALYZE and CREATE
    INDEX), so they cost nothing to read and never touch a data file; ``idx_scan`` is the sum of the
    table's index scans, as in ``pg_stat_user_tables``.
    """
    stats: dict[str, Any] = {}
    reltuples = r.get("reltuples")
    live = r.get("n_live_tup")
    if reltuples is not None and reltuples >= 0:
        stats["row_estimate"] = int(reltuples)
    elif live is not None:
        stats["row_estimate"] = int(live)
    table_bytes = int(r.get("table_bytes") or 0)
    index_bytes = sum(int(i.attrs.get("bytes", 0)) for i in indexes)
    stats["total_bytes"] = table_bytes + index_bytes
    stats["table_bytes"] = table_bytes
    stats["index_bytes"] = index_bytes
    if r.get("seq_scan") is not None:
        stats["seq_scan"] = int(r["seq_scan"])
    if indexes:
        stats["idx_scan"] = sum(int(i.attrs.get("scans", 0)) for i in indexes)
    if r.get("n_dead_tup") is not None:
        stats["n_dead_tup"] = int(r["n_dead_tup"])
    return stats


def _index(
    r: dict[str, Any],
    include_stats: bool,
    column_names: dict[tuple[int, int], str],
    opclass_names: dict[int, str],
) -> Index:
    nkeys = r["nkeys"]
    attnums = list(r["attnums"] or [])
    texts = list(r["key_texts"] or [])
    relid = r["relid"]
    if texts:
        keys = [texts[n] if a == 0 else column_names.get((relid, a)) or str(a) for n, a in enumerate(attnums)]
    else:
        keys = [column_names.get((relid, a)) or str(a) for a in attnums]
    orders: list[str] = []
    if r["ordered"]:
        # indoption bit 1: DESC, bit 2: NULLS FIRST; only what differs from the default is spelled.
        orders = [_ORDER_TEXT[opt & 3] for opt in (r["key_options"] or [])[:nkeys]]
        if not "".join(orders):
            orders = []
    opclasses = [opclass_names.get(o, "") for o in (r["opclass_oids"] or [])[:nkeys]]
    if not "".join(opclasses):
        opclasses = []
    key_attnums = attnums[:nkeys]
    expressions = [a == 0 for a in key_attnums] if 0 in key_attnums else []
    idx = Index(
        name=r["name"],
        columns=keys[:nkeys],
        unique=r["is_unique"],
        method=r["method"],
        where=r["predicate"],
        include=keys[nkeys:],
        orders=orders,
        opclasses=opclasses,
        expressions=expressions,
        nulls_not_distinct=bool(r.get("nulls_not_distinct")),
        valid=r["is_valid"],
        constraint=r["constraint_name"],
        tablespace=r["tablespace"],
        options=list(r["options"] or []),
        comment=r["comment"],
        definition=r["definition"],
    )
    if r["parent_index"]:
        idx.attrs["parent_index"] = r["parent_index"]
    if r["is_clustered"]:
        idx.attrs["clustered"] = True
    if r["is_replica_identity"]:
        idx.attrs["replica_identity"] = True
    if include_stats:
        if r.get("scans") is not None:
            idx.attrs["scans"] = int(r["scans"])
        if r.get("bytes") is not None:
            idx.attrs["bytes"] = int(r["bytes"])
    return idx


def _check_expr(r: dict[str, Any]) -> str:
    """A check constraint's boolean expression, from its ``pg_get_constraintdef`` text.

    PostgreSQL prints ``CHECK (<expr>)`` followed by `` NO INHERIT``, `` NOT ENFORCED`` and
    `` NOT VALID`` as the flags say, where ``<expr>`` is exactly what ``pg_get_expr(conbin)`` gives;
    the flags tell which suffixes to take off, so nothing inside the expression is ever mistaken for one.
    """
    text = r["definition"]
    if not r["validated"] and text.endswith(" NOT VALID"):
        text = text[: -len(" NOT VALID")]
    if r.get("enforced") is False and text.endswith(" NOT ENFORCED"):
        text = text[: -len(" NOT ENFORCED")]
    if r["no_inherit"] and text.endswith(" NO INHERIT"):
        text = text[: -len(" NO INHERIT")]
    if text.startswith("CHECK (") and text.endswith(")"):
        return text[len("CHECK ("):-1]
    return text


def _add_constraint(
    table: Table,
    r: dict[str, Any],
    column_names: dict[tuple[int, int], str],
    pending_unique: list[tuple[UniqueConstraint, int]],
) -> None:
    kind = r["kind"]
    relid = r["relid"]
    r["columns"] = [column_names.get((relid, a)) or str(a) for a in r["attnums"] or ()]
    if kind == "f" and r["ref_columns"] is None:
        ref = r["ref_relid"]
        r["ref_columns"] = [column_names.get((ref, a)) or str(a) for a in r["ref_attnums"] or ()]
    if r.get("enforced") is False:
        r["validated"] = True  # NOT ENFORCED implies not validated; the flag that matters is enforced
    if kind == "p":
        from aishell.dialects.postgres.quote import quote_ident_list

        table.primary_key = list(r["columns"])
        table.primary_key_name = r["name"]
        if r["definition"] != f"PRIMARY KEY ({quote_ident_list(table.primary_key)})":
            # INCLUDE, WITHOUT OVERLAPS, DEFERRABLE, WITH (...), USING INDEX TABLESPACE: keep the full text.
            table.attrs["primary_key_definition"] = r["definition"]
        if r["comment"]:
            table.attrs["primary_key_comment"] = r["comment"]
        if r["deferrable"]:
            table.attrs["primary_key_deferrable"] = True
            if r["deferred"]:
                table.attrs["primary_key_initially_deferred"] = True
        return
    if kind == "f":
        if r["parentid"]:  # cloned onto a partition from its parent's foreign key
            return
        fk = ForeignKey(
            name=r["name"], columns=list(r["columns"]), ref_table=r["ref_table"],
            ref_columns=list(r["ref_columns"]), ref_schema=r["ref_schema"],
            on_delete=_ACTIONS.get(r["on_delete"], "NO ACTION"), on_update=_ACTIONS.get(r["on_update"], "NO ACTION"),
            match=_MATCH.get(r["match"], "SIMPLE"), deferrable=r["deferrable"], initially_deferred=r["deferred"],
            valid=r["validated"], comment=r["comment"], definition=r["definition"],
        )
        if r.get("period"):
            fk.attrs["period"] = True
        if r.get("enforced") is False:
            fk.attrs["enforced"] = False
        table.foreign_keys.append(fk)
        return
    if kind == "c":
        if not r["is_local"]:  # inherited from a parent table: the parent carries it
            return
        check = CheckConstraint(
            name=r["name"], expression=_check_expr(r), valid=r["validated"],
            no_inherit=r["no_inherit"], comment=r["comment"], definition=r["definition"],
        )
        if r.get("enforced") is False:
            check.attrs["enforced"] = False
        table.checks.append(check)
        return
    if kind == "u":
        # NULLS NOT DISTINCT and INCLUDE are read from the backing index once it is known.
        uc = UniqueConstraint(
            name=r["name"],
            columns=list(r["columns"]),
            deferrable=r["deferrable"],
            initially_deferred=r["deferred"],
            comment=r["comment"],
            definition=r["definition"],
        )
        if r.get("period"):
            uc.attrs["period"] = True
        table.unique.append(uc)
        pending_unique.append((uc, r["indid"]))
        return
    if kind == "x":
        xc = ExclusionConstraint(name=r["name"], definition=r["definition"], columns=list(r["columns"]),
                                 comment=r["comment"])
        if r["deferrable"]:
            xc.attrs["deferrable"] = True
        table.exclusions.append(xc)


_ORDER_TEXT = {0: "", 1: "DESC NULLS LAST", 2: "NULLS FIRST", 3: "DESC"}

_TRIGGER_WHEN = re.compile(r"\bWHEN \((.*)\) EXECUTE (?:FUNCTION|PROCEDURE) ", re.DOTALL)


def _trigger(r: dict[str, Any]) -> Trigger:
    t = r["type"]
    if t & 64:
        timing = "INSTEAD OF"
    elif t & 2:
        timing = "BEFORE"
    else:
        timing = "AFTER"
    events = [name for bit, name in ((4, "INSERT"), (16, "UPDATE"), (8, "DELETE"), (32, "TRUNCATE")) if t & bit]
    definition = r["definition"]
    m = _TRIGGER_WHEN.search(definition or "")
    fn_schema = r["function_schema"]
    fn = r["function_name"] if fn_schema == "pg_catalog" else f"{fn_schema}.{r['function_name']}"
    return Trigger(
        name=r["name"], timing=timing, events=events, function=fn, for_each="ROW" if t & 1 else "STATEMENT",
        when=m.group(1) if m else None, enabled=r["enabled"], constraint=r["is_constraint"],
        comment=r["comment"], definition=definition,
    )


def _function(r: dict[str, Any]) -> Function:
    kind = _FUNC_KIND.get(r["kind"], "function")
    fn = Function(
        name=r["name"], schema=r["schema"], kind=kind, identity_args=r["identity_args"] or "",
        arguments=r["arguments"] or "", returns=r["returns"] if kind != "procedure" else None,
        language=r["language"], volatility=_VOLATILITY.get(r["volatility"]),
        definition=r["definition"] or "", owner=r["owner"], comment=r["comment"],
        privileges=parse_acl(r["acl"]), depends_on=sorted(r["depends_on"] or []),
    )
    if r["parallel"] and r["parallel"] != "u":
        fn.attrs["parallel"] = _PARALLEL[r["parallel"]]
    if kind == "aggregate":
        fn.definition = _aggregate_definition(r)
    return fn


def _agg_ref(value: str | None) -> str | None:
    return None if value in (None, "-", "0") else value


def _aggregate_definition(r: dict[str, Any]) -> str:
    """Compose ``CREATE AGGREGATE`` from the pg_aggregate row, in the order pg_dump writes options."""
    from aishell.dialects.postgres.quote import qualify

    opts: list[str] = [f"SFUNC = {r['agg_sfunc']}", f"STYPE = {r['agg_stype']}"]
    if r["agg_sspace"]:
        opts.append(f"SSPACE = {r['agg_sspace']}")
    if r["agg_initcond"] is not None:
        opts.append(f"INITCOND = {_literal(r['agg_initcond'])}")
    if _agg_ref(r["agg_finalfunc"]):
        opts.append(f"FINALFUNC = {r['agg_finalfunc']}")
        if r["agg_finalfunc_extra"]:
            opts.append("FINALFUNC_EXTRA")
        default_modify = "w" if r["agg_kind"] in ("o", "h") else "r"
        if r["agg_finalfunc_modify"] and r["agg_finalfunc_modify"] != default_modify:
            opts.append(f"FINALFUNC_MODIFY = {_FINAL_MODIFY[r['agg_finalfunc_modify']]}")
    if _agg_ref(r["agg_combinefunc"]):
        opts.append(f"COMBINEFUNC = {r['agg_combinefunc']}")
    if _agg_ref(r["agg_serialfunc"]):
        opts.append(f"SERIALFUNC = {r['agg_serialfunc']}")
    if _agg_ref(r["agg_deserialfunc"]):
        opts.append(f"DESERIALFUNC = {r['agg_deserialfunc']}")
    if _agg_ref(r["agg_msfunc"]):
        opts.append(f"MSFUNC = {r['agg_msfunc']}")
        opts.append(f"MINVFUNC = {r['agg_minvfunc']}")
        opts.append(f"MSTYPE = {r['agg_mstype']}")
        if r["agg_msspace"]:
            opts.append(f"MSSPACE = {r['agg_msspace']}")
        if r["agg_minitcond"] is not None:
            opts.append(f"MINITCOND = {_literal(r['agg_minitcond'])}")
        if _agg_ref(r["agg_mfinalfunc"]):
            opts.append(f"MFINALFUNC = {r['agg_mfinalfunc']}")
            if r["agg_mfinalfunc_extra"]:
                opts.append("MFINALFUNC_EXTRA")
            if r["agg_mfinalfunc_modify"] and r["agg_mfinalfunc_modify"] != "r":
                opts.append(f"MFINALFUNC_MODIFY = {_FINAL_MODIFY[r['agg_mfinalfunc_modify']]}")
    if r["agg_sortop"]:
        opts.append(f"SORTOP = {r['agg_sortop']}")
    if r["parallel"] and r["parallel"] != "u":
        opts.append(f"PARALLEL = {_PARALLEL[r['parallel']]}")
    if r["agg_kind"] == "h":
        opts.append("HYPOTHETICAL")
    args = r["arguments"] or "*"
    body = ",\n    ".join(opts)
    return f"CREATE AGGREGATE {qualify(r['schema'], r['name'])}({args}) (\n    {body}\n);"


def _literal(value: str) -> str:
    from aishell.dialects.postgres.quote import quote_literal

    return quote_literal(value)


# -- object kinds of format 2 --------------------------------------------------------------------------------
_CAST_METHOD = {"f": "function", "b": "binary", "i": "inout"}
_CAST_CONTEXT = {"e": "explicit", "a": "assignment", "i": "implicit"}
_RULE_EVENT = {"1": "SELECT", "2": "UPDATE", "3": "INSERT", "4": "DELETE"}
_DEFACL_TYPES = {"r": "TABLES", "S": "SEQUENCES", "f": "FUNCTIONS", "T": "TYPES", "n": "SCHEMAS",
                 "L": "LARGE OBJECTS"}
_COLL_PROVIDER = {"c": "libc", "i": "icu", "b": "builtin", "d": "default"}
_ALIGN = {"c": "char", "s": "int2", "i": "int4", "d": "double"}
_TYPE_STORAGE = {"p": "plain", "e": "external", "m": "main", "x": "extended"}
# Option names whose values are secrets: never read into the model, never printed.
SECRET_OPTIONS = frozenset({"password", "sslpassword"})


def is_secret_option(key: str) -> bool:
    k = key.strip().lower()
    return k in SECRET_OPTIONS or "secret" in k or k.endswith("token")


def _without_secrets(options: list[str] | None) -> tuple[list[str], list[str]]:
    """``key=value`` options with the secret ones taken out, and the names of those."""
    kept, secret = [], []
    for opt in options or []:
        key = opt.split("=", 1)[0]
        (secret if is_secret_option(key) else kept).append(key if is_secret_option(key) else opt)
    return kept, secret


def strip_conninfo_secrets(conninfo: str) -> tuple[str, list[str]]:
    """A libpq connection string without its secret keys (``password``), and the keys removed."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    try:
        params = conninfo_to_dict(conninfo)
    except Exception:  # noqa: BLE001 - unparsable: keep nothing that could hold a secret
        return "", ["password"]
    secret = sorted(k for k in params if is_secret_option(k))
    kept = {k: v for k, v in params.items() if k not in secret}
    return make_conninfo(**kept), secret


def _split_columns(text: str | None) -> list[str]:
    if not text:
        return []
    from aishell.dialects.postgres.quote import split_ident_list

    return split_ident_list(text)


def _collation(r: dict[str, Any]) -> Collation:
    provider = _COLL_PROVIDER.get(r["provider"], r["provider"])
    locale, collate, ctype = r["locale"], r["lc_collate"], r["lc_ctype"]
    if provider == "libc" and collate == ctype:
        locale, collate, ctype = collate, None, None
    elif provider != "libc":
        collate = ctype = None
    return Collation(name=r["name"], schema=r["schema"], provider=provider, locale=locale, lc_collate=collate,
                     lc_ctype=ctype, deterministic=r["deterministic"], rules=r["rules"], owner=r["owner"],
                     comment=r["comment"])


def default_multirange_name(range_name: str) -> str:
    """The multirange type PostgreSQL derives from a range type's name (makeMultirangeTypeName)."""
    if "range" in range_name:
        return range_name.replace("range", "multirange", 1)
    return f"{range_name}_multirange"


def _range_type(r: dict[str, Any], common: dict[str, Any]) -> RangeType:
    multirange = r["multirange"]
    default = qualify(r["schema"], default_multirange_name(r["name"]))
    return RangeType(subtype=r["range_subtype"], subtype_opclass=r["range_opclass"],
                     collation=r["range_collation"], canonical=r["range_canonical"],
                     subtype_diff=r["range_subdiff"],
                     multirange=None if multirange in (None, default) else multirange, **common)


def _base_type(r: dict[str, Any], common: dict[str, Any]) -> BaseType:
    subscript = r["subscript"]
    if subscript == "raw_array_subscript_handler" and r["element"]:
        subscript = None  # what ELEMENT implies
    return BaseType(input=r["input"], output=r["output"], receive=r["receive"], send=r["send"],
                    typmod_in=r["typmod_in"], typmod_out=r["typmod_out"], analyze=r["analyze"], subscript=subscript,
                    internal_length=r["internal_length"], passed_by_value=r["passed_by_value"],
                    alignment=_ALIGN.get(r["alignment"], r["alignment"]),
                    storage=_TYPE_STORAGE.get(r["storage"], r["storage"]), category=r["category"],
                    preferred=r["preferred"], default=r["default_value"], element=r["element"],
                    delimiter=r["delimiter"], collatable=r["collatable"], **common)


_SUB_STREAM = {"f": "off", "t": "on", "p": "parallel"}


def _subscription(r: dict[str, Any]) -> Subscription:
    options: dict[str, str] = {}
    slot = r["slot_name"]
    if slot != r["name"]:
        options["slot_name"] = "NONE" if slot is None else slot
    if r["binary"]:
        options["binary"] = "true"
    stream = _SUB_STREAM.get(str(r["streaming"])[:1], str(r["streaming"]))
    if stream != _SUB_STREAM[r["streaming_default"]]:
        options["streaming"] = stream
    if r["two_phase"] and r["two_phase"] != "d":
        options["two_phase"] = "true"
    if r["disable_on_error"]:
        options["disable_on_error"] = "true"
    if r["synchronous_commit"] and r["synchronous_commit"] != "off":
        options["synchronous_commit"] = r["synchronous_commit"]
    if r["origin"] and r["origin"] != "any":
        options["origin"] = r["origin"]
    if r["password_required"] is False:
        options["password_required"] = "false"
    if r["run_as_owner"]:
        options["run_as_owner"] = "true"
    if r["failover"]:
        options["failover"] = "true"
    connection, secret = ("", []) if r["connection"] is None else strip_conninfo_secrets(r["connection"])
    if not secret and r["connection"] is not None:
        connection = r["connection"]  # nothing secret in it: kept exactly as written
    sub = Subscription(name=r["name"], connection=connection, publications=list(r["publications"] or []),
                       enabled=r["enabled"], options=options, owner=r["owner"], comment=r["comment"])
    if secret:
        sub.attrs["secret_options"] = secret
    if r["connection"] is None:
        sub.attrs["connection_hidden"] = True  # only a superuser may read it
    return sub


# -- ACLs -------------------------------------------------------------------------------------------------
def _split_acl_name(text: str, pos: int, stop: str) -> tuple[str, int]:
    """Read a role name (possibly double-quoted) from ``text`` at ``pos`` up to a ``stop`` character."""
    if pos < len(text) and text[pos] == '"':
        out = []
        pos += 1
        while pos < len(text):
            ch = text[pos]
            if ch == '"':
                if pos + 1 < len(text) and text[pos + 1] == '"':
                    out.append('"')
                    pos += 2
                    continue
                pos += 1
                break
            out.append(ch)
            pos += 1
        return "".join(out), pos
    end = pos
    while end < len(text) and text[end] not in stop:
        end += 1
    return text[pos:end], end


def parse_acl(items: list[str] | None) -> list[Privilege]:
    """Turn ``aclitem[]`` text (``grantee=arwd*/grantor``) into Privilege entries.

    An empty grantee is PUBLIC. Grants with and without GRANT OPTION become separate entries. ``None``
    (the default privileges, never changed) gives an empty list.
    """
    out: list[Privilege] = []
    for item in items or []:
        grantee, pos = _split_acl_name(item, 0, "=")
        if pos >= len(item) or item[pos] != "=":
            continue
        pos += 1
        privs_end = item.find("/", pos)
        privs_text = item[pos:privs_end if privs_end >= 0 else len(item)]
        grantor = None
        if privs_end >= 0:
            grantor, _ = _split_acl_name(item, privs_end + 1, "")
        plain: list[str] = []
        with_option: list[str] = []
        i = 0
        while i < len(privs_text):
            name = _ACL_PRIVS.get(privs_text[i], privs_text[i])
            if i + 1 < len(privs_text) and privs_text[i + 1] == "*":
                with_option.append(name)
                i += 2
            else:
                plain.append(name)
                i += 1
        who = grantee or "PUBLIC"
        if plain:
            out.append(Privilege(grantee=who, privileges=plain, grantor=grantor))
        if with_option:
            out.append(Privilege(grantee=who, privileges=with_option, grantable=True, grantor=grantor))
    return out
