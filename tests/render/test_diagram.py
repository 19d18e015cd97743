"""ER diagrams: selection, the writers, the tools' own grammars, and the command line."""

from __future__ import annotations

import json
import re

import pytest

from aishell.render import erd
from aishell.render.simplify import simplified_info, simplify
from tests.conftest import run_cli
from tests.render.synthetic import shop_schema, synthetic_schema

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_graph_has_every_table_column_and_fk():
    s = shop_schema()
    g = erd.build_erd(s)
    assert {n.id for n in g.tables} == {t.qualified_name for t in s.tables}
    fks = {(t.qualified_name, fk.ref_schema + "." + fk.ref_table, tuple(fk.columns)) for t, fk in s.all_foreign_keys}
    assert {(e.child, e.parent, tuple(e.child_columns)) for e in g.edges} == fks
    customer = g.node("public.customer")
    marks = {c.name: (c.pk, c.fk, c.unique) for c in customer.columns}
    assert marks["customer_id"] == (True, False, False)
    assert marks["country_id"] == (False, True, False)
    assert marks["email"] == (False, False, True)
    line = next(e for e in g.edges if e.child == "public.invoice")
    assert line.one_to_one and line.identifying and not line.optional
    opt = next(e for e in g.edges if e.child_columns == ["country_id"])
    assert opt.optional and not opt.one_to_one


def test_dot_has_crows_feet_and_ports():
    dot = erd.to_dot(erd.build_erd(shop_schema()))
    assert 'arrowhead=crowodot' in dot and 'arrowtail=teetee' in dot  # many orders, exactly one customer
    assert 'arrowtail=teeodot' in dot  # optional parent (country)
    assert re.search(r'"public.orders":c0e:e -> "public.invoice":c0w:w', dot)
    assert dot.count("<TABLE") == 9


def test_neighbourhood_schema_filter_and_max_tables():
    s = shop_schema()
    g = erd.build_erd(s, table="orders", depth=1)
    assert {n.id for n in g.tables} == {"public.orders", "public.customer", "public.order_status",
                                        "public.order_line", "public.invoice"}
    g0 = erd.build_erd(s, table="orders", depth=0)
    assert [n.id for n in g0.tables] == ["public.orders"]
    g2 = erd.build_erd(s, table="public.orders", depth=2)
    assert "public.product" in {n.id for n in g2.tables} and "public.country" in {n.id for n in g2.tables}
    top = erd.build_erd(s, max_tables=3)
    assert len(top.tables) == 3 and len(top.omitted) == 6
    assert "public.orders" in {n.id for n in top.tables}
    multi = synthetic_schema(60, schemas=3, seed=3)
    gs = erd.build_erd(multi, schemas=["s1"])
    assert gs.tables and {n.schema for n in gs.tables} == {"s1"}
    assert [c for c, _ in erd.build_erd(multi).clusters] == ["schema s0", "schema s1", "schema s2"]


def test_unknown_names_are_user_errors():
    from aishell.errors import UserError

    with pytest.raises(UserError, match="did you mean 'orders'"):
        erd.build_erd(shop_schema(), table="order")
    with pytest.raises(UserError, match="no schema 'nope'"):
        erd.build_erd(shop_schema(), schemas=["nope"])


def test_simplify_rules():
    s = shop_schema()
    v = simplify(s)
    info = simplified_info(v)
    assert [e["junction"] for e in info["m2m"]] == ["public.product_category"]
    assert info["groups"] == [{"name": "lookup tables", "schema": "public",
                               "tables": ["public.country", "public.order_status"]}]
    assert {r["rule"] for r in info["rules"]} == {"junction", "lookup"}
    assert "public.product_category" not in {t.qualified_name for t in v.tables}
    # category is at the end of a many-to-many edge: an entity, not a lookup
    assert "public.category" not in info["groups"][0]["tables"]
    g = erd.build_erd(v)
    assert any(e.kind == "m2m" and {e.child, e.parent} == {"public.product", "public.category"} for e in g.edges)
    group = next(n for n in g.nodes if n.kind == "group")
    assert [m for m, _ in group.members] == ["public.country", "public.order_status"]
    status_col = next(c for c in g.node("public.orders").columns if c.name == "status")
    assert status_col.ref == "order_status"


def test_simplify_keeps_most_connected():
    big = synthetic_schema(375)
    v = simplify(big, 40)
    info = simplified_info(v)
    grouped = {m for gr in info["groups"] for m in gr["tables"]}
    core = [t for t in v.tables if t.qualified_name not in grouped]
    assert len(core) + (1 if grouped else 0) <= 40
    assert any(r["rule"] == "top" for r in info["rules"])
    assert len(info["omitted"]) + len(v.tables) + len(info["junctions"]) == 375


def test_communities_cluster_a_large_schema():
    g = erd.build_erd(synthetic_schema(150))
    assert g.clusters and all(name.startswith("around ") or name.endswith("_*") for name, _ in g.clusters)
    members = [m for _, ms in g.clusters for m in ms]
    assert len(members) == len(set(members))


def test_mermaid_and_dbml_parse_in_their_own_grammars(grammar, tmp_path):
    s = shop_schema()
    weird = synthetic_schema(30, seed=11)
    weird.tables[0].columns[1].name = "odd name-with spaces"
    weird.tables[0].name = 'Mixed Case we"ird <b>&'
    weird.tables[0].comment = 'quotes " and \' and # and ;'
    weird.tables[1].name = "ünïcödé table"
    from aishell.model.schema import Column, ForeignKey, Table

    composite = shop_schema()
    composite.tables.append(Table(
        "return_line", columns=[Column("order_id", "bigint", nullable=False), Column("line_no", "integer",
                                nullable=False), Column("reason", "text")],
        primary_key=["order_id", "line_no"],
        foreign_keys=[ForeignKey("return_line_fkey", ["order_id", "line_no"], "order_line", ["order_id", "line_no"],
                                 on_delete="CASCADE", on_update="SET NULL")]))
    cases = {
        "composite": erd.build_erd(composite),
        "shop": erd.build_erd(s),
        "shop-simplified": erd.build_erd(s, simplified=True),
        "neighbourhood": erd.build_erd(s, table="orders", depth=1),
        "multi": erd.build_erd(synthetic_schema(120, schemas=3, seed=3)),
        "big-simplified": erd.build_erd(synthetic_schema(375), simplified=True, max_tables=50),
        "big": erd.build_erd(synthetic_schema(375)),
        "weird": erd.build_erd(weird),
    }
    mmd, dbml = [], []
    for name, g in cases.items():
        (tmp_path / f"{name}.mmd").write_text(erd.to_mermaid(g))
        (tmp_path / f"{name}.dbml").write_text(erd.to_dbml(g))
        mmd.append(tmp_path / f"{name}.mmd")
        dbml.append(tmp_path / f"{name}.dbml")
    for kind, files in (("mermaid", mmd), ("dbml", dbml)):
        results = grammar.check(kind, files)
        bad = {k: v["error"] for k, v in results.items() if not v["ok"]}
        assert not bad, f"{kind} rejected: {bad}"


def test_mermaid_has_every_table_and_relationship():
    s = shop_schema()
    text = erd.to_mermaid(erd.build_erd(s))
    for t in s.tables:
        assert f'["{t.qualified_name}"]' in text
        for c in t.columns:
            assert re.search(rf"\s{re.escape(c.name)}(\s|$)", text), c.name
    assert text.count("||..o{") + text.count("||--o{") + text.count("|o..o{") + text.count("||--o|") >= 8


def test_dbml_has_every_table_column_and_ref():
    s = shop_schema()
    text = erd.to_dbml(erd.build_erd(s))
    for t in s.tables:
        assert f'Table "{t.schema}"."{t.name}"' in text
        for c in t.columns:
            assert f'  "{c.name}" ' in text
    for t, fk in s.all_foreign_keys:
        assert f'Ref "{fk.name}"' in text
    assert '("product_id", "category_id") [pk]' in text
    assert '"tier" "public"."customer_tier"' in text


def test_svg_and_png(need_dot):
    g = erd.build_erd(shop_schema())
    svg = erd.to_svg(g)
    assert svg.lstrip().startswith("<?xml") and "</svg>" in svg
    for t in shop_schema().tables:
        assert f">{t.name}<" in svg
    png = erd.svg_to_png(svg)
    assert png.startswith(PNG_MAGIC) and len(png) > 10_000


def test_large_diagram_is_laid_out_in_columns(need_dot):
    g = erd.build_erd(synthetic_schema(375))
    w, h = erd.svg_size(erd.to_svg(g))
    assert w and h and 0.4 < h / w < 2.5


# -- command line ---------------------------------------------------------------------------------

def test_cli_png_to_stdout_and_json(model_dir, need_dot, tmp_path):
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "aishell.cli.main", "schema", "diagram", "--from",
                           str(model_dir / "shop.json"), "--format", "png"], capture_output=True, timeout=120,
                          check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(PNG_MAGIC)
    out = tmp_path / "d" / "erd.svg"
    r = run_cli("schema", "diagram", "--from", str(model_dir / "shop.json"), "-o", str(out), "--json")
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["format"] == "svg" and info["output"] == str(out) and info["tables"] == 9
    assert info["relationships"] == 9 and out.read_text().count("<svg") == 1


def test_cli_text_formats(model_dir):
    r = run_cli("schema", "diagram", "--from", str(model_dir / "shop.json"), "--format", "mermaid",
                "--table", "orders", "--json")
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["tables"] == 5 and info["content"].startswith("erDiagram")
    r = run_cli("schema", "diagram", "--from", str(model_dir / "shop.json"), "-f", "dbml", "--simplify")
    assert r.returncode == 0 and 'TableGroup "lookup tables"' in r.stdout


def test_cli_simplify(model_dir, tmp_path):
    out = tmp_path / "view.json"
    r = run_cli("schema", "simplify", "--from", str(model_dir / "big.json"), "--max-tables", "30",
                "-o", str(out), "--json")
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["source_tables"] == 375 and len(info["kept"]) <= 45 and info["rules"]
    r = run_cli("schema", "diagram", "--from", str(out), "-f", "mermaid", "--json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["groups"] and any("junction" in n or "collapsed" in n for n in d["notes"])
    r = run_cli("schema", "simplify", "--from", str(model_dir / "shop.json"))
    assert r.returncode == 0 and "Rules applied" in r.stdout and "product_category" in r.stdout


@pytest.mark.parametrize("args, needle", [
    (["diagram", "--from", "/nonexistent/schema.sql"], "no such file"),
    (["diagram", "--from", "x.json", "--format", "jpeg"], "Invalid value for '--format'"),
    (["simplify", "--from", "missing.json"], "no such file"),
    (["diagram", "--from", "{shop}", "--table", "nope"], "no table 'nope'"),
    (["diagram", "--from", "{shop}", "--max-tables", "0"], "--max-tables"),
    (["diagram", "--from", "{shop}", "--json", "-f", "png"], "needs --output"),
])
def test_cli_bad_input_is_one_line(args, needle, model_dir):
    args = [a.replace("{shop}", str(model_dir / "shop.json")) for a in args]
    r = run_cli("schema", *args)
    assert r.returncode == 1, r.stderr
    assert r.stderr.startswith("aishell: error:") and r.stderr.count("\n") == 1, r.stderr
    assert needle in r.stderr and "Traceback" not in r.stderr


def test_cli_without_design_says_how(tmp_path):
    r = run_cli("schema", "diagram", cwd=tmp_path)
    assert r.returncode == 1 and "no current design" in r.stderr and r.stderr.count("\n") == 1


def test_cli_missing_dot_is_one_line(model_dir, tmp_path):
    import os
    import sys

    # A PATH with python but without Graphviz.
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "python").symlink_to(sys.executable)
    r = run_cli("schema", "diagram", "--from", str(model_dir / "shop.json"), "-f", "svg",
                env={"PATH": str(bindir)})
    assert r.returncode == 1 and "apt-get install graphviz" in r.stderr and r.stderr.count("\n") == 1
    assert os.environ["PATH"]  # untouched
    r = run_cli("schema", "diagram", "--from", str(model_dir / "shop.json"), "-f", "svg",
                env={"AISHELL_DOT": "/nonexistent/dot"})
    assert r.returncode == 1 and "AISHELL_DOT" in r.stderr and r.stderr.count("\n") == 1


def test_pagila_diagrams(pagila_json, grammar, need_dot, tmp_path):
    from aishell.sources import load_schema

    s = load_schema(str(pagila_json))
    g = erd.build_erd(s)
    # Partitions are folded into their parent, with the keys declared on them.
    assert {n.id for n in g.tables} == {t.qualified_name for t in s.tables if not t.partition_of}
    payment = g.node("public.payment")
    assert payment.note and "partitions" in payment.note
    assert {e.parent for e in g.edges if e.child == "public.payment"} >= {"public.customer", "public.rental"}
    assert any("folded" in n for n in g.notes)
    gp = erd.build_erd(s, partitions=True)
    assert len(gp.tables) == len(s.tables)
    (tmp_path / "p.mmd").write_text(erd.to_mermaid(g))
    (tmp_path / "p.dbml").write_text(erd.to_dbml(g))
    (tmp_path / "ps.mmd").write_text(erd.to_mermaid(erd.build_erd(s, simplified=True)))
    (tmp_path / "ps.dbml").write_text(erd.to_dbml(erd.build_erd(s, simplified=True)))
    for kind, files in (("mermaid", ["p.mmd", "ps.mmd"]), ("dbml", ["p.dbml", "ps.dbml"])):
        res = grammar.check(kind, [tmp_path / f for f in files])
        assert all(v["ok"] for v in res.values()), res
    svg = erd.to_svg(g)
    assert all(f">{t.name}<" in svg for t in s.tables if not t.partition_of)
    v = simplify(s)
    junctions = {e["junction"] for e in simplified_info(v)["m2m"]}
    assert {"public.film_actor", "public.film_category"} <= junctions


def test_very_large_multi_schema_diagram_is_framed_and_packed(need_dot):
    g = erd.build_erd(synthetic_schema(375, schemas=4))
    assert set(g.cluster_parents) == {"schema s0", "schema s1", "schema s2", "schema s3"}
    svg = erd.to_svg(g)
    for s in ("s0", "s1", "s2", "s3"):
        assert f">schema {s}</text>" in svg
    # every table is drawn once; keys between clusters are listed in the clusters' titles
    assert sum(svg.count(f'id="{erd._dom_id(n.id)}"') for n in g.tables) == len(g.tables)
    assert "references " in svg
    w, h = erd.svg_size(svg)
    assert 0.3 < h / w < 3


def test_cli_png_refuses_a_terminal(model_dir):
    import os
    import pty
    import subprocess
    import sys

    master, slave = pty.openpty()
    try:
        proc = subprocess.run([sys.executable, "-m", "aishell.cli.main", "schema", "diagram", "--from",
                               str(model_dir / "shop.json"), "--format", "png"],
                              stdout=slave, stderr=subprocess.PIPE, timeout=120, check=False)
    finally:
        os.close(slave)
        os.close(master)
    assert proc.returncode == 1
    err = proc.stderr.decode()
    assert "refusing to write a binary image to the terminal" in err and err.count("\n") == 1
