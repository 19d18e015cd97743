"""The PostgreSQL generator on designed models (no ``definition`` text), run on a real server.

Designs name types the common way (``VARCHAR(255)``, ``BIGINT``, an enum's bare name), give checks as
``price >= 0``, indexes as columns/method/where/include, triggers and policies as fields, and may list a
table before the one it references. Each generated script must run as written (psql, ON_ERROR_STOP)
on an empty database; inspect then confirms what was created.
"""

from __future__ import annotations

import pytest

from aishell.model import (
    CheckConstraint,
    Column,
    EnumType,
    ForeignKey,
    Function,
    Index,
    Policy,
    Schema,
    Table,
    Trigger,
    UniqueConstraint,
    View,
)


def _load(server, conninfo: str, ddl: str) -> None:
    from aishell.sources import run_sql_text

    run_sql_text(conninfo, ddl, server.bin("psql"), label="generated")


def _inspect(conninfo: str) -> Schema:
    from aishell.dialects.postgres.inspect import inspect

    return inspect(conninfo, include_stats=False)


def shop_design() -> Schema:
    """An e-commerce design in the tutorial's spirit, deliberately listed out of dependency order."""
    touch = Function(
        name="update_updated_at_column", returns="trigger", language="plpgsql",
        definition=(
            "CREATE OR REPLACE FUNCTION update_updated_at_column() RETURNS TRIGGER AS $$\n"
            "BEGIN\n    NEW.updated_at = NOW();\n    RETURN NEW;\nEND;\n$$ LANGUAGE plpgsql"
        ),
    )
    products = Table(
        name="products",
        columns=[
            Column("id", "BIGSERIAL", nullable=False),
            Column("sku", "VARCHAR(100)", nullable=False),
            Column("name", "VARCHAR(255)", nullable=False, comment="Display name"),
            Column("description", "TEXT"),
            Column("category_id", "BIGINT"),
            Column("base_price", "DECIMAL(10,2)", nullable=False),
            Column("is_active", "BOOLEAN", default="TRUE"),
            Column("created_at", "TIMESTAMPTZ", default="NOW()"),
            Column("updated_at", "TIMESTAMPTZ", default="NOW()"),
        ],
        primary_key=["id"],
        unique=[UniqueConstraint(name="products_sku_key", columns=["sku"])],
        checks=[CheckConstraint(name="products_price_check", expression="base_price >= 0")],
        foreign_keys=[ForeignKey(name="products_category_fk", columns=["category_id"], ref_table="categories",
                                 ref_columns=["id"], on_delete="SET NULL")],
        indexes=[
            Index(name="idx_products_category", columns=["category_id"], where="is_active = TRUE"),
            Index(name="idx_products_active", columns=["is_active", "created_at"], orders=["", "DESC"]),
            Index(name="idx_products_name_gin", method="gin",
                  columns=["to_tsvector('english', name || ' ' || COALESCE(description, ''))"],
                  expressions=[True]),
            Index(name="idx_products_sku_cover", columns=["sku"], include=["name"], unique=True),
        ],
        triggers=[Trigger(name="update_products_updated_at", timing="BEFORE", events=["UPDATE"],
                          function="update_updated_at_column")],
        comment="Things we sell",
    )
    categories = Table(
        name="categories",
        columns=[Column("id", "BIGINT", nullable=False, identity="always"),
                 Column("name", "VARCHAR(100)", nullable=False),
                 Column("parent_id", "BIGINT")],
        primary_key=["id"],
        foreign_keys=[ForeignKey(name="categories_parent_fk", columns=["parent_id"], ref_table="categories",
                                 ref_columns=["id"])],
    )
    orders = Table(
        name="orders",
        columns=[
            Column("id", "BIGINT", nullable=False, identity="by default"),
            Column("user_id", "BIGINT", nullable=False),
            Column("status", "order_status", default="'pending'"),
            Column("subtotal", "NUMERIC(10,2)", nullable=False),
            Column("tax", "NUMERIC(10,2)", nullable=False, default="0"),
            Column("total", "NUMERIC(10,2)", nullable=False),
            Column("created_at", "TIMESTAMPTZ", nullable=False, default="NOW()"),
        ],
        primary_key=["id", "created_at"],
        checks=[CheckConstraint(name="total_calculation", expression="total = subtotal + tax")],
        foreign_keys=[ForeignKey(name="orders_user_fk", columns=["user_id"], ref_table="users",
                                 ref_columns=["id"], on_delete="RESTRICT")],
        indexes=[Index(name="idx_orders_status", columns=["status", "created_at"],
                       where="status <> 'delivered' AND status <> 'cancelled'")],
        partition_by="RANGE (created_at)",
        rls_enabled=True,
        policies=[Policy(name="orders_user_isolation",
                         using="user_id = current_setting('app.current_user_id')::BIGINT")],
        comment="Customer orders - partitioned by month",
    )
    partitions = [
        Table(name=f"orders_2025_{m}", partition_of="public.orders",
              partition_bound=f"FOR VALUES FROM ('2025-{m}-01') TO ('2025-{m + 1}-01')")
        for m in (10, 11)
    ]
    users = Table(
        name="users",
        columns=[
            Column("id", "BIGSERIAL", nullable=False),
            Column("email", "VARCHAR(255)", nullable=False),
            Column("email_verified", "BOOLEAN", default="FALSE",
                   comment="Whether the user has verified their email address"),
            Column("updated_at", "TIMESTAMP", default="NOW()"),
            Column("deleted_at", "TIMESTAMP", comment="Soft delete timestamp - NULL means active"),
        ],
        primary_key=["id"],
        unique=[UniqueConstraint(name="users_email_key", columns=["email"])],
        checks=[CheckConstraint(name="email_format",
                                expression=r"email ~* '^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$'")],
        indexes=[Index(name="idx_users_deleted_at", columns=["deleted_at"], where="deleted_at IS NULL")],
        triggers=[Trigger(name="update_users_updated_at", timing="BEFORE", events=["UPDATE"],
                          function="update_updated_at_column")],
        comment="User accounts and authentication",
    )
    active_products = View(
        name="active_products",
        definition=(
            "SELECT p.id, p.sku, p.name, p.base_price, c.name AS category_name\n"
            "FROM products p LEFT JOIN categories c ON p.category_id = c.id\n"
            "WHERE p.is_active = TRUE"
        ),
        comment="Active products with category names",
    )
    catalog = View(
        name="product_catalog", materialized=True,
        definition="SELECT p.id, p.sku, count(*) AS n FROM products p GROUP BY p.id",
        indexes=[Index(name="product_catalog_id_idx", columns=["id"], unique=True)],
    )
    return Schema(
        name="shop",
        enums=[EnumType("order_status", ["pending", "paid", "shipped", "delivered", "cancelled"])],
        # Views first, and products before categories and orders before users, on purpose.
        views=[catalog, active_products],
        tables=[products, orders, *partitions, categories, users],
        functions=[touch],
    )


def test_design_runs_as_written(pg_server, scratch_db):
    from aishell.dialects.postgres.generate import generate

    ddl = generate(shop_design())
    _load(pg_server, scratch_db, ddl)
    got = _inspect(scratch_db)
    names = {t.name for t in got.tables}
    assert {"users", "products", "categories", "orders", "orders_2025_10", "orders_2025_11"} <= names
    orders = got.table("orders")
    assert orders.partition_by == "RANGE (created_at)" and orders.rls_enabled
    assert [p.name for p in orders.policies] == ["orders_user_isolation"]
    assert got.table("orders_2025_10").partition_of == "public.orders"
    products = got.table("products")
    assert {i.name for i in products.indexes} >= {"idx_products_category", "idx_products_active",
                                                 "idx_products_name_gin", "idx_products_sku_cover"}
    assert products.column("status") is None and products.column("name").comment == "Display name"
    assert [c.name for c in products.checks] == ["products_price_check"]
    assert {fk.name for fk in products.foreign_keys} == {"products_category_fk"}
    assert got.table("orders").column("status").type == "public.order_status"
    assert {tr.name for tr in got.table("users").triggers} == {"update_users_updated_at"}
    mv = got.view("product_catalog")
    assert mv.materialized and [i.name for i in mv.indexes] == ["product_catalog_id_idx"]
    assert mv.with_data  # refreshed at the end
    assert got.view("active_products").comment == "Active products with category names"
    assert got.table("users").comment == "User accounts and authentication"


def test_referenced_table_comes_first(pg_server, scratch_db):
    from aishell.dialects.postgres.generate import generate

    ddl = generate(shop_design(), header=False)
    assert ddl.index("CREATE TABLE public.categories") < ddl.index("CREATE TABLE public.products")
    assert ddl.index("CREATE TABLE public.users") < ddl.index("CREATE TABLE public.orders")
    assert ddl.index("CREATE TYPE public.order_status") < ddl.index("CREATE TABLE public.orders")
    assert ddl.index("CREATE TABLE public.products") < ddl.index("CREATE VIEW public.active_products")


def test_foreign_key_cycle_added_after(pg_server, scratch_db):
    from aishell.dialects.postgres.generate import generate

    a = Table(name="a", columns=[Column("id", "INT", nullable=False), Column("b_id", "INT")], primary_key=["id"],
              foreign_keys=[ForeignKey("a_b_fk", ["b_id"], "b", ["id"])])
    b = Table(name="b", columns=[Column("id", "INT", nullable=False), Column("a_id", "INT")], primary_key=["id"],
              foreign_keys=[ForeignKey("b_a_fk", ["a_id"], "a", ["id"], deferrable=True,
                                       initially_deferred=True)])
    ddl = generate(Schema(tables=[a, b]))
    assert "ALTER TABLE public." in ddl
    _load(pg_server, scratch_db, ddl)
    got = _inspect(scratch_db)
    assert {fk.name for t in got.tables for fk in t.foreign_keys} == {"a_b_fk", "b_a_fk"}


def test_quoting_torture(pg_server, scratch_db):
    from aishell.dialects.postgres.generate import generate

    evil = Table(
        name="x; DROP TABLE y; --", schema="Odd Schema",
        columns=[Column('we"ird', "INTEGER", nullable=False), Column("select", "TEXT", default="'it''s'"),
                 Column("größe", "NUMERIC"), Column("Order", "TEXT", comment="it's \"quoted\" \\ back")],
        primary_key=['we"ird'],
        checks=[CheckConstraint(name='chk "1"', expression='"größe" > 0')],
        indexes=[Index(name='idx; --', columns=["select", 'we"ird'])],
        comment="Robert'); DROP TABLE students; --",
    )
    child = Table(
        name="user", schema="Odd Schema",
        columns=[Column("id", "INT", nullable=False), Column("ref", "INTEGER")], primary_key=["id"],
        foreign_keys=[ForeignKey('fk "x"', ["ref"], "x; DROP TABLE y; --", ['we"ird'], ref_schema="Odd Schema")],
    )
    from aishell.model import Namespace

    ddl = generate(Schema(schemas=[Namespace("Odd Schema")], tables=[child, evil]))
    _load(pg_server, scratch_db, ddl)
    got = _inspect(scratch_db)
    t = got.table("x; DROP TABLE y; --", "Odd Schema")
    assert t is not None and [c.name for c in t.columns] == ['we"ird', "select", "größe", "Order"]
    assert t.comment == "Robert'); DROP TABLE students; --"
    assert t.column("Order").comment == "it's \"quoted\" \\ back"
    assert [i.name for i in t.indexes if not i.constraint] == ["idx; --"]
    assert got.table("user", "Odd Schema").foreign_keys[0].name == 'fk "x"'


def test_if_not_exists_reruns(pg_server, scratch_db):
    from aishell.dialects.postgres.generate import generate

    ddl = generate(shop_design(), if_not_exists=True)
    _load(pg_server, scratch_db, ddl)
    _load(pg_server, scratch_db, ddl)


def test_header_counts_come_from_the_model():
    from aishell.dialects.postgres.generate import counts, generate

    design = shop_design()
    c = counts(design)
    assert c["tables"] == 6 and c["views"] == 1 and c["materialized_views"] == 1
    assert c["indexes"] == 4 + 1 + 1 + 1
    # PKs of 4 tables + 2 unique + 3 checks + 3 foreign keys.
    assert c["constraints"] == 4 + 2 + 3 + 3
    head = generate(design).split("\n\n", 1)[0]
    assert "Tables: 6" in head and "indexes: 7" in head and "constraints: 12" in head


@pytest.mark.parametrize("body", ["SELECT 1", "BEGIN RETURN 1; END;"])
def test_function_from_fields(pg_server, scratch_db, body):
    from aishell.dialects.postgres.generate import generate

    lang = "sql" if body.startswith("SELECT") else "plpgsql"
    f = Function(name="one", returns="integer", language=lang, definition=body, volatility="immutable")
    _load(pg_server, scratch_db, generate(Schema(functions=[f])))
    assert [fn.name for fn in _inspect(scratch_db).functions] == ["one"]


def test_design_spellings_are_accepted(pg_server, scratch_db):
    """Shorthands a design may use: an index key with its order, a check written with CHECK, a view
    given as a whole statement, a sequence owned by ``table.column`` without a schema."""
    from aishell.dialects.postgres.generate import generate
    from aishell.model import Sequence

    t = Table(
        name="events",
        columns=[Column("id", "INTEGER", nullable=False, default="nextval('events_id_seq')"),
                 Column("at", "TIMESTAMPTZ", nullable=False), Column("kind", "TEXT")],
        primary_key=["id"],
        checks=[CheckConstraint(name="events_kind_check", expression="CHECK (kind <> '')")],
        indexes=[Index(name="events_at_idx", columns=["at DESC", "kind nulls first"])],
    )
    v = View(name="recent", definition="CREATE VIEW recent AS SELECT id FROM events WHERE at > now() - interval '1 day';")
    seq = Sequence(name="events_id_seq", type="integer", owned_by="events.id")
    ddl = generate(Schema(tables=[t], views=[v], sequences=[seq]))
    _load(pg_server, scratch_db, ddl)
    got = _inspect(scratch_db)
    ix = next(i for i in got.table("events").indexes if i.name == "events_at_idx")
    assert ix.orders == ["DESC", "NULLS FIRST"]
    assert got.sequences[0].owned_by == "public.events.id"
    assert got.view("recent") is not None


def test_partition_of_a_table_that_is_not_partitioned_is_an_error():
    from aishell.dialects.postgres.generate import generate
    from aishell.errors import UserError

    parent = Table(name="orders", columns=[Column("id", "INT")])
    child = Table(name="orders_1", partition_of="public.orders", partition_bound="FOR VALUES IN (1)")
    with pytest.raises(UserError, match="not partitioned"):
        generate(Schema(tables=[parent, child]))
    with pytest.raises(UserError, match="not in the schema"):
        generate(Schema(tables=[child]))


def test_foreign_tables_are_left_out_and_said_so():
    from aishell.dialects.postgres.generate import generate

    ft = Table(name="remote", columns=[Column("id", "INT")], attrs={"foreign": True})
    ddl = generate(Schema(tables=[ft, Table(name="local", columns=[Column("id", "INT")])]))
    assert "CREATE TABLE public.local" in ddl and "CREATE TABLE public.remote" not in ddl
    assert "Not created: foreign tables" in ddl and "public.remote" in ddl


def test_schemas_a_design_uses_are_created(pg_server, scratch_db):
    from aishell.dialects.postgres.generate import generate

    t = Table(name="invoice", schema="billing", columns=[Column("id", "INT", nullable=False)], primary_key=["id"])
    e = EnumType(name="state", schema="billing", values=["open", "paid"])
    _load(pg_server, scratch_db, generate(Schema(tables=[t], enums=[e])))
    got = _inspect(scratch_db)
    assert got.table("invoice", "billing") is not None and got.enum("state", "billing") is not None


def test_materialized_view_filled_after_everything_it_calls_exists(pg_server, scratch_db):
    """A plpgsql body is not checked at creation, so nothing orders the table it reads before the
    materialized view that calls it: the view is created empty and refreshed at the end. (The body
    names its table with the schema: PostgreSQL 17+ fills materialized views with search_path set to
    pg_catalog.)"""
    from aishell.dialects.postgres.generate import generate

    fn = Function(name="count_things", returns="bigint", language="plpgsql",
                  definition="BEGIN RETURN (SELECT count(*) FROM public.things); END;")
    mv = View(name="thing_count", materialized=True, definition="SELECT public.count_things() AS n")
    things = Table(name="things", columns=[Column("id", "INT")])
    _load(pg_server, scratch_db, generate(Schema(functions=[fn], views=[mv], tables=[things])))
    assert _inspect(scratch_db).view("thing_count").with_data


def test_design_with_every_kind(pg_server, scratch_db):
    """Domains, composite types, an extension, sequences, exclusion constraints, statement and INSTEAD OF
    triggers, restrictive policies with roles, procedures: all from fields, no definition text."""
    from aishell.dialects.postgres.generate import generate
    from aishell.model import CompositeType, Domain, ExclusionConstraint, Extension, Namespace, Sequence

    schema = Schema(
        schemas=[Namespace("app", comment="application")],
        extensions=[Extension("btree_gist", schema="public")],
        domains=[Domain("email", "TEXT", schema="app", not_null=True,
                        checks=[CheckConstraint("email_has_at", "VALUE LIKE '%@%'", comment="needs an @")])],
        composite_types=[CompositeType("money_pair", [Column("amount", "NUMERIC(12,2)"), Column("cur", "CHAR(3)")],
                                       schema="app")],
        sequences=[Sequence("ticket_no", schema="app", start=1000, increment=5, cache=10)],
        tables=[
            Table(name="booking", schema="app",
                  columns=[Column("id", "BIGINT", nullable=False, identity="always",
                                  identity_options={"start": 100, "increment": 10}),
                           Column("room", "INT", nullable=False), Column("during", "TSTZRANGE", nullable=False),
                           Column("contact", "app.email"), Column("price", "app.money_pair"),
                           Column("ticket", "BIGINT", default="nextval('app.ticket_no')"),
                           Column("room2", "INT", generated="room * 2")],
                  primary_key=["id"],
                  exclusions=[ExclusionConstraint("booking_no_overlap",
                                                  "EXCLUDE USING gist (room WITH =, during WITH &&)")],
                  triggers=[Trigger("booking_audit", "AFTER", ["INSERT", "UPDATE OF room"], "app.audit",
                                    for_each="STATEMENT"),
                            Trigger("booking_check", "BEFORE", ["UPDATE"], "app.audit",
                                    when="OLD.room IS DISTINCT FROM NEW.room", enabled="D")],
                  rls_enabled=True, rls_forced=True,
                  policies=[Policy("booking_own", command="SELECT", permissive=False, roles=["public"],
                                   using="room > 0"),
                            Policy("booking_write", command="INSERT", with_check="room < 1000")]),
        ],
        views=[View("booking_v", schema="app", definition="SELECT id, room FROM app.booking",
                    triggers=[Trigger("booking_v_ins", "INSTEAD OF", ["INSERT"], "app.audit_row")])],
        functions=[
            Function("audit", schema="app", returns="trigger", language="plpgsql",
                     definition="BEGIN RETURN NULL; END;"),
            Function("audit_row", schema="app", returns="trigger", language="plpgsql",
                     definition="BEGIN RETURN NEW; END;"),
            Function("purge", schema="app", kind="procedure", arguments="days integer", language="sql",
                     definition="DELETE FROM app.booking WHERE upper(during) < now() - make_interval(days => days)"),
        ],
    )
    ddl = generate(schema)
    _load(pg_server, scratch_db, ddl)
    got = _inspect(scratch_db)
    b = got.table("booking", "app")
    assert [x.name for x in b.exclusions] == ["booking_no_overlap"]
    assert {t.name: t.enabled for t in b.triggers} == {"booking_audit": "O", "booking_check": "D"}
    assert {p.name: p.permissive for p in b.policies} == {"booking_own": False, "booking_write": True}
    assert b.rls_forced and b.column("room2").generated and b.column("id").identity == "always"
    assert got.domains[0].checks[0].comment == "needs an @"
    assert [t.name for t in got.view("booking_v", "app").triggers] == ["booking_v_ins"]
    assert {f.name: f.kind for f in got.functions} == {"audit": "function", "audit_row": "function",
                                                      "purge": "procedure"}


def test_empty_definitions_are_errors():
    from aishell.dialects.postgres.generate import generate
    from aishell.errors import UserError

    with pytest.raises(UserError, match="view public.v has no definition"):
        generate(Schema(views=[View("v")]))
    with pytest.raises(UserError, match="function public.f has no definition"):
        generate(Schema(functions=[Function("f")]))
