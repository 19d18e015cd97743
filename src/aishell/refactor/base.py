"""What every refactor shares: the request it answers, the plan it returns, and its registry.

A refactor is a small registered unit (``@register``): given the current schema (a design or a live
database read with its statistics) and a ``Request``, it returns a ``Refactoring`` — the schema after,
the statements of the migration up (data included: backfills, copies, moves) and down, the queries
whose results must be equal before and after (so a verification can prove nothing was lost), and what
the plan assumed. It never touches a database itself.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from aishell.diff.plan import Statement
from aishell.errors import UserError
from aishell.model import Schema, Table

KB = Path(__file__).with_name("refactors.json")


@cache
def knowledge() -> dict[str, Any]:
    return json.loads(KB.read_text(encoding="utf-8"))


@dataclass
class Request:
    """What the user asked: free text and/or named targets and options from the command line."""

    text: str = ""
    targets: list[str] = field(default_factory=list)  # positional arguments after a refactor's name
    options: dict[str, Any] = field(default_factory=dict)

    def option(self, name: str, default: Any = None) -> Any:
        value = self.options.get(name)
        return default if value in (None, (), []) else value

    def words(self) -> list[str]:
        return re.findall(r"[a-z0-9_]+", self.text.lower())

    def number_before(self, nouns: tuple[str, ...]) -> int | None:
        """``10,000`` in "Support for 10,000 tenants" (``10k`` and ``1M`` too)."""
        pat = r"(\d[\d,._]*)\s*([km])?\s+(?:" + "|".join(re.escape(n) for n in nouns) + r")\b"
        m = re.search(pat, self.text, re.IGNORECASE)
        if not m:
            return None
        n = float(m.group(1).replace(",", "").replace("_", ""))
        return int(n * {"k": 1_000, "m": 1_000_000}.get((m.group(2) or "").lower(), 1))


@dataclass
class Preserve:
    """Two queries over the data whose results must be equal: one on the database before the
    refactor, one after (a moved column read through its new table, rows of a renamed table...)."""

    label: str
    before: str
    after: str


@dataclass
class Refactoring:
    name: str
    title: str
    desired: Schema
    up: list[Statement]
    down: list[Statement] | None = None  # None: the planner derives it from desired → current
    current_line: str = ""
    target_line: str = ""
    strategy: str = ""
    changes: list[tuple[str, list[str]]] = field(default_factory=list)  # (heading, detail lines)
    preserve: list[Preserve] = field(default_factory=list)
    renamed_tables: dict[str, str] = field(default_factory=dict)  # old qualified name -> new (for checksums)
    prechecks: list[tuple[str, str]] = field(default_factory=list)  # (what, SQL counting rows that block it)
    touched: list[str] = field(default_factory=list)  # tables whose rows the migration changes
    notes: list[str] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    app_changes: list[str] = field(default_factory=list)
    impact: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)


class Refactor:
    """A registered refactor. Subclasses set ``name`` and implement ``plan``."""

    name: str = ""

    @property
    def info(self) -> dict[str, Any]:
        return knowledge()["refactors"][self.name]

    @property
    def title(self) -> str:
        return self.info["title"]

    def plan(self, schema: Schema, request: Request) -> Refactoring:  # pragma: no cover - abstract
        raise NotImplementedError


REGISTRY: dict[str, Refactor] = {}


def register(cls: type[Refactor]) -> type[Refactor]:
    REGISTRY[cls.name] = cls()
    return cls


# -- shared helpers -----------------------------------------------------------------------------------------
def user_tables(schema: Schema) -> list[Table]:
    from aishell.model.schema import is_aishell_table

    return [t for t in schema.tables if not is_aishell_table(t.schema, t.name) and not t.partition_of]


def find_table(schema: Schema, name: str, *, what: str = "table") -> Table:
    """A table named on the command line (``orders`` or ``sales.orders``), or a clear error."""
    t = schema.table(name)
    if t is None or t.partition_of:
        names = ", ".join(sorted(x.name for x in user_tables(schema))[:12])
        raise UserError(f"no {what} {name!r} in the schema (tables: {names})")
    return t


def mentioned_tables(schema: Schema, text: str) -> list[Table]:
    """Tables the text names, by their name or its singular ("the order table" → orders)."""
    from aishell.design.parser import singular

    words = re.findall(r"[a-z0-9_]+", text.lower())
    found: list[Table] = []
    for t in user_tables(schema):
        names = {t.name.lower(), singular(t.name.lower()), t.name.lower().replace("_", " ")}
        joined = " ".join(words)
        if any(n in words for n in names) or t.name.lower().replace("_", " ") in joined:
            found.append(t)
    return found


def mentioned_columns(table: Table, text: str) -> list[str]:
    words = set(re.findall(r"[a-z0-9_]+", text.lower()))
    return [c.name for c in table.columns if c.name.lower() in words]


def stmt(
    sql: str,
    description: str = "",
    *,
    hazards=None,
    transactional: bool = True,
    long_running: bool = False,
    alone: bool = False,
) -> Statement:
    return Statement(sql, list(hazards or []), transactional, 0, description, long_running, [], alone)


def row_estimate(t: Table) -> int | None:
    v = t.attrs.get("row_estimate")
    return int(v) if isinstance(v, (int, float)) and v >= 0 else None


def human(n: float | None) -> str:
    if n is None:
        return "?"
    for div, suffix in ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "K")):
        if abs(n) >= div:
            return f"{n / div:.1f}{suffix}".replace(".0", "")
    return f"{n:,.0f}"
