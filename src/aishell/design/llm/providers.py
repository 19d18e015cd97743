"""Provider adapters: one request shape per protocol, all returning the JSON the model answered.

* ``openai``: the OpenAI chat completions protocol (``POST /v1/chat/completions`` with
  ``response_format: json_schema``), which local servers speak too: ``vllm``, ``lmstudio`` and
  ``llamacpp`` are the same adapter with their usual local endpoint and no key required;
* ``anthropic``: ``POST /v1/messages`` with a forced tool whose ``input_schema`` is the intent schema;
* ``ollama``: ``POST /api/chat`` with ``format`` set to the schema.

Configuration, first found wins: ``AISHELL_LLM_ENDPOINT`` / ``AISHELL_LLM_MODEL`` / ``AISHELL_LLM_API_KEY``
/ ``AISHELL_LLM_TIMEOUT``; the provider's own variables (``OPENAI_API_KEY``, ``OPENAI_BASE_URL``,
``ANTHROPIC_API_KEY``, ``ANTHROPIC_BASE_URL``, ``OLLAMA_HOST``); ``[llm]`` in ``aishell.toml``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any


class LLMError(Exception):
    pass


PROTOCOLS = {
    "openai": "openai",
    "vllm": "openai",
    "lmstudio": "openai",
    "llamacpp": "openai",
    "anthropic": "anthropic",
    "ollama": "ollama",
}
PROVIDERS = tuple(PROTOCOLS)
DEFAULTS = {
    "openai": {"endpoint": "https://api.openai.com", "model": "gpt-4.1-mini"},
    "vllm": {"endpoint": "http://127.0.0.1:8000", "model": "Qwen/Qwen2.5-7B-Instruct"},
    "lmstudio": {"endpoint": "http://127.0.0.1:1234", "model": "qwen2.5-7b-instruct"},
    "llamacpp": {"endpoint": "http://127.0.0.1:8080", "model": "default"},
    "anthropic": {"endpoint": "https://api.anthropic.com", "model": "claude-sonnet-4-5"},
    "ollama": {"endpoint": "http://127.0.0.1:11434", "model": "qwen3:8b"},
}
LOCAL = {"vllm", "lmstudio", "llamacpp", "ollama"}
_ENV_ENDPOINT = {"openai": "OPENAI_BASE_URL", "anthropic": "ANTHROPIC_BASE_URL", "ollama": "OLLAMA_HOST"}
_ENV_KEY = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY"}


@dataclass
class LLMSettings:
    provider: str
    endpoint: str
    model: str
    api_key: str | None
    timeout: float = 120.0

    @property
    def protocol(self) -> str:
        return PROTOCOLS[self.provider]


def settings(provider: str, config: Any = None) -> LLMSettings:
    if provider not in PROTOCOLS:
        raise LLMError(f"unknown provider {provider!r} (choose from {', '.join(PROVIDERS)})")
    section: dict[str, Any] = {}
    if config is not None:
        section = config.section("llm")
        if section.get("provider") and section.get("provider") != provider:
            section = {k: v for k, v in section.items() if k in ("timeout", "cache")}

    def conf(key: str) -> str | None:
        v = section.get(key)
        if v is None:
            return None
        from aishell.config import expand_env

        return expand_env(str(v), f"[llm] {key}")

    env_endpoint = _ENV_ENDPOINT.get(provider)
    endpoint = (
        os.environ.get("AISHELL_LLM_ENDPOINT")
        or (os.environ.get(env_endpoint) if env_endpoint else None)
        or conf("endpoint")
        or DEFAULTS[provider]["endpoint"]
    )
    if not endpoint.startswith(("http://", "https://")):
        endpoint = "http://" + endpoint
    endpoint = re.sub(r"/v1/?$", "", endpoint.rstrip("/"))  # "http://host:8000/v1" as people write it
    model = os.environ.get("AISHELL_LLM_MODEL") or conf("model") or DEFAULTS[provider]["model"]
    env_key = _ENV_KEY.get(provider)
    key = (
        os.environ.get("AISHELL_LLM_API_KEY")
        or (os.environ.get(env_key) if env_key else None)
        or conf("api_key")
    )
    timeout = float(os.environ.get("AISHELL_LLM_TIMEOUT") or section.get("timeout") or 120)
    return LLMSettings(provider, endpoint, model, key, timeout)


def _post(url: str, body: dict[str, Any], headers: dict[str, str], timeout: float) -> dict[str, Any]:
    data = json.dumps(body).encode()
    req = urllib.request.Request(
        url, data=data, method="POST", headers={"Content-Type": "application/json", **headers}
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            raw = resp.read()
    except urllib.error.HTTPError as exc:
        detail = ""
        with contextlib.suppress(Exception):  # the status code is what matters; the body is a bonus
            detail = exc.read().decode("utf-8", "replace").strip().splitlines()[0][:200]
        raise LLMError(f"HTTP {exc.code} from {url}" + (f": {detail}" if detail else "")) from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise LLMError(f"cannot reach {url}: {reason}") from None
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        raise LLMError(f"{url} answered with something that is not JSON") from None


def complete(s: LLMSettings, system: str, messages: list[dict[str, str]], schema: dict[str, Any]) -> Any:
    """Send a conversation (user/assistant turns) to the provider; the JSON it answered, not yet checked."""
    if s.protocol == "openai":
        if not s.api_key and s.provider not in LOCAL:
            raise LLMError("no API key (set OPENAI_API_KEY or [llm] api_key)")
        body = {
            "model": s.model,
            "temperature": 0,
            "messages": [{"role": "system", "content": system}, *messages],
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "design_intent", "schema": schema},
            },
        }
        headers = {"Authorization": f"Bearer {s.api_key}"} if s.api_key else {}
        out = _post(f"{s.endpoint}/v1/chat/completions", body, headers, s.timeout)
        try:
            content = out["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError):
            raise LLMError("unexpected answer shape from the OpenAI-compatible server") from None
        return extract_json(content)
    if s.protocol == "anthropic":
        if not s.api_key:
            raise LLMError("no API key (set ANTHROPIC_API_KEY or [llm] api_key)")
        body = {
            "model": s.model,
            "max_tokens": 8192,
            "temperature": 0,
            "system": system,
            "messages": messages,
            "tools": [
                {
                    "name": "submit_design_intent",
                    "description": "Submit the design intent read from the requirements.",
                    "input_schema": schema,
                }
            ],
            "tool_choice": {"type": "tool", "name": "submit_design_intent"},
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
        "format": schema,
        "options": {"temperature": 0},
        "messages": [{"role": "system", "content": system}, *messages],
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
    text = re.sub(r"<think>.*?</think>", "", content, flags=re.DOTALL).strip()  # reasoning models
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
