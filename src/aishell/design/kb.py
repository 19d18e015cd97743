"""The design knowledge base: archetypes, attribute types, word classes and patterns, kept as data files.

Everything here is read from ``aishell/design/kb/*.json`` once and cached; the parser and the planner
ask it questions ("which archetype does this noun mean?", "what type is a column called due_date?")
instead of carrying domain knowledge in code.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

KB_DIR = Path(__file__).with_name("kb")
PATTERN_DIR = KB_DIR / "patterns"


@cache
def _load(name: str) -> Any:
    return json.loads((KB_DIR / name).read_text(encoding="utf-8"))


@dataclass
class ColumnSpec:
    """One column as an archetype or the text describes it, before the planner types it fully."""

    name: str
    type: str | None = None
    not_null: bool = False
    unique: bool = False
    default: str | None = None
    enum: list[str] | None = None
    check: str | None = None
    comment: str | None = None
    remove: bool = False  # "-name" in an archetype's extra columns: drop that column
    source: str = "archetype"  # archetype | text (an attribute of the intent)
    provenance: str = "assumed"
    bounds: dict[str, float] | None = None  # min / max / exclusive_min / exclusive_max from the intent
    description: str | None = None


_SPEC = re.compile(
    r"^(?P<name>-?[a-z_][a-z0-9_]*)"
    r"(?:\s+ENUM\((?P<enum>[^)]*)\))?"
    r"(?:\s+(?P<type>(?!NOT\b|UNIQUE\b|DEFAULT\b|NULL\b)[A-Z][A-Z0-9_]*(?:\s+(?!NOT\b|UNIQUE\b|DEFAULT\b|NULL\b)[A-Z][A-Z0-9_]*)*"
    r"(?:\([0-9, ]+\))?(?:\[\])?))?"
    r"(?P<rest>.*)$"
)


def parse_column_spec(spec: str) -> ColumnSpec:
    m = _SPEC.match(spec.strip())
    if not m:
        raise ValueError(f"bad column spec {spec!r}")
    name = m["name"]
    rest = m["rest"] or ""
    col = ColumnSpec(name=name.lstrip("-"), remove=name.startswith("-"))
    if m["type"]:
        col.type = m["type"].strip()
    if m["enum"]:
        col.enum = [v.strip() for v in m["enum"].split("|") if v.strip()]
    col.not_null = " NOT NULL" in f" {rest}"
    col.unique = " UNIQUE" in f" {rest}"
    d = re.search(r"DEFAULT\s+(.+?)(?=\s+(?:NOT NULL|UNIQUE)\b|$)", rest)
    if d:
        value = d.group(1).strip()
        if col.enum and not value.startswith("'"):
            value = f"'{value}'"
        col.default = value
    return col


@dataclass
class Archetype:
    id: str
    kind: str
    nouns: list[str]
    table: str | None = None
    columns: list[ColumnSpec] = field(default_factory=list)
    extra_columns: dict[str, list[ColumnSpec]] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    flags_by_noun: dict[str, list[str]] = field(default_factory=dict)
    refs: list[dict[str, Any]] = field(default_factory=list)
    children: list[dict[str, Any]] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    checks_by_noun: dict[str, list[str]] = field(default_factory=dict)
    unique: list[list[str]] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        return self.raw.get(key, default)

    def columns_for(self, noun: str) -> list[ColumnSpec]:
        """The archetype's columns adjusted for one noun (a book has a title and an ISBN)."""
        cols = [ColumnSpec(**vars(c)) for c in self.columns]
        for extra in self.extra_columns.get(noun, []):
            cols = [c for c in cols if c.name != extra.name]
            if not extra.remove:
                cols.append(ColumnSpec(**vars(extra)))
        return cols

    def flags_for(self, noun: str) -> set[str]:
        flags = set(self.flags)
        for f in self.flags_by_noun.get(noun, []):
            if f.startswith("-"):
                flags.discard(f[1:])
            else:
                flags.add(f)
        return flags


@lru_cache(maxsize=1)
def archetypes() -> dict[str, Archetype]:
    out: dict[str, Archetype] = {}
    for raw in _load("archetypes.json")["archetypes"]:
        a = Archetype(
            id=raw["id"],
            kind=raw["kind"],
            nouns=list(raw["nouns"]),
            table=raw.get("table"),
            columns=[parse_column_spec(s) for s in raw.get("columns", [])],
            extra_columns={
                k: [parse_column_spec(s) for s in v] for k, v in raw.get("extra_columns", {}).items()
            },
            flags=set(raw.get("flags", [])),
            flags_by_noun=raw.get("flags_by_noun", {}),
            refs=list(raw.get("refs", [])),
            children=list(raw.get("children", [])),
            checks=list(raw.get("checks", [])),
            checks_by_noun=raw.get("checks_by_noun", {}),
            unique=[list(u) for u in raw.get("unique", [])],
            raw=raw,
        )
        out[a.id] = a
    return out


@lru_cache(maxsize=1)
def noun_index() -> dict[str, str]:
    """singular noun (snake_case) -> archetype id; the first archetype naming a noun wins."""
    index: dict[str, str] = {}
    for a in archetypes().values():
        for noun in a.nouns:
            if "-" in noun:  # "article-product": a disambiguated spelling, not a real word
                continue
            index.setdefault(noun, a.id)
    return index


def archetype_for(noun: str) -> Archetype | None:
    """The archetype a singular snake_case noun (or compound) means, if the knowledge base knows it."""
    idx = noun_index()
    if noun in idx:
        return archetypes()[idx[noun]]
    return None


@lru_cache(maxsize=1)
def lexicon() -> dict[str, Any]:
    data = _load("lexicon.json")
    out: dict[str, Any] = {}
    for k, v in data.items():
        if k.startswith("_"):
            continue
        out[k] = set(v) if isinstance(v, list) else v
    return out


@lru_cache(maxsize=1)
def pos_table() -> dict[str, Any]:
    """Word classes from ``pos.json`` (derived from LemmInflect by ``kb/build_pos.py``)."""
    data = _load("pos.json")
    return {"v": data["v"], "a_set": frozenset(data["a"]), "r_set": frozenset(data["r"])}


@lru_cache(maxsize=1)
def attribute_rules() -> list[dict[str, Any]]:
    return _load("attributes.json")["rules"]


def status_defaults(kind: str) -> list[str]:
    table = _load("attributes.json")["status_defaults"]
    return list(table.get(kind) or table["generic"])


@cache
def attribute_rule(name: str) -> dict[str, Any] | None:
    """The first attribute rule matching a column name (whole name, then last word, then suffix)."""
    head = name.rsplit("_", 1)[-1]
    for rule in attribute_rules():
        if name in rule.get("names", ()):
            return rule
    for rule in attribute_rules():
        if head in rule.get("heads", ()) or name in rule.get("heads", ()):
            return rule
        if any(name.endswith(s) for s in rule.get("suffixes", ())):
            return rule
    if "_of_" in name:
        return attribute_rule(name.split("_of_", 1)[0])  # "year_of_birth": a year
    if "_" in name and head in lexicon()["units"]:
        # "weight_grams", "peak_temp_celsius": a measure with its unit; the measure's rule if it is a
        # number, else a plain number (no sign check: a temperature may be below zero)
        base = attribute_rule(name.rsplit("_", 1)[0])
        if base is not None and str(base.get("type", "")).startswith(("NUMERIC", "INTEGER", "SMALLINT", "BIGINT")):
            return base
        return {"names": [], "type": "NUMERIC(12,3)"}
    return None


@cache
def meaning(name: str) -> str:
    """What a column name means, for finding two columns that say the same thing.

    ``start_time``, ``starts_at`` and ``start_date`` all mean ``start``; ``pickup_location`` means
    ``origin`` (``attributes.json: same_meaning``).
    """
    data = _load("attributes.json").get("same_meaning", {})
    words = data.get("words", {})
    suffixes = data.get("drop_suffixes", {})
    if name in words:
        return words[name]
    toks = name.split("_")
    kind = None
    while len(toks) > 1 and any(toks[-1] in v for v in suffixes.values()):
        kind = kind or next(k for k, v in suffixes.items() if toks[-1] in v)
        toks.pop()
    joined = "_".join(toks)
    by_kind = data.get("words_by_suffix", {}).get(kind or "", {})
    if joined in by_kind:
        return by_kind[joined]
    if joined in words:
        return words[joined]
    head = words.get(toks[-1], toks[-1])  # the head noun: "total_price" means total_amount
    if joined.endswith(head):
        return joined  # "license_plate" is already what "plate" means
    return "_".join([*toks[:-1], head])


def same_meaning(stated: str, archetype_column: str) -> bool:
    """Whether a stated attribute says what an archetype column says: the same meaning, or a qualified
    form of a generic column ("handover_notes" for ``notes``)."""
    if meaning(stated) == meaning(archetype_column):
        return True
    generic = _load("attributes.json").get("same_meaning", {}).get("generic_heads", ())
    return (
        archetype_column in generic
        and "_" in stated
        and meaning(stated.rsplit("_", 1)[-1]) == meaning(archetype_column)
    )


@lru_cache(maxsize=1)
def senses() -> dict[str, list[dict[str, Any]]]:
    """noun -> the archetypes it means in a context (``archetypes.json: senses``): the first sense whose
    ``when_any`` words occur in the text wins; ``archetype`` null means "none of ours"."""
    return _load("archetypes.json").get("senses", {})


def text_words(text: str) -> frozenset[str]:
    return _text_words(text.lower())


@lru_cache(maxsize=32)
def _text_words(low: str) -> frozenset[str]:
    return frozenset(re.findall(r"[a-z][a-z0-9]*", low))


def archetype_in_context(noun: str, text: str) -> tuple[bool, Archetype | None]:
    """(a sense decided it, the archetype) for a noun in this text; (False, None) when no sense applies."""
    options = senses().get(noun)
    if not options or noun.startswith("_"):
        return False, None
    words = text_words(text)
    for sense in options:
        if "when_any" not in sense or any(w in words for w in sense["when_any"]):
            arch = sense.get("archetype")
            return True, (archetypes().get(arch) if arch else None)
    return False, None


def choose_archetype(e: Any, text: str) -> None:
    """Set an entity's archetype and head noun from its name and the words of the text.

    The whole name first ("order_item"), then its head noun ("item"); a noun with several meanings
    (``senses``: a ledger account, a football goal) takes the one its context shows."""
    name = e.name
    head = name.rsplit("_", 1)[-1]
    for noun in (name, head):
        decided, arch = archetype_in_context(noun, text)
        if decided:
            e.archetype = arch.id if arch else None
            e.noun = noun
            return
        arch = archetype_for(noun)
        if arch is not None:
            e.archetype = arch.id
            e.noun = noun
            return
    e.archetype = None
    e.noun = head


def names_person(name: str) -> bool:
    """Whether an entity name the knowledge base does not know names a person ("beekeeper", "cyclist").

    Listed person words, and the suffixes that nearly always mean a person (-ist, -ian, -eer, -ee,
    -keeper). An unknown "-er" word is not taken for a person: a freezer, a router or a trailer is not one.
    """
    lex = lexicon()
    word = name.rsplit("_", 1)[-1]
    if word in lex["person_words"]:
        return True
    if word in lex.get("not_person_words", ()) or word in lex["not_person_er"] or len(word) <= 4:
        return False
    return word.endswith(("ist", "ian", "eer", "ee", "keeper"))


def is_attribute_word(name: str) -> bool:
    """True when a (snake_case) phrase reads as a column rather than an entity ("due_date", "status")."""
    rule = attribute_rule(name)
    return rule is not None


# -- patterns -------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def patterns() -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(PATTERN_DIR.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        out[data["name"]] = data
    return out


def pattern_names() -> list[str]:
    order = [
        "e-commerce",
        "social-network",
        "saas-multi-tenant",
        "analytics",
        "event-sourcing",
        "time-series",
    ]
    names = list(patterns())
    return [n for n in order if n in names] + sorted(n for n in names if n not in order)


PATTERN_ALIASES = {
    "ecommerce": "e-commerce",
    "shop": "e-commerce",
    "store": "e-commerce",
    "social": "social-network",
    "saas": "saas-multi-tenant",
    "multi-tenant": "saas-multi-tenant",
    "multitenant": "saas-multi-tenant",
    "event-store": "event-sourcing",
    "events": "event-sourcing",
    "timeseries": "time-series",
    "iot": "time-series",
    "metrics": "time-series",
}


def resolve_pattern(name: str) -> dict[str, Any] | None:
    key = name.strip().lower().replace("_", "-").replace(" ", "-")
    key = PATTERN_ALIASES.get(key, key)
    return patterns().get(key)
