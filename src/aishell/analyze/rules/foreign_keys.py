"""fk-type-mismatch, nullable-fk, duplicate-fk, intersected-fk, self-referencing-fk, not-valid-constraint,
missing-foreign-key."""

from __future__ import annotations

import re
from collections.abc import Iterator

from aishell.analyze.context import AnalysisContext
from aishell.analyze.findings import Finding, Fix, exact
from aishell.analyze.probes.data import base_type
from aishell.analyze.probes.session import ProbeFailed
from aishell.analyze.registry import Rule
from aishell.analyze.rules._common import (
    create_index_sql,
    has_leading_index,
    object_name,
    q,
    qname,
    set_not_null_sql,
)
from aishell.dialects.postgres.quote import quote_ident


class FkTypeMismatch(Rule):
    """Foreign-key columns whose type differs from the key they reference.

    Anti-pattern: ``reviews.product_id integer REFERENCES products(id)`` where ``products.id`` is
    ``bigint``: joins compare across types (casts can defeat indexes), and the referencing column
    overflows long before the key does.

    Better: give the FK column exactly the referenced column's type.
    """

    id = "fk-type-mismatch"
    title = "Foreign Key Type Mismatch"
    severity = "warning"
    categories = ("maintainability", "scalability")
    groups = frozenset({"indexes"})

    def check(self, ctx: AnalysisContext) -> Iterator[Finding]:
        for table in ctx.tables:
            for fk in table.foreign_keys:
                ref = ctx.ref_table(fk)
                if ref is None:
                    continue
                for c, rc in zip(fk.columns, fk.ref_columns):
                    col, rcol = table.column(c), ref.column(rc)
                    if col is None or rcol is None:
                        continue
                    a, b = _norm_type(col.type), _norm_type(rcol.type)
                    if a == b:
                        continue
                    yield self.finding(
                        qname(table),
                        f"{table.name}.{c} is {col.type} but references {ref.qualified_name}.{rc} "
                        f"({rcol.type})",
                        columns=[c],
                        object=fk.name,
                        fix=Fix(
                            [f"ALTER TABLE {q(table)} ALTER COLUMN {quote_ident(c)} TYPE {rcol.type};"],
                            safe=False,
                            notes=[
                                "changing a column type rewrites the table under an "
                                "ACCESS EXCLUSIVE lock (except varchar widening); schedule it"
                            ],
                        ),
                        impact="cross-type comparisons in joins; the narrower column overflows first",
                        attrs={"type": col.type, "referenced_type": rcol.type},
                    )


def _norm_type(t: str) -> str:
    bt = base_type(t)
    if bt in ("character varying", "text"):
        return "text-like"
    return bt


class NullableFk(Rule):
    """Nullable foreign-key columns: multi-column keys without MATCH FULL, and single columns that are
    never NULL in the data.

    Anti-pattern: ``FOREIGN KEY (a, b)`` with ``b`` nullable under the default MATCH SIMPLE: a row with
    ``b`` NULL escapes the check entirely, whatever ``a`` says. A nullable single FK column that holds
    no NULLs is a NOT NULL constraint waiting to be declared.

    Better: NOT NULL on the FK columns, or MATCH FULL for a multi-column key that may be all-NULL.
    """

    id = "nullable-fk"
    title = "Nullable Foreign Keys"
    severity = "warning"
    categories = ("maintainability",)

    def check(self, ctx: AnalysisContext) -> Iterator[Finding]:
        for table in ctx.tables:
            for fk in table.foreign_keys:
                nullable = [c for c in fk.columns if table.column(c) is not None and table.column(c).nullable]
                if not nullable:
                    continue
                if len(fk.columns) > 1 and fk.match != "FULL":
                    yield self.finding(
                        qname(table),
                        f"foreign key {fk.name} ({', '.join(fk.columns)}) is MATCH SIMPLE with "
                        f"nullable {', '.join(nullable)}: a NULL in any column skips the check",
                        columns=list(fk.columns),
                        object=fk.name,
                        fix=Fix(
                            [s for c in nullable for s in set_not_null_sql(table, c)],
                            safe=True,
                            notes=["or re-create the key with MATCH FULL if all-NULL rows are legitimate"],
                        ),
                        impact="rows can reference nothing without an error",
                    )
                elif len(fk.columns) == 1 and ctx.live:
                    try:
                        prof = ctx.data.profile(table)
                    except ProbeFailed as exc:
                        ctx.notes.append(f"{self.id}: {qname(table)}: {exc}")
                        continue
                    c = fk.columns[0]
                    if prof.rows >= ctx.t("min_rows_for_data_rules") and prof.nulls.get(c) == 0:
                        yield self.finding(
                            qname(table),
                            f"{table.name}.{c} is nullable but none of its {prof.rows:,} rows is NULL",
                            severity="optimization",
                            columns=[c],
                            object=fk.name,
                            evidence=[
                                exact("null_rows", 0, "rows", prof.source)
                                if prof.kind == "exact"
                                else _est("null_rows", 0, prof.source),
                                _ev("rows", prof.rows, prof.kind, prof.source),
                            ],
                            fix=Fix(
                                set_not_null_sql(table, c),
                                safe=True,
                                notes=[
                                    "the CHECK ... NOT VALID + VALIDATE step lets SET NOT NULL skip its scan"
                                ],
                            ),
                            impact="the relationship is mandatory in practice but not enforced",
                        )


def _ev(name, value, kind, source):
    from aishell.analyze.findings import Evidence

    return Evidence(name, value, kind, "rows", source)


def _est(name, value, source):
    from aishell.analyze.findings import estimated

    return estimated(name, value, "rows", source)


class DuplicateFk(Rule):
    """Foreign keys declared twice (same columns, same referenced key), or whose columns overlap another
    FK's to the same table.

    Anti-pattern: two identical constraints double the checking work on every write and every
    delete of a referenced row. (pg-index-health: duplicated and intersected foreign keys.)

    Better: drop the extra constraint.
    """

    id = "duplicate-fk"
    title = "Duplicate Foreign Keys"
    severity = "warning"
    categories = ("maintainability", "performance")

    def check(self, ctx: AnalysisContext) -> Iterator[Finding]:
        for table in ctx.tables:
            seen: dict[tuple, str] = {}
            fks = sorted(table.foreign_keys, key=lambda f: f.name or "")
            for fk in fks:
                key = (tuple(fk.columns), fk.ref_schema, fk.ref_table, tuple(fk.ref_columns))
                if key in seen:
                    yield self.finding(
                        qname(table),
                        f"foreign key {fk.name} duplicates {seen[key]}",
                        columns=list(fk.columns),
                        object=fk.name,
                        fix=Fix(
                            [f"ALTER TABLE {q(table)} DROP CONSTRAINT {quote_ident(fk.name or '')};"],
                            safe=True,
                        ),
                        impact="every write and every delete of a referenced row is checked twice",
                        attrs={"duplicate_of": seen[key], "kind": "duplicate"},
                    )
                    continue
                seen[key] = fk.name or ""
            for i, a in enumerate(fks):
                for b in fks[i + 1 :]:
                    same_ref = (a.ref_schema, a.ref_table) == (b.ref_schema, b.ref_table)
                    if not same_ref or a.columns == b.columns:
                        continue
                    if set(a.columns) < set(b.columns) or set(b.columns) < set(a.columns):
                        yield self.finding(
                            qname(table),
                            f"foreign keys {a.name} ({', '.join(a.columns)}) and {b.name} "
                            f"({', '.join(b.columns)}) overlap on the same referenced table",
                            columns=sorted(set(a.columns) | set(b.columns)),
                            object=b.name,
                            fix=Fix(
                                [],
                                safe=True,
                                notes=["keep the key that matches the relationship; drop the other"],
                            ),
                            impact="redundant checking",
                            attrs={"kind": "intersected"},
                        )


class SelfReferencingFk(Rule):
    """Self-referencing foreign keys without an ON DELETE action.

    Anti-pattern: ``employees.manager_id REFERENCES employees`` with NO ACTION: deleting a manager
    fails while anyone reports to them, and bulk deletes must be ordered by hand.

    Better: decide the rule (ON DELETE SET NULL or CASCADE) and declare it, and index the column.
    """

    id = "self-referencing-fk"
    title = "Self-Referencing Foreign Keys"
    severity = "optimization"
    categories = ("maintainability",)

    def check(self, ctx: AnalysisContext) -> Iterator[Finding]:
        for table in ctx.tables:
            for fk in table.foreign_keys:
                if (fk.ref_schema, fk.ref_table) != (table.schema, table.name):
                    continue
                if fk.on_delete not in ("NO ACTION", "RESTRICT"):
                    continue
                yield self.finding(
                    qname(table),
                    f"self-referencing foreign key {fk.name} ({', '.join(fk.columns)}) has "
                    f"ON DELETE {fk.on_delete}",
                    columns=list(fk.columns),
                    object=fk.name,
                    fix=Fix(
                        [],
                        safe=True,
                        notes=[
                            "re-create it with ON DELETE SET NULL (or CASCADE) if that is "
                            "the intended behaviour: add the new one NOT VALID, VALIDATE, "
                            "then drop the old"
                        ],
                    ),
                    impact="deleting a parent row fails while children exist",
                )


class NotValidConstraint(Rule):
    """Constraints left NOT VALID: existing rows were never checked.

    Anti-pattern: ``ADD CONSTRAINT ... NOT VALID`` without the follow-up VALIDATE leaves old rows
    unchecked and keeps the planner from trusting the constraint.

    Better: ``ALTER TABLE ... VALIDATE CONSTRAINT`` (takes only a SHARE UPDATE EXCLUSIVE lock).
    """

    id = "not-valid-constraint"
    title = "Unvalidated Constraints"
    severity = "warning"
    categories = ("maintainability",)

    def check(self, ctx: AnalysisContext) -> Iterator[Finding]:
        for table in ctx.tables:
            items = [(fk.name, fk.columns, "foreign key") for fk in table.foreign_keys if not fk.valid]
            items += [(ck.name, [], "check") for ck in table.checks if not ck.valid]
            for name, cols, kind in items:
                yield self.finding(
                    qname(table),
                    f"{kind} {name} is NOT VALID: existing rows were never checked",
                    columns=list(cols),
                    object=name,
                    fix=Fix(
                        [f"ALTER TABLE {q(table)} VALIDATE CONSTRAINT {quote_ident(name or '')};"],
                        safe=True,
                        notes=["fails if existing rows violate it: clean them up first"],
                    ),
                    impact="old rows may violate the rule; the planner cannot rely on it",
                )


def _plurals(word: str) -> list[str]:
    out = [word, word + "s", word + "es"]
    if word.endswith("y"):
        out.append(word[:-1] + "ies")
    try:
        import inflection

        out.append(inflection.pluralize(word))
    except ImportError:  # pragma: no cover
        pass
    return list(dict.fromkeys(out))


INT_FAMILY = {"smallint", "integer", "bigint"}


def _compatible(a: str, b: str) -> bool:
    a, b = base_type(a), base_type(b)
    return a == b or {a, b} <= INT_FAMILY or {a, b} <= {"text", "character varying"}


def referenced_candidate(ctx: AnalysisContext, table, column) -> tuple[object, str] | None:
    """(table, key column) that ``table.column`` (``customer_id``) names by convention: a table called
    customer/customers with a single-column key ``id`` or ``customer_id`` of a compatible type."""
    m = re.match(r"^(.+?)_?id$", column.name, re.IGNORECASE)
    if not m or column.name.lower() == "id":
        return None
    stem = m.group(1).rstrip("_").lower()
    names = set(_plurals(stem))
    found = []
    for t in ctx.schema.tables:
        if t.name.lower() not in names or t is table or t.partition_of:
            continue
        keys = [list(t.primary_key)] + [list(u.columns) for u in t.unique]
        for key in keys:
            if len(key) != 1 or key[0].lower() not in ("id", column.name.lower(), f"{stem}_id"):
                continue
            kc = t.column(key[0])
            if kc is not None and _compatible(column.type, kc.type):
                found.append((t, key[0]))
                break
    if not found:
        return None
    same = [f for f in found if f[0].schema == table.schema]
    pick = same or found
    return pick[0] if len(pick) == 1 else None  # ambiguous: say nothing


class MissingForeignKey(Rule):
    """Columns named for another table's key (``customer_id`` next to a ``customers`` table) that no
    foreign key constrains.

    Anti-pattern: ``orders.customer_id`` with no ``REFERENCES customers``: nothing stops a row from
    pointing at a customer that does not exist (or no longer does), and deleting a customer leaves
    orphans behind. Tools that read the schema (diagrams, ORMs, this analyzer) cannot see the
    relationship either.

    Better: declare the foreign key online (``ADD CONSTRAINT ... NOT VALID``, then ``VALIDATE``) after
    cleaning up the orphans, and index the column. On a live database the evidence counts the rows whose
    value matches a key (the convention holds) and the orphans (values with no row to reference):
    critical when orphans exist, a warning otherwise; a column whose values mostly match nothing (below
    ``fk_min_match``) is not reported. Without data the match is by name and type only (an optimization).
    """

    id = "missing-foreign-key"
    title = "Missing Foreign Keys"
    severity = "warning"
    categories = ("maintainability",)
    groups = frozenset({"normalization"})

    def check(self, ctx: AnalysisContext) -> Iterator[Finding]:
        for table in ctx.tables:
            declared = {fk.columns[0] for fk in table.foreign_keys if len(fk.columns) == 1}
            for col in table.columns:
                if col.name in declared or col.generated:
                    continue
                if table.primary_key == [col.name] and col.name.lower() == "id":
                    continue
                got = referenced_candidate(ctx, table, col)
                if got is None:
                    continue
                ref, key = got
                yield from self._finding(ctx, table, col, ref, key)

    def _finding(self, ctx: AnalysisContext, table, col, ref, key) -> Iterator[Finding]:
        evidence = []
        severity = "optimization"
        orphans = None
        rows = ctx.rows(table) if ctx.live else None
        if ctx.live and rows:
            try:
                values, orphans, kind, source = ctx.data.orphans(table, col.name, ref, key)
            except ProbeFailed as exc:
                ctx.notes.append(f"{self.id}: {qname(table)}.{col.name} not counted: {exc}")
                return
            if values == 0:
                severity = "optimization"
            elif (values - orphans) < values * ctx.t("fk_min_match"):
                ctx.notes.append(
                    f"{self.id}: {qname(table)}.{col.name}: only {values - orphans:,} of {values:,} values "
                    f"match {ref.qualified_name}.{key}; not a reference to it"
                )
                return
            else:
                severity = "critical" if orphans else "warning"
            from aishell.analyze.findings import Evidence

            evidence = [
                Evidence("values", values, kind, "rows", source),
                Evidence("matching_rows", values - orphans, kind, "rows", source),
                Evidence("orphan_rows", orphans, kind, "rows", source),
            ]
        name = object_name("fk", table, [col.name])
        c, t = quote_ident(col.name), q(table)
        sql = [
            f"ALTER TABLE {t} ADD CONSTRAINT {quote_ident(name)} FOREIGN KEY ({c}) "
            f"REFERENCES {q(ref)} ({quote_ident(key)}) NOT VALID;",
            f"ALTER TABLE {t} VALIDATE CONSTRAINT {quote_ident(name)};",
        ]
        notes = ["NOT VALID checks new rows at once; VALIDATE checks the old ones without blocking writes"]
        if orphans:
            notes.insert(
                0,
                f"clean up the {orphans:,} orphan rows first (VALIDATE fails until then): SELECT * FROM {t} x "
                f"WHERE x.{c} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {q(ref)} r WHERE r.{quote_ident(key)} = x.{c})",
            )
        if not has_leading_index(table, [col.name]):
            sql.append(create_index_sql(table, [col.name]))
            notes.append("the index serves the joins and the checks a DELETE on the referenced table makes")
        msg = f"{table.name}.{col.name} refers to {ref.qualified_name}.{key} by name but no foreign key says so"
        if orphans:
            msg += f": {orphans:,} rows reference no {ref.name} row"
        yield self.finding(
            qname(table),
            msg,
            severity=severity,
            columns=[col.name],
            evidence=evidence,
            fix=Fix(sql, safe=True, notes=notes),
            impact="rows can point at nothing; deletes leave orphans; the relationship is invisible to tools",
            attrs={"references": f"{ref.qualified_name}.{key}"},
        )
