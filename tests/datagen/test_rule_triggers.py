"""Test data for tables carrying a design's rule triggers, loaded with the triggers enabled: "between 3 and
5 players" (a least checked at commit and a most checked per row), "at most 2 active loans", and "the
percentages of a fund add up to 100" (a sum checked at commit). Asserted on the loaded rows."""

from __future__ import annotations

import json

import pytest

from aishell.design import design
from aishell.model.serialize import dumps

TEXTS = {
    "squad": "Leagues run squads. Each player belongs to one squad and has a name. A squad has between 3 and 5 "
    "players.",
    "fund": "Funds have allocations. Each allocation belongs to one fund and has a percentage. The percentages "
    "of a fund must add up to 100.",
    "loans": "Members borrow books through loans. Each loan has a status (active, returned) and a due date. A "
    "member may have at most 2 active loans.",
}


def _q(conninfo: str, sql: str):
    from aishell.dialects.postgres.connect import connect

    with connect(conninfo) as conn:
        return conn.execute(sql).fetchall()


def _load(pg_server, tmp_path, text: str, total: int, seed: int = 3):
    from aishell.datagen.load import load_data, plan_data
    from aishell.datagen.volumes import load_hints
    from aishell.dialects.postgres.generate import generate
    from aishell.sources import run_sql_text

    d = design(text, validate=False)
    path = tmp_path / "design.json"
    path.write_text(dumps(d.schema), encoding="utf-8")
    ctx = pg_server.temporary_database(prefix="aishell_test_dg_")
    ci = ctx.__enter__()
    try:
        run_sql_text(ci, generate(d.schema), pg_server.bin("psql"), label="design")
        _schema, plans, existing, c = plan_data(ci, total, seed=seed, hints=load_hints(path))
        report = load_data(ci, plans, c, throwaway=True, existing=existing, total=total, disposable=True)
    except BaseException:
        ctx.__exit__(None, None, None)
        raise
    return ci, report, ctx, d


@pytest.fixture
def loaded(pg_server, tmp_path):
    opened = []

    def go(key: str, total: int = 3000):
        ci, report, ctx, d = _load(pg_server, tmp_path, TEXTS[key], total)
        opened.append(ctx)
        return ci, report, d

    yield go
    for ctx in opened:
        ctx.__exit__(None, None, None)


def _rule_triggers(d, table: str) -> list:
    t = next(t for t in d.schema.tables if t.name == table)
    return [tr for tr in t.triggers if tr.attrs.get("rule")]


def _enabled(ci: str, table: str) -> list:
    return _q(ci, f"SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = 'public.{table}'::regclass "
                  "AND NOT tgisinternal ORDER BY 1")


def test_a_least_and_a_most_per_parent(loaded):
    ci, report, d = loaded("squad")
    assert len(_rule_triggers(d, "players")) == 2  # the design states both bounds as triggers
    assert not [t for t in report.tables if t.skipped], [(t.table, t.skipped) for t in report.tables]
    assert report.counts["public.players"] > 100
    (lo, hi, groups, rows), = _q(ci, "SELECT min(n), max(n), count(*), sum(n) FROM "
                                     "(SELECT count(*) n FROM players GROUP BY squad_id) s")
    assert 3 <= lo and hi <= 5 and rows == report.counts["public.players"]
    assert lo < hi  # sizes vary within the bounds, not one fixed size
    (empty,), = _q(ci, "SELECT count(*) FROM squads s WHERE NOT EXISTS "
                       "(SELECT 1 FROM players p WHERE p.squad_id = s.id)")
    assert empty > 0  # an empty squad is allowed, and some are
    assert all(e == "O" for _n, e in _enabled(ci, "players"))


def test_amounts_add_up_exactly_per_parent(loaded):
    ci, report, d = loaded("fund")
    assert _rule_triggers(d, "allocations")
    assert not [t for t in report.tables if t.skipped], [(t.table, t.skipped) for t in report.tables]
    assert report.counts["public.allocations"] > 100
    bad = _q(ci, "SELECT fund_id, sum(percentage) FROM allocations GROUP BY fund_id HAVING sum(percentage) <> 100")
    assert bad == []
    (lines, lo), = _q(ci, "SELECT max(n), min(m) FROM (SELECT count(*) n, min(percentage) m FROM allocations "
                          "GROUP BY fund_id) s")
    assert lines > 1 and lo > 0  # several lines, each a positive share
    assert all(e == "O" for _n, e in _enabled(ci, "allocations"))


def test_at_most_n_per_parent(loaded):
    ci, report, d = loaded("loans")
    trig = _rule_triggers(d, "loans")
    assert trig and trig[0].attrs["max"] == 2
    assert not [t for t in report.tables if t.skipped], [(t.table, t.skipped) for t in report.tables]
    (active, n), = _q(ci, "SELECT max(k) FILTER (WHERE s = 'active'), sum(k) FROM "
                          "(SELECT count(*) k, status::text s FROM loans GROUP BY member_id, status) x")
    assert active == 2 and n == report.counts["public.loans"] and n > 100
    # only active loans count: a busy member has many loans, returned ones past the two
    (busiest,), = _q(ci, "SELECT max(k) FROM (SELECT count(*) k FROM loans GROUP BY member_id) s")
    assert busiest > 5
    (shares,), = _q(ci, "SELECT count(DISTINCT status) FROM loans")
    assert shares == 2
    assert all(e == "O" for _n, e in _enabled(ci, "loans"))


def test_design_records_what_the_rule_needs():
    d = design(TEXTS["fund"], validate=False)
    (tr,) = _rule_triggers(d, "allocations")
    assert tr.attrs["per"] == ["fund_id"] and tr.attrs["amount"] == "percentage" and tr.attrs["total"] == 100
    doc = json.loads(dumps(d.schema))  # and the design file keeps it for schema test
    t = next(t for t in doc["tables"] if t["name"] == "allocations")
    assert any(tr.get("attrs", {}).get("amount") == "percentage" for tr in t["triggers"])


@pytest.mark.parametrize("rule", ["at most 2 planned matches", "at most 3 matches"])
def test_at_most_n_in_either_of_two_roles(pg_server, tmp_path, rule):
    text = ("The club pairs 2 players into a match. Players have a name. Players can't be matched with "
            f"themselves. A match has a status (planned, played). A player can be in {rule}.")
    ci, report, ctx, d = _load(pg_server, tmp_path, text, 3000)
    try:
        (tr,) = _rule_triggers(d, "matches")
        assert tr.attrs.get("any_role") and len(tr.attrs["per"]) == 2
        a, b = tr.attrs["per"]
        assert not [t for t in report.tables if t.skipped], [(t.table, t.skipped) for t in report.tables]
        assert report.counts["public.matches"] >= 20  # players are few (a lookup-like table): 3 each at most
        where = "WHERE status = 'planned'" if "planned" in rule else ""
        (most,), = _q(ci, f"SELECT max(k) FROM (SELECT x, count(*) k FROM (SELECT {a} x FROM matches {where} "
                          f"UNION ALL SELECT {b} FROM matches {where}) s GROUP BY x) t")
        assert most == (2 if "planned" in rule else 3)
        assert _q(ci, f"SELECT count(*) FROM matches WHERE {a} = {b}")[0][0] == 0
        assert all(e == "O" for _n, e in _enabled(ci, "matches"))
    finally:
        ctx.__exit__(None, None, None)


def test_schema_test_on_the_current_design(tmp_path):
    from tests.conftest import run_cli

    r = run_cli("schema", "design", TEXTS["squad"], "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    r = run_cli("schema", "test", "--data-size", "2000", "--seed", "2", "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert not [t for t in out["tables"] if t["skipped"]]
    assert out["counts"]["public.players"] > 100


def test_a_rule_it_cannot_lay_out_is_skipped_with_its_reason(pg_server, tmp_path):
    from pathlib import Path

    from aishell.datagen.load import load_data, plan_data
    from aishell.datagen.volumes import load_hints
    from aishell.dialects.postgres.generate import generate
    from aishell.sources import run_sql_text

    replay = Path(__file__).parents[1] / "design" / "replay" / "dev" / "ledger.json"
    d = design(json.loads(replay.read_text())["text"], llm=f"replay:{replay}", validate=False)
    (tr,) = [tr for tr in _rule_triggers(d, "journal_lines") if tr.attrs["rule"] == "balanced"]
    assert tr.attrs.get("debit")  # debits equal credits per entry: not laid out yet
    path = tmp_path / "design.json"
    path.write_text(dumps(d.schema), encoding="utf-8")
    with pg_server.temporary_database(prefix="aishell_test_dg_") as ci:
        run_sql_text(ci, generate(d.schema), pg_server.bin("psql"), label="design")
        _s, plans, existing, c = plan_data(ci, 2000, seed=1, hints=load_hints(path))
        report = load_data(ci, plans, c, throwaway=True, existing=existing, total=2000, disposable=True)
        skipped = {t.table: t.skipped for t in report.tables if t.skipped}
        assert "debit/credit balance" in skipped["public.journal_lines"]
        assert _q(ci, "SELECT count(*) FROM journal_entries")[0][0] > 0  # the rest is filled
        assert all(e == "O" for _n, e in _enabled(ci, "journal_lines"))  # the rule stays
