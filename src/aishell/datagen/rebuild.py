"""Rebuilding indexes, keys and foreign keys on extra connections while the next tables load.

Only for a database that is dropped unless the whole run succeeds (``schema test``'s throwaway one):
there the unit of atomicity is the database, not a transaction, so each table's rows are committed as
soon as they are in and other sessions can build that table's keys and indexes and validate its foreign
keys while the loading connection streams the next tables. A user's database (``--database``) keeps the
single transaction of ``load.py``.

Each rebuilt object is one job: a table's primary key, unique constraint or index (its partitions'
index names restored, its comments replayed after its last job), and a foreign key once both its tables
are complete (validated by ``ALTER TABLE ... ADD CONSTRAINT``, as before). CHECKs stay in place during
the load (PostgreSQL checks every row), so nothing scans for them. Jobs of one table may run side by
side (``CREATE INDEX`` takes a share lock; a key's exclusive lock simply waits, and a key of an
ordinary table is made of a unique index built beside the others, ``USING INDEX``; a partitioned
table's indexes are built partition by partition and attached by the parent's statement); two foreign
keys run side by side only when they share no table, because each locks two tables and two could lock
them in opposite orders. A failed job stops the run; Ctrl-C cancels what runs. In both cases the
caller drops the database.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from aishell.dialects.postgres.quote import quote_ident
from aishell.errors import UserError

WORKERS = 2


def _leaves_if_unambiguous(d: Any, names: list[str]) -> dict[str, list[tuple[str, str, str]]]:
    """The partition-by-partition definitions of these partitioned indexes, when no two of them could be
    mistaken for each other (a parent's CREATE INDEX attaches any partition index of the same definition)."""
    found = {n: d.leaf_indexes[n] for n in names if n in d.leaf_indexes}
    seen = set()
    for parts in found.values():
        for part_rel, _child, idef in parts:
            shape = (part_rel, idef.startswith("CREATE UNIQUE"), idef.split(" USING ", 1)[-1])
            if shape in seen:
                return {}
            seen.add(shape)
    return found


class RebuildPool:
    """Jobs on ``workers`` autocommit connections of their own (threads: psycopg waits without the GIL)."""

    def __init__(self, conninfo: str, dropped: Any, report: Any, complete: set[str], *, workers: int = WORKERS,
                 maintenance_work_mem: str = "128MB"):
        self.conninfo, self.dropped, self.report = conninfo, dropped, report
        self.workers = workers
        self.mwm = maintenance_work_mem
        self.cv = threading.Condition()
        self.ready: deque[tuple[str, str, Callable[[Any], None], tuple[str, ...]]] = deque()
        self.left: dict[str, int] = {}  # table: its build jobs not finished yet
        self.keys: dict[str, list[Callable[[Any], None]]] = {}  # table: keys made of built indexes, parents
        self.groups: dict[str, dict[str | None, list[Callable[[Any], None]]]] = {}  # table: jobs to queue
        self.handed: set[str] = set()  # tables whose every job is queued
        self.complete = set(complete)  # tables whose rows are in and whose keys and indexes are back
        self.held: set[tuple[str, str]] = set()  # foreign keys (rel, name) that must wait
        self.running = 0
        self.fk_locked: set[str] = set()  # tables of the foreign keys being added
        self.error: BaseException | None = None
        self.stopping = False
        self.conns: list[Any] = []
        self.threads: list[threading.Thread] = []

    # -- life cycle ------------------------------------------------------------------------------------------
    def start(self) -> None:
        from aishell.dialects.postgres.connect import connect

        for _ in range(self.workers):
            conn = connect(self.conninfo, autocommit=True)
            conn.execute(f"SET maintenance_work_mem = '{self.mwm}'")
            # Jobs already run side by side (and beside the load): parallel workers per build only added
            # processes to two cores (PostgreSQL CPU per tutorial run 3.3-3.7 s without, 3.6-5.7 s with).
            conn.execute("SET max_parallel_maintenance_workers = 0")
            self.conns.append(conn)
        for conn in self.conns:
            t = threading.Thread(target=self._work, args=(conn,), name="aishell-rebuild", daemon=True)
            t.start()
            self.threads.append(t)

    def drain(self) -> None:
        """Wait for every job; then add the foreign keys still waiting (a parent outside the load) and
        wait for those. Raises the first job's failure."""
        for final in (False, True):
            with self.cv:
                if final:
                    self.held.clear()
                    self._schedule_fks(everything=True)
                    self.cv.notify_all()
                while (self.ready or self.running) and self.error is None:
                    self.cv.wait(0.5)
                self._raise()
        self.close()

    def close(self) -> None:
        """Stop the workers, cancelling what runs (Ctrl-C, or another failure), and close their connections."""
        with self.cv:
            self.stopping = True
            self.cv.notify_all()
        for conn in self.conns:
            try:  # cancel_safe is psycopg 3.2's; 3.1 has only the blocking cancel
                conn.cancel_safe(timeout=2) if hasattr(conn, "cancel_safe") else conn.cancel()
            except Exception:  # noqa: S110 - the connection may be gone; the database is dropped anyway
                pass
        for t in self.threads:
            t.join(10)
        for conn in self.conns:
            try:
                conn.close()
            except Exception:  # noqa: S110
                pass
        self.conns, self.threads = [], []

    def _raise(self) -> None:
        if self.error is not None:
            exc = self.error
            text = str(exc).strip().splitlines()
            raise UserError("rebuilding indexes and constraints after the load failed: "
                            f"{text[0] if text else type(exc).__name__}") from None

    # -- what the loader hands over ------------------------------------------------------------------------
    def partition_done(self, table: Any, partition: str) -> None:
        """One partition (schema-qualified, quoted) of ``table`` has all its rows, committed: queue its
        indexes while the next partitions load."""
        with self.cv:
            self._raise()
            groups = self._groups(table)
            for fn in groups.pop(partition, []):
                self.ready.append(("build", table.name, self._wrap_build(table.name, fn), ()))
            self.cv.notify_all()

    def table_done(self, table: Any) -> None:
        """``table`` (a TablePlan) is committed: queue its keys and indexes (those of its partitions
        handed over already are on their way)."""
        name = table.name
        with self.cv:
            self._raise()
            groups = self._groups(table)
            for part in list(groups):
                for fn in groups.pop(part):
                    self.ready.append(("build", name, self._wrap_build(name, fn), ()))
            self.handed.add(name)
            if not self.left[name]:
                self._builds_done(name)
            self.cv.notify_all()

    def _groups(self, table: Any) -> dict[str | None, list[Callable[[Any], None]]]:
        """The table's build jobs by partition (None: the whole table), made once."""
        if table.name not in self.groups:
            self.groups[table.name] = self._plan(table)
        return self.groups[table.name]

    def _plan(self, table: Any) -> dict[str | None, list[Callable[[Any], None]]]:
        from aishell.datagen.load import _rename_children

        name, schema = table.name, table.table.schema
        d = self.dropped
        jobs: list[tuple[str | None, Callable[[Any], None]]] = []  # (partition or None, build)
        keys: list[Callable[[Any], None]] = []  # run once the table's index builds are done
        constraints = d.constraints.pop(name, [])
        indexes = d.indexes.pop(name, [])
        leaves = _leaves_if_unambiguous(d, [f"{schema}.{c}" for _r, c, _d in constraints] +
                                        [f"{s}.{i}" for s, i, _d in indexes])

        def run(sql: str) -> Callable[[Any], None]:
            return lambda conn: conn.execute(sql)

        for rel, cname, definition in constraints:
            built = d.key_index.get((rel, cname))
            if built is not None:  # its index beside the others (a share lock), the key made of it after
                jobs.append((None, run(built[0])))
                keys.append(run(f"ALTER TABLE {rel} ADD CONSTRAINT {quote_ident(cname)} {built[1]}"))
                continue
            add_sql = f"ALTER TABLE {rel} ADD CONSTRAINT {quote_ident(cname)} {definition}"

            def add(conn: Any, sql: str = add_sql, cname: str = cname) -> None:
                conn.execute(sql)
                _rename_children(conn, schema, cname, d.children.get(f"{schema}.{cname}", {}))
            parts = leaves.get(f"{schema}.{cname}")
            if parts is None:
                jobs.append((None, add))
                continue
            # A partitioned table's key: each partition's unique index built beside the others and made
            # that partition's key; the parent's key then attaches them without building anything.
            using = d.key_using[f"{schema}.{cname}"]
            for part_rel, child, idef in parts:
                jobs.append((part_rel, run(idef)))
                keys.append(run(f"ALTER TABLE {part_rel} ADD CONSTRAINT {quote_ident(child)} "
                                f"{using % quote_ident(child)}"))
            keys.append(add)
        for ischema, iname, definition in indexes:
            def build(conn: Any, ischema: str = ischema, iname: str = iname, definition: str = definition) -> None:
                conn.execute(definition)
                _rename_children(conn, ischema, iname, d.children.get(f"{ischema}.{iname}", {}))
            parts = leaves.get(f"{ischema}.{iname}")
            if parts is None:
                jobs.append((None, build))
                continue
            for part_rel, _child, idef in parts:  # the parent's CREATE INDEX attaches them
                jobs.append((part_rel, run(idef)))
            keys.append(build)
        self.keys[name] = keys
        self.left[name] = len(jobs)
        groups: dict[str | None, list[Callable[[Any], None]]] = {}
        for part, fn in jobs:
            groups.setdefault(part, []).append(fn)
        return groups

    def hold(self, fks: set[tuple[str, str]]) -> None:
        with self.cv:
            self.held |= fks

    def release(self) -> None:
        with self.cv:
            self._raise()
            self.held.clear()
            self._schedule_fks()
            self.cv.notify_all()

    # -- inside (self.cv held) -----------------------------------------------------------------------------
    def _builds_done(self, name: str) -> None:
        keys = self.keys.pop(name, [])
        if not keys:
            self._table_complete(name)
            return

        def attach(conn: Any) -> None:
            t0 = time.perf_counter()
            for step in keys:
                step(conn)
            with self.cv:
                self.report.rebuild_seconds += time.perf_counter() - t0
                self._table_complete(name)
        self.ready.appendleft(("keys", name, attach, ()))

    def _table_complete(self, name: str) -> None:
        self.complete.add(name)
        for kind, owner, sql in self.dropped.comments:
            if kind == "table" and owner == name:
                self.ready.appendleft(("comment", name, lambda conn, sql=sql: conn.execute(sql), ()))
        self._schedule_fks()

    def _schedule_fks(self, everything: bool = False) -> None:
        keep = []
        for fk in self.dropped.fks:
            child, parent, rel, name, _definition = fk
            if everything or (child in self.complete and parent in self.complete and (rel, name) not in self.held):
                self.ready.append(("fk", child, lambda conn, fk=fk: self._add_fk(conn, fk), (child, parent)))
            else:
                keep.append(fk)
        self.dropped.fks = keep

    def _pick(self) -> tuple[str, str, Callable[[Any], None], tuple[str, ...]] | None:
        for i, job in enumerate(self.ready):
            if job[0] == "fk" and self.fk_locked.intersection(job[3]):
                continue  # two foreign keys sharing a table could lock it in opposite orders: one at a time
            del self.ready[i]
            self.fk_locked.update(job[3])
            return job
        return None

    # -- the workers -----------------------------------------------------------------------------------------
    def _work(self, conn: Any) -> None:
        while True:
            with self.cv:
                job = None
                while not self.stopping and self.error is None:
                    job = self._pick()
                    if job is not None:
                        break
                    self.cv.wait()
                if job is None:
                    return
                self.running += 1
            try:
                job[2](conn)
            except BaseException as exc:  # noqa: BLE001 - handed to the loading thread, which raises it
                with self.cv:
                    if self.error is None and not self.stopping:
                        self.error = exc
            finally:
                with self.cv:
                    self.running -= 1
                    self.fk_locked.difference_update(job[3])
                    self.cv.notify_all()

    def _wrap_build(self, name: str, fn: Callable[[Any], None]) -> Callable[[Any], None]:
        def run(conn: Any) -> None:
            t0 = time.perf_counter()
            fn(conn)
            with self.cv:
                self.report.rebuild_seconds += time.perf_counter() - t0
                self.left[name] -= 1
                if self.left[name] == 0 and name in self.handed:  # else table_done will
                    self._builds_done(name)
        return run

    def _add_fk(self, conn: Any, fk: tuple[str, str, str, str, str]) -> None:
        child, _parent, rel, name, definition = fk
        t0 = time.perf_counter()
        conn.execute(f"ALTER TABLE {rel} ADD CONSTRAINT {quote_ident(name)} {definition}")
        for kind, owner, sql in self.dropped.comments:
            if kind == "fk" and owner == child and quote_ident(name) in sql:
                conn.execute(sql)
        with self.cv:
            self.report.fk_checked += 1
            self.report.rebuild_seconds += time.perf_counter() - t0
