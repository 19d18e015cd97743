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
    """The text to parse: a pattern's canonical requirements followed by the user's own words."""
    from aishell.design import kb

    parts: list[str] = []
    used: list[str] = []
    extra: dict[str, Any] = {"force_partition": set(), "features": set()}
    if pattern:
        data = kb.resolve_pattern(pattern)
        if data is None:
            raise UserError(f"unknown pattern {pattern!r} (choose from {', '.join(kb.pattern_names())})")
        parts.append(data["text"])
        used.append(data["name"])
        extra["force_partition"] |= set(data.get("force_partition", []))
        extra["features"] |= set(data.get("features", []))
    if text:
        parts.append(text)
    return "\n".join(parts), used, extra


def design(
    text: str | None,
    *,
    pattern: str | None = None,
    validate: bool = True,
    llm: str | None = None,
    options: Any = None,
    server: Any = None,
    config: Any = None,
) -> Design:
    """Design a schema from requirements text and/or a pattern; validate it on PostgreSQL."""
    from aishell.design import advisor, parser, planner
    from aishell.design.validate import model_checks
    from aishell.design.validate import validate as run_validation

    if (text is None or not text.strip()) and not pattern:
        raise UserError(
            "empty requirements: describe what you are building, e.g. "
            '"a clinic with patients, doctors and appointments"'
        )
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    full, used, extra = compose_text(text, pattern)
    engine = "offline"
    notes: list[str] = []
    req = None
    if llm:
        from aishell.design.llm import design_with_llm

        req, engine, note = design_with_llm(full, llm, config=config)
        if note:
            notes.append(note)
    if req is None:
        req = parser.parse(full)
    for f in extra["features"]:
        req.features.setdefault(f, "pattern")
    if not req.entities:
        raise UserError(
            "no entities found in the requirements: name the things to store, e.g. "
            '"customers place orders; each order has several items"'
        )
    patterns = list(dict.fromkeys(used + detect_patterns(full)))
    req.patterns = patterns
    timings["parse"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    adv = advisor.decide(req, force_partition=extra["force_partition"])
    if "uuid_keys" in req.features:
        # "use UUIDs": the text asks for UUID keys
        options = planner.PlanOptions(**{**vars(options or planner.PlanOptions()), "key_type": "uuid"})
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
        notes=notes,
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
    timings["total"] = time.perf_counter() - t0
    d.timings = timings
    return d


def requirements_only(text: str, *, pattern: str | None = None) -> Any:
    from aishell.design import parser

    if (text is None or not text.strip()) and not pattern:
        raise UserError("empty requirements: describe what you are building")
    full, used, extra = compose_text(text, pattern)
    req = parser.parse(full)
    for f in extra["features"]:
        req.features.setdefault(f, "pattern")
    req.patterns = list(dict.fromkeys(used + detect_patterns(full)))
    return req
