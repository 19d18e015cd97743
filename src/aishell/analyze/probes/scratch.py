"""EXPLAIN on a scratch copy: when hypopg is missing, ``--deep`` checks index proposals for real.

The tables a statement reads are re-created on the scratch server (the embedded PostgreSQL, or
``AISHELL_SCRATCH_URL``) in a throwaway database, with their columns, their existing indexes and a
sample of up to ``sample_rows`` rows each, copied with ``COPY (SELECT ...) TO STDOUT`` inside the
analysed database's READ ONLY transaction. The statement's generic plan is EXPLAINed there, the
proposed index created in a transaction, the plan EXPLAINed again, and the transaction rolled back.
Every write happens on the scratch server; the analysed database is only read. Costs come from a
sample, so the evidence says so.
"""

from __future__ import annotations

import contextlib
import re
from typing import Any

from aishell.analyze.probes.explain import PlanCheck, _enable, _explain, _nodes
from aishell.analyze.probes.session import ProbeSession
from aishell.dialects.postgres.quote import qualify, quote_ident
from aishell.model import Schema


class ScratchCopy:
    def __init__(self, session: ProbeSession, schema: Schema, *, sample_rows: int = 50_000):
        self.session = session
        self.schema = schema
        self.sample_rows = sample_rows
        self._stack = contextlib.ExitStack()
        self._conn = None
        self._copied: set[str] = set()
        self.failed: str | None = None

    def __enter__(self) -> ScratchCopy:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
            self._conn = None
        self._stack.close()

    def _connect(self):
        if self._conn is None:
            from aishell.dialects.postgres.connect import connect
            from aishell.dialects.postgres.server import scratch_server

            conninfo = self._stack.enter_context(
                scratch_server().temporary_database(prefix="aishell_tmp_explain_")
            )
            self._conn = connect(conninfo, autocommit=True)
            self._conn.execute("SET client_min_messages = warning")
            for ext in ("pg_trgm", "btree_gin"):  # operator classes proposals may use
                with contextlib.suppress(Exception):
                    self._conn.execute(f"CREATE EXTENSION IF NOT EXISTS {ext}")
        return self._conn

    def _column_type(self, type_text: str, created_types: set[str]) -> str:
        t = type_text.strip()
        base = re.sub(r"\[\]$", "", t)
        if "." not in base:
            return t
        enum = next((e for e in self.schema.enums if f"{e.schema}.{e.name}" == base.replace('"', "")), None)
        if enum is not None:
            name = qualify(enum.schema, enum.name)
            if name not in created_types:
                vals = ", ".join("'" + v.replace("'", "''") + "'" for v in enum.values)
                self._conn.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(enum.schema)}")
                self._conn.execute(f"CREATE TYPE {name} AS ENUM ({vals})")
                created_types.add(name)
            return t
        dom = next((d for d in self.schema.domains if f"{d.schema}.{d.name}" == base.replace('"', "")), None)
        if dom is not None:
            return dom.type + ("[]" if t.endswith("[]") else "")
        return "text"

    def ensure(self, tables: list[str]) -> None:
        conn = self._connect()
        created_types: set[str] = set()
        for qn in tables:
            if qn in self._copied:
                continue
            t = next((x for x in self.schema.tables if x.qualified_name == qn), None)
            if t is None:
                continue
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(t.schema)}")
            cols = [c for c in t.columns if not c.generated]
            defs = ", ".join(
                f"{quote_ident(c.name)} {self._column_type(c.type, created_types)}" for c in cols
            )
            target = qualify(t.schema, t.name)
            conn.execute(f"CREATE TABLE {target} ({defs})")
            names = ", ".join(quote_ident(c.name) for c in cols)
            src, _, _ = _sample_source(self.session, t, self.sample_rows)
            with self.session.block(timeout_ms=max(self.session.timeout_ms, 60000)) as cur:
                with (
                    cur.copy(
                        f"COPY (SELECT {names} FROM {src} LIMIT {int(self.sample_rows)}) TO STDOUT"
                    ) as out,
                    conn.cursor().copy(f"COPY {target} ({names}) FROM STDIN") as inp,
                ):
                    for chunk in out:
                        inp.write(chunk)
            if t.primary_key:
                with contextlib.suppress(Exception):
                    conn.execute(
                        f"ALTER TABLE {target} ADD PRIMARY KEY ({', '.join(quote_ident(c) for c in t.primary_key)})"
                    )
            for ix in t.indexes:
                if ix.definition and not ix.constraint:
                    with contextlib.suppress(Exception):
                        conn.execute(ix.definition)
            conn.execute(f"ANALYZE {target}")
            self._copied.add(qn)

    def check(
        self, query: str, params: int, tables: list[str], table: tuple[str, str], create_sql: str
    ) -> PlanCheck:
        self.ensure(tables)
        conn = self._conn
        with conn.transaction(force_rollback=True), conn.cursor() as cur:
            _enable(cur)
            before = _explain(cur, query, params)
            cur.execute(
                create_sql.replace("CREATE INDEX ON", "CREATE INDEX aishell_proposed ON", 1).replace(
                    "CREATE UNIQUE INDEX ON", "CREATE UNIQUE INDEX aishell_proposed ON", 1
                )
            )
            cur.execute(f"ANALYZE {qualify(*table)}")
            after = _explain(cur, query, params)
        used = any(n.get("Index Name") == "aishell_proposed" for n in _nodes(after))
        scan = next(
            (
                n
                for n in _nodes(before)
                if n.get("Relation Name") == table[1] and "Scan" in n.get("Node Type", "")
            ),
            None,
        )
        return PlanCheck(
            before["Total Cost"],
            after["Total Cost"],
            used,
            "scratch",
            scan.get("Node Type") if scan else None,
            f"EXPLAIN on a scratch copy holding a sample of up to {self.sample_rows:,} rows per table",
        )


def _sample_source(session: ProbeSession, table, n: int) -> tuple[str, float, str]:
    est = (
        session.scalar(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
            (qualify(table.schema, table.name),),
        )
        or 0
    )
    name = qualify(table.schema, table.name)
    if est > n * 2:
        pct = max(0.01, min(100.0, 100.0 * n * 1.5 / est))
        return f"{name} TABLESAMPLE SYSTEM ({pct:.4f}) REPEATABLE (3)", 100.0 / pct, "estimated"
    from aishell.analyze.probes.data import whole

    return whole(table), 1.0, "exact"
