"""What analysis produces: findings, each with measured evidence and a fix.

Every number in a finding is an :class:`Evidence`: a named value that says whether it is ``exact``
(counted or read from a counter) or ``estimated`` (planner statistics, a sample, a formula), and where
it came from. Nothing in a report is made up; a number that could not be measured is left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SEVERITIES = ("critical", "warning", "optimization")
SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}


@dataclass
class Evidence:
    """One measured or computed number. ``kind`` is ``exact`` or ``estimated``."""

    name: str
    value: Any
    kind: str = "exact"
    unit: str | None = None
    source: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"name": self.name, "value": self.value, "kind": self.kind}
        if self.unit:
            d["unit"] = self.unit
        if self.source:
            d["source"] = self.source
        return d


def exact(name: str, value: Any, unit: str | None = None, source: str | None = None) -> Evidence:
    return Evidence(name, value, "exact", unit, source)


def estimated(name: str, value: Any, unit: str | None = None, source: str | None = None) -> Evidence:
    return Evidence(name, value, "estimated", unit, source)


@dataclass
class Fix:
    """SQL that fixes a finding. ``safe`` means it takes no long exclusive lock and loses no data
    (CREATE INDEX CONCURRENTLY, ADD CONSTRAINT ... NOT VALID then VALIDATE); ``notes`` say what to do
    first or what to watch for."""

    sql: list[str] = field(default_factory=list)
    safe: bool = True
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"sql": self.sql, "safe": self.safe, "notes": self.notes}


@dataclass
class Finding:
    rule: str
    severity: str
    table: str | None
    message: str
    columns: list[str] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    fix: Fix | None = None
    impact: str | None = None
    # The index, constraint, sequence or query a finding is about, when it is not just the table.
    object: str | None = None
    attrs: dict[str, Any] = field(default_factory=dict)

    def value(self, name: str, default: Any = None) -> Any:
        return next((e.value for e in self.evidence if e.name == name), default)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "rule": self.rule,
            "severity": self.severity,
            "table": self.table,
            "columns": self.columns,
            "message": self.message,
            "evidence": [e.to_dict() for e in self.evidence],
            "fix": self.fix.to_dict() if self.fix else None,
            "impact": self.impact,
        }
        if self.object:
            d["object"] = self.object
        if self.attrs:
            d["attrs"] = self.attrs
        return d
