"""The planner keeps what recorded model answers say (tests/design/replay): stated attributes, enum words,
links with their direction and role, rules; no reference or column nobody asked for; every DDL loads."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import jsonschema
import pytest

from aishell.design.intent import INTENT_SCHEMA

REPLAY = Path(__file__).resolve().parent / "replay"
RECORDINGS = sorted(p for p in REPLAY.rglob("*.json"))


def _scorer():
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "llm_replay.py"
    spec = importlib.util.spec_from_file_location("llm_replay", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def scored(pg_server):
    scorer = _scorer()
    return {p.stem: scorer.score(p) for p in RECORDINGS}


@pytest.mark.parametrize("path", RECORDINGS, ids=lambda p: p.stem)
def test_recordings_follow_the_schema(path):
    rec = json.loads(path.read_text())
    for answer in rec.get("answers") or [rec["answer"]]:
        jsonschema.validate(answer, INTENT_SCHEMA)


def test_the_design_keeps_what_the_model_said(scored):
    assert len(scored) >= 25
    for name, r in scored.items():
        assert r["engine"].startswith("replay:"), name
        assert r["loaded"], name
        assert not r["missed_attributes"], (name, r["missed_attributes"])
        assert not r["unasked_fks"], (name, r["unasked_fks"])
        assert not r["wrong_enums"], (name, r["wrong_enums"])
        assert not r["missed_links"], (name, r["missed_links"])
        assert not r["missed_rules"], (name, r["missed_rules"])
    extra = sum(len(r["extra_columns"]) for r in scored.values())
    tables = sum(r["tables"] for r in scored.values())
    assert extra / tables <= 0.5
