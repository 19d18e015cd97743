"""The tutorial's multi-tenancy refactor on a database of 10 tables and 100,000 rows (issue 12, done-when):
no row lost (per-table checksums before and after), and two tenants each see only their own rows."""

from __future__ import annotations

import json
import secrets

import pytest

from aishell.dialects.postgres.connect import connect
from tests.conftest import run_cli

TUTORIAL_REQUEST = """
  Optimize for multi-tenancy.
  Each company should have isolated data.
  Support for 10,000 tenants.
"""

# 10 tables: the tenant (companies), two lookups and seven tenant-owned tables; 100,010 rows in all.
SHOP = """
CREATE TABLE companies (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL);
CREATE TABLE currencies (code text PRIMARY KEY, name text NOT NULL UNIQUE);
CREATE TABLE countries (code text PRIMARY KEY, name text NOT NULL UNIQUE);
CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    company_id bigint NOT NULL REFERENCES companies (id), email text NOT NULL UNIQUE, name text,
    country text REFERENCES countries (code));
CREATE TABLE addresses (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE, city text NOT NULL);
CREATE INDEX addresses_user_id_idx ON addresses (user_id);
CREATE TABLE products (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    company_id bigint NOT NULL REFERENCES companies (id), sku text NOT NULL UNIQUE, price numeric(10,2) NOT NULL,
    currency text NOT NULL REFERENCES currencies (code));
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (id), status text NOT NULL DEFAULT 'new',
    total numeric(12,2) NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX orders_user_id_idx ON orders (user_id);
CREATE INDEX orders_created_at_idx ON orders (created_at) WHERE status <> 'cancelled';
CREATE TABLE order_items (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id bigint NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    product_id bigint REFERENCES products (id) ON DELETE SET NULL, quantity integer NOT NULL);
CREATE INDEX order_items_order_id_idx ON order_items (order_id);
CREATE INDEX order_items_product_id_idx ON order_items (product_id);
CREATE TABLE payments (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id bigint NOT NULL REFERENCES orders (id), amount numeric(12,2) NOT NULL, paid_at timestamptz);
CREATE INDEX payments_order_id_idx ON payments (order_id);
CREATE TABLE reviews (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    product_id bigint NOT NULL REFERENCES products (id), user_id bigint NOT NULL REFERENCES users (id),
    rating smallint NOT NULL CHECK (rating BETWEEN 1 AND 5), UNIQUE (product_id, user_id));
CREATE VIEW order_totals AS SELECT o.id, o.user_id, sum(i.quantity) AS items FROM orders o
    JOIN order_items i ON i.order_id = o.id GROUP BY o.id, o.user_id;

INSERT INTO companies (name) SELECT 'company ' || g FROM generate_series(1, 20) g;
INSERT INTO currencies VALUES ('USD', 'US dollar'), ('EUR', 'Euro'), ('GBP', 'Pound');
INSERT INTO countries VALUES ('US', 'United States'), ('FR', 'France'), ('DE', 'Germany'), ('GB', 'United Kingdom');
-- user g belongs to company 1 + g % 20; product g to company 1 + g % 20: rows join within a company
INSERT INTO users (company_id, email, name, country)
    SELECT 1 + g % 20, 'user' || g || '@example.org', 'User ' || g, (ARRAY['US','FR','DE','GB'])[1 + g % 4]
    FROM generate_series(1, 5000) g;
INSERT INTO addresses (user_id, city) SELECT 1 + g % 5000, 'City ' || g FROM generate_series(1, 6000) g;
INSERT INTO products (company_id, sku, price, currency)
    SELECT 1 + g % 20, 'SKU-' || g, (g % 500) + 0.99, (ARRAY['USD','EUR','GBP'])[1 + g % 3]
    FROM generate_series(1, 4980) g;
INSERT INTO orders (user_id, status, total, created_at)
    SELECT 1 + g % 5000, (ARRAY['new','paid','cancelled'])[1 + g % 3], g % 1000,
           timestamptz '2025-01-01' + g * interval '5 minutes' FROM generate_series(1, 30000) g;
-- an item's product belongs to its order's company: product p with p % 20 = user % 20
INSERT INTO order_items (order_id, product_id, quantity)
    SELECT o, CASE WHEN g % 50 = 0 THEN NULL ELSE 20 * (1 + g % 240) + (1 + o % 5000) % 20 END, 1 + g % 4
    FROM generate_series(1, 40000) g, LATERAL (SELECT 1 + g % 30000 AS o) x;
INSERT INTO payments (order_id, amount, paid_at) SELECT 1 + g % 30000, g % 700, now() FROM generate_series(1, 10000) g;
INSERT INTO reviews (product_id, user_id, rating)
    SELECT p, u, 1 + g % 5 FROM generate_series(1, 4000) g,
    LATERAL (SELECT 1 + g % 5000 AS u) a, LATERAL (SELECT 20 * (1 + g % 240) + a.u % 20 AS p) b
    ON CONFLICT DO NOTHING;
ANALYZE;
"""

TABLES = [
    "companies",
    "currencies",
    "countries",
    "users",
    "addresses",
    "products",
    "orders",
    "order_items",
    "payments",
    "reviews",
]


def _checksums(conninfo: str, columns: dict[str, list[str]]) -> dict[str, tuple[int, str]]:
    out = {}
    with connect(conninfo, autocommit=True) as conn:
        for t, cols in columns.items():
            row = "ROW(" + ", ".join(cols) + ")::text"
            out[t] = conn.execute(
                f"SELECT count(*), md5(coalesce(string_agg(md5({row}), '' ORDER BY md5({row})), '')) FROM {t}"
            ).fetchone()
    return out


@pytest.fixture(scope="module")
def shop(pg_server):
    with pg_server.temporary_database(prefix="aishell_test_mt_") as db:
        with connect(db, autocommit=True) as conn:
            conn.execute(SHOP)
            # The data joins within one company: the generator above keeps items' products and reviews'
            # products in their user's company.
            bad = conn.execute(
                "SELECT count(*) FROM order_items i JOIN orders o ON o.id = i.order_id JOIN users u "
                "ON u.id = o.user_id JOIN products p ON p.id = i.product_id "
                "WHERE p.company_id <> u.company_id"
            ).fetchone()[0]
            assert bad == 0
            rows = sum(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES)
            assert rows >= 100_000
            columns = {
                t: [
                    r[0]
                    for r in conn.execute(
                        "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped "
                        "ORDER BY attnum",
                        (t,),
                    ).fetchall()
                ]
                for t in TABLES
            }
        yield db, columns


def test_tutorial_multi_tenancy_keeps_every_row_and_isolates_tenants(shop, tmp_path):
    db, columns = shop
    before = _checksums(db, columns)
    (tmp_path / "aishell.toml").write_text(f'[environments]\nproduction = "{db}"\n')
    # The tutorial's request, as written, plus --database: the same plan as the named refactor.
    r = run_cli(
        "schema",
        "refactor",
        TUTORIAL_REQUEST,
        "--database",
        "production",
        "--json",
        cwd=tmp_path,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr
    plan = json.loads(r.stdout)
    assert plan["refactor"] == "multi-tenant" and plan["matched"]["by"] == "text"
    assert plan["params"]["tenant_table"] == "companies" and plan["params"]["tenant_created"] is False
    assert set(plan["params"]["global"]) == {"currencies", "countries"}
    assert plan["params"]["tenants"] == 10000
    assert all(p["rows"] == 0 for p in plan["prechecks"]), plan["prechecks"]
    v = plan["verification"]
    assert v["ok"], v
    assert v["with_data"] and v["rows_checked"] == sum(before[t][0] for t in TABLES)
    assert plan["estimate"]["kind"] == "measured"
    assert any(lk["mode"] == "ACCESS EXCLUSIVE" for s in plan["steps"] for lk in s["locks"])
    # The tenant table is reused, not duplicated; keys and indexes lead with company_id.
    ups = [s["sql"] for s in plan["up"]]
    assert not any(s.startswith("CREATE TABLE") for s in ups)
    assert any("PRIMARY KEY USING INDEX" in s for s in ups)
    assert any(
        "FOREIGN KEY (company_id, order_id) REFERENCES public.orders(company_id, id)" in s for s in ups
    )
    assert any("ON DELETE SET NULL (product_id)" in s for s in ups)
    named = run_cli(
        "schema",
        "refactor",
        "multi-tenant",
        "--database",
        "production",
        "--json",
        "--no-verify",
        cwd=tmp_path,
        timeout=600,
    )
    assert [s["sql"] for s in json.loads(named.stdout)["up"]] == ups
    # Apply.
    # (verified above; --no-verify spares a second copy)
    r = run_cli(
        "schema",
        "refactor",
        TUTORIAL_REQUEST,
        "--database",
        "production",
        "--apply",
        "--json",
        "--no-verify",
        "--backup-dir",
        str(tmp_path / "backups"),
        cwd=tmp_path,
        timeout=900,
    )
    assert r.returncode == 0, r.stderr
    applied = json.loads(r.stdout)["applied"]
    assert applied["rows_lost"] == []
    assert (tmp_path / "backups").is_dir()
    after = _checksums(db, columns)
    assert after == before  # every row, every original column value
    with connect(db, autocommit=True) as conn:
        for t in ("users", "addresses", "products", "orders", "order_items", "payments", "reviews"):
            leads = conn.execute(
                "SELECT bool_and((SELECT attname FROM pg_attribute WHERE attrelid = i.indrelid "
                "AND attnum = i.indkey[0]) = 'company_id') FROM pg_index i WHERE indrelid = %s::regclass",
                (t,),
            ).fetchone()[0]
            assert leads, f"an index of {t} does not lead with company_id"
            assert conn.execute(
                "SELECT relrowsecurity AND relforcerowsecurity FROM pg_class WHERE oid = %s::regclass", (t,)
            ).fetchone()[0]
    # Two tenants, through an ordinary role: each sees only its own rows.
    role = f"aishell_tenant_{secrets.token_hex(4)}"
    with connect(db, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {role}")
        conn.execute(f"GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA public TO {role}")
    try:
        seen = {}
        with connect(db, autocommit=True) as conn:
            conn.execute(f"SET ROLE {role}")
            assert conn.execute("SELECT count(*) FROM orders").fetchone()[0] == 0  # no tenant set: nothing
            for tenant in (3, 7):
                conn.execute("SELECT set_config('app.current_company_id', %s, false)", (str(tenant),))
                seen[tenant] = {
                    t: conn.execute(
                        f"SELECT count(*), count(*) FILTER (WHERE company_id <> {tenant}) FROM {t}"
                    ).fetchone()
                    for t in ("users", "orders", "order_items", "payments", "reviews", "addresses")
                }
                assert all(other == 0 for _, other in seen[tenant].values())
                assert (
                    conn.execute(
                        "SELECT count(*) FROM order_totals o JOIN users u ON u.id = o.user_id "
                        f"WHERE u.company_id <> {tenant}"
                    ).fetchone()[0]
                    == 0
                )
                assert conn.execute("SELECT count(*) FROM currencies").fetchone()[0] == 3  # global
            # Inserting for another tenant is refused; the column defaults to the session's tenant.
            with pytest.raises(Exception, match="row-level security"):
                conn.execute("INSERT INTO addresses (company_id, user_id, city) VALUES (3, 8, 'x')")
        with connect(db, autocommit=True) as conn:
            counts = {
                t: conn.execute(
                    f"SELECT count(*) FILTER (WHERE company_id = 3), count(*) FILTER "
                    f"(WHERE company_id = 7) FROM {t}"
                ).fetchone()
                for t in ("users", "orders")
            }
        for t, (n3, n7) in counts.items():
            assert seen[3][t][0] == n3 > 0 and seen[7][t][0] == n7 > 0
    finally:
        with connect(db, autocommit=True) as conn:
            conn.execute(f"DROP OWNED BY {role}")
            conn.execute(f"DROP ROLE {role}")
    # Run again: already multi-tenant, so nothing left to do.
    r = run_cli(
        "schema",
        "refactor",
        "multi-tenant",
        "--database",
        "production",
        "--json",
        "--no-verify",
        cwd=tmp_path,
    )
    assert r.returncode == 1 and "already" in r.stderr
