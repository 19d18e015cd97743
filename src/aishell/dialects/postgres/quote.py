"""Quoting for PostgreSQL: every identifier and literal that goes into generated SQL passes here.

Rules follow PostgreSQL's own ``quote_ident``: an identifier stays bare only when it is all lower-case
ASCII letters, digits and underscores, does not start with a digit, and is not a keyword (any keyword
category, to be safe); otherwise it is double-quoted with inner quotes doubled.
"""

from __future__ import annotations

import re
from functools import lru_cache

_SAFE = re.compile(r"^[a-z_][a-z0-9_]*$")


@lru_cache(maxsize=1)
def _keywords() -> frozenset[str]:
    try:
        from pglast import keywords  # PostgreSQL's own keyword list, from libpg_query

        words: set[str] = set()
        for name in ("RESERVED_KEYWORDS", "TYPE_FUNC_NAME_KEYWORDS", "COL_NAME_KEYWORDS", "UNRESERVED_KEYWORDS"):
            words |= set(getattr(keywords, name, ()))
        if words:
            return frozenset(w.lower() for w in words)
    except ImportError:  # pragma: no cover
        pass
    return frozenset()


# Unreserved keywords are legal bare identifiers; quoting them anyway would differ from pg_dump,
# so only the categories PostgreSQL's quote_ident quotes are quoted.
@lru_cache(maxsize=1)
def _quoted_keywords() -> frozenset[str]:
    try:
        from pglast import keywords

        words: set[str] = set()
        for name in ("RESERVED_KEYWORDS", "TYPE_FUNC_NAME_KEYWORDS", "COL_NAME_KEYWORDS"):
            words |= set(getattr(keywords, name, ()))
        return frozenset(w.lower() for w in words)
    except ImportError:  # pragma: no cover
        return frozenset()


# Names repeat a lot in big schemas (every column of every table, every plan step): quote each once.
@lru_cache(maxsize=65536)
def quote_ident(name: str) -> str:
    """Quote an identifier exactly when PostgreSQL's quote_ident would."""
    if _SAFE.match(name) and name not in _quoted_keywords():
        return name
    return '"' + name.replace('"', '""') + '"'


def qualify(schema: str | None, name: str) -> str:
    """``schema.name`` with both parts quoted as needed; no schema part when ``schema`` is None."""
    return f"{quote_ident(schema)}.{quote_ident(name)}" if schema else quote_ident(name)


def quote_literal(value: str) -> str:
    """A string literal; uses E'' syntax when the value holds backslashes, as quote_literal does."""
    escaped = value.replace("'", "''")
    if "\\" in value:
        return "E'" + escaped.replace("\\", "\\\\") + "'"
    return "'" + escaped + "'"


def quote_ident_list(names: list[str]) -> str:
    return ", ".join(quote_ident(n) for n in names)
