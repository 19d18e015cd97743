"""A model's answer → ``Intent``: lenient where a model is sloppy, faithful where the user spoke.

Names become snake_case (entity names singular); relationship spellings (one-to-many, 1:N, has_many,
belongs_to) are mapped; references to entities the answer never named are dropped (and said so in the
notes) rather than invented; an attribute ``customer_id`` becomes the reference it means. What the user
said is kept as said: attribute names are not singularised, and allowed values are kept verbatim.
Both the design-intent format (``docs/design-intent.schema.json``) and the earlier answer format
(entities / attributes / relationships / features / scale) are read.
"""

from __future__ import annotations

import re
from typing import Any

from aishell.design.intent import (
    ENTITY_KINDS,
    FEATURE_NAMES,
    PERIODS,
    PROVENANCE,
    RULE_KINDS,
    AccessPattern,
    Attribute,
    Entity,
    Intent,
    Question,
    Relationship,
    Rule,
    ScaleFigure,
    Tenancy,
)
from aishell.design.llm.providers import LLMError
from aishell.design.words import plural, singular

_KINDS = {
    "many_to_one": ("many_to_one", False),
    "n:1": ("many_to_one", False),
    "n_1": ("many_to_one", False),
    "belongs_to": ("many_to_one", False),
    "reference": ("many_to_one", False),
    "one_to_many": ("many_to_one", True),
    "1:n": ("many_to_one", True),
    "1_n": ("many_to_one", True),
    "has_many": ("many_to_one", True),
    "one_to_one": ("one_to_one", False),
    "1:1": ("one_to_one", False),
    "has_one": ("one_to_one", True),
    "many_to_many": ("many_to_many", False),
    "n:m": ("many_to_many", False),
    "m:n": ("many_to_many", False),
    "self": ("self", False),
    "self_reference": ("self", False),
    "hierarchy": ("self", False),
}
_TYPE = re.compile(
    r"^[A-Za-z][A-Za-z0-9_ ]*(?:\(\s*\d+\s*(?:,\s*\d+\s*)?\))?(?:\s*\[\])?$"
)  # text, numeric(12,2), character varying(20), integer[]


def snake(value: Any) -> str | None:
    """snake_case of a name as written ("Bay number" → bay_number, "homeTeam" → home_team)."""
    if not isinstance(value, str):
        return None
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", value.strip())
    words = re.findall(r"[A-Za-z][A-Za-z0-9]*|[0-9]+", s.replace("-", " "))
    if not words:
        return None
    name = "_".join(w.lower() for w in words)
    if name[0].isdigit():
        return None
    return name[:63]


def entity_name(value: Any) -> str | None:
    name = snake(value)
    if not name:
        return None
    head, _, last = name.rpartition("_")
    last = singular(last)
    return f"{head}_{last}" if head else last


def _kind(value: Any) -> tuple[str, bool]:
    """(kind, flip) for the spellings models use: one-to-many, 1:N, has_many, belongs_to, ..."""
    key = re.sub(r"[\s-]+", "_", str(value or "").strip().lower())
    return _KINDS.get(key, ("many_to_one", False))


def _first(raw: dict[str, Any], *keys: str) -> Any:
    return next((raw[k] for k in keys if raw.get(k) not in (None, "")), None)


def _number(v: Any) -> float | None:
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        try:
            return float(v.strip())
        except ValueError:
            return None
    return None


def _bool(v: Any) -> bool | None:
    if isinstance(v, bool):
        return v
    if isinstance(v, str) and v.strip().lower() in ("true", "yes", "false", "no"):
        return v.strip().lower() in ("true", "yes")
    return None


def _provenance(v: Any, default: str = "stated") -> str:
    return v if v in PROVENANCE else default


def _text(v: Any) -> str:
    return v.strip() if isinstance(v, str) else ""


def _values(raw: Any) -> list[str] | None:
    if not isinstance(raw, list):
        return None
    out: list[str] = []
    for v in raw:
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            v = str(v)
        if isinstance(v, str) and v.strip() and v.strip() not in out and len(v.strip()) <= 63:
            out.append(v.strip())
    return out or None


def attribute(raw: Any) -> Attribute | None:
    if not isinstance(raw, dict):
        raw = {"name": raw}
    name = snake(raw.get("name"))
    if not name or name in ("id", "created_at", "updated_at"):
        return None
    values = _values(_first(raw, "values", "enum", "allowed_values", "options"))
    typ = raw.get("type")
    typ = typ.strip() if isinstance(typ, str) and _TYPE.match(typ.strip()) else None
    if typ and typ.lower() == "enum" and not values:
        typ = None
    default = raw.get("default")
    if isinstance(default, bool):
        default = "true" if default else "false"
    elif isinstance(default, (int, float)):
        default = str(default)
    elif not isinstance(default, str) or not default.strip():
        default = None
    return Attribute(
        name=name,
        type=None if values else typ,
        not_null=bool(_bool(_first(raw, "required", "not_null"))),
        unique=bool(_bool(raw.get("unique"))),
        enum=values,
        default=default,
        min=_number(_first(raw, "min", "minimum")),
        max=_number(_first(raw, "max", "maximum")),
        exclusive_min=_number(raw.get("exclusive_min")),
        exclusive_max=_number(raw.get("exclusive_max")),
        description=_text(raw.get("description")) or None,
        provenance=_provenance(raw.get("provenance")),
        evidence=_text(raw.get("evidence")) or "language model",
    )


def normalize(data: Any, text: str) -> Intent:
    """Validate and repair a model's answer into an ``Intent`` (the planner's input)."""
    from aishell.design import kb
    from aishell.design.read.clauses import find_scale

    if not isinstance(data, dict):
        raise LLMError("the answer is not a JSON object")
    intent = Intent(text=text)
    notes = intent.notes
    ents = data.get("entities")
    if not isinstance(ents, list) or not ents:
        raise LLMError("the answer names no entities")
    pending_refs: list[tuple[str, str, Attribute]] = []
    for raw in ents:
        name = entity_name(raw.get("name") if isinstance(raw, dict) else raw)
        if not name or name in intent.entities or name == "id":
            continue
        raw = raw if isinstance(raw, dict) else {}
        kind = raw.get("kind") if raw.get("kind") in ENTITY_KINDS else None
        table = snake(raw.get("table")) if raw.get("table") else None
        e = Entity(
            name=name,
            table=table or plural(name),
            noun=name,
            kind=kind,
            description=_text(raw.get("description")) or None,
            append_only=_bool(raw.get("append_only")),
            soft_delete=_bool(raw.get("soft_delete")),
            provenance=_provenance(raw.get("provenance")),
            evidence=_text(raw.get("evidence")) or "language model",
        )
        for a in raw.get("attributes") or []:
            attr = attribute(a)
            if attr is None or e.attribute(attr.name):
                continue
            if attr.name.endswith("_id") and not attr.enum:
                pending_refs.append((name, attr.name[:-3], attr))  # a reference written as a column
                continue
            e.attributes.append(attr)
        kb.choose_archetype(e, text)
        intent.entities[name] = e
    if not intent.entities:
        raise LLMError("the answer names no usable entities")
    for raw in data.get("relationships") or []:
        if not isinstance(raw, dict):
            continue
        kind, flip = _kind(raw.get("kind") or raw.get("type") or raw.get("cardinality"))
        a = entity_name(_first(raw, "from", "source", "child", "entity", "from_entity", "table"))
        b = entity_name(_first(raw, "to", "target", "parent", "references", "to_entity", "ref_table"))
        if flip:
            a, b = b, a  # "one_to_many" from A to B: B holds the key
        if a not in intent.entities or b not in intent.entities:
            notes.append(f"the model linked {a or '?'} to {b or '?'}, which it did not name: left out")
            continue
        role = snake(raw.get("role")) if raw.get("role") else None
        if role and role.endswith("_id"):
            role = role[:-3]
        on_delete = str(raw.get("on_delete") or "").strip().lower().replace(" ", "_")
        rel = Relationship(
            kind="self" if kind == "self" or (a == b and kind != "many_to_many") else kind,
            source=a,
            target=b if kind != "self" else a,
            role=role if role and role != b else None,
            required=_bool(raw.get("required")),
            on_delete=on_delete.replace("_", " ").upper()
            if on_delete in ("cascade", "restrict", "set_null")
            else None,
            via=snake(raw.get("via")) if raw.get("via") else None,
            provenance=_provenance(raw.get("provenance")),
            evidence=_text(raw.get("evidence")) or "language model",
            event=_bool(raw.get("event")),
            attributes=[x for x in (attribute(v) for v in raw.get("attributes") or []) if x is not None],
            unique=_bool(raw.get("unique")),
            source_role=snake(raw.get("source_role")) if raw.get("source_role") else None,
            target_role=snake(raw.get("target_role")) if raw.get("target_role") else None,
        )
        if rel.kind == "self":
            rel.role = rel.role or "parent"
            intent.entities[a].self_ref = intent.entities[a].self_ref or rel.role
        if not any(r.key == rel.key for r in intent.relationships):
            intent.relationships.append(rel)
    for src, target, attr in pending_refs:
        tname = entity_name(target)
        if tname not in intent.entities and not any(
            r.source == src and r.role == target for r in intent.relationships
        ):
            intent.entities[src].attributes.append(attr)  # "fide_id": an identifier of another system
            continue
        if tname in intent.entities and not any(
            r.source == src and (r.target == tname or r.role == target) for r in intent.relationships
        ):
            intent.relationships.append(
                Relationship(
                    "many_to_one",
                    src,
                    tname,
                    required=attr.not_null or None,
                    provenance=attr.provenance,
                    evidence=attr.evidence,
                )
            )
        elif tname not in intent.entities and not any(
            r.source == src and r.role == target for r in intent.relationships
        ):
            notes.append(f"{src}.{attr.name} references nothing the model named: left out")
    for raw in data.get("rules") or []:
        rule = _rule(raw, intent)
        if rule is not None:
            intent.rules.append(rule)
    for raw in data.get("access_patterns") or []:
        if not isinstance(raw, dict):
            continue
        ent = entity_name(raw.get("entity"))
        if ent not in intent.entities:
            continue
        order = str(raw.get("order") or "").lower()
        intent.access_patterns.append(
            AccessPattern(
                entity=ent,
                filter=[x for x in (snake(v) for v in raw.get("filter") or []) if x],
                range=snake(raw.get("range")) if raw.get("range") else None,
                order=order if order in ("asc", "desc") else None,
                include=[x for x in (snake(v) for v in raw.get("include") or []) if x],
                search=[x for x in (snake(v) for v in raw.get("search") or []) if x],
                where=_text(raw.get("where")) or None,
                description=_text(raw.get("description")) or None,
                provenance=_provenance(raw.get("provenance")),
                evidence=_text(raw.get("evidence")),
            )
        )
    for f in data.get("features") or []:
        if f in FEATURE_NAMES:
            intent.features[f] = "language model"
    for raw in (data.get("scale") or []) + (data.get("volumes") or []):
        if not isinstance(raw, dict):
            continue
        ent = entity_name(raw.get("entity"))
        count = _number(raw.get("count"))
        if ent in intent.entities and count is not None and count > 0:
            period = raw.get("period") if raw.get("period") in PERIODS else None
            retention = raw.get("retention")
            retention = (
                retention
                if isinstance(retention, str)
                and re.fullmatch(r"\d+ (day|week|month|year)s?", retention.strip())
                else None
            )
            intent.scale.append(
                ScaleFigure(
                    count=count,
                    noun=ent,
                    entity=ent,
                    period=period,
                    text=f"{count:g} {ent}" + (f" per {period}" if period else ""),
                    retention=retention,
                    provenance=_provenance(raw.get("provenance")),
                )
            )
    if not intent.scale:
        for s in find_scale(text):
            if s.noun in intent.entities:
                s.entity = s.noun
                intent.scale.append(s)
    ten = data.get("tenancy")
    if isinstance(ten, dict) and entity_name(ten.get("tenant")) in intent.entities:
        intent.tenancy = Tenancy(
            tenant=entity_name(ten.get("tenant")) or "",
            entities=[x for x in (entity_name(v) for v in ten.get("entities") or []) if x in intent.entities],
            provenance=_provenance(ten.get("provenance")),
            evidence=_text(ten.get("evidence")),
        )
        intent.features.setdefault("multi_tenant", "language model")
    for raw in data.get("questions") or []:
        if isinstance(raw, dict) and _text(raw.get("question")):
            intent.questions.append(
                Question(
                    about=_text(raw.get("about")) or "?",
                    question=_text(raw.get("question")),
                    kind=raw.get("kind")
                    if raw.get("kind") in ("entity", "relationship", "attribute", "rule")
                    else "entity",
                    options=[str(o) for o in raw.get("options") or [] if isinstance(o, str)],
                )
            )
    dom = data.get("domain")
    intent.domain = dom.strip()[:60] if isinstance(dom, str) and dom.strip() else None
    return intent


def _rule(raw: Any, intent: Intent) -> Rule | None:
    if not isinstance(raw, dict):
        return None
    kind = str(raw.get("kind") or raw.get("type") or "").strip().lower().replace("-", "_").replace(" ", "_")
    kind = {
        "exclude": "no_overlap",
        "non_overlap": "no_overlap",
        "xor": "exclusive",
        "immutable": "append_only",
    }.get(kind, kind)
    ent = entity_name(raw.get("entity"))
    if kind not in RULE_KINDS or ent not in intent.entities:
        intent.notes.append(f"a rule the planner cannot read was left out: {kind or '?'} on {ent or '?'}")
        return None

    def names(key: str) -> list[str]:
        v = raw.get(key)
        if isinstance(v, str):
            v = [v]
        return [x for x in (snake(s) for s in v or []) if x]

    op = raw.get("op") if raw.get("op") in ("<", "<=", ">", ">=", "=", "<>", "!=") else None
    mode = raw.get("mode") if raw.get("mode") in ("exactly_one", "at_most_one") else None
    return Rule(
        kind=kind,
        entity=ent,
        columns=names("columns"),
        scope=names("scope"),
        where=_text(raw.get("where")) or None,
        expression=_text(raw.get("expression")) or None,
        column=snake(raw.get("column")) if raw.get("column") else None,
        min=_number(raw.get("min")),
        max=_number(raw.get("max")),
        left=snake(raw.get("left")) if raw.get("left") else None,
        op="<>" if op == "!=" else op,
        right=snake(raw.get("right")) if raw.get("right") else None,
        mode=mode,
        start=snake(raw.get("start")) if raw.get("start") else None,
        end=snake(raw.get("end")) if raw.get("end") else None,
        per=names("per"),
        group_by=entity_name(raw.get("group_by")) if raw.get("group_by") else None,
        debit=snake(raw.get("debit")) if raw.get("debit") else None,
        credit=snake(raw.get("credit")) if raw.get("credit") else None,
        amount=snake(raw.get("amount")) if raw.get("amount") else None,
        values=_values(raw.get("values")) or [],
        description=_text(raw.get("description")) or None,
        provenance=_provenance(raw.get("provenance")),
        evidence=_text(raw.get("evidence")),
    )
