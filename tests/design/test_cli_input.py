"""Requirements as users give them: bullet lists, stdin, a file, a design intent, other languages, long
text; what was understood shown and confirmed before building; assumptions left out on request."""

from __future__ import annotations

import json

import pexpect
import pytest

from aishell.design import read_requirements
from aishell.design.read.language import MAX_CHARS, language_problem
from aishell.design.wizard import confirm
from tests.conftest import run_cli

BULLETS = "- Support 1M users\n- Handle 10K orders/day\n- Customers place orders; each order has items"


def test_text_starting_with_a_dash_is_requirements_not_an_option(tmp_path):
    r = run_cli("schema", "requirements", "--json", BULLETS, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    names = {e["name"] for e in json.loads(r.stdout)["entities"]}
    assert {"customer", "order"} <= names
    assert "handle" not in names
    r = run_cli("schema", "design", BULLETS, "--no-save", "--no-validate", "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "orders" in {t["name"] for t in json.loads(r.stdout)["tables"]}


def test_dash_reads_stdin_and_file_reads_a_file(tmp_path):
    r = run_cli("schema", "requirements", "--json", "-", input="Patients book appointments with doctors.")
    assert r.returncode == 0, r.stderr
    assert {"patient", "appointment", "doctor"} <= {e["name"] for e in json.loads(r.stdout)["entities"]}
    (tmp_path / "req.md").write_text(BULLETS)
    r = run_cli("schema", "requirements", "--json", "--file", "req.md", cwd=tmp_path)
    assert r.returncode == 0 and "order" in r.stdout


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Пользователи создают заказы, каждый заказ содержит несколько товаров", "Cyrillic"),
        ("Les clients réservent des chambres dans des hôtels et chaque hôtel a des chambres", "French"),
    ],
)
def test_other_languages_get_one_line_naming_what_works(tmp_path, text, language):
    r = run_cli("schema", "design", "--no-save", text, cwd=tmp_path)
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and language in lines[0] and "English" in lines[0] and "--llm" in lines[0]
    assert "Traceback" not in r.stderr


def test_english_with_foreign_names_is_still_english():
    assert language_problem("Customers order dishes like crème brûlée and paella de la casa") is None


def test_very_long_text_is_refused_with_its_limit(tmp_path):
    text = "Customers place orders with items. " * (MAX_CHARS // 30)
    r = run_cli("schema", "requirements", "-", input=text, cwd=tmp_path)
    assert r.returncode == 1 and f"{MAX_CHARS:,}" in r.stderr and "--llm" in r.stderr


def test_unknown_llm_provider_is_one_line(tmp_path):
    r = run_cli("schema", "design", "--llm", "skynet", "--no-save", "pilots fly planes", cwd=tmp_path)
    assert r.returncode == 1 and "unknown provider 'skynet'" in r.stderr and "replay:DIR" in r.stderr


INTENT = {
    "entities": [
        {"name": "team", "attributes": [{"name": "name", "required": True}]},
        {"name": "match", "attributes": [{"name": "kickoff", "type": "timestamp", "required": True}]},
    ],
    "relationships": [
        {"kind": "many_to_one", "from": "match", "to": "team", "role": "home_team", "required": True},
        {"kind": "many_to_one", "from": "match", "to": "team", "role": "away_team", "required": True},
    ],
    "rules": [{"kind": "check", "entity": "match", "expression": "home_team_id <> away_team_id"}],
}


def test_design_from_an_intent_file_and_its_errors(tmp_path):
    (tmp_path / "intent.json").write_text(json.dumps(INTENT))
    r = run_cli("schema", "design", "--intent", "intent.json", "--no-save", "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    matches = next(t for t in doc["tables"] if t["name"] == "matches")
    assert {c["name"] for c in matches["columns"]} == {
        "id",
        "home_team_id",
        "away_team_id",
        "kickoff",
        "created_at",
        "updated_at",
    }
    assert any("home_team_id <> away_team_id" in c["expression"] for c in matches.get("checks", []))
    assert doc["validation"]["loaded"] is True
    bad = dict(INTENT, rules=[{"kind": "teleport", "entity": "match"}])
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    r = run_cli("schema", "design", "--intent", "bad.json", "--no-save", cwd=tmp_path)
    assert r.returncode == 1 and "rules[0]" in r.stderr and "teleport" in r.stderr


def test_no_assumptions_leaves_out_knowledge_base_columns(tmp_path):
    text = "Users with profiles. Orders with multiple items."
    r = run_cli("schema", "design", "--no-save", "--json", "--no-assumptions", text, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    users = next(t for t in doc["tables"] if t["name"] == "users")
    assert [c["name"] for c in users["columns"]] == ["id", "created_at", "updated_at"]
    assert doc["validation"]["ok"] is True
    r = run_cli("schema", "design", "--no-save", "--json", text, cwd=tmp_path)
    doc = json.loads(r.stdout)
    users = next(t for t in doc["tables"] if t["name"] == "users")
    email = next(c for c in users["columns"] if c["name"] == "email")
    assert email["attrs"]["provenance"] == "assumed"
    assert "email" in doc["requirements"]["assumed"]["columns"]["users"]


def test_review_lists_assumed_items_apart(tmp_path):
    r = run_cli("schema", "design", "--no-save", "--no-validate", "Users with profiles.", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "Assumed (" in r.stdout and "--no-assumptions" in r.stdout and "password_hash" in r.stdout


def _reading(text):
    return read_requirements(text)


def test_confirm_asks_the_questions_and_drops_what_is_not_stored():
    reading = _reading("Runners log runs. Each run has a distance.")
    from aishell.design.intent import Question

    reading.intent.questions.append(Question(about="run", question="Is a run something you store?"))
    answers = iter(["n", "y"])
    shown: list[object] = []
    out = confirm(reading, lambda text, default: next(answers), shown.append, _reading, "x")
    assert "run" not in out.intent.entities
    assert not any("run" in (r.source, r.target) for r in out.intent.relationships)
    assert any("Requirements understood" in str(x) for x in shown)


def test_confirm_quit_builds_nothing():
    from aishell.errors import UserError

    with pytest.raises(UserError, match="cancelled"):
        confirm(_reading("Patients see doctors."), lambda t, d: "q", lambda x: None, _reading, "x")


def test_terminal_shows_what_was_understood_and_yes_skips_it(tmp_path, pg_server):
    child = pexpect.spawn(
        "python3",
        ["-m", "aishell.cli.main", "schema", "design", "--no-save", "--brief", "Patients book appointments."],
        cwd=str(tmp_path),
        encoding="utf-8",
        timeout=60,
        dimensions=(50, 160),
    )
    try:
        child.expect("Requirements understood")
        child.expect("each appointment")
        child.expect("Build this design")
        child.sendline("y")
        child.expect("Schema Features", timeout=90)
        child.expect(pexpect.EOF, timeout=60)
    finally:
        child.close()
    child = pexpect.spawn(
        "python3",
        [
            "-m",
            "aishell.cli.main",
            "schema",
            "design",
            "--yes",
            "--no-save",
            "--brief",
            "Patients book appointments.",
        ],
        cwd=str(tmp_path),
        encoding="utf-8",
        timeout=90,
    )
    try:
        idx = child.expect(["Build this design", "Schema Features"], timeout=90)
        assert idx == 1
        child.expect(pexpect.EOF, timeout=60)
    finally:
        child.close()
