"""Optional language-model front end: ask OpenAI, Anthropic or Ollama for the requirements as JSON.

The model gets our JSON Schema (``REQUIREMENTS_SCHEMA``) and the user's text; its answer is validated and
repaired by ``normalize`` (snake_case, singular names, known relationship kinds, references to named
entities only) into the same ``Requirements`` the offline parser produces, so the planner, validation and
review are identical. Any failure — no key, a network error, a timeout, malformed JSON, an answer with no
entities — falls back to the offline engine with a note saying why. Nothing here runs unless ``--llm`` is
given.

Configuration, first found wins: ``AISHELL_LLM_ENDPOINT`` / ``AISHELL_LLM_MODEL`` / ``AISHELL_LLM_API_KEY``;
the provider's own variables (``OPENAI_API_KEY``, ``OPENAI_BASE_URL``, ``ANTHROPIC_API_KEY``,
``ANTHROPIC_BASE_URL``, ``OLLAMA_HOST``); ``[llm]`` in ``aishell.toml`` (``endpoint``, ``model``,
``api_key``, ``timeout``; values may use ``${VAR}``).
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from aishell.design.requirements import Attribute, Entity, Relationship, Requirements, ScaleFigure

PROVIDERS = ("openai", "anthropic", "ollama")
DEFAULTS = {
    "openai": {"endpoint": "https://api.openai.com", "model": "gpt-4o-mini"},
    "anthropic": {"endpoint": "https://api.anthropic.com", "model": "claude-3-5-haiku-latest"},
    "ollama": {"endpoint": "http://127.0.0.1:11434", "model": "llama3.1"},
}
FEATURE_NAMES = [
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
]

REQUIREMENTS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["entities", "relationships"],
    "properties": {
        "domain": {"type": "string", "description": "what is being built, e.g. 'clinic'"},
        "entities": {
            "type": "array",
            "description": "things to store, one per table, singular snake_case (patient, order_item)",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["name"],
                "properties": {
                    "name": {"type": "string"},
                    "attributes": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "additionalProperties": False,
                            "required": ["name"],
                            "properties": {
                                "name": {"type": "string", "description": "snake_case column name"},
                                "type": {"type": "string", "description": "PostgreSQL type, optional"},
                                "required": {"type": "boolean"},
                                "unique": {"type": "boolean"},
                                "values": {
                                    "type": "array",
                                    "items": {"type": "string"},
                                    "description": "allowed values of a status/type column",
                                },
                            },
                        },
                    },
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
                        "enum": ["many_to_one", "one_to_one", "many_to_many", "self"],
                        "description": "many_to_one: 'from' holds a foreign key to 'to'",
                    },
                    "from": {"type": "string"},
                    "to": {"type": "string"},
                    "role": {"type": "string", "description": "column name stem when not the target's name"},
                },
            },
        },
        "features": {"type": "array", "items": {"type": "string", "enum": FEATURE_NAMES}},
        "scale": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["count", "entity"],
                "properties": {
                    "count": {"type": "number"},
                    "entity": {"type": "string"},
                    "period": {
                        "type": "string",
                        "enum": ["second", "minute", "hour", "day", "week", "month", "year"],
                    },
                },
            },
        },
    },
}

SYSTEM_PROMPT = (
    "You are a senior PostgreSQL database designer. Read the requirements and answer ONLY with JSON that "
    "matches the given JSON Schema: the entities to store (singular snake_case names), their notable "
    "attributes, the relationships between them (many_to_one means 'from' has a foreign key to 'to'; use "
    "many_to_many for pairs linked through a junction table; self for hierarchies and replies), the "
    "features asked for, and any stated scale figures. Do not invent entities the text does not imply."
)


class LLMError(Exception):
    pass


@dataclass
class LLMSettings:
    provider: str
    endpoint: str
    model: str
    api_key: str | None
    timeout: float = 60.0


def settings(provider: str, config: Any = None) -> LLMSettings:
    if provider not in PROVIDERS:
        raise LLMError(f"unknown provider {provider!r}")
    section: dict[str, Any] = {}
    if config is not None:
        section = config.section("llm")
        if section.get("provider") and section.get("provider") != provider:
            section = {k: v for k, v in section.items() if k in ("timeout",)}

    def conf(key: str) -> str | None:
        v = section.get(key)
        if v is None:
            return None
        from aishell.config import expand_env

        return expand_env(str(v), f"[llm] {key}")

    env_endpoint = {"openai": "OPENAI_BASE_URL", "anthropic": "ANTHROPIC_BASE_URL", "ollama": "OLLAMA_HOST"}[
        provider
    ]
    env_key = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY", "ollama": ""}[provider]
    endpoint = (
        os.environ.get("AISHELL_LLM_ENDPOINT")
        or os.environ.get(env_endpoint)
        or conf("endpoint")
        or DEFAULTS[provider]["endpoint"]
    )
    if provider == "ollama" and not endpoint.startswith("http"):
        endpoint = "http://" + endpoint
    model = os.environ.get("AISHELL_LLM_MODEL") or conf("model") or DEFAULTS[provider]["model"]
    key = (
        os.environ.get("AISHELL_LLM_API_KEY")
        or (os.environ.get(env_key) if env_key else None)
        or conf("api_key")
    )
    timeout = float(os.environ.get("AISHELL_LLM_TIMEOUT") or section.get("timeout") or 60)
    return LLMSettings(provider, endpoint.rstrip("/"), model, key, timeout)


def _post(url: str, body: dict[str, Any], headers: dict[str, str], timeout: float) -> dict[str, Any]:
    data = json.dumps(body).encode()
    req = urllib.request.Request(
        url, data=data, method="POST", headers={"Content-Type": "application/json", **headers}
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            raw = resp.read()
    except urllib.error.HTTPError as exc:
        raise LLMError(f"HTTP {exc.code} from {url}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise LLMError(f"cannot reach {url}: {reason}") from None
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        raise LLMError(f"{url} answered with something that is not JSON") from None


def ask(s: LLMSettings, text: str) -> Any:
    """Send the requirements to the provider; return the JSON it answered (not yet validated)."""
    user = f"Requirements:\n{text}\n\nJSON Schema of the answer:\n{json.dumps(REQUIREMENTS_SCHEMA)}"
    if s.provider == "openai":
        if not s.api_key:
            raise LLMError("no API key (set OPENAI_API_KEY or [llm] api_key)")
        body = {
            "model": s.model,
            "temperature": 0,
            "messages": [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}],
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "requirements", "schema": REQUIREMENTS_SCHEMA},
            },
        }
        out = _post(
            f"{s.endpoint}/v1/chat/completions", body, {"Authorization": f"Bearer {s.api_key}"}, s.timeout
        )
        try:
            content = out["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError):
            raise LLMError("unexpected OpenAI answer shape") from None
        return extract_json(content)
    if s.provider == "anthropic":
        if not s.api_key:
            raise LLMError("no API key (set ANTHROPIC_API_KEY or [llm] api_key)")
        body = {
            "model": s.model,
            "max_tokens": 4096,
            "system": SYSTEM_PROMPT,
            "messages": [{"role": "user", "content": user}],
            "tools": [
                {
                    "name": "submit_requirements",
                    "description": "Submit the parsed requirements.",
                    "input_schema": REQUIREMENTS_SCHEMA,
                }
            ],
            "tool_choice": {"type": "tool", "name": "submit_requirements"},
        }
        out = _post(
            f"{s.endpoint}/v1/messages",
            body,
            {"x-api-key": s.api_key, "anthropic-version": "2023-06-01"},
            s.timeout,
        )
        blocks = out.get("content") if isinstance(out, dict) else None
        if not isinstance(blocks, list):
            raise LLMError("unexpected Anthropic answer shape")
        for b in blocks:
            if isinstance(b, dict) and b.get("type") == "tool_use" and isinstance(b.get("input"), dict):
                return b["input"]
        for b in blocks:
            if isinstance(b, dict) and b.get("type") == "text":
                return extract_json(b.get("text", ""))
        raise LLMError("the Anthropic answer had no tool call or text")
    body = {
        "model": s.model,
        "stream": False,
        "format": REQUIREMENTS_SCHEMA,
        "options": {"temperature": 0},
        "messages": [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}],
    }
    out = _post(f"{s.endpoint}/api/chat", body, {}, s.timeout)
    try:
        content = out["message"]["content"]
    except (KeyError, TypeError):
        raise LLMError("unexpected Ollama answer shape") from None
    return extract_json(content)


def extract_json(content: Any) -> Any:
    """JSON from a model's text: as is, inside ```json fences, or the first {...} block."""
    if isinstance(content, (dict, list)):
        return content
    if not isinstance(content, str):
        raise LLMError("the model's answer is not text")
    text = content.strip()
    fence = re.search(r"```(?:json)?\s*(.*?)```", text, re.DOTALL)
    if fence:
        text = fence.group(1).strip()
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pass
    start, end = text.find("{"), text.rfind("}")
    if start >= 0 and end > start:
        try:
            return json.loads(text[start : end + 1])
        except json.JSONDecodeError:
            pass
    raise LLMError("the model's answer is not valid JSON")


def _name(value: Any) -> str | None:
    from aishell.design.parser import singular

    if not isinstance(value, str):
        return None
    words = re.findall(r"[A-Za-z][a-z0-9]*|[0-9]+", value.replace("-", " "))
    if not words:
        return None
    words = [w.lower() for w in words]
    words[-1] = singular(words[-1])
    name = "_".join(words)
    return name if re.match(r"^[a-z][a-z0-9_]*$", name) else None


_KINDS = {
    "many_to_one": ("many_to_one", False),
    "n:1": ("many_to_one", False),
    "belongs_to": ("many_to_one", False),
    "one_to_many": ("many_to_one", True),
    "1:n": ("many_to_one", True),
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


def _kind(value: Any) -> tuple[str, bool]:
    """(kind, flip) for the spellings models use: one-to-many, 1:N, has_many, belongs_to, ..."""
    key = re.sub(r"[\s-]+", "_", str(value or "").strip().lower())
    return _KINDS.get(key, ("many_to_one", False))


def _first(raw: dict[str, Any], *keys: str) -> Any:
    return next((raw[k] for k in keys if raw.get(k)), None)


def normalize(data: Any, text: str) -> Requirements:
    """Validate and repair a model's answer into ``Requirements`` (the planner's input)."""
    from aishell.design import kb
    from aishell.design.parser import FEATURES, find_scale, plural

    if not isinstance(data, dict):
        raise LLMError("the answer is not a JSON object")
    req = Requirements(text=text)
    ents = data.get("entities")
    if not isinstance(ents, list) or not ents:
        raise LLMError("the answer names no entities")
    for raw in ents:
        name = _name(raw.get("name") if isinstance(raw, dict) else raw)
        if not name or name in req.entities or name in ("id",):
            continue
        arch = kb.archetype_for(name) or kb.archetype_for(name.rsplit("_", 1)[-1])
        e = Entity(
            name=name,
            table=plural(name),
            noun=name if kb.archetype_for(name) else name.rsplit("_", 1)[-1],
            archetype=arch.id if arch else None,
            origin="text",
            evidence="language model",
        )
        for a in (raw.get("attributes") or []) if isinstance(raw, dict) else []:
            if not isinstance(a, dict):
                a = {"name": a}
            an = _name(a.get("name"))
            if not an or an in ("id", "created_at", "updated_at") or e.attribute(an) or an.endswith("_id"):
                continue
            values = [re.sub(r"[^a-z0-9]+", "_", str(v).lower()).strip("_") for v in (a.get("values") or [])]
            values = [v for v in values if v] or None
            typ = (
                a.get("type")
                if isinstance(a.get("type"), str)
                and re.match(r"^[A-Za-z][A-Za-z0-9_ (),\[\]]*$", a.get("type") or "")
                else None
            )
            e.attributes.append(
                Attribute(
                    name=an,
                    type=typ.upper() if typ and not values else None,
                    not_null=bool(a.get("required")),
                    unique=bool(a.get("unique")),
                    enum=values,
                    evidence="language model",
                )
            )
        req.entities[name] = e
    if not req.entities:
        raise LLMError("the answer names no usable entities")
    for raw in data.get("relationships") or []:
        if not isinstance(raw, dict):
            continue
        kind, flip = _kind(raw.get("kind") or raw.get("type") or raw.get("cardinality"))
        a = _name(_first(raw, "from", "source", "child", "entity", "from_entity", "table"))
        b = _name(_first(raw, "to", "target", "parent", "references", "to_entity", "ref_table"))
        if flip:
            a, b = b, a  # "one_to_many" from A to B: B holds the key
        if a not in req.entities or (b not in req.entities and kind != "self"):
            continue  # a reference to something it did not name: dropped
        if kind == "self" or a == b:
            req.relationships.append(
                Relationship("self", a, a, role="parent", origin="text", evidence="language model")
            )
            req.entities[a].self_ref = "parent"
            continue
        role = _name(raw.get("role")) if raw.get("role") else None
        rel = Relationship(
            kind, a, b, role=role if role and role != b else None, origin="text", evidence="language model"
        )
        if not any(r.key == rel.key for r in req.relationships):
            req.relationships.append(rel)
    for f in data.get("features") or []:
        if f in FEATURE_NAMES:
            req.features[f] = "language model"
    low = text.lower()
    for feature, pattern in FEATURES:  # what the text says is kept even if the model missed it
        m = re.search(pattern, low)
        if m:
            req.features.setdefault(feature, m.group(0))
    for raw in data.get("scale") or []:
        if not isinstance(raw, dict):
            continue
        ent = _name(raw.get("entity"))
        count = raw.get("count")
        if ent in req.entities and isinstance(count, (int, float)) and count > 0:
            period = (
                raw.get("period")
                if raw.get("period") in ("second", "minute", "hour", "day", "week", "month", "year")
                else None
            )
            req.scale.append(
                ScaleFigure(
                    count=float(count),
                    noun=ent,
                    entity=ent,
                    period=period,
                    text=f"{count:g} {ent}" + (f" per {period}" if period else ""),
                )
            )
    if not req.scale:
        for s in find_scale(text):
            if s.noun in req.entities:
                s.entity = s.noun
                req.scale.append(s)
    dom = data.get("domain")
    req.domain = dom.strip()[:60] if isinstance(dom, str) and dom.strip() else None
    return req


def design_with_llm(
    text: str, provider: str, *, config: Any = None
) -> tuple[Requirements | None, str, str | None]:
    """(requirements or None, engine name, note). None means: use the offline parser (the note says why)."""
    try:
        s = settings(provider, config)
        data = ask(s, text)
        req = normalize(data, text)
        return req, f"{provider}:{s.model}", None
    except LLMError as exc:
        return None, "offline", f"--llm {provider} not used ({exc}); designed by the offline engine"
