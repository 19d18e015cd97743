"""Every planted problem is found, with its exact count (tests/analyze/fixtures/planted.sql)."""

from __future__ import annotations

from tests.analyze.conftest import by_rule


def _one(report, rule, table, **kw):
    found = [f for f in by_rule(report, rule) if f.table == table
             and all(getattr(f, k) == v for k, v in kw.items())]
    assert len(found) == 1, (rule, table, [f.to_dict() for f in by_rule(report, rule)])
    return found[0]


def test_missing_fk_indexes(planted_report):
    found = {(f.table, tuple(f.columns), f.severity) for f in by_rule(planted_report, "missing-fk-index")}
    assert found == {
        ("public.orders", ("user_id",), "critical"),          # 20,000 rows
        ("public.order_items", ("product_id",), "warning"),   # 5,000 rows
        ("public.product_tags", ("tag_id",), "warning"),      # (product_id, tag_id) covers product_id only
    }
    f = _one(planted_report, "missing-fk-index", "public.orders")
    assert f.fix.sql == ["CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_orders_user_id ON public.orders (user_id);"]
    assert f.value("rows") == 20000


def test_junction_without_primary_key_counts_duplicates(planted_report):
    f = _one(planted_report, "missing-primary-key", "public.product_tags")
    assert f.severity == "critical"
    assert f.columns == ["product_id", "tag_id"]
    assert f.value("duplicate_groups") == 45 and f.value("duplicate_rows") == 45
    assert {e.kind for e in f.evidence if e.name.startswith("duplicate")} == {"exact"}
    assert "PRIMARY KEY USING INDEX" in f.fix.sql[-1]
    assert len(by_rule(planted_report, "missing-primary-key")) == 1


def test_duplicate_and_redundant_indexes(planted_report):
    dup = by_rule(planted_report, "duplicate-index")
    assert [(f.object, f.attrs["duplicate_of"]) for f in dup] == [("idx_products_sku_dup", "products_sku_key")]
    red = {(f.object, f.attrs["covered_by"]) for f in by_rule(planted_report, "redundant-index")}
    assert red == {("idx_orders_status", "idx_orders_status_created"),
                   ("idx_products_sku_copy", "products_sku_key")}


def test_unused_indexes_leave_fk_and_unique_indexes_alone(planted_report):
    unused = {f.object for f in by_rule(planted_report, "unused-index")}
    assert unused == {"idx_orders_status", "idx_orders_status_created", "idx_products_sku_copy"}
    for f in by_rule(planted_report, "unused-index"):
        assert f.value("index_scans") == 0 and f.value("index_bytes") > 0
