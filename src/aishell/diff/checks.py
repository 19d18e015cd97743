"""Pre-checks: the rows that would make a migration statement fail or lose data, counted first.

A ``DataCheck`` is a count taken on the database as it is before the plan runs: values that do not
fit a narrower type, duplicates under a new unique key, NULLs under a new NOT NULL, rows breaking a new
CHECK, orphans under a new foreign key, rows of a table a NOT NULL column without default is added
to, rows holding an enum value being removed (all *blocking*: the statement would fail, or for a type
change lose data), and the non-null values a DROP COLUMN or the rows a DROP TABLE destroys
(information, shown in the preview and in the refusal).

The plan's first statement, inside its transaction, runs every blocking check and stops the migration
before anything changes when one finds rows (``guard_sql``); ``aishell schema migrate`` also counts
them beforehand to show the numbers.

Type changes never truncate: where PostgreSQL has an assignment cast (``text`` to ``varchar(10)``,
``bigint`` to ``integer``) the plan leaves ``USING`` out, so a value that does not fit raises an
error instead of being cut as an explicit cast would; where the assignment cast rounds silently
(``numeric(10,4)`` to ``numeric(10,2)``, floating point to integer, a timestamp to a date), a guard
right before the ``ALTER`` locks the table and stops if any value would change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aishell.dialects.postgres.quote import quote_literal
from aishell.diff.normalize import norm_type

BLOCKING = ("not-fit", "duplicates", "nulls", "violations", "orphans", "rows", "enum-values")


@dataclass
class DataCheck:
    """``count_sql`` is a scalar subquery (``(SELECT count(*) FROM ...)``); ``what`` describes what it
    counts, read after the number: ``"3 duplicate row(s) under public.items (sku)"``."""

    kind: str  # one of BLOCKING, or values-lost | rows-lost
    what: str
    count_sql: str

    @property
    def blocking(self) -> bool:
        return self.kind in BLOCKING

    def message(self, n: int) -> str:
        return f"{n:,} {self.what}"


# -- type changes -------------------------------------------------------------------------------------------
_INTS = {
    "smallint": (-32768, 32767),
    "integer": (-2147483648, 2147483647),
    "bigint": (-9223372036854775808, 9223372036854775807),
}
_FLOATS = ("real", "double precision")
_NUMERIC_FAMILY = set(_INTS) | set(_FLOATS) | {"numeric", "money"}
_STRINGS = {"text", "character varying", "character", "name"}
_BITS = {"bit", "bit varying"}
_DATETIME_ASSIGN = {  # pg_cast entries of context 'a' or 'i' between date and time types
    ("date", "timestamp without time zone"),
    ("date", "timestamp with time zone"),
    ("time without time zone", "interval"),
    ("time without time zone", "time with time zone"),
    ("timestamp without time zone", "date"),
    ("timestamp without time zone", "time without time zone"),
    ("timestamp without time zone", "timestamp with time zone"),
    ("timestamp with time zone", "date"),
    ("timestamp with time zone", "time without time zone"),
    ("timestamp with time zone", "timestamp without time zone"),
    ("timestamp with time zone", "time with time zone"),
    ("interval", "time without time zone"),
    ("time with time zone", "time without time zone"),
}
_OTHER_ASSIGN = {("json", "jsonb"), ("jsonb", "json"), ("cidr", "inet"), ("inet", "cidr")}
_TYPMOD = re.compile(r"\s*\([^)]*\)")
_LEN = re.compile(r"^(character varying|character|bit varying|bit)\((\d+)\)$")
_NUM = re.compile(r"^numeric\((\d+)(?:,\s*(-?\d+))?\)$")
_PREC = re.compile(r"^(timestamp|time)\((\d)\)( with(?:out)? time zone)?$")


def base_type(t: str) -> str:
    """``character varying(10)`` → ``character varying``; ``timestamp(3) with time zone`` →
    ``timestamp with time zone``; arrays keep their ``[]``."""
    t = norm_type(t)
    arr = t.endswith("[]")
    b = _TYPMOD.sub("", t.removesuffix("[]")).strip()
    b = {
        "timestamp": "timestamp without time zone",
        "time": "time without time zone",
        "bpchar": "character",
        "varchar": "character varying",
    }.get(b, b)
    return b + ("[]" if arr else "")


def assignment_cast(old: str, new: str) -> bool:
    """True when PostgreSQL converts ``old`` to ``new`` on its own (an implicit or assignment cast, or
    the I/O conversion to a string type): ``ALTER ... TYPE`` then needs no ``USING``, and a value that
    does not fit raises an error instead of being truncated."""
    a, b = base_type(old), base_type(new)
    if a.endswith("[]") != b.endswith("[]"):
        return False
    a, b = a.removesuffix("[]"), b.removesuffix("[]")
    if a == b or b in _STRINGS:
        return True
    if a in _NUMERIC_FAMILY and b in _NUMERIC_FAMILY:
        return "money" not in (a, b) or {a, b} <= {"money", "numeric", "integer", "bigint"}
    if a in _STRINGS and b in _STRINGS or a in _BITS and b in _BITS:
        return True
    return (a, b) in _DATETIME_ASSIGN or (a, b) in _OTHER_ASSIGN


def _element_predicate(x: str, old: str, new: str, server_major: int | None) -> tuple[str | None, bool]:
    """(SQL true for a value ``x`` of type ``old`` that ``new`` cannot hold unchanged, whether PostgreSQL
    itself raises an error for it) or (None, _) when it cannot be said ahead."""
    a, b = base_type(old), base_type(new)
    nb = norm_type(new)
    m = _LEN.match(nb)
    if m:
        n = int(m.group(2))
        if b in _BITS:
            if a not in _BITS:
                return None, True
            return (f"length({x}) <> {n}" if b == "bit" else f"length({x}) > {n}"), True
        text = x if a in _STRINGS else f"{x}::text"
        return f"char_length({text}) > {n}", True
    if b in _INTS:
        lo, hi = _INTS[b]
        if a in _INTS or a in _FLOATS or a == "numeric":
            rng = f"{x} < {lo} OR {x} > {hi}"
            if a in _INTS:
                return rng, True
            return f"{rng} OR {x} <> trunc({x})", False  # rounding is silent
    if b == "numeric":
        mm = _NUM.match(nb)
        if mm and (a in _INTS or a in _FLOATS or a == "numeric"):
            p, s = int(mm.group(1)), int(mm.group(2) or 0)
            v = f"{x}::numeric"
            big = f"abs(round({v}, {s})) >= 1e{p - s}"
            if a in _INTS:
                return big, True
            return f"{big} OR round({v}, {s}) <> {v}", False
    if b == "real" and (a in _INTS or a == "numeric" or a == "double precision"):
        v = f"{x}::numeric" if a != "double precision" else x
        return (
            f"CASE WHEN abs({x}) > 3.4e38 OR (abs({x}) < 1.2e-38 AND {x} <> 0) THEN true "
            f"ELSE {x}::real::{'double precision' if a == 'double precision' else 'numeric'} <> {v} END"
        ), False
    if b == "double precision" and (a == "bigint" or a == "numeric"):
        return (
            f"CASE WHEN abs({x}) > 1.7e308 THEN true ELSE {x}::double precision::numeric <> {x}::numeric END",
            False,
        )
    if b == "date" and a.startswith("timestamp"):
        return f"{x} <> {x}::date", False
    pm = _PREC.match(nb)
    if pm and a == b:
        return f"{x} <> {x}::{nb}", False
    if a in _STRINGS and server_major and server_major >= 16:
        return f"NOT pg_input_is_valid({x}::text, {quote_literal(nb)})", True
    return None, True


def loss_predicate(col: str, old: str, new: str, server_major: int | None = None) -> tuple[str | None, bool]:
    """(SQL true for the rows whose column ``col`` (an SQL expression) would not fit ``new``, whether
    the ALTER itself raises an error for such a value rather than changing it silently)."""
    if norm_type(old).endswith("[]") and norm_type(new).endswith("[]"):
        o, n = norm_type(old).removesuffix("[]"), norm_type(new).removesuffix("[]")
        pred, errors = _element_predicate("x", o, n, server_major)
        if pred is None:
            return None, errors
        return f"EXISTS (SELECT 1 FROM unnest({col}) AS u(x) WHERE {pred})", errors
    pred, errors = _element_predicate(col, old, new, server_major)
    return (f"({pred})" if pred else None), errors


# -- builders -----------------------------------------------------------------------------------------------
def not_fit(
    table_sql: str, col: str, label: str, old: str, new: str, server_major: int | None
) -> DataCheck | None:
    pred, _ = loss_predicate(col, old, new, server_major)
    if pred is None:
        return None
    return DataCheck(
        "not-fit",
        f"value(s) of {label} do not fit {new}",
        f"(SELECT count(*) FROM {table_sql} WHERE {col} IS NOT NULL AND {pred})",
    )


def duplicates(
    table_sql: str, cols: list[str], label: str, *, where: str | None = None, nulls_distinct: bool = True
) -> DataCheck:
    group = ", ".join(cols)
    conds = [f"{c} IS NOT NULL" for c in cols] if nulls_distinct else []
    if where:
        conds.append(f"({where})")
    w = f" WHERE {' AND '.join(conds)}" if conds else ""
    return DataCheck(
        "duplicates",
        f"duplicate row(s) under {label} (rows beyond the first of each key)",
        f"(SELECT coalesce(sum(d.dup - 1), 0) FROM (SELECT count(*) AS dup FROM {table_sql}{w} "
        f"GROUP BY {group} HAVING count(*) > 1) AS d)",
    )


def nulls(table_sql: str, cols: list[str], label: str) -> DataCheck:
    cond = " OR ".join(f"{c} IS NULL" for c in cols)
    return DataCheck(
        "nulls", f"row(s) with NULL in {label}", f"(SELECT count(*) FROM {table_sql} WHERE {cond})"
    )


def violations(table_sql: str, expr: str, label: str) -> DataCheck:
    return DataCheck(
        "violations", f"row(s) violate {label}", f"(SELECT count(*) FROM {table_sql} WHERE NOT ({expr}))"
    )


def orphans(
    table_sql: str, cols: list[str], parent_sql: str | None, ref_cols: list[str], label: str
) -> DataCheck:
    notnull = " AND ".join(f"c.{x} IS NOT NULL" for x in cols)
    if parent_sql is None:  # the referenced table is new, hence empty
        sql = f"(SELECT count(*) FROM {table_sql} AS c WHERE {notnull})"
    else:
        on = " AND ".join(f"p.{b} = c.{a}" for a, b in zip(cols, ref_cols))
        sql = f"(SELECT count(*) FROM {table_sql} AS c WHERE {notnull} AND NOT EXISTS (SELECT 1 FROM {parent_sql} AS p WHERE {on}))"
    return DataCheck("orphans", f"row(s) reference nothing under {label}", sql)


def has_rows(table_sql: str, label: str, fill_hint: str | None = None) -> DataCheck:
    what = f"row(s) in {label}, which gets a NOT NULL column without a default"
    return DataCheck(
        "rows",
        f"{what} (give their value with {fill_hint})" if fill_hint else what,
        f"(SELECT count(*) FROM {table_sql})",
    )


def enum_values(table_sql: str, col: str, values: list[str], is_array: bool, label: str) -> DataCheck:
    lits = ", ".join(quote_literal(v) for v in values)
    cond = f"{col}::text[] && ARRAY[{lits}]::text[]" if is_array else f"{col}::text IN ({lits})"
    return DataCheck(
        "enum-values",
        f"row(s) of {label} hold a value being removed ({', '.join(values)})",
        f"(SELECT count(*) FROM {table_sql} WHERE {cond})",
    )


def values_lost(table_sql: str, col: str, label: str) -> DataCheck:
    return DataCheck(
        "values-lost", f"non-null value(s) in {label} are deleted", f"(SELECT count({col}) FROM {table_sql})"
    )


def rows_lost(table_sql: str, label: str) -> DataCheck:
    return DataCheck("rows-lost", f"row(s) of {label} are deleted", f"(SELECT count(*) FROM {table_sql})")


# -- SQL ----------------------------------------------------------------------------------------------------
def _dollar(body: str) -> str:
    tag, n = "$aishell$", 0
    while tag in body:
        n += 1
        tag = f"$aishell{n}$"
    return tag


def guard_sql(checks: list[DataCheck]) -> str:
    """One DO block running every blocking check; it raises, listing the counts, when rows are found."""
    # Column names win over the block's own variables (a table may have a column named like them).
    lines = [
        "#variable_conflict use_column",
        "DECLARE",
        "    aishell_n bigint;",
        "    aishell_found text[] := '{}';",
        "BEGIN",
    ]
    for c in checks:
        # A count that cannot run on the database as it is (it reads a column this plan changes) is
        # skipped: the statement it guards still fails on bad rows, inside the transaction.
        lines += [
            "    BEGIN",
            f"        aishell_n := {c.count_sql};",
            "    EXCEPTION WHEN OTHERS THEN",
            f"        RAISE NOTICE 'aishell pre-check skipped (%): %', {quote_literal(c.what)}, SQLERRM;",
            "        aishell_n := 0;",
            "    END;",
            "    IF aishell_n > 0 THEN",
            f"        aishell_found := aishell_found || (aishell_n || ' ' || {quote_literal(c.what)});",
            "    END IF;",
        ]
    lines += [
        "    IF cardinality(aishell_found) > 0 THEN",
        (
            "        RAISE EXCEPTION USING ERRCODE = '23000', MESSAGE = 'aishell pre-check failed, nothing was "
            "changed: ' || array_to_string(aishell_found, '; ');"
        ),
        "    END IF;",
        "END",
    ]
    body = "\n".join(lines)
    tag = _dollar(body)
    return f"DO {tag}\n{body}\n{tag}"


def lossy_guard_sql(
    table_sql: str, col: str, label: str, old: str, new: str, server_major: int | None
) -> str | None:
    """A guard for the type changes PostgreSQL makes silently lossy (rounding): lock the table, then stop if
    a value would change. None where the ALTER raises an error by itself or nothing can be said ahead."""
    pred, errors = loss_predicate(col, old, new, server_major)
    if pred is None or errors:
        return None
    msg = quote_literal(
        f"aishell: value(s) of {label} would be rounded or cut by the change to {new}; nothing was changed"
    )
    body = (
        f"#variable_conflict use_column\nBEGIN\n    LOCK TABLE {table_sql} IN ACCESS EXCLUSIVE MODE;\n"
        f"    IF EXISTS (SELECT 1 FROM {table_sql} WHERE {col} IS NOT NULL AND {pred}) THEN\n"
        f"        RAISE EXCEPTION USING ERRCODE = '22003', MESSAGE = {msg};\n    END IF;\nEND"
    )
    tag = _dollar(body)
    return f"DO {tag}\n{body}\n{tag}"
