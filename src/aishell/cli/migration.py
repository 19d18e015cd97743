"""``aishell schema migration analyze|fix``: lint migration SQL and rewrite it into safe forms."""

from __future__ import annotations

from pathlib import Path

import click

from aishell.cli.output import console, json_option, print_json

TARGET_HELP = "FILE, DIR or VERSION (default: every up file of the migrations folder)."


def _folder(folder: str | None) -> Path:
    from aishell.config import load_config

    if folder:
        return Path(folder)
    return Path(load_config().section("migrations").get("dir", "migrations"))


def _database(text: str | None) -> str | None:
    if not text:
        return None
    from aishell.errors import UserError
    from aishell.sources import parse_source

    src = parse_source(text)
    if not src.is_live:
        raise UserError(f"--database {text!r} is not a database (a URL, environment or database name)")
    return src.conninfo


@click.group()
def migration() -> None:
    """Lint migration SQL and rewrite it into its safe forms.

    \b
    Examples:
      aishell schema migration analyze
      aishell schema migration analyze migrations/V1.2.0__split_orders.up.sql --database production
      aishell schema migration fix --auto
      aishell schema migration fix add_index.sql --auto --write
    """


@migration.command()
@click.argument("target", required=False, metavar="[FILE|DIR|VERSION]")
@click.option(
    "--database",
    "-d",
    "database",
    metavar="SOURCE",
    help="A live database: each finding gets its table's row count.",
)
@click.option("--dir", "folder", default=None, help="Migrations folder (default: migrations).")
@click.option("--rule", "rules", multiple=True, metavar="ID", help="Only this rule (repeatable).")
@click.option("--exclude", "exclude", multiple=True, metavar="ID", help="Skip this rule (repeatable).")
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning"]),
    help="Exit 2 when a finding is this severe or worse.",
)
@click.option(
    "--list-rules", is_flag=True, help="List the rules (with the squawk rules each covers) and exit."
)
@json_option
def analyze(target, database, folder, rules, exclude, fail_on, list_rules, as_json) -> int:
    """Lint migration SQL: locks, rewrites, data loss and failures on a live database.

    Reads the files aishell wrote (`version create`) or any hand-written SQL, parsed by PostgreSQL's own
    grammar. Rules that concern live tables skip tables the same file creates. `-- squawk-ignore RULE`
    and `-- aishell-ignore RULE` comments are honoured.

    \b
    Examples:
      aishell schema migration analyze
      aishell schema migration analyze 1.2.0 --database production
      aishell schema migration analyze hand_written.sql --json
    """
    from aishell.errors import EXIT_DIFFERENCES, UserError
    from aishell.lint import RULES, add_row_counts, lint_paths, migration_files

    if list_rules:
        return _list_rules(as_json)
    for r in (*rules, *exclude):
        if r not in RULES:
            raise UserError(f"unknown rule {r!r} (see --list-rules)")
    paths = migration_files(target, _folder(folder))
    reports = lint_paths(paths, rules=list(rules) or None, exclude=list(exclude))
    conninfo = _database(database)
    if conninfo:
        add_row_counts(reports, conninfo)
    violations = [v for r in reports for v in r.violations]
    if as_json:
        print_json(
            {
                "files": [r.to_dict() for r in reports],
                "counts": {
                    "error": sum(v.severity == "error" for v in violations),
                    "warning": sum(v.severity == "warning" for v in violations),
                },
            }
        )
    else:
        _print_reports(reports)
    if fail_on:
        worst = {"error": {"error"}, "warning": {"error", "warning"}}[fail_on]
        if any(v.severity in worst for v in violations):
            return EXIT_DIFFERENCES
    return 0


def _print_reports(reports) -> None:
    from rich.markup import escape

    from aishell.cli.output import rule

    out = console()
    out.print(rule("🔎 Migration analysis"))
    total = 0
    for r in reports:
        out.print()
        out.print(f"[bold]{escape(r.path)}[/bold] ({r.statements} statements)")
        if not r.violations:
            out.print("  [green]✓[/green] no findings")
            continue
        for v in r.violations:
            total += 1
            style = "red" if v.severity == "error" else "yellow"
            rows = ""
            if v.rows is not None:
                rows = f" [dim]({v.table}: {v.rows:,} rows{', estimated' if v.rows_kind == 'estimated' else ''})[/dim]"
            fix = " [dim](migration fix --auto rewrites it)[/dim]" if _fixable(v.rule) else ""
            out.print(
                f"  line {v.line}: [{style}]{v.severity}[/{style}] [bold]{v.rule}[/bold]: "
                f"{escape(v.message)}{rows}{fix}"
            )
            out.print(f"    [dim]{escape(v.statement)}[/dim]")
    out.print("━" * 50)
    errors = sum(v.severity == "error" for r in reports for v in r.violations)
    out.print(f"{total} finding(s) in {len(reports)} file(s): {errors} error(s), {total - errors} warning(s)")
    if total:
        out.print("Explain a rule: aishell schema migration analyze --list-rules")


def _fixable(rule_id: str) -> bool:
    from aishell.lint import RULES

    return RULES[rule_id].fixable


def _list_rules(as_json: bool) -> int:
    from aishell.lint import RULES

    rows = [
        {
            "id": r.id,
            "severity": r.severity,
            "title": r.title,
            "why": r.why,
            "squawk": list(r.squawk),
            "fixable": r.fixable,
        }
        for r in sorted(RULES.values(), key=lambda r: r.id)
    ]
    if as_json:
        print_json(rows)
        return 0
    from rich.markup import escape

    out = console()
    for r in rows:
        sq = (
            f" [dim](squawk: {', '.join(r['squawk'])})[/dim]" if r["squawk"] else " [dim](aishell only)[/dim]"
        )
        fx = " [green]fixable[/green]" if r["fixable"] else ""
        out.print(f"[bold]{r['id']}[/bold] {r['severity']}{fx}: {escape(r['title'])}{sq}")
        out.print(f"    {escape(r['why'])}")
    return 0


@migration.command()
@click.argument("target", required=False, metavar="[FILE|DIR|VERSION]")
@click.option(
    "--auto", is_flag=True, help="Apply every automatic rewrite (the default shows the findings only)."
)
@click.option("--write", is_flag=True, help="Write the rewritten files (default: show the diff only).")
@click.option(
    "--database",
    "-d",
    "database",
    metavar="SOURCE",
    help="A live database: backfills follow its foreign keys where a NOT NULL column is added.",
)
@click.option("--dir", "folder", default=None, help="Migrations folder (default: migrations).")
@json_option
def fix(target, auto, write, database, folder, as_json) -> int:
    """Rewrite migration SQL into its safe forms and show the diff.

    --auto rewrites: CREATE/DROP INDEX and REINDEX CONCURRENTLY outside the transaction; CHECK and
    FOREIGN KEY NOT VALID then VALIDATE; UNIQUE and PRIMARY KEY through a concurrent index; a NOT NULL
    column added nullable, backfilled in batches, proved by a validated CHECK, then SET NOT NULL;
    lock and statement timeouts. Nothing is written without --write; what needs a person (a type change,
    a DROP, a value nobody gave) is listed.

    \b
    Examples:
      aishell schema migration fix --auto
      aishell schema migration fix V1.3.0 --auto --database production
      aishell schema migration fix add_index.sql --auto --write
    """
    from aishell.errors import UserError
    from aishell.lint import lint_paths, migration_files
    from aishell.lint.fixer import database_fill, fix_text
    from aishell.lint.statements import read_sql_file

    paths = migration_files(target, _folder(folder))
    if not auto:
        if write:
            raise UserError("--write needs --auto (say which rewrites to apply)")
        reports = lint_paths(paths)
        if as_json:
            print_json({"files": [r.to_dict() for r in reports], "hint": "add --auto to rewrite"})
        else:
            _print_reports(reports)
            console().print("Rewrite the fixable ones: aishell schema migration fix --auto")
        return 0
    conninfo = _database(database)
    fill = database_fill(conninfo) if conninfo else None
    results = [fix_text(read_sql_file(p), str(p), fill=fill) for p in paths]
    applied_versions = _applied(paths, folder, database) if write else set()
    written = []
    for res, p in zip(results, paths):
        if write and res.changed:
            if p.name in applied_versions:
                continue
            p.write_text(res.fixed, encoding="utf-8")
            written.append(str(p))
    if as_json:
        print_json(
            {
                "files": [r.to_dict() for r in results],
                "written": written,
                "refused_applied": sorted(applied_versions & {p.name for p in paths}),
            }
        )
        return 0
    import sys

    out = console()
    for res in results:
        if res.changed:
            sys.stdout.write(res.diff())
            sys.stdout.flush()
        out.print(
            f"[bold]{res.path}[/bold]: {len(res.applied)} finding(s) rewritten, "
            f"{len(res.manual)} left for you"
        )
        for m in res.manual:
            out.print(f"  line {m['line']}: {m['rule']}: {m['message']}", markup=False)
    if write:
        out.print(f"Wrote {len(written)} file(s).")
        for name in sorted(applied_versions & {p.name for p in paths}):
            out.print(
                f"[yellow]Not rewritten: {name} is applied in the database (its checksum is recorded); "
                "add a new version instead.[/yellow]"
            )
    elif any(r.changed for r in results):
        out.print("Nothing written: add --write to save the rewritten files.")
    return 0


def _applied(paths: list[Path], folder: str | None, database: str | None) -> set[str]:
    """Up files the database has recorded as applied (their checksum would no longer match)."""
    from aishell.config import default_database

    text = database or default_database(prefer="migrations")
    conninfo = _database(text) if text else None
    if not conninfo:
        return set()
    from aishell.migrate.versions import history

    try:
        return {row["script"] for row in history(conninfo).values()}
    except Exception:  # noqa: BLE001 - no history table: nothing applied by aishell
        return set()
