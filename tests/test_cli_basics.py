"""The CLI's shared conventions: fast help, one-line errors, exit codes, masked passwords."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import run_cli


def test_help_lists_schema_group():
    r = run_cli("--help")
    assert r.returncode == 0
    assert "schema" in r.stdout and "sandbox" in r.stdout


def test_unknown_verb_is_one_line_error():
    r = run_cli("schema", "no-such-verb")
    assert r.returncode == 1
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("aishell: error:")
    assert "Traceback" not in r.stderr


def test_help_is_fast_and_imports_nothing_heavy():
    code = (
        "import sys, time; t=time.perf_counter();"
        "from aishell.cli.main import cli;"
        "import click.testing; r=click.testing.CliRunner().invoke(cli, ['--help']);"
        "heavy=[m for m in ('psycopg','rich','pglast','sqlglot','jinja2') if m in sys.modules];"
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_sandbox_status_json(sandbox):
    r = run_cli("sandbox", "status", "--json")
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["running"] is True and info["version"] == "18"
