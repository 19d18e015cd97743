"""normalization: repeating groups, partial and transitive dependencies found in the data."""

from __future__ import annotations

import re
from collections.abc import Iterator

from aishell.analyze.context import AnalysisContext
from aishell.analyze.findings import Evidence, Finding, Fix
from aishell.analyze.normalization import (
    TableForm,
    candidate_columns,
    find_dependencies,
    level_of,
    lowest,
    repeating_groups,
)
from aishell.analyze.probes.data import LIST_SPLIT, base_type
from aishell.analyze.probes.session import ProbeFailed
from aishell.analyze.registry import Rule
from aishell.analyze.rules._common import q, qname
from aishell.dialects.postgres.quote import qualify, quote_ident, quote_literal

# Free text whose commas are prose, not list separators.
PROSE_NAME = re.compile(
    r"(^|_)(description|desc|notes?|comments?|body|text|message|content|summary|bio|about|address|"
    r"street|remarks?|html|json|xml|sql|query|title|subject|name|label|caption|reason)(_|$)",
    re.IGNORECASE,
)


def _list_table_sql(table, col: str) -> tuple[str, list[str]]:
    """(child table name, SQL creating it with one row per list item) for a single-column key."""
    try:
        import inflection

        item = inflection.singularize(col)
    except ImportError:  # pragma: no cover
        item = col
    if item == col:
        item = f"{col}_item"
    child = f"{table.name}_{col}"
    if len(table.primary_key) != 1 or table.column(table.primary_key[0]) is None:
        return child, []
    pk = table.primary_key[0]
    pk_type = table.column(pk).type
    fk = f"{table.name}_{pk}" if pk == "id" else pk
    rel = qualify(table.schema, child)
    return child, [
        f"CREATE TABLE {rel} ({quote_ident(fk)} {pk_type} NOT NULL REFERENCES {q(table)} ({quote_ident(pk)}) "
        f"ON DELETE CASCADE, {quote_ident(item)} text NOT NULL, PRIMARY KEY ({quote_ident(fk)}, {quote_ident(item)}));",
        f"INSERT INTO {rel} ({quote_ident(fk)}, {quote_ident(item)}) SELECT t.{quote_ident(pk)}, btrim(x) FROM "
        f"{q(table)} t, unnest(regexp_split_to_array(btrim(t.{quote_ident(col)}), {quote_literal(LIST_SPLIT)})) x "
        "WHERE btrim(x) <> '' ON CONFLICT DO NOTHING;",
    ]

VIOLATION_TEXT = {
    "partial": ("partial dependency on part of the primary key", "2NF"),
    "transitive": ("transitive dependency through a non-key column", "3NF"),
    "bcnf": ("a non-key column determines part of a key", "BCNF"),
}


class Normalization(Rule):
    """Repeating groups, partial and transitive dependencies: the normal form each table reaches.

    Anti-patterns: ``phone1, phone2, phone3`` (a repeating group: not 1NF); ``inventory(warehouse_id,
    product_id, warehouse_city)`` where ``warehouse_city`` depends on ``warehouse_id`` alone (partial
    dependency: not 2NF); ``orders(user_id, user_email)`` where ``user_email`` depends on
    ``user_id`` (transitive dependency: not 3NF).

    More: a text column holding delimited lists (``tags = 'red,green,blue'``: not 1NF; found in the
    data: at least ``list_min_share`` of its values are lists of tokens, with varying item counts and
    recurring items, never numbers with thousands separators or free text); a three-column all-key
    table whose rows for each value of one column are the cross product of the other two columns'
    values (``employee_skill_language``: two independent multi-valued facts, not 4NF; over at least
    ``mvd_min_groups`` groups with two or more of each).

    Better: move the repeated or dependent columns to their own table, keyed by their determinant,
    and reference it. The level (1NF…BCNF) comes with the dependencies found in sampled data as its
    evidence; on a schema without data only the structural checks (repeating groups, missing keys)
    run and no level is claimed.
    """

    id = "normalization"
    title = "Normalization"
    severity = "warning"
    categories = ("maintainability",)
    groups = frozenset({"normalization"})

    def check(self, ctx: AnalysisContext) -> Iterator[Finding]:
        forms: list[TableForm] = []
        for table in ctx.tables:
            groups = repeating_groups(table)
            for cols in groups:
                yield self.finding(
                    qname(table),
                    f"{table.name} repeats one attribute in numbered columns: {', '.join(cols)} (not 1NF)",
                    columns=cols,
                    evidence=[Evidence("columns", len(cols), "exact", "columns")],
                    fix=Fix(
                        [],
                        safe=False,
                        notes=[
                            f"move {', '.join(cols)} to a child table "
                            f"({table.name}_{cols[0].rstrip('0123456789_')}s) with one row per value"
                        ],
                    ),
                    impact="queries must search every numbered column; a fourth value needs a schema change",
                    attrs={"violation": "repeating-group", "normal_form": "1NF"},
                )
            form = TableForm(qname(table), None, "structural", repeating_groups=groups)
            if not table.primary_key and not table.unique:
                form.reasons.append("no primary or unique key")
            if ctx.live and table.columns:
                deps = yield from self._dependencies(ctx, table, form)
                form.dependencies = deps
                lists = yield from self._lists(ctx, table)
                form.level = level_of(bool(table.primary_key or table.unique), groups + lists, deps)
                if lists:
                    form.reasons.append("comma-separated lists in " + ", ".join(c[0] for c in lists))
                mvd = yield from self._multivalued(ctx, table)
                if mvd:
                    form.reasons.append(f"independent multi-valued facts ({mvd}): not 4NF")
            forms.append(form)
        level = lowest([f.level for f in forms]) if ctx.live else None
        ctx.normalization_result = {
            "level": level,
            "kind": "estimated" if ctx.live else "structural",
            "note": (
                "lowest level over all tables; dependencies are found in the data, so a level is an upper "
                "bound the data shows, not a proof"
            )
            if ctx.live
            else "no data to look for dependencies: only repeating groups and keys were checked",
            "tables": [f.to_dict() for f in forms],
        }

    def _lists(self, ctx: AnalysisContext, table):
        """Text columns holding delimited lists (not 1NF): findings, and the columns as groups."""
        fk_cols = {c for fk in table.foreign_keys for c in fk.columns}
        cols = [
            c.name
            for c in table.columns
            if base_type(c.type) in ("text", "character varying")
            and c.name not in fk_cols
            and c.name not in table.primary_key
            and not PROSE_NAME.search(c.name)
            and (ctx.stats.column(table.qualified_name, c.name).get("avg_width") or 0) <= 200
        ]
        if not cols or (ctx.rows(table) or 0) < ctx.t("min_rows_for_data_rules"):
            return []
        try:
            shapes, kind, source = ctx.data.list_shapes(table, cols)
        except ProbeFailed as exc:
            ctx.notes.append(f"{self.id}: {qname(table)}: lists not looked for: {exc}")
            return []
        found = []
        for col in cols:
            sh = shapes[col]
            lists, values = sh["lists"], sh["values"]
            if (
                lists < ctx.t("fd_min_support")
                or lists < values * ctx.t("list_min_share")
                or sh["item_counts"] < 2  # always two items: a pair (city, country), not a list
                or sh["max_items"] < 3
                or sh["thousands"] > lists / 2
                or not sh.get("items")
                or sh["distinct_items"] > sh["items"] / 2  # items that recur: a vocabulary (tags, ids)
            ):
                continue
            found.append([col])
            child, sql = _list_table_sql(table, col)
            yield self.finding(
                qname(table),
                f"{table.name}.{col} holds delimited lists in {lists:,} of {values:,} rows "
                f"({sh['distinct_items']:,} distinct items, up to {sh['max_items']} in one row): not 1NF",
                columns=[col],
                evidence=[
                    Evidence("rows_with_lists", lists, kind, "rows", source),
                    Evidence("rows_with_values", values, kind, "rows", source),
                    Evidence("items", sh["items"], kind, "items", f"{source}, items of the lists"),
                    Evidence("distinct_items", sh["distinct_items"], kind, "items", f"{source}, case-insensitive"),
                    Evidence("max_items", sh["max_items"], kind, "items", source),
                ],
                fix=Fix(
                    sql,
                    safe=False,
                    notes=[
                        f"one row per item in {child}: searching, counting and constraining items become plain "
                        f"SQL (and a foreign key to the items' own table, if they have one)",
                        f"switch reads and writes to {child}, then drop {table.name}.{col}",
                    ],
                ),
                impact="finding rows with one item needs LIKE or string splitting; items cannot be "
                "constrained, indexed or joined",
                attrs={"violation": "multi-valued-column", "normal_form": "1NF", "table": child},
            )
        return found

    def _multivalued(self, ctx: AnalysisContext, table):
        """A three-column all-key table whose rows, for each value of one column, are the cross product
        of the other two: two independent facts in one table (not 4NF)."""
        key = set(table.primary_key) or next((set(u.columns) for u in table.unique), set())
        cols = [c.name for c in table.columns]
        if len(cols) != 3 or key != set(cols) or (ctx.rows(table) or 0) < ctx.t("min_rows_for_data_rules"):
            return None
        fk_cols = [c for fk in table.foreign_keys for c in fk.columns if c in cols]
        for x in dict.fromkeys(fk_cols + cols):
            y, z = [c for c in cols if c != x]
            try:
                got = ctx.data.multivalued(table, x, y, z)
            except ProbeFailed as exc:
                ctx.notes.append(f"{self.id}: {qname(table)}: multi-valued facts not looked for: {exc}")
                return None
            if got["groups"] == 0 or got["product_groups"] != got["groups"]:
                continue
            if got["nontrivial"] < ctx.t("mvd_min_groups"):
                continue
            kind = "exact" if ctx.data.source(table)[2] == "exact" else "estimated"
            t = q(table)
            yield self.finding(
                qname(table),
                f"{table.name}: {y} and {z} are independent facts about {x} (every {x}'s rows are the "
                f"cross product of its {y} and {z} values in all {got['groups']:,} groups): not 4NF",
                columns=[x, y, z],
                evidence=[
                    Evidence("groups", got["groups"], kind, "groups", f"GROUP BY {x}"),
                    Evidence("cross_product_groups", got["product_groups"], kind, "groups",
                             f"groups where rows = distinct {y} × distinct {z}"),
                    Evidence("groups_with_several_of_each", got["nontrivial"], kind, "groups",
                             f"cross-product groups with 2+ {y} and 2+ {z}"),
                    Evidence("rows", got["rows"], kind, "rows", f"GROUP BY {x}"),
                ],
                fix=Fix(
                    [
                        f"CREATE TABLE {qualify(table.schema, f'{table.name}_{y}')} AS "
                        f"SELECT DISTINCT {quote_ident(x)}, {quote_ident(y)} FROM {t};",
                        f"CREATE TABLE {qualify(table.schema, f'{table.name}_{z}')} AS "
                        f"SELECT DISTINCT {quote_ident(x)}, {quote_ident(z)} FROM {t};",
                    ],
                    safe=False,
                    notes=[
                        f"two tables, ({x}, {y}) and ({x}, {z}), each with its primary key; every new {y} "
                        f"no longer needs a row per {z}",
                        "then move writes to them and drop the combined table",
                    ],
                ),
                impact=f"adding one {y} means one row per {z}; forgetting one leaves the facts contradicting",
                attrs={"violation": "multivalued-dependency", "normal_form": "4NF", "determinant": x},
            )
            return f"{x} ->> {y} | {z}"
        return None

    def _dependencies(self, ctx: AnalysisContext, table, form: TableForm):
        lhs, rhs = candidate_columns(
            table, lambda c: ctx.stats.column(table.qualified_name, c), int(ctx.t("fd_max_columns"))
        )
        if not lhs or not rhs:
            return []
        columns = list(dict.fromkeys(lhs + rhs))
        try:
            rows, kind = ctx.data.sample(table, columns, int(ctx.t("fd_sample_rows")))
        except ProbeFailed as exc:
            ctx.notes.append(f"{self.id}: {qname(table)} not sampled: {exc}")
            return []
        form.kind = kind
        deps = find_dependencies(
            table, rows, columns, lhs, rhs, min_support=int(ctx.t("fd_min_support")), kind=kind
        )
        for d in deps:
            text, nf = VIOLATION_TEXT[d.violation]
            exc = f", {d.exceptions} rows disagree" if d.exceptions else ""
            yield self.finding(
                qname(table),
                f"{table.name}: {', '.join(d.lhs)} → {d.rhs} ({text}; not {nf}){exc}",
                severity="optimization" if d.violation == "bcnf" else "warning",
                columns=[*d.lhs, d.rhs],
                evidence=[
                    Evidence(
                        "repeated_values",
                        d.support,
                        d.kind,
                        "values",
                        f"values of {d.lhs[0]} seen at least twice in the rows read",
                    ),
                    Evidence(
                        "rows_read",
                        d.sample_rows,
                        d.kind,
                        "rows",
                        "all rows" if d.kind == "exact" else "TABLESAMPLE SYSTEM page sample",
                    ),
                    Evidence(
                        "exceptions",
                        d.exceptions,
                        d.kind,
                        "rows",
                        "rows whose value differs from the majority for their determinant",
                    ),
                ],
                fix=Fix(
                    [],
                    safe=False,
                    notes=[f"move {d.rhs} to a table keyed by {', '.join(d.lhs)} and reference it"],
                ),
                impact=f"{d.rhs} is stored once per row instead of once per {', '.join(d.lhs)}; copies can disagree",
                attrs={"violation": d.violation, "normal_form": nf, "dependency": d.to_dict()},
            )
        return deps
