"""Every planted problem is found, with its exact count (tests/analyze/fixtures/planted.sql)."""

from __future__ import annotations

from tests.analyze.conftest import by_rule


def _one(report, rule, table, **kw):
    found = [
        f
        for f in by_rule(report, rule)
        if f.table == table and all(getattr(f, k) == v for k, v in kw.items())
    ]
    assert len(found) == 1, (rule, table, [f.to_dict() for f in by_rule(report, rule)])
    return found[0]


def test_missing_fk_indexes(planted_report):
    found = {(f.table, tuple(f.columns), f.severity) for f in by_rule(planted_report, "missing-fk-index")}
    assert found == {
        ("public.orders", ("user_id",), "critical"),  # 20,000 rows
        ("public.order_items", ("product_id",), "warning"),  # 5,000 rows
        ("public.product_tags", ("tag_id",), "warning"),  # (product_id, tag_id) covers product_id only
    }
    f = _one(planted_report, "missing-fk-index", "public.orders")
    assert f.fix.sql == [
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_orders_user_id ON public.orders (user_id);"
    ]
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
    assert [(f.object, f.attrs["duplicate_of"]) for f in dup] == [
        ("idx_products_sku_dup", "products_sku_key")
    ]
    red = {(f.object, f.attrs["covered_by"]) for f in by_rule(planted_report, "redundant-index")}
    assert red == {
        ("idx_orders_status", "idx_orders_status_created"),
        ("idx_products_sku_copy", "products_sku_key"),
    }


def test_unused_indexes_leave_fk_and_unique_indexes_alone(planted_db, planted_report):
    from aishell.analyze import AnalyzeOptions, analyze

    assert by_rule(planted_report, "unused-index") == [] and "unused-index" in planted_report.rules_run
    rep = analyze(planted_db, AnalyzeOptions(rules=["unused-index"], thresholds={"unused_index_min_hours": 0}))
    # idx_orders_status and idx_products_sku_copy are redundant-index's to drop; the index kept in their
    # place is not proposed either: only the FK and unique indexes are left, and none is ever proposed
    assert by_rule(rep, "unused-index") == []
    assert not any(n.startswith("unused-index") for n in rep.notes)


def test_denormalized_copy_counts_rows_out_of_sync(planted_report):
    f = _one(planted_report, "denormalized-column", "public.orders")
    assert f.severity == "critical" and f.columns == ["user_email"]
    assert f.value("mismatched_rows") == 17 and f.value("compared_rows") == 20000
    assert len(by_rule(planted_report, "denormalized-column")) == 1


def test_data_quality_exact_counts(planted_report):
    found = {
        (f.table, f.columns[0], f.attrs["kind"], f.severity): f
        for f in by_rule(planted_report, "data-quality")
    }
    assert found[("public.orders", "total", "non-negative", "warning")].value("negative_rows") == 23
    assert found[("public.products", "price", "not-null", "warning")].value("null_rows") == 10
    assert found[("public.users", "email", "email-format", "warning")].value("invalid_rows") == 37
    # the copy in orders carries the same bad addresses: 10 orders per user, minus the 17 stale rows
    assert found[("public.orders", "user_email", "email-format", "warning")].value("invalid_rows") == 353
    assert set(found) == {
        ("public.orders", "total", "non-negative", "warning"),
        ("public.products", "price", "not-null", "warning"),
        ("public.users", "email", "email-format", "warning"),
        ("public.orders", "user_email", "email-format", "warning"),
        ("public.order_items", "quantity", "non-negative", "optimization"),
        ("public.order_items", "unit_price", "non-negative", "optimization"),
        ("public.products", "price", "non-negative", "optimization"),
        ("public.users", "age", "range", "optimization"),
    }
    f = found[("public.orders", "total", "non-negative", "warning")]
    assert f.fix.sql[0].endswith("CHECK (total >= 0) NOT VALID;") and "VALIDATE CONSTRAINT" in f.fix.sql[1]
    assert any("clean up the 23 violating rows" in n for n in f.fix.notes)
    assert all(e.kind == "exact" for f in by_rule(planted_report, "data-quality") for e in f.evidence)


def test_inefficient_types(planted_report):
    found = {(f.table, f.columns[0]): f.attrs["kind"] for f in by_rule(planted_report, "inefficient-type")}
    assert found == {
        ("public.users", "is_active"): "char1-flag",
        ("public.users", "created_at"): "timestamp",
        ("public.users", "age"): "int-range",
        ("public.order_items", "quantity"): "int-range",
        ("public.orders", "status"): "low-cardinality",
        ("public.products", "status"): "low-cardinality",
    }


def test_fk_type_mismatch(planted_report):
    f = _one(planted_report, "fk-type-mismatch", "public.reviews")
    assert f.attrs == {"type": "integer", "referenced_type": "bigint"}


def test_bloat_and_sequence_overflow(planted_report):
    ev = _one(planted_report, "table-bloat", "public.events")
    assert ev.value("dead_tuples_counter") == 10000 and ev.value("wasted_percent") >= 40
    al = _one(planted_report, "table-bloat", "public.audit_log")
    assert al.value("wasted_percent") >= 50
    ix = _one(planted_report, "index-bloat", "public.audit_log")
    assert ix.object == "audit_log_pkey" and ix.value("avg_leaf_density") < 40
    assert {e.kind for e in ix.evidence} == {"exact", "estimated"}
    seq = _one(planted_report, "sequence-overflow", "public.tickets")
    assert seq.severity == "critical" and seq.value("last_value") == 2_000_000_000
    assert seq.value("max_value") == 2**31 - 1


def test_health_score_and_plan(planted_report):
    h = planted_report.scores
    assert 0 <= h["score"] <= 100 and h["score"] < 75
    now = {i["rule"] for i in planted_report.plan["now"]}
    assert {"missing-fk-index", "missing-primary-key", "denormalized-column", "sequence-overflow"} <= now
    assert planted_report.statistics["tables"]["value"] == 13


def test_normalization_level_with_dependencies_as_evidence(planted_report):
    found = {(f.table, tuple(f.columns)): f for f in by_rule(planted_report, "normalization")}
    assert set(found) == {
        ("public.orders", ("user_id", "user_email")),
        ("public.stock", ("warehouse_id", "warehouse_city")),
    }
    tr = found[("public.orders", ("user_id", "user_email"))]
    assert tr.attrs["violation"] == "transitive" and tr.value("exceptions") == 17
    assert tr.value("repeated_values") == 2000 and tr.value("rows_read") == 20000
    pa = found[("public.stock", ("warehouse_id", "warehouse_city"))]
    assert pa.attrs["violation"] == "partial" and pa.value("repeated_values") == 25
    norm = planted_report.normalization
    levels = {t["table"]: t["level"] for t in norm["tables"]}
    assert levels["public.orders"] == "2NF" and levels["public.stock"] == "1NF"
    assert levels["public.product_tags"] == "none" and levels["public.users"] == "BCNF"
    assert norm["level"] == "none" and norm["kind"] == "estimated"


def test_every_evidence_value_is_a_labelled_number(planted_report):
    for f in planted_report.findings:
        for e in f.evidence:
            assert isinstance(e.value, (int, float)) and not isinstance(e.value, bool), (f.rule, e)
            assert e.kind in ("exact", "estimated")
    flag = next(
        f for f in planted_report.findings if f.rule == "inefficient-type" and f.columns == ["is_active"]
    )
    assert flag.attrs["details"]["values"] == "N, Y" and flag.value("distinct_values") == 2
