"""Structural design checks from pg-index-health and schema linters: no-comment, quoted-identifier,
name-overflow, isolated-table, table-inheritance, unlogged-table, all-nullable-columns,
tiny-table-columns, pk-not-first, inconsistent-column-type."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator

from aishell.analyze.context import AnalysisContext
from aishell.analyze.findings import Evidence, Finding, Fix
from aishell.analyze.probes.data import base_type
from aishell.analyze.registry import Rule
from aishell.analyze.rules._common import q, qname
from aishell.dialects.postgres.quote import quote_ident


class NoComment(Rule):
    """Tables and columns without a comment.

    Anti-pattern: a column called ``flag2`` with no COMMENT: the schema cannot explain itself, and
    generated documentation is empty. (pg-index-health: tables/columns/functions without description.)

    Better: ``COMMENT ON TABLE``/``COMMENT ON COLUMN``. One finding per table. Runs with ``--deep`` or
    ``--rule no-comment``.
    """

    id = "no-comment"
    title = "Missing Comments"
    severity = "optimization"
    categories = ("maintainability",)
    default = False

    def check(self, ctx: AnalysisContext) -> Iterator[Finding]:
        for table in ctx.tables:
            cols = [c.name for c in table.columns if not c.comment]
            if table.comment and not cols:
                continue
            sql = []
            if not table.comment:
                sql.append(f"COMMENT ON TABLE {q(table)} IS '...';")
            sql += [f"COMMENT ON COLUMN {q(table)}.{quote_ident(c)} IS '...';" for c in cols[:5]]
            what = (
                "table and " if not table.comment else ""
            ) + f"{len(cols)} of {len(table.columns)} columns"
            yield self.finding(
                qname(table),
                f"{qname(table)}: {what} have no comment",
                columns=cols,
                evidence=[Evidence("columns_without_comment", len(cols), "exact", "columns")],
                fix=Fix(sql, safe=True),
                impact="the schema does not document itself",
                attrs={"table_comment": bool(table.comment)},
            )
        keep = ctx.options.schemas
        funcs = [
            f
            for f in ctx.schema.functions
            if not f.comment and (keep is None or f.schema in keep) and not f.attrs.get("extension")
        ]
        if funcs:
            yield self.finding(
                None,
                f"{len(funcs)} function(s) have no comment: "
                + ", ".join(f.signature for f in funcs[:10])
                + (" ..." if len(funcs) > 10 else ""),
                evidence=[Evidence("functions_without_comment", len(funcs), "exact", "functions")],
                fix=Fix(
                    [
                        f"COMMENT ON {'PROCEDURE' if fn.kind == 'procedure' else 'FUNCTION'} "
                        f"{quote_ident(fn.schema)}.{quote_ident(fn.name)}({fn.identity_args}) IS '...';"
                        for fn in funcs[:5]
                    ],
                    safe=True,
                ),
                impact="the schema does not document itself",
                object="functions",
                attrs={"functions": [f.signature for f in funcs]},
            )


class FixedLengthVarchar(Rule):
    """``varchar(n)`` columns: a length limit that only a table-level ALTER can change.

    Anti-pattern: ``varchar(255)`` everywhere "because MySQL": PostgreSQL stores text and varchar the
    same way, the limit is usually arbitrary, and raising it later is a DDL change (pg-index-health:
    columns with fixed-length varchar). Runs with ``--deep``.

    Better: ``text``, with a CHECK (length(col) <= n) where a limit is a real rule.
    """

    id = "fixed-length-varchar"
    title = "Arbitrary varchar(n) Limits"
    severity = "optimization"
    categories = ("maintainability",)
    default = False

    def check(self, ctx: AnalysisContext) -> Iterator[Finding]:
        for table in ctx.tables:
            cols = [
                c for c in table.columns if re.match(r"(character varying|varchar)\(\d+\)", c.type.lower())
            ]
            if cols:
                yield self.finding(
                    qname(table),
                    f"{qname(table)}: {len(cols)} varchar(n) column(s): "
                    + ", ".join(f"{c.name} {c.type}" for c in cols),
                    columns=[c.name for c in cols],
                    fix=Fix(
                        [
                            f"ALTER TABLE {q(table)} ALTER COLUMN {quote_ident(c.name)} TYPE text;"
                            for c in cols
                        ],
                        safe=True,
                        notes=[
                            "varchar(n) to text needs no table rewrite",
                            "keep a CHECK on length() where the limit is a business rule",
                        ],
                    ),
                    impact="arbitrary limits; changing them is a DDL migration",
                )


class EmptyTable(Rule):
    """Tables with no rows at all (pg-index-health: tables with no data).

    Anti-pattern: a table nothing writes to is a leftover or an unfinished feature, and still costs a
    place in every migration and backup. Runs with ``--deep``.

    Better: drop it, or document why it is empty.
    """

    id = "empty-table"
    title = "Empty Tables"
    severity = "optimization"
    categories = ("maintainability",)
    needs = frozenset({"live", "stats"})
    default = False

    def check(self, ctx: AnalysisContext) -> Iterator[Finding]:
        from aishell.analyze.rules._common import require_live

        require_live(ctx)
        for table in ctx.tables:
            st = ctx.stats.table(table.qualified_name)
            if not st or table.partition_by:
                continue
            live = st.get("n_live_tup")
            if (st.get("reltuples") or 0) <= 0 and live == 0 and not st.get("n_tup_ins"):
                yield self.finding(
                    qname(table),
                    f"{qname(table)} has no rows",
                    evidence=[
                        Evidence("live_rows", 0, "exact", "rows", "pg_stat_user_tables.n_live_tup"),
                        Evidence(
                            "rows_inserted",
                            int(st.get("n_tup_ins") or 0),
                            "exact",
                            "rows",
                            "pg_stat_user_tables.n_tup_ins since stats reset",
                        ),
                    ],
                    fix=Fix([], safe=True, notes=["drop it if unused, or say why it is empty in a COMMENT"]),
                    impact="a table nobody writes to",
                )


class QuotedIdentifier(Rule):
    """Names that must be double-quoted: upper case, spaces, reserved words.

    Anti-pattern: ``"UserName"`` or ``"order"``: every query must quote them exactly, and tools that
    fold case break. (pg-index-health: objects with upper-case names.)

    Better: lower-case snake_case names that are not keywords.
    """

    id = "quoted-identifier"
    title = "Names That Need Quoting"
    severity = "optimization"
    categories = ("maintainability",)

    def check(self, ctx: AnalysisContext) -> Iterator[Finding]:
        for table in ctx.tables:
            bad = [n for n in [table.name] + [c.name for c in table.columns] if quote_ident(n) != n]
            if bad:
                yield self.finding(
                    qname(table),
                    f"{qname(table)}: names that need quoting: " + ", ".join(quote_ident(n) for n in bad),
                    columns=[n for n in bad if n != table.name],
                    fix=Fix([], safe=False, notes=["renaming breaks queries that use the old name"]),
                    impact="every query must quote these names exactly",
                )


class NameOverflow(Rule):
    """Names at PostgreSQL's 63-byte limit, probably truncated.

    Anti-pattern: a generated constraint or index name longer than 63 bytes is silently cut, so two
    long names can collide and migrations that refer to the full name fail.

    Better: shorter explicit names.
    """

    id = "name-overflow"
    title = "Names at the 63-Byte Limit"
    severity = "warning"
    categories = ("maintainability",)

    def check(self, ctx: AnalysisContext) -> Iterator[Finding]:
        for table in ctx.tables:
            names = [("table", table.name)] + [("column", c.name) for c in table.columns]
            names += [("index", ix.name) for ix in table.indexes]
            names += [("constraint", fk.name) for fk in table.foreign_keys if fk.name]
            names += [("constraint", ck.name) for ck in table.checks if ck.name]
            for kind, name in names:
                if len(name.encode()) >= 63:
                    yield self.finding(
                        qname(table),
                        f"{kind} name {name!r} is {len(name.encode())} bytes: at the limit, likely truncated",
                        object=name,
                        fix=Fix([], safe=True, notes=["rename it to something shorter"]),
                        impact="names longer than 63 bytes are truncated and may collide",
                    )


class IsolatedTable(Rule):
    """Tables with no foreign key in or out.

    Anti-pattern: a table nothing references and that references nothing is often a forgotten
    relationship (an ``order_id`` without its FK) or a leftover. (pg-index-health: tables not linked
    to others.) Runs with ``--deep``.

    Better: declare the missing foreign keys, or drop the table if unused.
    """

    id = "isolated-table"
    title = "Isolated Tables"
    severity = "optimization"
    categories = ("maintainability",)
    default = False

    def check(self, ctx: AnalysisContext) -> Iterator[Finding]:
        if len(ctx.tables) < 2:
            return
        linked = set()
        for t in ctx.schema.tables:
            for fk in t.foreign_keys:
                linked.add(t.qualified_name)
                linked.add(f"{fk.ref_schema}.{fk.ref_table}")
        for table in ctx.tables:
            if table.qualified_name not in linked:
                yield self.finding(
                    qname(table),
                    f"{qname(table)} has no foreign key to or from another table",
                    fix=Fix([], safe=True, notes=["declare the relationships its *_id columns imply"]),
                    impact="referential integrity is not enforced for it",
                )


class TableInheritance(Rule):
    """Tables using traditional inheritance (INHERITS).

    Anti-pattern: inheritance children do not inherit primary keys, unique constraints or foreign
    keys, and queries on the parent scan every child. (pg-index-health: tables with inheritance.)

    Better: declarative partitioning (``PARTITION BY``), or separate tables.
    """

    id = "table-inheritance"
    title = "Table Inheritance"
    severity = "warning"
    categories = ("maintainability", "scalability")

    def check(self, ctx: AnalysisContext) -> Iterator[Finding]:
        for table in ctx.tables:
            if table.inherits:
                yield self.finding(
                    qname(table),
                    f"{qname(table)} INHERITS {', '.join(table.inherits)}",
                    fix=Fix([], safe=False, notes=["move to declarative partitioning"]),
                    impact="keys and foreign keys are not inherited",
                )


class UnloggedTable(Rule):
    """UNLOGGED tables (and sequences): emptied after a crash, never replicated.

    Anti-pattern: an UNLOGGED table holding data someone expects to keep.

    Better: ``ALTER TABLE ... SET LOGGED`` unless the data really is disposable.
    """

    id = "unlogged-table"
    title = "Unlogged Tables"
    severity = "warning"
    categories = ("maintainability",)

    def check(self, ctx: AnalysisContext) -> Iterator[Finding]:
        for table in ctx.tables:
            if table.unlogged:
                yield self.finding(
                    qname(table),
                    f"{qname(table)} is UNLOGGED: truncated after a crash, not replicated",
                    fix=Fix(
                        [f"ALTER TABLE {q(table)} SET LOGGED;"],
                        safe=False,
                        notes=["SET LOGGED rewrites the table and writes it all to WAL"],
                    ),
                    impact="its rows are lost on a crash and absent on replicas",
                )
        for seq in ctx.schema.sequences:
            if seq.attrs.get("unlogged") and (
                ctx.options.schemas is None or seq.schema in ctx.options.schemas
            ):
                yield self.finding(
                    None,
                    f"sequence {seq.schema}.{seq.name} is UNLOGGED",
                    object=f"{seq.schema}.{seq.name}",
                    fix=Fix(
                        [f"ALTER SEQUENCE {quote_ident(seq.schema)}.{quote_ident(seq.name)} SET LOGGED;"]
                    ),
                    impact="reset after a crash: values may repeat",
                )


class AllNullableColumns(Rule):
    """Tables where every column except the primary key is nullable.

    Anti-pattern: nothing is required, so a row can be all NULLs; usually NOT NULL was forgotten.
    (pg-index-health: tables where all columns are nullable except the primary key.)

    Better: NOT NULL on what every row must have.
    """

    id = "all-nullable-columns"
    title = "All Columns Nullable"
    severity = "optimization"
    categories = ("maintainability",)

    def check(self, ctx: AnalysisContext) -> Iterator[Finding]:
        for table in ctx.tables:
            rest = [c for c in table.columns if c.name not in table.primary_key]
            if len(rest) >= 2 and all(c.nullable for c in rest):
                yield self.finding(
                    qname(table),
                    f"{qname(table)}: all {len(rest)} non-key columns are nullable",
                    columns=[c.name for c in rest],
                    fix=Fix(
                        [],
                        safe=True,
                        notes=[
                            "add NOT NULL (CHECK ... NOT VALID, VALIDATE, "
                            "SET NOT NULL) to the columns every row needs"
                        ],
                    ),
                    impact="incomplete rows are accepted silently",
                )


class TinyTableColumns(Rule):
    """Tables with zero or one column.

    Anti-pattern: a one-column table is usually a lookup list better expressed as an ENUM or CHECK,
    or an unfinished design. (pg-index-health: tables with zero or one column.)

    Better: a CHECK constraint or enum, or the missing columns.
    """

    id = "tiny-table-columns"
    title = "Tables With One Column"
    severity = "optimization"
    categories = ("maintainability",)

    def check(self, ctx: AnalysisContext) -> Iterator[Finding]:
        for table in ctx.tables:
            if len(table.columns) <= 1 and not table.partition_by:
                yield self.finding(
                    qname(table),
                    f"{qname(table)} has {len(table.columns)} column(s)",
                    columns=[c.name for c in table.columns],
                    fix=Fix([], safe=True, notes=["an enum or CHECK list may serve better"]),
                    impact="a table where a type or constraint would do",
                )


class PkNotFirst(Rule):
    """Primary-key columns that are not the first columns of the table.

    Anti-pattern: the key hidden in the middle of a wide table; readers and tools expect it first.
    (pg-index-health: tables where primary key columns are not first.) Runs with ``--deep``.

    Better: put the key columns first when (re)creating the table.
    """

    id = "pk-not-first"
    title = "Primary Key Not First"
    severity = "optimization"
    categories = ("maintainability",)
    default = False

    def check(self, ctx: AnalysisContext) -> Iterator[Finding]:
        for table in ctx.tables:
            n = len(table.primary_key)
            if (
                n
                and [c.name for c in table.columns[:n]] != list(table.primary_key)
                and set(c.name for c in table.columns[:n]) != set(table.primary_key)
            ):
                yield self.finding(
                    qname(table),
                    f"{qname(table)}: primary key ({', '.join(table.primary_key)}) "
                    "is not the first column(s)",
                    columns=list(table.primary_key),
                    fix=Fix([], safe=True, notes=["column order changes only by re-creating the table"]),
                    impact="readability only",
                )


class InconsistentColumnType(Rule):
    """Columns with the same name but different types in different tables.

    Anti-pattern: ``customer_id integer`` here and ``customer_id bigint`` there: joins compare
    across types and one side overflows first. (pg-index-health: columns with inconsistent types.)

    Better: one type per meaning.
    """

    id = "inconsistent-column-type"
    title = "Inconsistent Column Types"
    severity = "warning"
    categories = ("maintainability",)

    def check(self, ctx: AnalysisContext) -> Iterator[Finding]:
        by_name: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for table in ctx.tables:
            for c in table.columns:
                if re.search(r"_id$", c.name):
                    by_name[c.name][base_type(c.type)].append(table.qualified_name)
        for name, types in sorted(by_name.items()):
            if len(types) < 2:
                continue
            if {"text", "character varying"} >= set(types):
                continue
            desc = "; ".join(f"{t}: {', '.join(sorted(tabs))}" for t, tabs in sorted(types.items()))
            all_tables = sorted({t for tabs in types.values() for t in tabs})
            yield self.finding(
                all_tables[0],
                f"column {name} has {len(types)} types: {desc}",
                columns=[name],
                fix=Fix([], safe=False, notes=["align the types (usually to bigint)"]),
                impact="cross-type joins; the narrower columns overflow first",
                attrs={"types": {t: sorted(tabs) for t, tabs in types.items()}},
            )
