"""Migrations never lose data silently and are all-or-nothing (issue 9, items 3, 4, 6, 7).

One database for the module, emptied between tests; the plans come from the real differ and planner,
and run through the real executor or the real command line.
"""

from __future__ import annotations

import json
import signal

import psycopg
import pytest

from aishell.diff.checks import assignment_cast
from aishell.migrate.compare import compare
from aishell.migrate.execute import MigrationFailed, execute_plan
from tests.conftest import run_cli
from tests.diff.fixture_harness import reset_database
from tests.migrate.killing import release, start_paused, state, stop


@pytest.fixture(scope="module")
def db(pg_server):
    with pg_server.temporary_database(prefix="aishell_test_safety_") as conninfo:
        yield conninfo


def fresh(conninfo: str, sql: str) -> None:
    reset_database(conninfo)
    with psycopg.connect(conninfo, autocommit=True) as c:
        c.execute(sql)


def plan_for(tmp_path, conninfo: str, desired_sql: str, renames: tuple[str, ...] = ()):
    f = tmp_path / "desired.sql"
    f.write_text(desired_sql)
    return compare(str(f), conninfo, renames=list(renames)).plan


NAMES = """CREATE TABLE people (id int PRIMARY KEY, name text, score numeric(10,4));
INSERT INTO people SELECT g, repeat('n', 5 + g % 20), g / 7.0 FROM generate_series(1, 60) g;
"""


# -- item 3: narrowing never truncates ----------------------------------------------------------------------
def test_narrowing_is_an_assignment_that_fails_instead_of_cutting(tmp_path, db):
    fresh(db, NAMES)
    plan = plan_for(
        tmp_path, db, "CREATE TABLE people (id int PRIMARY KEY, name varchar(10), score numeric(10,4));"
    )
    alter = next(s for s in plan.statements if "ALTER COLUMN name TYPE" in s.sql)
    assert "USING" not in alter.sql  # an explicit cast (USING name::varchar(10)) would cut the values
    assert [c.kind for c in alter.checks] == ["not-fit"]
    before = state(db)
    with psycopg.connect(db, autocommit=True) as c, pytest.raises(psycopg.errors.StringDataRightTruncation):
        c.execute(alter.sql)  # the statement alone, without the plan's pre-checks: it fails, cuts nothing
    assert state(db) == before


def test_rounding_type_change_is_guarded(tmp_path, db):
    fresh(db, NAMES)
    plan = plan_for(tmp_path, db, "CREATE TABLE people (id int PRIMARY KEY, name text, score numeric(10,2));")
    plan.statements = [s for s in plan.statements if not s.description.startswith("pre-checks")]
    before = state(db)
    with pytest.raises(MigrationFailed, match="would be rounded"):
        execute_plan(plan, db)  # even without the first pre-check, the guard before the ALTER stops it
    assert state(db) == before
    with psycopg.connect(db, autocommit=True) as c:
        c.execute("UPDATE people SET score = round(score, 2)")
    execute_plan(plan, db)
    with psycopg.connect(db) as c:
        assert (
            c.execute(
                "SELECT numeric_scale FROM information_schema.columns WHERE column_name = 'score'"
            ).fetchone()[0]
            == 2
        )


def test_assignment_casts_are_postgresqls(db):
    """The planner's table of conversions PostgreSQL makes on its own matches pg_cast."""
    types = [
        "smallint",
        "integer",
        "bigint",
        "real",
        "double precision",
        "numeric",
        "text",
        "character varying",
        "character",
        "date",
        "timestamp without time zone",
        "timestamp with time zone",
        "jsonb",
        "json",
        "boolean",
        "uuid",
        "bytea",
        "inet",
        "cidr",
        "bit",
        "bit varying",
        "interval",
        "time without time zone",
    ]
    with psycopg.connect(db) as c:
        rows = {
            (a, b): ctx
            for a, b, ctx in c.execute(
                "SELECT format_type(castsource, NULL), format_type(casttarget, NULL), castcontext::text FROM pg_cast"
            )
        }
    strings = {"text", "character varying", "character"}
    for a in types:
        for b in types:
            if a == b:
                continue
            pg = rows.get((a, b)) in ("a", "i") or b in strings  # I/O conversion to a string is an assignment
            assert assignment_cast(a, b) == pg, (a, b, rows.get((a, b)))


# -- items 3 and 4: the issue's plan: rename + type change + DROP COLUMN + UNIQUE index --------------------------
ISSUE_A = """CREATE TABLE items (id int PRIMARY KEY, code text, name text, note text);
INSERT INTO items SELECT g, 'code' || (g % 5), repeat('x', g), 'n' FROM generate_series(1, 20) g;
CREATE TABLE old_log (id int);
INSERT INTO old_log VALUES (1), (2), (3);
"""
ISSUE_B = """CREATE TABLE items (id int PRIMARY KEY, sku varchar(10), name varchar(5));
CREATE UNIQUE INDEX items_sku_key ON items (sku);
"""


def test_issue_plan_counts_refuses_and_changes_nothing(tmp_path, db):
    fresh(db, ISSUE_A)
    (tmp_path / "b.sql").write_text(ISSUE_B)
    before = state(db)
    args = ["schema", "migrate", str(tmp_path / "b.sql"), db, "--rename", "items.code:sku"]
    r = run_cli(*args, "--preview", "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    counted = {c["kind"]: c["count"] for s in data["statements"] for c in s["checks"]}
    # name longer than 5; note's values; sku duplicates; old_log's rows
    assert counted == {"not-fit": 15, "values-lost": 20, "duplicates": 15, "rows-lost": 3}
    assert data["prechecks_fail"]
    r = run_cli(*args, "--apply")
    assert r.returncode == 3  # refused: the counts say what would be cut and deleted
    assert "15 value(s) of public.items.name do not fit character varying(5)" in r.stderr
    assert "20 non-null value(s) in public.items.note are deleted" in r.stderr
    assert "3 row(s) of public.old_log are deleted" in r.stderr
    r = run_cli(*args, "--apply", "--unsafe", "--no-verify")
    assert r.returncode == 1
    assert "nothing was changed" in r.stderr and "15 duplicate row(s)" in r.stderr
    assert state(db) == before


def test_prechecks_count_violations_orphans_nulls_and_rows(tmp_path, db):
    from aishell.migrate.prechecks import count_checks

    fresh(
        db,
        "CREATE TABLE authors (id int PRIMARY KEY);\nINSERT INTO authors VALUES (1);\n"
        "CREATE TABLE books (id int PRIMARY KEY, author_id int, price numeric, title text);\n"
        "INSERT INTO books VALUES (1, 1, 5, 'a'), (2, 7, -1, NULL), (3, 8, -2, 'c');",
    )
    plan = plan_for(
        tmp_path,
        db,
        "CREATE TABLE authors (id int PRIMARY KEY);\n"
        "CREATE TABLE books (id int PRIMARY KEY, author_id int REFERENCES authors (id), "
        "price numeric CHECK (price >= 0), title text NOT NULL, isbn text NOT NULL);",
    )
    counts = {c.check.kind: c.count for c in count_checks(plan, db)}
    assert counts == {"orphans": 2, "violations": 2, "nulls": 1, "rows": 3}
    before = state(db)
    with pytest.raises(MigrationFailed, match="aishell pre-check failed") as exc:
        execute_plan(plan, db)  # the plan's first statement counts them again and stops
    assert "2 row(s) reference nothing under foreign key" in exc.value.report.error
    assert state(db) == before


def test_a_failing_transaction_changes_nothing(tmp_path, db):
    """Without any pre-check, the plan's transactional statements still commit together or not at all."""
    fresh(db, ISSUE_A)
    plan = plan_for(tmp_path, db, ISSUE_B, renames=("items.code:sku",))
    plan.statements = [s for s in plan.statements if not s.description.startswith("pre-checks")]
    tx = plan.groups()[0]
    assert tx[0] and any(
        "DROP COLUMN note" in s.sql for s in tx[1]
    )  # the drop comes before the failing ALTER
    before = state(db)
    with pytest.raises(MigrationFailed, match="nothing was changed") as exc:
        execute_plan(plan, db)
    assert not exc.value.report.applied and "too long" in exc.value.report.error
    assert state(db) == before


def test_failed_concurrent_build_drops_its_invalid_index(tmp_path, db):
    fresh(db, ISSUE_A)
    # Without its pre-check (rows may change between the count and the build), the build itself fails.
    plan = plan_for(
        tmp_path,
        db,
        "CREATE TABLE items (id int PRIMARY KEY, code text, name text, note text, "
        "extra int);\nCREATE UNIQUE INDEX items_lower_code ON items (lower(code));\nCREATE TABLE old_log (id int);",
    )
    plan.statements = [s for s in plan.statements if not s.description.startswith("pre-checks")]
    with pytest.raises(MigrationFailed, match="items_lower_code") as exc:
        execute_plan(plan, db)
    report = exc.value.report
    assert [s.sql for s in report.applied] == [
        next(s.sql for s in plan.statements if "ADD COLUMN extra" in s.sql)
    ]
    assert report.dropped_invalid and report.dropped_invalid[0].startswith("items_lower_code")
    with psycopg.connect(db) as c:
        assert (
            c.execute("SELECT count(*) FROM pg_class WHERE relname = 'items_lower_code'").fetchone()[0] == 0
        )


def test_unique_expression_index_duplicates_are_counted_before_any_change(tmp_path, db):
    fresh(db, ISSUE_A)
    plan = plan_for(
        tmp_path,
        db,
        "CREATE TABLE items (id int PRIMARY KEY, code text, name text, note text, extra int);\n"
        "CREATE UNIQUE INDEX items_lower_code ON items (lower(code)) WHERE note = 'n';\n"
        "CREATE TABLE old_log (id int);",
    )
    build = next(s for s in plan.statements if s.sql.startswith("CREATE UNIQUE INDEX"))
    assert [c.kind for c in build.checks] == ["duplicates"]
    before = state(db)
    with pytest.raises(MigrationFailed, match="nothing was changed") as exc:
        execute_plan(plan, db)
    # 20 rows over 5 codes: 15 beyond the first of each key
    assert "15 duplicate row(s)" in exc.value.report.error
    assert state(db) == before


def test_online_statements_wait_for_one_transaction(tmp_path, db):
    """Stages: one transaction, the builds and validations, then what needs them (USING INDEX, SET NOT NULL)."""
    fresh(
        db,
        "CREATE TABLE a (id int PRIMARY KEY, code text, x int);\n"
        "CREATE TABLE b (id int PRIMARY KEY, a_code text, y int);\nCREATE INDEX b_y ON b (y);",
    )
    plan = plan_for(
        tmp_path,
        db,
        "CREATE TABLE a (id int PRIMARY KEY, code text UNIQUE, x int NOT NULL, z int);\n"
        "CREATE TABLE b (id int PRIMARY KEY, a_code text REFERENCES a (code), y int, w int);\n"
        "CREATE INDEX b_w ON b (w);",
    )
    groups = plan.groups()
    # one transaction; VALIDATE and the index builds; one transaction for what needs them; then the
    # validation of the foreign key that transaction added
    assert [tx for tx, _ in groups] == [True, False, False, False, True, False]
    first, second = groups[0][1], groups[4][1]
    assert any("ADD COLUMN z" in s.sql for s in first) and any("ADD COLUMN w" in s.sql for s in first)
    assert any(
        s.sql == "DROP INDEX IF EXISTS public.b_y" for s in first
    )  # in the transaction: a failure keeps it
    assert any("USING INDEX" in s.sql for s in second) and any("SET NOT NULL" in s.sql for s in second)
    assert any("FOREIGN KEY" in s.sql for s in second)  # it needs the unique key built online
    assert "VALIDATE CONSTRAINT b_a_code_fkey" in groups[5][1][0].sql
    execute_plan(plan, db)
    with psycopg.connect(db) as c:
        assert c.execute("SELECT bool_and(indisvalid) FROM pg_index").fetchone()[0]
        assert c.execute("SELECT count(*) FROM pg_constraint WHERE contype = 'f'").fetchone()[0] == 1


# -- item 7: INVALID indexes --------------------------------------------------------------------------------
INVALID = """CREATE TABLE t (id int PRIMARY KEY, a int, b int);
INSERT INTO t SELECT g, g % 3, g FROM generate_series(1, 30) g;
"""


def _make_invalid(conninfo: str) -> None:
    with psycopg.connect(conninfo, autocommit=True) as c:
        with pytest.raises(psycopg.errors.UniqueViolation):
            c.execute("CREATE UNIQUE INDEX CONCURRENTLY t_a_key ON t (a)")
        assert c.execute(
            "SELECT NOT indisvalid FROM pg_index WHERE indexrelid = 't_a_key'::regclass"
        ).fetchone()[0]


def test_invalid_index_is_rebuilt_by_migrate_and_fix(tmp_path, db):
    fresh(db, INVALID)
    _make_invalid(db)
    r = run_cli("schema", "inspect", db)
    assert "1 INVALID index" in r.stdout and "t_a_key" in r.stdout
    # fix's dry run rehearses REINDEX on a copy that pg_dump made without the INVALID index
    r = run_cli("schema", "fix", "--database", db, "--rule", "invalid-index", "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["rehearsal"]["ok"]
    (tmp_path / "s.sql").write_text(
        "CREATE TABLE t (id int PRIMARY KEY, a int, b int, c text);\nCREATE UNIQUE INDEX t_a_key ON t (a);\n"
    )
    r = run_cli("schema", "migrate", str(tmp_path / "s.sql"), db, "--preview")
    assert r.returncode == 0, r.stderr  # verified: no "bug in aishell"
    assert "DROP INDEX IF EXISTS public.t_a_key" in r.stdout and "27 duplicate row(s)" in r.stdout
    with psycopg.connect(db, autocommit=True) as c:
        c.execute("UPDATE t SET a = id")
    r = run_cli("schema", "migrate", str(tmp_path / "s.sql"), db, "--apply")
    assert r.returncode == 0, r.stderr
    with psycopg.connect(db) as c:
        assert c.execute("SELECT indisvalid FROM pg_index WHERE indexrelid = 't_a_key'::regclass").fetchone()[
            0
        ]


def test_verification_failure_is_an_internal_error():
    from aishell.errors import EXIT_INTERNAL
    from aishell.migrate.compare import VerificationFailed

    assert VerificationFailed("x").exit_code == EXIT_INTERNAL == 70


# -- item 6: one run at a time ------------------------------------------------------------------------------
def test_second_run_waits_then_exits_75(tmp_path, db):
    fresh(db, "CREATE TABLE t (id int PRIMARY KEY);")
    (tmp_path / "s.sql").write_text("CREATE TABLE t (id int PRIMARY KEY, x int);\n")
    pause = tmp_path / "pause"
    first = start_paused(
        ["schema", "migrate", str(tmp_path / "s.sql"), db, "--apply", "--no-verify"], "locked", pause
    )
    try:
        r = run_cli(
            "schema", "migrate", str(tmp_path / "s.sql"), db, "--apply", "--no-verify", "--wait", "0.5s"
        )
        assert r.returncode == 75
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and "another aishell run is changing database" in lines[0]
        assert "aishell migrate --apply" in lines[0]  # the holder, by its application_name
        (tmp_path / "migrations").mkdir()
        r = run_cli("schema", "version", "apply", "--database", db, "--wait", "0", cwd=tmp_path)
        assert r.returncode == 75  # the same lock for every command that changes the database
        r = run_cli("schema", "version", "init", "--database", db, "--wait", "0", cwd=tmp_path)
        assert r.returncode == 75, r.stderr  # a baseline is not read while the schema changes
        with psycopg.connect(db) as c:
            assert c.execute("SELECT to_regclass('aishell_schema_versions')").fetchone()[0] is None
        r = run_cli("schema", "fix", "--database", db, "--apply-all", "--wait", "0", cwd=tmp_path)
        assert r.returncode == 75
    finally:
        rc, _, err = release(first, pause)
    assert rc == 0, err
    r = run_cli("schema", "migrate", str(tmp_path / "s.sql"), db, "--apply", "--no-verify", "--wait", "x")
    assert r.returncode == 1 and "invalid --wait" in r.stderr


def test_a_killed_holder_releases_the_lock(tmp_path, db):
    fresh(db, "CREATE TABLE t (id int PRIMARY KEY);")
    (tmp_path / "s.sql").write_text("CREATE TABLE t (id int PRIMARY KEY, x int);\n")
    pause = tmp_path / "pause"
    first = start_paused(
        ["schema", "migrate", str(tmp_path / "s.sql"), db, "--apply", "--no-verify"], "locked", pause
    )
    rc, _, _ = stop(first, signal.SIGKILL)
    assert rc == -signal.SIGKILL
    r = run_cli("schema", "migrate", str(tmp_path / "s.sql"), db, "--apply", "--no-verify", "--wait", "10s")
    assert r.returncode == 0, r.stderr


def test_a_migration_file_in_steps():
    """How `version apply` cuts a file: blocks, lone statements (in a transaction where they may be),
    session settings apart."""
    from aishell.migrate.runfile import file_items

    text = """SET lock_timeout = '5s';
BEGIN;
ALTER TABLE t ADD COLUMN a int;
SET statement_timeout = '30min';
ALTER TABLE t ADD COLUMN b int;
COMMIT;
-- runs outside a transaction block
CREATE INDEX CONCURRENTLY IF NOT EXISTS t_a ON t (a);
ALTER TABLE t ADD COLUMN c int;
VACUUM t;
"""
    items = file_items(text)
    assert [k for k, _ in items] == ["set", "step", "step", "step", "step"]
    steps = [x for k, x in items if k == "step"]
    assert [len(s.statements) for s in steps] == [3, 1, 1, 1]
    assert [s.transactional for s in steps] == [True, False, True, False]


def test_integer_conversions_that_can_lose_digits_are_narrowing():
    from aishell.diff.hazards import classify_type_change

    assert not classify_type_change("bigint", "double precision")[0]  # exact only up to 2^53
    assert not classify_type_change("integer", "numeric(5,0)")[0]
    assert classify_type_change("integer", "double precision")[0] and classify_type_change("integer", "numeric")[0]
