"""Statistics probes: what PostgreSQL's cumulative statistics and planner statistics say.

A constant number of queries whatever the database size (one per kind, never one per table).
Counters (scans, dead tuples, sizes) are exact readings of the counters; ``reltuples`` and
``pg_stats`` are the planner's estimates, and rules label them so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aishell.analyze.probes.session import ProbeSession

TABLES_SQL = """
SELECT n.nspname AS schema, c.relname AS name, c.relkind::text AS relkind,
       greatest(c.reltuples, -1)::bigint AS reltuples, c.relpages::bigint AS relpages,
       pg_total_relation_size(c.oid) AS total_bytes, pg_table_size(c.oid) AS table_bytes,
       pg_indexes_size(c.oid) AS index_bytes,
       s.seq_scan, s.seq_tup_read, s.idx_scan, s.n_live_tup, s.n_dead_tup,
       s.n_tup_ins, s.n_tup_upd, s.n_tup_del,
       s.last_vacuum, s.last_autovacuum, s.last_analyze, s.last_autoanalyze,
       (SELECT pn.nspname || '.' || pc.relname FROM pg_inherits i JOIN pg_class pc ON pc.oid = i.inhparent
          JOIN pg_namespace pn ON pn.oid = pc.relnamespace WHERE i.inhrelid = c.oid AND pc.relkind = 'p'
          LIMIT 1) AS parent
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
WHERE c.relkind IN ('r', 'p', 'm')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_toast'
"""

INDEXES_SQL = """
SELECT n.nspname AS schema, t.relname AS table, i.relname AS name,
       s.idx_scan, s.idx_tup_read, pg_relation_size(i.oid) AS bytes, x.indisvalid AS valid,
       i.relpages::bigint AS relpages, greatest(i.reltuples, -1)::bigint AS reltuples,
       x.indisunique AS is_unique, am.amname AS method
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class t ON t.oid = x.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
JOIN pg_am am ON am.oid = i.relam
LEFT JOIN pg_stat_user_indexes s ON s.indexrelid = x.indexrelid
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_toast'
"""

SEQUENCES_SQL = """
SELECT s.schemaname AS schema, s.sequencename AS name, s.data_type::text AS data_type, s.last_value,
       s.max_value, s.min_value, s.increment_by, s.cycle,
       tn.nspname || '.' || t.relname AS owner_table, a.attname AS owner_column,
       format_type(a.atttypid, a.atttypmod) AS owner_type
FROM pg_sequences s
JOIN pg_namespace n ON n.nspname = s.schemaname
JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = s.sequencename
LEFT JOIN pg_depend d ON d.objid = c.oid AND d.classid = 'pg_class'::regclass
     AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
LEFT JOIN pg_class t ON t.oid = d.refobjid
LEFT JOIN pg_namespace tn ON tn.oid = t.relnamespace
LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
WHERE s.schemaname NOT IN ('pg_catalog', 'information_schema')
"""

COLUMN_STATS_SQL = """
SELECT schemaname AS schema, tablename AS table, attname AS column, null_frac, avg_width, n_distinct,
       correlation
FROM pg_stats
WHERE schemaname NOT IN ('pg_catalog', 'information_schema') AND NOT inherited
"""

DB_SQL = """
SELECT current_database() AS name, pg_database_size(current_database()) AS bytes,
       (SELECT stats_reset FROM pg_stat_database WHERE datname = current_database()) AS stats_reset,
       now() AS now, pg_postmaster_start_time() AS started, current_setting('block_size')::int AS block_size,
       current_setting('shared_preload_libraries') AS preload
"""


@dataclass
class Stats:
    """What the statistics probes read, keyed by ``schema.name`` (tables, indexes, sequences)."""

    database: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)
    indexes: dict[str, dict[str, Any]] = field(default_factory=dict)
    sequences: dict[str, dict[str, Any]] = field(default_factory=dict)
    columns: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    extensions: dict[str, str] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)

    def table(self, qname: str) -> dict[str, Any]:
        return self.tables.get(qname, {})

    def rows(self, qname: str) -> int | None:
        """The planner's row estimate (``reltuples``; ``n_live_tup`` when never analyzed)."""
        t = self.tables.get(qname)
        if not t:
            return None
        if t.get("reltuples") is not None and t["reltuples"] >= 0:
            return int(t["reltuples"])
        return int(t["n_live_tup"]) if t.get("n_live_tup") is not None else None

    def column(self, qname: str, column: str) -> dict[str, Any]:
        return self.columns.get((qname, column), {})


def read_stats(session: ProbeSession) -> Stats:
    from aishell.analyze.probes.session import ProbeFailed

    st = Stats()
    for key, sql in (
        ("database", DB_SQL),
        ("tables", TABLES_SQL),
        ("indexes", INDEXES_SQL),
        ("sequences", SEQUENCES_SQL),
        ("columns", COLUMN_STATS_SQL),
    ):
        try:
            rows = session.query_dicts(sql, timeout_ms=max(session.timeout_ms, 15000))
        except ProbeFailed as exc:
            st.failures[key] = str(exc)
            continue
        if key == "database":
            st.database = rows[0] if rows else {}
        elif key == "tables":
            st.tables = {f"{r['schema']}.{r['name']}": r for r in rows}
            _roll_up_partitions(st.tables)
        elif key == "indexes":
            st.indexes = {f"{r['schema']}.{r['name']}": r for r in rows}
        elif key == "sequences":
            st.sequences = {f"{r['schema']}.{r['name']}": r for r in rows}
        else:
            st.columns = {(f"{r['schema']}.{r['table']}", r["column"]): r for r in rows}
    try:
        st.extensions = dict(session.query("SELECT extname, extversion FROM pg_extension"))
    except ProbeFailed as exc:
        st.failures["extensions"] = str(exc)
    return st


def _roll_up_partitions(tables: dict[str, dict[str, Any]]) -> None:
    """A partitioned parent has no rows or size of its own: give it the sums of its partitions."""
    children: dict[str, list[str]] = {}
    for name, t in tables.items():
        if t.get("parent"):
            children.setdefault(t["parent"], []).append(name)

    def total(name: str, seen: frozenset[str] = frozenset()) -> tuple[int, int, int, int]:
        t = tables[name]
        if t.get("relkind") != "p" or name in seen:
            return (
                max(0, int(t.get("reltuples") or 0)),
                int(t.get("total_bytes") or 0),
                int(t.get("table_bytes") or 0),
                int(t.get("index_bytes") or 0),
            )
        sums = [total(c, seen | {name}) for c in children.get(name, []) if c in tables]
        return tuple(sum(x[i] for x in sums) for i in range(4))  # type: ignore[return-value]

    for name, t in tables.items():
        if t.get("relkind") == "p":
            rows, tb, hb, ib = total(name)
            t.update(
                reltuples=rows,
                total_bytes=tb,
                table_bytes=hb,
                index_bytes=ib,
                partitions=len(children.get(name, [])),
            )
