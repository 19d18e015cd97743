"""Schema design: requirements in plain English (or a pattern, or wizard answers) → a validated model.

``design(text)`` runs the whole pipeline: parse (``parser``) → advise from the stated scale
(``advisor.decide``) → plan the model (``planner``) → estimates, recommendations and checked claims →
validate by loading the generated DDL on a real PostgreSQL (``validate``). The CLI prints the result
(``review``) and saves it as ``aishell/design.json``, a SOURCE every other command reads.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

from aishell.errors import UserError


@dataclass
class Design:
    requirements: Any  # Requirements
    schema: Any  # aishell.model.Schema
    advice: Any
    recommendations: list[Any] = field(default_factory=list)
    estimates: dict[str, Any] = field(default_factory=dict)
    normal_form: tuple[str, list[str]] = ("", [])
    validation: Any = None
    ddl: str | None = None
    engine: str = "offline"
    patterns: list[str] = field(default_factory=list)
    applied_patterns: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def document(self) -> dict[str, Any]:
        """The saved/--json form: the model JSON plus ``requirements`` and ``validation`` keys.

        ``aishell.model.loads`` ignores the extra keys, so the document is a valid SOURCE.
        """
        from aishell.model import to_dict

        doc = to_dict(self.schema)
        req = self.requirements.to_dict()
        req["engine"] = self.engine
        req["notes"] = list(req.get("notes", [])) + list(self.notes)
        req["patterns"] = self.patterns
        req["normal_form"] = {"level": self.normal_form[0], "problems": self.normal_form[1]}
        from aishell.design.review import assumed_items

        req["assumed"] = assumed_items(self.schema)
        design_attrs = self.schema.attrs.get("design", {})
        if design_attrs.get("problems"):
            req["problems"] = list(design_attrs["problems"])
        req["estimates"] = {k: v for k, v in self.estimates.items() if k != "per_table"}
        req["estimates"]["per_table"] = self.estimates.get("per_table", [])
        doc["requirements"] = req
        doc["recommendations"] = [r.to_dict() for r in self.recommendations]
        doc["validation"] = self.validation.to_dict() if self.validation is not None else {"loaded": None}
        return doc


def detect_patterns(text: str) -> list[str]:
    """Patterns whose keywords the text uses ("online store" → e-commerce)."""
    from aishell.design import kb

    low = text.lower()
    found = []
    for name, data in kb.patterns().items():
        if any(re.search(r"\b" + re.escape(k) + r"\b", low) for k in data.get("keywords", [])):
            found.append(name)
    return found


def compose_text(text: str | None, pattern: str | None) -> tuple[str, list[str], dict[str, Any]]:
    """The whole text: a pattern's canonical requirements followed by the user's own words."""
    from aishell.design import kb

    parts: list[str] = []
    used: list[str] = []
    extra: dict[str, Any] = {"force_partition": set(), "features": set(), "pattern_text": None}
    if pattern:
        data = kb.resolve_pattern(pattern)
        if data is None:
            raise UserError(f"unknown pattern {pattern!r} (choose from {', '.join(kb.pattern_names())})")
        parts.append(data["text"])
        used.append(data["name"])
        extra["force_partition"] |= set(data.get("force_partition", []))
        extra["features"] |= set(data.get("features", []))
        extra["pattern_text"] = data["text"]
    if text:
        parts.append(text)
    return "\n".join(parts), used, extra


def read_offline(text: str | None, extra: dict[str, Any], used: list[str]) -> Any:
    """The offline reader on the user's text, merged with the pattern's own intent (read apart, its items
    marked inferred: the user asked for the pattern, not for each of its tables)."""
    from aishell.design import parser
    from aishell.design.intent import mark, merge
    from aishell.design.read.language import check_readable

    if text and text.strip():
        check_readable(text)
    user = parser.parse(text) if text and text.strip() else None
    if extra.get("pattern_text") is None:
        return user if user is not None else parser.parse("")
    base = mark(parser.parse(extra["pattern_text"]), "inferred", f"pattern {used[0]}")
    return merge(base, user) if user is not None else base


@dataclass
class Reading:
    """What reading produced, before planning: the intent and how it was obtained."""

    intent: Any
    engine: str
    notes: list[str]
    reader: Any  # the LLM conversation, for repair rounds (None offline)
    used: list[str]  # patterns applied
    extra: dict[str, Any]
    full: str  # the whole text (pattern text and the user's)


def read_requirements(
    text: str | None, *, pattern: str | None = None, llm: str | None = None, config: Any = None
) -> Reading:
    """Read the requirements (a pattern and/or text) into a design intent, with a model when asked."""
    if (text is None or not text.strip()) and not pattern:
        raise UserError(
            "empty requirements: describe what you are building, e.g. "
            '"a clinic with patients, doctors and appointments"'
        )
    full, used, extra = compose_text(text, pattern)
    req, engine, notes, reader = (
        read_text(full, llm=llm, config=config) if llm else (None, "offline", [], None)
    )
    if reader is None:
        req = read_offline(text, extra, used)
    for f in extra["features"]:
        req.features.setdefault(f, "pattern")
    req.patterns = list(dict.fromkeys(used + detect_patterns(full)))
    return Reading(req, engine, notes, reader, used, extra, full)


def design(
    text: str | None,
    *,
    pattern: str | None = None,
    validate: bool = True,
    llm: str | None = None,
    options: Any = None,
    server: Any = None,
    config: Any = None,
    intent: Any = None,
    reading: Reading | None = None,
    assumptions: bool = True,
) -> Design:
    """Design a schema from requirements text and/or a pattern (or a ready intent); validate it on PostgreSQL.

    Stages: read (the offline reader, a language model, or ``intent`` as given) → intent → plan → harden
    → validate. With a language model, load errors and critical findings go back to it for at most
    ``llm.MAX_REPAIR_ROUNDS`` rounds. ``assumptions=False`` leaves out everything marked assumed.
    """
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    if intent is not None:
        extra = {"force_partition": set(), "features": set()}
        reading = Reading(
            intent, intent.reader or "file", [], None, list(intent.patterns), extra, intent.text
        )
    elif reading is None:
        reading = read_requirements(text, pattern=pattern, llm=llm, config=config)
    req, engine, reader, used, extra = (
        reading.intent,
        reading.engine,
        reading.reader,
        reading.used,
        reading.extra,
    )
    notes = list(reading.notes)
    if not req.entities:
        raise UserError(
            "no entities found in the requirements: name the things to store, e.g. "
            '"customers place orders; each order has several items"'
        )
    patterns = list(dict.fromkeys(used + detect_patterns(reading.full)))
    req.patterns = patterns
    timings["read"] = time.perf_counter() - t0
    d = _plan_and_check(
        req, engine, notes, patterns, used, extra, options, validate, server, assumptions, timings
    )
    rounds = 0
    while reader is not None and validate and rounds < _max_rounds():
        problems = design_problems(d)
        if not problems:
            break
        rounds += 1
        repaired = reader.repair(problems)
        if repaired is None:
            break
        for f in extra["features"]:
            repaired.features.setdefault(f, "pattern")
        repaired.patterns = patterns
        notes = [*notes, f"repair round {rounds}: sent back {'; '.join(problems)[:300]}"]
        d = _plan_and_check(
            repaired, engine, notes, patterns, used, extra, options, validate, server, assumptions, timings
        )
    if reader is not None:
        d.notes += reader.notes
        if reader.cached:
            d.notes.append(f"{reader.cached} of {reader.rounds} model answers came from the cache")
    timings["total"] = time.perf_counter() - t0
    d.timings = timings
    return d


def _max_rounds() -> int:
    from aishell.design.llm import MAX_REPAIR_ROUNDS

    return MAX_REPAIR_ROUNDS


def read_text(full: str, *, llm: str | None = None, config: Any = None) -> tuple[Any, str, list[str], Any]:
    """(intent, engine, notes, LLM reader or None): the text read by a model when asked, else offline."""
    from aishell.design import parser

    notes: list[str] = []
    if llm:
        from aishell.design.llm import LLMError, LLMReader

        reader = None
        try:
            reader = LLMReader(llm, config)
            return reader.read(full), reader.engine, notes, reader
        except LLMError as exc:
            name = llm if not llm.startswith("replay:") else "replay"
            notes.append(f"--llm {name} not used ({exc}); designed by the offline engine")
    return parser.parse(full), "offline", notes, None


def design_problems(d: Design) -> list[str]:
    """What goes back to a language model: a load error, planner notes on what it could not use, and
    critical findings of our own analysis."""
    out: list[str] = []
    if d.validation is not None and d.validation.loaded is False:
        out.append(f"the DDL did not load on PostgreSQL: {d.validation.error}")
    out += [p for p in d.schema.attrs.get("design", {}).get("problems", [])]
    if d.validation is not None and d.validation.loaded:
        from aishell.analyze import AnalyzeOptions, analyze_schema

        report = analyze_schema(d.schema, AnalyzeOptions())
        for f in report.at_or_above("critical"):
            out.append(f"{f.rule} on {f.table or 'the schema'}: {f.message}")
    return out


def _plan_and_check(
    req: Any,
    engine: str,
    notes: list[str],
    patterns: list[str],
    used: list[str],
    extra: dict[str, Any],
    options: Any,
    validate: bool,
    server: Any,
    assumptions: bool,
    timings: dict[str, float],
) -> Design:
    from aishell.design import advisor, planner
    from aishell.design.validate import model_checks
    from aishell.design.validate import validate as run_validation

    t1 = time.perf_counter()
    adv = advisor.decide(req, force_partition=extra["force_partition"])
    if "uuid_keys" in req.features:
        # "use UUIDs": the text asks for UUID keys
        options = planner.PlanOptions(**{**vars(options or planner.PlanOptions()), "key_type": "uuid"})
    if not assumptions:
        options = planner.PlanOptions(**{**vars(options or planner.PlanOptions()), "assumptions": False})
    schema = planner.plan(req, options, adv.as_planner_input())
    if not schema.name:
        schema.name = req.domain or (patterns[0] if patterns else None)
    schema.attrs.setdefault("design", {})["generated_by"] = f"aishell schema design ({engine})"
    timings["plan"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    recs = advisor.recommendations(schema, req, adv)
    est = advisor.estimates(schema, req, adv)
    nf = advisor.normal_form(schema)
    d = Design(
        requirements=req,
        schema=schema,
        advice=adv,
        recommendations=recs,
        estimates=est,
        normal_form=nf,
        engine=engine,
        patterns=patterns,
        notes=list(notes),
        applied_patterns=used,
    )
    if validate:
        from aishell.dialects.postgres.generate import generate

        d.ddl = generate(schema, header=False)
        d.validation = run_validation(schema, ddl=d.ddl, server=server)
        if "timescaledb" in d.validation.extensions_available:
            advisor.timescaledb_statements(d)
    else:
        from aishell.design.validate import Validation

        d.validation = Validation(checks=model_checks(schema))
    timings["validate"] = time.perf_counter() - t2
    return d


def requirements_only(text: str, *, pattern: str | None = None) -> Any:
    return read_requirements(text, pattern=pattern).intent
