"""The migra-style round trip for one fixture case, shared by the fixture tests and the benchmark.

For ``tests/fixtures/diff/<case>/{a.sql,b.sql}`` (and optional ``renames.txt``, one OLD:NEW a line):
load ``b`` and record its model and ``pg_dump --schema-only``; load ``a`` in the same database (after
a reset) and record the same; plan a → b, apply it, and require an empty diff and an equal dump (column
order aside); then apply the reversed plan and require the original back.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from aishell.dialects.postgres.connect import connect
from aishell.dialects.postgres.inspect import inspect as _inspect
from aishell.diff import build_plan, diff_schemas
from aishell.diff.normalize import loose_expr
from aishell.migrate.execute import execute_plan
from aishell.sources import run_sql_text

CASES_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "diff"


def inspect(conninfo: str):
    return _inspect(conninfo, include_stats=False)  # statistics play no part in a diff


def case_names() -> list[str]:
    return sorted(p.name for p in CASES_DIR.iterdir() if (p / "a.sql").exists())


def reset_database(conninfo: str) -> None:
    with connect(conninfo, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'"
        ).fetchall()
        for (n,) in rows:
            conn.execute(f'DROP SCHEMA "{n}" CASCADE')
        for (e,) in conn.execute("SELECT extname FROM pg_extension WHERE extname <> 'plpgsql'").fetchall():
            conn.execute(f'DROP EXTENSION IF EXISTS "{e}" CASCADE')
        # Database-wide objects a case may leave: event triggers, replication, foreign data, default
        # privileges (those of and for the fixture role).
        for (e,) in conn.execute("SELECT evtname FROM pg_event_trigger").fetchall():
            conn.execute(f'DROP EVENT TRIGGER "{e}"')
        for (p,) in conn.execute("SELECT pubname FROM pg_publication").fetchall():
            conn.execute(f'DROP PUBLICATION "{p}"')
        for (sub,) in conn.execute("SELECT subname FROM pg_subscription s JOIN pg_database d ON d.oid = s.subdbid"
                                   " WHERE d.datname = current_database()").fetchall():
            conn.execute(f'ALTER SUBSCRIPTION "{sub}" DISABLE')
            conn.execute(f'ALTER SUBSCRIPTION "{sub}" SET (slot_name = NONE)')
            conn.execute(f'DROP SUBSCRIPTION "{sub}"')
        for (w,) in conn.execute("SELECT fdwname FROM pg_foreign_data_wrapper").fetchall():
            conn.execute(f'DROP FOREIGN DATA WRAPPER "{w}" CASCADE')
        if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = 'aishell_fixture_reader'").fetchone():
            conn.execute("DROP OWNED BY aishell_fixture_reader")
        # As initdb makes it on PostgreSQL 15 and later.
        conn.execute("CREATE SCHEMA public AUTHORIZATION pg_database_owner")
        conn.execute("GRANT USAGE ON SCHEMA public TO PUBLIC")
        conn.execute("COMMENT ON SCHEMA public IS 'standard public schema'")


_CREATE_TABLE = re.compile(r"^CREATE (?:UNLOGGED )?TABLE [^\n]*\($", re.MULTILINE)


def normalise(dump: str) -> str:
    """The dump with column order inside CREATE TABLE blocks ignored, and the random keys removed."""
    dump = re.sub(r"^\\(un)?restrict \S+$", "", dump, flags=re.MULTILINE)
    # PostgreSQL 18 names NOT NULL constraints; how a column came to be NOT NULL (a PRIMARY KEY, a
    # partition, a rename) changes the name it prints, and the model does not carry it.
    dump = re.sub(r" CONSTRAINT \S+ NOT NULL", " NOT NULL", dump)
    # A CHECK over a varchar IN-list deparses as ``(ARRAY['a'::varchar])::text[]`` when written by hand
    # and as ``ARRAY[('a'::varchar)::text]`` when created from that deparsed text: the same check.
    dump = re.sub(r"(CHECK )(.*)$", lambda m: m.group(1) + loose_expr(m.group(2)), dump, flags=re.MULTILINE)
    out: list[str] = []
    lines = dump.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        out.append(line)
        i += 1
        if _CREATE_TABLE.match(line):
            block = []
            while i < len(lines) and not lines[i].startswith(")"):
                block.append(lines[i].rstrip(","))
                i += 1
            out.extend(sorted(block))
    return "\n".join(out)


class _Dump:
    """``pg_dump --schema-only`` started in the background, so it overlaps with introspection."""

    def __init__(self, server, conninfo: str):
        self.proc = subprocess.Popen([str(server.bin("pg_dump")), "--schema-only", "--no-password", "-d", conninfo],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def text(self) -> str:
        out, err = self.proc.communicate(timeout=300)
        if self.proc.returncode != 0:
            raise RuntimeError(f"pg_dump failed: {err.decode(errors='replace')[:500]}")
        return normalise(out.decode())


@dataclass
class CaseResult:
    up_sql: str = ""
    down_sql: str = ""
    problems: list[str] = field(default_factory=list)


def run_case(server, conninfo: str, case: str, *, dump_down: bool = True) -> CaseResult:
    """Run one case; ``dump_down`` also compares pg_dump after the down migration (not only the model)."""
    d = CASES_DIR / case
    renames = []
    if (d / "renames.txt").exists():
        renames = [x.strip() for x in (d / "renames.txt").read_text().splitlines() if x.strip()]
    return run_pair(server, conninfo, (d / "a.sql").read_text(), (d / "b.sql").read_text(), renames,
                    dump_down=dump_down, label=case)


def run_pair(server, conninfo: str, a_sql: str, b_sql: str, renames: list[str] | None = None, *,
             dump_down: bool = True, label: str = "case") -> CaseResult:
    renames = renames or []
    psql = server.bin("psql")
    res = CaseResult()
    run_sql_text(conninfo, b_sql, psql, label=f"{label}/b.sql")
    dump = _Dump(server, conninfo)
    b_model = inspect(conninfo)
    b_dump = dump.text()
    reset_database(conninfo)
    run_sql_text(conninfo, a_sql, psql, label=f"{label}/a.sql")
    dump = _Dump(server, conninfo) if dump_down else None
    a_model = inspect(conninfo)
    a_dump = dump.text() if dump else ""

    cs = diff_schemas(a_model, b_model, renames)
    if not cs.changes:
        res.problems.append("no changes found between a and b")
    up = build_plan(cs, a_model, b_model)
    res.up_sql = up.sql()
    execute_plan(up, conninfo)
    dump = _Dump(server, conninfo)
    after = inspect(conninfo)
    left = diff_schemas(after, b_model)
    if left.changes:
        res.problems.append("after up, still different: " + "; ".join(c.describe() for c in left.changes))
    got = dump.text()
    if got != b_dump:
        res.problems.append("after up, pg_dump differs from b:\n" + _dump_diff(b_dump, got))

    down = build_plan(cs.reverse(), b_model, a_model)
    res.down_sql = down.sql()
    execute_plan(down, conninfo)
    dump = _Dump(server, conninfo) if dump_down else None
    back = inspect(conninfo)
    left = diff_schemas(back, a_model)
    if left.changes:
        res.problems.append("after down, still different: " + "; ".join(c.describe() for c in left.changes))
    got = dump.text() if dump else ""
    if got != a_dump:
        res.problems.append("after down, pg_dump differs from a:\n" + _dump_diff(a_dump, got))
    return res


def _dump_diff(want: str, got: str) -> str:
    import difflib

    lines = difflib.unified_diff(want.splitlines(), got.splitlines(), "expected", "got", lineterm="", n=1)
    return "\n".join(list(lines)[:60])
