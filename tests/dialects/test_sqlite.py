"""SQLite generator: the output runs in Python's sqlite3 and the PRAGMAs show tables, columns and
foreign keys; STRICT where the types allow; what SQLite cannot hold is reported."""

from __future__ import annotations

import re
import sqlite3

import pytest

from aishell.dialects import get_generator
from aishell.dialects.sqlite import generate as sqlite_mod
from aishell.dialects.sqlite.generate import generate, generate_with_report
from tests.dialects.models import shop, torture


def _objects(conn) -> dict[str, str]:
    return {
        name: kind
        for kind, name in conn.execute("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")
    }


def _fks(conn, table: str) -> list[tuple]:
    # (referenced table, from, to, on_update, on_delete)
    return [(r[2], r[3], r[4], r[5], r[6]) for r in conn.execute(f'PRAGMA foreign_key_list("{table}")')]


def _strict(conn, table: str) -> bool:
    return any(r[1] == table and r[5] == 1 for r in conn.execute("PRAGMA table_list"))


def test_registry_returns_this_generator():
    assert get_generator("sqlite") is generate


def test_shop_runs_in_sqlite(sqlite_db):
    sql, warnings = generate_with_report(shop())
    assert sqlite_mod.last_report == warnings
    assert sql.split("\n\n")[1].strip() == "PRAGMA foreign_keys = ON;"
    sqlite_db.executescript(sql)
    objs = _objects(sqlite_db)
    for t in ("customer", "product", "orders", "order_item", "department", "employee"):
        assert objs[t] == "table"
    assert objs["paid_orders"] == "view"
    assert "order_skus" not in objs and "order_sku_count" not in objs
    # Partial and expression indexes exist in SQLite.
    assert objs["orders_status_idx"] == "index" and objs["customer_lower_email_idx"] == "index"
    assert "product_search_idx" not in objs  # GIN

    assert ("orders", "order_id", "id", "NO ACTION", "CASCADE") in _fks(sqlite_db, "order_item")
    assert ("employee", "head_id", "id", "NO ACTION", "SET NULL") in _fks(sqlite_db, "department")
    cols = {r[1]: r for r in sqlite_db.execute('PRAGMA table_info("customer")')}
    assert cols["id"][2] == "INTEGER" and cols["id"][5] == 1  # INTEGER PRIMARY KEY: the rowid
    assert cols["tags"][2] == "TEXT" and cols["is_active"][2] == "INTEGER"
    assert _strict(sqlite_db, "customer") and _strict(sqlite_db, "order_item")
    assert not _strict(sqlite_db, "orders")  # numeric(12,2) needs NUMERIC affinity

    sqlite_db.execute("INSERT INTO customer (email, name) VALUES ('a@b.c', 'Ann')")
    row = sqlite_db.execute("SELECT id, tags, is_active, nickname, uid FROM customer").fetchone()
    assert row[:4] == (1, "[]", 1, "anon")
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", row[4])
    with pytest.raises(sqlite3.IntegrityError):  # enum becomes CHECK (status IN (...))
        sqlite_db.execute("INSERT INTO orders (id, customer_id, status) VALUES (1, 1, 'lost')")
    with pytest.raises(sqlite3.IntegrityError):  # the foreign key is enforced
        sqlite_db.execute("INSERT INTO orders (id, customer_id) VALUES (1, 999)")
    with pytest.raises(sqlite3.IntegrityError):  # varchar(32) keeps its length as a CHECK
        sqlite_db.execute("INSERT INTO product (sku, name, price) VALUES (?, 'x', 1)", ("s" * 33,))


def test_shop_reports_what_sqlite_lacks():
    sql, warnings = generate_with_report(shop())
    text = "\n".join(warnings)
    assert "customer_email_check" in text and "regular expression" in text
    assert "product_search_idx: GIN index" in text
    assert "orders: not STRICT: total" in text
    assert "product.legacy_code" in text and "not a single integer primary key" in text
    assert "order_skus" in text and "order_sku_count" in text
    assert "trigger orders_touch on public.orders" in text and "materialized view public.sales" in text
    assert "-- not expressible: GIN index" in sql


def test_torture_identifiers_in_sqlite(sqlite_db):
    sql, warnings = generate_with_report(torture())
    sqlite_db.executescript(sql)
    assert set(_objects(sqlite_db)) >= {'we`ird "table"', "Child Table", "view `v`", "idx `order`"}
    cols = [r[1] for r in sqlite_db.execute('PRAGMA table_info("we`ird ""table""")')]
    assert cols == ["select", "order", "naïve ключ 名前", "a`b"]
    assert _fks(sqlite_db, "Child Table") == [
        ('we`ird "table"', "parent`ref", "select", "NO ACTION", "CASCADE")
    ]
    sqlite_db.execute('INSERT INTO "we`ird ""table""" ("select", "a`b") VALUES (1, ?)', ("back\\slash",))
    with pytest.raises(sqlite3.IntegrityError):
        sqlite_db.execute('INSERT INTO "we`ird ""table""" ("select", "a`b") VALUES (2, ?)', ("nope",))
    assert any("no PostgreSQL schemas" in w for w in warnings)


def test_pagila_runs_in_sqlite(pagila, sqlite_db):
    sql, warnings = generate_with_report(pagila)
    sqlite_db.executescript(sql)
    objs = _objects(sqlite_db)
    assert {"actor", "film", "film_actor", "customer", "rental", "payment"} <= set(objs)
    assert not any(n.startswith("payment_p20") for n in objs)
    assert ("language", "language_id", "language_id", "CASCADE", "RESTRICT") in _fks(sqlite_db, "film")
    assert _strict(sqlite_db, "actor") and not _strict(sqlite_db, "film")
    assert sqlite_db.execute("PRAGMA foreign_key_check").fetchall() == []
    text = "\n".join(warnings)
    assert "tsvector" in text and "not translated: function public.film_in_stock" in text
