"""``run_fix``: analyse, plan, check, rehearse, back up, apply, measure, re-analyse.

Order of the safety gates (any failing one stops before the real database is changed):

1. plan from the analyzer's findings (destructive steps refused unless ``allow`` names their rule);
2. exact counts of existing rows that would make a step fail (those steps are skipped, with the count);
3. a rehearsal of every step that will run, on a scratch copy of the schema (stops on any failure);
4. no other session holds or waits for a lock on a table the plan changes;
5. the backup (pg_dump) is written.

A run that may apply holds aishell's advisory lock on the database from before the analysis to the
end (``migrate/lock.py``): a second one waits up to ``FixOptions.wait`` seconds, then stops (exit 75).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aishell.analyze import AnalyzeOptions, analyze
from aishell.errors import UnsafeError, UserError
from aishell.fix.plan import Plan, Step, build_plan

EventFn = Callable[[str, dict[str, Any]], None]


@dataclass
class FixOptions:
    priorities: list[str] = field(default_factory=lambda: ["critical", "warning"])
    rules: list[str] = field(default_factory=list)
    allow: list[str] = field(default_factory=list)
    apply: bool = False
    backup_dir: Path | None = None
    lock_timeout: str = "5s"
    statement_timeout: str = "10min"
    benchmark_seconds: float | None = None
    benchmark_clients: int = 4
    analyze_options: AnalyzeOptions | None = None
    wait: float = 5.0  # seconds to wait for another aishell run holding the database


@dataclass
class FixReport:
    source: str
    mode: str  # dry-run | apply
    plan: Plan
    results: dict[int, Any] = field(default_factory=dict)
    rehearsal: dict[str, Any] = field(default_factory=dict)
    prechecks: dict[int, tuple[str, int | None]] = field(default_factory=dict)
    blockers: list[dict[str, Any]] = field(default_factory=list)
    backup: dict[str, Any] | None = None
    health: dict[str, Any] = field(default_factory=dict)
    fixed_findings: list[dict[str, Any]] = field(default_factory=list)
    remaining_findings: list[dict[str, Any]] = field(default_factory=list)
    benchmark: dict[str, Any] | None = None
    timings: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out = {"planned": len(self.plan.active()), "applied": 0, "skipped": 0, "failed": 0,
               "refused": len(self.plan.by_status("refused")), "manual": len(self.plan.by_status("manual")),
               "merged": len(self.plan.by_status("merged")), "advice_only": self.plan.advice_only}
        for r in self.results.values():
            out[r.status] = out.get(r.status, 0) + 1
        return out

    def to_dict(self) -> dict[str, Any]:
        steps = []
        for s in self.plan.steps:
            d = s.to_dict()
            r = self.results.get(s.number)
            if r is not None:
                d["result"] = r.to_dict()
            elif s.number in self.prechecks:
                d["will_skip"] = {"reason": self.prechecks[s.number][0],
                                  "violating_rows": self.prechecks[s.number][1]}
            steps.append(d)
        return {
            "source": self.source,
            "mode": self.mode,
            "priorities": self.plan.priorities,
            "allow": self.plan.allow,
            "counts": self.counts(),
            "steps": steps,
            "applied": [s.number for s in self.plan.steps if self._status(s) == "applied"],
            "skipped": [{"step": n, "reason": r.reason, "violating_rows": r.violating_rows}
                        for n, r in self.results.items() if r.status == "skipped"],
            "failed": [{"step": n, "reason": r.reason} for n, r in self.results.items() if r.status == "failed"],
            "refused": [{"step": s.number, "rule": s.rule, "reason": s.reason}
                        for s in self.plan.by_status("refused")],
            "rehearsal": self.rehearsal,
            "blocking_sessions": self.blockers,
            "backup": self.backup,
            "health": self.health,
            "fixed_findings": self.fixed_findings,
            "benchmark": self.benchmark,
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
            "notes": self.notes,
        }

    def _status(self, s: Step) -> str:
        r = self.results.get(s.number)
        return r.status if r is not None else s.status


def _key(f: dict[str, Any]) -> tuple:
    return (f["rule"], f.get("table"), f.get("object"), tuple(f.get("columns") or ()), f.get("message")
            if f["rule"] not in ("missing-primary-key", "data-quality", "denormalized-column") else "")


_TABLES_SQL = """
SELECT n.nspname || '.' || c.relname, pg_catalog.has_table_privilege(c.oid, 'SELECT'),
       pg_catalog.pg_has_role(c.relowner, 'USAGE')
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_%'
ORDER BY 1
"""


def _names(tables: list[str]) -> str:
    return ", ".join(tables[:5]) + (f" and {len(tables) - 5} more" if len(tables) > 5 else "")


def check_privileges(conn: Any, steps: list[Step], *, apply: bool) -> None:
    """Stop with one line (exit 77) before anything runs when the role cannot do the job: every table
    must be readable (the pre-checks count rows; the backup and the scratch copy come from pg_dump,
    which locks every table), and, to apply, the tables the steps change must be the role's own
    (ALTER TABLE and CREATE INDEX need the owner)."""
    from aishell.errors import PermissionDenied

    if not steps:
        return
    role = conn.execute("SELECT current_user").fetchone()[0]
    rows = conn.execute(_TABLES_SQL).fetchall()
    unreadable = [name for name, readable, _ in rows if not readable]
    if unreadable:
        raise PermissionDenied(
            f"permission denied: role {role} cannot read {len(unreadable)} table(s) ({_names(unreadable)}); "
            "fix needs SELECT on every table (to count the rows a step would reject, back up, and rehearse "
            "on a copy of the schema): run it as the tables' owner")
    if apply:
        owned = {name: own for name, _, own in rows}
        foreign = sorted({s.table for s in steps if s.table and owned.get(s.table) is False})
        if foreign:
            raise PermissionDenied(
                f"permission denied: role {role} does not own {_names(foreign)}, which the fixes change "
                "(ALTER TABLE and CREATE INDEX need the owner): run it as the owner or a member of its role")


def run_fix(source_text: str, options: FixOptions, *, on_event: EventFn | None = None,
            confirm: Callable[[FixReport], bool] | None = None) -> FixReport:
    """Plan and check always; apply when ``options.apply`` (or when ``confirm(report)`` says yes)."""
    from aishell.sources import parse_source

    src = parse_source(source_text)
    if not src.is_live:
        raise UserError(f"{src.display} is not a database: there is nothing to fix in place "
                        f"(run `aishell schema analyze {src.text}` to see the findings and their SQL)")
    assert src.conninfo is not None
    if not options.apply and confirm is None:
        return _run_fix(source_text, src, options, on_event, confirm)
    from aishell.migrate.lock import database_lock
    from aishell.testpoints import pause

    with database_lock(src.conninfo, wait=options.wait, what="fix --apply"):
        pause("locked")
        return _run_fix(source_text, src, options, on_event, confirm)


def _run_fix(source_text: str, src, options: FixOptions, on_event: EventFn | None,
             confirm: Callable[[FixReport], bool] | None) -> FixReport:
    from aishell.dialects.postgres.connect import connect
    from aishell.fix.checks import blocking_sessions, violations
    from aishell.fix.execute import apply_steps
    from aishell.testpoints import pause

    emit = on_event or (lambda kind, data: None)
    aopts = options.analyze_options or AnalyzeOptions()
    if options.rules:
        aopts.rules = list(options.rules)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    before = analyze(source_text, aopts)
    timings["analyze_before"] = time.perf_counter() - t0
    plan = build_plan(before.findings, priorities=options.priorities, rules=options.rules or None,
                      allow=options.allow)
    report = FixReport(source=src.display, mode="apply" if options.apply else "dry-run", plan=plan,
                       timings=timings)
    report.health = {"before": before.scores.get("score"), "before_label": before.scores.get("label"),
                     "before_counts": before.counts()}
    emit("planned", {"report": report})

    if options.apply:
        _refuse_asked(plan, options)

    active = plan.active()
    bench = None
    with connect(src.conninfo, autocommit=True) as conn:
        major = int(conn.info.server_version) // 10000
        dbname = conn.execute("SELECT current_database()").fetchone()[0]
        conn.execute("SELECT set_config('statement_timeout', %s, false)", (options.statement_timeout,))
        check_privileges(conn, active, apply=options.apply)
        t = time.perf_counter()
        for step in active:
            try:
                found = violations(conn, step)
            except Exception as exc:  # noqa: BLE001 - a count that fails is reported, the step skipped
                from aishell.fix.execute import pg_error

                report.prechecks[step.number] = (f"could not count violating rows: {pg_error(exc)[1]}", None)
                continue
            if found:
                report.prechecks[step.number] = (f"{found[0]:,} {found[1]}", found[0])
        timings["prechecks"] = time.perf_counter() - t
        runnable = [s for s in active if s.number not in report.prechecks]
        emit("prechecked", {"report": report})
        if options.apply:
            pause("precheck")

        if runnable:
            t = time.perf_counter()
            from aishell.fix.backup import scratch_copy

            with scratch_copy(src.conninfo, major) as scratch:
                rehearsed = apply_steps(scratch, active, lock_timeout=options.lock_timeout,
                                        statement_timeout=options.statement_timeout, skip=report.prechecks)
            timings["rehearsal"] = time.perf_counter() - t
            bad = [(n, r) for n, r in rehearsed.items() if r.status != "applied" and n not in report.prechecks
                   and "covered by" not in (r.reason or "")]
            report.rehearsal = {"ok": not bad, "steps": len([r for r in rehearsed.values()
                                                             if r.status == "applied"]),
                                "seconds": round(timings["rehearsal"], 3)}
            if bad:
                n, r = bad[0]
                report.rehearsal["failed"] = {"step": n, "reason": r.reason}
                emit("rehearsed", {"report": report})
                raise UserError(f"dry run on a scratch copy of the schema failed at step {n} "
                                f"({plan.steps[n - 1].label}): {r.reason}; nothing was applied")
            emit("rehearsed", {"report": report})
            tables = sorted({t for s in runnable for t in s.tables})
            report.blockers = blocking_sessions(conn, tables)
            emit("blockers", {"report": report})

        if runnable and not options.apply and confirm is not None and confirm(report):
            _refuse_asked(plan, options)
            options.apply = True
            report.mode = "apply"
        if not options.apply or not runnable:
            if not runnable:
                report.notes.append("nothing to apply")
                if options.apply:  # every planned step is skipped: say so as results
                    from aishell.fix.execute import StepResult

                    report.results = {n: StepResult(n, "skipped", reason=r, violating_rows=c)
                                      for n, (r, c) in report.prechecks.items()}
            timings["total"] = time.perf_counter() - t0
            return report
        if report.blockers:
            b = report.blockers[0]
            raise UnsafeError(
                f"{len({x['pid'] for x in report.blockers})} other session(s) hold or wait for locks on tables "
                f"the fixes change (pid {b['pid']}, {b['state']}, {b['lock']} on {b['table']} for "
                f"{b['seconds']:.0f} s); nothing was applied",
                hint="let them finish (or end them) and run fix again")

        if options.benchmark_seconds:
            from aishell.fix.benchmark import Benchmark

            bench = Benchmark(src.conninfo, seconds=options.benchmark_seconds, clients=options.benchmark_clients)
            report.benchmark = {"before": bench.run("before")}
            emit("benchmark", {"phase": "before", "data": report.benchmark["before"]})
        t = time.perf_counter()
        from aishell.fix.backup import default_backup_path, write_backup

        data_tables = sorted({t for s in runnable if s.touches_data for t in s.tables})
        path = default_backup_path(options.backup_dir, dbname)
        report.backup = write_backup(conn, src.conninfo, major, path, data_tables)
        report.backup["seconds"] = round(time.perf_counter() - t, 3)
        timings["backup"] = time.perf_counter() - t
        emit("backup", {"report": report})

    t = time.perf_counter()
    report.results = apply_steps(
        src.conninfo, active, lock_timeout=options.lock_timeout, statement_timeout=options.statement_timeout,
        skip=report.prechecks, test_points=True,
        on_step=lambda step, res, i, n: emit("step", {"step": step, "result": res, "i": i, "n": n}))
    timings["apply"] = time.perf_counter() - t

    if bench is not None:
        bench.run("after")
        report.benchmark = bench.report()
        emit("benchmark", {"phase": "after", "data": report.benchmark["after"]})

    t = time.perf_counter()
    # Counter rules judge the scans since the first analysis read them, not the history before the fix.
    after = analyze(source_text, dataclasses.replace(aopts, baseline=before.counters))
    timings["analyze_after"] = time.perf_counter() - t
    report.health.update({"after": after.scores.get("score"), "after_label": after.scores.get("label"),
                          "after_counts": after.counts()})
    left = {_key(f.to_dict()) for f in after.findings}
    for s in plan.steps:
        r = report.results.get(s.number)
        if r is None or r.status != "applied":
            continue
        entry = {"step": s.number, "rule": s.rule, "table": s.table, "message": s.message}
        if _key(s.finding) in left:
            report.remaining_findings.append(entry)
        else:
            report.fixed_findings.append(entry)
    if report.remaining_findings:
        report.notes.append(f"{len(report.remaining_findings)} applied step(s) still have their finding "
                            "after re-analysis (see remaining_findings)")
    timings["total"] = time.perf_counter() - t0
    return report


def _refuse_asked(plan: Plan, options: FixOptions) -> None:
    """Rules the user named with --rule whose steps are refused: stop before anything changes (exit 3)."""
    asked = [s for s in plan.by_status("refused") if s.rule in options.rules]
    if not asked:
        return
    rules = sorted({s.rule for s in asked})
    raise UnsafeError(
        f"refused: {len(asked)} step(s) of {', '.join(rules)} remove or rewrite data "
        f"({'; '.join(s.label for s in asked[:3])}); nothing was applied",
        statements=[st.sql for s in asked for st in s.statements],
        hint="pass " + " ".join(f"--allow {r}" for r in rules) + " to apply them after a backup")
