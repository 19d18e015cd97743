"""SOURCE: the one argument form every command that reads a schema accepts.

* a PostgreSQL URL (``postgresql://user@host/db``) or libpq conninfo (``host=... dbname=...``);
* an environment name from ``aishell.toml`` (``[environments] staging = "postgresql://..."``);
* a ``.sql`` file: checked (no psql meta-commands, schema statements only), loaded into a throwaway
  database on the embedded server as an unprivileged role and introspected there (PostgreSQL itself is
  the parser; ``dialects/postgres/sqlload.py``);
* a ``.json`` model file (``aishell schema inspect --json`` or ``design --json`` output);
* ``design``: the current design saved by ``aishell schema design`` (``aishell/design.json``);
* a bare database name, resolved with the usual libpq environment (``PGHOST``, ``PGUSER``, ...).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aishell.config import Config, design_path, load_config
from aishell.dialects.postgres.connect import mask_url
from aishell.errors import SourceError
from aishell.model import ModelFormatError, Schema, loads

if TYPE_CHECKING:
    from aishell.dialects.postgres.sqlload import LoadRole

_URL = re.compile(r"^postgres(ql)?(\+\w+)?://", re.I)
_CONNINFO = re.compile(r"^\s*\w+\s*=")
_DBNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_$-]*$")


@dataclass(frozen=True)
class Source:
    """A parsed SOURCE argument. ``conninfo`` is set for live databases, ``path`` for files."""

    kind: str  # url | env | dbname | sql | json | design
    text: str
    conninfo: str | None = None
    path: Path | None = None

    @property
    def display(self) -> str:
        """How to name this source in output: never with a password."""
        if self.kind in ("sql", "json"):
            return str(self.path)
        if self.kind == "design":
            return "current design"
        if self.kind == "env":
            return self.text
        return mask_url(self.text)

    @property
    def is_live(self) -> bool:
        return self.conninfo is not None


def parse_source(text: str, config: Config | None = None) -> Source:
    """Decide what kind of source ``text`` names, without connecting or reading anything big."""
    if text is None or not str(text).strip():
        raise SourceError("empty SOURCE: give a database URL, an environment name, a .sql or .json file")
    text = str(text).strip()
    if _URL.match(text):
        url = re.sub(r"^postgres(ql)?\+\w+://", "postgresql://", text, flags=re.I)
        return Source("url", text, conninfo=url)
    if _CONNINFO.match(text):
        return Source("url", text, conninfo=text)
    lower = text.lower()
    if lower.endswith(".sql"):
        return Source("sql", text, path=_existing_file(text))
    if lower.endswith(".json"):
        return Source("json", text, path=_existing_file(text))
    if text == "design":
        path = design_path()
        if not path.exists():
            raise SourceError(
                "no current design: run `aishell schema design \"...\"` first, or pass --from SOURCE"
            )
        return Source("design", text, path=path)
    config = config or load_config()
    if text in config.environments:
        conninfo = config.environment(text)
        assert conninfo is not None
        if not _URL.match(conninfo) and not _CONNINFO.match(conninfo):
            raise SourceError(f"environment {text!r} in {config.path} is not a PostgreSQL URL")
        return Source("env", text, conninfo=conninfo)
    if Path(text).exists():
        raise SourceError(f"{text}: unsupported file type (expected .sql or .json)")
    if "/" in text or "\\" in text or "." in Path(text).name:
        raise SourceError(f"{text}: no such file")
    if _DBNAME.match(text):
        if config.environments:
            # A bare word could be a typo of an environment name: say so rather than guessing.
            import difflib

            close = difflib.get_close_matches(text, list(config.environments), n=1, cutoff=0.75)
            if close:
                raise SourceError(
                    f"unknown environment {text!r} (did you mean {close[0]!r}? "
                    f"environments in {config.path}: {', '.join(sorted(config.environments))})"
                )
        return Source("dbname", text, conninfo=f"dbname={text}")
    raise SourceError(f"{text!r} is not a database URL, environment name, database name, .sql or .json file")


def _existing_file(text: str) -> Path:
    path = Path(text).expanduser()
    if not path.exists():
        raise SourceError(f"{text}: no such file")
    if path.is_dir():
        raise SourceError(f"{text}: is a directory, not a file")
    return path


def read_text_file(path: Path) -> str:
    """Read a text file, refusing binary content with a clear message."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"{path}: cannot read ({exc.strerror})") from None
    if b"\x00" in raw[:65536]:
        raise SourceError(f"{path}: binary file, expected text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SourceError(f"{path}: not UTF-8 text") from None


def load_model_file(path: Path) -> Schema:
    text = read_text_file(path)
    if not text.strip():
        raise SourceError(f"{path}: empty file")
    try:
        return loads(text)
    except ModelFormatError as exc:
        raise SourceError(f"{path}: {exc}") from None


def load_sql_into(conninfo: str, path: Path, psql: Path | None = None) -> None:
    """Load a user's .sql file into the throwaway database ``conninfo`` (an administrator's conninfo):
    checked statement by statement and run as an unprivileged role, never through psql (see
    ``dialects/postgres/sqlload.py``). ``psql`` is ignored (kept for callers of the old signature)."""
    text = read_text_file(path)
    if not text.strip():
        raise SourceError(f"{path}: empty file")
    from aishell.dialects.postgres.sqlload import load_checked

    load_checked(conninfo, text, label=str(path))


def load_generated_into(conninfo: str, ddl: str, *, label: str) -> None:
    """Load DDL generated from a model file the same way as a .sql SOURCE: a model's fields are user
    text that lands in the DDL."""
    from aishell.dialects.postgres.sqlload import load_checked

    load_checked(conninfo, ddl, label=label)


def load_sql_owned(conninfo: str, path: Path) -> LoadRole:
    """Load a user's .sql file like ``load_sql_into``, into a throwaway database aishell will write rows
    into: the unprivileged role it was loaded as keeps owning everything, and whatever runs the file's
    code later (triggers, defaults, a benchmark) logs in as it (``sqlload.load_owned``)."""
    text = read_text_file(path)
    if not text.strip():
        raise SourceError(f"{path}: empty file")
    from aishell.dialects.postgres.sqlload import load_owned

    return load_owned(conninfo, text, label=str(path))


def load_generated_owned(conninfo: str, ddl: str, *, label: str) -> LoadRole:
    """``load_generated_into`` for a throwaway database aishell will write rows into (``load_sql_owned``)."""
    from aishell.dialects.postgres.sqlload import load_owned

    return load_owned(conninfo, ddl, label=label)


def run_sql_text(conninfo: str, text: str, psql: Path | None = None, *, label: str = "SQL") -> None:
    """Run SQL we wrote or dumped ourselves as the connection's user (psycopg, no psql; ``psql`` is
    ignored). Never give it a user's file: ``load_sql_into`` checks those."""
    from aishell.dialects.postgres.sqlload import run_trusted

    run_trusted(conninfo, text, label=label)


def load_schema(source: Source | str, **inspect_options: Any) -> Schema:
    """Turn any SOURCE into a schema model.

    ``inspect_options`` (``schemas``, ``include_stats``, ``statement_timeout``) go to the PostgreSQL
    inspector for live databases and ``.sql`` files; a model file is returned as it is.
    """
    if isinstance(source, str):
        source = parse_source(source)
    if source.kind in ("json", "design"):
        assert source.path is not None
        return load_model_file(source.path)
    with open_database(source) as conninfo:
        from aishell.dialects.postgres.inspect import inspect

        schema = inspect(conninfo, **inspect_options)
    if source.kind == "sql":
        schema.name = Path(source.text).stem
        # The file loaded as an unprivileged role, but its model goes on to be built and run by the
        # administrator (a migration's verification copy, a materialized view filled WITH DATA):
        # it is checked like a model file.
        from aishell.model.check import check_schema

        check_schema(schema, origin=str(source.path))
    elif schema.name is None:
        schema.name = source.display
    return schema


@contextlib.contextmanager
def open_database(source: Source | str, *, build_from_model: bool = True) -> Iterator[str]:
    """Yield a conninfo for a live database holding SOURCE.

    Live sources are used as they are. A ``.sql`` file is loaded into a throwaway database on the
    scratch server; a model (``.json``/``design``) is generated to DDL and loaded the same way.
    The throwaway database is dropped on exit.
    """
    if isinstance(source, str):
        source = parse_source(source)
    if source.conninfo is not None:
        yield source.conninfo
        return
    from aishell.dialects.postgres.server import scratch_server

    server = scratch_server()
    with server.temporary_database() as conninfo:
        if source.kind == "sql":
            assert source.path is not None
            load_sql_into(conninfo, source.path)
        elif build_from_model:
            from aishell.dialects.postgres.generate import generate

            schema = load_schema(source)
            load_generated_into(conninfo, generate(schema), label=f"DDL generated from {source.display}")
        yield conninfo
