"""The HTML site in a real browser: Debian's Chromium, headless, driven by Playwright.

Never ``playwright install`` (it downloads a browser of its own, which fails offline): the system
``chromium`` is launched by path. ``scripts/install-render-test-deps.sh`` installs it.
"""

from __future__ import annotations

import shutil

import pytest

from aishell.render.document import write_docs
from aishell.sources import load_schema
from tests.render.synthetic import shop_schema

pytestmark = pytest.mark.browser

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser():
    chromium = shutil.which("chromium")
    if not chromium:
        pytest.skip("Debian chromium is not installed (apt-get install chromium, or "
                    "bash scripts/install-render-test-deps.sh)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, headless=True, args=FLAGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = ctx.new_page()
    remote: list[str] = []
    pg.on("request", lambda req: remote.append(req.url) if not req.url.startswith(("file:", "data:")) else None)
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    yield pg
    ctx.close()
    assert not remote, f"the site asked the network for {remote}"
    assert not errors, f"JavaScript errors: {errors}"


def _visible_rows(page) -> list[str]:
    return page.eval_on_selector_all(
        "#table-list tbody tr:not(.hidden) a.table-link", "els => els.map(e => e.textContent)")


def test_site_search_and_links(page, pagila_json, tmp_path, has_dot):
    schema = load_schema(str(pagila_json))
    out = tmp_path / "site"
    write_docs(schema, "html", str(out))
    n = len(schema.tables)
    core = len([t for t in schema.tables if not t.partition_of])

    page.goto((out / "index.html").as_uri())
    # Partitions are listed only when a search names them.
    assert len(_visible_rows(page)) == core
    page.fill("#search", "payment_p2022")
    assert len(_visible_rows(page)) == 12
    page.fill("#search", "")
    # The search box filters the table list as one types.
    page.fill("#search", "film")
    shown = _visible_rows(page)
    assert shown and len(shown) < n and all("film" in s for s in shown), shown
    assert page.text_content("#count") == str(len(shown))
    page.fill("#search", "no such table at all")
    assert _visible_rows(page) == [] and page.is_visible("#no-match")
    page.fill("#search", "")
    assert len(_visible_rows(page)) == core

    # Columns sort: by FKs in, most referenced first after a second click.
    page.click("#table-list th >> text='FKs in'")
    page.click("#table-list th >> text='FKs in'")
    assert _visible_rows(page)[0] == "customer"
    page.click("#table-list th >> text='Table'")
    assert _visible_rows(page)[0] == "actor"
    # A link in the list leads to the table's page...
    page.click("#table-list a.table-link >> text='film'")
    assert page.url.endswith("/tables/public.film.html")
    assert page.text_content("h1.table-name") == "public.film"
    # ...whose foreign keys link to the referenced table...
    page.click("a.fk-link >> text='public.language'")
    assert page.url.endswith("/tables/public.language.html")
    assert page.text_content("h1.table-name") == "public.language"
    # ...which links back to the tables referencing it.
    page.click("table.fks-in a.ref-link >> text='public.film'")
    assert page.text_content("h1.table-name") == "public.film"
    # The side list on table pages is built from assets/tables.js and filters too.
    assert page.locator("#side-tables li").count() == n
    assert page.text_content("#side-tables a.current") == "public.film"
    page.fill("#search", "actor")
    visible = page.eval_on_selector_all("#side-tables li:not(.hidden) a", "els => els.map(e => e.textContent)")
    assert visible and all("actor" in v for v in visible)

    if has_dot:
        # The ER diagram is inline SVG; its boxes link to the tables' pages.
        page.goto((out / "index.html").as_uri())
        width = "e => e.getBoundingClientRect().width"
        w0 = page.eval_on_selector("#er-diagram svg", width)
        page.click('p.zoom button[data-zoom="in"]')
        assert page.eval_on_selector("#er-diagram svg", width) > w0 * 1.1
        page.click('p.zoom button[data-zoom="fit"]')
        box = page.locator('#er-diagram svg a[*|href="tables/public.customer.html"]')
        assert box.count() == 1
        box.click()
        page.wait_for_url("**/tables/public.customer.html")
        assert page.text_content("h1.table-name") == "public.customer"


def test_single_page_search(page, tmp_path):
    html = write_docs(shop_schema(), "html", None).text
    path = tmp_path / "schema.html"
    path.write_text(html)
    page.goto(path.as_uri())
    assert page.locator("section.table:not(.hidden)").count() == 9
    page.fill("#search", "order")
    sections = page.eval_on_selector_all("section.table:not(.hidden) h3.table-name",
                                         "els => els.map(e => e.textContent)")
    assert sections == ["public.order_status", "public.orders", "public.order_line"]
    assert page.text_content("#count") == "3"
    page.click("#side-tables a >> text='orders'")
    assert page.url.endswith("#t-public.orders")
