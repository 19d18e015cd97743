"""The design intent: what a reader (the offline parser or a language model) understood from requirements.

It sits between reading and planning. A reader fills it; the planner turns it into a schema model and
adds only conventions (keys, timestamps, foreign-key indexes, comments) and what follows from it. Plain
typed data with a strict ``to_dict`` / ``from_dict``; ``docs/design-intent.schema.json`` (the same as
``INTENT_SCHEMA``) documents the JSON form, which is also what a language model is asked to answer.

Every item says where it came from (``provenance``):

* ``stated``: the text says it (a name, an attribute, a list of values, a rule);
* ``inferred``: it follows from something stated (NOT NULL from "exactly one", a junction from
  "many-to-many", an audit table from "keep an audit trail");
* ``assumed``: a guess from the knowledge base that the text neither says nor implies.

The planner adds a fourth kind to the model, ``convention`` (id, created_at, updated_at, indexes on
foreign keys, comments).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from typing import Any

INTENT_VERSION = 1
PROVENANCE = ("stated", "inferred", "assumed")
MODEL_PROVENANCE = (*PROVENANCE, "convention")
RELATIONSHIP_KINDS = ("many_to_one", "one_to_one", "many_to_many", "self")
RULE_KINDS = (
    "unique",
    "check",
    "range",
    "compare",
    "exclusive",
    "no_overlap",
    "balanced",
    "append_only",
    "immutable_when",
    "max_count",
)
PERIODS = ("second", "minute", "hour", "day", "week", "month", "year")
ON_DELETE = ("cascade", "restrict", "set_null")
ENTITY_KINDS = (
    "person",
    "organization",
    "place",
    "thing",
    "event",
    "record",
    "document",
    "line",
    "lookup",
    "tag",
    "link",
)
LOGICAL_TYPES = (
    "text",
    "string",
    "integer",
    "smallint",
    "bigint",
    "decimal",
    "money",
    "float",
    "boolean",
    "date",
    "time",
    "timestamp",
    "interval",
    "uuid",
    "json",
    "email",
    "url",
    "phone",
    "currency_code",
    "country_code",
    "enum",
)
FEATURE_NAMES = (
    "soft_delete",
    "audit_trail",
    "multi_tenant",
    "multi_currency",
    "multi_language",
    "inventory",
    "reviews",
    "full_text_search",
    "fuzzy_search",
    "uuid_keys",
    "event_sourcing",
    "time_series",
    "analytics",
    "read_heavy",
)

PERIOD_DAYS = {
    "second": 1 / 86400,
    "minute": 1 / 1440,
    "hour": 1 / 24,
    "day": 1,
    "week": 7,
    "month": 30.44,
    "year": 365.25,
}


class IntentFormatError(ValueError):
    """A design intent document of the wrong shape (the message names the path to the bad value)."""


# -- the types ----------------------------------------------------------------------------------------


@dataclass
class Attribute:
    """A column the text names for an entity ("a due date", "a status (open, done)")."""

    name: str
    type: str | None = None  # a logical type (LOGICAL_TYPES) or a PostgreSQL type; None: from the name
    not_null: bool = False  # JSON: "required"
    unique: bool = False
    enum: list[str] | None = None  # JSON: "values", the user's words verbatim
    default: str | None = None
    min: float | None = None
    max: float | None = None
    exclusive_min: float | None = None
    exclusive_max: float | None = None
    description: str | None = None
    provenance: str = "stated"
    evidence: str = ""


@dataclass
class Entity:
    name: str  # singular snake_case ("order_item")
    table: str  # plural snake_case ("order_items")
    noun: str  # the singular head noun the archetype was chosen by
    archetype: str | None = None
    attributes: list[Attribute] = field(default_factory=list)
    provenance: str = "stated"
    owner: str | None = None  # for dependent tables named after their parent ("order" for order_items)
    mentions: int = 1
    evidence: str = ""
    self_ref: str | None = None  # "parent" for replies/subtasks/sub-categories
    kind: str | None = None  # a hint from the reader (ENTITY_KINDS)
    description: str | None = None
    append_only: bool | None = None
    soft_delete: bool | None = None

    def attribute(self, name: str) -> Attribute | None:
        return next((a for a in self.attributes if a.name == name), None)

    @property
    def stated_attributes(self) -> list[Attribute]:
        return [a for a in self.attributes if a.provenance in ("stated", "inferred")]


@dataclass
class Relationship:
    """``many_to_one``: ``source`` holds a foreign key to ``target`` (one target has many sources).

    ``one_to_one``: as many_to_one with a unique key. ``many_to_many``: a junction table ``via`` links
    ``source`` and ``target`` (``attributes`` are the link's own columns, ``unique`` False allows the
    same pair twice, e.g. retakes). ``self``: ``source`` refers to itself (``role`` names the column).
    """

    kind: str
    source: str
    target: str
    role: str | None = None
    required: bool | None = None  # NOT NULL on the source's key; None: the planner decides
    on_delete: str | None = None  # CASCADE | RESTRICT | SET NULL
    via: str | None = None
    provenance: str = "stated"
    evidence: str = ""
    event: bool | None = None  # True: "after each trip", the reference to the event this row follows
    attributes: list[Attribute] = field(default_factory=list)
    unique: bool | None = None  # many_to_many: one link per pair (default True)
    source_role: str | None = None  # many_to_many: column stems in the junction
    target_role: str | None = None

    @property
    def key(self) -> tuple[str, str, str, str | None]:
        if self.kind == "many_to_many":
            a, b = sorted((self.source, self.target))
            return (self.kind, a, b, self.via)
        return (self.kind, self.source, self.target, self.role)


@dataclass
class Rule:
    """A rule PostgreSQL can enforce. Names in ``columns``, ``scope`` and ``per`` are attribute names or
    the names/roles of the entity's references (``company`` stands for ``company_id``)."""

    kind: str
    entity: str
    columns: list[str] = field(default_factory=list)
    scope: list[str] = field(default_factory=list)  # unique: unique within these (per company)
    where: str | None = None  # unique: a partial condition ("status = 'active'")
    expression: str | None = None  # check: a boolean expression over the entity's columns
    column: str | None = None  # range / immutable_when
    min: float | None = None
    max: float | None = None
    left: str | None = None  # compare: left op right
    op: str | None = None
    right: str | None = None
    mode: str | None = None  # exclusive: exactly_one | at_most_one; max_count: any_role (either role counts)
    start: str | None = None  # no_overlap: the period's columns
    end: str | None = None
    per: list[str] = field(default_factory=list)  # no_overlap, max_count: within the same ...
    group_by: str | None = None  # balanced: the parent whose lines must balance
    debit: str | None = None
    credit: str | None = None
    amount: str | None = None  # balanced: one signed amount column summing to zero
    values: list[str] = field(default_factory=list)  # immutable_when: the column's locking values
    description: str | None = None
    provenance: str = "stated"
    evidence: str = ""


@dataclass
class AccessPattern:
    """A query the text names ("a customer's recent orders", "search products by name")."""

    entity: str
    filter: list[str] = field(default_factory=list)  # equality columns, first
    range: str | None = None  # a column compared by range / sorted on after the filter
    order: str | None = None  # asc | desc for ``range``
    include: list[str] = field(default_factory=list)  # covering columns
    search: list[str] = field(default_factory=list)  # full-text over these columns
    where: str | None = None  # partial index condition
    description: str | None = None
    provenance: str = "stated"
    evidence: str = ""


@dataclass
class ScaleFigure:
    """A stated size: "1M users" (count 1e6, no period) or "10K orders per day" (per day)."""

    count: float
    noun: str
    entity: str | None = None
    period: str | None = None
    text: str = ""
    retention: str | None = None  # "90 days", "13 months"
    provenance: str = "stated"

    @property
    def rows_per_day(self) -> float | None:
        if self.period is None:
            return None
        return self.count / PERIOD_DAYS[self.period]

    def rows_after(self, years: float = 3.0) -> float:
        """Rows expected after ``years``: the stated total, or the rate times the time."""
        per_day = self.rows_per_day
        return self.count if per_day is None else per_day * 365.25 * years


Volume = ScaleFigure


@dataclass
class Tenancy:
    tenant: str  # the entity that owns rows ("company")
    entities: list[str] = field(default_factory=list)  # tenant-scoped entities; empty: all
    provenance: str = "stated"
    evidence: str = ""


@dataclass
class Question:
    """Something the reader was not sure about ("is *handle* something you store?")."""

    about: str
    question: str
    kind: str = "entity"  # entity | relationship | attribute | rule
    options: list[str] = field(default_factory=list)


@dataclass
class Intent:
    text: str
    entities: dict[str, Entity] = field(default_factory=dict)
    relationships: list[Relationship] = field(default_factory=list)
    features: dict[str, str] = field(default_factory=dict)  # feature -> evidence
    scale: list[ScaleFigure] = field(default_factory=list)
    domain: str | None = None
    patterns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    access_patterns: list[AccessPattern] = field(default_factory=list)
    tenancy: Tenancy | None = None
    questions: list[Question] = field(default_factory=list)
    reader: str = "offline"  # offline | <provider>:<model> | replay | file

    def entity(self, name: str) -> Entity | None:
        return self.entities.get(name)

    def scale_for(self, entity: str) -> ScaleFigure | None:
        return next((s for s in self.scale if s.entity == entity), None)

    def rules_for(self, entity: str, kind: str | None = None) -> list[Rule]:
        return [r for r in self.rules if r.entity == entity and (kind is None or r.kind == kind)]

    def to_dict(self) -> dict[str, Any]:
        return intent_to_dict(self)

    @classmethod
    def from_dict(cls, data: Any, *, text: str | None = None) -> Intent:
        return intent_from_dict(data, text=text)


Requirements = Intent  # the name the planner and advisor grew up with


def mark(intent: Intent, provenance: str, evidence: str) -> Intent:
    """Set the provenance (and evidence) of every item of an intent: a pattern's items are inferred."""
    for e in intent.entities.values():
        e.provenance, e.evidence = provenance, evidence
        for a in e.attributes:
            a.provenance, a.evidence = provenance, evidence
    for group in (intent.relationships, intent.rules, intent.access_patterns):
        for x in group:
            x.provenance, x.evidence = provenance, evidence
    return intent


def merge(base: Intent, extra: Intent) -> Intent:
    """``base`` with ``extra`` added: what ``extra`` says about an entity of the same name wins."""
    out = base
    out.text = "\n".join(t for t in (base.text, extra.text) if t)
    for name, e in extra.entities.items():
        mine = out.entities.get(name)
        if mine is None:
            out.entities[name] = e
            continue
        for a in e.attributes:
            out_a = mine.attribute(a.name)
            if out_a is None:
                mine.attributes.append(a)
            else:
                mine.attributes[mine.attributes.index(out_a)] = a
        mine.provenance, mine.evidence = e.provenance, e.evidence or mine.evidence
        for key in ("kind", "description", "append_only", "soft_delete", "self_ref"):
            if getattr(e, key) is not None:
                setattr(mine, key, getattr(e, key))
    keys = {r.key for r in out.relationships}
    for r in extra.relationships:
        if r.key not in keys:
            out.relationships.append(r)
            keys.add(r.key)
    out.rules += extra.rules
    out.access_patterns += extra.access_patterns
    out.questions += extra.questions
    out.notes += extra.notes
    out.features.update(extra.features)
    out.scale += extra.scale
    for s in out.scale:
        if s.entity is None and s.noun in out.entities:
            s.entity = s.noun
    out.tenancy = extra.tenancy or out.tenancy
    out.domain = extra.domain or out.domain
    return out


# -- JSON form ----------------------------------------------------------------------------------------

# JSON key -> field name where they differ (the JSON uses the words a model or a person would)
_ATTR_KEYS = {"required": "not_null", "values": "enum"}
_REL_KEYS = {"from": "source", "to": "target"}
_INTERNAL = {"noun", "mentions", "self_ref"}


def _clean(value: Any) -> Any:
    return value not in (None, "", [], {}, False)


def _obj_to_dict(obj: Any, renames: dict[str, str], skip: set[str] = frozenset()) -> dict[str, Any]:
    back = {v: k for k, v in renames.items()}
    out: dict[str, Any] = {}
    for f in fields(obj):
        if f.name in skip:
            continue
        v = getattr(obj, f.name)
        if f.name == "provenance":
            out["provenance"] = v
            continue
        if isinstance(v, list) and v and hasattr(v[0], "__dataclass_fields__"):
            v = [attribute_to_dict(a) for a in v]
        if _clean(v):
            out[back.get(f.name, f.name)] = v
    return out


def attribute_to_dict(a: Attribute) -> dict[str, Any]:
    return _obj_to_dict(a, _ATTR_KEYS)


def entity_to_dict(e: Entity) -> dict[str, Any]:
    d = _obj_to_dict(e, {})
    d.pop("mentions", None)
    if d.get("noun") == e.name:
        d.pop("noun")
    return d


def relationship_to_dict(r: Relationship) -> dict[str, Any]:
    d = _obj_to_dict(r, _REL_KEYS)
    if r.on_delete:
        d["on_delete"] = r.on_delete.lower().replace(" ", "_")
    return d


def intent_to_dict(i: Intent) -> dict[str, Any]:
    out: dict[str, Any] = {"intent_version": INTENT_VERSION}
    if i.domain:
        out["domain"] = i.domain
    out["reader"] = i.reader
    out["patterns"] = list(i.patterns)
    out["entities"] = [entity_to_dict(e) for e in i.entities.values()]
    out["relationships"] = [relationship_to_dict(r) for r in i.relationships]
    out["rules"] = [_obj_to_dict(r, {}) for r in i.rules]
    out["access_patterns"] = [_obj_to_dict(p, {}) for p in i.access_patterns]
    out["features"] = list(i.features)
    out["feature_evidence"] = dict(i.features)
    out["scale"] = [
        {k: v for k, v in vars(s).items() if v is not None and v != ""} | {"count": s.count} for s in i.scale
    ]
    if i.tenancy is not None:
        out["tenancy"] = _obj_to_dict(i.tenancy, {})
    out["questions"] = [_obj_to_dict(q, {}) for q in i.questions]
    out["notes"] = list(i.notes)
    return out


class _Reader:
    """Strict reading of the JSON form: unknown keys and wrong types are errors naming their path."""

    def __init__(self) -> None:
        self.path: list[str] = []

    def fail(self, msg: str) -> IntentFormatError:
        where = "".join(self.path) or "intent"
        return IntentFormatError(f"{where.lstrip('.')}: {msg}")

    def at(self, part: str) -> _Reader:
        self.path.append(part)
        return self

    def done(self) -> None:
        self.path.pop()

    def obj(self, value: Any, allowed: set[str], required: set[str] = frozenset()) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail("expected an object")
        extra = sorted(set(value) - allowed)
        if extra:
            raise self.fail(f"unknown key {extra[0]!r}")
        missing = sorted(required - set(value))
        if missing:
            raise self.fail(f"missing key {missing[0]!r}")
        return value

    def string(self, value: Any, key: str, *, choices: tuple[str, ...] | None = None) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.fail(f"{key}: expected a string")
        if choices is not None and value not in choices:
            raise self.fail(f"{key}: {value!r} is not one of {', '.join(choices)}")
        return value

    def name(self, value: Any, key: str) -> str:
        s = self.string(value, key)
        if not s or not re.fullmatch(r"[a-z][a-z0-9_]{0,62}", s):
            raise self.fail(f"{key}: {value!r} is not a snake_case name")
        return s

    def number(self, value: Any, key: str) -> float | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(f"{key}: expected a number")
        return float(value)

    def boolean(self, value: Any, key: str) -> bool | None:
        if value is None:
            return None
        if not isinstance(value, bool):
            raise self.fail(f"{key}: expected true or false")
        return value

    def strings(self, value: Any, key: str) -> list[str]:
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(f"{key}: expected a list of strings")
        return list(value)

    def items(self, value: Any, key: str) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(f"{key}: expected a list")
        return value


_ATTR_FIELDS = {f.name for f in fields(Attribute)}
_ATTR_JSON = (_ATTR_FIELDS - set(_ATTR_KEYS.values())) | set(_ATTR_KEYS)


def attribute_from_dict(data: Any, rd: _Reader | None = None) -> Attribute:
    rd = rd or _Reader()
    d = rd.obj(data, _ATTR_JSON, {"name"})
    default = d.get("default")
    if default is not None and not isinstance(default, (str, int, float, bool)):
        raise rd.fail("default: expected a string, number or boolean")
    return Attribute(
        name=rd.name(d["name"], "name"),
        type=rd.string(d.get("type"), "type"),
        not_null=bool(rd.boolean(d.get("required"), "required")),
        unique=bool(rd.boolean(d.get("unique"), "unique")),
        enum=rd.strings(d.get("values"), "values") or None,
        default=None if default is None else str(default),
        min=rd.number(d.get("min"), "min"),
        max=rd.number(d.get("max"), "max"),
        exclusive_min=rd.number(d.get("exclusive_min"), "exclusive_min"),
        exclusive_max=rd.number(d.get("exclusive_max"), "exclusive_max"),
        description=rd.string(d.get("description"), "description"),
        provenance=rd.string(d.get("provenance"), "provenance", choices=PROVENANCE) or "stated",
        evidence=rd.string(d.get("evidence"), "evidence") or "",
    )


def _attributes(rd: _Reader, value: Any) -> list[Attribute]:
    out = []
    for n, a in enumerate(rd.items(value, "attributes")):
        rd.at(f".attributes[{n}]")
        out.append(attribute_from_dict(a, rd))
        rd.done()
    return out


def intent_from_dict(data: Any, *, text: str | None = None) -> Intent:
    """Build an Intent from its JSON form, strictly (``IntentFormatError`` names the bad path)."""
    from aishell.design.words import plural

    rd = _Reader()
    top = rd.obj(
        data,
        {
            "intent_version",
            "text",
            "domain",
            "reader",
            "patterns",
            "entities",
            "relationships",
            "rules",
            "access_patterns",
            "features",
            "scale",
            "volumes",
            "tenancy",
            "questions",
            "notes",
            "feature_evidence",
        },
        {"entities"},
    )
    version = top.get("intent_version", INTENT_VERSION)
    if version != INTENT_VERSION:
        raise rd.fail(f"intent_version {version!r} is not supported (this version reads {INTENT_VERSION})")
    intent = Intent(text=text if text is not None else (rd.string(top.get("text"), "text") or ""))
    intent.domain = rd.string(top.get("domain"), "domain")
    intent.reader = rd.string(top.get("reader"), "reader") or "file"
    intent.patterns = rd.strings(top.get("patterns"), "patterns")
    intent.notes = rd.strings(top.get("notes"), "notes")
    entity_keys = {f.name for f in fields(Entity)} - {"attributes"} | {"attributes"}
    for n, raw in enumerate(rd.items(top.get("entities"), "entities")):
        rd.at(f"entities[{n}]")
        d = rd.obj(raw, entity_keys, {"name"})
        name = rd.name(d["name"], "name")
        if name in intent.entities:
            raise rd.fail(f"entity {name!r} given twice")
        e = Entity(
            name=name,
            table=rd.name(d["table"], "table") if d.get("table") else plural(name),
            noun=rd.string(d.get("noun"), "noun") or name,
            archetype=rd.string(d.get("archetype"), "archetype"),
            attributes=_attributes(rd, d.get("attributes")),
            provenance=rd.string(d.get("provenance"), "provenance", choices=PROVENANCE) or "stated",
            owner=rd.string(d.get("owner"), "owner"),
            evidence=rd.string(d.get("evidence"), "evidence") or "",
            self_ref=rd.string(d.get("self_ref"), "self_ref"),
            kind=rd.string(d.get("kind"), "kind", choices=ENTITY_KINDS),
            description=rd.string(d.get("description"), "description"),
            append_only=rd.boolean(d.get("append_only"), "append_only"),
            soft_delete=rd.boolean(d.get("soft_delete"), "soft_delete"),
        )
        intent.entities[name] = e
        rd.done()
    rel_json = {f.name for f in fields(Relationship)} - {"source", "target"} | {"from", "to"}
    for n, raw in enumerate(rd.items(top.get("relationships"), "relationships")):
        rd.at(f"relationships[{n}]")
        d = rd.obj(raw, rel_json, {"kind", "from", "to"})
        on_delete = rd.string(d.get("on_delete"), "on_delete")
        r = Relationship(
            kind=rd.string(d["kind"], "kind", choices=RELATIONSHIP_KINDS) or "many_to_one",
            source=rd.name(d["from"], "from"),
            target=rd.name(d["to"], "to"),
            role=rd.name(d["role"], "role") if d.get("role") else None,
            required=rd.boolean(d.get("required"), "required"),
            on_delete=_on_delete(rd, on_delete),
            via=rd.name(d["via"], "via") if d.get("via") else None,
            provenance=rd.string(d.get("provenance"), "provenance", choices=PROVENANCE) or "stated",
            evidence=rd.string(d.get("evidence"), "evidence") or "",
            event=rd.boolean(d.get("event"), "event"),
            attributes=_attributes(rd, d.get("attributes")),
            unique=rd.boolean(d.get("unique"), "unique"),
            source_role=rd.name(d["source_role"], "source_role") if d.get("source_role") else None,
            target_role=rd.name(d["target_role"], "target_role") if d.get("target_role") else None,
        )
        for end in (r.source, r.target):
            if end not in intent.entities:
                raise rd.fail(f"{end!r} is not one of the entities")
        intent.relationships.append(r)
        rd.done()
    rule_fields = {f.name for f in fields(Rule)}
    for n, raw in enumerate(rd.items(top.get("rules"), "rules")):
        rd.at(f"rules[{n}]")
        d = rd.obj(raw, rule_fields, {"kind", "entity"})
        kw: dict[str, Any] = {}
        for f in fields(Rule):
            v = d.get(f.name)
            if f.name == "kind":
                kw[f.name] = rd.string(v, "kind", choices=RULE_KINDS)
            elif f.name == "entity":
                kw[f.name] = rd.name(v, "entity")
                if kw[f.name] not in intent.entities:
                    raise rd.fail(f"{v!r} is not one of the entities")
            elif f.name in ("columns", "scope", "per", "values"):
                kw[f.name] = rd.strings(v, f.name)
            elif f.name in ("min", "max"):
                kw[f.name] = rd.number(v, f.name)
            elif f.name == "provenance":
                kw[f.name] = rd.string(v, f.name, choices=PROVENANCE) or "stated"
            elif f.name == "mode":
                kw[f.name] = rd.string(v, f.name, choices=("exactly_one", "at_most_one", "any_role"))
            elif f.name == "op":
                kw[f.name] = rd.string(v, f.name, choices=("<", "<=", ">", ">=", "=", "<>"))
            else:
                kw[f.name] = rd.string(v, f.name) or ("" if f.name == "evidence" else None)
        intent.rules.append(Rule(**kw))
        rd.done()
    ap_fields = {f.name for f in fields(AccessPattern)}
    for n, raw in enumerate(rd.items(top.get("access_patterns"), "access_patterns")):
        rd.at(f"access_patterns[{n}]")
        d = rd.obj(raw, ap_fields, {"entity"})
        p = AccessPattern(
            entity=rd.name(d["entity"], "entity"),
            filter=rd.strings(d.get("filter"), "filter"),
            range=rd.string(d.get("range"), "range"),
            order=rd.string(d.get("order"), "order", choices=("asc", "desc")),
            include=rd.strings(d.get("include"), "include"),
            search=rd.strings(d.get("search"), "search"),
            where=rd.string(d.get("where"), "where"),
            description=rd.string(d.get("description"), "description"),
            provenance=rd.string(d.get("provenance"), "provenance", choices=PROVENANCE) or "stated",
            evidence=rd.string(d.get("evidence"), "evidence") or "",
        )
        if p.entity not in intent.entities:
            raise rd.fail(f"{p.entity!r} is not one of the entities")
        intent.access_patterns.append(p)
        rd.done()
    feats = top.get("features")
    if isinstance(feats, list):
        for f in rd.strings(feats, "features"):
            if f not in FEATURE_NAMES:
                raise rd.fail(f"features: unknown feature {f!r}")
            intent.features[f] = "stated"
    elif isinstance(feats, dict):
        for f, ev in feats.items():
            if f not in FEATURE_NAMES or not isinstance(ev, str):
                raise rd.fail(f"features: unknown feature {f!r}")
            intent.features[f] = ev
    elif feats is not None:
        raise rd.fail("features: expected a list of feature names")
    evidence = top.get("feature_evidence")
    if evidence is not None:
        if not isinstance(evidence, dict) or not all(isinstance(v, str) for v in evidence.values()):
            raise rd.fail("feature_evidence: expected an object of strings")
        for f, ev in evidence.items():
            if f in intent.features:
                intent.features[f] = ev
    scale_keys = {"count", "entity", "period", "noun", "text", "retention", "provenance"}
    for key in ("scale", "volumes"):
        for n, raw in enumerate(rd.items(top.get(key), key)):
            rd.at(f"{key}[{n}]")
            d = rd.obj(raw, scale_keys, {"count"})
            count = rd.number(d["count"], "count")
            if count is None or count <= 0:
                raise rd.fail("count: expected a positive number")
            ent = rd.string(d.get("entity"), "entity")
            period = rd.string(d.get("period"), "period", choices=PERIODS)
            intent.scale.append(
                ScaleFigure(
                    count=count,
                    noun=rd.string(d.get("noun"), "noun") or ent or "",
                    entity=ent,
                    period=period,
                    text=rd.string(d.get("text"), "text")
                    or f"{count:g} {ent or ''}".strip() + (f" per {period}" if period else ""),
                    retention=rd.string(d.get("retention"), "retention"),
                    provenance=rd.string(d.get("provenance"), "provenance", choices=PROVENANCE) or "stated",
                )
            )
            rd.done()
    if top.get("tenancy") is not None:
        rd.at("tenancy")
        d = rd.obj(top["tenancy"], {"tenant", "entities", "provenance", "evidence"}, {"tenant"})
        intent.tenancy = Tenancy(
            tenant=rd.name(d["tenant"], "tenant"),
            entities=rd.strings(d.get("entities"), "entities"),
            provenance=rd.string(d.get("provenance"), "provenance", choices=PROVENANCE) or "stated",
            evidence=rd.string(d.get("evidence"), "evidence") or "",
        )
        if intent.tenancy.tenant not in intent.entities:
            raise rd.fail(f"{intent.tenancy.tenant!r} is not one of the entities")
        rd.done()
    for n, raw in enumerate(rd.items(top.get("questions"), "questions")):
        rd.at(f"questions[{n}]")
        d = rd.obj(raw, {"about", "question", "kind", "options"}, {"about", "question"})
        intent.questions.append(
            Question(
                about=rd.string(d["about"], "about") or "",
                question=rd.string(d["question"], "question") or "",
                kind=rd.string(d.get("kind"), "kind") or "entity",
                options=rd.strings(d.get("options"), "options"),
            )
        )
        rd.done()
    return intent


def _on_delete(rd: _Reader, value: str | None) -> str | None:
    if value is None:
        return None
    key = value.strip().lower().replace(" ", "_")
    if key not in ON_DELETE:
        raise rd.fail(f"on_delete: {value!r} is not one of {', '.join(ON_DELETE)}")
    return key.replace("_", " ").upper()


# -- JSON Schema ----------------------------------------------------------------------------------------


def _provenance_prop() -> dict[str, Any]:
    return {
        "type": "string",
        "enum": list(PROVENANCE),
        "description": "stated: the text says it; inferred: it follows from something stated; "
        "assumed: a guess the text neither says nor implies",
    }


def _attribute_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["name"],
        "properties": {
            "name": {"type": "string", "description": "snake_case column name, the user's own word"},
            "type": {
                "type": "string",
                "description": "a logical type ("
                + ", ".join(LOGICAL_TYPES)
                + ") or a PostgreSQL type such as numeric(12,2), varchar(20), timestamptz; omit to let "
                "the planner type it from the name",
            },
            "required": {"type": "boolean", "description": "NOT NULL: the text says it must be given"},
            "unique": {"type": "boolean", "description": "unique across the whole table"},
            "values": {
                "type": "array",
                "items": {"type": "string"},
                "description": "the allowed values, in the user's exact words and case (an enum)",
            },
            "default": {"type": ["string", "number", "boolean"], "description": "default value"},
            "min": {"type": "number", "description": "inclusive lower bound"},
            "max": {"type": "number", "description": "inclusive upper bound"},
            "exclusive_min": {"type": "number", "description": "exclusive lower bound (> 0)"},
            "exclusive_max": {"type": "number", "description": "exclusive upper bound"},
            "description": {"type": "string"},
            "provenance": _provenance_prop(),
            "evidence": {"type": "string", "description": "the words of the text this comes from"},
        },
    }


def intent_schema() -> dict[str, Any]:
    """The JSON Schema of a design intent (``docs/design-intent.schema.json``)."""
    name = {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://aishell.dev/schemas/design-intent.schema.json",
        "title": "aishell design intent",
        "description": "What the requirements say, before any table is planned. Names are singular "
        "snake_case in the user's own words; values are verbatim. Name only what the text states or "
        "clearly implies; mark anything else provenance 'assumed'.",
        "type": "object",
        "additionalProperties": False,
        "required": ["entities", "relationships"],
        "properties": {
            "intent_version": {"type": "integer", "enum": [INTENT_VERSION]},
            "text": {"type": "string", "description": "the requirements text (set by aishell)"},
            "reader": {"type": "string", "description": "who read the text (set by aishell)"},
            "patterns": {"type": "array", "items": {"type": "string"}, "description": "set by aishell"},
            "notes": {"type": "array", "items": {"type": "string"}, "description": "set by aishell"},
            "feature_evidence": {
                "type": "object",
                "additionalProperties": {"type": "string"},
                "description": "the words that showed each feature (set by aishell)",
            },
            "domain": {"type": "string", "description": "what is being built, e.g. 'double-entry ledger'"},
            "entities": {
                "type": "array",
                "description": "things to store, one table each (not values, units, verbs, measures, "
                "queries or the system itself)",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["name"],
                    "properties": {
                        "name": {**name, "description": "singular snake_case (journal_line, team)"},
                        "table": {**name, "description": "table name if not the plural of name"},
                        "kind": {
                            "type": "string",
                            "enum": list(ENTITY_KINDS),
                            "description": "person, organization, place, thing, event (something that "
                            "happens at a time), record (an entry kept as history), document, line (a line "
                            "of a parent document), lookup (a short list of values), tag, link",
                        },
                        "description": {"type": "string"},
                        "attributes": {"type": "array", "items": _attribute_schema()},
                        "append_only": {
                            "type": "boolean",
                            "description": "rows are never updated or deleted (ledger lines, logs)",
                        },
                        "soft_delete": {"type": "boolean", "description": "rows are archived, not deleted"},
                        "provenance": _provenance_prop(),
                        "evidence": {"type": "string"},
                        "archetype": {
                            "type": "string",
                            "description": "knowledge-base archetype (set by aishell)",
                        },
                        "noun": {"type": "string", "description": "head noun (set by aishell)"},
                        "owner": {"type": "string", "description": "owning entity (set by aishell)"},
                        "self_ref": {"type": "string", "description": "self-reference role (set by aishell)"},
                    },
                },
            },
            "relationships": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["kind", "from", "to"],
                    "properties": {
                        "kind": {
                            "type": "string",
                            "enum": list(RELATIONSHIP_KINDS),
                            "description": "many_to_one: each 'from' row references one 'to' row (the "
                            "foreign key is on 'from'); one_to_one: the same, at most one 'from' per 'to'; "
                            "many_to_many: a link table between 'from' and 'to'; self: 'from' refers to "
                            "another row of itself (parent, manager, prerequisite)",
                        },
                        "from": {**name, "description": "an entity name (the many side for many_to_one)"},
                        "to": {**name, "description": "an entity name"},
                        "role": {
                            **name,
                            "description": "the reference's name when it is not the target's name, "
                            "required when 'from' references 'to' twice: home_team/away_team, "
                            "from_warehouse/to_warehouse, manager, parent",
                        },
                        "required": {
                            "type": "boolean",
                            "description": "each 'from' must have one ('exactly one', 'each ... belongs "
                            "to'); false for 'may', 'optional', 'at most one'",
                        },
                        "on_delete": {"type": "string", "enum": list(ON_DELETE)},
                        "via": {**name, "description": "many_to_many: the link table's name (enrollments)"},
                        "attributes": {
                            "type": "array",
                            "items": _attribute_schema(),
                            "description": "many_to_many: the link's own columns (an enrolment's grade)",
                        },
                        "unique": {
                            "type": "boolean",
                            "description": "many_to_many: one link per pair (default true); false when the "
                            "same pair may repeat (a retake, a second visit)",
                        },
                        "source_role": {**name, "description": "many_to_many: column stem for 'from'"},
                        "target_role": {**name, "description": "many_to_many: column stem for 'to'"},
                        "event": {
                            "type": "boolean",
                            "description": "the reference is to the event this row follows "
                            "('rate the driver after each trip')",
                        },
                        "provenance": _provenance_prop(),
                        "evidence": {"type": "string"},
                    },
                },
            },
            "rules": {
                "type": "array",
                "description": "rules the database should enforce",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["kind", "entity"],
                    "properties": {
                        "kind": {
                            "type": "string",
                            "enum": list(RULE_KINDS),
                            "description": "unique: columns unique within scope ('code unique per "
                            "company'); range: column between min and max; compare: left op right "
                            "('ends after it starts'); exclusive: exactly one / at most one of columns is "
                            "set ('a debit or a credit'); no_overlap: start..end periods never overlap per "
                            "the same 'per' ('shifts of a nurse must not overlap'); balanced: per group_by, "
                            "the sum of debit equals the sum of credit (or the sum of amount is zero); "
                            "append_only: rows are never updated or deleted; immutable_when: rows cannot "
                            "change once column is one of values ('cannot be changed once posted'); max_count: at "
                            "most max rows per the same 'per' ('a drawer holds at most 40 packets'); check: "
                            "any other boolean expression over the entity's columns",
                        },
                        "entity": name,
                        "columns": {"type": "array", "items": {"type": "string"}},
                        "scope": {
                            "type": "array",
                            "items": {"type": "string"},
                            "description": "unique: within these (entity names or roles of references, "
                            "or attributes)",
                        },
                        "where": {"type": "string", "description": "unique: only rows matching this"},
                        "expression": {"type": "string", "description": "check: SQL boolean expression"},
                        "column": {"type": "string"},
                        "min": {"type": "number"},
                        "max": {"type": "number"},
                        "left": {"type": "string"},
                        "op": {"type": "string", "enum": ["<", "<=", ">", ">=", "=", "<>"]},
                        "right": {"type": "string"},
                        "mode": {"type": "string", "enum": ["exactly_one", "at_most_one", "any_role"]},
                        "start": {"type": "string", "description": "no_overlap: start column"},
                        "end": {"type": "string", "description": "no_overlap: end column"},
                        "per": {
                            "type": "array",
                            "items": {"type": "string"},
                            "description": "no_overlap, max_count: within the same (a reference or an attribute)",
                        },
                        "group_by": {"type": "string", "description": "balanced: the parent entity"},
                        "debit": {"type": "string"},
                        "credit": {"type": "string"},
                        "amount": {"type": "string"},
                        "values": {"type": "array", "items": {"type": "string"}},
                        "description": {"type": "string"},
                        "provenance": _provenance_prop(),
                        "evidence": {"type": "string"},
                    },
                },
            },
            "access_patterns": {
                "type": "array",
                "description": "queries the text names; each becomes an index",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["entity"],
                    "properties": {
                        "entity": name,
                        "filter": {
                            "type": "array",
                            "items": {"type": "string"},
                            "description": "columns or references compared with =",
                        },
                        "range": {"type": "string", "description": "a column compared by range or sorted"},
                        "order": {"type": "string", "enum": ["asc", "desc"]},
                        "include": {
                            "type": "array",
                            "items": {"type": "string"},
                            "description": "columns the query reads (a covering index)",
                        },
                        "search": {
                            "type": "array",
                            "items": {"type": "string"},
                            "description": "text columns searched by words (full-text)",
                        },
                        "where": {"type": "string", "description": "only rows matching this (partial)"},
                        "description": {"type": "string"},
                        "provenance": _provenance_prop(),
                        "evidence": {"type": "string"},
                    },
                },
            },
            "features": {"type": "array", "items": {"type": "string", "enum": list(FEATURE_NAMES)}},
            "scale": {
                "type": "array",
                "description": "stated volumes ('2M readings per day', '10K tenants')",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["count", "entity"],
                    "properties": {
                        "count": {"type": "number"},
                        "entity": name,
                        "period": {"type": "string", "enum": list(PERIODS)},
                        "retention": {
                            "type": "string",
                            "pattern": "^[0-9]+ (day|week|month|year)s?$",
                            "description": "how long rows are kept ('90 days')",
                        },
                        "noun": {"type": "string", "description": "the word counted (set by aishell)"},
                        "text": {"type": "string", "description": "the words stating it (set by aishell)"},
                        "provenance": _provenance_prop(),
                    },
                },
            },
            "tenancy": {
                "type": "object",
                "additionalProperties": False,
                "required": ["tenant"],
                "description": "each tenant's data is isolated",
                "properties": {
                    "tenant": {**name, "description": "the entity owning the rows (company)"},
                    "entities": {
                        "type": "array",
                        "items": {"type": "string"},
                        "description": "the tenant's entities; omit for all",
                    },
                    "provenance": _provenance_prop(),
                    "evidence": {"type": "string"},
                },
            },
            "questions": {
                "type": "array",
                "description": "what you were unsure about, to ask the user",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["about", "question"],
                    "properties": {
                        "about": {"type": "string"},
                        "question": {"type": "string"},
                        "kind": {"type": "string", "enum": ["entity", "relationship", "attribute", "rule"]},
                        "options": {"type": "array", "items": {"type": "string"}},
                    },
                },
            },
        },
    }


INTENT_SCHEMA = intent_schema()
