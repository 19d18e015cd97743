"""The interactive wizard: on a real pseudo-terminal (pexpect), and through --wizard with piped answers."""

from __future__ import annotations

import json
import os
import sys

import pexpect

from aishell.model import loads
from tests.conftest import run_cli


def test_wizard_on_a_terminal(tmp_path, pg_server):
    env = dict(os.environ)
    env.pop("AISHELL_DEBUG", None)
    env["COLUMNS"] = "120"
    child = pexpect.spawn(
        sys.executable,
        ["-m", "aishell.cli.main", "schema", "design"],
        cwd=str(tmp_path),
        env=env,
        encoding="utf-8",
        timeout=60,
        dimensions=(50, 120),
    )
    try:
        child.expect("What are you building")
        child.expect("Choice")
        child.sendline("1")
        child.expect("e-commerce")
        for question, answer in [
            ("number of users", "1M"),
            ("number of products", "100K"),
            ("orders per day", "10K"),
            ("multiple currencies", "yes"),
            ("multiple languages", "yes"),
            ("inventory management", "yes"),
            ("review system", "no"),
        ]:
            child.expect(question)
            child.sendline(answer)
        child.expect("Analyzing requirements")
        child.expect("Schema Features", timeout=90)  # a pattern's answers are built as the tutorial shows
        child.expect("Choice", timeout=90)
        child.sendline("3")
        child.expect("0 critical")
        child.expect("Choice")
        child.sendline("4")
        child.expect("File")
        child.sendline("exported.json")
        child.expect("Wrote exported.json")
        child.expect("Choice")
        child.sendline("")
        child.expect(pexpect.EOF, timeout=90)
    finally:
        child.close()
    assert child.exitstatus == 0
    schema = loads((tmp_path / "aishell" / "design.json").read_text())
    assert loads((tmp_path / "exported.json").read_text()).table("orders") is not None
    names = {t.name for t in schema.tables}
    assert {"users", "products", "orders", "inventory_movements"} <= names
    assert "reviews" not in names  # answered no
    assert any(t.partition_by for t in schema.tables)  # 10K orders per day
    assert any(n.endswith("_translations") for n in names) and any(n.endswith("_prices") for n in names)


def test_wizard_answers_on_stdin(tmp_path, pg_server):
    r = run_cli("schema", "design", "--wizard", "--json", "--no-save", cwd=tmp_path, input="5\n20000\n5M\n")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)  # the questions went to stderr
    assert "What are you building" in r.stderr
    assert doc["validation"]["loaded"] is True
    names = {t["name"] for t in doc["tables"]}
    assert "readings" in names and any(t.get("partition_by") for t in doc["tables"])


def test_wizard_custom_description(tmp_path):
    r = run_cli(
        "schema",
        "design",
        "--wizard",
        "--no-validate",
        "--no-save",
        "--brief",
        cwd=tmp_path,
        input="7\nvets treat pets; owners have many pets; pets have visits\n\nno\nyes\n",
    )
    assert r.returncode == 0, r.stderr
    assert "pets" in r.stdout and "audit_logs" in r.stdout


def test_wizard_rejects_bad_answers_then_accepts(tmp_path):
    r = run_cli(
        "schema",
        "design",
        "--wizard",
        "--no-validate",
        "--no-save",
        "--brief",
        cwd=tmp_path,
        input="9\nsocial\nlots\n1000\n\nmaybe\nno\nyes\n",
    )
    assert r.returncode == 0, r.stderr
    assert "Please answer" in r.stdout and "a number such as" in r.stdout and "(yes or no)" in r.stdout
    assert (
        "messages" not in r.stdout.split("Schema Features")[0].split("entities identified")[1].split("\n")[0]
    )
