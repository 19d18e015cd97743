"""schema test on tables carrying a design's count and sum triggers, against the same load with those
triggers dropped: ``python benchmarks/datagen_rules.py squad|fund|loans [ROWS]`` (default 100000).
The texts are those of tests/datagen/test_rule_triggers.py."""

import pathlib
import sys

# benchmarks/inspect.py would shadow the standard library's inspect: drop this directory from the path.
sys.path[:] = [p for p in sys.path if pathlib.Path(p or ".").resolve() != pathlib.Path(__file__).resolve().parent]
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

import tempfile  # noqa: E402
import time  # noqa: E402

from tests.datagen.test_rule_triggers import TEXTS  # noqa: E402
from aishell.design import design  # noqa: E402
from aishell.model.serialize import dumps  # noqa: E402
from aishell.datagen.load import load_data, plan_data  # noqa: E402
from aishell.datagen.volumes import load_hints  # noqa: E402
from aishell.dialects.postgres.generate import generate  # noqa: E402
from aishell.sources import run_sql_text  # noqa: E402
from aishell.dialects.postgres.connect import connect  # noqa: E402
from aishell.dialects.postgres.server import get_sandbox  # noqa: E402

box = get_sandbox(); box.ensure_running()
total = int(sys.argv[2]) if len(sys.argv) > 2 else 100000
key = sys.argv[1]
d = design(TEXTS[key], validate=False)
path = pathlib.Path(tempfile.mkdtemp()) / f'{key}.json'; path.write_text(dumps(d.schema))
rule_trg = [(t.name, tr.name) for t in d.schema.tables for tr in t.triggers if tr.attrs.get('rule')]
for mode in ("triggers", "no-triggers"):
    with box.temporary_database(prefix="aishell_bench_rules_") as ci:
        run_sql_text(ci, generate(d.schema), box.bin("psql"), label="design")
        if mode == "no-triggers":
            with connect(ci, autocommit=True) as c:
                for t, tr in rule_trg:
                    c.execute(f'DROP TRIGGER "{tr}" ON public."{t}"')
        _s, plans, ex, ctx = plan_data(ci, total, seed=5, hints=load_hints(path))
        t0 = time.perf_counter()
        r = load_data(ci, plans, ctx, throwaway=True, existing=ex, total=total, disposable=True)
        el = time.perf_counter() - t0
        print(mode, f"{el:.2f}s total", [(t.table, t.rows, round(t.seconds, 2), t.skipped) for t in r.tables])
