"""``aishell sandbox status|stop``: the embedded PostgreSQL server aishell starts on demand."""

from __future__ import annotations

import click

from aishell.cli.output import console, json_option, print_json


@click.group()
def sandbox() -> None:
    """The embedded PostgreSQL 18 server used to validate schemas and load .sql sources.

    \b
    Examples:
      aishell sandbox status
      aishell sandbox start
      aishell sandbox stop
    """


@sandbox.command()
@json_option
def status(as_json: bool) -> None:
    """Show whether the sandbox runs, where its data lives, and its databases."""
    from aishell.dialects.postgres.server import get_sandbox

    info = get_sandbox().status()
    if as_json:
        print_json(info)
        return
    c = console()
    c.print(f"Sandbox: {'[green]running[/green]' if info['running'] else 'stopped'}")
    c.print(f"  data directory: {info['data_dir']}")
    if info.get("version"):
        c.print(f"  PostgreSQL: {info['version']}")
    if info.get("pid"):
        c.print(f"  pid: {info['pid']}")
    if info.get("databases"):
        c.print(f"  databases: {', '.join(info['databases'])}")


@sandbox.command()
@json_option
def start(as_json: bool) -> None:
    """Start the sandbox (commands start it on demand anyway)."""
    from aishell.dialects.postgres.server import get_sandbox

    box = get_sandbox()
    box.ensure_running()
    if as_json:
        print_json(box.status())
    else:
        console().print(f"Sandbox running ({box.root})")


@sandbox.command()
@json_option
def stop(as_json: bool) -> None:
    """Stop the sandbox server (its data stays for the next start)."""
    from aishell.dialects.postgres.server import get_sandbox

    was_running = get_sandbox().stop()
    if as_json:
        print_json({"stopped": was_running})
    else:
        console().print("Sandbox stopped" if was_running else "Sandbox was not running")
