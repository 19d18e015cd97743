"""``aishell schema fix``: apply what analysis found, safely (backup, dry run, timeouts), and measure."""

from __future__ import annotations

import sys
from typing import Any

import click

from aishell.cli.output import TIMEOUT, WAIT, json_option

SEVERITIES = ("critical", "warning", "optimization")


def _priorities(text: str) -> list[str]:
    from aishell.errors import UserError

    out = [p.strip().lower() for p in text.split(",") if p.strip()]
    bad = [p for p in out if p not in SEVERITIES]
    if bad or not out:
        raise UserError(f"invalid --priority {text!r}: give a comma-separated list of {', '.join(SEVERITIES)}")
    return list(dict.fromkeys(out))


def _duration(text: str, flag: str) -> str:
    from aishell.durations import normalise_duration

    return normalise_duration(text, flag=flag)


def _dur(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f}s"
    return f"{int(seconds // 60)}m {int(seconds % 60)}s"


@click.command()
@click.argument("source", required=False)
@click.option("--database", "-d", "database", metavar="SOURCE", help="The live database to fix.")
@click.option("--priority", "priority", default="critical,warning", show_default=True, metavar="LIST",
              help="Severities to fix: critical,warning,optimization.")
@click.option("--rule", "rules", multiple=True, metavar="ID", help="Only findings of this rule (repeatable).")
@click.option("--apply-all", "apply_all", is_flag=True, help="Apply every planned step (no prompt).")
@click.option("--yes", "-y", "yes", is_flag=True, help="Answer yes to the confirmation (same as --apply-all).")
@click.option("--dry-run", is_flag=True, help="Only plan, count violating rows and rehearse on a scratch copy.")
@click.option("--allow", "allow", multiple=True, metavar="RULE",
              help="Allow this rule's destructive steps (DROP COLUMN, type changes, VACUUM FULL).")
@click.option("--backup-dir", type=click.Path(file_okay=False), metavar="DIR",
              help="Where the backup goes (default ./aishell/backups).")
@click.option("--lock-timeout", type=TIMEOUT, default="5s", show_default=True, help="lock_timeout of every statement.")
@click.option("--statement-timeout", type=TIMEOUT, default="10min", show_default=True,
              help="statement_timeout of every statement.")
@click.option("--benchmark", "bench", type=click.FloatRange(min=0.5, max=3600), metavar="SECONDS",
              help="Run a workload this long before and after applying, and compare the measured figures.")
@click.option("--with-query-patterns", is_flag=True,
              help="Analyse with pg_stat_statements too (workload indexes, trigram indexes, matviews).")
@click.option("--query-log", metavar="FILE",
              help="Workload from a PostgreSQL log instead of pg_stat_statements (implies --with-query-patterns).")
@click.option("--queries", "queries_file", metavar="FILE",
              help="Workload from a file of SQL statements (implies --with-query-patterns).")
@click.option("--wait", "wait", type=WAIT, default="5s", show_default=True, metavar="DURATION",
              help="How long to wait for another aishell run changing the same database (then exit 75).")
@json_option
def fix(source, database, priority, rules, apply_all, yes, dry_run, allow, backup_dir, lock_timeout,
        statement_timeout, bench, with_query_patterns, query_log, queries_file, wait, as_json) -> int:
    """Apply the fixes `schema analyze` found, safely, with a report of what was applied and why not.

    Without --apply-all (or --yes) nothing is changed: the plan is shown with each statement and its
    hazards, rows that would make a step fail are counted, and every step is rehearsed on a scratch
    copy of the schema (on a terminal it then asks). Applying adds: a check for sessions holding locks
    on the tables, a pg_dump backup, lock and statement timeouts, one transaction for every step's
    transactional part (an interruption changes nothing), then CREATE INDEX CONCURRENTLY and VALIDATE
    after it, and an advisory lock so that one run at a time changes the database. Steps that remove
    or rewrite data are refused unless their rule is named with --allow.

    \b
    Examples:
      aishell schema fix --database postgresql://app@localhost/app
      aishell schema fix --database prod --apply-all --priority critical,warning
      aishell schema fix -d app --rule denormalized-column --allow denormalized-column --apply-all
      aishell schema fix -d app --apply-all --benchmark 30 --json
      aishell schema fix -d app --query-log /var/log/postgresql/postgresql.csv --apply-all
    """
    from pathlib import Path

    from aishell.analyze.registry import get_rule
    from aishell.errors import UserError
    from aishell.fix import FixOptions, run_fix
    from aishell.migrate.lock import parse_wait

    if source and database and source != database:
        raise UserError("give the database either as SOURCE or with --database, not both")
    from aishell.config import default_database

    target = source or database or default_database()
    if not target:
        raise UserError("no database: give --database SOURCE (a URL, environment or database name), "
                        "or name one as [defaults] database in aishell.toml")
    prios = _priorities(priority)
    for r in (*rules, *allow):
        get_rule(r)
    from aishell.analyze import AnalyzeOptions
    from aishell.cli.analyze import _config_thresholds, _workload_file

    aopts = AnalyzeOptions(thresholds=_config_thresholds(), with_query_patterns=with_query_patterns,
                           query_log=_workload_file(query_log, "--query-log"),
                           queries_file=_workload_file(queries_file, "--queries"))
    # index proposals from a workload are checked with EXPLAIN on a copy before anything is built
    aopts.verify_on_copy = aopts.with_query_patterns
    opts = FixOptions(priorities=prios, rules=list(dict.fromkeys(rules)), allow=list(dict.fromkeys(allow)),
                      apply=(apply_all or yes) and not dry_run,
                      backup_dir=Path(backup_dir) if backup_dir else None,
                      lock_timeout=_duration(lock_timeout, "--lock-timeout"),
                      statement_timeout=_duration(statement_timeout, "--statement-timeout"),
                      benchmark_seconds=bench, analyze_options=aopts, wait=parse_wait(wait))
    printer = None if as_json else _Printer(source or database)
    interactive = (not as_json and not dry_run and not opts.apply and sys.stdin.isatty()
                   and sys.stdout.isatty())
    report = run_fix(target, opts, on_event=printer.event if printer else None,
                     confirm=_ask if interactive else None)
    if as_json:
        from aishell.cli.cleanup import command_for
        from aishell.cli.output import print_json

        data = report.to_dict()
        by_number = {st.number: st for st in report.plan.steps}
        for entry in data.get("skipped", []):
            step = by_number.get(entry.get("step"))
            if step is not None and entry.get("violating_rows"):
                entry["cleanup"] = command_for(step, source or database)
        for d in data.get("steps", []):
            if d.get("will_skip", {}).get("violating_rows"):
                d["will_skip"]["cleanup"] = command_for(by_number[d["step"]], source or database)
        print_json(data)
    else:
        assert printer is not None
        printer.summary(report)
    return 1 if report.counts().get("failed") else 0


def _ask(report) -> bool:
    n = report.rehearsal.get("steps", 0)
    return click.confirm(f"Apply {n} fix(es) to {report.source} (a backup is written first)?", default=False)


def _x(v: float | None) -> str:
    return f"{v:.2f}×" if v is not None else "n/a"


def _iv(iv: list[float] | None) -> str:
    return f" (95% interval {iv[0]:.2f}–{iv[1]:.2f}×)" if iv else ""


class _Printer:
    def __init__(self, database: str | None = None) -> None:
        from aishell.cli.output import console

        self.c = console()
        self.mode = ""
        self.database = database

    def p(self, text: str = "") -> None:
        self.c.print(text)

    def event(self, kind: str, data: dict[str, Any]) -> None:
        getattr(self, f"on_{kind}", lambda d: None)(data)

    def on_prechecked(self, d: dict[str, Any]) -> None:
        from rich.markup import escape as e

        r = d["report"]
        self.mode = r.mode
        self.p(f"[bold]🔧 Schema fixes: {e(r.source)}[/bold]"
               + (" (dry run: nothing is changed)" if r.mode == "dry-run" else ""))
        self.p("━" * 50)
        h = r.health
        score = "withheld (partial analysis)" if h.get("before") is None else \
            f"{h.get('before')}/100 ({e(str(h.get('before_label')))})"
        self.p(f"Health score {score}; priorities "
               f"{', '.join(r.plan.priorities)}; {len(r.plan.steps)} step(s) with fix SQL, "
               f"{r.plan.advice_only} finding(s) with advice only")
        if not r.plan.steps:
            return
        self.p("")
        for s in r.plan.steps:
            tag = {"planned": "", "refused": " [red]refused[/red]", "manual": " [yellow]manual[/yellow]",
                   "merged": " [dim]merged[/dim]"}[s.status]
            self.p(f"[bold][{s.number}][/bold] {e(s.label)}  [dim]({s.rule}, {s.severity})[/dim]{tag}")
            if s.status == "merged":
                self.p(f"    [dim]{e(s.reason or '')}[/dim]")
                continue
            for st in s.statements:
                self.p(f"    {e(st.sql)}")
            if s.hazards:
                self.p(f"    [dim]hazards: {e('; '.join(s.hazards))}[/dim]")
            if s.status in ("refused", "manual"):
                self.p(f"    [yellow]{e(s.reason or '')}[/yellow]")
            elif s.number in r.prechecks:
                self.p(f"    [yellow]⚠ will be skipped: {e(r.prechecks[s.number][0])}[/yellow]")
                from aishell.cli.cleanup import command_for

                command = command_for(s, self.database)
                if command:
                    self.p(f"    [yellow]  clean up first: {e(command)}[/yellow]")
            elif s.covered_by:
                self.p(f"    [dim]runs only if step {s.covered_by} does not apply (its key covers these "
                       "columns)[/dim]")
        self.p("")

    def on_rehearsed(self, d: dict[str, Any]) -> None:
        rh = d["report"].rehearsal
        self.p("Safety checks:")
        if rh.get("ok"):
            self.p(f"  [green]✓[/green] Dry run on a scratch copy of the schema: {rh['steps']} step(s) ran "
                   f"({_dur(rh['seconds'])})")
        else:
            self.p(f"  [red]✗[/red] Dry run failed at step {rh['failed']['step']}")

    def on_blockers(self, d: dict[str, Any]) -> None:
        from rich.markup import escape as e

        b = d["report"].blockers
        if not b:
            self.p("  [green]✓[/green] No blocking sessions on the tables to change")
            return
        for x in b:
            self.p(f"  [red]✗[/red] pid {x['pid']} ({e(str(x['state']))}, {x['seconds']:.0f} s) "
                   f"{'holds' if x['granted'] else 'waits for'} {x['lock']} on {e(x['table'])}")

    def on_backup(self, d: dict[str, Any]) -> None:
        from rich.markup import escape as e

        b = d["report"].backup
        data = ", ".join(b["data_of"]) if b["data_of"] else "none (no step changes rows)"
        self.p(f"  [green]✓[/green] Backup: {e(b['path'])} ({b['bytes']:,} bytes; schema of the whole "
               f"database, data of: {e(data)})")
        self.p("")
        self.p("Applying fixes...")

    def on_benchmark(self, d: dict[str, Any]) -> None:
        b = d["data"]
        self.p(f"  Benchmark {d['phase']}: {b['tps']:,.1f} transactions/s (median of "
               f"{len(b['tps_rounds'])} rounds: {', '.join(f'{t:,.0f}' for t in b['tps_rounds'])}), "
               f"latency avg {b['latency_ms']['avg']:.3f} ms, p95 {b['latency_ms']['p95']:.3f} ms "
               f"({b['transactions']:,} in {b['seconds']:.0f} s after a warm-up round, {b['clients']} clients)")

    def on_step(self, d: dict[str, Any]) -> None:
        from rich.markup import escape as e

        step, res = d["step"], d["result"]
        head = f"[{d['i']}/{d['n']}] {e(step.label)} ..."
        if res.status == "applied":
            self.p(f"{head} [green]✓[/green] ({_dur(res.seconds)})")
        elif res.status == "skipped":
            self.p(f"{head} [yellow]⚠ Skipped[/yellow]")
            self.p(f"        Reason: {e(res.reason or '')}")
            from aishell.cli.cleanup import command_for

            command = command_for(step, self.database)
            cleanup = next((n for n in step.notes if n.startswith(("clean up", "remove the"))), None)
            if command and res.violating_rows:
                self.p(f"        Action: Run cleanup first: {e(command)}")
            elif cleanup and res.violating_rows:
                self.p(f"        Action: {e(cleanup)}")
        else:
            self.p(f"{head} [red]✗ Failed[/red] ({_dur(res.seconds)})")
            self.p(f"        Reason: {e(res.reason or '')}")
        for u in res.undone:
            self.p(f"        undone: {e(u)}")
        for st in res.statements:
            if st.get("recreate"):
                self.p(f"        [dim]to recreate: {e(st['recreate'])}[/dim]")

    def _benchmark(self, cmp: dict[str, Any]) -> None:
        from rich.markup import escape as e

        rd = cmp["rounds"]
        self.p("")
        self.p(f"Performance (measured: the same workload before and after, {rd['per_phase']} rounds of "
               f"{rd['seconds_each']:.0f} s per phase after a discarded warm-up round, {rd['clients']} clients):")
        self.p(f"  Before: {cmp['tps']['before']:,.1f} transactions/s, {cmp['latency_avg_ms']['before']:.3f} ms "
               f"avg latency, p95 {cmp['latency_p95_ms']['before']:.3f} ms")
        self.p(f"  After:  {cmp['tps']['after']:,.1f} transactions/s, {cmp['latency_avg_ms']['after']:.3f} ms "
               f"avg latency, p95 {cmp['latency_p95_ms']['after']:.3f} ms")
        self.p(f"  Throughput ratio after/before: {_x(cmp['tps']['ratio'])}{_iv(cmp['tps']['interval'])}")
        ch, co, g = cmp["changed"], cmp["control"], cmp["gain"]
        self.p(f"  Queries whose plan changed ({len(ch['queries'])}): {_x(ch['speedup'])} faster{_iv(ch['interval'])}")
        self.p(f"  Control set, plans unchanged ({len(co['queries'])}): {_x(co['speedup'])}{_iv(co['interval'])}"
               + (": the drift every query saw" if co["queries"] else ": none, so no drift correction"))
        colour = "green" if g["verdict"] == "gain beyond the noise" else "yellow"
        self.p(f"  [bold]Gain credited to the fix: {_x(g['ratio'])}{_iv(g['interval'])}: "
               f"[{colour}]{e(g['verdict'])}[/{colour}][/bold]")
        for q in cmp["queries"]:
            tag = "plan changed" if q["plan_changed"] else "control"
            self.p(f"  [dim]{e(q['name'])} ({tag}): avg {q['avg_ms_before']:.3f} → {q['avg_ms_after']:.3f} ms[/dim]")

    def summary(self, r) -> None:
        from rich.markup import escape as e

        n = r.counts()
        self.p("━" * 50)
        if r.mode == "dry-run":
            runnable = r.rehearsal.get("steps", 0)
            self.p(f"Dry run: {runnable} step(s) would be applied, {len(r.prechecks)} skipped, "
                   f"{n['refused']} refused, {n['manual']} need manual SQL. Nothing was changed.")
            if runnable:
                self.p("Apply them: add --apply-all (a backup is written first).")
        else:
            self.p(f"Applied: {n['applied']}/{n['planned']} step(s); skipped {n['skipped']}, failed "
                   f"{n['failed']}, refused {n['refused']}, manual {n['manual']}")
            self.p(f"Duration: {_dur(r.timings.get('total', 0))} (applying {_dur(r.timings.get('apply', 0))})")
            if r.backup:
                self.p(f"Backup: {e(r.backup['path'])}  (restore: psql -d EMPTY_DB -f FILE)")
            h = r.health
            if h.get("after") is not None and h.get("before") is not None:
                c0, c1 = h["before_counts"], h["after_counts"]
                self.p(f"Health score: {h['before']} → {h['after']} /100 (re-analysed; findings "
                       f"critical {c0['critical']} → {c1['critical']}, warning {c0['warning']} → "
                       f"{c1['warning']}, optimization {c0['optimization']} → {c1['optimization']})")
                self.p(f"Findings fixed: {len(r.fixed_findings)}"
                       + (f"; still reported after applying: {len(r.remaining_findings)}"
                          if r.remaining_findings else ""))
        for s in r.plan.by_status("refused"):
            self.p(f"[yellow]Refused[/yellow] [{s.number}] {e(s.label)}: {e(s.reason or '')}")
        for s in r.plan.by_status("manual"):
            self.p(f"[dim]Manual[/dim] [{s.number}] {e(s.label)}: {e(s.reason or '')}")
        if r.benchmark and "comparison" in r.benchmark:
            self._benchmark(r.benchmark["comparison"])
        for note in r.notes:
            self.p(f"[dim]note: {e(note)}[/dim]")
