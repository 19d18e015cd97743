"""Issue 13 item 1: fix never adds a key over duplicated rows; it skips the step and names the cleanup."""

from __future__ import annotations

import psycopg

from tests.conftest import run_cli

LOG = """
CREATE TABLE access_log (at timestamptz NOT NULL, path text NOT NULL, status int NOT NULL);
INSERT INTO access_log SELECT timestamptz '2024-01-01' + g * interval '1 minute', '/p/' || g % 7, 200
FROM generate_series(1, 300) g;
INSERT INTO access_log SELECT timestamptz '2024-01-01' + g * interval '1 minute', '/p/' || g % 7, 200
FROM generate_series(1, 12) g;
ANALYZE;
"""


def test_surrogate_key_over_duplicates_is_skipped_with_the_cleanup(scratch_db, tmp_path):
    with psycopg.connect(scratch_db, autocommit=True) as c:
        c.execute(LOG)
    r = run_cli("schema", "fix", "--database", scratch_db, "--rule", "missing-primary-key", "--allow",
                "missing-primary-key", "--apply-all", "--backup-dir", str(tmp_path), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    out = " ".join(r.stdout.split())
    assert "will be skipped: 12 rows identical in every column" in out
    assert "quarantine them first: aishell schema cleanup duplicates --table public.access_log" in out
    assert "Adding a surrogate primary key (id) to public.access_log" in out
    assert "skipped 1" in out
    with psycopg.connect(scratch_db) as c:  # no key, no column was added
        cols = [r[0] for r in c.execute("SELECT attname FROM pg_attribute WHERE attrelid = 'access_log'::regclass "
                                        "AND attnum > 0 AND NOT attisdropped")]
    assert cols == ["at", "path", "status"]


def test_missing_foreign_key_over_orphans_is_skipped_with_their_count(scratch_db, tmp_path):
    """Issue 13 item 6: the foreign key missing-foreign-key proposes is prechecked for orphans."""
    import json

    with psycopg.connect(scratch_db, autocommit=True) as c:
        c.execute("CREATE TABLE customers (id bigint PRIMARY KEY); INSERT INTO customers SELECT generate_series(1, 50);"
                  "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL);"
                  "INSERT INTO orders SELECT g, CASE WHEN g % 97 = 0 THEN 900 + g ELSE 1 + g % 50 END "
                  "FROM generate_series(1, 400) g; ANALYZE;")
    r = run_cli("schema", "fix", "--database", scratch_db, "--rule", "missing-foreign-key", "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    step = json.loads(r.stdout)["steps"][0]
    assert step["rule"] == "missing-foreign-key" and step["will_skip"]["violating_rows"] == 4
    assert "reference no row of public.customers" in step["will_skip"]["reason"]
