"""Issue 13 item 9: the partitioning DDL of a finding runs as written and moves every row."""

from __future__ import annotations

import psycopg

from tests.analyze.conftest import by_rule

SHOP = """
CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL UNIQUE);
INSERT INTO users (email) SELECT 'u' || g || '@example.com' FROM generate_series(1, 50) g;
CREATE TABLE events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users(id),
    kind text NOT NULL CHECK (kind <> ''),
    created_at timestamptz NOT NULL DEFAULT now(),
    size int GENERATED ALWAYS AS (length(kind)) STORED
);
CREATE INDEX events_user_id ON events (user_id);
CREATE INDEX events_kind_created ON events (kind, created_at) WHERE kind <> 'noise';
INSERT INTO events (user_id, kind, created_at)
SELECT 1 + g % 50, (ARRAY['click', 'view', 'noise'])[1 + g % 3], timestamptz '2024-01-15' + g * interval '1 hour'
FROM generate_series(1, 3000) g;
CREATE TABLE event_notes (id int PRIMARY KEY, event_id bigint REFERENCES events(id));
ANALYZE;
"""


def test_partitioning_ddl_runs_and_moves_every_row(scratch_db):
    from aishell.analyze import AnalyzeOptions, analyze

    with psycopg.connect(scratch_db, autocommit=True) as c:
        c.execute(SHOP)
    rep = analyze(scratch_db, AnalyzeOptions(rules=["partitioning-opportunity"],
                                            thresholds={"partition_min_rows": 1000}))
    found = [f for f in by_rule(rep, "partitioning-opportunity") if f.table == "public.events"]
    assert len(found) == 1 and found[0].columns == ["created_at"]
    f = found[0]
    assert f.attrs["details"]["oldest"].startswith("2024-01-15")
    sql = f.fix.sql
    assert sql[0].startswith("CREATE TABLE public.events_partitioned (LIKE public.events ")
    assert "ALTER TABLE public.events_partitioned ADD PRIMARY KEY (id, created_at);" in sql
    assert any("event_notes(event_id) references public.events" in n for n in f.fix.notes)
    with psycopg.connect(scratch_db, autocommit=True) as c:
        c.execute("ALTER TABLE event_notes DROP CONSTRAINT event_notes_event_id_fkey")  # as the note says
        before = c.execute("SELECT count(*), sum(id), sum(size) FROM events").fetchone()
        for stmt in sql:
            c.execute(stmt)
        assert c.execute("SELECT count(*), sum(id), sum(size) FROM events").fetchone() == before
        assert c.execute("SELECT relkind FROM pg_class WHERE oid = 'public.events'::regclass").fetchone()[0] == "p"
        parts = c.execute("SELECT count(*) FROM pg_inherits WHERE inhparent = 'public.events'::regclass").fetchone()[0]
        assert parts == 5 + 3 + 1  # January..May 2024, three ahead, DEFAULT
        # every row sits in its month's partition, none in DEFAULT
        assert c.execute("SELECT count(*) FROM events_default").fetchone()[0] == 0
        # the identity goes on where it was; the checks, the foreign key and the indexes came along
        new_id = c.execute("INSERT INTO events (user_id, kind) VALUES (1, 'click') RETURNING id").fetchone()[0]
        assert new_id == before[0] + 1
        kinds = {r[0] for r in c.execute("SELECT contype FROM pg_constraint WHERE conrelid = 'public.events'::regclass")}
        assert {"p", "f", "c"} <= kinds
        idx = c.execute("SELECT count(*) FROM pg_indexes WHERE tablename = 'events'").fetchone()[0]
        assert idx == 3  # the key and both indexes (the partial one with its predicate)
