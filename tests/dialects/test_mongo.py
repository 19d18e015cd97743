"""MongoDB generator: a mongosh script node parses, with $jsonSchema validators and indexes that say
what the model says; owned children embedded; what a validator cannot say is reported."""

from __future__ import annotations

import json
import re

from aishell.dialects import get_generator
from aishell.dialects.mongo import generate as mongo_mod
from aishell.dialects.mongo.generate import generate, generate_with_report
from tests.dialects.models import shop, torture


def _collections(js: str) -> dict[str, dict]:
    """{collection: createCollection options}, read back from the generated JSON literals."""
    out = {}
    for m in re.finditer(r'^db\.createCollection\((".*?"), (\{.*?^\})\);$', js, re.MULTILINE | re.DOTALL):
        out[json.loads(m.group(1))] = json.loads(m.group(2))
    return out


def _indexes(js: str) -> list[tuple[str, dict, dict]]:
    return [
        (json.loads(m.group(1)), json.loads(m.group(2)), json.loads(m.group(3)))
        for m in re.finditer(
            r'^db\.getCollection\((".*?")\)\.createIndex\((\{.*?\}), (\{.*\})\);$', js, re.MULTILINE
        )
    ]


def test_registry_returns_this_generator():
    assert get_generator("mongodb") is generate and get_generator("mongo") is generate


def test_shop_script(node_check):
    js, warnings = generate_with_report(shop())
    assert mongo_mod.last_report == warnings
    node_check(js)
    colls = _collections(js)
    # order_item is owned by orders (ON DELETE CASCADE, referenced by nothing): embedded, no collection.
    assert set(colls) == {"customer", "product", "orders", "department", "employee"}
    orders = colls["orders"]
    assert orders["validationLevel"] == "strict"
    s = orders["validator"]["$jsonSchema"]
    assert s["required"] == ["customer_id"]  # NOT NULL without default/identity
    assert s["properties"]["status"] == {"bsonType": "string", "enum": ["new", "paid", "done"]}
    assert s["properties"]["customer_id"]["bsonType"] == ["long", "int"]
    assert s["properties"]["total"]["bsonType"] == "decimal" and s["properties"]["total"]["minimum"] == 0
    items = s["properties"]["order_item"]
    assert items["bsonType"] == "array"
    assert "order_id" not in items["items"]["properties"]  # the back-reference is implied
    assert (
        items["items"]["properties"]["qty"]["minimum"] == 0
        and items["items"]["properties"]["qty"]["exclusiveMinimum"] is True
    )
    assert "references product.id" in items["items"]["properties"]["product_id"]["description"]
    options = items["items"]["properties"]["order_item_option"]  # nested: owned by an owned table
    assert options["bsonType"] == "array" and set(options["items"]["properties"]) == {"option"}
    cust = colls["customer"]["validator"]["$jsonSchema"]["properties"]
    assert cust["email"] == {
        "bsonType": "string",
        "maxLength": 255,
        "description": "Login e-mail, it's unique",
    }
    assert cust["tags"] == {"bsonType": ["array", "null"], "items": {"bsonType": "string"}}
    assert cust["name"]["minLength"] == 1
    assert cust["uid"]["pattern"].startswith("^[0-9a-fA-F]{8}")
    assert cust["created_at"]["bsonType"] == "date"
    assert colls["product"]["validator"]["$jsonSchema"]["properties"]["weight_kg"]["bsonType"] == [
        "number",
        "null",
    ]
    price = colls["product"]["validator"]["$jsonSchema"]["properties"]["price"]
    assert price == {"bsonType": "decimal", "minimum": 0}  # the domain's CHECK (VALUE >= 0)

    idx = {(c, json.dumps(spec)): opts for c, spec, opts in _indexes(js)}
    assert idx[("customer", '{"email": 1}')] == {"unique": True, "name": "customer_email_key"}
    assert idx[("orders", '{"status": 1}')]["partialFilterExpression"] == {"status": {"$eq": "new"}}
    assert idx[("orders", '{"placed_on": -1, "id": 1}')] == {"name": "orders_placed_idx"}
    assert idx[("orders", '{"order_item.product_id": 1}')] == {"name": "order_item_product_idx"}
    assert idx[("product", '{"price": 1}')]["partialFilterExpression"] == {"price": {"$lt": 10}}
    # The cycle needs nothing special: references are comments.
    assert "// reference head_id -> employee(id) ON DELETE SET NULL: not enforced by MongoDB" in js


def test_shop_reports():
    js, warnings = generate_with_report(shop())
    text = "\n".join(warnings)
    assert "order_item: embedded in orders.order_item as an array of sub-documents" in text
    assert "customer_email_check" in text  # a regex CHECK is not a $jsonSchema keyword here
    assert "product_search_idx: GIN index" in text
    assert "customer_lower_email_idx: expression index" in text
    assert "view public.paid_orders" in text and "trigger orders_touch" in text
    assert "unique (order_id, line_no) within one orders document" in text
    assert js.startswith("// MongoDB collections")


def test_no_embedding_option(node_check):
    js = generate(shop(), embed=False)
    node_check(js)
    assert "order_item" in _collections(js)


def test_torture_script(node_check):
    js = generate(torture())
    node_check(js)
    colls = _collections(js)
    assert set(colls) == {'we`ird "table"'}  # Child Table is owned (ON DELETE CASCADE): embedded
    props = colls['we`ird "table"']["validator"]["$jsonSchema"]["properties"]
    assert props["a`b"]["enum"] == ["it's ok", "back\\slash", "ünï", None]
    assert props["order"]["description"] == "back\\slash 'quote' `tick` \"dq\"\nnewline"
    assert "Child Table" in props


def test_pagila_script(pagila, node_check):
    js, warnings = generate_with_report(pagila)
    node_check(js)
    colls = _collections(js)
    assert {"actor", "film", "customer", "rental", "payment"} <= set(colls)
    film = colls["film"]["validator"]["$jsonSchema"]["properties"]
    if pagila.table("film_embedding"):  # the PostgreSQL 18 corpus (pgvector)
        assert "film_embedding" not in colls  # one-to-one, owned: a sub-document of film
        assert film["film_embedding"]["properties"]["embedding"]["maxItems"] == 20
    assert film["rating"]["enum"][:2] == ["G", "PG"]
    assert film["release_year"]["minimum"] == 1901 and film["release_year"]["maximum"] == 2155
    assert "tsvector" in "\n".join(warnings)


def test_tsvector_expression_index_becomes_text_index(node_check):
    from aishell.model import Column, Index, Schema, Table

    t = Table(
        "doc",
        columns=[Column("id", "integer", nullable=False), Column("title", "text"), Column("body", "text")],
        primary_key=["id"],
        indexes=[
            Index(
                "doc_fts",
                ["to_tsvector('english'::regconfig, (title || body))"],
                method="gin",
                expressions=[True],
            ),
            Index("doc_fts2", ["to_tsvector(title)"], method="gin", expressions=[True]),
        ],
    )
    js, warnings = generate_with_report(Schema(tables=[t]))
    node_check(js)
    assert ("doc", {"title": "text", "body": "text"}, {"name": "doc_fts"}) in _indexes(js)
    assert any("doc_fts2: a second text index" in w for w in warnings)
