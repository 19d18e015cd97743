"""missing-primary-key, natural-key-primary-key."""

from __future__ import annotations

from collections.abc import Iterator

from aishell.analyze.context import AnalysisContext
from aishell.analyze.findings import Evidence, Finding, Fix
from aishell.analyze.probes.data import base_type
from aishell.analyze.probes.session import ProbeFailed
from aishell.analyze.registry import Rule
from aishell.analyze.rules._common import object_name, q, qname, set_not_null_sql
from aishell.dialects.postgres.quote import quote_ident, quote_ident_list
from aishell.model import Table


class MissingPrimaryKey(Rule):
    """Tables without a primary key.

    Anti-pattern: a junction table ``product_tags(product_id, tag_id)`` with no key accepts the same
    pair twice, a row cannot be addressed for UPDATE or DELETE, and logical replication cannot
    replicate its updates.

    Better: the natural candidate key as primary key (for a junction table, the FK pair), after
    removing duplicate rows; an existing unique index on NOT NULL columns can be promoted. The
    evidence counts duplicate rows under that candidate key. Critical when nothing prevents duplicate
    rows; a warning when a unique key on NOT NULL columns already does.
    """

    id = "missing-primary-key"
    title = "No Primary Key"
    severity = "critical"
    categories = ("maintainability", "performance")
    groups = frozenset({"indexes", "normalization"})

    def check(self, ctx: AnalysisContext) -> Iterator[Finding]:
        for table in ctx.tables:
            if table.primary_key:
                continue
            candidate, why = self._candidate(ctx, table)
            evidence: list[Evidence] = []
            fix_sql: list[str] = []
            notes: list[str] = []
            dup_rows = None
            if candidate and ctx.live:
                try:
                    groups, surplus = ctx.data.duplicate_groups(table, candidate)
                    evidence.append(
                        Evidence("duplicate_groups", groups.value, groups.kind, "groups", groups.source)
                    )
                    evidence.append(
                        Evidence(
                            "duplicate_rows",
                            surplus.value,
                            surplus.kind,
                            "rows",
                            "rows beyond the first of each group",
                        )
                    )
                    dup_rows = surplus.value
                except ProbeFailed as exc:
                    ctx.notes.append(f"{self.id}: duplicate count on {qname(table)} skipped: {exc}")
                rows = ctx.rows(table)
                if rows is not None:
                    evidence.append(Evidence("rows", rows, "estimated", "rows", "pg_class.reltuples"))
            if candidate:
                ix = object_name("", table, [], "pkey").strip("_")
                for c in candidate:
                    col = table.column(c)
                    if col is not None and col.nullable:
                        fix_sql += set_not_null_sql(table, c)
                fix_sql.append(
                    f"CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS {quote_ident(ix)} "
                    f"ON {q(table)} ({quote_ident_list(candidate)});"
                )
                fix_sql.append(
                    f"ALTER TABLE {q(table)} ADD CONSTRAINT {quote_ident(ix)} "
                    f"PRIMARY KEY USING INDEX {quote_ident(ix)};"
                )
                if dup_rows:
                    notes.append(
                        f"clean up the {dup_rows:,} duplicate rows first (the key cannot be added over them): "
                        + cleanup_command(table, candidate)
                    )
                notes.append(f"candidate key: {why}")
            else:
                fix_sql.append(
                    f"ALTER TABLE {q(table)} ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY;"
                )
                exact_dups = _exact_duplicates(ctx, table)
                if exact_dups:
                    evidence.append(
                        Evidence("exact_duplicate_rows", exact_dups.value, exact_dups.kind, "rows", exact_dups.source)
                    )
                    notes.append(
                        f"clean up the {exact_dups.value:,} exact duplicate rows first (a surrogate key would "
                        f"keep them, each under its own id): {cleanup_command(table, None)}"
                    )
                notes.append(
                    "no candidate key found: a surrogate identity key rewrites the table "
                    "(ACCESS EXCLUSIVE lock); schedule it"
                )
            dup_txt = f"; {dup_rows} duplicate rows under ({', '.join(candidate)})" if dup_rows else ""
            exact_dup = next((e.value for e in evidence if e.name == "exact_duplicate_rows"), None)
            if exact_dup:
                dup_txt = f"; {exact_dup:,} rows are exact duplicates"
            # With a unique key already enforced, duplicates are impossible: promoting it is a warning.
            keyed = why.startswith("unique")
            if keyed:
                dup_txt = f"; {why} could serve as one"
            yield self.finding(
                qname(table),
                f"table {qname(table)} has no primary key{dup_txt}",
                severity="warning" if keyed else None,
                columns=list(candidate or []),
                evidence=evidence,
                fix=Fix(fix_sql, safe=bool(candidate), notes=notes),
                impact="duplicates are possible, rows cannot be addressed reliably, logical replication "
                "cannot send its UPDATEs and DELETEs",
                attrs={"junction": ctx.is_junction(table)},
            )

    @staticmethod
    def _candidate(ctx: AnalysisContext, table: Table) -> tuple[list[str] | None, str]:
        for uc in table.unique:
            if all(not (table.column(c) and table.column(c).nullable) for c in uc.columns):
                return list(uc.columns), f"unique constraint {uc.name}"
        for ix in table.indexes:
            if (
                ix.unique
                and not ix.where
                and not any(ix.expressions)
                and all(table.column(c) is not None and not table.column(c).nullable for c in ix.columns)
            ):
                return list(ix.columns), f"unique index {ix.name}"
        if ctx.is_junction(table):
            cols: list[str] = []
            for fk in table.foreign_keys:
                if len(fk.columns) == 1 and fk.columns[0] not in cols:
                    cols.append(fk.columns[0])
            return cols, "the foreign-key columns of a junction table"
        return None, ""


def cleanup_command(table: Table, key: list[str] | None) -> str:
    """The command that moves duplicate rows into a quarantine table (``aishell schema cleanup``)."""
    cmd = f"aishell schema cleanup duplicates --table {table.qualified_name}"
    if key and set(key) != {c.name for c in table.columns}:
        cmd += f" --key {','.join(key)}"
    return cmd


def enforced_key(table: Table) -> bool:
    """A primary key, or a unique constraint or full unique index over NOT NULL columns: no two rows
    can then be identical."""
    if table.primary_key:
        return True

    def not_null(cols) -> bool:
        return all(table.column(c) is not None and not table.column(c).nullable for c in cols)

    if any(not_null(uc.columns) for uc in table.unique):
        return True
    return any(
        ix.unique and ix.valid and not ix.where and not any(ix.expressions) and not_null(ix.columns)
        for ix in table.indexes
    )


def _exact_duplicates(ctx: AnalysisContext, table: Table):
    """Surplus rows identical in every column (a Measured), or None (no data, or the probe failed)."""
    if not ctx.live or not table.columns or enforced_key(table):
        return None
    key = ("exact-duplicates", table.qualified_name)
    if key not in ctx.data._cache:
        try:
            ctx.data._cache[key] = ctx.data.duplicate_groups(table, [c.name for c in table.columns])
        except ProbeFailed as exc:
            ctx.notes.append(f"duplicate-rows: {qname(table)} not counted: {exc}")
            ctx.data._cache[key] = None
    got = ctx.data._cache[key]
    return got[1] if got and got[1].value else None


class DuplicateRows(Rule):
    """Rows identical in every column, in a table with no key to prevent them.

    Anti-pattern: a log or import table with no primary key that received the same rows twice (a retried
    batch, a double-submitted form): counts and sums over it are wrong, and a surrogate key added later
    keeps every copy, each under its own id.

    Better: quarantine the surplus copies first (``aishell schema cleanup duplicates --table T`` moves
    them into a quarantine table in one transaction), then add the key (missing-primary-key's fix).
    The evidence counts the groups of identical rows and the surplus rows exactly (every column is
    compared; json and geometric values by their text), and the duplicates under the natural key when
    one is evident (a junction table's foreign-key pair, a unique constraint over nullable columns).
    ``fix`` never adds a key over duplicated rows: it skips that step and names the cleanup to run.
    """

    id = "duplicate-rows"
    title = "Duplicate Rows"
    severity = "warning"
    categories = ("maintainability",)
    needs = frozenset({"live", "data"})
    groups = frozenset({"normalization"})

    def check(self, ctx: AnalysisContext) -> Iterator[Finding]:
        for table in ctx.tables:
            if not table.columns or enforced_key(table) or table.partition_by:
                continue
            surplus = _exact_duplicates(ctx, table)
            groups = ctx.data._cache.get(("exact-duplicates", table.qualified_name))
            if surplus is None or groups is None:
                continue
            ev = [
                Evidence("duplicate_groups", groups[0].value, groups[0].kind, "groups", groups[0].source),
                Evidence("duplicate_rows", surplus.value, surplus.kind, "rows", "rows beyond the first of each group"),
            ]
            candidate, _ = MissingPrimaryKey._candidate(ctx, table)
            message = (
                f"{qname(table)} holds {surplus.value:,} duplicate rows (identical in every column, "
                f"{groups[0].value:,} groups) and no key prevents more"
            )
            if candidate and set(candidate) != {c.name for c in table.columns}:
                try:
                    _, ks = ctx.data.duplicate_groups(table, candidate)
                    ev.append(Evidence("key_duplicate_rows", ks.value, ks.kind, "rows", ks.source))
                    message += f"; {ks.value:,} rows repeat the key ({', '.join(candidate)})"
                except ProbeFailed as exc:
                    ctx.notes.append(f"{self.id}: {qname(table)}: key duplicates not counted: {exc}")
            cmd = cleanup_command(table, None)
            yield self.finding(
                qname(table),
                message,
                columns=[],
                evidence=ev,
                fix=Fix(
                    [],
                    safe=True,
                    notes=[
                        f"clean up the {surplus.value:,} duplicate rows first, into a quarantine table: {cmd}",
                        "then add the key (missing-primary-key); fix skips a key over duplicated rows",
                    ],
                ),
                impact="counts and sums over the table are wrong; a key added now would keep every copy",
                attrs={"cleanup": cmd, "candidate_key": candidate or None},
            )


class NaturalKeyPrimaryKey(Rule):
    """Primary keys made of text, dates or other non-surrogate types.

    Anti-pattern: ``PRIMARY KEY (email)`` or ``(country_name)``: natural values change, every
    referencing table copies the wide value, and indexes on it are bigger.

    Better: a ``bigint GENERATED ALWAYS AS IDENTITY`` (or uuid) surrogate key, with the natural value
    kept UNIQUE. (pg-index-health: primary keys that are most likely natural keys; varchar keys.)
    """

    id = "natural-key-primary-key"
    title = "Natural Primary Keys"
    severity = "optimization"
    categories = ("maintainability", "scalability")
    groups = frozenset({"indexes"})

    SURROGATE = ("smallint", "integer", "bigint", "uuid")

    def check(self, ctx: AnalysisContext) -> Iterator[Finding]:
        for table in ctx.tables:
            if not table.primary_key:
                continue
            bad = []
            for c in table.primary_key:
                col = table.column(c)
                if col is None:
                    continue
                bt = base_type(col.type)
                # Text keys are inefficient-type's (varchar primary keys); not reported twice.
                ok = (
                    bt in self.SURROGATE
                    or bt in ("text", "character varying", "character")
                    or (table.partition_by and bt.startswith(("date", "timestamp")))
                )
                if not ok:
                    bad.append(f"{c} {col.type}")
            if bad:
                sev = "optimization"
                yield self.finding(
                    qname(table),
                    f"primary key of {qname(table)} uses natural values: {', '.join(bad)}",
                    severity=sev,
                    columns=list(table.primary_key),
                    fix=Fix(
                        [],
                        safe=False,
                        notes=[
                            "add a bigint identity column, move foreign keys to it, keep the old key UNIQUE; "
                            "a multi-step migration (aishell schema migrate)"
                        ],
                    ),
                    impact="wider indexes and foreign keys; key changes cascade to every referencing row",
                )
