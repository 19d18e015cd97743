"""Verification compares views the way PostgreSQL executes them: two texts of one query tree (aliases
PostgreSQL adds when it deparses again) are the same view; a different query is not."""

from __future__ import annotations

from aishell.diff import changes as ch
from aishell.migrate.compare import same_views_dropped
from aishell.model import View
from aishell.sources import run_sql_text


def test_same_query_tree_is_not_a_difference(sandbox):
    with sandbox.temporary_database(prefix="aishell_test_views_") as conninfo:
        run_sql_text(conninfo, "CREATE TABLE public.a (id integer, n integer);", sandbox.bin("psql"))
        plain = View(name="v", definition="SELECT id, NULL::integer FROM public.a UNION SELECT id, n FROM public.a")
        aliased = View(name="v", definition=" SELECT a.id,\n    NULL::integer AS int4\n   FROM public.a\n"
                                             "UNION\n SELECT a.id,\n    a.n AS int4\n   FROM public.a;")
        other = View(name="v", definition="SELECT id, n FROM public.a UNION SELECT id, NULL FROM public.a")
        same = ch.AlterView(old=aliased, new=plain)
        different = ch.AlterView(old=aliased, new=other)
        assert same_views_dropped(conninfo, [same, different]) == [different]
