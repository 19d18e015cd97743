"""Hazards a migration statement carries, and how type changes are classified.

A hazard is ``unsafe`` when the statement can destroy data or fail because of the data (DROP TABLE,
DROP COLUMN, narrowing a type, dropping a default inserts rely on): such plans are refused unless the
user passes ``--unsafe``. The other hazards are information printed beside the statement (the lock it
takes, a table rewrite, a long index build).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aishell.diff.normalize import norm_type


@dataclass(frozen=True)
class Hazard:
    code: str
    message: str
    unsafe: bool = False

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


def data_loss(message: str) -> Hazard:
    return Hazard("data-loss", message, unsafe=True)


def may_fail(message: str, *, unsafe: bool = False) -> Hazard:
    """The statement can fail on existing data; ``unsafe`` when it can also lose data (narrowing)."""
    return Hazard("may-fail", message, unsafe=unsafe)


def lock(message: str) -> Hazard:
    return Hazard("lock", message)


def rewrite(message: str = "rewrites the table and its indexes under an ACCESS EXCLUSIVE lock") -> Hazard:
    return Hazard("table-rewrite", message)


def index_build(message: str = "builds an index; CONCURRENTLY keeps writes going but takes longer") -> Hazard:
    return Hazard("index-build", message)


def scan(message: str) -> Hazard:
    return Hazard("table-scan", message)


def info(code: str, message: str) -> Hazard:
    return Hazard(code, message)


_INTS = {"smallint": 1, "integer": 2, "bigint": 3}
_FLOATS = {"real": 1, "double precision": 2}
_LEN = re.compile(r"^(character varying|character|bit varying|bit)\((\d+)\)$")
_NUM = re.compile(r"^numeric(?:\((\d+)(?:,(\d+))?\))?$")
_TEXTUAL = {"text", "character varying"}


def classify_type_change(old: str, new: str) -> tuple[bool, bool]:
    """(safe, rewrite) for changing a column from ``old`` to ``new``.

    ``safe`` is False when the change can fail on existing data or lose part of it (narrowing, or a
    change between unrelated types); ``rewrite`` is False when PostgreSQL only updates the catalog.
    """
    a, b = norm_type(old), norm_type(new)
    if a == b:
        return True, False
    if a.endswith("[]") != b.endswith("[]"):
        return False, True
    if b in _TEXTUAL:
        no_rewrite = a in _TEXTUAL or bool(_LEN.match(a) and a.startswith("character varying"))
        return True, not no_rewrite
    ma, mb = _LEN.match(a), _LEN.match(b)
    if mb:
        if ma and ma.group(1) == mb.group(1):
            grow = int(mb.group(2)) >= int(ma.group(2))
            return grow, not (grow and mb.group(1) in ("character varying", "bit varying"))
        if mb.group(1) == "character varying" and ma and ma.group(1) == "character":
            return int(mb.group(2)) >= int(ma.group(2)), True
        return False, True
    if a in _INTS and b in _INTS:
        return _INTS[b] >= _INTS[a], True
    if a in _INTS and (b.startswith("numeric") or b in _FLOATS):
        # real holds integers exactly up to 2^24, double precision up to 2^53; numeric(p,s) has p-s digits
        if b in _FLOATS:
            return (b == "real" and a == "smallint") or (b == "double precision" and a != "bigint"), True
        nb = _NUM.match(b)
        digits = {"smallint": 5, "integer": 10, "bigint": 19}[a]
        return (nb is None or nb.group(1) is None or int(nb.group(1)) - int(nb.group(2) or 0) >= digits), True
    if a in _FLOATS and b in _FLOATS:
        return _FLOATS[b] >= _FLOATS[a], True
    na, nb = _NUM.match(a), _NUM.match(b)
    if na and nb:
        if nb.group(1) is None:
            return True, False
        if na.group(1) is None:
            return False, True
        pa, sa = int(na.group(1)), int(na.group(2) or 0)
        pb, sb = int(nb.group(1)), int(nb.group(2) or 0)
        safe = sb >= sa and (pb - sb) >= (pa - sa)
        return safe, not (sb == sa and pb >= pa)
    if a == "json" and b == "jsonb":
        return True, True
    if a == "timestamp without time zone" and b == "timestamp with time zone":
        return True, True
    if a == "timestamp with time zone" and b == "timestamp without time zone":
        return True, True
    if a == "date" and b.startswith("timestamp"):
        return True, True
    return False, True
