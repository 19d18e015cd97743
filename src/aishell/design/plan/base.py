"""Shared pieces of the planner: options, the planner-side entity, identifier shortening."""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from typing import Any

from aishell.design import kb
from aishell.design.intent import Entity

PG_NAME_MAX = 63
SMALL_KINDS = {"classifier", "tag"}
APPEND_ONLY_FLAGS = {"append_only"}
UPDATED_AT_FUNCTION = "set_updated_at"


def ident(*parts: str) -> str:
    """A PostgreSQL identifier from parts, shortened to 63 bytes the way a person would (keep the ends)."""
    name = "_".join(p for p in parts if p)
    name = re.sub(r"[^a-z0-9_]+", "_", name.lower()).strip("_")
    if len(name) <= PG_NAME_MAX:
        return name
    import hashlib

    digest = hashlib.sha1(name.encode()).hexdigest()[:6]
    return name[: PG_NAME_MAX - 7] + "_" + digest


@dataclass
class PlanOptions:
    key_type: str = "bigint"  # bigint | uuid
    partition_months: int = 3  # partitions created ahead, besides the DEFAULT one
    today: _dt.date | None = None
    timescaledb: bool = False
    assumptions: bool = True  # False: leave out everything marked assumed (--no-assumptions)


@dataclass
class _Ent:
    """Planner-side entity: the parsed entity plus everything decided about it."""

    entity: Entity
    arch: kb.Archetype | None
    table: str
    flags: set[str] = field(default_factory=set)
    kind: str = "thing"
    fks: list[dict[str, Any]] = field(default_factory=list)
    key_type: str = "BIGINT"
    partition_key: str | None = None
    time_column: str = "created_at"
    append_only: bool = False
    stated_append_only: bool = False  # the text (or intent) says so: a trigger refuses UPDATE and DELETE

    @property
    def name(self) -> str:
        return self.entity.name


def _base(t: str | None) -> str:
    return (t or "").split("(")[0].strip().upper()


def _check_label(expr: str) -> str:
    words = re.findall(r"[a-z_][a-z0-9_]*", expr)
    words = [w for w in words if w not in ("is", "null", "or", "and", "not", "in", "between")]
    return "_".join(dict.fromkeys(words))[:40] or "rule"


def _entity_of_table(planner: Any, table: str) -> str | None:
    for e in planner.ents.values():
        if e.table == table:
            return e.name
    return None
