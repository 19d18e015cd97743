"""Dialects: one package per engine, each with the same shape, reached through a small registry.

``get_generator(name)`` returns a callable ``generate(schema, **options) -> str`` turning a schema model
into that engine's DDL (or, for MongoDB, collection validators). Modules are imported on first use.
"""

from __future__ import annotations

import importlib
from typing import Callable

from aishell.errors import UserError

# name -> "module:function"; aliases map to the same entry.
GENERATORS: dict[str, str] = {
    "postgres": "aishell.dialects.postgres.generate:generate",
    "mysql": "aishell.dialects.mysql.generate:generate",
    "sqlite": "aishell.dialects.sqlite.generate:generate",
    "mongodb": "aishell.dialects.mongo.generate:generate",
}
ALIASES = {"sql": "postgres", "postgresql": "postgres", "pg": "postgres", "mariadb": "mysql", "mongo": "mongodb"}


def get_generator(name: str) -> Callable[..., str]:
    key = ALIASES.get(name.lower(), name.lower())
    if key not in GENERATORS:
        raise UserError(f"unknown dialect {name!r} (choose from {', '.join(GENERATORS)})")
    module, _, attr = GENERATORS[key].partition(":")
    try:
        return getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError):
        raise UserError(f"the {key} generator is not available in this build") from None
