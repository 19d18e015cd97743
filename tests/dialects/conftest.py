"""Fixtures for the non-PostgreSQL generators: a real MariaDB (throwaway database per test), SQLite
in memory, ``node --check`` for the MongoDB scripts, and pagila loaded through ``load_schema``."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import tempfile
import uuid
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.conftest import CORPUS, MYSQL_URL

PAGILA = CORPUS / "pagila-schema.sql"
PAGILA15 = CORPUS / "pagila-schema-pg15.sql"


def _mysql_params() -> dict:
    u = urlparse(MYSQL_URL)
    return {
        "host": u.hostname or "127.0.0.1",
        "port": u.port or 3306,
        "user": u.username or "root",
        "password": u.password or "",
    }


@pytest.fixture(scope="session")
def mariadb():
    """Connection parameters of the MariaDB/MySQL server (skipped when it does not answer)."""
    try:
        import pymysql
    except ImportError:
        pytest.skip("pymysql is not installed (pip install -e '.[test]')")
    params = _mysql_params()
    try:
        conn = pymysql.connect(connect_timeout=3, **params)
        conn.close()
    except Exception as exc:  # noqa: BLE001 (any failure means: skip)
        pytest.skip(f"MariaDB/MySQL not reachable at {params['host']}:{params['port']}: {exc}")
    return params


class MySQLRunner:
    """Runs a generated script in a throwaway database and answers information_schema questions."""

    def __init__(self, params: dict, db: str):
        import pymysql
        from pymysql.constants import CLIENT

        self.db = db
        self.conn = pymysql.connect(
            client_flag=CLIENT.MULTI_STATEMENTS, charset="utf8mb4", autocommit=True, **params
        )

    def run(self, sql: str) -> None:
        with self.conn.cursor() as cur:
            cur.execute(f"USE `{self.db}`")
            cur.execute(sql)
            while cur.nextset():
                pass

    def query(self, sql: str, *args) -> list[tuple]:
        with self.conn.cursor() as cur:
            cur.execute(sql, args)
            return list(cur.fetchall())

    def tables(self) -> dict[str, str]:
        return dict(
            self.query(
                "SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = %s",
                self.db,
            )
        )

    def columns(self, table: str) -> dict[str, tuple]:
        rows = self.query(
            "SELECT column_name, column_type, is_nullable, column_default, extra "
            "FROM information_schema.columns WHERE table_schema = %s AND table_name = %s "
            "ORDER BY ordinal_position",
            self.db,
            table,
        )
        return {r[0]: r[1:] for r in rows}

    def foreign_keys(self, table: str) -> dict[str, tuple]:
        rows = self.query(
            "SELECT rc.constraint_name, rc.referenced_table_name, rc.delete_rule, rc.update_rule "
            "FROM information_schema.referential_constraints rc "
            "WHERE rc.constraint_schema = %s AND rc.table_name = %s",
            self.db,
            table,
        )
        return {r[0]: r[1:] for r in rows}

    def indexes(self, table: str) -> set[str]:
        return {
            r[0]
            for r in self.query(
                "SELECT DISTINCT index_name FROM information_schema.statistics "
                "WHERE table_schema = %s AND table_name = %s",
                self.db,
                table,
            )
        }


@pytest.fixture
def mysql_db(mariadb):
    """A fresh database on MariaDB, dropped afterwards."""
    import pymysql

    name = "aishell_test_" + uuid.uuid4().hex[:10]
    admin = pymysql.connect(autocommit=True, **mariadb)
    with admin.cursor() as cur:
        cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    runner = MySQLRunner(mariadb, name)
    try:
        yield runner
    finally:
        runner.conn.close()
        with admin.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
        admin.close()


@pytest.fixture
def sqlite_db():
    conn = sqlite3.connect(":memory:")
    yield conn
    conn.close()


@pytest.fixture(scope="session")
def node_check():
    """``node_check(js)`` fails the test unless node parses the script."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: cannot syntax-check the mongosh script")

    def check(js: str) -> None:
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / "script.js"
            path.write_text(js, encoding="utf-8")
            proc = subprocess.run(
                [node, "--check", str(path)], capture_output=True, text=True, timeout=60, check=False
            )
            assert proc.returncode == 0, proc.stderr

    return check


@pytest.fixture(scope="session")
def pagila(pg_server):
    """Pagila as ``aishell.sources.load_schema`` reads the .sql file (through the test server); the
    corpus's PostgreSQL 15 variant where the server is older than 18 (uuidv7, virtual columns)."""
    from aishell.errors import SourceError
    from aishell.sources import load_schema

    try:
        return load_schema(str(PAGILA))
    except SourceError:
        return load_schema(str(PAGILA15))
