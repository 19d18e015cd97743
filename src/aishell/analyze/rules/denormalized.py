"""denormalized-column: a column that copies a value reachable through a foreign key."""

from __future__ import annotations

from collections.abc import Iterator

from aishell.analyze.context import AnalysisContext
from aishell.analyze.findings import Evidence, Finding, Fix
from aishell.analyze.probes.data import base_type
from aishell.analyze.probes.session import ProbeFailed
from aishell.analyze.registry import Rule
from aishell.analyze.rules._common import q, qname
from aishell.dialects.postgres.quote import quote_ident
from aishell.model import Table

# Names too generic to mean "the same fact" in two tables.
GENERIC = {
    "id",
    "name",
    "title",
    "description",
    "notes",
    "note",
    "status",
    "type",
    "kind",
    "version",
    "created_at",
    "updated_at",
    "deleted_at",
    "last_update",
    "created",
    "modified",
    "active",
    "is_active",
    "position",
    "sort_order",
    "comment",
    "data",
    "metadata",
    "value",
    "uuid",
    "guid",
    "external_id",
    "slug",
    "code",
}


def _singular(name: str) -> str:
    try:
        import inflection

        return inflection.singularize(name)
    except ImportError:  # pragma: no cover
        return name[:-1] if name.endswith("s") else name


def copied_pairs(
    table: Table, fk_cols: list[str], ref: Table, *, same_name: bool = True
) -> list[tuple[str, str]]:
    """(column of ``table``, column of ``ref``) pairs that look like the same fact stored twice.

    A prefixed name (``orders.user_email`` for ``users.email``) says "copy" by itself; a bare same
    name (``refunds.amount``, ``payments.amount``) only when ``same_name`` (the data then decides).
    """
    own_fk = {c for fk in table.foreign_keys for c in fk.columns}
    # A column unique on its own cannot be a many-to-one copy of a parent's value.
    own_unique = {u.columns[0] for u in table.unique if len(u.columns) == 1}
    own_unique |= {
        ix.columns[0] for ix in table.indexes if ix.unique and len(ix.columns) == 1 and not ix.where
    }
    pairs = []
    prefixes = {_singular(ref.name)}
    for c in fk_cols:
        if c.endswith("_id"):
            prefixes.add(c[:-3])
    for col in table.columns:
        if col.name in own_fk or col.name in table.primary_key or col.generated or col.name in own_unique:
            continue
        for rcol in ref.columns:
            if rcol.name in ref.primary_key or rcol.name.lower() in GENERIC:
                continue
            same = col.name == rcol.name and same_name
            prefixed = any(col.name == f"{p}_{rcol.name}" for p in prefixes)
            if not (same or prefixed):
                continue
            if base_type(col.type) != base_type(rcol.type) and not (
                {base_type(col.type), base_type(rcol.type)} <= {"text", "character varying", "citext"}
            ):
                continue
            if same and col.name.lower() in GENERIC:
                continue
            pairs.append((col.name, rcol.name))
    return pairs


class DenormalizedColumn(Rule):
    """A column that copies a value reachable through a foreign key.

    Anti-pattern: ``orders.user_email`` next to ``orders.user_id REFERENCES users``: the e-mail is
    stored twice, and the copies drift apart (the evidence counts rows that disagree with the row
    they reference).

    Better: drop the copy and JOIN (or keep it on purpose, as a snapshot, and name it so, e.g.
    ``email_at_order``).

    Candidates are columns named after a column of the referenced table: prefixed
    (``user_email`` for ``users.email``) or, on a live database, the same name. The data decides: a
    candidate is a copy when at least ``copy_agreement`` (95%) of the rows agree with the row they
    reference; critical when some copies already disagree, a warning when all agree. Without data only
    prefixed names are reported (a warning: the name alone says "copy").
    """

    id = "denormalized-column"
    title = "Denormalization Issues"
    severity = "critical"
    categories = ("maintainability", "scalability")
    groups = frozenset({"normalization"})

    def check(self, ctx: AnalysisContext) -> Iterator[Finding]:
        for table in ctx.tables:
            for fk in table.foreign_keys:
                ref = ctx.ref_table(fk)
                if ref is None or ref is table:
                    continue
                pairs = copied_pairs(table, fk.columns, ref, same_name=ctx.live)
                if not pairs:
                    continue
                cols = [a for a, _ in pairs]
                evidence: list[Evidence] = []
                severity = "warning"
                mismatch = None
                if ctx.live:
                    try:
                        kept = []
                        each, compared = ctx.data.mismatches_each(
                            table, fk.columns, ref, fk.ref_columns, pairs
                        )
                        for pair, bad in zip(pairs, each):
                            if compared.value == 0 or bad.value > compared.value * (
                                1 - ctx.t("copy_agreement")
                            ):
                                continue  # no rows to compare, or too different to be a copy
                            kept.append((pair, bad, compared))
                        if not kept:
                            continue
                        pairs = [k[0] for k in kept]
                        cols = [a for a, _ in pairs]
                        bad_total = sum(k[1].value for k in kept)
                        mismatch = bad_total
                        kind = "estimated" if any(k[1].kind == "estimated" for k in kept) else "exact"
                        evidence += [
                            Evidence("mismatched_rows", bad_total, kind, "rows", kept[0][1].source),
                            Evidence("compared_rows", kept[0][2].value, kind, "rows", kept[0][2].source),
                        ]
                        if bad_total > 0:
                            severity = "critical"
                    except ProbeFailed as exc:
                        ctx.notes.append(f"{self.id}: {qname(table)}: {exc}")
                    st = ctx.stats
                    width = sum((st.column(table.qualified_name, c).get("avg_width") or 0) for c in cols)
                    rows = ctx.rows(table)
                    if width and rows is not None:
                        evidence.append(
                            Evidence(
                                "duplicated_bytes",
                                int(width * rows),
                                "estimated",
                                "bytes",
                                "pg_stats.avg_width × reltuples",
                            )
                        )
                copies = ", ".join(f"{table.name}.{a} = {ref.name}.{b}" for a, b in pairs)
                msg = f"{copies} (through {fk.name or ', '.join(fk.columns)})"
                if mismatch:
                    msg += f": {mismatch:,} rows disagree"
                drops = [f"ALTER TABLE {q(table)} DROP COLUMN {quote_ident(a)};" for a in cols]
                yield self.finding(
                    qname(table),
                    msg,
                    severity=severity,
                    columns=cols,
                    evidence=evidence,
                    object=fk.name,
                    fix=Fix(
                        drops,
                        safe=False,
                        notes=[
                            f"update queries to JOIN {ref.qualified_name} on {', '.join(fk.columns)} first",
                            "if the copy is a deliberate snapshot, rename it (e.g. email_at_order) and keep it",
                        ],
                    ),
                    impact="the same fact stored twice; updates to one copy do not reach the other",
                    attrs={"references": ref.qualified_name, "pairs": [list(p) for p in pairs]},
                )
