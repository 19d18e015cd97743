"""``aishell schema version``: versioned migrations with history, checksums and rollback."""

from __future__ import annotations

from pathlib import Path

import click

from aishell.cli.diff import console
from aishell.cli.output import WAIT, json_option

DB_HELP = ("The database to version: a URL, environment name or database name (default: "
           "[defaults] or [migrations] database in aishell.toml).")


def _folder(path: str | None) -> Path:
    from aishell.config import load_config

    if path:
        return Path(path)
    return Path(load_config().section("migrations").get("dir", "migrations"))


def _database(text: str | None, required: bool = True) -> str | None:
    from aishell.config import default_database
    from aishell.errors import UserError
    from aishell.sources import parse_source

    text = text or default_database(prefer="migrations")
    if not text:
        if required:
            raise UserError("which database? pass --database SOURCE or set [defaults] database in aishell.toml")
        return None
    src = parse_source(text)
    if not src.is_live:
        raise UserError(f"--database {text!r} is not a database (a URL, environment or database name)")
    return src.conninfo


def dir_option(f):
    return click.option("--dir", "folder", default=None, help="Migrations folder (default: migrations).")(f)


def db_option(f):
    return click.option("--database", "database", default=None, metavar="SOURCE", help=DB_HELP)(f)


@click.group()
def version() -> None:
    """Versioned migrations: init, create (or commit), list, status, apply, rollback.

    \b
    Examples:
      aishell schema version init --database postgresql://app@db/app
      aishell schema version create "Add user preferences table"
      aishell schema version commit "Description of changes"
      aishell schema version apply --database staging
      aishell schema version rollback 1.2.0 --database staging
    """


def _wait_option(f):
    from aishell.cli.migrate import WAIT_HELP

    return click.option("--wait", "wait", type=WAIT, default="5s", show_default=True, metavar="DURATION", help=WAIT_HELP)(f)


@version.command()
@_wait_option
@dir_option
@db_option
@json_option
def init(wait: str, folder: str | None, database: str | None, as_json: bool) -> int:
    """Create the migrations folder and the history table (aishell_schema_versions) in the database.

    A database that already has tables becomes version 1.0.0 ("Initial schema"), recorded as applied.
    One run at a time per database (advisory lock; --wait): a baseline read while another run changes
    the schema would record a schema that never existed.
    """
    import contextlib

    from aishell.cli.output import print_json
    from aishell.migrate.lock import database_lock, parse_wait
    from aishell.migrate.versions import init as do_init

    wait_s = parse_wait(wait)
    path = _folder(folder)
    conninfo = _database(database, required=False)
    schema = None
    with database_lock(conninfo, wait=wait_s, what="version init") if conninfo else contextlib.nullcontext():
        if conninfo:
            from aishell.dialects.postgres.inspect import inspect

            schema = inspect(conninfo)
        created = do_init(path, conninfo, schema)
    if as_json:
        print_json({"folder": str(path), "history_table": bool(conninfo),
                    "baseline": created.version if created else None})
        return 0
    click.echo(f"Migrations folder: {path}/")
    if conninfo:
        click.echo("History table aishell_schema_versions is ready in the database.")
    else:
        click.echo("No database given: the history table is created by the first `version apply --database ...`.")
    if created:
        click.echo(f"Baseline: version {created.version} (Initial schema) written from the database and "
                   f"recorded as applied: {created.up.name}")
    return 0


@version.command()
@click.argument("message")
@click.option("--from", "source", default="design", show_default=True, metavar="SOURCE",
              help="The desired schema (default: the current design, aishell/design.json).")
@click.option("--version", "version_", default=None, help="Version number (default: the next minor, e.g. 1.3.0).")
@click.option("--rename", "renames", multiple=True, metavar="OLD:NEW", help="Confirm a table or column rename.")
@click.option("--no-verify", is_flag=True, help="Do not try up and down on a scratch database first.")
@dir_option
@json_option
def create(message: str, source: str, version_: str | None, renames: tuple[str, ...], no_verify: bool,
           folder: str | None, as_json: bool) -> int:
    """Write the next version: the up and down files that turn the last version into SOURCE."""
    from aishell.cli.output import print_json
    from aishell.migrate.compare import load_canonical
    from aishell.migrate.versions import create_version

    desired = load_canonical(source)
    created = create_version(_folder(folder), desired, message, version=version_, renames=list(renames),
                             verify=not no_verify)
    if as_json:
        print_json({"version": created.version, "up": str(created.up), "down": str(created.down),
                    "changes": created.changes, "unsafe_up": created.unsafe_up, "unsafe_down": created.unsafe_down})
        return 0
    click.echo(f"Version {created.version}: {message}")
    click.echo(f"  {created.up}")
    click.echo(f"  {created.down}")
    click.echo(f"  {created.changes} change(s)" + ("" if no_verify else "; up and down verified on a scratch database"))
    if created.unsafe_up:
        click.echo(f"  ! applying needs --unsafe ({', '.join(created.unsafe_up)})")
    if created.unsafe_down:
        click.echo(f"  ! rolling back needs --unsafe ({', '.join(created.unsafe_down)})")
    return 0


@version.command()
@click.argument("message")
@click.option("--from", "source", default="design", show_default=True, metavar="SOURCE",
              help="The desired schema (default: the current design, aishell/design.json).")
@click.option("--rename", "renames", multiple=True, metavar="OLD:NEW", help="Confirm a table or column rename.")
@click.option("--no-verify", is_flag=True, help="Do not try up and down on a scratch database first.")
@dir_option
@json_option
@click.pass_context
def commit(ctx: click.Context, message: str, source: str, renames: tuple[str, ...], no_verify: bool,
           folder: str | None, as_json: bool) -> int:
    """Record the current design's changes since the last version as the next version.

    The same as `version create`, with the migrations folder created on first use: the up and down
    files of the next minor version (verified on a scratch database), and the schema snapshot.

    \b
    Examples:
      aishell schema version commit "Add user preferences table"
      aishell schema version commit "Split addresses" --rename customers.addr:address
    """
    path = _folder(folder)
    if not path.is_dir():
        from aishell.migrate.versions import init as do_init

        do_init(path, None, None)
    return ctx.invoke(create, message=message, source=source, version_=None, renames=renames,
                      no_verify=no_verify, folder=str(path), as_json=as_json)


@version.command(name="list")
@dir_option
@db_option
@json_option
def list_(folder: str | None, database: str | None, as_json: bool) -> int:
    """The version history: version, date, message, table and index counts."""
    from aishell.cli.output import print_json, rule
    from aishell.migrate.versions import history_json

    conninfo = _database(database, required=False)
    rows = history_json(_folder(folder), conninfo)
    if as_json:
        print_json(rows)
        return 0
    out = console()
    out.print(rule("📚 Schema Version History"))
    out.print()
    if not rows:
        out.print('No versions yet: aishell schema version create "message"')
        return 0
    current = None
    if conninfo:
        applied = [r["version"] for r in rows if r.get("state") == "applied"]
        current = applied[-1] if applied else None
    else:
        current = rows[-1]["version"]
    for r in rows:
        date = (r["created"] or "")[:10]
        mark = " ← Current" if r["version"] == current else ""
        state = f"  [{r['state']}]" if conninfo and r.get("state") != "applied" else ""
        out.print(f"v{r['version']} ({date}){mark}{state}", soft_wrap=True)
        out.print(f"  {r['message']}", soft_wrap=True, markup=False)
        if "delta_tables" in r:
            parts = []
            if r["delta_tables"]:
                parts.append(f"{r['delta_tables']:+d} table{'s' if abs(r['delta_tables']) != 1 else ''}")
            if r["delta_indexes"]:
                parts.append(f"{r['delta_indexes']:+d} index{'es' if abs(r['delta_indexes']) != 1 else ''}")
            out.print(f"  {', '.join(parts) or 'no table or index count change'} "
                      f"({r['tables']} tables, {r['indexes']} indexes)")
        elif r["tables"] is not None:
            out.print(f"  {r['tables']} tables, {r['indexes']} indexes")
        out.print()
    draft = _draft(_folder(folder))
    if draft:
        out.print("Next version (draft, from the current design):")
        for line in draft[:10]:
            out.print(f"  {line}", markup=False, soft_wrap=True)
        if len(draft) > 10:
            out.print(f"  … and {len(draft) - 10} more")
        out.print('  aishell schema version create "message" writes it')
    return 0


def _draft(folder: Path) -> list[str]:
    """What the current design (aishell/design.json) changes since the last version, if anything."""
    from aishell.config import design_path

    if not design_path().exists():
        return []
    try:
        from aishell.diff import diff_schemas
        from aishell.diff.report import describe
        from aishell.migrate.compare import load_canonical
        from aishell.migrate.versions import load_snapshot, strip_history, versions_in

        existing = versions_in(folder)
        previous = load_snapshot(folder, existing[-1].version) if existing else None
        if previous is None:
            return []
        cs = diff_schemas(previous, strip_history(load_canonical("design")))
        lines = []
        for c in cs.changes:
            line = describe(c, "design", "last version")[0]
            if c.parent and c.kind in ("column", "index", "constraint", "foreign key", "trigger", "policy"):
                table = c.parent.removeprefix("public.")
                line = f"{line[:2]}{c.kind} {table}.{line[2:]}"
            lines.append(line)
        return lines
    except Exception:  # noqa: BLE001 - a draft is a courtesy; the history above is what was asked for
        return []


@version.command()
@dir_option
@db_option
@json_option
def status(folder: str | None, database: str | None, as_json: bool) -> int:
    """Which versions the database has applied, which are pending, and whether history and database agree.

    Exit 0 when they agree; 1 when an applied file was edited or is missing; 2 when the history and the
    database disagree: a version applied or rolled back only in part (`version apply` or `rollback`
    resumes it), an INVALID index, or a schema that is not the last applied version's.

    \b
    Examples:
      aishell schema version status --database staging
      aishell schema version status --json
    """
    from aishell.cli.output import print_json
    from aishell.errors import EXIT_DIFFERENCES, EXIT_OK, EXIT_USER_ERROR
    from aishell.migrate.versions import disagreements
    from aishell.migrate.versions import status as do_status

    path, conninfo = _folder(folder), _database(database)
    rows = do_status(path, conninfo)
    problems = disagreements(path, conninfo, rows)
    bad = [r for r in rows if r.state in ("modified", "missing-file")]
    if as_json:
        print_json({"versions": [r.__dict__ for r in rows], "agree": not problems and not bad,
                    "disagreements": problems})
    else:
        out = console()
        if not rows:
            out.print("No versions.")
        icons = {"applied": "✓", "pending": "·", "modified": "✗", "missing-file": "✗", "partial": "◐",
                 "rolling-back": "◑"}
        for r in rows:
            when = f"  applied {r.applied_at}" if r.applied_at else ""
            out.print(f"{icons.get(r.state, '?')} v{r.version:<10} {r.state:<12} {r.message}{when}", soft_wrap=True,
                      markup=False)
            if r.detail:
                out.print(f"    {r.detail}", markup=False)
        if problems:
            out.print("")
            out.print("History and database disagree:", markup=False)
            for line in problems:
                out.print(f"  ✗ {line}", markup=False, soft_wrap=True)
    if bad:
        return EXIT_USER_ERROR
    return EXIT_DIFFERENCES if problems else EXIT_OK


def _runner(as_json: bool, total_hint: int | None = None):
    from aishell.cli.output import progress

    return progress("Migrating", total_hint, enabled=not as_json)


@version.command()
@click.option("--to", "to", default=None, metavar="VERSION", help="Stop after this version.")
@click.option("--unsafe", is_flag=True, help="Allow versions whose up file deletes data.")
@_wait_option
@dir_option
@db_option
@json_option
def apply(to: str | None, unsafe: bool, wait: str, folder: str | None, database: str | None, as_json: bool) -> int:
    """Apply pending versions in order (up to --to), recording each step with the change it makes.

    A version an earlier run left partly applied (interrupted, or stopped on an error) is resumed at
    its first unrecorded step. One run at a time per database (advisory lock; --wait).
    """
    from aishell.cli.output import print_json
    from aishell.migrate.lock import parse_wait
    from aishell.migrate.versions import apply_versions

    wait_s = parse_wait(wait)
    with _runner(as_json) as bar:
        task = bar.add_task("Applying", total=None)
        results = apply_versions(_folder(folder), _database(database), to=to, unsafe=unsafe,
                                 on_statement=lambda s: bar.advance(task), wait=wait_s)
    if as_json:
        print_json([r.__dict__ for r in results])
    elif not results:
        click.echo("Nothing to apply: the database is up to date.")
    else:
        for r in results:
            resumed = f", resumed at step {r.resumed_from}" if r.resumed_from else ""
            click.echo(f"✓ applied v{r.version} ({r.steps} step(s){resumed}, {r.seconds:.2f}s)")
    return 0


@version.command()
@click.argument("to_version", metavar="VERSION")
@click.option("--unsafe", is_flag=True, help="Allow down files that delete data.")
@_wait_option
@dir_option
@db_option
@json_option
def rollback(to_version: str, unsafe: bool, wait: str, folder: str | None, database: str | None,
             as_json: bool) -> int:
    """Roll back to VERSION: run the down files of every later applied version, newest first.

    Each step of a down file commits with its history record; an interrupted rollback resumes where it
    stopped when run again. One run at a time per database (advisory lock; --wait).
    """
    from aishell.cli.output import print_json
    from aishell.migrate.lock import parse_wait
    from aishell.migrate.versions import rollback_versions

    wait_s = parse_wait(wait)
    with _runner(as_json) as bar:
        task = bar.add_task("Rolling back", total=None)
        results = rollback_versions(_folder(folder), _database(database), to_version, unsafe=unsafe,
                                    on_statement=lambda s: bar.advance(task), wait=wait_s)
    if as_json:
        print_json([r.__dict__ for r in results])
    else:
        for r in results:
            resumed = f", resumed at step {r.resumed_from}" if r.resumed_from else ""
            click.echo(f"↺ rolled back v{r.version} ({r.steps} step(s){resumed}, {r.seconds:.2f}s)")
    return 0
