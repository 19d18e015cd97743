"""data-quality: constraints the data almost satisfies but the schema does not enforce."""

from __future__ import annotations

import re
from collections.abc import Iterator

from aishell.analyze.context import AnalysisContext
from aishell.analyze.findings import Evidence, Finding, Fix
from aishell.analyze.probes.data import EMAIL_REGEX, is_email_column
from aishell.analyze.probes.session import ProbeFailed
from aishell.analyze.registry import Rule
from aishell.analyze.rules._common import (
    add_check_sql,
    checks_mention,
    object_name,
    q,
    qname,
    set_not_null_sql,
)
from aishell.dialects.postgres.quote import quote_ident, quote_literal

RANGES = [  # column name pattern -> (low, high) a sane value lies in
    (re.compile(r"(^|_)age$", re.I), 0, 150),
    (re.compile(r"(^|_)(percent|percentage|pct)$", re.I), 0, 100),
]


class DataQuality(Rule):
    """A rule the data almost follows but the schema does not enforce.

    Anti-pattern: ``products.price`` nullable with 10 NULL rows out of 1,000; ``orders.total`` with
    23 negative values and no CHECK; ``users.email`` with malformed addresses; an ``age`` outside
    0..150. Each is a bug that already happened, and will again.

    Better: clean up the violating rows (the evidence has their exact count), then add the
    constraint online: ``ADD CONSTRAINT ... CHECK (...) NOT VALID`` followed by ``VALIDATE
    CONSTRAINT`` (and for NOT NULL, a validated CHECK lets ``SET NOT NULL`` skip its table scan).
    Reported when violations are at most ``few_nulls_fraction`` / ``violation_fraction`` of the rows.
    """

    id = "data-quality"
    title = "Missing Constraints (data quality)"
    severity = "warning"
    categories = ("maintainability",)
    needs = frozenset({"live", "data"})

    def check(self, ctx: AnalysisContext) -> Iterator[Finding]:
        min_rows = ctx.t("min_rows_for_data_rules")
        for table in ctx.tables:
            if table.partition_by is None and not table.columns:
                continue
            try:
                prof = ctx.data.profile(table)
            except ProbeFailed as exc:
                ctx.notes.append(f"{self.id}: {qname(table)} not profiled: {exc}")
                continue
            if prof.rows < min_rows:
                continue
            fk_cols = {c for fk in table.foreign_keys for c in fk.columns}
            for col in table.columns:
                name = col.name
                # NOT NULL with few NULLs
                nulls = prof.nulls.get(name)
                if (
                    col.nullable
                    and nulls
                    and name not in fk_cols
                    and nulls <= prof.rows * ctx.t("few_nulls_fraction")
                ):
                    yield self._found(
                        table,
                        prof,
                        name,
                        "null_rows",
                        nulls,
                        f"{table.name}.{name} is NULL in {nulls:,} of {prof.rows:,} rows and not NOT NULL",
                        set_not_null_sql(table, name),
                        f"SELECT * FROM {q(table)} WHERE {quote_ident(name)} IS NULL",
                        kind="not-null",
                    )
                # non-negative amounts
                neg = prof.negatives.get(name)
                if neg is not None and not checks_mention(table, name):
                    if 0 < neg <= prof.rows * ctx.t("violation_fraction"):
                        cname = object_name("chk", table, [name], "non_negative")
                        yield self._found(
                            table,
                            prof,
                            name,
                            "negative_rows",
                            neg,
                            f"{table.name}.{name} is negative in {neg:,} of {prof.rows:,} rows; "
                            f"nothing enforces {name} >= 0",
                            add_check_sql(table, cname, f"{quote_ident(name)} >= 0"),
                            f"SELECT * FROM {q(table)} WHERE {quote_ident(name)} < 0",
                            kind="non-negative",
                        )
                    elif neg == 0 and prof.rows > 0 and prof.minimum.get(name) is not None:
                        cname = object_name("chk", table, [name], "non_negative")
                        yield self._found(
                            table,
                            prof,
                            name,
                            "negative_rows",
                            0,
                            f"{table.name}.{name} is never negative ({prof.rows:,} rows) but no CHECK says so",
                            add_check_sql(table, cname, f"{quote_ident(name)} >= 0"),
                            None,
                            kind="non-negative",
                            severity="optimization",
                        )
                # e-mail format
                bad = prof.bad_emails.get(name)
                if bad and is_email_column(col) and not checks_mention(table, name):
                    non_null = prof.rows - (prof.nulls.get(name) or 0)
                    if bad <= non_null * ctx.t("violation_fraction"):
                        cname = object_name("chk", table, [name], "format")
                        yield self._found(
                            table,
                            prof,
                            name,
                            "invalid_rows",
                            bad,
                            f"{table.name}.{name}: {bad:,} of {non_null:,} values are not valid e-mail addresses",
                            add_check_sql(
                                table, cname, f"{quote_ident(name)} ~* {quote_literal(EMAIL_REGEX)}"
                            ),
                            f"SELECT * FROM {q(table)} WHERE {quote_ident(name)} !~* {quote_literal(EMAIL_REGEX)}",
                            kind="email-format",
                        )
                # value ranges
                for pat, lo, hi in RANGES:
                    if not pat.search(name) or checks_mention(table, name) or name not in prof.minimum:
                        continue
                    mn, mx = prof.minimum.get(name), prof.maximum.get(name)
                    if mn is None:
                        continue
                    if mn >= lo and mx <= hi:
                        cname = object_name("chk", table, [name], "range")
                        yield self._found(
                            table,
                            prof,
                            name,
                            "out_of_range_rows",
                            0,
                            f"{table.name}.{name} lies in {mn}..{mx}; no CHECK keeps it within {lo}..{hi}",
                            add_check_sql(table, cname, f"{quote_ident(name)} BETWEEN {lo} AND {hi}"),
                            None,
                            kind="range",
                            severity="optimization",
                            extra=[
                                Evidence("minimum", _num(mn), prof.kind, None, prof.source),
                                Evidence("maximum", _num(mx), prof.kind, None, prof.source),
                            ],
                        )

    def _found(
        self, table, prof, column, name, count, message, sql, cleanup, *, kind, severity=None, extra=()
    ):
        notes = []
        if count and cleanup:
            notes.append(
                f"clean up the {count:,} violating rows first (VALIDATE fails until then): {cleanup}"
            )
        notes.append(
            "NOT VALID adds the rule for new rows at once; VALIDATE checks old rows without blocking writes"
        )
        ev = [
            Evidence(name, count, prof.kind, "rows", prof.source),
            Evidence("rows", prof.rows, prof.kind, "rows", prof.source),
            *extra,
        ]
        return self.finding(
            qname(table),
            message,
            severity=severity,
            columns=[column],
            evidence=ev,
            fix=Fix(sql, safe=True, notes=notes),
            impact="bad values reach reports and code that assumes the rule",
            attrs={"kind": kind},
        )


def _num(v):
    try:
        return int(v) if float(v).is_integer() else float(v)
    except (TypeError, ValueError):
        return str(v)
