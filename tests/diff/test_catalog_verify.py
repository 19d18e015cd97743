"""Every format-2 object kind (tests/fixtures/objects/catalog.sql) created from an empty database and
dropped back to nothing by `schema diff`'s plan, each direction accepted by its own verification."""

from __future__ import annotations

import pytest

from aishell.migrate.compare import compare, verify
from aishell.sources import run_sql_text
from tests.conftest import FIXTURES


@pytest.mark.parametrize("direction", ["create", "drop"])
def test_catalog_objects_from_and_to_nothing(pg_server, direction):
    with pg_server.temporary_database(prefix="aishell_test_cat_") as full, \
            pg_server.temporary_database(prefix="aishell_test_cat_") as empty:
        # Superuser-only objects: run as our own text (a .sql SOURCE may not hold them).
        run_sql_text(full, (FIXTURES / "objects" / "catalog.sql").read_text(), label="catalog.sql")
        source, target = (full, empty) if direction == "create" else (empty, full)
        comp = compare(source, target)
        kinds = {c.kind for c in comp.changes.changes}
        assert {"text search configuration", "operator class", "base type", "subscription",
                "event trigger", "default privileges"} <= kinds
        result = verify(comp)
        assert result.ok, result.describe()[:10]
