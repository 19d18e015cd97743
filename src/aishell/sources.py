"""SOURCE: the one argument form every command that reads a schema accepts.

* a PostgreSQL URL (``postgresql://user@host/db``) or libpq conninfo (``host=... dbname=...``);
* an environment name from ``aishell.toml`` (``[environments] staging = "postgresql://..."``);
* a ``.sql`` file: loaded into a throwaway database on the embedded server and introspected there
  (PostgreSQL itself is the parser);
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
from typing import Any

from aishell.config import Config, design_path, load_config
from aishell.dialects.postgres.connect import mask_url
from aishell.errors import SourceError
from aishell.model import ModelFormatError, Schema, loads

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


def load_sql_into(conninfo: str, path: Path, psql: Path) -> None:
    """Run a SQL file (psql meta-commands allowed, as pg_dump writes them) with ON_ERROR_STOP."""
    text = read_text_file(path)
    if not text.strip():
        raise SourceError(f"{path}: empty file")
    run_sql_text(conninfo, text, psql, label=str(path))


def run_sql_text(conninfo: str, text: str, psql: Path, *, label: str = "SQL") -> None:
    from aishell.dialects.postgres.client import CONNINFO, run_client

    proc = run_client(
        [psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", CONNINFO, "-f", "-"],
        conninfo,
        input=text.encode(),
        capture_output=True,
        timeout=600,
    )
    if proc.returncode != 0:
        err = proc.stderr.decode(errors="replace")
        raise SourceError(f"{label}: {_first_psql_error(err)}")


def _first_psql_error(stderr: str) -> str:
    for line in stderr.splitlines():
        m = re.match(r"psql:[^:]*:(\d+): (ERROR|FATAL|error):\s*(.*)", line)
        if m:
            return f"line {m.group(1)}: {m.group(3)}"
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    return lines[0] if lines else "psql failed"


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
        psql = server.bin("psql")
        if source.kind == "sql":
            assert source.path is not None
            load_sql_into(conninfo, source.path, psql)
        elif build_from_model:
            from aishell.dialects.postgres.generate import generate

            schema = load_schema(source)
            run_sql_text(conninfo, generate(schema), psql, label=source.display)
        yield conninfo
