"""What the non-PostgreSQL generators (MySQL, SQLite, MongoDB) share.

* ``PgType``/``parse_type``: a PostgreSQL type spelling (``format_type`` text such as
  ``character varying(255)``, ``timestamp(3) with time zone``, ``integer[]``, ``public.mpaa_rating``, or
  a design spelling such as ``VARCHAR(255)``, ``BIGINT``, ``TIMESTAMPTZ``, ``SERIAL``) reduced to a
  canonical base name, its numeric arguments and its array depth.
* ``resolve_column_type``: follows domains to their base type and finds enum values, so a generator sees
  ``integer`` plus the domain's CHECKs instead of ``public.year``.
* ``Report``: the list of things a generator could not express or had to approximate. Generators
  report instead of guessing; the list is returned beside the text.
* ``translate_expr``: a PostgreSQL expression (CHECK, default, index WHERE, view body) through sqlglot
  to another dialect, with the rewrites that make sqlglot's output trustworthy (``= ANY (ARRAY[...])``
  to ``IN``, casts of literals dropped, schema qualifiers removed) and the refusals that keep it honest
  (arrays, unknown functions, functions the target lacks): ``None`` plus a reason when it cannot.

This module lives in the mysql package because its owner owns the three non-PostgreSQL dialects; it
imports nothing from them, so it can move to ``aishell.dialects`` unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from aishell.model.schema import CheckConstraint, Column, Schema, Table, View

# -- types -------------------------------------------------------------------------------------------

# Spellings (lower-case, single spaces) -> canonical base name.
_SYNONYMS: dict[str, str] = {
    "int": "integer",
    "int4": "integer",
    "integer": "integer",
    "serial": "integer",
    "serial4": "integer",
    "bigint": "bigint",
    "int8": "bigint",
    "bigserial": "bigint",
    "serial8": "bigint",
    "smallint": "smallint",
    "int2": "smallint",
    "smallserial": "smallint",
    "serial2": "smallint",
    "tinyint": "smallint",
    "mediumint": "integer",
    "real": "real",
    "float4": "real",
    "double precision": "double",
    "float8": "double",
    "double": "double",
    "float": "double",
    "numeric": "numeric",
    "decimal": "numeric",
    "dec": "numeric",
    "boolean": "boolean",
    "bool": "boolean",
    "character varying": "varchar",
    "varchar": "varchar",
    "char varying": "varchar",
    "nvarchar": "varchar",
    "string": "text",
    "character": "char",
    "char": "char",
    "bpchar": "char",
    "nchar": "char",
    "text": "text",
    "citext": "text",
    "clob": "text",
    "longtext": "text",
    "mediumtext": "text",
    "timestamp": "timestamp",
    "timestamp without time zone": "timestamp",
    "datetime": "timestamp",
    "timestamptz": "timestamptz",
    "timestamp with time zone": "timestamptz",
    "time": "time",
    "time without time zone": "time",
    "timetz": "timetz",
    "time with time zone": "timetz",
    "date": "date",
    "uuid": "uuid",
    "json": "json",
    "jsonb": "jsonb",
    "bytea": "bytea",
    "blob": "bytea",
    "inet": "inet",
    "cidr": "cidr",
    "macaddr": "macaddr",
    "macaddr8": "macaddr8",
    "money": "money",
    "tsvector": "tsvector",
    "tsquery": "tsquery",
    "xml": "xml",
    "bit": "bit",
    "bit varying": "varbit",
    "varbit": "varbit",
    '"char"': "char1",
    "name": "name",
    "oid": "oid",
    "regclass": "oid",
    "regtype": "oid",
    "hstore": "hstore",
    "vector": "vector",
    "halfvec": "vector",
    "sparsevec": "vector",
    "point": "geometric",
    "line": "geometric",
    "lseg": "geometric",
    "box": "geometric",
    "path": "geometric",
    "polygon": "geometric",
    "circle": "geometric",
    "int4range": "range",
    "int8range": "range",
    "numrange": "range",
    "tsrange": "range",
    "tstzrange": "range",
    "daterange": "range",
    "int4multirange": "range",
    "int8multirange": "range",
    "nummultirange": "range",
    "tsmultirange": "range",
    "tstzmultirange": "range",
    "datemultirange": "range",
    "pg_lsn": "text",
    "txid_snapshot": "text",
    "pg_snapshot": "text",
}
_SERIALS = {"serial", "serial4", "bigserial", "serial8", "smallserial", "serial2"}
# Extension types that may appear schema-qualified (public.citext).
_EXTENSION_TYPES = {"citext", "hstore", "vector", "halfvec", "sparsevec"}
INTEGER_TYPES = {"smallint", "integer", "bigint"}


@dataclass(frozen=True)
class PgType:
    """A parsed PostgreSQL type. ``base`` is canonical (see ``_SYNONYMS``), ``"user"`` for a
    user-defined type (``user`` then holds (schema or None, name)), ``"unknown"`` otherwise."""

    text: str
    base: str
    args: tuple[int, ...] = ()
    array: int = 0
    serial: bool = False
    user: tuple[str | None, str] | None = None
    spelling: str = ""  # the base spelling as written, lower-case (e.g. "interval day to second")

    @property
    def element(self) -> PgType:
        """The element type of an array type (itself when not an array)."""
        return PgType(self.text, self.base, self.args, 0, self.serial, self.user, self.spelling)

    @property
    def display(self) -> str:
        return self.text


def split_qualified(name: str) -> list[str]:
    """Split ``schema."we""ird"`` into its parts, unquoting (``["schema", 'we"ird']``)."""
    parts: list[str] = []
    i, n = 0, len(name)
    cur = ""
    while i < n:
        ch = name[i]
        if ch == '"':
            j = i + 1
            buf = ""
            while j < n:
                if name[j] == '"':
                    if j + 1 < n and name[j + 1] == '"':
                        buf += '"'
                        j += 2
                        continue
                    break
                buf += name[j]
                j += 1
            cur += buf
            i = j + 1
        elif ch == ".":
            parts.append(cur)
            cur = ""
            i += 1
        else:
            cur += ch
            i += 1
    parts.append(cur)
    return parts


_ARGS = re.compile(r"^(?P<name>.*?)\s*\((?P<args>[^()]*)\)\s*(?P<rest>.*)$", re.DOTALL)


def parse_type(text: str) -> PgType:
    """Parse a type spelling; never raises (unknown spellings give base ``"unknown"``)."""
    raw = (text or "").strip()
    body = raw
    array = 0
    while True:
        m = re.search(r"\s*\[\s*\d*\s*\]\s*$", body)
        if not m:
            break
        array += 1
        body = body[: m.start()]
    if re.search(r"\s+array$", body, re.IGNORECASE):  # "integer ARRAY"
        array += 1
        body = re.sub(r"\s+array$", "", body, flags=re.IGNORECASE)
    args: tuple[int, ...] = ()
    m = _ARGS.match(body)
    name = body
    if m and not body.startswith('"'):
        try:
            args = tuple(int(a) for a in m.group("args").split(",") if a.strip())
            name = (m.group("name") + " " + m.group("rest")).strip()
        except ValueError:
            args = ()
    elif m and '"' in body and body.rstrip().endswith(")"):
        # public."vector"(20)
        try:
            args = tuple(int(a) for a in m.group("args").split(",") if a.strip())
            name = m.group("name").strip()
        except ValueError:
            args = ()
    key = re.sub(r"\s+", " ", name.strip().lower()) if '"' not in name or name == '"char"' else None
    if key is not None:
        if key in _SYNONYMS:
            return PgType(raw, _SYNONYMS[key], args, array, key in _SERIALS, None, key)
        if key.startswith("interval"):
            return PgType(raw, "interval", args, array, False, None, key)
        if key.startswith("float") and args:
            return PgType(raw, "real" if args[0] <= 24 else "double", (), array, False, None, key)
        if key.startswith("pg_catalog."):
            inner = parse_type(
                name.strip()[len("pg_catalog.") :] + (f"({','.join(map(str, args))})" if args else "")
            )
            return PgType(raw, inner.base, inner.args, array, inner.serial, inner.user, inner.spelling)
    parts = split_qualified(name.strip())
    if len(parts) == 2 and parts[1].lower() in _EXTENSION_TYPES:
        return PgType(raw, _SYNONYMS[parts[1].lower()], args, array, False, None, parts[1].lower())
    if len(parts) in (1, 2) and all(parts):
        user = (parts[0], parts[1]) if len(parts) == 2 else (None, parts[0])
        return PgType(raw, "user", args, array, False, user, name.strip())
    return PgType(raw, "unknown", args, array, False, None, name.strip())


@dataclass
class ResolvedType:
    """A column type after following domains: the base ``PgType``, enum values when it is an enum,
    the domains' CHECK expressions (written against ``VALUE``), and what the domains add."""

    type: PgType
    enum_values: list[str] | None = None
    enum_name: str | None = None
    domain_checks: list[tuple[str | None, str]] = field(default_factory=list)
    domain_not_null: bool = False
    domain_default: str | None = None
    composite: str | None = None
    domains: list[str] = field(default_factory=list)


def resolve_type(schema: Schema, text: str, default_schema: str = "public") -> ResolvedType:
    """Resolve a type spelling against the schema's enums, domains and composite types."""
    t = parse_type(text)
    out = ResolvedType(t)
    seen = 0
    while t.base in ("user", "unknown") and seen < 10:
        seen += 1
        sch, name = t.user if t.user else (None, t.spelling)
        enum = _find(schema.enums, name, sch)
        if enum is not None:
            out.enum_values = list(enum.values)
            out.enum_name = enum.name
            out.type = PgType(
                t.text,
                "enum",
                (),
                t.array + out.type.array if out.type is not t else t.array,
                False,
                t.user,
                t.spelling,
            )
            return out
        dom = _find(schema.domains, name, sch)
        if dom is not None:
            out.domains.append(dom.name)
            for c in dom.checks:
                out.domain_checks.append((c.name, c.expression))
            out.domain_not_null = out.domain_not_null or dom.not_null
            if out.domain_default is None:
                out.domain_default = dom.default
            inner = parse_type(dom.type)
            extra_array = t.array
            t = PgType(
                t.text,
                inner.base,
                inner.args,
                inner.array + extra_array,
                inner.serial,
                inner.user,
                inner.spelling,
            )
            out.type = t
            continue
        comp = _find(schema.composite_types, name, sch)
        if comp is not None:
            out.composite = comp.name
            out.type = PgType(t.text, "composite", (), t.array, False, t.user, t.spelling)
            return out
        break
    out.type = t
    return out


def _find(items: Iterable, name: str, sch: str | None):
    for it in items:
        if it.name == name and (sch is None or it.schema == sch):
            return it
    # Case-insensitive fallback for design spellings ("Mpaa_Rating").
    for it in items:
        if it.name.lower() == name.lower() and (sch is None or it.schema == sch):
            return it
    return None


# -- the report ---------------------------------------------------------------------------------------


@dataclass
class Report:
    """What a generator could not express (``not_expressible``), approximated (``approximated``) or
    did not translate at all (``not_translated``: functions, triggers, policies, ...)."""

    dialect: str
    items: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, object, message)

    def not_expressible(self, obj: str, message: str) -> str:
        self.items.append(("not expressible", obj, message))
        return message

    def approximated(self, obj: str, message: str) -> str:
        self.items.append(("approximated", obj, message))
        return message

    def not_translated(self, obj: str, message: str) -> str:
        self.items.append(("not translated", obj, message))
        return message

    def note(self, obj: str, message: str) -> str:
        self.items.append(("note", obj, message))
        return message

    @property
    def warnings(self) -> list[str]:
        """One line per item: ``"<kind>: <object>: <message>"``."""
        return [f"{kind}: {obj}: {msg}" for kind, obj, msg in self.items]

    def of_kind(self, kind: str) -> list[tuple[str, str]]:
        return [(obj, msg) for k, obj, msg in self.items if k == kind]


def not_translated_objects(schema: Schema, report: Report, *, views_too: bool = False) -> list[str]:
    """Record the objects no non-PostgreSQL generator translates and return their display names."""
    names: list[str] = []

    def add(kind: str, name: str, why: str) -> None:
        names.append(f"{kind} {name}")
        report.not_translated(f"{kind} {name}", why)

    for f in schema.functions:
        add(f.kind, f.signature, "procedural code is PostgreSQL-specific")
    for t in schema.tables:
        for tr in t.triggers:
            add("trigger", f"{tr.name} on {t.qualified_name}", "triggers call PostgreSQL functions")
        for p in t.policies:
            add("policy", f"{p.name} on {t.qualified_name}", "no row-level security")
        for x in t.exclusions:
            add(
                "exclusion constraint",
                f"{x.name or '(unnamed)'} on {t.qualified_name}",
                "EXCLUDE constraints exist only in PostgreSQL",
            )
    for v in schema.views:
        if v.materialized:
            add("materialized view", v.qualified_name, "no materialized views")
        elif views_too:
            add("view", v.qualified_name, "views are not translated for this target")
    defaults = " ".join(c.default or "" for t in schema.tables for c in t.columns)
    for s in schema.sequences:
        used = re.search(rf"nextval\('(?:{re.escape(s.schema)}\.)?\"?{re.escape(s.name)}\"?'", defaults)
        if not s.owned_by and not used:
            add("sequence", f"{s.schema}.{s.name}", "standalone sequences do not exist")
    for e in schema.extensions:
        if e.name != "plpgsql":
            add("extension", e.name, "PostgreSQL extension")
    return names


# -- naming -------------------------------------------------------------------------------------------


def flat_names(schema: Schema) -> dict[str, str]:
    """Map each table's and view's qualified name to a name without schema: the bare name, or
    ``schema_name`` when two schemas hold the same name (targets without schemas need this)."""
    rels = [(t.schema, t.name) for t in schema.tables] + [(v.schema, v.name) for v in schema.views]
    count: dict[str, int] = {}
    for _, n in rels:
        count[n.lower()] = count.get(n.lower(), 0) + 1
    out: dict[str, str] = {}
    for s, n in rels:
        out[f"{s}.{n}"] = n if count[n.lower()] == 1 or s == "public" else f"{s}_{n}"
    return out


def unique_name(name: str, taken: set[str], limit: int = 64) -> str:
    """``name`` shortened to ``limit`` characters and suffixed ``_2``, ``_3``... until not in ``taken``
    (compared case-insensitively); the result is added to ``taken``."""
    base = name[:limit]
    cand = base
    i = 2
    while cand.lower() in taken:
        suffix = f"_{i}"
        cand = base[: limit - len(suffix)] + suffix
        i += 1
    taken.add(cand.lower())
    return cand


# -- expressions --------------------------------------------------------------------------------------


class Untranslatable(Exception):
    """An expression that cannot be expressed in the target; the message says why."""


def _sqlglot():
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import ErrorLevel

    return sqlglot, exp, ErrorLevel


_TEXTISH = {"TEXT", "VARCHAR", "CHAR", "NCHAR", "NVARCHAR", "BPCHAR", "NAME", "CITEXT"}
_NUMERICISH = {"DECIMAL", "BIGDECIMAL", "DOUBLE", "FLOAT", "INT", "BIGINT", "SMALLINT", "TINYINT"}

# Function names (as sqlglot prints them) each target is known to have, plus the keywords and type
# names sqlglot prints directly before "(". Anything else in the output is refused rather than
# guessed at: sqlglot transpiles unknown functions verbatim (UUIDV7(), REGEXP_I_LIKE()).
_COMMON_FUNCS = {
    "CAST",
    "COALESCE",
    "NULLIF",
    "ABS",
    "ROUND",
    "MAX",
    "MIN",
    "COUNT",
    "SUM",
    "AVG",
    "LOWER",
    "UPPER",
    "TRIM",
    "LTRIM",
    "RTRIM",
    "REPLACE",
    "SUBSTR",
    "SUBSTRING",
    "LENGTH",
    "INSTR",
    "EXISTS",
    "ROW_NUMBER",
    "RANK",
    "DENSE_RANK",
    "LAG",
    "LEAD",
    "FIRST_VALUE",
    "LAST_VALUE",
    "NTILE",
    "NTH_VALUE",
    "PERCENT_RANK",
    "CUME_DIST",
    "HEX",
    "SIGN",
    "IN",
    "VALUES",
    "CHAR",
    "DECIMAL",
    "NUMERIC",
    "VARCHAR",
    "DATE",
    "TIME",
    "TIMESTAMP",
    "DATETIME",
    "FLOAT",
    "DOUBLE",
    "INT",
    "INTEGER",
    "BIGINT",
    "SMALLINT",
    "REAL",
    "TEXT",
    "BLOB",
    "BINARY",
    "SIGNED",
    "UNSIGNED",
    "JSON",
    "OVER",
    "FILTER",
    "MOD",
    "GREATEST",
    "LEAST",
    "CEIL",
    "CEILING",
    "FLOOR",
    "POWER",
    "SQRT",
    "EXP",
    "LN",
    "LOG",
    "LOG10",
    "LEFT",
    "RIGHT",
    "CONCAT",
    "REVERSE",
    "REPEAT",
    "LPAD",
    "RPAD",
    "NOT",
    "AND",
    "OR",
    "ANY_VALUE",
    "WITH",
    "ALL",
    "ANY",
    "SOME",
    "CURRENT_TIMESTAMP",
}
FUNCTIONS: dict[str, set[str]] = {
    "mysql": _COMMON_FUNCS
    | {
        "CHAR_LENGTH",
        "CHARACTER_LENGTH",
        "OCTET_LENGTH",
        "BIT_LENGTH",
        "LCASE",
        "UCASE",
        "CONCAT_WS",
        "LOCATE",
        "POSITION",
        "REGEXP_LIKE",
        "REGEXP_REPLACE",
        "REGEXP_SUBSTR",
        "REGEXP_INSTR",
        "EXTRACT",
        "YEAR",
        "MONTH",
        "DAY",
        "DAYOFMONTH",
        "DAYOFWEEK",
        "DAYOFYEAR",
        "HOUR",
        "MINUTE",
        "SECOND",
        "WEEK",
        "QUARTER",
        "DATE_ADD",
        "DATE_SUB",
        "DATEDIFF",
        "TIMESTAMPDIFF",
        "TIMESTAMPADD",
        "STR_TO_DATE",
        "DATE_FORMAT",
        "LAST_DAY",
        "NOW",
        "CURDATE",
        "CURRENT_DATE",
        "CURTIME",
        "CURRENT_TIME",
        "UTC_TIMESTAMP",
        "UUID",
        "IF",
        "IFNULL",
        "TRUNCATE",
        "POW",
        "ASCII",
        "MD5",
        "SHA1",
        "SHA2",
        "UNHEX",
        "FIELD",
        "FIND_IN_SET",
        "GROUP_CONCAT",
        "STDDEV",
        "STDDEV_POP",
        "STDDEV_SAMP",
        "VARIANCE",
        "VAR_POP",
        "VAR_SAMP",
        "BIT_AND",
        "BIT_OR",
        "BIT_XOR",
        "CONVERT",
        "JSON_EXTRACT",
        "JSON_UNQUOTE",
        "JSON_VALID",
        "JSON_LENGTH",
        "JSON_OBJECT",
        "JSON_ARRAY",
        "JSON_ARRAYAGG",
        "JSON_OBJECTAGG",
        "JSON_CONTAINS",
        "JSON_TYPE",
        "JSON_KEYS",
        "JSON_VALUE",
        "CHAR",
        "DATE",
        "TIME",
        "ISNULL",
        "INTERVAL",
        "EXP",
    },
    "sqlite": _COMMON_FUNCS
    | {
        "IFNULL",
        "IIF",
        "TYPEOF",
        "UNICODE",
        "QUOTE",
        "RANDOM",
        "ZEROBLOB",
        "LIKE",
        "GLOB",
        "PRINTF",
        "FORMAT",
        "UNHEX",
        "STRFTIME",
        "JULIANDAY",
        "UNIXEPOCH",
        "DATETIME",
        "TOTAL",
        "GROUP_CONCAT",
        "STRING_AGG",
        "JSON_VALID",
        "JSON_EXTRACT",
        "JSON_ARRAY",
        "JSON_OBJECT",
        "JSON_ARRAY_LENGTH",
        "JSON_TYPE",
        "JSON_GROUP_ARRAY",
        "JSON_GROUP_OBJECT",
        "LIKELIHOOD",
        "CHAR",
        "SOUNDEX",
        "OCTET_LENGTH",
        "CONCAT_WS",
        "TRUNC",
        "PI",
        "MOD",
        "LOG2",
        "SIN",
        "COS",
        "TAN",
        "CURRENT_DATE",
        "CURRENT_TIME",
        "NOTHING",
    },
}
# Functions a CHECK constraint may not call (non-deterministic): refused in CHECKs.
NONDETERMINISTIC = {
    "NOW",
    "CURRENT_TIMESTAMP",
    "CURDATE",
    "CURRENT_DATE",
    "CURTIME",
    "CURRENT_TIME",
    "UTC_TIMESTAMP",
    "UUID",
    "RAND",
    "RANDOM",
    "SYSDATE",
    "LOCALTIMESTAMP",
}


_TARGETS: dict[str, object] = {}


def _target(dialect: str):
    """The sqlglot dialect to write: MySQL's writes ``a REGEXP b`` (MySQL 8 and MariaDB both have the
    operator; MariaDB lacks REGEXP_LIKE())."""
    if dialect != "mysql":
        return dialect
    if "mysql" not in _TARGETS:
        from sqlglot import exp
        from sqlglot.dialects.mysql import MySQL

        class PortableMySQL(MySQL):
            class Generator(MySQL.Generator):  # type: ignore[name-defined,misc]
                TRANSFORMS = {
                    **MySQL.Generator.TRANSFORMS,
                    exp.RegexpLike: lambda self, e: self.binary(e, "REGEXP"),
                }

        _TARGETS["mysql"] = PortableMySQL
    return _TARGETS["mysql"]


def translate_expr(
    text: str,
    dialect: str,
    *,
    value_column: str | None = None,
    table_name: Callable[[str | None, str], str | None] | None = None,
    statement: bool = False,
    check: bool = False,
) -> str:
    """Translate a PostgreSQL expression (or, with ``statement``, a query) to ``dialect``.

    ``value_column`` replaces a domain CHECK's ``VALUE``; ``table_name(schema, name)`` maps a relation
    to its name in the target (``None``: it does not exist there). Raises ``Untranslatable``.
    """
    sqlglot, exp, ErrorLevel = _sqlglot()
    try:
        tree = sqlglot.parse_one(text, read="postgres")
    except Exception as exc:  # noqa: BLE001 (sqlglot raises many error types)
        raise Untranslatable(f"does not parse as PostgreSQL ({str(exc).splitlines()[0][:80]})") from None
    if tree is None:
        raise Untranslatable("empty expression")
    if isinstance(tree, exp.Command):
        raise Untranslatable("not an expression sqlglot understands")
    if statement and not isinstance(tree, (exp.Query,)):
        raise Untranslatable("not a query")

    def rewrite(node):
        # a ~* 'pat' -> a REGEXP '(?i)pat' on MySQL/MariaDB (ICU and PCRE both read the inline flag).
        if dialect == "mysql" and isinstance(node, exp.RegexpILike):
            pat = node.expression
            while isinstance(pat, (exp.Paren, exp.Cast)):
                pat = pat.this
            if isinstance(pat, exp.Literal) and pat.is_string:
                return exp.RegexpLike(this=node.this.copy(), expression=exp.Literal.string("(?i)" + pat.this))
        # col = ANY (ARRAY[a, b]) -> col IN (a, b); col <> ALL (ARRAY[...]) -> col NOT IN (...)
        if isinstance(node, (exp.EQ, exp.NEQ)) and isinstance(node.expression, (exp.Any, exp.All)):
            inner = node.expression.this
            if isinstance(inner, exp.Paren):
                inner = inner.this
            if isinstance(inner, exp.Array):
                is_in = isinstance(node, exp.EQ) and isinstance(node.expression, exp.Any)
                not_in = isinstance(node, exp.NEQ) and isinstance(node.expression, exp.All)
                if is_in or not_in:
                    new = exp.In(this=node.this.copy(), expressions=[e.copy() for e in inner.expressions])
                    return exp.Not(this=new) if not_in else new
        return node

    def rewrite2(node):
        # Casts of literals to text/numeric/enum types: the literal alone (CAST(0.5 AS DECIMAL) would
        # round in MySQL; CAST('G' AS public.mpaa_rating) names a type the target lacks).
        if isinstance(node, exp.Cast):
            inner = node.this
            while isinstance(inner, exp.Paren):
                inner = inner.this
            to = node.to
            tname = to.this.name if hasattr(to.this, "name") else str(to.this)
            is_user = to.this == exp.DataType.Type.USERDEFINED if hasattr(exp.DataType, "Type") else False
            if isinstance(inner, (exp.Literal, exp.Neg)) and (tname in _TEXTISH | _NUMERICISH or is_user):
                return inner.copy()
            if isinstance(inner, exp.Column) and tname in _TEXTISH and not to.expressions:
                return inner.copy()
            if is_user:
                raise Untranslatable(f"casts to the user type {to.sql('postgres')}")
        if (
            isinstance(node, exp.Column)
            and value_column is not None
            and not node.table
            and node.name.upper() == "VALUE"
            and not node.this.quoted
        ):
            return exp.column(value_column, quoted=True)
        if isinstance(node, exp.Table) and table_name is not None and isinstance(node.this, exp.Identifier):
            db = node.args.get("db")
            mapped = table_name(db.name if db is not None else None, node.name)
            if mapped is None:
                raise Untranslatable(f"reads {node.name}, which is not created in {dialect}")
            original = node.name
            node.set("db", None)
            node.set("catalog", None)
            node.set("this", exp.to_identifier(mapped, quoted=True))
            if mapped != original and not node.alias:
                # Columns may be qualified by the old name (t.a): keep it as the alias.
                node.set("alias", exp.TableAlias(this=exp.to_identifier(original, quoted=True)))
            return node
        if isinstance(node, exp.Column) and node.args.get("db") is not None:
            node.set("db", None)
            node.set("catalog", None)
            return node
        if (
            isinstance(node, exp.DataType)
            and dialect == "mysql"
            and not node.expressions
            and node.this == exp.DataType.Type.DECIMAL
        ):
            # MySQL's bare DECIMAL is DECIMAL(10,0): it would round. Keep the value's digits.
            node.set(
                "expressions",
                [
                    exp.DataTypeParam(this=exp.Literal.number(65)),
                    exp.DataTypeParam(this=exp.Literal.number(30)),
                ],
            )
            return node
        return node

    tree = tree.transform(rewrite).transform(rewrite2)
    refused = (
        exp.Array,
        exp.Any,
        exp.All,
        exp.Anonymous,
        exp.ArrayAgg,
        exp.ArrayContains,
        exp.ArrayContainsAll,
        exp.ArrayOverlaps,
        exp.Unnest,
        exp.Explode,
    )
    for node in tree.walk():
        if isinstance(node, refused):
            if isinstance(node, exp.Anonymous):
                raise Untranslatable(
                    f"calls {node.name}(), not a built-in sqlglot can translate "
                    "(user-defined or PostgreSQL-only)"
                )
            raise Untranslatable(f"uses {type(node).__name__}, which {dialect} does not have")
        if dialect == "sqlite" and isinstance(node, (exp.RegexpLike, exp.RegexpILike, exp.SimilarTo)):
            raise Untranslatable("uses a regular expression match, which SQLite has no built-in for")
        if isinstance(node, (exp.RegexpILike, exp.SimilarTo)):
            raise Untranslatable(f"uses {type(node).__name__}, which {dialect} does not have")
        if isinstance(node, exp.DataType) and node.this in (exp.DataType.Type.USERDEFINED,):
            raise Untranslatable(f"uses the type {node.sql('postgres')}")
    try:
        out = tree.sql(dialect=_target(dialect), identify=True, unsupported_level=ErrorLevel.RAISE)
    except Exception as exc:  # noqa: BLE001 (sqlglot raises many error types)
        raise Untranslatable(str(exc).splitlines()[0][:120]) from None
    allowed = FUNCTIONS[dialect]
    scrubbed = re.sub(r"'(?:[^']|'')*'", "''", out)
    scrubbed = re.sub(r"`(?:[^`]|``)*`", "_", scrubbed)
    scrubbed = re.sub(r'"(?:[^"]|"")*"', "_", scrubbed)
    for fn in re.findall(r"(?<![\w.])([A-Za-z_][A-Za-z0-9_]*)\(", scrubbed):
        if fn.upper() not in allowed:
            raise Untranslatable(f"calls {fn}(), which {dialect} does not have")
        if check and fn.upper() in NONDETERMINISTIC:
            raise Untranslatable(f"calls {fn}(), which is not deterministic (not allowed here)")
    if check:
        for kw in ("CURRENT_TIMESTAMP", "CURRENT_DATE", "CURRENT_TIME"):
            if re.search(rf"\b{kw}\b", scrubbed):
                raise Untranslatable(f"uses {kw}, which is not deterministic (not allowed here)")
    if statement and dialect == "sqlite" and "ILIKE" in scrubbed.upper():
        raise Untranslatable("uses ILIKE")
    return out


def columns_in_expr(text: str) -> set[str]:
    """Column names an expression mentions (best effort; empty when it does not parse)."""
    try:
        sqlglot, exp, _ = _sqlglot()
        tree = sqlglot.parse_one(text, read="postgres")
        return {c.name for c in tree.find_all(exp.Column)}
    except Exception:  # noqa: BLE001 (sqlglot raises many error types)
        return set()


# -- small helpers ------------------------------------------------------------------------------------

_LITERAL = re.compile(
    r"""^\(*\s*(?P<lit>'(?:[^']|'')*'|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null)\s*\)*"""
    r"""(?:\s*::\s*(?P<cast>[\w."\s\[\]()]+?))?\s*\)*$""",
    re.IGNORECASE,
)


def parse_literal_default(text: str) -> tuple[str, str | None] | None:
    """``('abc'::text)`` -> ("'abc'", "text"); ``4.99`` -> ("4.99", None); None when not a literal."""
    if text is None:
        return None
    t = text.strip()
    # (-1) and '-1'::integer spellings
    m = _LITERAL.match(t)
    if not m:
        m2 = re.match(r"^\(\s*(-\s*\d+(?:\.\d+)?)\s*\)(?:\s*::\s*([\w.\"\s]+))?$", t)
        if m2:
            return m2.group(1).replace(" ", ""), m2.group(2)
        return None
    return m.group("lit"), (m.group("cast") or None)


def string_literal_value(lit: str) -> str | None:
    if lit.startswith("'") and lit.endswith("'"):
        return lit[1:-1].replace("''", "'")
    return None


def default_function(text: str) -> str | None:
    """The lower-case name of a default that is a bare function call or SQL value function
    (``now()``, ``CURRENT_TIMESTAMP``, ``gen_random_uuid()``, ``nextval(...)``)."""
    t = text.strip()
    while t.startswith("(") and t.endswith(")"):
        t = t[1:-1].strip()
    m = re.match(r"^([A-Za-z_][\w.]*)\s*(\(.*\))?\s*(::\s*[\w\s\"\.]+)?$", t, re.DOTALL)
    if not m:
        return None
    name = m.group(1).lower()
    name = name.removeprefix("pg_catalog.")
    return name


def key_columns_of_table(table: Table) -> set[str]:
    cols = set(table.primary_key)
    for u in table.unique:
        cols |= set(u.columns)
    return cols


def table_checks(table: Table) -> list[CheckConstraint]:
    return list(table.checks)


def order_views(views: list[View], names: dict[str, str]) -> list[View]:
    """Views ordered so each comes after the views it reads (by ``depends_on``; model order otherwise)."""
    by = {v.qualified_name: v for v in views}
    done: list[View] = []
    seen: set[str] = set()

    def visit(v: View, stack: set[str]) -> None:
        if v.qualified_name in seen or v.qualified_name in stack:
            return
        stack.add(v.qualified_name)
        deps = list(v.depends_on)
        if not deps:  # a design lists no dependencies: look for other views' names in the text
            deps = [
                o.qualified_name
                for o in views
                if o is not v and re.search(rf"(?<![\w$]){re.escape(o.name)}(?![\w$])", v.definition)
            ]
        for dep in deps:
            if dep in by:
                visit(by[dep], stack)
        seen.add(v.qualified_name)
        done.append(v)

    for v in views:
        visit(v, set())
    return done


def column_label(table: Table, column: Column | str) -> str:
    name = column if isinstance(column, str) else column.name
    return f"{table.qualified_name}.{name}"


def fold_partitions(schema: Schema, report: Report) -> tuple[Schema, dict[str, str]]:
    """A copy of ``schema`` without partitions: targets here have no declarative partitioning, so a
    partitioned parent becomes one plain table. Foreign keys every partition carries (same columns,
    target and actions) move up to the parent, since the partitions that held them are gone.
    Returns the folded schema and {partition qualified name: why it is gone}."""
    import dataclasses

    kids: dict[str, list[Table]] = {}
    for t in schema.tables:
        if t.partition_of:
            kids.setdefault(t.partition_of, []).append(t)
    if not kids:
        return schema, {}
    skipped = {t.qualified_name: f"partition of {t.partition_of}" for ts in kids.values() for t in ts}
    tables: list[Table] = []
    for t in schema.tables:
        if t.qualified_name in skipped:
            continue
        parts = kids.get(t.qualified_name)
        if parts:
            shown = (
                ", ".join(p.name for p in parts)
                if len(parts) <= 3
                else f"{parts[0].name} ... {parts[-1].name}"
            )
            report.approximated(
                t.qualified_name,
                f"{len(parts)} partition(s) ({shown}) folded into the "
                "parent table, which is created unpartitioned",
            )

            def key(fk):
                return (
                    tuple(fk.columns),
                    fk.ref_schema,
                    fk.ref_table,
                    tuple(fk.ref_columns),
                    fk.on_delete,
                    fk.on_update,
                )

            have = {key(fk) for fk in t.foreign_keys}
            common = None
            for p in parts:
                ks = {key(fk): fk for fk in p.foreign_keys}
                common = dict(ks) if common is None else {k: v for k, v in common.items() if k in ks}
            lifted = []
            for k, fk in (common or {}).items():
                if k in have:
                    continue
                lifted.append(
                    dataclasses.replace(fk, name=f"{t.name}_{'_'.join(fk.columns)}_fkey", definition=None)
                )
            some = {key(fk): fk for p in parts for fk in p.foreign_keys}
            dropped = [fk for k, fk in some.items() if k not in (common or {}) and k not in have]
            if dropped:
                report.not_expressible(
                    t.qualified_name,
                    "foreign keys only some partitions have are dropped: "
                    + ", ".join(f"({', '.join(fk.columns)}) -> {fk.ref_table}" for fk in dropped),
                )
            if lifted:
                report.note(
                    t.qualified_name,
                    "foreign keys every partition has are declared on the parent: "
                    + ", ".join(f"({', '.join(fk.columns)}) -> {fk.ref_table}" for fk in lifted),
                )
                t = dataclasses.replace(t, foreign_keys=[*t.foreign_keys, *lifted])
        tables.append(t)
    return dataclasses.replace(schema, tables=tables), skipped


def pg_array_to_json(literal: str, element_base: str) -> str | None:
    """A one-dimensional PostgreSQL array literal (``{1,2}``, ``{"a b",c,NULL}``) as JSON text, or None
    when it is nested or malformed. Numbers stay numbers for numeric element types."""
    import json

    s = literal.strip()
    if not (s.startswith("{") and s.endswith("}")):
        return None
    body = s[1:-1]
    items: list[object] = []
    i, n = 0, len(body)
    if not body.strip():
        return "[]"
    while i <= n:
        while i < n and body[i] == " ":
            i += 1
        if i < n and body[i] == "{":
            return None  # nested
        if i < n and body[i] == '"':
            j, buf = i + 1, ""
            while j < n and body[j] != '"':
                if body[j] == "\\" and j + 1 < n:
                    j += 1
                buf += body[j]
                j += 1
            if j >= n:
                return None
            items.append(buf)
            i = j + 1
            while i < n and body[i] == " ":
                i += 1
        else:
            j = body.find(",", i)
            j = n if j < 0 else j
            raw = body[i:j].strip()
            if raw.upper() == "NULL":
                items.append(None)
            elif element_base in INTEGER_TYPES | {"numeric", "real", "double"}:
                try:
                    items.append(int(raw) if re.fullmatch(r"-?\d+", raw) else float(raw))
                except ValueError:
                    return None
            elif element_base == "boolean":
                if raw.lower() not in ("t", "f", "true", "false"):
                    return None
                items.append(raw.lower() in ("t", "true"))
            else:
                items.append(raw)
            i = j
        if i >= n:
            break
        if body[i] != ",":
            return None
        i += 1
    return json.dumps(items, ensure_ascii=False)


def bytea_hex(literal: str) -> str | None:
    """``\\x0aff`` (PostgreSQL's hex bytea output) as ``0aff``; None for other spellings."""
    m = re.fullmatch(r"\\x([0-9a-fA-F]*)", literal)
    if not m or len(m.group(1)) % 2:
        return None
    return m.group(1).lower()


def fulltext_columns(columns: list[str], expressions: list[bool], known: set[str]) -> list[str] | None:
    """The text columns a full-text index covers, when its single key is ``to_tsvector([config,] doc)``
    and the document is only columns joined with ``||`` (``coalesce(col, '')`` allowed): the shape
    MySQL's FULLTEXT and MongoDB's text index can express. None otherwise."""
    if len(columns) != 1 or not (expressions and expressions[0]):
        return None
    try:
        sqlglot, exp, _ = _sqlglot()
        tree = sqlglot.parse_one(columns[0], read="postgres")
    except Exception:  # noqa: BLE001 (sqlglot raises many error types)
        return None
    if not (isinstance(tree, exp.Anonymous) and tree.name.lower() == "to_tsvector"):
        return None
    args = tree.expressions
    doc = args[-1] if args else None
    if doc is None or len(args) > 2:
        return None
    cols: list[str] = []

    def walk(node) -> bool:
        while isinstance(node, (exp.Paren, exp.Cast)):
            node = node.this
        if isinstance(node, exp.DPipe):
            return walk(node.this) and walk(node.expression)
        if isinstance(node, exp.Coalesce):
            return walk(node.this)
        if isinstance(node, exp.Literal) and node.is_string:
            return True
        if isinstance(node, exp.Column) and node.name in known:
            cols.append(node.name)
            return True
        return False

    if not walk(doc) or not cols:
        return None
    return list(dict.fromkeys(cols))
