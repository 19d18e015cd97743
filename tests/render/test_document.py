"""Markdown and HTML documentation: completeness, structure, the command line, a real database."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest

from aishell.render.document import write_docs
from aishell.sources import load_schema
from tests.conftest import CORPUS, run_cli
from tests.render.synthetic import shop_schema, synthetic_schema


def _assert_complete(schema, text: str, *, html: bool = False) -> None:
    """Every table, column and foreign key of ``schema`` is named in ``text``."""
    if html:
        text = unescape(re.sub(r"<[^>]+>", " ", text))
    for t in schema.tables:
        assert t.qualified_name in text, t.qualified_name
        for c in t.columns:
            assert c.name in text, (t.qualified_name, c.name)
        for fk in t.foreign_keys:
            if fk.name:
                assert fk.name in text, fk.name
            assert f"{fk.ref_schema}.{fk.ref_table}" in text


def test_markdown_single_document_is_complete():
    s = shop_schema(live=True)
    res = write_docs(s, "markdown", None)
    md = res.text
    _assert_complete(s, md)
    assert md.startswith("# shop\n")
    assert "```mermaid\nerDiagram" in md
    assert '<a id="table-public-orders"></a>' in md and "](#table-public-orders)" in md
    # FKs in and out, keys, live statistics, views/enums/functions
    assert "### Referenced by" in md and "FK → [public.customer](#table-public-customer)" in md
    assert "rows (estimate): **7,000**" in md and "total size: **560.0 kB**" in md
    assert "| `customer_self` | SELECT | app_user |" in md
    assert "`orders_audit`" in md and "case-insensitive login lookups" in md
    assert "## Views" in md and "public.big_orders" in md and "`platinum`" in md and "public.audit_row()" in md
    assert "**Read by views**: [public.big_orders](#view-public-big_orders)" in md
    assert '<a id="view-public-big_orders"></a>' in md
    # a | in a comment does not break the table
    assert "The customer \\| who referred them" in md


def test_markdown_site(tmp_path, has_dot):
    s = shop_schema()
    res = write_docs(s, "markdown", str(tmp_path / "md"))
    names = {p.relative_to(tmp_path / "md").as_posix() for p in (tmp_path / "md").rglob("*") if p.is_file()}
    assert {"index.md", "objects.md", "tables/public.orders.md"} <= names
    assert ("diagram.svg" in names) == has_dot
    index = (tmp_path / "md" / "index.md").read_text()
    assert "[orders](tables/public.orders.md)" in index
    orders = (tmp_path / "md" / "tables" / "public.orders.md").read_text()
    assert "[public.customer](public.customer.md)" in orders
    assert len(res.files) == len(names)


def test_html_single_page_is_complete_and_offline():
    s = shop_schema(live=True)
    html = write_docs(s, "html", None).text
    _assert_complete(s, html, html=True)
    assert "<style>" in html and 'id="search"' in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html), "must not load anything remote"


def test_html_site(tmp_path, need_dot):
    s = shop_schema()
    out = tmp_path / "site"
    res = write_docs(s, "html", str(out))
    assert res.diagram == "svg"
    index = (out / "index.html").read_text()
    assert '<div class="diagram" id="er-diagram"><svg' in index
    assert 'href="tables/public.orders.html"' in index  # table list and diagram boxes link to pages
    orders = (out / "tables" / "public.orders.html").read_text()
    assert 'class="fk-link" href="public.customer.html"' in orders
    assert 'class="ref-link" href="public.invoice.html"' in orders
    assert "Neighbourhood" in orders
    assert 'href="../objects.html#v-public.big_orders"' in orders
    assert 'id="v-public.big_orders"' in (out / "objects.html").read_text()
    for page in [index, orders]:
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    text = "".join(p.read_text() for p in out.rglob("*.html"))
    _assert_complete(s, text, html=True)


def test_large_schema_docs_are_complete(tmp_path, has_dot):
    s = synthetic_schema(375)
    res = write_docs(s, "html", str(tmp_path / "site"))
    assert len(list((tmp_path / "site" / "tables").glob("*.html"))) == 375
    if has_dot:
        assert res.diagram == "svg" and res.diagram_tables <= 80
    md = write_docs(s, "markdown", None).text
    _assert_complete(s, md)


def test_cli_markdown_to_stdout_and_json(model_dir, tmp_path):
    r = run_cli("schema", "document", "--from", str(model_dir / "shop.json"), "--format", "markdown")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("# shop")
    r = run_cli("schema", "document", "--from", str(model_dir / "shop.json"), "-f", "html",
                "-o", str(tmp_path / "site"), "--json")
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["tables"] == 9 and info["output"] == str(tmp_path / "site")
    assert str(tmp_path / "site" / "index.html") in info["files"]
    assert len(info["files"]) == len([p for p in (tmp_path / "site").rglob("*") if p.is_file()])


def test_cli_default_source_is_the_design(model_dir, tmp_path):
    (tmp_path / "aishell").mkdir()
    (tmp_path / "aishell" / "design.json").write_text((model_dir / "shop.json").read_text())
    r = run_cli("schema", "document", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "public.order_line" in r.stdout
    r = run_cli("schema", "document", cwd=tmp_path / "aishell")
    assert r.returncode == 1 and "no current design" in r.stderr


@pytest.mark.parametrize("args, needle", [
    (["--from", "nope.json"], "no such file"),
    (["--from", "{shop}", "--format", "pdf"], "Invalid value for '--format'"),
    (["--from", "{shop}", "-o", "{file}"], "not a directory"),
])
def test_cli_bad_input(args, needle, model_dir, tmp_path):
    f = tmp_path / "afile"
    f.write_text("x")
    args = [a.replace("{shop}", str(model_dir / "shop.json")).replace("{file}", str(f)) for a in args]
    r = run_cli("schema", "document", *args)
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and needle in r.stderr, r.stderr
    assert "Traceback" not in r.stderr


def test_pagila_from_sql_source_is_complete(pg_server, tmp_path):
    """A .sql SOURCE is loaded into the real PostgreSQL and introspected; the docs name everything."""
    sql = CORPUS / ("pagila-schema-pg15.sql" if pg_server.__class__.__name__ == "ExternalServer"
                    else "pagila-schema.sql")
    r = run_cli("schema", "document", "--from", str(sql), "--format", "markdown")
    assert r.returncode == 0, r.stderr
    md = r.stdout
    assert md.startswith("# pagila")
    assert "public.mpaa_rating" in md and "public.film_list" in md and "last_updated" in md
    assert "partition of" in md  # payment partitions
    schema = load_schema(str(sql))
    assert len(schema.tables) >= 20
    _assert_complete(schema, md)


def test_pagila_html_site(pagila_json, tmp_path, has_dot):
    s = load_schema(str(pagila_json))
    out = tmp_path / "site"
    write_docs(s, "html", str(out), simplified=True)
    text = "".join(p.read_text() for p in out.rglob("*.html"))
    _assert_complete(s, text, html=True)
    if has_dot:
        index = (out / "index.html").read_text()
        assert "Simplified view" in index and "film_actor" in index


def test_live_database_shows_row_estimates_and_sizes(scratch_db, tmp_path):
    """A live URL SOURCE: introspected in place, with row estimates and sizes in the docs."""
    import psycopg

    with psycopg.connect(scratch_db, autocommit=True) as conn:
        conn.execute("CREATE TABLE author (id int PRIMARY KEY, name text NOT NULL)")
        conn.execute("COMMENT ON TABLE author IS 'People who write'")
        conn.execute("CREATE TABLE book (id int PRIMARY KEY, author_id int NOT NULL REFERENCES author, "
                     "title text NOT NULL)")
        conn.execute("INSERT INTO author SELECT g, 'a' || g FROM generate_series(1, 500) g")
        conn.execute("INSERT INTO book SELECT g, 1 + g % 500, 't' || g FROM generate_series(1, 3000) g")
        conn.execute("ANALYZE")
    r = run_cli("schema", "document", "--from", scratch_db, "--format", "markdown")
    assert r.returncode == 0, r.stderr
    md = r.stdout
    assert "rows (estimate): **3,000**" in md and "rows (estimate): **500**" in md
    assert "total size: **" in md and "People who write" in md
    assert "FK → [public.author](#table-public-author)" in md
    r = run_cli("schema", "diagram", "--from", scratch_db, "-f", "mermaid", "--json")
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["tables"] == 2 and info["relationships"] == 1


def test_hostile_names_and_comments_are_escaped(tmp_path, has_dot):
    s = synthetic_schema(12, seed=11)
    s.tables[0].name = 'we"ird <b>&'
    s.tables[1].name = "ünïcödé table"
    s.tables[1].comment = "line1\nline2 | pipe <script>alert(1)</script>"
    md = write_docs(s, "markdown", None).text
    assert "<script>" not in md and "&lt;script&gt;" in md
    html = write_docs(s, "html", None).text
    assert "<script>alert" not in html
    write_docs(s, "html", str(tmp_path / "site"))
    pages = {p.name for p in (tmp_path / "site" / "tables").iterdir()}
    assert "public.ünïcödé_table.html" in pages and len(pages) == 12
    text = "".join(p.read_text() for p in (tmp_path / "site").rglob("*.html"))
    assert "<script>alert" not in text and "<b>&" not in text


HOSTILE_TABLE = "<img src=x onerror=alert(1)>"
HOSTILE_COMMENT = ("see [docs](javascript:alert(2)) <script>alert(3)</script> **bold** ![i](x.png) | pipe\n"
                   "# not a heading <b>x</b>")


def test_markdown_shows_hostile_names_and_comments_as_text(tmp_path):
    """A table, enum, view and function named like HTML, with comments holding Markdown and HTML,
    loaded from a real .sql file: rendered by a Markdown engine that lets every link through (as
    some do), the document holds no tag, link or image that aishell did not write, and every name
    reads exactly as it is in the database."""
    from html.parser import HTMLParser

    from markdown_it import MarkdownIt

    sql = tmp_path / "hostile.sql"
    q = '"' + HOSTILE_TABLE.replace('"', '""') + '"'
    sql.write_text(f"""
        CREATE TABLE public.customer (id bigint PRIMARY KEY, "*x* [y](javascript:z)" text);
        CREATE TABLE public.{q} (id bigint PRIMARY KEY, customer_id bigint REFERENCES public.customer);
        COMMENT ON TABLE public.{q} IS $c${HOSTILE_COMMENT}$c$;
        COMMENT ON COLUMN public.customer.id IS $c${HOSTILE_COMMENT}$c$;
        CREATE TYPE public."<i>mood</i>" AS ENUM ('ok');
        CREATE VIEW public."<svg onload=alert(4)>" AS SELECT id FROM public.{q};
        CREATE FUNCTION public."_f_<u>"() RETURNS int LANGUAGE sql AS 'SELECT 1';
        COMMENT ON FUNCTION public."_f_<u>"() IS $c${HOSTILE_COMMENT}$c$;
    """)
    r = run_cli("schema", "document", "--from", str(sql), "--format", "markdown")
    assert r.returncode == 0, r.stderr
    md = MarkdownIt("commonmark").enable("table")
    md.validateLink = lambda url: True  # a permissive renderer: aishell must not rely on link filtering
    html = md.render(r.stdout)

    class Tags(HTMLParser):
        def __init__(self):
            super().__init__()
            self.tags: list[tuple[str, dict]] = []

        def handle_starttag(self, tag, attrs):
            self.tags.append((tag, dict(attrs)))

    p = Tags()
    p.feed(html)
    written = {"h1", "h2", "h3", "p", "table", "thead", "tbody", "tr", "th", "td", "a", "code", "strong", "em",
               "blockquote", "br", "pre", "details", "summary", "ul", "li"}
    assert {t for t, _ in p.tags} <= written, {t for t, _ in p.tags} - written
    for tag in ("img", "script", "svg", "i", "u", "b"):
        assert all(t != tag for t, _ in p.tags), tag
    hrefs = [a.get("href", "") for t, a in p.tags if t == "a" and "href" in a]
    assert hrefs and all(h.startswith("#") for h in hrefs), hrefs
    assert not any("bold" in e for e in re.findall(r"<strong>(.*?)</strong>", html))  # the comment's **bold**
    headings = [unescape(re.sub(r"<[^>]+>", "", h)) for h in re.findall(r"<h\d>(.*?)</h\d>", html)]
    for name in (f"public.{HOSTILE_TABLE}", "public.<svg onload=alert(4)> (view)", "public.<i>mood</i> (enum)",
                 "public._f_<u>() "):
        assert any(h.strip() == name.strip() for h in headings), (name, headings)
    text = unescape(re.sub(r"<[^>]+>", "", html))
    assert "*x* [y](javascript:z)" in text and "see [docs](javascript:alert(2)) <script>alert(3)</script>" in text


def test_mermaid_labels_hold_no_html():
    from aishell.render import erd

    s = synthetic_schema(3, seed=2)
    s.tables[0].name = HOSTILE_TABLE
    text = erd.to_mermaid(erd.build_erd(s))
    labels = re.findall(r'"([^"]*)"', text)
    assert labels and not any("<" in lb or ">" in lb for lb in labels)
    assert any("#lt;img src=x onerror=alert(1)#gt;" in lb for lb in labels)
