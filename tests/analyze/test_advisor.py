"""Index proposals from parsed statements (pure functions of the model and the parsed workload)."""

from __future__ import annotations

from aishell.analyze.advisor import propose_indexes, propose_trigram
from aishell.analyze.context import AnalysisContext, AnalyzeOptions
from aishell.analyze.workload import Workload, parse_statement
from aishell.model import Column, ForeignKey, Index, Schema, Table

SCHEMA = Schema(
    tables=[
        Table(
            "users",
            columns=[
                Column("id", "bigint", False),
                Column("email", "text"),
                Column("name", "text"),
                Column("deleted_at", "timestamp with time zone"),
            ],
            primary_key=["id"],
            indexes=[Index("users_pkey", ["id"], unique=True, constraint="users_pkey")],
        ),
        Table(
            "orders",
            columns=[
                Column("id", "bigint", False),
                Column("user_id", "bigint", False),
                Column("status", "text"),
                Column("total", "numeric"),
                Column("created_at", "timestamp with time zone"),
            ],
            primary_key=["id"],
            foreign_keys=[ForeignKey("orders_user_id_fkey", ["user_id"], "users", ["id"])],
            indexes=[
                Index("orders_pkey", ["id"], unique=True, constraint="orders_pkey"),
                Index("orders_status_created", ["status", "created_at"]),
            ],
        ),
    ]
)


def _workload(*queries: tuple[str, int]) -> Workload:
    wl = Workload()
    wl.available = True
    for q, calls in queries:
        st = parse_statement(q, SCHEMA)
        st.calls, st.total_ms = calls, float(calls)
        wl.statements.append(st)
    return wl


def _ctx() -> AnalysisContext:
    return AnalysisContext(SCHEMA, AnalyzeOptions())


def _keys(props):
    return {(p.table, tuple(p.columns), tuple(p.include), p.where, p.kind) for p in props}


def test_equality_then_range_then_sort():
    wl = _workload(
        ("SELECT id FROM orders WHERE total > $1 AND status = $2 ORDER BY created_at", 50),
        ("SELECT name, email FROM users WHERE name = $1 ORDER BY id", 50),
    )
    # orders: status leads orders_status_created, so the first statement is already served; users gets
    # the equality column then the sort column (email is text: not carried as INCLUDE)
    assert _keys(propose_indexes(_ctx(), wl)) == {("public.users", ("name", "id"), (), None, "btree")}
    wl = _workload(("SELECT id, created_at FROM orders WHERE total = $1", 50))
    assert _keys(propose_indexes(_ctx(), wl)) == {
        ("public.orders", ("total",), ("created_at", "id"), None, "covering")
    }


def test_partial_and_expression_and_fk_left_to_missing_fk_index():
    wl = _workload(
        ("SELECT * FROM users WHERE name = $1 AND deleted_at IS NULL", 20),
        ("SELECT * FROM users WHERE lower(email) = $1", 20),
        ("SELECT * FROM orders WHERE user_id = $1", 20),
    )
    assert _keys(propose_indexes(_ctx(), wl)) == {
        ("public.users", ("name",), (), "deleted_at IS NULL", "partial"),
        ("public.users", ("(lower(email))",), (), None, "expression"),
    }


def test_rare_statements_are_ignored_and_like_gets_trigram():
    wl = _workload(
        ("SELECT id FROM users WHERE name = $1", 3), ("SELECT id FROM users WHERE email ILIKE $1", 30)
    )
    assert propose_indexes(_ctx(), wl) == []
    tri = propose_trigram(_ctx(), wl)
    assert [(p.table, p.columns, p.opclass, p.method) for p in tri] == [
        ("public.users", ["email"], "gin_trgm_ops", "gin")
    ]


def test_unparseable_and_multi_statement_text_is_rejected():
    assert parse_statement("SELEC nonsense", SCHEMA) is None
    assert parse_statement("SELECT 1; SELECT 2", SCHEMA) is None
    st = parse_statement("SELECT * FROM users u JOIN orders o USING (id) WHERE o.status IN ($1, $2)", SCHEMA)
    assert st.tables == {"public.users", "public.orders"}
    assert {(u.table, u.column, u.role) for u in st.uses} >= {
        ("public.orders", "status", "in"),
        ("public.users", "id", "join"),
    }


def test_multi_column_keys_merge_and_serve_the_foreign_key():
    """Issue 13 item 13: an index on the FK column alone does not serve a sort on another column;
    proposals one index can serve become one; the FK's own finding takes the proposal leading with it."""
    import dataclasses

    from aishell.analyze.advisor import fk_adoptions

    orders = SCHEMA.tables[1]
    with_fk_index = dataclasses.replace(
        orders, indexes=[*orders.indexes, Index("orders_user_id", ["user_id"])]
    )
    schema = Schema(tables=[SCHEMA.tables[0], with_fk_index])
    wl = Workload()
    wl.available = True
    for q, calls in (
        ("SELECT id, total FROM orders WHERE user_id = $1 ORDER BY created_at DESC LIMIT 10", 50),
        ("SELECT total FROM orders WHERE user_id = $1 ORDER BY created_at", 20),
        ("SELECT id FROM orders WHERE total = $1", 30),
        ("SELECT created_at FROM orders WHERE total = $1", 30),
    ):
        st = parse_statement(q, schema)
        st.calls, st.total_ms = calls, float(calls)
        wl.statements.append(st)
    props = propose_indexes(AnalysisContext(schema, AnalyzeOptions()), wl)
    assert _keys(props) == {
        ("public.orders", ("user_id", "created_at"), ("id", "total"), None, "covering"),
        ("public.orders", ("total",), ("id", "created_at"), None, "covering"),
    }
    assert {len(p.statements) for p in props} == {2}

    # without the FK index, the busiest proposal leading with user_id is the FK's: left to missing-fk-index
    ctx = _ctx()
    adopted = fk_adoptions(ctx, wl)[("public.orders", ("user_id",))]
    assert adopted.columns == ["user_id", "created_at"] and adopted.include == ["id", "total"]
    assert _keys(propose_indexes(ctx, wl)) == {("public.orders", ("total",), ("id", "created_at"), None, "covering")}
