"""`aishell schema fix` against a real PostgreSQL with planted problems (tests/fix/planted.sql)."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest

from tests.conftest import run_cli

PLANTED = Path(__file__).with_name("planted.sql")
TABLES = ["users", "products", "tags", "orders", "order_items", "product_tags", "wishlist"]
ALL = "critical,warning,optimization"


def _load(server, conninfo: str) -> None:
    from aishell.sources import run_sql_text

    run_sql_text(conninfo, PLANTED.read_text(), server.bin("psql"), label="planted.sql")


def snapshot(conninfo: str, *, data_columns: dict[str, str] | None = None) -> dict:
    """Indexes, constraints, columns and a checksum of every table's rows."""
    data_columns = data_columns or {}
    with psycopg.connect(conninfo) as c:
        idx = {r[0]: r[1] for r in c.execute(
            "SELECT c.relname, i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'")}
        cons = {r[0]: (r[1], r[2]) for r in c.execute(
            "SELECT conname, conrelid::regclass::text, convalidated FROM pg_constraint "
            "WHERE connamespace = 'public'::regnamespace")}
        cols = {tuple(r) for r in c.execute(
            "SELECT table_name, column_name, is_nullable, data_type FROM information_schema.columns "
            "WHERE table_schema = 'public'")}
        data = {}
        for t in TABLES:
            what = data_columns.get(t, "x")
            sel = f"(SELECT {what} FROM {t}) x" if what != "x" else f"{t} x"
            data[t] = tuple(c.execute(
                f"SELECT count(*), md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) FROM {sel}"
            ).fetchone())
    return {"indexes": idx, "constraints": cons, "columns": cols, "data": data}


@pytest.fixture
def planted(pg_server, scratch_db):
    _load(pg_server, scratch_db)
    return scratch_db


def _fix(conninfo: str, *args: str, cwd: Path | None = None):
    import tempfile

    with tempfile.TemporaryDirectory(prefix="aishell-fix-") as tmp:  # the default backup dir lands here
        return run_cli("schema", "fix", "--database", conninfo, *args, cwd=cwd or Path(tmp))


def _steps(data: dict, rule: str, table: str | None = None) -> list[dict]:
    return [s for s in data["steps"] if s["rule"] == rule and (table is None or s["table"] == table)]


def test_plan_dry_run_then_apply(pg_server, planted, tmp_path):
    before = snapshot(planted)
    proc = _fix(planted, "--priority", ALL, "--json")
    assert proc.returncode == 0, proc.stderr
    plan = json.loads(proc.stdout)
    assert plan["mode"] == "dry-run"
    # the plan: keys first, then constraints, then indexes; destructive steps refused
    pt = _steps(plan, "missing-primary-key", "public.product_tags")[0]
    wl = _steps(plan, "missing-primary-key", "public.wishlist")[0]
    assert pt["status"] == "planned" and "will_skip" not in pt
    assert wl["will_skip"]["violating_rows"] == 4 and "duplicate rows" in wl["will_skip"]["reason"]
    checks = {s["statements"][0]["sql"].split("CONSTRAINT ")[1].split()[0]: s
              for s in _steps(plan, "data-quality")}
    assert checks["chk_orders_total_non_negative"]["will_skip"]["violating_rows"] == 3
    assert "will_skip" not in checks["chk_order_items_quantity_non_negative"]
    fk = _steps(plan, "missing-fk-index")
    assert {s["table"] for s in fk} >= {"public.orders", "public.order_items", "public.product_tags",
                                        "public.wishlist"}
    assert all(st["sql"].startswith("CREATE INDEX CONCURRENTLY") for s in fk for st in s["statements"])
    last_key = max(s["step"] for s in _steps(plan, "missing-primary-key"))
    assert last_key < min(s["step"] for s in _steps(plan, "data-quality")) < min(s["step"] for s in fk)
    denorm = _steps(plan, "denormalized-column")[0]
    assert denorm["status"] == "refused" and "--allow denormalized-column" in denorm["reason"]
    assert denorm["statements"][0]["sql"] == "ALTER TABLE public.orders DROP COLUMN user_email;"
    assert plan["rehearsal"]["ok"] is True
    assert plan["backup"] is None and plan["applied"] == []
    assert snapshot(planted) == before, "a dry run changed the database"

    # apply
    proc = _fix(planted, "--priority", ALL, "--apply-all", "--backup-dir", str(tmp_path / "bk"), "--json")
    assert proc.returncode == 0, proc.stderr
    rep = json.loads(proc.stdout)
    assert rep["mode"] == "apply"
    after = snapshot(planted)
    assert after["data"] == before["data"], "fix changed data rows"
    assert after["columns"] == before["columns"]
    by = {s["step"]: s for s in rep["steps"]}
    applied = [by[n] for n in rep["applied"]]
    skipped = {s["step"]: s for s in rep["skipped"]}
    assert skipped[wl["step"]]["violating_rows"] == 4
    assert skipped[checks["chk_orders_total_non_negative"]["step"]]["violating_rows"] == 3
    # the product_tags(product_id) FK index is covered by the new primary key
    covered = [s for s in fk if s["covered_by"] == pt["step"]]
    assert covered and all("covered by" in skipped[s["step"]]["reason"] for s in covered)
    # exactly what was planned: new indexes and constraints, nothing else, all valid
    new_idx = set(after["indexes"]) - set(before["indexes"])
    planned_idx = {st["sql"].split("EXISTS ")[1].split()[0] for s in applied for st in s["statements"]
                   if st["kind"] == "create-index"}
    assert new_idx == planned_idx and "product_tags_pkey" in new_idx
    assert all(after["indexes"].values())
    assert set(before["indexes"]) <= set(after["indexes"])
    new_cons = {k: v for k, v in after["constraints"].items() if k not in before["constraints"]}
    assert new_cons == {"product_tags_pkey": ("product_tags", True),
                        "chk_order_items_quantity_non_negative": ("order_items", True)}
    # the backup exists and restores (schema only here: no step changes rows)
    backup = Path(rep["backup"]["path"])
    assert backup.exists() and backup.parent == tmp_path / "bk" and rep["backup"]["data_of"] == []
    from aishell.sources import run_sql_text

    with pg_server.temporary_database(prefix="aishell_test_") as restored:
        run_sql_text(restored, backup.read_text(), pg_server.bin("psql"), label="backup")
        with psycopg.connect(restored) as c:
            assert c.execute("SELECT count(*) FROM orders").fetchone()[0] == 0
            assert c.execute("SELECT to_regclass('public.idx_orders_user_id')").fetchone()[0] is None
    # re-analysis: what was applied is gone, the score is computed again
    assert rep["health"]["after"] > rep["health"]["before"]
    fixed = {(f["rule"], f["table"]) for f in rep["fixed_findings"]}
    assert ("missing-primary-key", "public.product_tags") in fixed
    assert ("missing-fk-index", "public.orders") in fixed
    assert not rep["failed"] and not rep.get("remaining_findings")
    assert rep["health"]["after_counts"]["critical"] < rep["health"]["before_counts"]["critical"]


def test_destructive_refused_unless_allowed(pg_server, planted, tmp_path):
    before = snapshot(planted)
    orders_before = snapshot(planted, data_columns={"orders": "id, user_id, total, created_at"})["data"]["orders"]
    proc = _fix(planted, "--rule", "denormalized-column", "--apply-all", "--backup-dir", str(tmp_path))
    assert proc.returncode == 3, proc.stderr
    assert proc.stderr.count("\n") == 1 and "--allow denormalized-column" in proc.stderr
    assert snapshot(planted) == before and not list(tmp_path.iterdir())

    proc = _fix(planted, "--rule", "denormalized-column", "--allow", "denormalized-column", "--apply-all",
                "--backup-dir", str(tmp_path), "--benchmark", "1", "--json")
    assert proc.returncode == 0, proc.stderr
    rep = json.loads(proc.stdout)
    assert len(rep["applied"]) == 1
    cmp = rep["benchmark"]["comparison"]  # measured before and after, never estimated
    assert cmp["kind"] == "measured" and cmp["tps"]["before"] > 0 and cmp["tps"]["after"] > 0
    assert rep["benchmark"]["before"]["transactions"] > 0 and cmp["queries"]
    after = snapshot(planted, data_columns={"orders": "id, user_id, total, created_at"})
    assert ("orders", "user_email", "NO", "text") not in after["columns"]
    assert after["data"]["orders"] == orders_before
    unchanged = {t: v for t, v in before["data"].items() if t != "orders"}
    assert {t: v for t, v in after["data"].items() if t != "orders"} == unchanged
    assert after["data"]["orders"][0] == before["data"]["orders"][0]
    # the backup holds the dropped column's data and restores into an empty database
    backup = Path(rep["backup"]["path"])
    assert set(rep["backup"]["data_of"]) == {"public.orders", "public.users"}
    from aishell.sources import run_sql_text

    with pg_server.temporary_database(prefix="aishell_test_") as restored:
        run_sql_text(restored, backup.read_text(), pg_server.bin("psql"), label="backup")
        with psycopg.connect(restored) as c:
            assert c.execute("SELECT count(*), count(DISTINCT user_email) FROM orders").fetchone() == (300, 50)
            assert c.execute("SELECT count(*) FROM order_items").fetchone()[0] == 0


@pytest.mark.parametrize("args,needle", [
    (["--priority", "urgent"], "invalid --priority"),
    (["--rule", "no-such-rule"], "unknown rule"),
    (["--allow", "no-such-rule"], "unknown rule"),
    (["--lock-timeout", "soon"], "invalid --lock-timeout"),
])
def test_bad_flags(args, needle):
    proc = run_cli("schema", "fix", "--database", "postgresql://nobody@127.0.0.1:1/x", *args)
    assert proc.returncode == 1 and needle in proc.stderr and proc.stderr.count("\n") == 1


def test_bad_sources(tmp_path):
    sql = tmp_path / "s.sql"
    sql.write_text("CREATE TABLE t (id int);")
    proc = run_cli("schema", "fix", "--database", str(sql))
    assert proc.returncode == 1 and "nothing to fix in place" in proc.stderr and "analyze" in proc.stderr
    assert proc.stderr.count("\n") == 1
    proc = run_cli("schema", "fix")
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1
    proc = run_cli("schema", "fix", "--database", "postgresql://nobody@127.0.0.1:1/x")
    assert proc.returncode == 4 and proc.stderr.count("\n") == 1


def test_blocking_session_then_invalid_leftover(planted):
    # an INVALID index left by a failed CONCURRENTLY build, under the name the fix will use
    with psycopg.connect(planted, autocommit=True) as c, pytest.raises(psycopg.errors.UniqueViolation):
        c.execute("CREATE UNIQUE INDEX CONCURRENTLY idx_orders_user_id ON orders (user_id)")
    before = snapshot(planted)
    assert before["indexes"]["idx_orders_user_id"] is False
    with psycopg.connect(planted) as holder:  # a session inside a transaction holding a lock on orders
        holder.execute("LOCK TABLE orders IN ROW EXCLUSIVE MODE")
        proc = _fix(planted, "--rule", "missing-fk-index", "--apply-all")
        assert proc.returncode == 3, proc.stderr
        assert "other session" in proc.stderr and "nothing was applied" in proc.stderr
        assert snapshot(planted) == before
    proc = _fix(planted, "--rule", "missing-fk-index", "--apply-all", "--lock-timeout", "2s")
    assert proc.returncode == 0, proc.stderr
    assert "INVALID leftover" in proc.stdout and "✓" in proc.stdout
    assert "Backup: aishell/backups/aishell_test_" in " ".join(proc.stdout.split())  # the default place
    after = snapshot(planted)
    assert after["indexes"]["idx_orders_user_id"] is True and all(after["indexes"].values())
    assert after["data"] == before["data"]
