"""Entry point: ``aishell`` and its command groups, with lazily imported verbs.

Each verb lives in its own module (``aishell.cli.<module>``) exposing a click command; the group
imports it only when that verb runs, so ``aishell --help`` stays fast. A verb whose module is not
installed is not listed: only verbs that work are registered.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys

import click

from aishell import __version__
from aishell.errors import EXIT_INTERNAL, EXIT_USER_ERROR, AishellError

# verb -> (module under aishell.cli, attribute, one-line help). Order is the order shown in --help.
SCHEMA_VERBS: dict[str, tuple[str, str, str]] = {
    "design": ("design", "design", "Design a schema from requirements in plain English (or a wizard)."),
    "requirements": ("design", "requirements", "Show what aishell understands from requirements text."),
    "pattern": ("pattern", "pattern", "List, show or apply a schema pattern (e-commerce, saas, ...)."),
    "generate": ("generate", "generate", "Generate DDL (sql, mysql, sqlite, mongodb) from a schema."),
    "validate": ("validate", "validate", "Load a schema into the embedded PostgreSQL and check it."),
    "inspect": ("inspect", "inspect", "Read a schema from a database, .sql or .json file."),
    "analyze": ("analyze", "analyze", "Health report of a database: findings with evidence and fix SQL."),
    "optimize-types": ("analyze", "optimize_types", "Suggest smaller or better column types, with savings."),
    "fix": ("fix", "fix", "Apply what analysis found, safely (backup, dry run, timeouts)."),
    "cleanup": ("cleanup", "cleanup", "Move rows that break a planned constraint into quarantine (way back printed)."),
    "cleanup-invalid-emails": ("cleanup", "cleanup_invalid_emails", "Same as cleanup invalid-emails (the tutorial's "
                                                                     "spelling)."),
    "refactor": ("refactor", "refactor", "Plan a refactoring (multi-tenancy, lookups, partitioning, ...) and apply it."),
    "diff": ("diff", "diff", "Compare two schemas; print the changes or the migration SQL."),
    "migrate": ("migrate", "migrate", "Preview or apply the migration that makes TARGET match SOURCE."),
    "version": ("version", "version", "Versioned migrations: init, create/commit, list, status, apply, rollback."),
    "migration": ("migration", "migration", "Lint migration SQL (analyze) and rewrite it into its safe forms (fix)."),
    "document": ("document", "document", "Write Markdown or HTML documentation for a schema."),
    "diagram": ("diagram", "diagram", "Draw an ER diagram (png, svg, mermaid, dot, dbml)."),
    "simplify": ("diagram", "simplify", "A simplified view of a large schema for docs and diagrams."),
    "test": ("datagen", "test_data", "Generate realistic test data and load it."),
    "benchmark": ("datagen", "benchmark", "Benchmark a workload against a schema."),
}

TOP_VERBS: dict[str, tuple[str, str, str]] = {
    "sandbox": ("sandbox", "sandbox", "Status of the embedded PostgreSQL server, or stop it."),
}


def _available(table: dict[str, tuple[str, str, str]]) -> dict[str, tuple[str, str, str]]:
    out = {}
    for verb, spec in table.items():
        if importlib.util.find_spec(f"aishell.cli.{spec[0]}") is not None:
            out[verb] = spec
    return out


class LazyGroup(click.Group):
    def __init__(self, *args, lazy: dict[str, tuple[str, str, str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._lazy_table = lazy or {}
        self._lazy_cache: dict[str, tuple[str, str, str]] | None = None

    @property
    def lazy(self) -> dict[str, tuple[str, str, str]]:
        if self._lazy_cache is None:
            self._lazy_cache = _available(self._lazy_table)
        return self._lazy_cache

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(super().list_commands(ctx)) + [v for v in self.lazy if v not in self.commands]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy:
            module, attr, _ = self.lazy[cmd_name]
            command = getattr(importlib.import_module(f"aishell.cli.{module}"), attr)
            command.name = cmd_name
            return command
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # List lazy verbs from the table's help text, without importing their modules.
        rows = [(name, spec[2]) for name, spec in self.lazy.items()]
        rows += [(n, c.get_short_help_str()) for n, c in self.commands.items() if n not in self.lazy]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(cls=LazyGroup, lazy=TOP_VERBS, context_settings=CONTEXT)
@click.version_option(__version__, prog_name="aishell")
@click.option("--debug", is_flag=True, help="Show a traceback on errors.")
def cli(debug: bool) -> None:
    """aishell: design, analyze, diff and document relational database schemas.

    \b
    Examples:
      aishell schema design "a clinic with patients, doctors and appointments"
      aishell schema inspect postgresql://app@localhost/app
      aishell schema generate sql --from schema.sql
    """
    if debug:
        os.environ["AISHELL_DEBUG"] = "1"


@cli.group(cls=LazyGroup, lazy=SCHEMA_VERBS, context_settings=CONTEXT)
def schema() -> None:
    """Schema design, analysis, migration and documentation.

    SOURCE, wherever a command reads a schema, is a PostgreSQL URL, an environment name from
    aishell.toml, a database name (libpq environment), a .sql file, a .json model, or `design`.
    """


def main(argv: list[str] | None = None) -> None:
    """Run the CLI, turning every expected error into one line on stderr and an exit code."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:]) or os.environ.get("AISHELL_DEBUG")
    try:
        rv = cli.main(args=argv, prog_name="aishell", standalone_mode=False)
        code = rv if isinstance(rv, int) else 0
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except click.exceptions.Abort:
        _error("aborted")
        code = 130
    except click.UsageError as exc:
        where = exc.ctx.command_path if exc.ctx else "aishell"
        _error(f"{exc.format_message()} (see '{where} --help')")
        code = EXIT_USER_ERROR
    except click.ClickException as exc:
        _error(exc.format_message())
        code = exc.exit_code
    except AishellError as exc:
        if debug:
            import traceback

            traceback.print_exc()
        _error(str(exc))
        code = exc.exit_code
    except KeyboardInterrupt:
        _error("interrupted")
        code = 130
    except BrokenPipeError:
        code = 0
    except Exception as exc:  # a bug: still one line unless --debug
        from aishell.model import ModelFormatError

        if isinstance(exc, ModelFormatError):  # a model file read outside a SOURCE (a version snapshot)
            _error(str(exc))
            sys.exit(EXIT_USER_ERROR)
        if debug:
            raise
        from aishell.dialects.postgres.connect import mask_url

        _error(f"internal error: {type(exc).__name__}: {mask_url(str(exc)).splitlines()[0] if str(exc) else ''}"
               " (run with --debug for a traceback)")
        code = EXIT_INTERNAL
    sys.exit(code)


def _error(message: str) -> None:
    from aishell.dialects.postgres.connect import mask_url

    line = " ".join(mask_url(message).split())
    sys.stderr.write(f"aishell: error: {line}\n")


if __name__ == "__main__":  # pragma: no cover
    main()
