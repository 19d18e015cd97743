"""What the parser understood from requirements text: entities, attributes, relationships, features, scale.

Plain data, JSON-ready through ``to_dict``; the planner turns it into a schema model and the review
prints it as the "Requirements Summary".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PERIOD_DAYS = {
    "second": 1 / 86400,
    "minute": 1 / 1440,
    "hour": 1 / 24,
    "day": 1,
    "week": 7,
    "month": 30.44,
    "year": 365.25,
}


@dataclass
class Attribute:
    """A column the text names for an entity ("a due date and a status")."""

    name: str
    type: str | None = None
    not_null: bool = False
    unique: bool = False
    enum: list[str] | None = None
    default: str | None = None
    evidence: str = ""


@dataclass
class Entity:
    name: str  # singular snake_case ("order_item")
    table: str  # plural snake_case ("order_items")
    noun: str  # the singular head noun the archetype was chosen by
    archetype: str | None = None
    attributes: list[Attribute] = field(default_factory=list)
    origin: str = "text"  # text | knowledge base | pattern
    owner: str | None = None  # for dependent tables named after their parent ("order" for order_items)
    mentions: int = 1
    evidence: str = ""
    self_ref: str | None = None  # "parent" for replies/subtasks/sub-categories

    def attribute(self, name: str) -> Attribute | None:
        return next((a for a in self.attributes if a.name == name), None)


@dataclass
class Relationship:
    """``many_to_one``: ``source`` holds a foreign key to ``target`` (one target has many sources).

    ``one_to_one``: as many_to_one with a unique key. ``many_to_many``: a junction table ``via`` links
    ``source`` and ``target``. ``self``: ``source`` refers to itself (``role`` names the column).
    """

    kind: str
    source: str
    target: str
    role: str | None = None
    required: bool | None = None
    on_delete: str | None = None
    via: str | None = None
    origin: str = "text"
    evidence: str = ""
    event: bool | None = None  # True: "after each trip", the reference to the event this row follows

    @property
    def key(self) -> tuple[str, str, str, str | None]:
        if self.kind == "many_to_many":
            a, b = sorted((self.source, self.target))
            return (self.kind, a, b, self.via)
        return (self.kind, self.source, self.target, self.role)


@dataclass
class ScaleFigure:
    """A stated size: "1M users" (count 1e6, no period) or "10K orders per day" (per day)."""

    count: float
    noun: str
    entity: str | None = None
    period: str | None = None
    text: str = ""

    @property
    def rows_per_day(self) -> float | None:
        if self.period is None:
            return None
        return self.count / PERIOD_DAYS[self.period]

    def rows_after(self, years: float = 3.0) -> float:
        """Rows expected after ``years``: the stated total, or the rate times the time."""
        per_day = self.rows_per_day
        return self.count if per_day is None else per_day * 365.25 * years


@dataclass
class Requirements:
    text: str
    entities: dict[str, Entity] = field(default_factory=dict)
    relationships: list[Relationship] = field(default_factory=list)
    features: dict[str, str] = field(default_factory=dict)  # feature -> evidence
    scale: list[ScaleFigure] = field(default_factory=list)
    domain: str | None = None
    patterns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def entity(self, name: str) -> Entity | None:
        return self.entities.get(name)

    def scale_for(self, entity: str) -> ScaleFigure | None:
        return next((s for s in self.scale if s.entity == entity), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "domain": self.domain,
            "patterns": self.patterns,
            "entities": [
                {
                    "name": e.name,
                    "table": e.table,
                    "archetype": e.archetype,
                    "origin": e.origin,
                    "attributes": [
                        {k: v for k, v in vars(a).items() if v not in (None, False, "", [])}
                        for a in e.attributes
                    ],
                    **({"owner": e.owner} if e.owner else {}),
                    **({"self_reference": e.self_ref} if e.self_ref else {}),
                }
                for e in self.entities.values()
            ],
            "relationships": [
                {k: v for k, v in vars(r).items() if v not in (None, "")} for r in self.relationships
            ],
            "features": dict(self.features),
            "scale": [
                {"count": s.count, "noun": s.noun, "entity": s.entity, "period": s.period, "text": s.text}
                for s in self.scale
            ],
            "notes": list(self.notes),
        }
