"""Column types from an intent: logical names (money, timestamp, ...) and PostgreSQL names, checked.

A type written by a reader (or a model) is never pasted into DDL as is: it must be a logical type or a
PostgreSQL base type this module knows, with an optional length/precision and ``[]``.
"""

from __future__ import annotations

import re

LOGICAL = {
    "text": "TEXT",
    "string": "VARCHAR(255)",
    "varchar": "VARCHAR(255)",
    "integer": "INTEGER",
    "int": "INTEGER",
    "count": "INTEGER",
    "smallint": "SMALLINT",
    "bigint": "BIGINT",
    "decimal": "NUMERIC",
    "number": "NUMERIC",
    "numeric": "NUMERIC",
    "money": "NUMERIC(12,2)",
    "currency": "NUMERIC(12,2)",
    "float": "DOUBLE PRECISION",
    "double": "DOUBLE PRECISION",
    "real": "DOUBLE PRECISION",
    "boolean": "BOOLEAN",
    "bool": "BOOLEAN",
    "date": "DATE",
    "time": "TIME",
    "timestamp": "TIMESTAMPTZ",
    "datetime": "TIMESTAMPTZ",
    "timestamptz": "TIMESTAMPTZ",
    "instant": "TIMESTAMPTZ",
    "interval": "INTERVAL",
    "duration": "INTERVAL",
    "uuid": "UUID",
    "json": "JSONB",
    "jsonb": "JSONB",
    "object": "JSONB",
    "email": "VARCHAR(255)",
    "url": "TEXT",
    "uri": "TEXT",
    "phone": "VARCHAR(32)",
    "currency_code": "VARCHAR(3)",
    "country_code": "VARCHAR(2)",
    "binary": "BYTEA",
    "bytes": "BYTEA",
    "inet": "INET",
    "ip": "INET",
}
# checks that come with a logical type ({col} is the column)
LOGICAL_CHECKS = {
    "email": "{col} ~* '^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+[.][A-Za-z]{2,}$'",
    "currency_code": "{col} ~ '^[A-Z]{3}$'",
    "country_code": "{col} ~ '^[A-Z]{2}$'",
    "money": "{col} >= 0",
}
_PG_BASE = {
    "smallint": "SMALLINT",
    "int2": "SMALLINT",
    "integer": "INTEGER",
    "int4": "INTEGER",
    "int": "INTEGER",
    "bigint": "BIGINT",
    "int8": "BIGINT",
    "serial": "INTEGER",
    "bigserial": "BIGINT",
    "numeric": "NUMERIC",
    "decimal": "NUMERIC",
    "real": "REAL",
    "float4": "REAL",
    "double precision": "DOUBLE PRECISION",
    "float8": "DOUBLE PRECISION",
    "money": "NUMERIC(12,2)",
    "text": "TEXT",
    "varchar": "VARCHAR",
    "character varying": "VARCHAR",
    "char": "CHAR",
    "character": "CHAR",
    "citext": "TEXT",
    "boolean": "BOOLEAN",
    "bool": "BOOLEAN",
    "date": "DATE",
    "time": "TIME",
    "time without time zone": "TIME",
    "timetz": "TIME",
    "timestamp": "TIMESTAMPTZ",
    "timestamp without time zone": "TIMESTAMPTZ",
    "timestamp with time zone": "TIMESTAMPTZ",
    "timestamptz": "TIMESTAMPTZ",
    "interval": "INTERVAL",
    "uuid": "UUID",
    "json": "JSONB",
    "jsonb": "JSONB",
    "bytea": "BYTEA",
    "inet": "INET",
    "cidr": "CIDR",
    "macaddr": "MACADDR",
    "tsvector": "TSVECTOR",
    "int4range": "INT4RANGE",
    "int8range": "INT8RANGE",
    "numrange": "NUMRANGE",
    "daterange": "DATERANGE",
    "tstzrange": "TSTZRANGE",
    "tsrange": "TSTZRANGE",
    "point": "POINT",
}
_PG = re.compile(
    r"^(?P<base>[a-z][a-z0-9 ]*?)\s*(?:\(\s*(?P<args>\d+(?:\s*,\s*\d+)?)\s*\))?\s*(?P<array>\[\])?$"
)


def pg_type(written: str | None) -> tuple[str | None, str | None]:
    """(PostgreSQL type, logical name) for a type as an intent writes it; (None, None) when unknown."""
    if not written:
        return None, None
    low = " ".join(written.strip().lower().split())
    if low in LOGICAL:
        return LOGICAL[low], low
    m = _PG.match(low)
    if not m or m["base"] not in _PG_BASE:
        return None, None
    base = _PG_BASE[m["base"]]
    args = m["args"]
    if args and base in ("VARCHAR", "CHAR", "NUMERIC"):
        nums = [int(x) for x in args.split(",")]
        if base == "NUMERIC" and (nums[0] < 1 or nums[0] > 1000 or (len(nums) > 1 and nums[1] > nums[0])):
            return None, None
        if base in ("VARCHAR", "CHAR") and not 1 <= nums[0] <= 10485760:
            return None, None
        base = f"{base}({','.join(str(n) for n in nums)})"
    elif base in ("VARCHAR", "CHAR"):
        base = "VARCHAR(255)" if base == "VARCHAR" else "CHAR(1)"
    return base + ("[]" if m["array"] else ""), None


def literal(value: str) -> str:
    """A SQL string literal (the value quoted, quotes doubled)."""
    return "'" + value.replace("'", "''") + "'"


def default_sql(value: str | None, col_type: str, enum_values: list[str] | None = None) -> str | None:
    """A default as SQL for a column of ``col_type``, or None when the value does not fit the type.

    Defaults written by the knowledge base are SQL already (``'USD'``, ``now()``, ``0``); defaults from an
    intent are values ("medium", 0, true) and are quoted here."""
    if value is None:
        return None
    v = value.strip()
    if enum_values is not None:
        bare = v[1:-1].replace("''", "'") if len(v) >= 2 and v[0] == v[-1] == "'" else v
        return literal(bare) if bare in enum_values else None
    base = col_type.split("(")[0].upper()
    if base in ("SMALLINT", "INTEGER", "BIGINT", "NUMERIC", "REAL", "DOUBLE PRECISION"):
        return v if re.fullmatch(r"-?\d+(\.\d+)?", v) else None
    if base == "BOOLEAN":
        return v.lower() if v.lower() in ("true", "false") else None
    if base in ("TIMESTAMPTZ", "DATE", "TIME"):
        if v.lower() in ("now", "now()", "current_timestamp"):
            return (
                "now()" if base == "TIMESTAMPTZ" else ("CURRENT_DATE" if base == "DATE" else "CURRENT_TIME")
            )
        if v.upper() in ("CURRENT_DATE", "CURRENT_TIME"):
            return v.upper()
        return None
    if base in ("TEXT", "VARCHAR", "CHAR"):
        bare = v[1:-1].replace("''", "'") if len(v) >= 2 and v[0] == v[-1] == "'" else v
        return literal(bare)
    return None
