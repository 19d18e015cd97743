"""``aishell schema analyze`` and ``aishell schema optimize-types``."""

from __future__ import annotations

from typing import Any

import click

from aishell.cli.output import json_option

SEVERITY_CHOICES = ["critical", "warning", "optimization"]


def _source(source: str | None, database: str | None) -> str:
    from aishell.errors import UserError

    if source and database and source != database:
        raise UserError("give the database either as SOURCE or with --database, not both")
    chosen = source or database
    if chosen:
        return chosen
    from aishell.config import design_path

    if design_path().exists():
        return "design"
    raise UserError("no SOURCE: give a database URL, environment name, .sql or .json file (or --database)")


def _options(**kw: Any):
    from aishell.analyze import AnalyzeOptions

    opts = AnalyzeOptions(**{k: v for k, v in kw.items() if v is not None})
    opts.thresholds = _config_thresholds()
    return opts


def _workload_file(path: str | None, flag: str) -> str | None:
    """A --query-log or --queries file that exists and is a file (else one line and exit 1)."""
    if path is None:
        return None
    from pathlib import Path

    from aishell.errors import UserError

    if not Path(path).is_file():
        raise UserError(f"{flag} {path}: no such file")
    return path


def _config_thresholds() -> dict[str, float]:
    """``[analyze.thresholds]`` of aishell.toml, checked against the known names."""
    from aishell.analyze.context import DEFAULT_THRESHOLDS
    from aishell.config import load_config
    from aishell.errors import UserError

    raw = load_config().section("analyze").get("thresholds", {})
    if not isinstance(raw, dict):
        raise UserError("[analyze.thresholds] in aishell.toml must be a table of name = number")
    out = {}
    for k, v in raw.items():
        if k not in DEFAULT_THRESHOLDS:
            raise UserError(
                f"unknown threshold {k!r} in [analyze.thresholds]", hint="docs/analyze.md lists them"
            )
        if not isinstance(v, (int, float)) or isinstance(v, bool):
            raise UserError(f"threshold {k!r} in [analyze.thresholds] must be a number")
        out[k] = float(v)
    return out


@click.command()
@click.argument("source", required=False)
@click.option(
    "--database", "-d", "database", metavar="SOURCE", help="The database to analyze (same as SOURCE)."
)
@click.option(
    "--check-indexes", is_flag=True, help="Only index rules (missing FK indexes, duplicates, unused...)."
)
@click.option(
    "--check-normalization", is_flag=True, help="Only normalization rules, with the normal form reached."
)
@click.option(
    "--deep", is_flag=True, help="Count every row (no sampling), exact bloat, and the optional rules."
)
@click.option(
    "--with-query-patterns", is_flag=True, help="Read pg_stat_statements: workload indexes, FTS, matviews."
)
@click.option(
    "--query-log",
    metavar="FILE",
    help="Workload from a PostgreSQL log (csvlog, jsonlog or stderr; log_min_duration_statement or "
    "auto_explain) instead of pg_stat_statements; implies --with-query-patterns.",
)
@click.option(
    "--queries",
    "queries_file",
    metavar="FILE",
    help="Workload from a file of SQL statements ('-- calls: N' before one weighs it); implies "
    "--with-query-patterns.",
)
@click.option("--rule", "rules", multiple=True, metavar="ID", help="Run only this rule (repeatable).")
@click.option(
    "--schema", "schemas", multiple=True, metavar="NAME", help="Only tables of this schema (repeatable)."
)
@click.option(
    "--fail-on", type=click.Choice(SEVERITY_CHOICES), help="Exit 2 when a finding is this severe or worse."
)
@click.option(
    "--timeout",
    "timeout_ms",
    type=click.IntRange(100, 3_600_000),
    default=5000,
    show_default=True,
    help="statement_timeout of each probe, in milliseconds.",
)
@click.option(
    "--sample-threshold",
    type=click.IntRange(1000),
    default=2_000_000,
    show_default=True,
    help="Tables with more rows (estimated) are sampled; their counts are labelled estimated.",
)
@click.option("--list-rules", is_flag=True, help="List the rules and exit.")
@json_option
def analyze(
    source,
    database,
    check_indexes,
    check_normalization,
    deep,
    with_query_patterns,
    query_log,
    queries_file,
    rules,
    schemas,
    fail_on,
    timeout_ms,
    sample_threshold,
    list_rules,
    as_json,
) -> int:
    """Health report of a schema: findings with evidence, fix SQL, scores and an action plan.

    On a live database every rule runs, its probes in READ ONLY transactions with a statement
    timeout; on a .sql or .json source only the structural rules run (the report says which were
    skipped and why).

    \b
    Examples:
      aishell schema analyze --database postgresql://app@localhost/app
      aishell schema analyze schema.sql --check-indexes
      aishell schema analyze prod --with-query-patterns --fail-on critical --json
      aishell schema analyze prod --query-log /var/log/postgresql/postgresql.csv
    """
    from aishell.analyze.registry import all_rules

    if list_rules:
        return _list_rules(all_rules(), as_json)
    from aishell.analyze import analyze as run

    opts = _options(
        rules=list(rules),
        check_indexes=check_indexes,
        check_normalization=check_normalization,
        deep=deep,
        with_query_patterns=with_query_patterns,
        query_log=_workload_file(query_log, "--query-log"),
        queries_file=_workload_file(queries_file, "--queries"),
        timeout_ms=timeout_ms,
        sample_threshold=sample_threshold,
        schemas=list(schemas) or None,
    )
    src = _source(source, database)
    with _progress(not as_json) as progress:
        report = run(src, opts, progress=progress)
    if as_json:
        from aishell.cli.output import print_json

        print_json(report.to_dict())
    else:
        render_report(report, normalization_only=check_normalization and not check_indexes)
    if fail_on and report.at_or_above(fail_on):
        from aishell.errors import EXIT_DIFFERENCES

        return EXIT_DIFFERENCES
    return 0


class _progress:
    """A progress bar on stderr while rules and their probes run (only on a terminal)."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.bar = None
        self.task = None

    def __enter__(self):
        import sys

        if not (self.enabled and sys.stderr.isatty()):
            return None
        from aishell.cli.output import progress

        self.bar = progress("Analyzing")
        self.bar.__enter__()
        self.task = self.bar.add_task("Analyzing", total=None)

        def update(step: str, i: int, n: int) -> None:
            self.bar.update(self.task, total=n, completed=i, description=f"Analyzing: {step}")

        return update

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)
        return False


def _list_rules(rules, as_json: bool) -> int:
    rows = [
        {
            "id": r.id,
            "severity": r.severity,
            "categories": list(r.categories),
            "needs": sorted(r.needs),
            "groups": sorted(r.groups),
            "default": r.default,
            "summary": r.summary(),
        }
        for r in rules.values()
    ]
    if as_json:
        from aishell.cli.output import print_json

        print_json(rows)
        return 0
    from rich.table import Table

    from aishell.cli.output import console

    t = Table("id", "severity", "needs", "summary", box=None)
    for r in rows:
        t.add_row(
            r["id"],
            r["severity"],
            ",".join(r["needs"]) or "schema",
            r["summary"] + ("" if r["default"] else " (--deep)"),
        )
    console().print(t)
    return 0


ICONS = {
    "critical": "🚨 Critical Issues",
    "warning": "⚠️  Warning Issues",
    "optimization": "💡 Optimization Opportunities",
}
LINE = "━" * 50


def _fmt(value: Any, unit: str | None = None) -> str:
    from aishell.analyze.rules._common import human_bytes

    if unit == "bytes" and isinstance(value, (int, float)):
        return human_bytes(value)
    if isinstance(value, float):
        txt = f"{value:,.2f}"
    elif isinstance(value, int):
        txt = f"{value:,}"
    else:
        txt = str(value)
    return f"{txt} {unit}" if unit and unit not in ("bytes",) else txt


def _evidence_line(e: dict) -> str:
    mark = "" if e["kind"] == "exact" else " (estimated)"
    src = f"  [dim]{e['source']}[/dim]" if e.get("source") else ""
    return f"{e['name'].replace('_', ' ')}: {_fmt(e['value'], e.get('unit'))}{mark}{src}"


def _soft(print_):
    def p(*args, **kw):
        kw.setdefault("soft_wrap", True)
        return print_(*args, **kw)

    return p


def render_report(report, normalization_only: bool = False) -> None:
    from collections import defaultdict

    from rich.markup import escape

    from aishell.analyze.registry import all_rules
    from aishell.cli.output import console

    c = console()
    c.print = _soft(c.print)  # long SQL lines stay whole when piped
    rules = all_rules()
    h = report.scores
    c.print(f"🔍 Schema Analysis: {escape(report.source)}")
    c.print(LINE)
    if h.get("partial"):
        c.print(f"\nCurrent Schema Health: ❔ withheld, partial analysis ({h['partial_score']}/100 on what this "
                "role could read)")
        c.print(f"[yellow]Partial: {escape(h['partial_reason'])}[/yellow]")
    else:
        icon = "✅" if h["score"] >= 90 else ("⚠️ " if h["score"] >= 50 else "🚨")
        c.print(f"\nCurrent Schema Health: {icon} {h['score']}/100 ({h['label']})")
    if h.get("evidence", {}).get("text"):
        c.print(f"[dim]Rests on: {escape(h['evidence']['text'])}[/dim]")
    counts = report.counts()
    c.print(
        f"\nIssues Found: {sum(counts.values())}"
        f"  (critical {counts['critical']}, warning {counts['warning']}, optimization {counts['optimization']})"
    )
    n = 0
    for sev in ("critical", "warning", "optimization"):
        group = [f for f in report.findings if f.severity == sev]
        if not group:
            continue
        c.print(f"\n{LINE}\n{ICONS[sev]} ({len(group)})\n{LINE}")
        by_rule: dict[str, list] = defaultdict(list)
        for f in group:
            by_rule[f.rule].append(f)
        for rule_id, items in by_rule.items():
            n += 1
            title = rules[rule_id].heading() if rule_id in rules else rule_id
            c.print(f"\n[bold]{n}. {escape(title)}[/bold]  [dim]({rule_id})[/dim]")
            first = next((f.impact for f in items if f.impact), None)
            if first:
                c.print(f"   Impact: {sev.upper()} — {escape(first)}")
            for f in items[:25]:
                c.print(f"   - {escape(f.message)}")
                for e in f.evidence:
                    c.print("       " + _evidence_line(e.to_dict()))
                for k, v in (f.attrs.get("details") or {}).items():
                    c.print(f"       {k.replace('_', ' ')}: {escape(str(v))}")
                if f.impact and f.impact != first and any(ch.isdigit() for ch in f.impact):
                    c.print(f"       impact: {escape(f.impact)}")
            if len(items) > 25:
                c.print(f"   ... and {len(items) - 25} more (--json lists them all)")
            sql = [s for f in items[:25] if f.fix for s in f.fix.sql]
            if sql:
                c.print("\n   Fix:")
                for s in sql[:12]:
                    c.print(f"     {escape(s)}")
                if len(sql) > 12:
                    c.print(f"     [dim]-- ... {len(sql) - 12} more statements (--json lists them all)[/dim]")
                notes = sorted({nt for f in items[:25] if f.fix for nt in f.fix.notes})
                for nt in notes[:6]:
                    c.print(f"     [dim]-- {escape(nt)}[/dim]")
                if any(f.fix and not f.fix.safe for f in items):
                    c.print(
                        "     [yellow]-- not an online change: takes a strong lock or rewrites; schedule it[/yellow]"
                    )
            else:  # advice without SQL (a command to run first, a migration to plan): still shown
                notes = sorted({nt for f in items[:25] if f.fix for nt in f.fix.notes})
                if notes:
                    c.print("\n   Advice:")
                    for nt in notes[:6]:
                        c.print(f"     - {escape(nt)}")
    if report.workload:
        _render_workload(c, report.workload)
    if report.normalization:
        _render_normalization(c, report.normalization)
    c.print(f"\n{LINE}\n📊 Schema Statistics\n{LINE}")
    st = report.statistics
    labels = [
        ("tables", "Tables"),
        ("total_bytes", "Total size"),
        ("total_rows", "Total rows"),
        ("indexes", "Indexes"),
        ("missing_fk_indexes", "Missing FK indexes"),
        ("index_proposals", "Indexes the workload needs"),
        ("constraints", "Constraints"),
        ("foreign_keys", "Foreign keys"),
        ("views", "Views"),
        ("normalization", "Normalization"),
    ]
    for key, lab in labels:
        if key in st and st[key].get("value") is not None:
            v = st[key]
            unit = "bytes" if key == "total_bytes" else None
            est = {"estimated": " (estimated)", "partial": " (partial: tables not read)"}.get(v.get("kind"), "")
            shown = _level_text(v["value"]) if key == "normalization" else _fmt(v["value"], unit)
            c.print(f"{lab}: {shown}{est}")
    cats = h["categories"]
    part = " (partial)" if h.get("partial") else ""
    c.print(f"\nPerformance score: {cats['performance'] / 10:.1f}/10{part}")
    c.print(f"Maintainability: {cats['maintainability'] / 10:.1f}/10{part}")
    c.print(f"Scalability: {cats['scalability'] / 10:.1f}/10{part}")
    c.print(
        f"[dim]Scores follow the formula in docs/analyze.md (exact arithmetic on the findings of the "
        f"{len(report.rules_run)} rules that ran).[/dim]"
    )
    if any(report.plan.values()):
        c.print(f"\n{LINE}\n🎯 Priority Action Plan\n{LINE}")
        k = 0
        for key, title in (("now", "Immediate (Do Now)"), ("week", "This Week"), ("month", "This Month")):
            items = report.plan.get(key) or []
            if not items:
                continue
            c.print(f"\n{title}:")
            for it in items:
                k += 1
                where = ", ".join(it["tables"][:4]) + (" ..." if len(it["tables"]) > 4 else "")
                c.print(
                    f"  [{k}] {escape(it['action'])} ({it['findings']} finding{'s' if it['findings'] != 1 else ''}"
                    f"{': ' + escape(where) if where else ''})"
                )
    if report.skipped:
        c.print(f"\n{LINE}\nSkipped rules ({len(report.skipped)})\n{LINE}")
        for s in report.skipped:
            c.print(f"  {s['rule']}: {escape(s['reason'])}")
    for note in report.notes:
        c.print(f"[dim]note: {escape(note)}[/dim]")
    c.print(LINE)
    if report.findings:
        import importlib.util

        tail = (
            "; `aishell schema fix` applies it with a dry run first"
            if importlib.util.find_spec("aishell.cli.fix") is not None
            else ""
        )
        c.print(f"Fix SQL above is in its online form (review before running){tail}.")


def _render_workload(c, wl: dict) -> None:
    from rich.markup import escape

    c.print(f"\n{LINE}\n📈 Workload ({escape(wl.get('source') or 'pg_stat_statements')})\n{LINE}")
    if not wl.get("available"):
        c.print(escape(wl.get("reason", "not available")))
        return
    window = f" over {wl['hours']:.2f} h since {wl['stats_reset']}" if wl.get("hours") else ""
    c.print(f"Statements analysed: {wl['statements']} ({wl['calls']:,} calls{window})")
    for t in wl.get("tables", [])[:10]:
        rate = f", {t['calls_per_hour']:,.1f} calls/hour" if wl.get("hours") else ""
        c.print(
            f"  {t['table']}: {t['calls']:,} calls{rate}, "
            f"{t['total_ms']:,.1f} ms total ({t['share_of_time']}% of the time)"
        )
    cols = [x for x in wl.get("columns", []) if set(x["used_for"]) - {"sort", "group"}][:8]
    if cols:
        c.print("  Columns filtered or joined on most:")
        for x in cols:
            rate = f", {x['calls_per_hour']:,.1f} calls/hour" if wl.get("hours") else ""
            c.print(f"    {x['table']}.{x['column']} ({', '.join(x['used_for'])}): {x['calls']:,} calls{rate}")
    if wl.get("index_check"):
        c.print(f"  [dim]index proposals checked with: {wl['index_check']}[/dim]")
    if wl.get("unparsed"):
        c.print(f"  [dim]{wl['unparsed']} statements could not be parsed and were left out[/dim]")


def _level_text(level):
    return {
        "none": "below 1NF (a table has no key, or repeating groups)",
        None: "not determined (no data)",
    }.get(level, level)


def _render_normalization(c, norm: dict) -> None:
    from rich.markup import escape

    c.print(f"\n{LINE}\n🧩 Normalization\n{LINE}")
    level = norm.get("level")
    shown = _level_text(level)
    c.print(
        f"Schema level: {shown}{' (from dependencies found in the data; an upper bound)' if norm.get('kind') == 'estimated' else ''}"
    )
    if norm.get("partial"):
        c.print(f"[yellow]  partial: {escape(norm['partial_reason'])}[/yellow]")
    for t in norm.get("tables", []):
        if t.get("level") in ("BCNF",) and not t.get("dependencies"):
            continue
        why = f" ({'; '.join(t['reasons'])})" if t.get("reasons") else ""
        c.print(
            f"  {t['table']}: {_level_text(t.get('level')) if t.get('level') != 'none' else 'below 1NF'}{why}"
        )
        for d in t.get("dependencies", [])[:5]:
            rows = (
                f"all {d['sample_rows']:,} rows"
                if d["kind"] == "exact"
                else f"{d['sample_rows']:,} sampled rows"
            )
            exc = f", {d['exceptions']:,} rows disagree" if d["exceptions"] else ""
            c.print(
                f"     {escape(', '.join(d['lhs']))} → {escape(d['rhs'])}  "
                f"(holds for {d['support']:,} repeated values in {rows}{exc})"
            )


@click.command("optimize-types")
@click.argument("source", required=False)
@click.option("--database", "-d", "database", metavar="SOURCE", help="The database (same as SOURCE).")
@click.option(
    "--schema", "schemas", multiple=True, metavar="NAME", help="Only tables of this schema (repeatable)."
)
@click.option(
    "--timeout",
    "timeout_ms",
    type=click.IntRange(100, 3_600_000),
    default=5000,
    show_default=True,
    help="statement_timeout of each probe, in milliseconds.",
)
@json_option
def optimize_types(source, database, schemas, timeout_ms, as_json) -> int:
    """Suggest smaller or better column types, with bytes saved per row times the rows.

    \b
    Examples:
      aishell schema optimize-types postgresql://app@localhost/app
      aishell schema optimize-types schema.sql --json
    """
    from aishell.analyze.optimize_types import optimize_types as run

    result = run(_source(source, database), _options(timeout_ms=timeout_ms, schemas=list(schemas) or None))
    if as_json:
        from aishell.cli.output import print_json

        print_json(result)
        return 0
    from rich.markup import escape

    from aishell.analyze.rules._common import human_bytes
    from aishell.cli.output import console

    c = console()
    c.print(f"💡 Type optimizations: {escape(result['source'])}\n{LINE}")
    if not result["suggestions"]:
        c.print("No type changes to suggest.")
    for s in result["suggestions"]:
        saving = ""
        if s.get("bytes_per_row") is not None:
            saving = f" (saves {s['bytes_per_row']} bytes/row"
            if s.get("rows") is not None:
                saving += f" × {s['rows']:,} rows = {human_bytes(s['bytes_total'])}, {s['kind']}"
            saving += ")"
        c.print(
            f"  {escape(s['table'])}.{escape(s['column'])}: {escape(s['from'])} → {escape(s['to'])}{saving}"
        )
        c.print(f"     [dim]{escape(s['reason'])}[/dim]")
    if result.get("total_bytes"):
        c.print(
            f"\nTotal: {human_bytes(result['total_bytes'])} (estimated: alignment padding may absorb part of it)"
        )
    for s in result.get("skipped", []):
        c.print(f"[dim]skipped: {escape(s)}[/dim]")
    return 0
