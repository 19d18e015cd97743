"""`schema cleanup` (issue 12, item 4): rows that break a planned constraint move into quarantine in one
transaction, counted before and after, with the way back; nothing is deleted silently; `fix` names the
cleanup command where it skips a step."""

from __future__ import annotations

import json

import pytest

from aishell.dialects.postgres.connect import connect
from tests.conftest import run_cli

SHOP = """
CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL, name text NOT NULL);
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, user_id bigint NOT NULL REFERENCES users (id),
                     total numeric(10,2) NOT NULL);
CREATE TABLE order_notes (order_id bigint NOT NULL REFERENCES orders (id) ON DELETE CASCADE, note text);
CREATE TABLE wishlist (user_id bigint NOT NULL REFERENCES users (id), product text NOT NULL);
INSERT INTO users (email, name) SELECT CASE WHEN g IN (5, 10, 15) THEN 'not-an-email-' || g
    ELSE 'user' || g || '@example.com' END, 'User ' || g FROM generate_series(1, 60) g;
INSERT INTO orders (user_id, total) SELECT 1 + g % 60, CASE WHEN g % 25 = 0 THEN -1 ELSE g END
    FROM generate_series(1, 200) g;
DELETE FROM orders WHERE user_id = 15;
INSERT INTO order_notes SELECT id, 'note' FROM orders WHERE id % 4 = 0;
INSERT INTO wishlist SELECT 20 + g % 40, 'p' || (g % 7) FROM generate_series(1, 80) g;
INSERT INTO wishlist SELECT 20 + g % 40, 'p' || (g % 7) FROM generate_series(1, 6) g;
"""


@pytest.fixture(scope="module")
def shop(pg_server):
    with pg_server.temporary_database(prefix="aishell_test_cleanup_") as db:
        with connect(db, autocommit=True) as conn:
            conn.execute(SHOP)
        yield db


def _digest(db: str, table: str) -> tuple:
    with connect(db) as conn:
        return conn.execute(
            f"SELECT count(*), md5(string_agg(t::text, ',' ORDER BY t::text)) FROM {table} t"
        ).fetchone()


def test_invalid_emails_preview_hold_back_cascade_and_the_way_back(shop, tmp_path):
    before = {t: _digest(shop, t) for t in ("users", "orders", "order_notes")}
    (tmp_path / "aishell.toml").write_text(f'[defaults]\ndatabase = "{shop}"\n')
    # The tutorial's spelling, the database from aishell.toml: a preview that changes nothing.
    r = run_cli("schema", "cleanup-invalid-emails", "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    plan = json.loads(r.stdout)
    assert plan["applied"] is False
    users = next(m for m in plan["moves"] if m["table"] == "public.users")
    assert users["rows"] == 1 and users["held_back"] == 2  # 5 and 10 have orders; 15 has none
    assert {t: _digest(shop, t) for t in before} == before
    # Applying without --cascade moves only the row nothing references.
    r = run_cli("schema", "cleanup", "invalid-emails", "--database", shop, "--apply", "--json")
    assert r.returncode == 0, r.stderr
    done = json.loads(r.stdout)
    assert done["before"]["rows"]["public.users"] == 60 and done["after"]["rows"]["public.users"] == 59
    # --cascade moves the referencing orders (and their ON DELETE CASCADE notes) too: nothing vanishes.
    r = run_cli("schema", "cleanup", "invalid-emails", "--database", shop, "--apply", "--cascade", "--json")
    assert r.returncode == 0, r.stderr
    cascaded = json.loads(r.stdout)
    moved = {m["table"]: m["rows"] for m in cascaded["moves"]}
    assert moved["public.users"] == 2 and moved["public.orders"] > 0 and moved["public.order_notes"] > 0
    assert cascaded["after"]["violations"]["public.users"] == 0
    with connect(shop) as conn:
        q = conn.execute("SELECT count(*) FROM aishell_quarantine.public__order_notes").fetchone()[0]
        assert q == moved["public.order_notes"]
    # The way back, as printed, restores every row.
    with connect(shop, autocommit=True) as conn:
        for batch in (cascaded, done):
            with conn.transaction():
                for sql in batch["way_back"]:
                    conn.execute(sql)
    assert {t: _digest(shop, t) for t in before} == before


def test_duplicates_and_check(shop):
    with connect(shop) as conn:
        dupes = conn.execute("SELECT count(*) - count(DISTINCT (user_id, product)) FROM wishlist").fetchone()[
            0
        ]
    assert dupes > 0
    r = run_cli(
        "schema", "cleanup", "duplicates", "--table", "wishlist", "--database", shop, "--apply", "--json"
    )
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["moves"][0]["rows"] == dupes
    with connect(shop) as conn:
        assert (
            conn.execute("SELECT count(*) - count(DISTINCT (user_id, product)) FROM wishlist").fetchone()[0]
            == 0
        )
    r = run_cli(
        "schema", "cleanup", "check", "--table", "orders", "--check", "total >= 0", "--database", shop
    )
    assert r.returncode == 0, r.stderr
    assert "breaks CHECK (total >= 0)" in r.stdout and "Preview only" in r.stdout
    for bad in ("total >= (SELECT 0)", "pg_sleep(1) IS NULL", "users.id > 0", "total > 0; DROP TABLE users"):
        r = run_cli("schema", "cleanup", "check", "--table", "orders", "--check", bad, "--database", shop)
        assert r.returncode == 1 and r.stderr.count("\n") == 1, (bad, r.stderr)


def test_fix_names_the_cleanup_for_a_skipped_step(pg_server):
    with pg_server.temporary_database(prefix="aishell_test_cleanup_fix_") as db:
        with connect(db, autocommit=True) as conn:
            conn.execute(
                "CREATE TABLE people (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL);"
                "INSERT INTO people (email) SELECT 'p' || g || '@example.org' FROM generate_series(1, 400) g;"
                "UPDATE people SET email = 'broken' WHERE id IN (3, 4); ANALYZE;"
            )
        r = run_cli(
            "schema",
            "fix",
            "--database",
            db,
            "--rule",
            "data-quality",
            "--priority",
            "critical,warning,optimization",
            "--json",
        )
        assert r.returncode == 0, r.stderr
        steps = json.loads(r.stdout)["steps"]
        skipped = [s for s in steps if s.get("will_skip")]
        assert skipped, steps
        assert skipped[0]["will_skip"]["cleanup"] == (
            f"aishell schema cleanup invalid-emails --table people --column email --database '{db}'"
        )
