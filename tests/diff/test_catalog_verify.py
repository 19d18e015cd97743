"""Every format-2 object kind (tests/fixtures/objects/catalog.sql) created from an empty database and
dropped back to nothing by `schema diff`'s plan, each direction accepted by its own verification."""

from __future__ import annotations

import pytest

from aishell.migrate.compare import compare, verify
from aishell.sources import load_sql_into
from tests.conftest import FIXTURES


@pytest.mark.parametrize("direction", ["create", "drop"])
def test_catalog_objects_from_and_to_nothing(pg_server, direction):
    with pg_server.temporary_database(prefix="aishell_test_cat_") as full, \
            pg_server.temporary_database(prefix="aishell_test_cat_") as empty:
        load_sql_into(full, FIXTURES / "objects" / "catalog.sql", pg_server.bin("psql"))
        source, target = (full, empty) if direction == "create" else (empty, full)
        comp = compare(source, target)
        kinds = {c.kind for c in comp.changes.changes}
        assert {"text search configuration", "operator class", "base type", "subscription",
                "event trigger", "default privileges"} <= kinds
        result = verify(comp)
        assert result.ok, result.describe()[:10]
