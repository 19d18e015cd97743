"""Data probes: counts on the rows themselves.

Tables whose planner estimate is above ``sample_threshold`` rows are read through
``TABLESAMPLE SYSTEM`` and the counts scaled up: such numbers are labelled ``estimated``. Below the
threshold (or with ``--deep``) every row is counted and the numbers are ``exact``.

Every read of a table, whole or sampled, goes through ``TABLESAMPLE SYSTEM`` (``(100)`` for a whole
table: every page, every row). PostgreSQL counts a sample scan neither in ``seq_scan`` nor in
``idx_scan`` (only its rows, in ``seq_tup_read``), and the planner cannot answer it with an index, so the
scan counters that seq-scan-heavy-table and unused-index read are the application's alone, however
often aishell runs.

One profile scan per table computes every per-column aggregate the rules need (NULL counts, minimum,
maximum, negative values, malformed e-mail addresses), so the cost is one pass per table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from aishell.analyze.probes.session import ProbeFailed, ProbeSession
from aishell.dialects.postgres.quote import qualify, quote_ident, quote_literal
from aishell.model import Column, Table

EMAIL_REGEX = r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$"
NUMERIC_TYPES = ("smallint", "integer", "bigint", "numeric", "real", "double precision", "money")
INT_TYPES = ("smallint", "integer", "bigint")
TEXT_TYPES = ("text", "character varying", "character", "varchar", "char", "bpchar")


@lru_cache(maxsize=4096)
def base_type(type_text: str) -> str:
    """``character varying(255)`` -> ``character varying``; ``numeric(10,2)`` -> ``numeric``."""
    t = type_text.strip().lower()
    t = re.sub(r"\(.*?\)", "", t).strip()
    aliases = {
        "int": "integer",
        "int4": "integer",
        "int8": "bigint",
        "int2": "smallint",
        "decimal": "numeric",
        "varchar": "character varying",
        "char": "character",
        "bpchar": "character",
        "bool": "boolean",
        "float8": "double precision",
        "float4": "real",
        "timestamptz": "timestamp with time zone",
        "timestamp": "timestamp without time zone",
        "serial": "integer",
        "bigserial": "bigint",
        "smallserial": "smallint",
    }
    return aliases.get(t, t)


def is_email_column(col: Column) -> bool:
    return base_type(col.type) in ("text", "character varying", "citext") and bool(
        re.search(r"(^|_)e?mail(_address)?$|^email", col.name.lower())
    )


AMOUNT_NAME = re.compile(
    r"(^|_)(price|amount|total|subtotal|cost|fee|tax|quantity|qty|stock|count|weight|salary|"
    r"discount|shipping)(_|$)",
    re.I,
)


def is_amount_column(col: Column) -> bool:
    return (
        base_type(col.type) in NUMERIC_TYPES
        and bool(AMOUNT_NAME.search(col.name))
        and not re.search(r"balance|delta|diff|change|adjust", col.name, re.I)
    )


# A delimited list of two or more tokens without inner spaces: 'red,green', 'a; b', '1|5|7'.
LIST_PATTERN = r"^\s*[[:alnum:]_.@+#-]+(\s*[,;|]\s*[[:alnum:]_.@+#-]+)+\s*$"
LIST_SPLIT = r"\s*[,;|]\s*"

# What text values look like: (pattern, the type pg_input_is_valid checks on PostgreSQL 16+).
TEXT_SHAPES = {
    "integer": (r"^[-+]?[0-9]{1,18}$", "bigint"),
    "number": (r"^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$", "numeric"),
    "date": (r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "date"),
    "timestamp": (r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?$", "timestamp"),
    "timestamptz": (
        r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[-+][0-9]{2}(:?[0-9]{2})?)$",
        "timestamptz",
    ),
}


def shape_test(value_sql: str, shape: str, exact_input: bool) -> str:
    """SQL that is true when the text ``value_sql`` has ``shape`` (and, on 16+, converts to its type)."""
    rx, pg_type = TEXT_SHAPES[shape]
    test = f"{value_sql} ~ {quote_literal(rx)}"
    if exact_input:  # the pattern keeps out what the type would also read (' 1 2', 'now', 'infinity')
        test += f" AND pg_input_is_valid({value_sql}, {quote_literal(pg_type)})"
    return test


# Types with no equality operator: rows are compared on their text form.
NO_EQUALITY = ("json", "xml", "point", "line", "lseg", "box", "path", "polygon", "circle")


def group_expr(column: str, type_text: str) -> str:
    """``column`` as a GROUP BY expression: its text form for types that have no equality operator."""
    bt = base_type(type_text.removesuffix("[]"))
    return f"{quote_ident(column)}::text" if bt in NO_EQUALITY else quote_ident(column)


def whole(table: Table, alias: str | None = None) -> str:
    """FROM-clause text reading every row of ``table`` without moving its scan counters.

    ``TABLESAMPLE SYSTEM (100)`` selects every page and returns every row on it; PostgreSQL counts such
    a sample scan in neither ``seq_scan`` nor ``idx_scan``, and no index can serve it.
    """
    return f"{qualify(table.schema, table.name)}{' ' + alias if alias else ''} TABLESAMPLE SYSTEM (100)"


@dataclass
class Measured:
    """A value counted on the data: exact on a full scan, estimated when sampled and scaled."""

    value: Any
    kind: str
    source: str


@dataclass
class TableProfile:
    rows: int
    kind: str  # exact | estimated
    source: str
    sampled_rows: int
    nulls: dict[str, int] = field(default_factory=dict)
    minimum: dict[str, Any] = field(default_factory=dict)
    maximum: dict[str, Any] = field(default_factory=dict)
    negatives: dict[str, int] = field(default_factory=dict)
    bad_emails: dict[str, int] = field(default_factory=dict)


class DataProbes:
    def __init__(
        self,
        session: ProbeSession,
        row_estimate,
        *,
        sample_threshold: int = 2_000_000,
        sample_rows: int = 200_000,
        timeout_ms: int = 30000,
    ):
        self.session = session
        self.row_estimate = row_estimate  # callable qname -> int | None
        self.sample_threshold = sample_threshold
        self.sample_rows = sample_rows
        self.timeout_ms = timeout_ms
        self._profiles: dict[str, TableProfile | ProbeFailed] = {}
        self._cache: dict[Any, Any] = {}

    # -- sampling -------------------------------------------------------------------------------
    def source(self, table: Table, alias: str | None = None) -> tuple[str, float, str]:
        """FROM-clause text for ``table``, its scale factor, and ``exact``/``estimated``."""
        name = qualify(table.schema, table.name)
        est = self.row_estimate(table.qualified_name) or 0
        a = f" {alias}" if alias else ""
        if est > self.sample_threshold:
            pct = max(0.01, min(100.0, 100.0 * self.sample_rows / est))
            return f"{name}{a} TABLESAMPLE SYSTEM ({pct:.4f}) REPEATABLE (42)", 100.0 / pct, "estimated"
        return whole(table, alias), 1.0, "exact"

    def _label(self, kind: str, pct_factor: float) -> str:
        if kind == "exact":
            return "full scan"
        return f"TABLESAMPLE SYSTEM sample of about {100.0 / pct_factor:.2f}% of pages, scaled"

    def scaled(self, n: int, factor: float) -> int:
        return int(round(n * factor))

    # -- one pass per table -----------------------------------------------------------------------
    def profile(self, table: Table) -> TableProfile:
        key = table.qualified_name
        if key not in self._profiles:
            try:
                self._profiles[key] = self._profile(table)
            except ProbeFailed as exc:
                self._profiles[key] = exc
        got = self._profiles[key]
        if isinstance(got, ProbeFailed):
            raise got
        return got

    def _profile(self, table: Table) -> TableProfile:
        src, factor, kind = self.source(table)
        exprs: list[tuple[str, str, str]] = []  # (what, column, sql)
        for col in table.columns:
            q = quote_ident(col.name)
            bt = base_type(col.type)
            if col.nullable:
                exprs.append(("nulls", col.name, f"count(*) - count({q})"))
            if bt in NUMERIC_TYPES and bt != "money":
                exprs.append(("min", col.name, f"min({q})"))
                exprs.append(("max", col.name, f"max({q})"))
                if is_amount_column(col):
                    exprs.append(("neg", col.name, f"count(*) FILTER (WHERE {q} < 0)"))
            if is_email_column(col):
                exprs.append(
                    ("email", col.name, f"count(*) FILTER (WHERE {q} !~* {quote_literal(EMAIL_REGEX)})")
                )
        select = ", ".join(["count(*)"] + [e[2] for e in exprs])
        row = self.session.query(f"SELECT {select} FROM {src}", timeout_ms=self.timeout_ms)[0]
        sampled = int(row[0])
        prof = TableProfile(
            rows=self.scaled(sampled, factor),
            kind=kind,
            source=self._label(kind, factor),
            sampled_rows=sampled,
        )
        for (what, col, _), val in zip(exprs, row[1:]):
            if what == "nulls":
                prof.nulls[col] = self.scaled(int(val), factor)
            elif what == "min":
                prof.minimum[col] = val
            elif what == "max":
                prof.maximum[col] = val
            elif what == "neg":
                prof.negatives[col] = self.scaled(int(val), factor)
            elif what == "email":
                prof.bad_emails[col] = self.scaled(int(val), factor)
        return prof

    # -- specific probes --------------------------------------------------------------------------
    def duplicate_groups(self, table: Table, columns: list[str]) -> tuple[Measured, Measured]:
        """Groups of rows sharing ``columns`` and the surplus rows (rows minus one per group)."""
        src, factor, kind = self.source(table)
        types = {c.name: c.type for c in table.columns}
        cols = ", ".join(group_expr(c, types.get(c, "text")) for c in columns)
        row = self.session.query(
            f"SELECT count(*), coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM {src} "
            f"GROUP BY {cols} HAVING count(*) > 1) d",
            timeout_ms=self.timeout_ms,
        )[0]
        label = "GROUP BY " + ", ".join(columns) + " HAVING count(*) > 1"
        if kind == "estimated":
            label += " on a sample (duplicates are undercounted by sampling)"
        return (Measured(int(row[0]), kind, label), Measured(int(row[1]), kind, label))

    def mismatches(
        self, table: Table, fk_cols: list[str], ref: Table, ref_cols: list[str], pairs: list[tuple[str, str]]
    ) -> tuple[Measured, Measured]:
        """Rows of ``table`` whose copied columns disagree with the row they reference, and the rows
        compared (those with a matching referenced row)."""
        src, factor, kind = self.source(table, "t")
        join = " AND ".join(f"r.{quote_ident(rc)} = t.{quote_ident(c)}" for c, rc in zip(fk_cols, ref_cols))
        differ = " OR ".join(f"t.{quote_ident(a)} IS DISTINCT FROM r.{quote_ident(b)}" for a, b in pairs)
        row = self.session.query(
            f"SELECT count(*) FILTER (WHERE {differ}), count(*) FROM {src} JOIN {whole(ref, 'r')} ON {join}",
            timeout_ms=self.timeout_ms,
        )[0]
        label = "JOIN on the foreign key, count of rows where the copy differs"
        return (
            Measured(self.scaled(int(row[0]), factor), kind, label),
            Measured(self.scaled(int(row[1]), factor), kind, label),
        )

    def mismatches_each(
        self, table: Table, fk_cols: list[str], ref: Table, ref_cols: list[str], pairs: list[tuple[str, str]]
    ) -> tuple[list[Measured], Measured]:
        """Like :meth:`mismatches`, one count per pair, in a single join."""
        src, factor, kind = self.source(table, "t")
        join = " AND ".join(f"r.{quote_ident(rc)} = t.{quote_ident(c)}" for c, rc in zip(fk_cols, ref_cols))
        counts = ", ".join(
            f"count(*) FILTER (WHERE t.{quote_ident(a)} IS DISTINCT FROM r.{quote_ident(b)})"
            for a, b in pairs
        )
        row = self.session.query(
            f"SELECT count(*), {counts} FROM {src} JOIN {whole(ref, 'r')} ON {join}",
            timeout_ms=self.timeout_ms,
        )[0]
        label = "JOIN on the foreign key, count of rows where the copy differs"
        return (
            [Measured(self.scaled(int(v), factor), kind, label) for v in row[1:]],
            Measured(self.scaled(int(row[0]), factor), kind, label),
        )

    def text_shapes(self, table: Table, columns: list[str]) -> tuple[dict[str, dict[str, Any]], str, str]:
        """For each text column, how many non-NULL values read as an integer, a decimal number, a
        boolean, a date, a timestamp (with or without a zone), in one pass over the table.

        On PostgreSQL 16+ a value "converts" when ``pg_input_is_valid`` says so for the type; before 16
        the counts are pattern matches (a date such as 2024-02-30 matches but would not convert).
        Returns ({column: {what: count}}, kind, source).
        """
        src, factor, kind = self.source(table)
        exact_input = self.session.major >= 16
        exprs: list[tuple[str, str, str]] = []
        for col in columns:
            v = f"btrim({quote_ident(col)}::text)"
            exprs.append((col, "values", f"count(*) FILTER (WHERE {v} <> '')"))  # '' becomes NULL
            for what in TEXT_SHAPES:
                exprs.append((col, what, f"count(*) FILTER (WHERE {shape_test(v, what, exact_input)})"))
            exprs.append((col, "leading_zero", f"count(*) FILTER (WHERE {v} ~ '^[-+]?0[0-9]')"))
            exprs.append((col, "true", f"count(*) FILTER (WHERE lower({v}) IN ('y', 'yes', 't', 'true', 'on'))"))
            exprs.append((col, "false", f"count(*) FILTER (WHERE lower({v}) IN ('n', 'no', 'f', 'false', 'off'))"))
            exprs.append((col, "zero_one", f"count(*) FILTER (WHERE {v} IN ('0', '1'))"))
            int_rx = quote_literal(TEXT_SHAPES["integer"][0])
            exprs.append((col, "min", f"min(CASE WHEN {v} ~ {int_rx} THEN {v}::numeric END)"))
            exprs.append((col, "max", f"max(CASE WHEN {v} ~ {int_rx} THEN {v}::numeric END)"))
            exprs.append((col, "scale", f"max(length(substring({v} FROM '\\.([0-9]+)$')))"))
            exprs.append((col, "digits", f"max(length(substring({v} FROM '^[-+]?0*([0-9]+)')))"))
        if not exprs:
            return {}, kind, ""
        row = self.session.query(
            f"SELECT {', '.join(e[2] for e in exprs)} FROM {src}", timeout_ms=self.timeout_ms
        )[0]
        out: dict[str, dict[str, Any]] = {c: {} for c in columns}
        for (col, what, _), val in zip(exprs, row):
            if what in ("min", "max", "scale", "digits"):
                out[col][what] = val
            else:
                out[col][what] = self.scaled(int(val), factor)
        how = "pg_input_is_valid" if exact_input else "pattern match (PostgreSQL 15 has no pg_input_is_valid)"
        return out, kind, f"{self._label(kind, factor)}, {how}"

    def orphans(self, table: Table, column: str, ref: Table, key: str) -> tuple[int, int, str, str]:
        """(non-NULL values of ``column``, those with no ``ref.key`` row), kind and source."""
        src, factor, kind = self.source(table, "t")
        c, k = quote_ident(column), quote_ident(key)
        row = self.session.query(
            f"SELECT count(t.{c}), count(t.{c}) FILTER (WHERE r.{k} IS NULL) FROM {src} "
            f"LEFT JOIN {whole(ref, 'r')} ON r.{k} = t.{c}",
            timeout_ms=self.timeout_ms,
        )[0]
        label = f"LEFT JOIN {ref.qualified_name} on {key}: rows whose {column} matches no row"
        if kind == "estimated":
            label += f" ({self._label(kind, factor)})"
        return self.scaled(int(row[0]), factor), self.scaled(int(row[1]), factor), kind, label

    def list_shapes(self, table: Table, columns: list[str]) -> tuple[dict[str, dict[str, int]], str, str]:
        """For each text column: non-empty values, values that are delimited lists of two or more tokens
        (``red,green``, ``a; b``, ``1|5|7``), how many different item counts those lists have, the most
        items in one, all items, and distinct items (case-insensitive): one pass over the table."""
        src, factor, kind = self.source(table)
        items_sql = f"regexp_split_to_array(btrim({{v}}), {quote_literal(LIST_SPLIT)})"
        exprs = []
        for col in columns:
            v = quote_ident(col)
            is_list = f"{v} ~ {quote_literal(LIST_PATTERN)}"
            n_items = f"cardinality({items_sql.format(v=v)})"
            exprs += [
                (col, "values", f"count(*) FILTER (WHERE btrim({v}) <> '')"),
                (col, "lists", f"count(*) FILTER (WHERE {is_list})"),
                (col, "item_counts", f"count(DISTINCT {n_items}) FILTER (WHERE {is_list})"),
                (col, "max_items", f"coalesce(max({n_items}) FILTER (WHERE {is_list}), 0)"),
                # 1,234,567: one number with thousands separators, not a list
                (col, "thousands", f"count(*) FILTER (WHERE {v} ~ '^\\s*[0-9]{{1,3}}(,[0-9]{{3}})+\\s*$')"),
            ]
        row = self.session.query(
            f"SELECT {', '.join(e[2] for e in exprs)} FROM {src}", timeout_ms=self.timeout_ms
        )[0]
        out: dict[str, dict[str, int]] = {c: {} for c in columns}
        for (col, what, _), val in zip(exprs, row):
            out[col][what] = self.scaled(int(val), factor) if what in ("values", "lists", "thousands") else int(val)
        for col in columns:
            if out[col]["lists"] and out[col]["item_counts"] >= 2:
                v = quote_ident(col)
                total, distinct = self.session.query(
                    f"SELECT count(*), count(DISTINCT lower(x)) FROM (SELECT unnest("
                    f"{items_sql.format(v=v)}) AS x FROM {src} WHERE {v} ~ {quote_literal(LIST_PATTERN)}) s",
                    timeout_ms=self.timeout_ms,
                )[0]
                out[col]["items"], out[col]["distinct_items"] = int(total), int(distinct)
        return out, kind, self._label(kind, factor)

    def multivalued(self, table: Table, x: str, y: str, z: str) -> dict[str, int]:
        """Groups of ``x`` whose rows are exactly the cross product of their ``y`` and ``z`` values (an
        independent multi-valued fact: x ->> y | z), and how many of them are non-trivial (2+ each)."""
        src, _, _ = self.source(table)
        qx, qy, qz = quote_ident(x), quote_ident(y), quote_ident(z)
        row = self.session.query(
            f"SELECT count(*), count(*) FILTER (WHERE n = ny * nz), "
            f"count(*) FILTER (WHERE n = ny * nz AND ny > 1 AND nz > 1), coalesce(sum(n), 0) "
            f"FROM (SELECT count(*) AS n, count(DISTINCT {qy}) AS ny, count(DISTINCT {qz}) AS nz "
            f"FROM {src} GROUP BY {qx}) g",
            timeout_ms=self.timeout_ms,
        )[0]
        return {"groups": int(row[0]), "product_groups": int(row[1]), "nontrivial": int(row[2]),
                "rows": int(row[3])}

    def value_counts(self, table: Table, column: str, limit: int = 21) -> tuple[list[tuple[Any, int]], str]:
        """Up to ``limit`` distinct values of ``column`` with their counts (most frequent first)."""
        src, factor, kind = self.source(table)
        q = quote_ident(column)
        rows = self.session.query(
            f"SELECT {q}, count(*) FROM {src} WHERE {q} IS NOT NULL GROUP BY {q} "
            f"ORDER BY count(*) DESC LIMIT {int(limit)}",
            timeout_ms=self.timeout_ms,
        )
        return [(r[0], self.scaled(int(r[1]), factor)) for r in rows], kind

    def sample(self, table: Table, columns: list[str], n: int) -> tuple[list[tuple], str]:
        """Up to ``n`` rows of ``columns``: all rows for small tables, a page sample otherwise."""
        est = self.row_estimate(table.qualified_name) or 0
        cols = ", ".join(quote_ident(c) for c in columns)
        name = qualify(table.schema, table.name)
        if est > n * 2:
            pct = max(0.01, min(100.0, 100.0 * n * 1.5 / est))
            sql = f"SELECT {cols} FROM {name} TABLESAMPLE SYSTEM ({pct:.4f}) REPEATABLE (7) LIMIT {int(n)}"
            kind = "estimated"
        else:
            sql = f"SELECT {cols} FROM {whole(table)} LIMIT {int(n) + 1}"
            kind = "exact"
        rows = self.session.query(sql, timeout_ms=self.timeout_ms)
        if kind == "exact" and len(rows) > n:
            rows, kind = rows[:n], "estimated"
        return rows, kind
