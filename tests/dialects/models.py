"""Hand-built schema models for the dialect generators: one that exercises every mapping rule, and
an identifier torture case. Spellings follow the model conventions (format_type types,
pg_get_expr defaults, pg_get_constraintdef checks) with a few design spellings mixed in."""

from __future__ import annotations

from aishell.model import (
    CheckConstraint,
    Column,
    Domain,
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


def shop() -> Schema:
    customer = Table(
        "customer",
        columns=[
            Column("id", "bigint", nullable=False, identity="always", identity_options={"start": 100}),
            Column("email", "character varying(255)", nullable=False, comment="Login e-mail, it's unique"),
            Column("name", "text", nullable=False),
            Column("tags", "text[]", default="'{}'::text[]"),
            Column("profile", "jsonb"),
            Column("created_at", "timestamp with time zone", nullable=False, default="now()"),
            Column("uid", "uuid", nullable=False, default="gen_random_uuid()"),
            Column("is_active", "boolean", nullable=False, default="true"),
            Column("nickname", "VARCHAR(40)", default="'anon'::character varying"),
        ],
        primary_key=["id"],
        primary_key_name="customer_pkey",
        unique=[
            UniqueConstraint("customer_email_key", ["email"]),
            UniqueConstraint("customer_uid_key", ["uid"]),
        ],
        checks=[
            CheckConstraint("customer_name_check", "(length(name) > 0)"),
            CheckConstraint("customer_email_check", "((email)::text ~ '^[^@]+@[^@]+$'::text)"),
        ],
        indexes=[
            Index("customer_pkey", ["id"], unique=True, constraint="customer_pkey"),
            Index("customer_name_idx", ["name"]),
            Index("customer_lower_email_idx", ["lower((email)::text)"], expressions=[True], unique=True),
        ],
        comment="People who buy",
    )
    product = Table(
        "product",
        columns=[
            Column("id", "integer", nullable=False, identity="by default"),
            Column("sku", "character varying(32)", nullable=False),
            Column("name", "text", nullable=False),
            Column("price", "public.money_amount", nullable=False),
            Column("weight_kg", "real"),
            Column("search", "tsvector"),
            Column("released", "date", default="CURRENT_DATE"),
            Column("legacy_code", "integer", default="nextval('public.legacy_seq'::regclass)"),
        ],
        primary_key=["id"],
        unique=[UniqueConstraint("product_sku_key", ["sku"])],
        checks=[CheckConstraint("product_sku_check", "((sku)::text ~* '^[a-z]{3}-[0-9]+$'::text)")],
        indexes=[
            Index("product_search_idx", ["search"], method="gin"),
            Index("product_name_uidx", ["name"], unique=True),
            Index("product_cheap_idx", ["price"], where="(price < (10)::numeric)"),
        ],
    )
    orders = Table(
        "orders",
        columns=[
            Column("id", "bigint", nullable=False, default="nextval('public.orders_id_seq'::regclass)"),
            Column("customer_id", "bigint", nullable=False),
            Column("status", "public.order_status", nullable=False, default="'new'::public.order_status"),
            Column("total", "numeric(12,2)", nullable=False, default="0"),
            Column("placed_on", "date", nullable=False, default="CURRENT_DATE"),
            Column("note", "text", default="'n/a'::text"),
            Column("shipped_at", "timestamp(3) without time zone"),
            Column(
                "total_cents",
                "bigint",
                generated="((total * (100)::numeric))::bigint",
                generated_kind="stored",
            ),
        ],
        primary_key=["id"],
        foreign_keys=[
            ForeignKey("orders_customer_id_fkey", ["customer_id"], "customer", ["id"], on_delete="RESTRICT")
        ],
        checks=[CheckConstraint("orders_total_check", "(total >= (0)::numeric)")],
        indexes=[
            Index("orders_status_idx", ["status"], where="(status = 'new'::public.order_status)"),
            Index("orders_placed_idx", ["placed_on", "id"], orders=["DESC", ""]),
        ],
        triggers=[Trigger("orders_touch", "BEFORE", ["UPDATE"], "public.touch()")],
        policies=[Policy("orders_owner", using="(customer_id = 1)")],
    )
    order_item = Table(
        "order_item",
        columns=[
            Column("order_id", "bigint", nullable=False),
            Column("line_no", "integer", nullable=False),
            Column("product_id", "integer", nullable=False),
            Column("qty", "integer", nullable=False, default="1"),
        ],
        primary_key=["order_id", "line_no"],
        foreign_keys=[
            ForeignKey("order_item_order_id_fkey", ["order_id"], "orders", ["id"], on_delete="CASCADE"),
            ForeignKey("order_item_product_id_fkey", ["product_id"], "product", ["id"]),
        ],
        checks=[CheckConstraint("order_item_qty_check", "(qty > 0)")],
        indexes=[Index("order_item_product_idx", ["product_id"])],
    )
    # Owned by order_item, which is owned by orders: nested documents in MongoDB.
    order_item_option = Table(
        "order_item_option",
        columns=[
            Column("order_id", "bigint", nullable=False),
            Column("line_no", "integer", nullable=False),
            Column("option", "text", nullable=False),
        ],
        primary_key=["order_id", "line_no", "option"],
        foreign_keys=[
            ForeignKey(
                "order_item_option_item_fkey",
                ["order_id", "line_no"],
                "order_item",
                ["order_id", "line_no"],
                on_delete="CASCADE",
            )
        ],
    )
    # A reference cycle: department.head_id -> employee, employee.department_id -> department.
    department = Table(
        "department",
        columns=[Column("id", "integer", nullable=False), Column("head_id", "integer")],
        primary_key=["id"],
        foreign_keys=[
            ForeignKey("department_head_fkey", ["head_id"], "employee", ["id"], on_delete="SET NULL")
        ],
    )
    employee = Table(
        "employee",
        columns=[
            Column("id", "integer", nullable=False),
            Column("department_id", "integer"),
            Column("manager_id", "integer"),
            Column("salary", "numeric"),
        ],
        primary_key=["id"],
        foreign_keys=[
            ForeignKey("employee_department_fkey", ["department_id"], "department", ["id"]),
            ForeignKey("employee_manager_fkey", ["manager_id"], "employee", ["id"]),
        ],
    )
    return Schema(
        name="shop",
        enums=[EnumType("order_status", ["new", "paid", "done"])],
        domains=[
            Domain(
                "money_amount",
                "numeric(10,2)",
                checks=[CheckConstraint("money_amount_check", "(VALUE >= (0)::numeric)")],
            )
        ],
        tables=[orders, order_item, customer, product, department, employee, order_item_option],
        views=[
            View(
                "paid_orders",
                definition=(
                    " SELECT o.id,\n    c.email\n   FROM (public.orders o\n     JOIN public.customer c ON "
                    "((c.id = o.customer_id)))\n  WHERE (o.status = 'paid'::public.order_status);"
                ),
                columns=["id", "email"],
                depends_on=["public.orders", "public.customer"],
            ),
            View(
                "order_skus",
                definition=(
                    " SELECT o.id, array_agg(p.sku) AS skus FROM public.orders o JOIN public.order_item i ON "
                    "i.order_id = o.id JOIN public.product p ON p.id = i.product_id GROUP BY o.id"
                ),
                columns=["id", "skus"],
            ),
            View(
                "order_sku_count",
                definition=" SELECT id, skus FROM public.order_skus",
                columns=["id", "skus"],
                depends_on=["public.order_skus"],
            ),
            View("sales", definition=" SELECT 1 AS x", materialized=True),
        ],
        functions=[
            Function(
                "touch",
                returns="trigger",
                language="plpgsql",
                definition="CREATE FUNCTION public.touch() RETURNS trigger ...",
            )
        ],
    )


def torture() -> Schema:
    """Identifiers with backticks, quotes, keywords, spaces, dots and non-ASCII letters."""
    parent = Table(
        'we`ird "table"',
        columns=[
            Column("select", "integer", nullable=False),
            Column("order", "text", comment="back\\slash 'quote' `tick` \"dq\"\nnewline"),
            Column("naïve ключ 名前", "character varying(20)"),
            Column("a`b", 'public."Mood"', default="'it''s ok'::public.\"Mood\""),
        ],
        primary_key=["select"],
        primary_key_name="pk `x`",
        checks=[CheckConstraint('chk "select"', '("select" > 0)')],
        indexes=[Index("idx `order`", ["naïve ключ 名前"])],
        comment="table's comment -- with */ and `ticks`",
    )
    child = Table(
        "Child Table",
        schema="Other Schema",
        columns=[
            Column("id", "integer", nullable=False, identity="by default"),
            Column("parent`ref", "integer"),
            Column("from", "text"),
        ],
        primary_key=["id"],
        foreign_keys=[
            ForeignKey("fk `parent`", ["parent`ref"], 'we`ird "table"', ["select"], on_delete="CASCADE")
        ],
    )
    return Schema(
        name="torture",
        enums=[EnumType("Mood", ["it's ok", "back\\slash", "ünï"])],
        tables=[parent, child],
        views=[
            View(
                "view `v`",
                definition=(' SELECT t."select", t."order" FROM public."we`ird ""table""" t'),
                columns=["select", "order"],
            )
        ],
    )
