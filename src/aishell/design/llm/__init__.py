"""The language-model reader: the model answers with a design intent; the planner and validation follow.

``LLMReader(spec)`` reads requirements with a provider (``openai``, ``vllm``, ``lmstudio``, ``llamacpp``,
``anthropic``, ``ollama``) or replays recorded answers (``replay:DIR``, or ``AISHELL_LLM_REPLAY=DIR`` for
any provider) with no network. ``read(text)`` asks once; ``repair(problems)`` sends what the planner
and PostgreSQL found back into the same conversation (the caller allows at most two rounds).

Answers are cached by (provider, model, prompt version, conversation) in ``$AISHELL_LLM_CACHE`` (default:
the user cache directory; ``off`` disables it), so a rerun is reproducible and costs nothing. Nothing
here runs unless ``--llm`` is given.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from aishell.design.intent import INTENT_SCHEMA, Intent
from aishell.design.llm.normalize import normalize
from aishell.design.llm.prompt import PROMPT_VERSION, SYSTEM_PROMPT, repair_message, user_message
from aishell.design.llm.providers import PROVIDERS, LLMError, LLMSettings, complete, extract_json, settings

__all__ = [
    "PROMPT_VERSION",
    "PROVIDERS",
    "LLMError",
    "LLMReader",
    "extract_json",
    "normalize",
    "replay_answers",
]

MAX_REPAIR_ROUNDS = 2


def cache_dir(config: Any = None) -> Path | None:
    value = os.environ.get("AISHELL_LLM_CACHE")
    if value is None and config is not None:
        value = config.section("llm").get("cache")
    if value is not None and str(value).strip().lower() in ("off", "no", "none", "0", "false"):
        return None
    if value:
        return Path(str(value)).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("aishell")) / "llm"


def _norm_text(text: str) -> str:
    return " ".join(text.split())


def replay_answers(path: Path) -> list[dict[str, Any]]:
    """Recorded answers in a file or directory (``*.json``, each with ``text`` and ``answer``/``answers``)."""
    files = [path] if path.is_file() else sorted(path.glob("*.json"))
    out = []
    for f in files:
        try:
            data = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        if (
            isinstance(data, dict)
            and isinstance(data.get("text"), str)
            and ("answer" in data or "answers" in data)
        ):
            data.setdefault("name", f.stem)
            out.append(data)
    return out


class LLMReader:
    """One conversation with a model (or a recording of one) about one requirements text."""

    def __init__(self, spec: str, config: Any = None):
        self.spec = spec
        self.config = config
        self.notes: list[str] = []
        self.rounds = 0  # answers received (1 + repairs)
        self.cached = 0
        self.messages: list[dict[str, str]] = []
        self.text = ""
        self.replay: dict[str, Any] | None = None
        self.settings: LLMSettings | None = None
        replay_dir = os.environ.get("AISHELL_LLM_REPLAY")
        if spec.startswith("replay:"):
            replay_dir = spec.split(":", 1)[1]
        self.replay_dir = Path(replay_dir).expanduser() if replay_dir else None
        if self.replay_dir is None:
            self.settings = settings(spec, config)
        elif not self.replay_dir.exists():
            raise LLMError(f"replay: {self.replay_dir} does not exist")
        self.cache = cache_dir(config) if self.replay_dir is None else None

    @property
    def engine(self) -> str:
        if self.replay is not None:
            return f"replay:{self.replay.get('model') or self.replay['name']}"
        assert self.settings is not None
        return f"{self.settings.provider}:{self.settings.model}"

    def read(self, text: str) -> Intent:
        self.text = text
        self.messages = [{"role": "user", "content": user_message(text, INTENT_SCHEMA)}]
        if self.replay_dir is not None:
            norm = _norm_text(text)
            self.replay = next(
                (r for r in replay_answers(self.replay_dir) if _norm_text(r["text"]) == norm), None
            )
            if self.replay is None:
                raise LLMError(f"no recorded answer for this text in {self.replay_dir}")
        return self._answer()

    def repair(self, problems: list[str]) -> Intent | None:
        """Send the problems back; the corrected intent, or None when no further answer can be had."""
        if self.rounds > MAX_REPAIR_ROUNDS or not self.messages:
            return None
        self.messages.append({"role": "user", "content": repair_message(problems)})
        try:
            return self._answer()
        except LLMError as exc:
            self.messages.pop()
            self.notes.append(f"repair round {self.rounds} not used: {exc}")
            return None

    def _answer(self) -> Intent:
        data = self._ask()
        self.rounds += 1
        self.messages.append({"role": "assistant", "content": json.dumps(data, ensure_ascii=False)})
        intent = normalize(data, self.text)
        intent.reader = self.engine
        return intent

    def _ask(self) -> Any:
        if self.replay is not None:
            answers = self.replay.get("answers") or [self.replay.get("answer")]
            if self.rounds >= len(answers) or answers[self.rounds] is None:
                raise LLMError("the recording has no further answer")
            return answers[self.rounds]
        assert self.settings is not None
        s = self.settings
        key = hashlib.sha256(
            json.dumps(
                [s.provider, s.model, PROMPT_VERSION, SYSTEM_PROMPT, self.messages], ensure_ascii=False
            ).encode()
        ).hexdigest()
        path = self.cache / f"{key}.json" if self.cache is not None else None
        if path is not None and path.exists():
            try:
                self.cached += 1
                return json.loads(path.read_text(encoding="utf-8"))["answer"]
            except (OSError, json.JSONDecodeError, KeyError):
                self.cached -= 1
        data = complete(s, SYSTEM_PROMPT, self.messages, INTENT_SCHEMA)
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                record = {
                    "provider": s.provider,
                    "model": s.model,
                    "prompt_version": PROMPT_VERSION,
                    "text": self.text,
                    "round": self.rounds,
                    "answer": data,
                }
                tmp = path.with_suffix(".tmp")
                tmp.write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
                os.replace(tmp, path)
            except OSError:
                pass  # a cache that cannot be written is no reason to fail a design
        return data

    def recording(self) -> dict[str, Any]:
        """This conversation as a replay file (``--llm replay:DIR`` reads it back)."""
        answers = [json.loads(m["content"]) for m in self.messages if m["role"] == "assistant"]
        return {
            "text": self.text,
            "model": self.engine,
            "prompt_version": PROMPT_VERSION,
            "answer": answers[0] if answers else None,
            **({"answers": answers} if len(answers) > 1 else {}),
        }
