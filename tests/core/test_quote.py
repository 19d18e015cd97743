from __future__ import annotations

import pytest

from aishell.dialects.postgres.quote import QUOTED_KEYWORDS, qualify, quote_ident, quote_literal


def test_keyword_list_is_postgresqls():
    from pglast import keywords

    expected = set()
    for category in ("RESERVED_KEYWORDS", "TYPE_FUNC_NAME_KEYWORDS", "COL_NAME_KEYWORDS"):
        expected |= {w.lower() for w in getattr(keywords, category)}
    assert QUOTED_KEYWORDS == expected


@pytest.mark.parametrize("name, quoted", [
    ("users", "users"), ("User", '"User"'), ("select", '"select"'), ("order", '"order"'),
    ("name", "name"), ("type", "type"),  # unreserved keywords stay bare, as pg_dump prints them
    ("x; DROP TABLE y; --", '"x; DROP TABLE y; --"'), ('we"ird', '"we""ird"'), ("café", '"café"'),
    ("1abc", '"1abc"'), ("a$b", '"a$b"'),
])
def test_quote_ident_matches_postgres(name, quoted, pg_server):
    from aishell.dialects.postgres.connect import connect

    assert quote_ident(name) == quoted
    with connect(pg_server.conninfo()) as conn:
        assert conn.execute("SELECT quote_ident(%s)", (name,)).fetchone()[0] == quoted


def test_qualify_and_literal():
    assert qualify("Sales", "order") == '"Sales"."order"'
    assert qualify(None, "t") == "t"
    assert quote_literal("it's") == "'it''s'"
    assert quote_literal("a\\b") == "E'a\\\\b'"
