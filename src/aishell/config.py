"""Project configuration: ``aishell.toml`` in the working directory (or ``$AISHELL_CONFIG``).

```toml
[environments]
staging = "postgresql://app@staging-db/app"
production = "${PROD_DATABASE_URL}"

[defaults]
database = "production"     # the database commands use when none is given (fix, cleanup, version, ...)

[llm]
provider = "ollama"
model = "llama3.1"
```
Values may reference environment variables as ``${NAME}`` or ``$NAME``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aishell.errors import UserError

_VAR = re.compile(r"\$\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)\}|\$(?P<bare>[A-Za-z_][A-Za-z0-9_]*)")

# Where a design is kept between commands, relative to the working directory.
DESIGN_DIR = "aishell"
DESIGN_FILE = "design.json"


@dataclass
class Config:
    path: Path | None = None
    environments: dict[str, str] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)

    def section(self, name: str) -> dict[str, Any]:
        value = self.data.get(name, {})
        return value if isinstance(value, dict) else {}

    def environment(self, name: str) -> str | None:
        raw = self.environments.get(name)
        return None if raw is None else expand_env(raw, f"environment {name!r}")


def expand_env(value: str, what: str) -> str:
    def sub(m: re.Match[str]) -> str:
        var = m["braced"] or m["bare"]
        if var not in os.environ:
            raise UserError(f"{what} refers to ${var}, which is not set")
        return os.environ[var]

    return _VAR.sub(sub, value)


def config_path() -> Path | None:
    env = os.environ.get("AISHELL_CONFIG")
    if env:
        return Path(env)
    candidate = Path.cwd() / "aishell.toml"
    return candidate if candidate.exists() else None


def load_config() -> Config:
    path = config_path()
    if path is None:
        return Config()
    import tomllib  # only when there is a file: most commands run without one

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"config file {path} not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: invalid TOML: {exc}") from None
    envs = data.get("environments", {})
    if not isinstance(envs, dict) or not all(isinstance(v, str) for v in envs.values()):
        raise UserError(f"{path}: [environments] must map names to connection URL strings")
    return Config(path=path, environments=dict(envs), data=data)


def default_database(config: Config | None = None, *, prefer: str = "defaults") -> str | None:
    """The database a command uses when none is given: ``[defaults] database`` of aishell.toml (an
    environment name, URL or database name), else ``[migrations] database`` (``prefer="migrations"``
    reads that one first: `version` keeps its own)."""
    config = config or load_config()
    order = ("migrations", "defaults") if prefer == "migrations" else ("defaults", "migrations")
    for section in order:
        value = config.section(section).get("database")
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def design_path() -> Path:
    return Path.cwd() / DESIGN_DIR / DESIGN_FILE
