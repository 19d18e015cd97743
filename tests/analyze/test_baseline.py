"""Issue 13 item 4: counter rules judge the scans since a baseline (what fix's re-analysis does), so
"Tables Read by Sequential Scans" does not outlive the index that ends the scans."""

from __future__ import annotations

import psycopg

from tests.analyze.test_safety import _scan_counters


def _scans(conninfo: str, n: int, *, seq: bool) -> None:
    with psycopg.connect(conninfo, autocommit=True) as c:
        c.execute(f"SET enable_seqscan = {'on' if seq else 'off'}")
        c.execute(f"SET enable_indexscan = {'off' if seq else 'on'}")
        c.execute(f"SET enable_bitmapscan = {'off' if seq else 'on'}")
        for i in range(n):
            c.execute("SELECT count(*) FROM readings WHERE sensor = %s", (i % 50,))


def test_sequential_scans_are_judged_since_the_baseline(scratch_db):
    from aishell.analyze import AnalyzeOptions, analyze

    with psycopg.connect(scratch_db, autocommit=True) as c:
        c.execute("CREATE TABLE readings (id bigint PRIMARY KEY, sensor int NOT NULL, v real NOT NULL);"
                  "INSERT INTO readings SELECT g, g % 50, g FROM generate_series(1, 5000) g; ANALYZE readings")
    _scans(scratch_db, 150, seq=True)
    _scan_counters(scratch_db)  # settled
    opts = AnalyzeOptions(rules=["seq-scan-heavy-table"])
    first = analyze(scratch_db, opts)
    assert [f.table for f in first.findings] == ["public.readings"]
    assert first.findings[0].value("seq_scans") >= 150

    # the fix: an index; no traffic since: too little evidence to judge, said in a note
    with psycopg.connect(scratch_db, autocommit=True) as c:
        c.execute("CREATE INDEX readings_sensor ON readings (sensor)")
    _scan_counters(scratch_db)
    base = AnalyzeOptions(rules=["seq-scan-heavy-table"], baseline=first.counters)
    quiet = analyze(scratch_db, base)
    assert quiet.findings == []
    assert any(n.startswith("seq-scan-heavy-table: insufficient evidence") for n in quiet.notes)
    assert analyze(scratch_db, opts).findings  # without the baseline the old scans still count

    # traffic after the fix uses the index: judged on the scans since the baseline, nothing to report
    _scans(scratch_db, 120, seq=False)
    _scan_counters(scratch_db)
    after = analyze(scratch_db, base)
    assert after.findings == [] and not any("insufficient" in n for n in after.notes)
    # and scans that stay sequential after the baseline are reported on their own count
    _scans(scratch_db, 130, seq=True)
    _scan_counters(scratch_db)
    again = analyze(scratch_db, base)
    assert [f.table for f in again.findings] == ["public.readings"]
    f = again.findings[0]
    assert f.value("seq_scans") >= 130 and f.value("index_scans") >= 120  # (+1: the index build read it)
    assert "since the baseline" in next(e.source for e in f.evidence if e.name == "seq_scans")
