"""MySQL/MariaDB generator: the output runs on the real MariaDB and information_schema shows what the
model asked for; what MySQL cannot hold is reported, not guessed."""

from __future__ import annotations

import pytest

from aishell.dialects import get_generator
from aishell.dialects.mysql import generate as mysql_mod
from aishell.dialects.mysql.generate import generate, generate_with_report
from tests.dialects.models import shop, torture

pytestmark = pytest.mark.mysql


def test_registry_returns_this_generator():
    assert get_generator("mysql") is generate
    assert get_generator("mariadb") is generate


def test_shop_runs_on_mariadb(mysql_db):
    import pymysql

    sql, warnings = generate_with_report(shop())
    assert mysql_mod.last_report == warnings
    mysql_db.run(sql)
    tables = mysql_db.tables()
    for t in ("customer", "product", "orders", "order_item", "department", "employee"):
        assert tables[t] == "BASE TABLE"
    assert tables["paid_orders"] == "VIEW"
    # The view reading an untranslatable view is not created either, and both are reported.
    assert "order_skus" not in tables and "order_sku_count" not in tables
    assert any("order_skus" in w and "ArrayAgg" in w for w in warnings)
    assert any("order_sku_count" in w for w in warnings)

    cust = mysql_db.columns("customer")
    assert "auto_increment" in cust["id"][3]
    assert cust["email"][0] == "varchar(255)" and cust["email"][1] == "NO"
    assert cust["tags"][0] in ("json", "longtext")  # MariaDB's JSON is LONGTEXT + json_valid()
    assert cust["created_at"][0] == "datetime(6)"
    assert cust["uid"][0] == "char(36)"
    orders = mysql_db.columns("orders")
    assert orders["status"][0] == "enum('new','paid','done')"
    assert "auto_increment" in orders["id"][3]
    assert orders["total"][0] == "decimal(12,2)"
    assert orders["shipped_at"][0] == "datetime(3)"
    assert "GENERATED" in orders["total_cents"][3].upper()

    fks = mysql_db.foreign_keys("order_item")
    assert fks["order_item_order_id_fkey"][:2] == ("orders", "CASCADE")  # update rule: engine default
    assert fks["order_item_product_id_fkey"][0] == "product"
    # The cycle: one side is added with ALTER TABLE, both exist in the end.
    assert "department_head_fkey" in mysql_db.foreign_keys("department")
    assert set(mysql_db.foreign_keys("employee")) == {"employee_department_fkey", "employee_manager_fkey"}
    assert "ALTER TABLE" in sql

    checks = {
        r[0]
        for r in mysql_db.query(
            "SELECT constraint_name FROM information_schema.check_constraints WHERE constraint_schema = %s",
            mysql_db.db,
        )
    }
    assert {"customer_name_check", "orders_total_check", "order_item_qty_check"} <= checks
    assert "customer_email_check" in checks  # ~ became REGEXP
    assert "product_sku_check" in checks  # ~* became REGEXP '(?i)...'
    mysql_db.run("INSERT INTO product (sku, name, price) VALUES ('ABC-1', 'a', 1), ('abc-2', 'b', 2);")
    with pytest.raises(pymysql.err.OperationalError):
        mysql_db.run("INSERT INTO product (sku, name, price) VALUES ('AB-3', 'c', 3);")

    assert "customer_name_idx" in mysql_db.indexes("customer")
    assert "product_name_uidx" in mysql_db.indexes("product")
    assert "orders_placed_idx" in mysql_db.indexes("orders")
    assert "orders_status_idx" not in mysql_db.indexes("orders")  # partial: commented out

    # Defaults and AUTO_INCREMENT behave: the identity start is kept, the UUID default fills in.
    mysql_db.run("INSERT INTO customer (email, name) VALUES ('a@b.c', 'Ann');")
    row = mysql_db.query(
        f"SELECT id, LENGTH(uid), is_active, nickname, created_at IS NOT NULL FROM `{mysql_db.db}`.customer"
    )
    assert row == [(100, 36, 1, "anon", 1)]
    with pytest.raises(pymysql.err.OperationalError):  # CHECK (length(name) > 0)
        mysql_db.run("INSERT INTO customer (email, name) VALUES ('x@y.z', '');")


def test_shop_reports_what_mysql_lacks():
    sql, warnings = generate_with_report(shop())
    text = "\n".join(warnings)
    assert "customer.tags: text[] stored as a JSON array" in text
    assert "product_search_idx: GIN index" in text
    assert "customer_lower_email_idx: expression index" in text
    assert "product_cheap_idx: partial index" in text
    assert "orders_status_idx: partial index" in text
    assert "product.legacy_code" in text and "not an integer primary key" in text
    assert "trigger orders_touch on public.orders" in text
    assert "policy orders_owner on public.orders" in text
    assert "materialized view public.sales" in text
    assert "function public.touch()" in text
    # The header lists what was not translated; commented-out indexes carry the reason.
    header = sql.split("\n\n", 1)[0]
    assert header.startswith("-- ") and "not translated: " in header and "trigger orders_touch" in header
    assert "-- not expressible: GIN index" in sql
    assert "-- CREATE INDEX product_search_idx" in sql
    # Text keys get a prefix; arrays get a column comment.
    assert "UNIQUE INDEX `product_name_uidx` ON `product` (`name`(255))" in sql
    assert "`tags` JSON DEFAULT (JSON_ARRAY()),  -- text[] in PostgreSQL" in sql
    assert "`uid` CHAR(36) NOT NULL DEFAULT (UUID())" in sql
    assert "AUTO_INCREMENT=100" in sql


def test_design_spellings_and_defaults():
    from aishell.model import Column, Schema, Table

    t = Table(
        "t",
        columns=[
            Column("id", "BIGSERIAL", nullable=False),
            Column("a", "VARCHAR(255)"),
            Column("b", "TIMESTAMPTZ", default="now()"),
            Column("c", "BOOLEAN", default="false"),
            Column("d", "numeric"),
            Column("e", "interval", default="'1 day'::interval"),
            Column("f", "inet"),
            Column("g", "bytea"),
            Column("h", "double precision", default="(-1.5)"),
            Column("i", "text", default="upper('x'::text)"),
            Column(
                "j",
                "timestamp without time zone",
                default="'2024-01-01 00:00:00'::timestamp without time zone",
            ),
            Column("k", "xid8"),
        ],
        primary_key=["id"],
    )
    sql, warnings = generate_with_report(Schema(tables=[t]))
    assert "`id` BIGINT NOT NULL AUTO_INCREMENT" in sql
    assert "`a` VARCHAR(255)" in sql
    assert "`b` DATETIME(6) DEFAULT CURRENT_TIMESTAMP(6)" in sql
    assert "`c` BOOLEAN DEFAULT FALSE" in sql
    assert "`d` DECIMAL(65,30)" in sql
    assert "`h` DOUBLE DEFAULT -1.5" in sql
    assert "`j` DATETIME(6) DEFAULT '2024-01-01 00:00:00'" in sql
    text = "\n".join(warnings)
    assert "t.i: default upper('x'::text): not expressible" in text
    assert "unknown type xid8" in text


def test_torture_identifiers_run_on_mariadb(mysql_db):
    sql = generate(torture())
    assert 'CREATE TABLE `we``ird "table"`' in sql
    mysql_db.run(sql)
    tables = mysql_db.tables()
    assert set(tables) == {'we`ird "table"', "Child Table", "view `v`"}
    cols = mysql_db.columns('we`ird "table"')
    assert list(cols) == ["select", "order", "naïve ключ 名前", "a`b"]
    assert cols["a`b"][0] == "enum('it''s ok','back\\\\slash','ünï')"
    comment = mysql_db.query(
        "SELECT column_comment FROM information_schema.columns WHERE table_schema = %s "
        "AND column_name = 'order'",
        mysql_db.db,
    )[0][0]
    assert comment == "back\\slash 'quote' `tick` \"dq\"\nnewline"
    assert mysql_db.foreign_keys("Child Table")["fk `parent`"][:2] == ('we`ird "table"', "CASCADE")
    assert "idx `order`" in mysql_db.indexes('we`ird "table"')


def test_pagila_runs_on_mariadb(pagila, mysql_db):
    sql, warnings = generate_with_report(pagila)
    mysql_db.run(sql)
    tables = mysql_db.tables()
    base = {t for t, kind in tables.items() if kind == "BASE TABLE"}
    assert {"actor", "film", "film_actor", "customer", "rental", "payment", "store", "staff"} <= base
    assert not any(t.startswith("payment_p20") for t in tables)  # partitions folded into payment
    assert {"customer_list", "sales_by_store"} <= {t for t, k in tables.items() if k == "VIEW"}
    film = mysql_db.columns("film")
    assert film["rating"][0] == "enum('G','PG','PG-13','R','NC-17')"
    assert film["special_features"][0] in ("json", "longtext")
    assert "auto_increment" in film["film_id"][3]
    assert mysql_db.foreign_keys("film_actor")["film_actor_film_id_fkey"] == ("film", "RESTRICT", "CASCADE")
    text = "\n".join(warnings)
    assert "tsvector" in text and "film_fulltext_idx" in text
    assert "not translated: function public.film_in_stock" in text
    assert "not translated: materialized view public.rental_by_category" in text
    assert "payment: 55 partition(s)" in text or "partition(s)" in text
    assert "public.actor_info" in text  # jsonb_object_agg / array_agg: view not translated


def test_wide_rows_fit_innodb(mysql_db):
    from aishell.model import Column, Schema, Table

    t = Table(
        "wide",
        columns=[Column("id", "integer", nullable=False)]
        + [Column(f"c{i}", "character varying(1000)") for i in range(20)],
        primary_key=["id"],
    )
    sql, warnings = generate_with_report(Schema(tables=[t]))
    mysql_db.run(sql)
    types = [v[0] for v in mysql_db.columns("wide").values()]
    assert "longtext" in types and "varchar(1000)" in types
    assert any("65,535-byte limit" in w for w in warnings)
    import pymysql

    mysql_db.run("INSERT INTO wide (id, c0) VALUES (1, REPEAT('x', 1000));")
    with pytest.raises(pymysql.err.OperationalError):  # the length survives as a CHECK
        mysql_db.run("INSERT INTO wide (id, c0) VALUES (2, REPEAT('x', 1001));")


def test_foreign_key_column_types_made_equal(mysql_db):
    from aishell.model import Column, ForeignKey, Schema, Table, UniqueConstraint

    parent = Table(
        "p",
        columns=[
            Column("id", "bigint", nullable=False),
            Column("code", "numeric(12,2)", nullable=False),
            Column("name", "text", nullable=False),
        ],
        primary_key=["id"],
        unique=[UniqueConstraint("p_code_key", ["code"]), UniqueConstraint("p_name_key", ["name"])],
    )
    child = Table(
        "c",
        columns=[Column("p_id", "integer"), Column("p_code", "numeric(10,2)"), Column("p_name", "text")],
        foreign_keys=[
            ForeignKey("c_p_fkey", ["p_id"], "p", ["id"]),
            ForeignKey("c_code_fkey", ["p_code"], "p", ["code"]),
            ForeignKey("c_name_fkey", ["p_name"], "p", ["name"]),
        ],
    )
    sql, warnings = generate_with_report(Schema(tables=[child, parent]))
    mysql_db.run(sql)
    cols = mysql_db.columns("c")
    assert (cols["p_id"][0], cols["p_code"][0], cols["p_name"][0]) == (
        "bigint(20)",
        "decimal(12,2)",
        "varchar(255)",
    ) or (cols["p_id"][0], cols["p_code"][0], cols["p_name"][0]) == (
        "bigint",
        "decimal(12,2)",
        "varchar(255)",
    )
    assert set(mysql_db.foreign_keys("c")) == {"c_p_fkey", "c_code_fkey", "c_name_fkey"}
    assert any("widened to BIGINT" in w for w in warnings)
    assert any("c.p_name" in w and "VARCHAR(255)" in w for w in warnings)


def test_tsvector_expression_index_becomes_fulltext(mysql_db):
    from aishell.model import Column, Index, Schema, Table

    expr = (
        "to_tsvector('english'::regconfig, ((COALESCE(title, ''::text) || ' '::text) || "
        "COALESCE(body, ''::text)))"
    )
    t = Table(
        "doc",
        columns=[Column("id", "integer", nullable=False), Column("title", "text"), Column("body", "text")],
        primary_key=["id"],
        indexes=[Index("doc_fts", [expr], method="gin", expressions=[True])],
    )
    sql, warnings = generate_with_report(Schema(tables=[t]))
    assert "CREATE FULLTEXT INDEX `doc_fts` ON `doc` (`title`, `body`);" in sql
    mysql_db.run(sql)
    assert "doc_fts" in mysql_db.indexes("doc")
    assert any("FULLTEXT" in w for w in warnings)
