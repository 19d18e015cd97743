"""Shared output helpers: Rich consoles, --json printing, and the common options every verb takes."""

from __future__ import annotations

import json
import sys
from typing import Any, Callable

import click


def json_option(func: Callable) -> Callable:
    return click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")(func)


def console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def rule(title: str) -> str:
    return f"[bold]{title}[/bold]\n" + "━" * 50


def progress(description: str, total: int | None = None, *, enabled: bool = True):
    """A Rich progress bar on stderr, shown only on a terminal (and never with --json)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    show = enabled and sys.stderr.isatty()
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=console(stderr=True), disable=not show, transient=True,
    )
