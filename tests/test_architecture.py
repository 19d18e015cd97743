"""The layering of docs/architecture.md, checked: import-linter contracts in pyproject.toml, and every
registered verb documented with an example."""

from __future__ import annotations

import subprocess

import pytest

from tests.conftest import ROOT, installed_tool, run_cli


def test_import_contracts_hold():
    exe = installed_tool("lint-imports")
    if exe is None:
        pytest.skip("import-linter is not installed (pip install -e '.[test]')")
    proc = subprocess.run([exe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "broken" not in proc.stdout.lower().replace("0 broken", "")


def _verbs() -> list[str]:
    from aishell.cli.main import SCHEMA_VERBS, _available

    return list(_available(SCHEMA_VERBS))


@pytest.mark.parametrize("verb", _verbs())
def test_every_verb_has_help_with_an_example(verb):
    r = run_cli("schema", verb, "--help")
    assert r.returncode == 0, r.stderr
    assert "aishell schema" in r.stdout, f"`schema {verb} --help` shows no example"


def test_every_verb_has_a_docs_page():
    docs = "\n".join(p.read_text() for p in (ROOT / "docs").glob("*.md"))
    missing = [v for v in _verbs() if f"aishell schema {v}" not in docs]
    assert not missing, f"no docs mention: {missing}"
