"""Schemas built in code for the render tests and benchmarks/docs.py.

``shop_schema()`` is small and uses every object kind the docs show; ``synthetic_schema(n)`` is a large
schema shaped like real ones (modules around hub tables, junctions, lookups, cross-module keys).
"""

from __future__ import annotations

import random

from aishell.model.schema import (
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


def shop_schema(*, live: bool = False) -> Schema:
    """A small shop: customers, products, orders, a junction, lookups, a self-reference, a view."""
    def ts(name="created_at"):
        return Column(name, "timestamp with time zone", nullable=False, default="now()")

    country = Table("country", columns=[
        Column("country_id", "integer", nullable=False, identity="by default"),
        Column("name", "text", nullable=False)], primary_key=["country_id"], primary_key_name="country_pkey")
    status = Table("order_status", columns=[
        Column("code", "character varying(16)", nullable=False),
        Column("label", "text", nullable=False)], primary_key=["code"])
    customer = Table(
        "customer",
        columns=[
            Column("customer_id", "bigint", nullable=False, identity="always"),
            Column("email", "character varying(255)", nullable=False, comment="Login; unique, case-insensitive."),
            Column("full_name", "text", nullable=False),
            Column("country_id", "integer"),
            Column("referred_by", "bigint", comment="The customer | who referred them"),
            Column("tier", "public.customer_tier", nullable=False, default="'basic'::public.customer_tier"),
            ts(),
        ],
        primary_key=["customer_id"], primary_key_name="customer_pkey",
        foreign_keys=[
            ForeignKey("customer_country_id_fkey", ["country_id"], "country", ["country_id"]),
            ForeignKey("customer_referred_by_fkey", ["referred_by"], "customer", ["customer_id"],
                       on_delete="SET NULL"),
        ],
        unique=[UniqueConstraint("customer_email_key", ["email"])],
        indexes=[
            Index("customer_pkey", ["customer_id"], unique=True, constraint="customer_pkey",
                  definition="CREATE UNIQUE INDEX customer_pkey ON public.customer USING btree (customer_id)"),
            Index("customer_email_key", ["email"], unique=True, constraint="customer_email_key",
                  definition="CREATE UNIQUE INDEX customer_email_key ON public.customer USING btree (email)"),
            Index("customer_lower_email_idx", ["lower((email)::text)"], expressions=[True],
                  definition="CREATE INDEX customer_lower_email_idx ON public.customer USING btree (lower((email)::text))",
                  reason="case-insensitive login lookups"),
        ],
        policies=[Policy("customer_self", command="SELECT", roles=["app_user"],
                         using="(customer_id = (current_setting('app.customer_id'::text))::bigint)")],
        rls_enabled=True,
        comment="People who buy things.",
    )
    product = Table(
        "product",
        columns=[
            Column("product_id", "integer", nullable=False, default="nextval('public.product_product_id_seq'::regclass)"),
            Column("sku", "text", nullable=False),
            Column("name", "text", nullable=False),
            Column("price", "numeric(10,2)", nullable=False),
            Column("tags", "text[]"),
            Column("search", "tsvector", generated="to_tsvector('english'::regconfig, name)", generated_kind="stored"),
        ],
        primary_key=["product_id"],
        checks=[CheckConstraint("product_price_check", "(price >= (0)::numeric)",
                                definition="CHECK ((price >= (0)::numeric))")],
        indexes=[Index("product_search_idx", ["search"], method="gin",
                       definition="CREATE INDEX product_search_idx ON public.product USING gin (search)")],
    )
    category = Table("category", columns=[
        Column("category_id", "integer", nullable=False), Column("name", "text", nullable=False),
        ts("last_update")], primary_key=["category_id"])
    product_category = Table(
        "product_category",
        columns=[Column("product_id", "integer", nullable=False), Column("category_id", "integer", nullable=False),
                 ts("last_update")],
        primary_key=["product_id", "category_id"],
        foreign_keys=[
            ForeignKey("product_category_product_id_fkey", ["product_id"], "product", ["product_id"],
                       on_delete="CASCADE"),
            ForeignKey("product_category_category_id_fkey", ["category_id"], "category", ["category_id"]),
        ],
    )
    orders = Table(
        "orders",
        columns=[
            Column("order_id", "bigint", nullable=False, identity="by default"),
            Column("customer_id", "bigint", nullable=False),
            Column("status", "character varying(16)", nullable=False, default="'new'::character varying"),
            Column("placed_at", "timestamp with time zone", nullable=False, default="now()"),
        ],
        primary_key=["order_id"],
        foreign_keys=[
            ForeignKey("orders_customer_id_fkey", ["customer_id"], "customer", ["customer_id"]),
            ForeignKey("orders_status_fkey", ["status"], "order_status", ["code"]),
        ],
        indexes=[Index("orders_customer_id_idx", ["customer_id"],
                       definition="CREATE INDEX orders_customer_id_idx ON public.orders USING btree (customer_id)")],
        triggers=[Trigger("orders_audit", "AFTER", ["INSERT", "UPDATE"], "public.audit_row()",
                          definition="CREATE TRIGGER orders_audit AFTER INSERT OR UPDATE ON public.orders "
                                     "FOR EACH ROW EXECUTE FUNCTION public.audit_row()")],
    )
    order_line = Table(
        "order_line",
        columns=[
            Column("order_id", "bigint", nullable=False), Column("line_no", "integer", nullable=False),
            Column("product_id", "integer", nullable=False), Column("quantity", "integer", nullable=False),
            Column("unit_price", "numeric(10,2)", nullable=False),
        ],
        primary_key=["order_id", "line_no"],
        foreign_keys=[
            ForeignKey("order_line_order_id_fkey", ["order_id"], "orders", ["order_id"], on_delete="CASCADE"),
            ForeignKey("order_line_product_id_fkey", ["product_id"], "product", ["product_id"]),
        ],
    )
    invoice = Table(
        "invoice",
        columns=[Column("order_id", "bigint", nullable=False), Column("amount", "numeric(10,2)", nullable=False)],
        primary_key=["order_id"],
        foreign_keys=[ForeignKey("invoice_order_id_fkey", ["order_id"], "orders", ["order_id"])],
    )
    tables = [country, status, customer, product, category, product_category, orders, order_line, invoice]
    if live:
        for i, t in enumerate(tables):
            t.attrs.update({"row_estimate": 1000 * (i + 1), "total_bytes": 81920 * (i + 1),
                            "table_bytes": 65536 * (i + 1), "index_bytes": 16384 * (i + 1)})
    return Schema(
        name="shop",
        enums=[EnumType("customer_tier", ["basic", "gold", "platinum"], comment="Loyalty levels")],
        tables=tables,
        views=[View("big_orders", definition=" SELECT order_id FROM public.orders WHERE true;",
                    columns=["order_id"], comment="Orders worth a look",
                    depends_on=["public.orders"])],
        functions=[Function("audit_row", returns="trigger", language="plpgsql",
                            definition="CREATE OR REPLACE FUNCTION public.audit_row()\n RETURNS trigger\n"
                                       " LANGUAGE plpgsql\nAS $function$ BEGIN RETURN NEW; END $function$\n",
                            comment="Writes an audit row")],
    )


_WORDS = ("account", "asset", "batch", "budget", "campaign", "case", "claim", "contract", "device", "event",
          "invoice", "item", "job", "ledger", "lead", "lesson", "member", "message", "note", "offer",
          "order", "parcel", "patient", "payment", "plan", "policy", "project", "quote", "record", "report",
          "route", "sample", "session", "shift", "site", "task", "ticket", "trip", "unit", "visit")
_MODULES = ("billing", "crm", "hr", "inventory", "logistics", "marketing", "ops", "sales", "support",
            "finance", "clinic", "school", "fleet", "legal", "events", "assets", "catalog", "media",
            "payroll", "vendors", "quality", "research", "travel", "security", "analytics")


def synthetic_schema(n_tables: int = 375, *, seed: int = 7, schemas: int = 1) -> Schema:
    """``n_tables`` tables in modules of about 15 around a hub, with lookups, junctions and cross-module
    keys; spread over ``schemas`` namespaces."""
    rng = random.Random(seed)
    tables: list[Table] = []
    hubs: list[Table] = []
    lookups: list[Table] = []
    module_index = 0
    while len(tables) < n_tables:
        module = _MODULES[module_index % len(_MODULES)] + ("" if module_index < len(_MODULES) else str(module_index))
        ns = f"s{module_index % schemas}" if schemas > 1 else "public"
        module_index += 1
        size = min(rng.randint(10, 20), n_tables - len(tables))
        members: list[Table] = []
        for i in range(size):
            if i == 0:
                name = f"{module}_{rng.choice(_WORDS)}"
            elif i == 1 and size > 4:
                name = f"{module}_type"
            else:
                name = f"{module}_{rng.choice(_WORDS)}_{i}"
            pk = f"{name}_id" if len(name) < 50 else "id"
            cols = [Column(pk, "bigint", nullable=False, identity="by default")]
            t = Table(name, schema=ns, columns=cols, primary_key=[pk], primary_key_name=f"{name}_pkey",
                      comment=f"{name.replace('_', ' ').capitalize()} records of the {module} module.")
            if i == 1 and size > 4:  # a lookup
                cols.append(Column("name", "text", nullable=False))
                lookups.append(t)
            else:
                for j in range(rng.randint(3, 12)):
                    kind = rng.choice(("text", "integer", "numeric(12,2)", "timestamp with time zone",
                                       "boolean", "character varying(120)", "jsonb", "date"))
                    cols.append(Column(f"attr_{j}_{kind.split('(')[0].split(' ')[0]}", kind,
                                       nullable=rng.random() < 0.5,
                                       default="now()" if kind.startswith("timestamp") and rng.random() < 0.5 else None))
            if i >= 2 and members:
                targets = [members[0]] + rng.sample(members[2:], k=min(len(members) - 2, rng.randint(0, 2)))
                if size > 4 and rng.random() < 0.4:
                    targets.append(members[1])
                if hubs and rng.random() < 0.15:
                    targets.append(rng.choice(hubs))
                for k, target in enumerate({id(x): x for x in targets}.values()):
                    col = f"{target.name}_ref_{k}"
                    t.columns.append(Column(col, "bigint", nullable=rng.random() < 0.3))
                    t.foreign_keys.append(ForeignKey(f"{name}_{col}_fkey", [col], target.name,
                                                     [target.primary_key[0]], ref_schema=target.schema))
                    t.indexes.append(Index(f"{name}_{col}_idx", [col],
                                           definition=f"CREATE INDEX {name}_{col}_idx ON {ns}.{name} USING btree ({col})"))
            members.append(t)
            tables.append(t)
            if len(tables) >= n_tables:
                break
        # A junction between two members of the module.
        if len(members) > 5 and len(tables) < n_tables:
            a, b = members[2], members[3]
            j = Table(f"{module}_{a.name.split('_', 1)[1]}_x_{b.name.split('_', 1)[1]}"[:60], schema=ns,
                      columns=[Column("a_id", "bigint", nullable=False), Column("b_id", "bigint", nullable=False),
                               Column("created_at", "timestamp with time zone", nullable=False, default="now()")],
                      primary_key=["a_id", "b_id"],
                      foreign_keys=[ForeignKey(None, ["a_id"], a.name, a.primary_key, ref_schema=ns),
                                    ForeignKey(None, ["b_id"], b.name, b.primary_key, ref_schema=ns)])
            tables.append(j)
        if members:
            hubs.append(members[0])
    return Schema(name=f"synthetic-{n_tables}", tables=tables[:n_tables])
