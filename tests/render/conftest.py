"""Fixtures for the docs and diagram tests: models written to files, the grammar checkers, pagila."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from aishell.model import dumps
from tests.conftest import CORPUS, run_cli
from tests.render.synthetic import shop_schema, synthetic_schema

JS = Path(__file__).resolve().parent / "js"
INSTALL_HINT = "run `bash scripts/install-render-test-deps.sh`"


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("models")
    (d / "shop.json").write_text(dumps(shop_schema()))
    (d / "shop-live.json").write_text(dumps(shop_schema(live=True)))
    (d / "big.json").write_text(dumps(synthetic_schema(375)))
    (d / "multi.json").write_text(dumps(synthetic_schema(120, schemas=3, seed=3)))
    return d


@pytest.fixture(scope="session")
def pagila_json(tmp_path_factory, pg_server) -> Path:
    """Pagila loaded through a .sql SOURCE into the real PostgreSQL and inspected once per session."""
    sql = CORPUS / "pagila-schema.sql"
    if pg_server.__class__.__name__ == "ExternalServer":
        sql = CORPUS / "pagila-schema-pg15.sql"
    r = run_cli("schema", "inspect", str(sql), "--json")
    assert r.returncode == 0, r.stderr
    path = tmp_path_factory.mktemp("pagila") / "pagila.json"
    path.write_text(r.stdout)
    return path


class GrammarChecker:
    """Runs tests/render/js/check.mjs: Mermaid's and @dbml/core's own parsers."""

    def __init__(self, node: str):
        self.node = node

    def check(self, kind: str, files: list[Path]) -> dict[str, dict]:
        proc = subprocess.run([self.node, str(JS / "check.mjs"), kind, *map(str, files)],
                              capture_output=True, text=True, timeout=180, cwd=JS, check=False)
        results = {}
        for line in proc.stdout.splitlines():
            if line.startswith("{"):
                item = json.loads(line)
                results[item["file"]] = item
        assert len(results) == len(files), proc.stderr[-2000:]
        return results


@pytest.fixture(scope="session")
def grammar() -> GrammarChecker:
    node = shutil.which("node")
    if not node:
        pytest.skip(f"node is not installed ({INSTALL_HINT})")
    if not (JS / "node_modules" / "mermaid").is_dir() or not (JS / "node_modules" / "@dbml" / "core").is_dir():
        pytest.skip(f"the Mermaid/DBML parsers are not installed ({INSTALL_HINT})")
    return GrammarChecker(node)


@pytest.fixture(scope="session")
def has_dot() -> bool:
    return shutil.which("dot") is not None


@pytest.fixture
def need_dot(has_dot):
    if not has_dot:
        pytest.skip(f"Graphviz dot is not installed ({INSTALL_HINT})")
