"""A generator skeleton for SQL targets other than PostgreSQL, in the sqlglot manner.

``SqlGenerator.generate()`` walks the model in creation order and dispatches by node kind to
``table_sql``, ``column_sql``, ``foreign_key_sql``, ``check_sql``, ``index_sql``, ``view_sql``... A
dialect subclass overrides the type map (``type_sql``), quoting, defaults and the few methods where its
syntax differs, and records in ``self.report`` whatever it cannot express instead of guessing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from aishell.dialects.portable import (
    Report,
    ResolvedType,
    Untranslatable,
    default_function,
    flat_names,
    fold_partitions,
    not_translated_objects,
    order_views,
    parse_literal_default,
    resolve_type,
    translate_expr,
    unique_name,
)
from aishell.model.graph import creation_order
from aishell.model.schema import Column, ForeignKey, Index, Schema, Table, View


@dataclass
class ColumnPlan:
    """How one column comes out in the target: its type text and the notes about it."""

    column: Column
    rt: ResolvedType
    type_sql: str
    auto_increment: bool = False
    default_sql: str | None = None
    comments: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)  # column-derived CHECK expressions (target SQL)


class SqlGenerator:
    dialect = "generic"
    display_name = "SQL"
    name_limit = 64

    # Option names this generator reads; anything else is a caller's typo and refused.
    OPTIONS: frozenset[str] = frozenset({"views"})

    def __init__(self, schema: Schema, **options):
        check_options(type(self).__name__, options, self.OPTIONS)
        self.options = options
        self.report = Report(self.dialect)
        self.original = schema
        self.schema, self.skipped_tables = fold_partitions(schema, self.report)
        schema = self.schema
        self.names = flat_names(schema)
        self.constraint_names: set[str] = set()
        self.order, deferred = creation_order(schema)
        for t in self.order:
            if not t.columns:
                self.skipped_tables[t.qualified_name] = "table without columns"
                self.report.not_expressible(
                    t.qualified_name, "a table without columns cannot be created here"
                )
        self.order = [t for t in self.order if t.qualified_name not in self.skipped_tables]
        self.deferred = deferred
        self.plans: dict[str, dict[str, ColumnPlan]] = {}
        self.failed_views: set[str] = set()

    # -- entry point -------------------------------------------------------------------------------
    def generate(self) -> str:
        self.not_translated = not_translated_objects(
            self.original, self.report, views_too=not self.options.get("views", True)
        )
        others = sorted({t.schema for t in self.schema.tables} | {v.schema for v in self.schema.views})
        if others != ["public"] and others:
            renamed = [f"{qn} -> {n}" for qn, n in self.names.items() if qn.split(".", 1)[1] != n]
            self.report.note(
                "schemas",
                f"{self.display_name} has no PostgreSQL schemas: objects of "
                f"{', '.join(others)} are created side by side"
                + (f" (renamed to stay apart: {', '.join(renamed)})" if renamed else ""),
            )
        for t in self.order:
            self.plans[t.qualified_name] = self.plan_columns(t)
        self.adjust_plans()
        body: list[str] = []
        body.extend(self.preamble())
        for t in self.order:
            body.append(self.table_sql(t))
        body.extend(self.after_tables())
        for t in self.order:
            for idx in t.indexes:
                s = self.index_sql(t, idx)
                if s:
                    body.append(s)
        if self.options.get("views", True):
            for v in order_views([v for v in self.schema.views if not v.materialized], self.names):
                s = self.view_sql(v)
                if s:
                    body.append(s)
        text = "\n\n".join(b.rstrip() for b in body if b.strip())
        return self.header() + "\n\n" + text + "\n"

    # -- hooks a dialect overrides -------------------------------------------------------------------
    def quote(self, name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    def literal(self, value: str) -> str:
        return "'" + value.replace("'", "''") + "'"

    def type_sql(self, table: Table, column: Column, rt: ResolvedType, plan: ColumnPlan) -> str:
        raise NotImplementedError

    def preamble(self) -> list[str]:
        return []

    def after_tables(self) -> list[str]:
        return []

    def table_sql(self, table: Table) -> str:
        raise NotImplementedError

    def adjust_plans(self) -> None:
        """A second pass over all column plans (e.g. make FK column types match)."""

    # -- shared machinery ----------------------------------------------------------------------------
    def header(self) -> str:
        name = self.schema.name or "schema"
        lines = [f"-- {self.display_name} DDL generated by aishell from {name}"]
        nt = [obj for obj, _ in self.report.of_kind("not translated")]
        if nt:
            lines.append("-- not translated: " + ", ".join(self._one_line(n) for n in nt))
        other = [(k, o, m) for k, o, m in self.report.items if k != "not translated"]
        if other:
            lines.append(f"-- {len(other)} item(s) not expressible or approximated:")
            for kind, obj, msg in other:
                lines.append(f"--   {kind}: {self._one_line(obj)}: {self._one_line(msg)}")
        return "\n".join(lines)

    @staticmethod
    def _one_line(text: str) -> str:
        return re.sub(r"\s+", " ", text).strip()

    def comment(self, text: str) -> str:
        """An SQL line comment (one line; never ends a statement early)."""
        return "-- " + self._one_line(text)

    def commented_out(self, reason: str, sql: str) -> str:
        lines = [self.comment(reason)]
        lines += ["-- " + ln for ln in sql.splitlines()]
        return "\n".join(lines)

    def rel(self, schema: str | None, name: str) -> str | None:
        """A relation's name in the target, or None when it is not created there."""
        if schema is None:
            cands = [qn for qn in self.names if qn.split(".", 1)[1] == name]
            if not cands:
                return None
            qn = next((c for c in cands if c.startswith("public.")), cands[0])
        else:
            qn = f"{schema}.{name}"
        if qn not in self.names or qn in self.skipped_tables:
            return None
        if qn in self.failed_views:
            return None
        return self.names[qn]

    def table_name(self, table: Table) -> str:
        return self.names[table.qualified_name]

    def resolve(self, column: Column, table: Table) -> ResolvedType:
        return resolve_type(self.schema, column.type, table.schema)

    def plan_columns(self, table: Table) -> dict[str, ColumnPlan]:
        plans: dict[str, ColumnPlan] = {}
        for col in table.columns:
            rt = self.resolve(col, table)
            plan = ColumnPlan(col, rt, "")
            plan.type_sql = self.type_sql(table, col, rt, plan)
            plans[col.name] = plan
        return plans

    def expr(
        self,
        text: str,
        *,
        what: str,
        obj: str,
        value_column: str | None = None,
        check: bool = False,
        statement: bool = False,
    ) -> str | None:
        """Translate an expression or report why not (returns None then)."""
        try:
            return translate_expr(
                text,
                self.dialect,
                value_column=value_column,
                table_name=self.rel,
                check=check,
                statement=statement,
            )
        except Untranslatable as exc:
            shown = "" if statement else " " + self._one_line(text)[:120]
            self.report.not_expressible(obj, f"{what}{shown}: {exc}")
            return None

    def fk_target(self, table: Table, fk: ForeignKey) -> str | None:
        target = self.rel(fk.ref_schema, fk.ref_table)
        if target is None:
            self.report.not_expressible(
                f"{table.qualified_name}.{fk.name or ','.join(fk.columns)}",
                f"foreign key to {fk.ref_schema}.{fk.ref_table}, which is not created here",
            )
        return target

    def constraint_name(self, name: str | None, fallback: str) -> str:
        base = name or fallback
        got = unique_name(base, self.constraint_names, self.name_limit)
        if name and got != name:
            self.report.approximated(name, f"constraint renamed to {got} (names must be unique here)")
        return got

    def check_exprs(self, table: Table) -> list[tuple[str | None, str]]:
        """(name, target SQL) for the table's CHECK constraints and its columns' domain CHECKs."""
        out: list[tuple[str | None, str]] = []
        for chk in table.checks:
            text = chk.expression or _strip_check(chk.definition or "")
            obj = f"{table.qualified_name}.{chk.name or 'check'}"
            sql = self.expr(text, what="CHECK", obj=obj, check=True)
            if sql is not None and self.check_allowed(table, chk.name, text, obj):
                out.append((chk.name, sql))
        for col in table.columns:
            plan = self.plans[table.qualified_name][col.name]
            for name, text in plan.rt.domain_checks:
                obj = f"{table.qualified_name}.{col.name}"
                sql = self.expr(
                    text,
                    what=f"domain CHECK {name or ''}".rstrip(),
                    obj=obj,
                    value_column=col.name,
                    check=True,
                )
                if sql is not None and self.check_allowed(table, None, text.replace("VALUE", col.name), obj):
                    out.append((None, sql))
            for sql in plan.checks:
                out.append((None, sql))
        return out

    def check_allowed(self, table: Table, name: str | None, text: str, obj: str) -> bool:
        return True

    def default_literal(self, plan: ColumnPlan, table: Table) -> tuple[str, str] | None:
        """A default that is a plain literal: (literal text as PostgreSQL wrote it, base type)."""
        default = plan.column.default if plan.column.default is not None else plan.rt.domain_default
        if default is None:
            return None
        lit = parse_literal_default(default)
        if lit is None:
            return None
        return lit[0], plan.rt.type.base

    def default_kind(self, plan: ColumnPlan) -> tuple[str, str | None]:
        """('none'|'literal'|'function'|'expression', detail) for a column's default."""
        default = plan.column.default if plan.column.default is not None else plan.rt.domain_default
        if default is None:
            return "none", None
        lit = parse_literal_default(default)
        if lit is not None:
            return "literal", lit[0]
        fn = default_function(default)
        if fn is not None:
            return "function", fn
        return "expression", default

    def index_columns_display(self, idx: Index) -> str:
        return ", ".join(idx.columns)

    def pg_index_text(self, table: Table, idx: Index) -> str:
        if idx.definition:
            return idx.definition
        cols = ", ".join(idx.columns)
        where = f" WHERE {idx.where}" if idx.where else ""
        using = f" USING {idx.method}" if idx.method and idx.method != "btree" else ""
        uq = "UNIQUE " if idx.unique else ""
        return f"CREATE {uq}INDEX {idx.name} ON {table.qualified_name}{using} ({cols}){where}"

    def view_sql(self, view: View) -> str | None:
        raise NotImplementedError


def check_options(who: str, options: dict, allowed: frozenset[str]) -> None:
    from aishell.errors import UserError

    unknown = sorted(set(options) - allowed)
    if unknown:
        raise UserError(f"{who}: unknown option {unknown[0]!r} (choose from {', '.join(sorted(allowed))})")


def _strip_check(definition: str) -> str:
    d = definition.strip()
    d = re.sub(r"\s+NOT VALID\s*$", "", d, flags=re.IGNORECASE)
    d = re.sub(r"\s+NO INHERIT\s*$", "", d, flags=re.IGNORECASE)
    m = re.match(r"^CHECK\s*(\(.*\))\s*$", d, re.DOTALL | re.IGNORECASE)
    return m.group(1) if m else d
