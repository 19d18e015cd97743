"""The executor on its own: a step applies fully or leaves nothing, with the reason."""

from __future__ import annotations

import psycopg

from aishell.analyze.findings import Finding, Fix
from aishell.fix.execute import apply_steps
from aishell.fix.plan import build_plan


def _plan(*sqls: list[str]):
    findings = [Finding("x-rule", "warning", "public.t", f"finding {i}", fix=Fix(list(s)))
                for i, s in enumerate(sqls)]
    return build_plan(findings, priorities=["warning"]).steps


def _state(conninfo):
    with psycopg.connect(conninfo) as c:
        return (sorted(r[0] for r in c.execute("SELECT conname FROM pg_constraint WHERE conrelid = 't'::regclass")),
                sorted(r[0] for r in c.execute("SELECT indexrelid::regclass::text FROM pg_index "
                                                "WHERE indrelid = 't'::regclass")),
                c.execute("SELECT attnotnull FROM pg_attribute WHERE attrelid = 't'::regclass "
                          "AND attname = 'a'").fetchone()[0])


def test_failures_undo_their_step(scratch_db):
    with psycopg.connect(scratch_db, autocommit=True) as c:
        c.execute("CREATE TABLE t (a int, b int); INSERT INTO t SELECT g % 7 - 1, g % 3 FROM generate_series(1, 70) g")
    before = _state(scratch_db)
    steps = _plan(
        # NOT NULL holds (no NULLs) but the CHECK after it in the same step does not: both undone
        ["ALTER TABLE public.t ALTER COLUMN a SET NOT NULL;",
         "ALTER TABLE public.t ADD CONSTRAINT c_pos CHECK (a >= 0) NOT VALID;",
         "ALTER TABLE public.t VALIDATE CONSTRAINT c_pos;"],
        # a unique CONCURRENTLY build over duplicates leaves an INVALID index: dropped
        ["CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS t_b_key ON public.t (b);"],
        ["CREATE INDEX CONCURRENTLY IF NOT EXISTS t_b_idx ON public.t (b);"],
    )
    res = apply_steps(scratch_db, steps, lock_timeout="1s", statement_timeout="30s")
    r1, r2, r3 = (res[s.number] for s in steps)
    assert r1.status == "skipped" and r1.violating_rows == 10 and "violate constraint c_pos" in r1.reason
    assert any("DROP CONSTRAINT IF EXISTS c_pos" in u for u in r1.undone)
    assert any("DROP NOT NULL" in u for u in r1.undone)
    assert r2.status == "skipped" and r2.violating_rows == 67 and "duplicate rows" in r2.reason
    assert any("INVALID index the failed build left" in u for u in r2.undone)
    assert r3.status == "applied" and r3.seconds > 0
    cons, idx, notnull = _state(scratch_db)
    assert cons == before[0] and idx == ["t_b_idx"] and notnull is False


def test_lock_timeout_fails_the_step(scratch_db):
    with psycopg.connect(scratch_db, autocommit=True) as c:
        c.execute("CREATE TABLE t (a int)")
    steps = _plan(["ALTER TABLE public.t ADD CONSTRAINT c_pos CHECK (a >= 0) NOT VALID;"])
    with psycopg.connect(scratch_db) as holder:
        holder.execute("LOCK TABLE t IN ACCESS SHARE MODE")
        res = apply_steps(scratch_db, steps, lock_timeout="200ms", statement_timeout="30s")
    r = res[steps[0].number]
    assert r.status == "failed" and "lock_timeout (200ms)" in r.reason
    assert _state(scratch_db)[0] == []


def test_dropped_index_definition_is_kept(scratch_db):
    with psycopg.connect(scratch_db, autocommit=True) as c:
        c.execute("CREATE TABLE t (a int); CREATE INDEX t_a_idx ON t (a)")
    steps = _plan(["DROP INDEX CONCURRENTLY IF EXISTS public.t_a_idx;"])
    r = apply_steps(scratch_db, steps, lock_timeout="1s", statement_timeout="30s")[steps[0].number]
    assert r.status == "applied"
    assert r.statements[0]["recreate"] == "CREATE INDEX t_a_idx ON public.t USING btree (a);"
