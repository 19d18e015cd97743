"""Every evaluation text and every pattern: the design's DDL and its sample data load on PostgreSQL 15 and 18,
each table has a primary key, each foreign key leads an index, and the analyzer finds nothing critical."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest

from aishell.design import design, kb
from aishell.design.sample_data import sample_data_sql
from aishell.design.validate import model_checks
from aishell.dialects.postgres.generate import generate

EVAL = Path(__file__).resolve().parents[2] / "benchmarks" / "design_eval"
TEXTS = {p.stem: json.loads(p.read_text())["text"] for p in sorted(EVAL.glob("*.json"))}
EXTRA = {
    "uuid_and_tenancy": "A multi-tenant helpdesk: companies have agents and customers; customers open tickets; "
    "agents reply to tickets with messages; tickets have tags. Use UUIDs. Soft delete.",
    "scale_partitioning": "Support 1M users. Handle 10K orders per day. Need search across products. "
    "Must support multiple currencies and multiple languages. Need audit trail.",
    "unknown_nouns": "Beekeepers own apiaries; each apiary has several hives; inspections record the health of "
    "a hive with a date and notes; harvests per hive with a weight.",
    "self_refs": "Employees report to managers. Tasks can have subtasks. Comments have threaded replies. "
    "Users follow other users. Categories are nested.",
}


def _designs():
    out = [(name, text, None) for name, text in {**TEXTS, **EXTRA}.items()]
    out += [(f"pattern:{p}", None, p) for p in kb.pattern_names()]
    return out


DESIGNS = _designs()


@pytest.fixture(scope="module")
def designed():
    return {name: design(text, pattern=pattern, validate=False) for name, text, pattern in DESIGNS}


def test_model_checks_and_no_critical_findings(designed):
    from aishell.analyze import AnalyzeOptions, analyze_schema

    for name, d in designed.items():
        failed = [c for c in model_checks(d.schema) if not c.ok]
        assert not failed, (name, failed)
        report = analyze_schema(d.schema, AnalyzeOptions(deep=True))
        critical = [f.to_dict() for f in report.findings if f.severity == "critical"]
        assert not critical, (name, critical)
        assert d.normal_form[0] == "3NF", (name, d.normal_form)


def test_ddl_and_sample_data_load(designed, any_server):
    with any_server.temporary_database(prefix="aishell_test_") as conninfo:
        with psycopg.connect(conninfo) as conn:
            for name, d in designed.items():
                ddl = generate(d.schema, header=False)
                sample = sample_data_sql(d.schema, rows=4).replace("BEGIN;", "").replace("COMMIT;", "")
                try:
                    with conn.transaction():
                        conn.execute(ddl)
                        conn.execute(sample)
                        base = [t for t in d.schema.tables if not t.partition_of]
                        first = base[0].name
                        assert conn.execute(f'SELECT count(*) FROM public."{first}"').fetchone()[0] >= 4
                        for v in d.schema.views:
                            if v.materialized:  # the unique index makes a concurrent refresh possible
                                conn.execute(f'REFRESH MATERIALIZED VIEW CONCURRENTLY public."{v.name}"')
                        for f in d.schema.functions:
                            if f.name.startswith("create_") and f.name.endswith("_partitions"):
                                assert conn.execute(f"SELECT public.{f.name}(4)").fetchone()[0] >= 1
                            if f.name.startswith("drop_old_"):
                                conn.execute(f"SELECT public.{f.name}('10 years'::interval)")
                        raise psycopg.Rollback()
                except psycopg.Error as exc:  # pragma: no cover - the message names the design
                    pytest.fail(f"{name}: {exc}")


def test_tutorial_text_gives_the_fourteen_tables(designed):
    names = {t.name for t in designed["ecommerce_tutorial"].schema.tables}
    assert {
        "users",
        "addresses",
        "categories",
        "products",
        "product_variants",
        "carts",
        "cart_items",
        "wishlists",
        "orders",
        "order_items",
        "payments",
        "refunds",
        "reviews",
        "inventory_movements",
    } <= names


def test_sample_data_for_an_inspected_schema(pg_server):
    """generate sql --sample-data also serves inspected schemas: pagila (partitions whose foreign keys live on
    the partitions, domains, arrays, extension types) gets rows that load with psql."""
    import os

    from aishell.sources import load_schema, run_sql_text
    from tests.conftest import CORPUS

    name = "pagila-schema-pg15.sql" if os.environ.get("AISHELL_TEST_DATABASE_URL") else "pagila-schema.sql"
    path = CORPUS / name
    schema = load_schema(str(path))
    sql = generate(schema) + "\n" + sample_data_sql(schema, rows=3)
    with pg_server.temporary_database(prefix="aishell_test_") as conninfo:
        run_sql_text(conninfo, sql, pg_server.bin("psql"), label="pagila + sample data")
        with psycopg.connect(conninfo) as conn:
            assert conn.execute("SELECT count(*) FROM public.payment").fetchone()[0] == 3
            assert conn.execute("SELECT count(*) FROM public.film").fetchone()[0] == 3
