"""Issue 13 item 12: precision on a well-designed schema (tests/analyze/fixtures/welldesigned.sql, written
for these tests in the style of a large open-source music database: a real one cannot be vendored).

Link tables with role-numbered entity0/entity1 columns, ISO-code natural keys, most tables empty and
statistics minutes old: a reviewer would strike every finding the analyzer used to report here (38
warnings: 37 "repeating groups" and a bigint key for ISO 3166-2), so the report has none, at most an
"insufficient evidence" note, and the score says what it rests on."""

from __future__ import annotations

import psycopg
import pytest

from tests.analyze.conftest import FIXTURES, load_sql


@pytest.fixture(scope="module")
def well_designed(pg_server):
    from aishell.analyze import AnalyzeOptions, analyze

    with pg_server.temporary_database(prefix="aishell_test_welldesigned_") as conninfo:
        load_sql(pg_server, conninfo, FIXTURES / "welldesigned.sql")
        with psycopg.connect(conninfo, autocommit=True) as c:
            c.execute("ANALYZE")
        yield analyze(conninfo, AnalyzeOptions())


def test_a_well_designed_schema_gets_no_finding_a_reviewer_would_strike(well_designed):
    rep = well_designed
    assert [f.message for f in rep.findings] == []
    assert rep.scores["score"] >= 90 and rep.scores["label"] == "Excellent"
    assert rep.statistics["tables"]["value"] == 60


def test_the_score_says_what_it_rests_on(well_designed):
    ev = well_designed.scores["evidence"]
    assert ev["live"] and ev["tables"] == 60 and ev["tables_with_rows"] == 9
    assert ev["stats_window_hours"] >= 0 and ev["not_judged"] == {"unused-index": 8}
    assert "data in 9 of 60 table(s)" in ev["text"] and "not judged for lack of evidence" in ev["text"]
    note = next(n for n in well_designed.notes if n.startswith("unused-index"))
    assert "insufficient evidence" in note and "8 on tables under 1,000 rows" in note


def test_the_same_schema_as_sql_scores_on_structure_only():
    from aishell.analyze import AnalyzeOptions, analyze

    rep = analyze(str(FIXTURES / "welldesigned.sql"), AnalyzeOptions())
    assert rep.findings == [] and rep.scores["score"] == 100
    assert "not a live database" in rep.scores["evidence"]["text"]
