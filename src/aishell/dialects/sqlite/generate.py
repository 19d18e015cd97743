"""Schema model -> SQLite DDL (3.37+ for STRICT tables).

``PRAGMA foreign_keys = ON;`` first, then the tables in foreign-key order with their foreign keys
inline (SQLite cannot add one later; it checks them at write time, so a cycle needs no ALTER). A table
is STRICT when every column maps to INTEGER, REAL, TEXT, BLOB or ANY without losing meaning; a
``numeric`` column needs NUMERIC affinity, which STRICT forbids, so such a table is written without
STRICT (reported). A single integer identity/serial primary key becomes ``INTEGER PRIMARY KEY`` (the
rowid). Types SQLite lacks keep their meaning through CHECKs: booleans ``IN (0, 1)``, enums
``IN (...)``, ``varchar(n)`` ``length() <= n``, json ``json_valid()``. CHECKs, generated columns, index
expressions and WHERE clauses, and views go through sqlglot and are kept only when they translate.
Everything else is reported (``generate_with_report``, ``last_report``).

Options: ``strict`` (``"auto"`` default, or ``False`` for no STRICT tables), ``views`` (default True).
"""

from __future__ import annotations

import re

from aishell.dialects.sqlbase import ColumnPlan, SqlGenerator
from aishell.dialects.portable import (
    INTEGER_TYPES,
    ResolvedType,
    bytea_hex,
    pg_array_to_json,
    string_literal_value,
)
from aishell.model.schema import Column, ForeignKey, Index, Schema, Table, View

last_report: list[str] = []

_NOW = {
    "now",
    "current_timestamp",
    "transaction_timestamp",
    "statement_timestamp",
    "localtimestamp",
    "clock_timestamp",
}


# A random version-4 UUID in canonical text form, from SQLite's built-in randomblob()/random().
_UUID4 = (
    "(lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || "
    "substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || "
    "substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))))"
)


class SQLiteGenerator(SqlGenerator):
    dialect = "sqlite"
    display_name = "SQLite"
    name_limit = 1000
    OPTIONS = frozenset({"views", "strict"})

    def __init__(self, schema: Schema, **options):
        super().__init__(schema, **options)
        self.strict_mode = options.get("strict", "auto")
        self.index_names: set[str] = set()

    def quote(self, name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    def preamble(self) -> list[str]:
        return ["PRAGMA foreign_keys = ON;"]

    # -- types ---------------------------------------------------------------------------------------
    def type_sql(self, table: Table, column: Column, rt: ResolvedType, plan: ColumnPlan) -> str:
        t = rt.type
        obj = f"{table.qualified_name}.{column.name}"
        q = self.quote(column.name)
        if t.array:
            plan.comments.append(f"{column.type} in PostgreSQL: a JSON array here")
            self.report.approximated(
                obj, f"{column.type} stored as a JSON array in TEXT (SQLite has no arrays)"
            )
            plan.checks.append(f"{q} IS NULL OR json_valid({q})")
            return "TEXT"
        base, args = t.base, t.args
        if base == "enum":
            vals = ", ".join(self.literal(v) for v in rt.enum_values or [])
            plan.checks.append(f"{q} IN ({vals})")
            return "TEXT"
        if base in INTEGER_TYPES or base == "oid":
            return "INTEGER"
        if base in ("real", "double"):
            return "REAL"
        if base in ("numeric", "money"):
            plan.comments.append(f"{column.type}: NUMERIC affinity")
            return "NUMERIC"
        if base == "boolean":
            plan.checks.append(f"{q} IN (0, 1)")
            return "INTEGER"
        if base in ("varchar", "char"):
            if args:
                plan.checks.append(f"length({q}) <= {args[0]}")
            return "TEXT"
        if base in ("text", "char1", "name", "xml", "inet", "cidr", "macaddr", "macaddr8", "uuid"):
            if t.spelling == "citext":
                plan.comments.append("citext: COLLATE NOCASE")
                return "TEXT COLLATE NOCASE"
            return "TEXT"
        if base in ("timestamp", "timestamptz", "date", "time", "timetz"):
            plan.comments.append(f"{column.type}: ISO-8601 text")
            return "TEXT"
        if base == "interval":
            self.report.approximated(obj, "interval stored as TEXT")
            return "TEXT"
        if base in ("json", "jsonb"):
            plan.checks.append(f"{q} IS NULL OR json_valid({q})")
            return "TEXT"
        if base in ("bytea", "bit", "varbit"):
            if base != "bytea":
                self.report.approximated(obj, f"{column.type} stored as BLOB")
            return "BLOB"
        if base in ("tsvector", "tsquery"):
            self.report.not_expressible(obj, f"{base} has no SQLite equivalent (use an FTS5 table): TEXT")
            return "TEXT"
        if base in ("hstore", "vector", "range", "composite", "geometric"):
            self.report.not_expressible(obj, f"{column.type} has no SQLite equivalent: stored as JSON TEXT")
            return "TEXT"
        self.report.not_expressible(obj, f"unknown type {column.type}: ANY")
        return "ANY"

    def adjust_plans(self) -> None:
        for t in self.order:
            pk = t.primary_key
            for plan in self.plans[t.qualified_name].values():
                self._plan_default(t, plan, pk)

    def _rowid_pk(self, table: Table) -> str | None:
        """The column that becomes INTEGER PRIMARY KEY, if any."""
        if len(table.primary_key) != 1:
            return None
        plan = self.plans[table.qualified_name].get(table.primary_key[0])
        if plan is None or plan.type_sql != "INTEGER" or plan.rt.type.base not in INTEGER_TYPES:
            return None
        kind, detail = self.default_kind(plan)
        if plan.column.identity or plan.rt.type.serial or (kind == "function" and detail == "nextval"):
            return plan.column.name
        return None

    def _plan_default(self, table: Table, plan: ColumnPlan, pk: list[str]) -> None:
        col, rt = plan.column, plan.rt
        obj = f"{table.qualified_name}.{col.name}"
        kind, detail = self.default_kind(plan)
        auto = bool(col.identity) or rt.type.serial or (kind == "function" and detail == "nextval")
        if auto:
            if self._rowid_pk(table) == col.name:
                plan.auto_increment = True
                return
            self.report.not_expressible(
                obj,
                "identity/sequence default on a column that is not a single integer primary key (dropped)",
            )
            return
        if col.generated or kind == "none":
            return
        base = rt.type.base
        if kind == "literal":
            lit = detail or ""
            s = string_literal_value(lit)
            low = lit.lower()
            if low == "null":
                return
            if rt.type.array:
                js = pg_array_to_json(s, base) if s is not None and rt.type.array == 1 else None
                if js is not None:
                    plan.default_sql = self.literal(js)
                    return
            elif base == "bytea" and s is not None and bytea_hex(s) is not None:
                plan.default_sql = f"X'{bytea_hex(s)}'"
                return
            elif base == "boolean":
                v = (s if s is not None else low).lower()
                if v in ("t", "true", "1", "yes", "on", "y"):
                    plan.default_sql = "1"
                    return
                if v in ("f", "false", "0", "no", "off", "n"):
                    plan.default_sql = "0"
                    return
            elif base in INTEGER_TYPES | {"numeric", "real", "double", "money", "oid"}:
                v = (s if s is not None else lit).strip()
                if re.fullmatch(r"-?\d+(\.\d+)?([eE][-+]?\d+)?", v):
                    plan.default_sql = v if not v.startswith("-") else f"({v})"
                    return
            elif s is not None and base not in ("bytea", "bit", "varbit", "tsvector", "tsquery"):
                if base == "enum" and s not in (rt.enum_values or []):
                    pass
                else:
                    plan.default_sql = self.literal(s)
                    return
        elif kind == "function":
            if detail in _NOW and base in ("timestamp", "timestamptz"):
                plan.default_sql = "CURRENT_TIMESTAMP"
                plan.comments.append("CURRENT_TIMESTAMP is UTC 'YYYY-MM-DD HH:MM:SS'")
                return
            if detail in ("gen_random_uuid", "uuid_generate_v4") and base == "uuid":
                plan.default_sql = _UUID4
                plan.comments.append("random version-4 UUID text")
                return
            if detail == "current_date" and base == "date":
                plan.default_sql = "CURRENT_DATE"
                return
            if detail in ("current_time", "localtime") and base in ("time", "timetz"):
                plan.default_sql = "CURRENT_TIME"
                return
        default = col.default if col.default is not None else rt.domain_default
        self.report.not_expressible(obj, f"default {default}: not expressible in SQLite (dropped)")
        plan.comments.append(f"default {default} not expressible")

    # -- tables ----------------------------------------------------------------------------------------
    def table_sql(self, table: Table) -> str:
        plans = self.plans[table.qualified_name]
        qn = table.qualified_name
        entries: list[tuple[str, str | None]] = []
        rowid = self._rowid_pk(table)
        for col in table.columns:
            entries.append(self.column_sql(table, plans[col.name], rowid == col.name))
        if table.primary_key and not rowid:
            entries.append((f"PRIMARY KEY ({', '.join(self.quote(c) for c in table.primary_key)})", None))
        for u in table.unique:
            obj = f"{qn}.{u.name or 'unique'}"
            if u.nulls_not_distinct:
                self.report.not_expressible(obj, "UNIQUE NULLS NOT DISTINCT: SQLite allows repeated NULLs")
            if u.include:
                self.report.not_expressible(obj, "UNIQUE ... INCLUDE columns dropped")
            if u.deferrable:
                self.report.not_expressible(obj, "DEFERRABLE unique constraint is checked immediately")
            name = f"CONSTRAINT {self.quote(u.name)} " if u.name else ""
            entries.append((f"{name}UNIQUE ({', '.join(self.quote(c) for c in u.columns)})", None))
        for fk in table.foreign_keys:
            sql = self.foreign_key_sql(table, fk)
            if sql:
                entries.append((sql, None))
        for name, expr in self.check_exprs(table):
            cname = f"CONSTRAINT {self.quote(name)} " if name else ""
            entries.append((f"{cname}CHECK ({expr})", None))
        strict = self._strict(table)
        lines = [f"CREATE TABLE {self.quote(self.table_name(table))} ("]
        if table.comment:
            lines.append("  " + self.comment(table.comment))
        for i, (text, comment) in enumerate(entries):
            sep = "," if i < len(entries) - 1 else ""
            lines.append(f"  {text}{sep}" + (f"  {self.comment(comment)}" if comment else ""))
        lines.append(")" + (" STRICT" if strict else "") + ";")
        if table.partition_by:
            self.report.approximated(
                qn, f"PARTITION BY {table.partition_by} not kept (SQLite has no partitioning)"
            )
        if table.inherits:
            self.report.not_expressible(qn, f"INHERITS ({', '.join(table.inherits)}): created standalone")
        return "\n".join(lines)

    def _strict(self, table: Table) -> bool:
        if self.strict_mode is False or self.strict_mode == "never":
            return False
        loose = [p.column.name for p in self.plans[table.qualified_name].values() if p.type_sql == "NUMERIC"]
        if loose:
            self.report.approximated(
                table.qualified_name,
                f"not STRICT: {', '.join(loose)} need NUMERIC affinity (exact decimals), "
                "which STRICT tables lack",
            )
            return False
        return True

    def column_sql(self, table: Table, plan: ColumnPlan, rowid: bool) -> tuple[str, str | None]:
        col = plan.column
        obj = f"{table.qualified_name}.{col.name}"
        parts = [self.quote(col.name), plan.type_sql]
        if rowid:
            parts.append("PRIMARY KEY")
            if table.primary_key_name:
                parts.insert(2, f"CONSTRAINT {self.quote(table.primary_key_name)}")
            return " ".join(parts), ("; ".join(plan.comments) or None)
        if col.collation and col.collation not in ("default", "pg_catalog.default"):
            if col.collation in ("C", "POSIX", "pg_catalog.C", "pg_catalog.POSIX"):
                pass  # BINARY is SQLite's default
            else:
                self.report.approximated(obj, f"collation {col.collation} not kept")
        not_null = not col.nullable or plan.rt.domain_not_null or col.name in table.primary_key
        if col.generated:
            expr = self.expr(col.generated, what="generated column", obj=obj)
            if expr is not None:
                kind = "STORED" if (col.generated_kind or "stored") == "stored" else "VIRTUAL"
                parts.append(f"GENERATED ALWAYS AS ({expr}) {kind}")
            else:
                plan.comments.append("generation expression not expressible: a plain column")
        if not_null:
            parts.append("NOT NULL")
        if plan.default_sql is not None and not col.generated:
            parts.append(f"DEFAULT {plan.default_sql}")
        if col.comment:
            plan.comments.insert(0, col.comment)
        return " ".join(parts), ("; ".join(plan.comments) or None)

    def foreign_key_sql(self, table: Table, fk: ForeignKey) -> str | None:
        target = self.fk_target(table, fk)
        if target is None:
            return None
        obj = f"{table.qualified_name}.{fk.name or ','.join(fk.columns)}"
        name = f"CONSTRAINT {self.quote(fk.name)} " if fk.name else ""
        sql = (
            f"{name}FOREIGN KEY ({', '.join(self.quote(c) for c in fk.columns)}) "
            f"REFERENCES {self.quote(target)} ({', '.join(self.quote(c) for c in fk.ref_columns)})"
        )
        for event, action in (("DELETE", fk.on_delete), ("UPDATE", fk.on_update)):
            a = (action or "NO ACTION").upper()
            if "(" in a:
                self.report.approximated(obj, f"ON {event} {a}: column list dropped")
                a = re.sub(r"\s*\(.*\)$", "", a)
            if a != "NO ACTION":
                sql += f" ON {event} {a}"
        if fk.match and fk.match.upper() == "FULL":
            self.report.not_expressible(obj, "MATCH FULL is parsed but not enforced by SQLite")
        if fk.deferrable:
            sql += " DEFERRABLE INITIALLY " + ("DEFERRED" if fk.initially_deferred else "IMMEDIATE")
        return sql

    # -- indexes ---------------------------------------------------------------------------------------
    def index_sql(self, table: Table, idx: Index) -> str | None:
        if idx.constraint:
            return None
        obj = f"{table.qualified_name}.{idx.name}"
        pg = self.pg_index_text(table, idx)
        method = (idx.method or "btree").lower()
        reason = None
        if method not in ("btree", "hash"):
            reason = f"{method.upper()} index: no SQLite equivalent"
        keys: list[str] = []
        if reason is None:
            plans = self.plans[table.qualified_name]
            exprs = idx.expressions or [c not in plans for c in idx.columns]
            for i, c in enumerate(idx.columns):
                is_expr = exprs[i] if i < len(exprs) else c not in plans
                if is_expr:
                    sql = self.expr(c, what="index expression", obj=obj)
                    if sql is None:
                        reason = f"expression {c} does not translate"
                        self.report.items.pop()
                        break
                    key = f"({sql})"
                else:
                    key = self.quote(c)
                if i < len(idx.orders) and idx.orders[i]:
                    order = idx.orders[i].upper()
                    if "NULLS" in order:
                        self.report.approximated(
                            obj, f"{idx.orders[i]}: SQLite indexes have no NULLS FIRST/LAST (dropped)"
                        )
                    if "DESC" in order:
                        key += " DESC"
                keys.append(key)
        where = ""
        if reason is None and idx.where:
            w = self.expr(idx.where, what="index WHERE", obj=obj)
            if w is None:
                reason = f"WHERE {idx.where} does not translate"
                self.report.items.pop()
            else:
                where = f" WHERE {w}"
        if reason:
            self.report.not_expressible(obj, reason)
            return self.commented_out(f"not expressible: {reason}", pg)
        if idx.include:
            self.report.not_expressible(obj, "INCLUDE columns dropped")
        if any(idx.opclasses):
            self.report.approximated(obj, "operator classes dropped")
        name = self._index_name(idx.name, obj)
        uq = "UNIQUE " if idx.unique else ""
        return (
            f"CREATE {uq}INDEX {self.quote(name)} ON {self.quote(self.table_name(table))} "
            f"({', '.join(keys)}){where};"
        )

    def _index_name(self, name: str, obj: str) -> str:
        # Index names share one namespace with tables and views in SQLite.
        from aishell.dialects.portable import unique_name

        if not self.index_names:
            self.index_names |= {n.lower() for n in self.names.values()}
        got = unique_name(name, self.index_names, 1000)
        if got != name:
            self.report.approximated(obj, f"index renamed to {got} (name already used)")
        return got

    # -- views -----------------------------------------------------------------------------------------
    def view_sql(self, view: View) -> str | None:
        body = view.definition.strip().rstrip(";")
        sql = self.expr(body, what="view", obj=view.qualified_name, statement=True)
        if sql is None:
            self.failed_views.add(view.qualified_name)
            return self.comment(f"view {view.qualified_name} not translated: {self.report.items[-1][2]}")
        cols = ""
        if view.columns:
            cols = " (" + ", ".join(self.quote(c) for c in view.columns) + ")"
        return f"CREATE VIEW {self.quote(self.names[view.qualified_name])}{cols} AS\n{sql};"


def generate_with_report(schema: Schema, **options) -> tuple[str, list[str]]:
    """The DDL and the list of what could not be expressed or was approximated."""
    gen = SQLiteGenerator(schema, **options)
    sql = gen.generate()
    last_report[:] = gen.report.warnings
    return sql, list(gen.report.warnings)


def generate(schema: Schema, **options) -> str:
    """SQLite DDL for ``schema``; warnings land in ``last_report``."""
    return generate_with_report(schema, **options)[0]
