"""LLM providers against a local HTTP server speaking each provider's protocol (the only stand-in allowed).

The server runs on 127.0.0.1 in a thread; it checks each request carries our JSON Schema and the
provider's auth headers, then answers in that provider's response format.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.conftest import run_cli

ANSWER = {
    "domain": "space port",
    "entities": [
        {"name": "Hangars", "attributes": [{"name": "bay number", "type": "integer", "required": True}]},
        {"name": "spaceship", "attributes": [{"name": "status", "values": ["docked", "in flight"]}]},
        {"name": "pilot"},
        {"name": "Missions"},
    ],
    "relationships": [
        {"kind": "many_to_one", "from": "spaceship", "to": "hangar"},
        {"kind": "many_to_many", "from": "pilot", "to": "missions"},
        {"kind": "many_to_one", "from": "mission", "to": "spaceship"},
        {
            "kind": "many_to_one",
            "from": "mission",
            "to": "planet",
        },  # names nothing: dropped by the normaliser
    ],
    "features": ["soft_delete", "not-a-feature"],
    "scale": [{"count": 50000, "entity": "missions", "period": "day"}],
}


BROKEN = {
    "entities": [
        {"name": "pilot", "attributes": [{"name": "name", "required": True}]},
        {"name": "mission", "attributes": [{"name": "launch_at", "type": "timestamp"}]},
    ],
    "relationships": [{"kind": "many_to_one", "from": "mission", "to": "pilot", "required": True}],
    "rules": [{"kind": "check", "entity": "mission", "expression": "fuel_level > 0"}],
}
REPAIRED = {
    **BROKEN,
    "entities": [
        BROKEN["entities"][0],
        {
            "name": "mission",
            "attributes": [
                {"name": "launch_at", "type": "timestamp"},
                {"name": "fuel_level", "type": "decimal"},
            ],
        },
    ],
}


class _Handler(BaseHTTPRequestHandler):
    mode = "good"
    requests: list[dict] = []

    def log_message(self, *args):  # quiet
        pass

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        type(self).requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
        if self.mode == "error":
            self.send_response(500)
            self.end_headers()
            self.wfile.write(b"boom")
            return
        answer_text = json.dumps(ANSWER) if self.mode == "good" else "Sure! Here is the schema: {not json"
        if self.mode == "repair":
            # first a rule naming a column nobody has, then (told so) the corrected intent
            repaired = any("not used" in m.get("content", "") for m in body.get("messages", []))
            answer_text = json.dumps(REPAIRED if repaired else BROKEN)
        if self.mode == "fenced":
            answer_text = "Here you go:\n```json\n" + json.dumps(ANSWER) + "\n```"
        if self.path == "/v1/chat/completions":
            assert self.headers["Authorization"] == "Bearer test-key"
            assert body["response_format"]["type"] == "json_schema"
            assert "entities" in body["response_format"]["json_schema"]["schema"]["properties"]
            out = {"choices": [{"message": {"role": "assistant", "content": answer_text}}]}
        elif self.path == "/v1/messages":
            assert self.headers["x-api-key"] == "test-key" and self.headers["anthropic-version"]
            assert body["tools"][0]["input_schema"]["required"] == ["entities", "relationships"]
            assert body["tool_choice"] == {"type": "tool", "name": "submit_design_intent"}
            block = (
                {"type": "tool_use", "id": "t1", "name": "submit_design_intent", "input": ANSWER}
                if self.mode == "good"
                else {"type": "text", "text": answer_text}
            )
            out = {"type": "message", "role": "assistant", "content": [block], "stop_reason": "tool_use"}
        elif self.path == "/api/chat":
            assert body["stream"] is False and "entities" in body["format"]["properties"]
            out = {
                "model": body["model"],
                "message": {"role": "assistant", "content": answer_text},
                "done": True,
            }
        else:
            self.send_response(404)
            self.end_headers()
            return
        data = json.dumps(out).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture(scope="module")
def fake_llm():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _design(tmp_path, url, provider, mode="good", key="test-key", extra=()):
    _Handler.mode = mode
    _Handler.requests = []
    env = {
        "AISHELL_LLM_ENDPOINT": url,
        "AISHELL_LLM_MODEL": "test-model",
        "AISHELL_LLM_API_KEY": key,
        "AISHELL_LLM_CACHE": "off",
    }
    r = run_cli(
        "schema",
        "design",
        "--llm",
        provider,
        "--json",
        "--no-save",
        *extra,
        "a space port where pilots fly spaceships on missions",
        cwd=tmp_path,
        env=env,
    )
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout), list(_Handler.requests)


@pytest.mark.parametrize("provider", ["openai", "anthropic", "ollama"])
def test_provider_answer_goes_through_the_normaliser(tmp_path, fake_llm, provider, pg_server):
    doc, reqs = _design(tmp_path, fake_llm, provider)
    assert len(reqs) == 1
    assert doc["requirements"]["engine"] == f"{provider}:test-model"
    tables = {t["name"]: t for t in doc["tables"]}
    assert {"hangars", "spaceships", "pilots", "missions"} <= set(tables)
    assert "planets" not in tables  # the dangling reference was dropped, not invented
    assert any(c["name"] == "hangar_id" for c in tables["spaceships"]["columns"])
    assert any(t.get("attrs", {}).get("design", {}).get("kind") == "junction" for t in doc["tables"])
    assert any(c["name"] == "deleted_at" for c in tables["pilots"]["columns"])  # soft_delete feature kept
    assert doc["validation"]["loaded"] is True


@pytest.mark.parametrize("mode", ["error", "bad"])
def test_failures_fall_back_to_the_offline_engine(tmp_path, fake_llm, mode):
    doc, reqs = _design(tmp_path, fake_llm, "openai", mode=mode, extra=("--no-validate",))
    assert len(reqs) == 1
    assert doc["requirements"]["engine"] == "offline"
    assert any("--llm openai not used" in n for n in doc["requirements"]["notes"])
    assert {"pilots", "spaceships", "missions"} <= {t["name"] for t in doc["tables"]}


def test_fenced_json_is_repaired(tmp_path, fake_llm):
    doc, _ = _design(tmp_path, fake_llm, "ollama", mode="fenced", extra=("--no-validate",))
    assert doc["requirements"]["engine"] == "ollama:test-model"


def test_missing_key_falls_back_without_calling(tmp_path, fake_llm, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    doc, reqs = _design(tmp_path, fake_llm, "anthropic", key="", extra=("--no-validate",))
    assert reqs == [] and doc["requirements"]["engine"] == "offline"


def test_default_never_calls_a_model(tmp_path, fake_llm):
    _Handler.requests = []
    r = run_cli(
        "schema",
        "design",
        "--no-save",
        "--no-validate",
        "--json",
        "pilots fly spaceships",
        cwd=tmp_path,
        env={"AISHELL_LLM_ENDPOINT": fake_llm, "AISHELL_LLM_API_KEY": "k"},
    )
    assert r.returncode == 0, r.stderr
    assert _Handler.requests == []


def test_settings_from_aishell_toml(tmp_path, fake_llm):
    _Handler.mode = "good"
    _Handler.requests = []
    (tmp_path / "aishell.toml").write_text(
        '[llm]\nprovider = "ollama"\nendpoint = "${FAKE_LLM_URL}"\nmodel = "toml-model"\ntimeout = 5\n'
    )
    env = {
        "FAKE_LLM_URL": fake_llm,
        "AISHELL_LLM_ENDPOINT": "",
        "AISHELL_LLM_MODEL": "",
        "OLLAMA_HOST": "",
        "AISHELL_LLM_CACHE": "off",
    }
    r = run_cli(
        "schema",
        "design",
        "--llm",
        "ollama",
        "--json",
        "--no-save",
        "--no-validate",
        "pilots fly spaceships",
        cwd=tmp_path,
        env=env,
    )
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["requirements"]["engine"] == "ollama:toml-model"
    assert _Handler.requests[0]["body"]["model"] == "toml-model"


def test_normaliser_repairs_common_spellings():
    from aishell.design.llm import LLMError, extract_json, normalize

    req = normalize(
        {
            "entities": [
                "Author",
                "books",
                {"name": "Chapter", "attributes": ["Title", {"name": "page count"}]},
            ],
            "relationships": [
                {"type": "one-to-many", "source": "author", "target": "book"},
                {"kind": "has_many", "from": "book", "to": "chapters"},
                {"kind": "belongs_to", "from": "chapter", "to": "ghost"},
            ],
            "features": ["full_text_search", 42],
            "scale": [{"count": "many", "entity": "book"}, {"count": 1000, "entity": "authors"}],
        },
        "authors write books",
    )
    assert set(req.entities) == {"author", "book", "chapter"}
    assert {(r.kind, r.source, r.target) for r in req.relationships} == {
        ("many_to_one", "book", "author"),
        ("many_to_one", "chapter", "book"),
    }
    assert [a.name for a in req.entities["chapter"].attributes] == ["title", "page_count"]
    assert "full_text_search" in req.features
    assert [(s.entity, s.count) for s in req.scale] == [("author", 1000.0)]
    assert extract_json('Sure:\n```json\n{"a": 1}\n```') == {"a": 1}
    with pytest.raises(LLMError):
        normalize({"entities": []}, "x")
    with pytest.raises(LLMError):
        extract_json("no json here")


def test_problems_go_back_to_the_model_for_a_repair_round(tmp_path, fake_llm, pg_server):
    doc, reqs = _design(tmp_path, fake_llm, "openai", mode="repair")
    assert len(reqs) == 2  # the answer, then one repair round
    second = reqs[1]["body"]["messages"]
    assert [m["role"] for m in second[1:]] == ["user", "assistant", "user"]
    assert "fuel_level" in second[-1]["content"]  # the planner's problem, in the model's words
    missions = next(t for t in doc["tables"] if t["name"] == "missions")
    assert "fuel_level" in {c["name"] for c in missions["columns"]}
    assert any("fuel_level > " in c["expression"] for c in missions["checks"])
    assert any(n.startswith("repair round 1") for n in doc["requirements"]["notes"])


def test_answers_are_cached_by_text_model_and_prompt(tmp_path, fake_llm):
    env = {
        "AISHELL_LLM_ENDPOINT": fake_llm,
        "AISHELL_LLM_MODEL": "test-model",
        "AISHELL_LLM_API_KEY": "test-key",
        "AISHELL_LLM_CACHE": str(tmp_path / "cache"),
    }
    docs = []
    for _ in range(2):
        _Handler.mode, _Handler.requests = "good", []
        r = run_cli(
            "schema",
            "design",
            "--llm",
            "openai",
            "--json",
            "--no-save",
            "--no-validate",
            "a space port where pilots fly spaceships on missions",
            cwd=tmp_path,
            env=env,
        )
        assert r.returncode == 0, r.stderr
        docs.append((json.loads(r.stdout), len(_Handler.requests)))
    (first, n1), (second, n2) = docs
    assert (n1, n2) == (1, 0)  # the rerun costs nothing
    assert first["tables"] == second["tables"]  # and gives the same design
    assert any("from the cache" in n for n in second["requirements"]["notes"])


def test_replay_runs_recorded_answers_with_no_network(tmp_path, fake_llm):
    rec = {"name": "spaceport", "text": "pilots fly spaceships", "model": "recorded", "answer": ANSWER}
    (tmp_path / "rec.json").write_text(json.dumps(rec))
    _Handler.requests = []
    r = run_cli(
        "schema",
        "design",
        "--llm",
        "replay:rec.json",
        "--json",
        "--no-save",
        "--no-validate",
        "pilots  fly\nspaceships",
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["requirements"]["engine"] == "replay:recorded" and _Handler.requests == []
    assert "hangars" in {t["name"] for t in doc["tables"]}
    # any provider replays when AISHELL_LLM_REPLAY is set; an unknown text falls back offline, said so
    r = run_cli(
        "schema",
        "design",
        "--llm",
        "anthropic",
        "--json",
        "--no-save",
        "--no-validate",
        "cooks bake bread",
        cwd=tmp_path,
        env={"AISHELL_LLM_REPLAY": str(tmp_path)},
    )
    doc = json.loads(r.stdout)
    assert doc["requirements"]["engine"] == "offline"
    assert any("no recorded answer" in n for n in doc["requirements"]["notes"])
