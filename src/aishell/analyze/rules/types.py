"""inefficient-type: column types that waste space, lose information or limit growth."""

from __future__ import annotations

import re
from collections.abc import Iterator

from aishell.analyze.context import AnalysisContext
from aishell.analyze.findings import Evidence, Finding, Fix, exact
from aishell.analyze.probes.data import base_type, shape_test
from aishell.analyze.probes.session import ProbeFailed
from aishell.analyze.registry import Rule
from aishell.analyze.rules._common import checks_mention, object_name, q, qname
from aishell.dialects.postgres.quote import quote_ident, quote_literal
from aishell.model import Column, Table

FLAG_VALUES = {"y", "n", "t", "f", "0", "1", "yes", "no", "true", "false"}
BOUNDED_NAME = re.compile(
    r"(^|_)(age|year|month|day|hour|minute|quantity|qty|rating|score|level|priority|"
    r"stars|percent|percentage|pct|grade|floor|seats|rank)s?$",
    re.I,
)
INT_BYTES = {"smallint": 2, "integer": 4, "bigint": 8}
INT_RANGE = {"smallint": (-32768, 32767), "integer": (-(2**31), 2**31 - 1)}


# Names of standard codes (ISO 3166 countries and subdivisions, ISO 4217 currencies, ISO 639
# languages, BCP 47 locales, IANA time zones, units...): short, stable, public natural keys.
STANDARD_CODE = re.compile(
    r"(^|_)(iso|code|codes|alpha_?[23]|currency|currencies|country|countries|language|languages|lang|"
    r"locale|locales|script|scripts|region|regions|subdivision|subdivisions|timezone|time_zone|tz|"
    r"unit|units|symbol|abbreviation|abbrev)(_|$|\d)",
    re.IGNORECASE,
)


def standard_code(ctx: AnalysisContext, table: Table, col: Column) -> bool:
    """A short text key that names a standard code: the column or table is named for one (``code``,
    ``iso_3166_2``, ``currency``), its declared length is at most 16 (or unknown), and, where the
    planner has statistics, its values average at most 16 bytes."""
    if not (STANDARD_CODE.search(col.name) or STANDARD_CODE.search(table.name)):
        return False
    m = re.search(r"\((\d+)\)", col.type)
    if m and int(m.group(1)) > 16:
        return False
    if ctx.live:
        width = ctx.stats.column(table.qualified_name, col.name).get("avg_width")
        if width is not None and width > 17:
            return False
    return True


# Text that looks numeric but names an identifier: its digits are a code, not a quantity.
IDENTIFIER_NAME = re.compile(
    r"(^|_)(id|ids|code|codes|zip|zipcode|postal|postcode|plz|phone|tel|telephone|fax|mobile|cell|sku|"
    r"isbn|issn|ean|upc|gtin|iban|bic|swift|ssn|tin|vat|account|acct|card|pin|number|num|no|nr|ref|"
    r"reference|key|token|hash|checksum|version|serial|barcode|uuid|guid|ip|mac|password|name|title)"
    r"(_|$|\d)",
    re.IGNORECASE,
)
FLAG_NAME = re.compile(r"(^|_)(is|has|can|should|flag|flags|enabled|active|deleted|visible|vip)(_|$)", re.IGNORECASE)
TYPE_BYTES = {"smallint": 2, "integer": 4, "bigint": 8, "boolean": 1, "date": 4, "timestamp": 8,
              "timestamptz": 8}


def _typed(sh: dict, name: str, min_share: float) -> tuple[str, int, str, str | None] | None:
    """(type, values that convert, what the values are, shape) for a text column's counts, or None."""
    n = sh["values"]
    if not n:
        return None
    need = n * min_share
    letters = sh["true"] + sh["false"]
    if letters and letters + sh["zero_one"] >= need and (letters >= need or FLAG_NAME.search(name)):
        return "boolean", letters + sh["zero_one"], "booleans", None
    if sh["zero_one"] >= need and FLAG_NAME.search(name):
        return "boolean", sh["zero_one"], "booleans", None
    if sh["leading_zero"]:
        return None  # '007', '01234': a code whose zeros matter
    if sh["integer"] >= need:
        lo, hi = sh.get("min"), sh.get("max")
        target = "bigint"
        if lo is not None and hi is not None:
            if -32768 <= lo and hi <= 32767:
                target = "smallint"
            elif -(2**31) <= lo and hi <= 2**31 - 1:
                target = "integer"
        return target, sh["integer"], "integers", "integer"
    if sh["number"] >= need:
        scale = int(sh.get("scale") or 0)
        digits = int(sh.get("digits") or 0)
        # the scale the data uses; precision with room to grow (12 digits, or more if the data has them)
        target = f"numeric({max(12, digits + scale)},{scale})" if scale and digits + scale <= 38 else "numeric"
        return target, sh["number"], "decimal numbers", "number"
    for what in ("timestamptz", "timestamp", "date"):
        if sh[what] >= need:
            names = {"date": "dates", "timestamp": "timestamps", "timestamptz": "timestamps with a zone"}
            return what, sh[what], names[what], what
    return None


def _check_literals(table: Table, column: str) -> set[str]:
    """The quoted values of the CHECK constraints that mention ``column``."""
    out: set[str] = set()
    for ck in table.checks:
        text = ck.expression or ck.definition or ""
        if checks_mention(Table(table.name, table.schema, checks=[ck]), column):
            out |= set(re.findall(r"'((?:[^']|'')*)'", text))
    return out


def _alter_type(table: Table, col: str, new: str, using: str | None = None) -> str:
    u = f" USING {using}" if using else ""
    return f"ALTER TABLE {q(table)} ALTER COLUMN {quote_ident(col)} TYPE {new}{u};"


REWRITE_NOTE = (
    "ALTER COLUMN ... TYPE rewrites the table and its indexes under an ACCESS EXCLUSIVE lock: "
    "schedule it, or add a new column, backfill in batches and swap"
)


class InefficientType(Rule):
    """Column types that waste space, lose information or limit growth.

    Anti-patterns and the better way:

    * ``CHAR(1)`` flags holding Y/N → ``boolean``; other ``char(n)`` → ``text``/``varchar`` (blank padding);
    * low-cardinality ``varchar``/``text`` (a handful of values) → an ENUM or a CHECK list;
    * ``integer``/``bigint`` whose every value fits a smaller type (age, quantity, rating) → ``smallint``;
    * ``timestamp`` without time zone → ``timestamptz`` (an instant, not a wall-clock reading);
    * ``serial``/``nextval`` defaults → ``GENERATED ... AS IDENTITY`` (standard, no separate grants);
    * ``varchar``/``text`` primary keys → a bigint identity key with the text kept UNIQUE;
    * ``money`` → ``numeric`` (locale-dependent); ``json`` → ``jsonb``; large-object ``oid`` → ``bytea``;
    * numbers, booleans and dates stored as text (``price_text`` holding '12.50', ``quantity_txt``
      '1'..'9', ``vip_flag`` 'Y'/'N', ``shipped_on`` '2024-03-01') → ``numeric``, an integer type,
      ``boolean``, ``date``/``timestamp``/``timestamptz``, when at least ``text_type_min_share`` (95%) of
      the values convert; the evidence counts the values that do not (fix or NULL them before the
      change). Identifier-like names (codes, zip codes, phone numbers, SKUs, references) and values
      with leading zeros stay text.

    Data-based suggestions (flags, low cardinality, integer ranges, typed text) need a live database;
    the rest are structural. Standard codes (ISO 3166, ISO 4217, ISO 639 ...: short keys in a table or
    column named for one) are natural keys to keep, and a fixed-width code is never blank-padded.
    """

    id = "inefficient-type"
    title = "Inefficient Data Types"
    severity = "warning"
    categories = ("performance", "scalability")

    def check(self, ctx: AnalysisContext) -> Iterator[Finding]:
        for table in ctx.tables:
            fk_cols = {c for fk in table.foreign_keys for c in fk.columns}
            unique_cols = {c for uc in table.unique for c in uc.columns if len(uc.columns) == 1}
            unique_cols |= {ix.columns[0] for ix in table.indexes if ix.unique and len(ix.columns) == 1}
            rows = ctx.rows(table) if ctx.live else None
            typed = self._typed_text(ctx, table, fk_cols) if ctx.live else {}
            for col in table.columns:
                if col.name in typed:
                    yield typed[col.name]
                    continue  # its real type, not an enum of its digits
                for f in self._column(ctx, table, col, fk_cols, unique_cols):
                    if rows is not None and f.value("table_rows") is None and f.value("rows") is None:
                        f.evidence.append(
                            Evidence("table_rows", rows, "estimated", "rows", "pg_class.reltuples")
                        )
                    yield f

    def _column(self, ctx, table: Table, col: Column, fk_cols, unique_cols) -> Iterator[Finding]:
        bt = base_type(col.type)
        name = col.name
        t = qname(table)
        # CHAR(n)
        if bt == "character":
            m = re.search(r"\((\d+)\)", col.type)
            n = int(m.group(1)) if m else 1
            if n == 1:
                values = None
                if ctx.live:
                    try:
                        vc, kind = ctx.data.value_counts(table, name, 11)
                        values = [v for v, _ in vc]
                    except ProbeFailed as exc:
                        ctx.notes.append(f"{self.id}: {t}.{name}: {exc}")
                flaglike = (
                    values is not None
                    and 0 < len(values) <= 2
                    and {str(v).strip().lower() for v in values} <= FLAG_VALUES
                )
                listed = _check_literals(table, name)
                if listed and not {v.lower() for v in listed} <= FLAG_VALUES:
                    return  # a one-letter code its CHECK lists ('I', 'M', 'S'): neither a flag nor padded
                if values is None or flaglike:
                    trues = [
                        v for v in (values or []) if str(v).strip().lower() in ("y", "t", "1", "yes", "true")
                    ]
                    using = (
                        f"{quote_ident(name)} IN ({', '.join(quote_literal(str(v)) for v in trues)})"
                        if trues
                        else f"{quote_ident(name)} IN ('Y', 'y', 'T', 't', '1')"
                    )
                    ev = (
                        [exact("distinct_values", len(values), "values", "GROUP BY on the column")]
                        if values
                        else []
                    )
                    if values:
                        ev.append(Evidence("values", ", ".join(sorted(str(v) for v in values)), "exact"))
                    yield self.finding(
                        t,
                        f"{table.name}.{name} is CHAR(1) used as a flag; use boolean",
                        columns=[name],
                        evidence=ev,
                        fix=Fix(
                            [_alter_type(table, name, "boolean", using)],
                            safe=False,
                            notes=[
                                REWRITE_NOTE,
                                "check and default expressions on the column must change too",
                            ],
                        ),
                        impact="1 byte and a clear meaning per row; no 'Y'/'y'/'1' variants",
                        attrs={"kind": "char1-flag", "from": col.type, "to": "boolean", "bytes_per_row": 1},
                    )
                    return
            if standard_code(ctx, table, col):
                return  # a fixed-width code (ISO 3166 alpha-2...) always fills its width: no padding
            yield self.finding(
                t,
                f"{table.name}.{name} is {col.type}: blank-padded; use text or varchar",
                severity="optimization",
                columns=[name],
                fix=Fix([_alter_type(table, name, "text")], safe=False, notes=[REWRITE_NOTE]),
                impact="padding is stored and compared; no speed benefit in PostgreSQL",
                attrs={"kind": "char-n", "from": col.type, "to": "text"},
            )
            return
        # timestamp without time zone
        if bt == "timestamp without time zone":
            yield self.finding(
                t,
                f"{table.name}.{name} is timestamp without time zone; use timestamptz",
                columns=[name],
                fix=Fix(
                    [
                        _alter_type(
                            table, name, "timestamp with time zone", f"{quote_ident(name)} AT TIME ZONE 'UTC'"
                        )
                    ],
                    safe=False,
                    notes=[REWRITE_NOTE, "state which zone the stored values are in (UTC assumed)"],
                ),
                impact="values are wall-clock readings without a zone; comparisons across zones go wrong",
                attrs={
                    "kind": "timestamp",
                    "from": col.type,
                    "to": "timestamp with time zone",
                    "bytes_per_row": 0,
                },
            )
        if bt == "time with time zone":
            yield self.finding(
                t,
                f"{table.name}.{name} is time with time zone; use timestamptz (or time)",
                columns=[name],
                fix=Fix(
                    [],
                    safe=False,
                    notes=[
                        "a time of day with a UTC offset cannot follow daylight "
                        "saving time; PostgreSQL's docs advise against timetz"
                    ],
                ),
                impact="offsets go wrong across daylight-saving changes",
                attrs={"kind": "timetz", "from": col.type, "to": "timestamp with time zone"},
            )
        if bt == "money":
            yield self.finding(
                t,
                f"{table.name}.{name} is money (locale-dependent); use numeric",
                columns=[name],
                fix=Fix(
                    [_alter_type(table, name, "numeric(12,2)", f"{quote_ident(name)}::numeric")],
                    safe=False,
                    notes=[REWRITE_NOTE],
                ),
                impact="output and input depend on lc_monetary; fractional cents are lost",
                attrs={"kind": "money", "from": col.type, "to": "numeric(12,2)"},
            )
        if bt == "json":
            yield self.finding(
                t,
                f"{table.name}.{name} is json; use jsonb",
                columns=[name],
                fix=Fix([_alter_type(table, name, "jsonb")], safe=False, notes=[REWRITE_NOTE]),
                impact="json is reparsed on every access and cannot be indexed with GIN",
                attrs={"kind": "json", "from": col.type, "to": "jsonb"},
            )
        if bt in ("oid", "lo"):
            yield self.finding(
                t,
                f"{table.name}.{name} holds large-object references; use bytea",
                columns=[name],
                fix=Fix([], safe=False, notes=["migrate the large objects into a bytea column"]),
                impact="large objects are not deleted with the row and need extra reads",
                attrs={"kind": "blob", "from": col.type, "to": "bytea"},
            )
        # serial -> identity
        if col.default and "nextval(" in col.default and bt in INT_BYTES and not col.identity:
            seq = re.search(r"nextval\('([^']+)'", col.default)
            seq_name = seq.group(1) if seq else None
            c = quote_ident(name)
            sql = ["BEGIN;", f"ALTER TABLE {q(table)} ALTER COLUMN {c} DROP DEFAULT;"]
            if seq_name:
                sql.append(f"DROP SEQUENCE {seq_name};")
            sql += [
                f"ALTER TABLE {q(table)} ALTER COLUMN {c} ADD GENERATED BY DEFAULT AS IDENTITY;",
                f"SELECT setval(pg_get_serial_sequence({quote_literal(q(table))}, {quote_literal(name)}), "
                f"coalesce(max({c}), 0) + 1, false) FROM {q(table)};",
                "COMMIT;",
            ]
            yield self.finding(
                t,
                f"{table.name}.{name} uses a serial default; use GENERATED BY DEFAULT AS IDENTITY",
                severity="optimization",
                columns=[name],
                fix=Fix(
                    sql,
                    safe=False,
                    notes=[
                        "one short transaction under an ACCESS EXCLUSIVE lock (no rewrite)",
                        "grant USAGE on the new sequence to roles that had it on the old one",
                    ],
                ),
                impact="serial needs separate sequence grants and is not standard SQL",
                attrs={
                    "kind": "serial",
                    "from": col.type,
                    "to": f"{bt} identity",
                    "sequence": seq_name,
                    "bytes_per_row": 0,
                },
            )
        # varchar primary key (a standard code such as ISO 3166's is a natural key to keep)
        if (
            table.primary_key == [name]
            and bt in ("text", "character varying")
            and not standard_code(ctx, table, col)
        ):
            yield self.finding(
                t,
                f"primary key {table.name}.{name} is {col.type}; use a bigint identity key",
                columns=[name],
                fix=Fix(
                    [],
                    safe=False,
                    notes=[f"add a bigint identity column, move foreign keys to it, keep {name} UNIQUE"],
                ),
                impact="wide keys in every index and referencing row; slower joins",
                attrs={"kind": "varchar-pk", "from": col.type, "to": "bigint identity"},
            )
        if not ctx.live or name in table.primary_key or name in fk_cols:
            return
        # low-cardinality text
        if (
            bt in ("text", "character varying")
            and name not in unique_cols
            and not checks_mention(table, name)
        ):
            yield from self._low_cardinality(ctx, table, col)
        # integers whose values fit a smaller type
        if (
            bt in ("integer", "bigint")
            and not col.identity
            and not (col.default and "nextval(" in col.default)
            and BOUNDED_NAME.search(name)
        ):
            yield from self._int_range(ctx, table, col, bt)

    def _typed_text(self, ctx, table: Table, fk_cols: set[str]) -> dict[str, Finding]:
        """Text columns whose values are numbers, booleans or dates: {column: finding}."""
        cols = [
            c
            for c in table.columns
            if base_type(c.type) in ("text", "character varying", "character")
            and not (base_type(c.type) == "character" and re.search(r"\(1\)", c.type))  # CHAR(1) flags
            and c.name not in table.primary_key
            and c.name not in fk_cols
            and not IDENTIFIER_NAME.search(c.name)
            and not c.generated
        ]
        rows = ctx.rows(table) or 0
        if not cols or rows < ctx.t("min_rows_for_data_rules"):
            return {}
        try:
            shapes, kind, source = ctx.data.text_shapes(table, [c.name for c in cols])
        except ProbeFailed as exc:
            ctx.notes.append(f"{self.id}: {qname(table)}: text values not read: {exc}")
            return {}
        out = {}
        for col in cols:
            got = _typed(shapes[col.name], col.name, ctx.t("text_type_min_share"))
            if got is None or shapes[col.name]["values"] < ctx.t("min_rows_for_data_rules"):
                continue
            target, converts, how, shape = got
            values = shapes[col.name]["values"]
            bad = values - converts
            qc = quote_ident(col.name)
            v = f"btrim({qc}::text)"
            using = f"nullif({v}, '')::{target}"
            notes = [REWRITE_NOTE, "empty strings become NULL (nullif)"]
            if bad:
                ok = shape_test(v, shape, ctx.session.major >= 16) if shape else "false"
                notes.insert(
                    0,
                    f"clean up the {bad:,} value(s) that do not convert first (the change fails on them): "
                    f"SELECT {qc}, count(*) FROM {q(table)} WHERE {qc} IS NOT NULL AND NOT ({ok}) "
                    "GROUP BY 1 ORDER BY 2 DESC",
                )
            ev = [
                Evidence("values", values, kind, "values", source),
                Evidence("convertible_values", converts, kind, "values", source),
                Evidence("values_not_converting", bad, kind, "values", source),
            ]
            width = ctx.stats.column(table.qualified_name, col.name).get("avg_width")
            saved = None
            if width is not None and target in TYPE_BYTES:
                saved = max(0, int(width) + 1 - TYPE_BYTES[target])
            out[col.name] = self.finding(
                qname(table),
                f"{table.name}.{col.name} ({col.type}) holds {how}: {converts:,} of {values:,} values "
                f"convert to {target}" + (f", {bad:,} do not" if bad else ""),
                columns=[col.name],
                evidence=ev,
                fix=Fix([_alter_type(table, col.name, target, using)], safe=False, notes=notes),
                impact="text compares and sorts as text ('10' < '9'), accepts any typo, and takes more space",
                attrs={"kind": "typed-text", "from": col.type, "to": target, "bytes_per_row": saved},
            )
        return out

    def _low_cardinality(self, ctx, table: Table, col: Column) -> Iterator[Finding]:
        rows = ctx.rows(table) or 0
        if rows < ctx.t("enum_min_rows"):
            return
        st = ctx.stats.column(table.qualified_name, col.name)
        nd = st.get("n_distinct")
        limit = int(ctx.t("enum_max_distinct"))
        if nd is None or (nd > limit) or (nd < 0 and -nd * rows > limit):
            return
        try:
            vc, kind = ctx.data.value_counts(table, col.name, limit + 1)
        except ProbeFailed as exc:
            ctx.notes.append(f"{self.id}: {qname(table)}.{col.name}: {exc}")
            return
        if not (2 <= len(vc) <= limit):
            return
        values = sorted(str(v) for v, _ in vc)
        width = st.get("avg_width")
        enum = object_name("", table, [col.name], "enum").strip("_")
        lit = ", ".join(quote_literal(v) for v in values)
        ck = object_name("chk", table, [col.name], "values")
        ev = [
            Evidence("distinct_values", len(vc), kind, "values", "GROUP BY on the column"),
            Evidence("values", ", ".join(values), kind),
        ]
        saved = None
        if width:
            ev.append(Evidence("avg_width", width, "estimated", "bytes", "pg_stats.avg_width"))
            saved = max(0, int(width) + 1 - 4)
        yield self.finding(
            qname(table),
            f"{table.name}.{col.name} ({col.type}) holds only {len(vc)} values: {', '.join(values)}",
            columns=[col.name],
            evidence=ev,
            fix=Fix(
                [
                    f"ALTER TABLE {q(table)} ADD CONSTRAINT {quote_ident(ck)} CHECK ({quote_ident(col.name)} IN ({lit})) NOT VALID;",
                    f"ALTER TABLE {q(table)} VALIDATE CONSTRAINT {quote_ident(ck)};",
                ],
                safe=True,
                notes=[
                    f"or an enum: CREATE TYPE {quote_ident(table.schema)}.{quote_ident(enum)} AS ENUM ({lit}); "
                    f"then ALTER COLUMN ... TYPE (rewrites the table)"
                ],
            ),
            impact="any typo is accepted; the set of values lives only in application code",
            attrs={
                "kind": "low-cardinality",
                "from": col.type,
                "to": f"enum ({lit})",
                "bytes_per_row": saved,
            },
        )

    def _int_range(self, ctx, table: Table, col: Column, bt: str) -> Iterator[Finding]:
        try:
            prof = ctx.data.profile(table)
        except ProbeFailed as exc:
            ctx.notes.append(f"{self.id}: {qname(table)}: {exc}")
            return
        mn, mx = prof.minimum.get(col.name), prof.maximum.get(col.name)
        if mn is None or prof.rows < ctx.t("min_rows_for_data_rules"):
            return
        for target in ("smallint", "integer"):
            if INT_BYTES[target] >= INT_BYTES[bt]:
                break
            lo, hi = INT_RANGE[target]
            if lo <= mn and mx <= hi:
                saved = INT_BYTES[bt] - INT_BYTES[target]
                yield self.finding(
                    qname(table),
                    f"{table.name}.{col.name} is {bt} but every value lies in {mn}..{mx}; {target} holds them",
                    severity="optimization",
                    columns=[col.name],
                    evidence=[
                        Evidence("minimum", int(mn), prof.kind, None, prof.source),
                        Evidence("maximum", int(mx), prof.kind, None, prof.source),
                        Evidence("rows", prof.rows, prof.kind, "rows", prof.source),
                    ],
                    fix=Fix([_alter_type(table, col.name, target)], safe=False, notes=[REWRITE_NOTE]),
                    impact=f"{saved} bytes per row before alignment padding",
                    attrs={"kind": "int-range", "from": bt, "to": target, "bytes_per_row": saved},
                )
                return
