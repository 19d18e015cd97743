"""Shared output helpers: Rich consoles, --json printing, and the common options every verb takes."""

from __future__ import annotations

import json
import sys
from typing import Any, Callable

import click


class Duration(click.ParamType):
    """A duration flag (``5s``, ``500ms``, ``10min``): converted to its canonical text by the one
    parser, ``aishell.durations``; anything else is a usage error naming the flag."""

    name = "duration"

    def __init__(self, *, default_unit: str = "ms", allow_zero: bool = False) -> None:
        self.default_unit = default_unit
        self.allow_zero = allow_zero

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        from aishell.durations import normalise_duration
        from aishell.errors import UserError

        flag = (param.opts[0] if param is not None and param.opts else "duration")
        try:
            return normalise_duration(value, flag=flag, default_unit=self.default_unit, allow_zero=self.allow_zero)
        except UserError as exc:
            raise click.UsageError(str(exc), ctx) from None


TIMEOUT = Duration()  # lock_timeout, statement_timeout: a bare number is milliseconds, as in PostgreSQL
WAIT = Duration(default_unit="s", allow_zero=True)  # --wait: a bare number is seconds, 0 does not wait


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
