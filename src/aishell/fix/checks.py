"""Read-only checks on the real database before anything runs.

* ``violations``: how many existing rows would make a step fail (a CHECK they break, NULLs under a
  NOT NULL, duplicate keys under a new primary key or unique index, orphans under a foreign key being
  validated). Exact counts (``count(*)``), so the report can say "1,234 existing rows violate".
* ``blocking_sessions``: other sessions holding or waiting for locks on the tables the plan touches.
"""

from __future__ import annotations

from typing import Any

from aishell.dialects.postgres.quote import quote_ident, quote_ident_list
from aishell.fix.classify import Statement
from aishell.fix.plan import Step


def violations(conn: Any, step: Step) -> tuple[int, str] | None:
    """(count, what) for the first statement of ``step`` that existing rows would make fail."""
    added = {s.name for s in step.statements if s.kind.startswith("add-") and s.name}
    for s in step.statements:
        if not s.precheck or not s.relation:
            continue
        kind, arg = s.precheck
        if kind == "validate" and arg in added:
            continue  # counted on its ADD ... NOT VALID
        found = _count(conn, s, kind, arg)
        if found and found[0] > 0:
            return found
    return None


def _count(conn: Any, s: Statement, kind: str, arg: Any) -> tuple[int, str] | None:
    rel = s.relation
    if kind == "check":
        n = conn.execute(f"SELECT count(*) FROM {rel} WHERE NOT ({arg})").fetchone()[0]
        return n, f"existing rows violate constraint {s.name} ({arg})"
    if kind == "not-null":
        n = conn.execute(f"SELECT count(*) FROM {rel} WHERE {quote_ident(arg)} IS NULL").fetchone()[0]
        return n, f"existing rows have {s.table}.{arg} NULL"
    if kind == "unique":
        notnull = " AND ".join(f"{quote_ident(c)} IS NOT NULL" for c in arg)
        n, groups = _surplus(conn, rel, quote_ident_list(arg), notnull)
        return n, (f"duplicate rows under ({', '.join(arg)}) in {groups:,} groups "
                        "(rows beyond the first of each key); quarantine them first: "
                        + cleanup_command(s, arg, conn))
    if kind == "foreign-key":
        cols, ref, refcols = arg["columns"], arg["ref"], arg["ref_columns"]
        if not refcols:  # REFERENCES t without columns: its primary key
            refcols = [r[0] for r in conn.execute(
                "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
                "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = to_regclass(%s) AND i.indisprimary "
                "ORDER BY array_position(i.indkey::int2[], a.attnum)", (ref,))]
        if len(refcols) != len(cols):
            return None
        return _orphans(conn, rel, cols, ref, refcols), f"existing rows reference no row of {ref} (foreign key {s.name})"
    if kind == "duplicate-rows":
        cols = conn.execute(
            "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
            "WHERE a.attrelid = to_regclass(%s) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
            (rel,)).fetchall()
        if not cols:
            return None
        from aishell.analyze.probes.data import group_expr

        n, groups = _surplus(conn, rel, ", ".join(group_expr(c, t) for c, t in cols))
        return n, (f"rows identical in every column in {groups:,} groups (rows beyond the first of "
                        "each); a new key would keep every copy: quarantine them first: "
                        + cleanup_command(s, None, conn))
    if kind == "validate":
        row = conn.execute(
            "SELECT c.contype, pg_get_constraintdef(c.oid), c.confrelid::regclass::text, "
            "ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(n, o) JOIN pg_attribute a "
            "ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.o)::text[], "
            "ARRAY(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(n, o) JOIN pg_attribute a "
            "ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.o)::text[] "
            "FROM pg_constraint c WHERE c.conrelid = to_regclass(%s) AND c.conname = %s", (rel, arg)).fetchone()
        if row is None:
            return None
        contype, definition, parent, cols, refcols = row
        if contype == "c":
            expr = definition.strip()
            if expr.upper().endswith(" NOT VALID"):
                expr = expr[: -len(" NOT VALID")]
            expr = expr[len("CHECK "):] if expr.upper().startswith("CHECK ") else expr
            n = conn.execute(f"SELECT count(*) FROM {rel} WHERE NOT {expr}").fetchone()[0]
            return n, f"existing rows violate constraint {arg}"
        if contype == "f":
            return _orphans(conn, rel, cols, parent, refcols), f"existing rows reference no row of {parent} (foreign key {arg})"
    return None


def _surplus(conn: Any, rel: str, group_by: str, where: str | None = None) -> tuple[int, int]:
    """(rows beyond the first of each group, groups) of rows sharing ``group_by``."""
    n, groups = conn.execute(
        f"SELECT coalesce(sum(n - 1), 0), count(*) FROM (SELECT count(*) AS n FROM {rel} "
        f"{'WHERE ' + where + ' ' if where else ''}GROUP BY {group_by} HAVING count(*) > 1) d").fetchone()
    return int(n), int(groups)


def _orphans(conn: Any, rel: str, cols: list[str], parent: str, refcols: list[str]) -> int:
    """Rows of ``rel`` whose non-NULL ``cols`` match no row of ``parent``."""
    notnull = " AND ".join(f"c.{quote_ident(c)} IS NOT NULL" for c in cols)
    on = " AND ".join(f"p.{quote_ident(b)} = c.{quote_ident(a)}" for a, b in zip(cols, refcols))
    return conn.execute(f"SELECT count(*) FROM {rel} c WHERE {notnull} AND NOT EXISTS "
                        f"(SELECT 1 FROM {parent} p WHERE {on})").fetchone()[0]


def cleanup_command(s: Statement, key: list[str] | None, conn: Any) -> str:
    """``aishell schema cleanup duplicates --table T [--key a,b]``: moves the surplus copies into a
    quarantine table in one transaction (the key is left out when it covers every column)."""
    cmd = f"aishell schema cleanup duplicates --table {s.qualified}"
    if key:
        ncols = conn.execute(
            "SELECT count(*) FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attnum > 0 "
            "AND NOT attisdropped", (s.relation,)).fetchone()[0]
        if len(key) != ncols:
            cmd += f" --key {','.join(key)}"
    return cmd


def blocking_sessions(conn: Any, tables: list[str]) -> list[dict[str, Any]]:
    """Client sessions other than ours that hold or wait for a lock on one of ``tables``."""
    if not tables:
        return []
    schemas = [t.split(".", 1)[0] for t in tables]
    names = [t.split(".", 1)[1] for t in tables]
    rows = conn.execute(
        """
        SELECT DISTINCT a.pid, a.state, n.nspname || '.' || c.relname, l.mode, l.granted,
               extract(epoch FROM now() - coalesce(a.xact_start, a.query_start))::float, left(a.query, 120)
        FROM pg_locks l
        JOIN pg_class c ON c.oid = l.relation
        JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_stat_activity a ON a.pid = l.pid
        JOIN unnest(%s::text[], %s::text[]) AS t(s, r) ON t.s = n.nspname AND t.r = c.relname
        WHERE l.pid <> pg_backend_pid() AND a.backend_type = 'client backend'
          AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        ORDER BY 1
        """,
        (schemas, names),
    ).fetchall()
    return [{"pid": r[0], "state": r[1], "table": r[2], "lock": r[3], "granted": r[4],
             "seconds": round(r[5] or 0, 1), "query": r[6]} for r in rows]
