"""Schema model -> MySQL 8 / MariaDB 10.11 DDL (InnoDB, utf8mb4).

The output runs on both engines. Tables come in foreign-key order (``creation_order``); foreign keys
that close a cycle are added with ALTER TABLE once every table exists. What MySQL cannot hold is
reported, never guessed: arrays become JSON, enum types inline ENUM(...), identity and ``nextval``
primary keys AUTO_INCREMENT; defaults, CHECKs, generated columns and views are translated only when
they can be (sqlglot for expressions, with a refusal list on top); partial, expression and GIN/GiST
indexes are written out commented with the reason; functions, triggers, policies and materialized
views are listed as not translated in the header.

``generate(schema, **options)`` returns the SQL; ``generate_with_report`` returns (sql, warnings) and
``last_report`` holds the warnings of the latest call. Options: ``collation`` (default
``utf8mb4_bin``, which keeps PostgreSQL's case-sensitive comparisons and uniqueness), ``flavor``
(``"mysql"`` default: runs on MySQL 8.0.16+ and MariaDB 10.11; ``"mariadb"`` keeps CHECKs that MySQL
refuses on columns with foreign-key actions), ``text_prefix`` (key prefix length for TEXT/BLOB keys,
default 255), ``views`` (default True).
"""

from __future__ import annotations

import re

from aishell.dialects.sqlbase import ColumnPlan, SqlGenerator
from aishell.dialects.portable import (
    INTEGER_TYPES,
    bytea_hex,
    fulltext_columns,
    pg_array_to_json,
    ResolvedType,
    columns_in_expr,
    string_literal_value,
)
from aishell.model.schema import Column, ForeignKey, Index, Schema, Table, View

last_report: list[str] = []

_ACTIONS = {"CASCADE", "SET NULL", "RESTRICT", "NO ACTION"}
_NOW = {
    "now",
    "current_timestamp",
    "transaction_timestamp",
    "statement_timestamp",
    "localtimestamp",
    "clock_timestamp",
}
_UUID_FUNCS = {"gen_random_uuid", "uuid_generate_v4"}
_BIG_TYPES = ("LONGTEXT", "TEXT", "MEDIUMTEXT", "LONGBLOB", "BLOB", "JSON")


class MySQLGenerator(SqlGenerator):
    dialect = "mysql"
    display_name = "MySQL 8 / MariaDB 10.11"
    name_limit = 64
    OPTIONS = frozenset({"views", "collation", "flavor", "text_prefix"})

    def __init__(self, schema: Schema, **options):
        super().__init__(schema, **options)
        self.collation = options.get("collation", "utf8mb4_bin")
        self.flavor = options.get("flavor", "mysql")
        if self.flavor not in ("mysql", "mariadb"):
            from aishell.errors import UserError

            raise UserError(f"unknown MySQL flavor {self.flavor!r} (choose mysql or mariadb)")
        self.prefix = int(options.get("text_prefix", 255))
        self._later: list[str] = []  # ALTER TABLE ... ADD CONSTRAINT for cycle-closing foreign keys
        # Columns that take part in a foreign key (either side): MySQL cannot key a TEXT column fully.
        self.fk_columns: set[tuple[str, str]] = set()
        for t in schema.tables:
            for fk in t.foreign_keys:
                for c in fk.columns:
                    self.fk_columns.add((t.qualified_name, c))
                for c in fk.ref_columns:
                    self.fk_columns.add((f"{fk.ref_schema}.{fk.ref_table}", c))

    # -- quoting -----------------------------------------------------------------------------------
    def quote(self, name: str) -> str:
        return "`" + name.replace("`", "``") + "`"

    def literal(self, value: str) -> str:
        # MySQL strings treat backslash as an escape unless NO_BACKSLASH_ESCAPES: escape it.
        v = value.replace("\\", "\\\\").replace("'", "''").replace("\n", "\\n").replace("\r", "\\r")
        v = v.replace("\x00", "\\0")
        return "'" + v + "'"

    def preamble(self) -> list[str]:
        return ["SET NAMES utf8mb4;"]

    # -- types ---------------------------------------------------------------------------------------
    def type_sql(self, table: Table, column: Column, rt: ResolvedType, plan: ColumnPlan) -> str:
        t = rt.type
        obj = f"{table.qualified_name}.{column.name}"
        if t.array:
            plan.comments.append(f"{column.type} in PostgreSQL: a JSON array here")
            self.report.approximated(obj, f"{column.type} stored as a JSON array (MySQL has no arrays)")
            return "JSON"
        base, args = t.base, t.args
        keyed = (table.qualified_name, column.name) in self.fk_columns
        if base == "enum":
            if not rt.enum_values:
                self.report.not_expressible(obj, f"enum {rt.enum_name} has no values: VARCHAR(255)")
                return "VARCHAR(255)"
            return "ENUM(" + ", ".join(self.literal(v) for v in rt.enum_values) + ")"
        if base == "smallint":
            return "SMALLINT"
        if base == "integer":
            return "INT"
        if base == "bigint":
            return "BIGINT"
        if base == "real":
            return "FLOAT"
        if base == "double":
            return "DOUBLE"
        if base == "numeric":
            if not args:
                self.report.approximated(obj, f"{column.type} without precision stored as DECIMAL(65,30)")
                return "DECIMAL(65,30)"
            p = args[0]
            s = args[1] if len(args) > 1 else 0
            if p > 65 or s > 30 or s < 0 or s > p:
                self.report.approximated(obj, f"{column.type} exceeds MySQL's DECIMAL(65,30): DECIMAL(65,30)")
                return "DECIMAL(65,30)"
            return f"DECIMAL({p},{s})"
        if base == "money":
            self.report.approximated(obj, "money stored as DECIMAL(19,2)")
            return "DECIMAL(19,2)"
        if base == "boolean":
            return "BOOLEAN"
        if base == "varchar":
            if not args:
                return self._text(obj, column, keyed, "unbounded character varying")
            if args[0] > 16383:
                self.report.approximated(
                    obj, f"{column.type} is longer than a utf8mb4 VARCHAR allows: LONGTEXT"
                )
                return self._text(obj, column, keyed, column.type)
            return f"VARCHAR({args[0]})"
        if base == "char":
            n = args[0] if args else 1
            return f"CHAR({n})" if n <= 255 else f"VARCHAR({n})"
        if base == "char1":
            return "CHAR(1)"
        if base == "name":
            return "VARCHAR(63)"
        if base == "text":
            if t.spelling == "citext":
                plan.comments.append("citext: case-insensitive collation")
                return (
                    "VARCHAR(255) COLLATE utf8mb4_unicode_ci"
                    if keyed
                    else "LONGTEXT COLLATE utf8mb4_unicode_ci"
                )
            return self._text(obj, column, keyed, "text")
        if base in ("xml",):
            self.report.approximated(obj, "xml stored as LONGTEXT")
            return "LONGTEXT"
        if base == "bytea":
            if keyed:
                self.report.approximated(obj, "bytea key column stored as VARBINARY(255)")
                return "VARBINARY(255)"
            return "LONGBLOB"
        if base in ("timestamp", "timestamptz"):
            fsp = min(args[0], 6) if args else 6
            if base == "timestamptz":
                plan.comments.append("timestamptz: stored without zone (keep UTC)")
            return f"DATETIME({fsp})" if fsp else "DATETIME"
        if base == "date":
            return "DATE"
        if base in ("time", "timetz"):
            fsp = min(args[0], 6) if args else 6
            if base == "timetz":
                self.report.approximated(obj, "time with time zone stored as TIME (no zone)")
            return f"TIME({fsp})" if fsp else "TIME"
        if base == "interval":
            self.report.approximated(obj, "interval stored as VARCHAR(64) text (MySQL has no interval type)")
            return "VARCHAR(64)"
        if base == "uuid":
            return "CHAR(36)"
        if base in ("json", "jsonb"):
            return "JSON"
        if base in ("inet", "cidr"):
            return "VARCHAR(43)"
        if base == "macaddr":
            return "CHAR(17)"
        if base == "macaddr8":
            return "CHAR(23)"
        if base == "bit":
            n = args[0] if args else 1
            if n <= 64:
                return f"BIT({n})"
            self.report.approximated(obj, f"{column.type} longer than BIT(64): VARBINARY")
            return f"VARBINARY({(n + 7) // 8})"
        if base == "varbit":
            self.report.approximated(obj, f"{column.type} stored as VARBINARY")
            return f"VARBINARY({(args[0] + 7) // 8 if args else 255})"
        if base == "oid":
            return "INT UNSIGNED"
        if base in ("tsvector", "tsquery"):
            plan.comments.append(f"{base}: PostgreSQL full-text; use a FULLTEXT index on the source columns")
            self.report.not_expressible(obj, f"{base} has no MySQL equivalent: stored as LONGTEXT")
            return "LONGTEXT"
        if base in ("hstore", "vector", "range", "composite", "geometric"):
            what = {
                "hstore": "hstore",
                "vector": "pgvector vector",
                "range": "range type",
                "composite": f"composite type {rt.composite}",
                "geometric": "geometric type",
            }[base]
            plan.comments.append(f"{column.type} in PostgreSQL: JSON here")
            self.report.not_expressible(obj, f"{what} {column.type} has no MySQL equivalent: stored as JSON")
            return "JSON"
        plan.comments.append(f"unknown type {column.type}")
        self.report.not_expressible(obj, f"unknown type {column.type}: stored as LONGTEXT")
        return "LONGTEXT"

    def _text(self, obj: str, column: Column, keyed: bool, what: str) -> str:
        if keyed:
            self.report.approximated(
                obj,
                f"{what} column in a foreign key stored as VARCHAR(255) "
                "(MySQL cannot use TEXT in foreign keys)",
            )
            return "VARCHAR(255)"
        return "LONGTEXT"

    def adjust_plans(self) -> None:
        # InnoDB wants integer FK columns of exactly the referenced column's type.
        for t in self.order:
            for fk in t.foreign_keys:
                ref = self.plans.get(f"{fk.ref_schema}.{fk.ref_table}")
                if ref is None:
                    continue
                for c, rc in zip(fk.columns, fk.ref_columns):
                    mine = self.plans[t.qualified_name].get(c)
                    theirs = ref.get(rc)
                    if not mine or not theirs or mine.type_sql == theirs.type_sql:
                        continue
                    family = {
                        b: f
                        for f, bs in (
                            ("int", INTEGER_TYPES),
                            ("dec", {"numeric", "money"}),
                            ("ts", {"timestamp", "timestamptz"}),
                            ("time", {"time", "timetz"}),
                        )
                        for b in bs
                    }
                    if (
                        family.get(mine.rt.type.base)
                        and family.get(mine.rt.type.base) == family.get(theirs.rt.type.base)
                        and not mine.rt.type.array
                        and not theirs.rt.type.array
                    ):
                        self.report.approximated(
                            f"{t.qualified_name}.{c}",
                            f"{mine.type_sql} widened to {theirs.type_sql} to match the referenced column "
                            "(InnoDB requires equal numeric and temporal types)",
                        )
                        mine.type_sql = theirs.type_sql
        for t in self.order:
            self._fit_row(t)
        for t in self.order:
            pk = t.primary_key
            auto_done = False
            for plan in self.plans[t.qualified_name].values():
                self._plan_default(t, plan, pk, auto_done)
                auto_done = auto_done or plan.auto_increment

    def _fit_row(self, table: Table) -> None:
        """InnoDB rows hold at most 65,535 bytes of VARCHAR/CHAR (4 bytes a character in utf8mb4):
        turn the widest VARCHARs that are not keys into LONGTEXT until the row fits."""
        plans = self.plans[table.qualified_name]

        def width(p: ColumnPlan) -> int:
            m = re.match(r"(VAR)?CHAR\((\d+)\)", p.type_sql)
            return int(m.group(2)) * 4 + 2 if m else 8

        total = sum(width(p) for p in plans.values())
        keys = (
            set(table.primary_key)
            | {c for u in table.unique for c in u.columns}
            | {c for fk in table.foreign_keys for c in fk.columns}
        )
        for p in sorted(plans.values(), key=width, reverse=True):
            if total <= 65535:
                break
            if p.column.name in keys or not p.type_sql.startswith("VARCHAR("):
                continue
            total -= width(p) - 12
            self.report.approximated(
                f"{table.qualified_name}.{p.column.name}",
                f"{p.type_sql} made LONGTEXT: the row would pass InnoDB's 65,535-byte limit",
            )
            p.type_sql = "LONGTEXT"
            p.checks.append(
                f"CHAR_LENGTH({self.quote(p.column.name)}) <= {p.rt.type.args[0]}"
                if p.rt.type.args
                else "TRUE"
            )

    # -- defaults --------------------------------------------------------------------------------------
    def _plan_default(self, table: Table, plan: ColumnPlan, pk: list[str], auto_done: bool) -> None:
        col, rt = plan.column, plan.rt
        obj = f"{table.qualified_name}.{col.name}"
        base = rt.type.base
        wants_auto = bool(col.identity) or rt.type.serial
        kind, detail = self.default_kind(plan)
        if kind == "function" and detail == "nextval":
            wants_auto = True
        if wants_auto:
            if col.name in pk and base in INTEGER_TYPES and not rt.type.array and not auto_done:
                plan.auto_increment = True
                opts = col.identity_options or {}
                if opts.get("increment", 1) not in (1, None):
                    self.report.approximated(
                        obj,
                        f"identity increment {opts['increment']} not kept: "
                        "AUTO_INCREMENT steps by auto_increment_increment",
                    )
                return
            self.report.not_expressible(
                obj,
                f"{'identity' if col.identity else 'sequence default ' + (col.default or 'serial')}"
                " on a column that is not an integer primary key: no AUTO_INCREMENT (dropped)",
            )
            plan.comments.append("sequence default not expressible")
            return
        if col.generated:
            return
        if kind == "none":
            return
        big = plan.type_sql.split()[0].split("(")[0] in _BIG_TYPES
        if kind == "literal":
            sql = self._literal_default(detail or "", plan, obj)
            if sql is not None:
                plan.default_sql = f"({sql})" if big and sql.upper() != "NULL" else sql
            return
        if kind == "function":
            ts = plan.type_sql.startswith(("DATETIME", "TIMESTAMP"))
            if detail in _NOW and ts:
                m = re.match(r"DATETIME\((\d)\)", plan.type_sql)
                plan.default_sql = f"CURRENT_TIMESTAMP({m.group(1)})" if m else "CURRENT_TIMESTAMP"
                return
            if detail == "current_date" and plan.type_sql == "DATE":
                plan.default_sql = "(CURRENT_DATE)"
                return
            if detail in _UUID_FUNCS and plan.type_sql.startswith(("CHAR(36)", "VARCHAR")):
                plan.default_sql = "(UUID())"
                return
        default = col.default if col.default is not None else rt.domain_default
        plan.comments.append(f"default {default} not expressible")
        self.report.not_expressible(obj, f"default {default}: not expressible in MySQL (dropped)")

    def _literal_default(self, lit: str, plan: ColumnPlan, obj: str) -> str | None:
        base = plan.rt.type.base
        s = string_literal_value(lit)
        low = lit.lower()
        if low == "null":
            return None
        if plan.rt.type.array:
            if s == "{}":
                return "JSON_ARRAY()"
            js = pg_array_to_json(s, plan.rt.type.base) if s is not None and plan.rt.type.array == 1 else None
            if js is not None:
                return self.literal(js)
            self.report.not_expressible(obj, f"array default {lit} (dropped)")
            return None
        if base == "bytea" and s is not None and bytea_hex(s) is not None:
            return f"X'{bytea_hex(s)}'"
        if base == "boolean":
            v = (s if s is not None else low).lower()
            if v in ("t", "true", "1", "yes", "on", "y"):
                return "TRUE"
            if v in ("f", "false", "0", "no", "off", "n"):
                return "FALSE"
        elif base in INTEGER_TYPES | {"numeric", "real", "double", "money", "oid"}:
            v = s if s is not None else lit
            if re.fullmatch(r"-?\d+(\.\d+)?([eE][-+]?\d+)?", v.strip()):
                return v.strip()
        elif base in ("timestamp", "timestamptz", "date", "time", "timetz"):
            if s is not None and re.fullmatch(
                r"\d{4}-\d\d-\d\d([ T]\d\d:\d\d(:\d\d(\.\d+)?)?)?"
                r"(\+00(:?00)?|Z)?|\d\d:\d\d(:\d\d(\.\d+)?)?",
                s,
            ):
                return self.literal(re.sub(r"(\+00(:?00)?|Z)$", "", s).replace("T", " "))
        elif base in (
            "json",
            "jsonb",
            "enum",
            "varchar",
            "char",
            "char1",
            "text",
            "name",
            "uuid",
            "inet",
            "cidr",
            "macaddr",
            "macaddr8",
            "interval",
            "xml",
        ):
            if s is not None:
                if base == "enum" and s not in (plan.rt.enum_values or []):
                    self.report.not_expressible(obj, f"default {lit} is not a value of the enum (dropped)")
                    return None
                return self.literal(s)
        self.report.not_expressible(obj, f"default {lit} for {plan.column.type}: not expressible (dropped)")
        plan.comments.append(f"default {lit} not expressible")
        return None

    # -- tables ----------------------------------------------------------------------------------------
    def table_sql(self, table: Table) -> str:
        plans = self.plans[table.qualified_name]
        qn = table.qualified_name
        entries: list[tuple[str, str | None]] = []
        for col in table.columns:
            entries.append(self.column_sql(table, plans[col.name]))
        if table.primary_key and self._keyable(table, table.primary_key, "primary key"):
            cols = self._key_cols(table, table.primary_key, unique=True, what="primary key")
            entries.append((f"PRIMARY KEY ({cols})", None))
        auto = [p for p in plans.values() if p.auto_increment]
        if auto and table.primary_key and table.primary_key[0] != auto[0].column.name:
            # InnoDB needs the AUTO_INCREMENT column to lead some index.
            if not any(u.columns and u.columns[0] == auto[0].column.name for u in table.unique):
                entries.append(
                    (f"KEY ({self.quote(auto[0].column.name)})", "AUTO_INCREMENT must lead an index")
                )
        for u in table.unique:
            obj = f"{qn}.{u.name or 'unique'}"
            if u.nulls_not_distinct:
                self.report.not_expressible(obj, "UNIQUE NULLS NOT DISTINCT: MySQL allows repeated NULLs")
            if u.include:
                self.report.not_expressible(obj, "UNIQUE ... INCLUDE columns dropped")
            if u.deferrable:
                self.report.not_expressible(obj, "DEFERRABLE unique constraint is checked immediately")
            if not self._keyable(table, u.columns, f"unique constraint {u.name or ''}"):
                continue
            cols = self._key_cols(table, u.columns, unique=True, what=f"unique constraint {u.name or ''}")
            name = f"CONSTRAINT {self.quote(u.name[:64])} " if u.name else ""
            entries.append((f"{name}UNIQUE KEY ({cols})", None))
        deferred_refs = {ref for (src, ref) in self.deferred if src == qn}
        for fk in table.foreign_keys:
            sql = self.foreign_key_sql(table, fk)
            if sql is None:
                continue
            if f"{fk.ref_schema}.{fk.ref_table}" in deferred_refs:
                self._later.append(f"ALTER TABLE {self.quote(self.table_name(table))} ADD {sql};")
            else:
                entries.append((sql, None))
        for name, expr in self.check_exprs(table):
            cname = f"CONSTRAINT {self.quote(self.constraint_name(name, name or ''))} " if name else ""
            entries.append((f"{cname}CHECK ({_unparen(expr)})", None))
        lines = [f"CREATE TABLE {self.quote(self.table_name(table))} ("]
        for i, (text, comment) in enumerate(entries):
            sep = "," if i < len(entries) - 1 else ""
            lines.append(f"  {text}{sep}" + (f"  {self.comment(comment)}" if comment else ""))
        opts = ["ENGINE=InnoDB", "DEFAULT CHARSET=utf8mb4", f"COLLATE={self.collation}"]
        if auto:
            start = (auto[0].column.identity_options or {}).get("start")
            if isinstance(start, int) and start > 1:
                opts.append(f"AUTO_INCREMENT={start}")
        if table.comment:
            opts.append("COMMENT=" + self.literal(self._limit(table.comment, 2048, qn)))
        lines.append(") " + " ".join(opts) + ";")
        if table.partition_by:
            self.report.approximated(
                qn,
                f"PARTITION BY {table.partition_by} not kept (InnoDB partitioned "
                "tables cannot have foreign keys)",
            )
        if table.inherits:
            self.report.not_expressible(qn, f"INHERITS ({', '.join(table.inherits)}): created standalone")
        if table.unlogged:
            self.report.approximated(qn, "UNLOGGED: an ordinary InnoDB table")
        return "\n".join(lines)

    def _limit(self, text: str, limit: int, obj: str) -> str:
        if len(text) > limit:
            self.report.approximated(obj, f"comment cut to {limit} characters")
            return text[:limit]
        return text

    def column_sql(self, table: Table, plan: ColumnPlan) -> tuple[str, str | None]:
        col = plan.column
        parts = [self.quote(col.name), plan.type_sql]
        obj = f"{table.qualified_name}.{col.name}"
        if col.collation and col.collation not in ("default", "pg_catalog.default"):
            if col.collation in ("C", "POSIX", "pg_catalog.C", "pg_catalog.POSIX", '"C"'):
                if "COLLATE" not in plan.type_sql and plan.type_sql.split("(")[0] in (
                    "VARCHAR",
                    "CHAR",
                    "LONGTEXT",
                ):
                    parts.append("COLLATE utf8mb4_bin")
            else:
                self.report.approximated(obj, f"collation {col.collation} not kept")
        if col.generated:
            expr = self.expr(col.generated, what="generated column", obj=obj, check=True)
            autos = [
                c
                for c in columns_in_expr(col.generated)
                if c in self.plans[table.qualified_name]
                and self.plans[table.qualified_name][c].auto_increment
            ]
            if expr is not None and autos:
                self.report.not_expressible(
                    obj,
                    f"generated column reads AUTO_INCREMENT column {autos[0]}, "
                    "which MySQL refuses: a plain column",
                )
                expr = None
            if expr is not None:
                kind = "STORED" if (col.generated_kind or "stored") == "stored" else "VIRTUAL"
                parts.append(f"GENERATED ALWAYS AS ({_unparen(expr)}) {kind}")
            else:
                plan.comments.append("generation expression not expressible: a plain column")
                if not col.nullable:
                    parts.append("NOT NULL")
        else:
            not_null = not col.nullable or plan.rt.domain_not_null or col.name in table.primary_key
            if not_null:
                parts.append("NOT NULL")
            if plan.default_sql is not None:
                parts.append(f"DEFAULT {plan.default_sql}")
            if plan.auto_increment:
                parts.append("AUTO_INCREMENT")
        if col.comment:
            parts.append("COMMENT " + self.literal(self._limit(col.comment, 1024, obj)))
        return " ".join(parts), ("; ".join(plan.comments) or None)

    def _keyable(self, table: Table, cols: list[str], what: str) -> bool:
        plans = self.plans[table.qualified_name]
        bad = [c for c in cols if c in plans and plans[c].type_sql == "JSON"]
        if bad:
            self.report.not_expressible(
                f"{table.qualified_name}",
                f"{what} on JSON column(s) {', '.join(bad)}: MySQL cannot index JSON (not created)",
            )
            return False
        return True

    def _key_cols(
        self, table: Table, cols: list[str], *, unique: bool, what: str, orders: list[str] | None = None
    ) -> str:
        plans = self.plans[table.qualified_name]
        big = [
            c
            for c in cols
            if c in plans
            and plans[c].type_sql.split()[0].split("(")[0] in ("LONGTEXT", "LONGBLOB", "TEXT", "BLOB")
        ]
        prefix = max(1, min(self.prefix, 768 // max(1, len(big)))) if big else self.prefix
        out = []
        for i, c in enumerate(cols):
            q = self.quote(c)
            if c in big:
                q += f"({prefix})"
                if unique:
                    self.report.approximated(
                        f"{table.qualified_name}.{c}",
                        f"{what} on a TEXT/BLOB column keys its first {prefix} characters only",
                    )
            if orders and i < len(orders) and orders[i]:
                o = orders[i].upper()
                if "DESC" in o:
                    q += " DESC"
                if "NULLS" in o:
                    self.report.approximated(
                        f"{table.qualified_name}.{c}", f"{orders[i]} not expressible in an index (dropped)"
                    )
            out.append(q)
        return ", ".join(out)

    def foreign_key_sql(self, table: Table, fk: ForeignKey) -> str | None:
        target = self.fk_target(table, fk)
        if target is None:
            return None
        obj = f"{table.qualified_name}.{fk.name or ','.join(fk.columns)}"
        plans = self.plans[table.qualified_name]
        for c in fk.columns:
            p = plans.get(c)
            if p and p.type_sql in ("JSON",) or (p and p.type_sql.startswith(("LONGTEXT", "LONGBLOB"))):
                self.report.not_expressible(obj, f"foreign key on {p.type_sql} column {c} (dropped)")
                return None
        name = self.constraint_name(fk.name, f"{self.table_name(table)}_{'_'.join(fk.columns)}_fkey")
        sql = (
            f"CONSTRAINT {self.quote(name)} FOREIGN KEY ({', '.join(self.quote(c) for c in fk.columns)}) "
            f"REFERENCES {self.quote(target)} ({', '.join(self.quote(c) for c in fk.ref_columns)})"
        )
        for event, action in (("DELETE", fk.on_delete), ("UPDATE", fk.on_update)):
            a = re.sub(r"\s*\(.*\)$", "", (action or "NO ACTION").upper())
            if a == "NO ACTION":
                continue
            if a not in _ACTIONS:
                self.report.not_expressible(obj, f"ON {event} {a} is not supported by InnoDB (dropped)")
                continue
            if a == "SET NULL" and any(
                not (table.column(c) and table.column(c).nullable) or c in table.primary_key
                for c in fk.columns
            ):
                # PostgreSQL accepts this and fails at delete time; InnoDB refuses the table.
                self.report.approximated(
                    obj,
                    f"ON {event} SET NULL on a NOT NULL column: written as NO ACTION "
                    "(PostgreSQL would fail the same way when it fires)",
                )
                continue
            sql += f" ON {event} {a}"
        if fk.match and fk.match.upper() == "FULL":
            self.report.not_expressible(obj, "MATCH FULL is ignored by InnoDB")
        if fk.deferrable:
            self.report.not_expressible(obj, "DEFERRABLE foreign key is checked immediately in MySQL")
        return sql

    def check_allowed(self, table: Table, name: str | None, text: str, obj: str) -> bool:
        cols = columns_in_expr(text)
        plans = self.plans[table.qualified_name]
        for c in cols:
            p = plans.get(c)
            if p and p.auto_increment:
                self.report.not_expressible(
                    obj, f"CHECK on AUTO_INCREMENT column {c} is refused by MySQL (dropped)"
                )
                return False
        if self.flavor != "mariadb":
            for fk in table.foreign_keys:
                acts = {(fk.on_delete or "").upper(), (fk.on_update or "").upper()}
                if acts & {"CASCADE", "SET NULL", "SET DEFAULT"} and cols & set(fk.columns):
                    self.report.not_expressible(
                        obj,
                        "MySQL refuses a CHECK on a column a foreign-key action changes (dropped; "
                        "flavor='mariadb' keeps it)",
                    )
                    return False
        return True

    def after_tables(self) -> list[str]:
        later = self._later
        if not later:
            return []
        return [self.comment("foreign keys that close a reference cycle") + "\n" + "\n".join(later)]

    # -- indexes ---------------------------------------------------------------------------------------
    def index_sql(self, table: Table, idx: Index) -> str | None:
        if idx.constraint:
            return None
        obj = f"{table.qualified_name}.{idx.name}"
        pg = self.pg_index_text(table, idx)
        reason = None
        method = (idx.method or "btree").lower()
        if method not in ("btree", "hash"):
            what = "GIN" if method == "gin" else method.upper()
            reason = f"{what} index: no MySQL equivalent"
            if method == "gin" and any(
                self.plans[table.qualified_name].get(c)
                and self.plans[table.qualified_name][c].rt.type.base == "tsvector"
                for c in idx.columns
            ):
                reason += " (full-text search: use a FULLTEXT index on the source columns)"
        elif idx.where:
            reason = "partial index (WHERE): MySQL has no partial indexes"
        elif any(idx.expressions) or any(c not in self.plans[table.qualified_name] for c in idx.columns):
            reason = "expression index: not portable to MySQL/MariaDB"
        else:
            plans = self.plans[table.qualified_name]
            bad = [c for c in idx.columns if plans[c].type_sql == "JSON"]
            if bad:
                reason = f"index on JSON column {', '.join(bad)}: MySQL cannot index JSON directly"
        if reason and method == "gin" and not idx.where:
            cols = fulltext_columns(idx.columns, idx.expressions, set(self.plans[table.qualified_name]))
            if cols and all(
                self.plans[table.qualified_name][c].type_sql.split("(")[0].split()[0]
                in ("LONGTEXT", "VARCHAR", "CHAR")
                for c in cols
            ):
                self.report.approximated(
                    obj,
                    "to_tsvector GIN index written as a FULLTEXT index (MySQL's "
                    "own parser and stop words, not the text search configuration)",
                )
                quoted = ", ".join(self.quote(c) for c in cols)
                return (
                    f"CREATE FULLTEXT INDEX {self.quote(idx.name[:64])} ON "
                    f"{self.quote(self.table_name(table))} ({quoted});"
                )
        if reason:
            self.report.not_expressible(obj, reason)
            return self.commented_out(f"not expressible: {reason}", pg)
        if idx.include:
            self.report.not_expressible(obj, "INCLUDE columns dropped (MySQL has no covering INCLUDE)")
        if idx.nulls_not_distinct:
            self.report.not_expressible(obj, "NULLS NOT DISTINCT: MySQL allows repeated NULLs")
        if any(o for o in idx.opclasses):
            self.report.approximated(
                obj, f"operator classes {', '.join(o for o in idx.opclasses if o)} dropped"
            )
        cols = self._key_cols(
            table, idx.columns, unique=idx.unique, what=f"unique index {idx.name}", orders=idx.orders
        )
        uq = "UNIQUE " if idx.unique else ""
        return (
            f"CREATE {uq}INDEX {self.quote(idx.name[:64])} ON {self.quote(self.table_name(table))} ({cols});"
        )

    # -- views -----------------------------------------------------------------------------------------
    def view_sql(self, view: View) -> str | None:
        body = view.definition.strip().rstrip(";")
        sql = self.expr(body, what="view", obj=view.qualified_name, statement=True)
        if sql is None:
            self.failed_views.add(view.qualified_name)
            reason = self.report.items[-1][2]
            return self.comment(f"view {view.qualified_name} not translated: {reason}")
        cols = ""
        if view.columns:
            cols = " (" + ", ".join(self.quote(c) for c in view.columns) + ")"
        text = f"CREATE VIEW {self.quote(self.names[view.qualified_name])}{cols} AS\n{sql};"
        if view.comment:
            self.report.approximated(
                view.qualified_name, "view comments do not exist in MySQL: an SQL comment"
            )
            text = self.comment(view.comment) + "\n" + text
        if view.options:
            self.report.not_expressible(
                view.qualified_name, f"view options {', '.join(view.options)} dropped"
            )
        return text


def _unparen(expr: str) -> str:
    """Drop one pair of outer parentheses when they wrap the whole expression (quotes respected)."""
    e = expr.strip()
    if not (e.startswith("(") and e.endswith(")")):
        return e
    depth = 0
    quote = None
    i = 0
    while i < len(e):
        ch = e[i]
        if quote:
            if ch == "\\" and quote == "'":
                i += 2
                continue
            if ch == quote:
                if i + 1 < len(e) and e[i + 1] == quote:
                    i += 2
                    continue
                quote = None
        elif ch in "'`\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0 and i != len(e) - 1:
                return e
        i += 1
    return e[1:-1].strip() if depth == 0 else e


def generate_with_report(schema: Schema, **options) -> tuple[str, list[str]]:
    """The DDL and the list of what could not be expressed or was approximated."""
    gen = MySQLGenerator(schema, **options)
    sql = gen.generate()
    last_report[:] = gen.report.warnings
    return sql, list(gen.report.warnings)


def generate(schema: Schema, **options) -> str:
    """MySQL 8 / MariaDB 10.11 DDL for ``schema``; warnings land in ``last_report``."""
    return generate_with_report(schema, **options)[0]
