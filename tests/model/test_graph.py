from __future__ import annotations

from aishell.model import ForeignKey, Schema, Table
from aishell.model.graph import creation_order


def _fk(col: str, ref: str) -> ForeignKey:
    return ForeignKey(None, [col], ref, ["id"])


def test_referenced_tables_come_first_and_model_order_is_kept_otherwise():
    schema = Schema(tables=[
        Table("order_items", foreign_keys=[_fk("order_id", "orders"), _fk("product_id", "products")]),
        Table("orders", foreign_keys=[_fk("user_id", "users")]),
        Table("users"),
        Table("products"),
    ])
    order, deferred = creation_order(schema)
    names = [t.name for t in order]
    assert names == ["users", "products", "orders", "order_items"]
    assert deferred == set()


def test_cycle_is_broken_by_deferring_one_foreign_key():
    schema = Schema(tables=[
        Table("a", foreign_keys=[_fk("b_id", "b")]),
        Table("b", foreign_keys=[_fk("a_id", "a")]),
        Table("c", foreign_keys=[_fk("c_id", "c")]),  # self-reference is not a dependency
    ])
    order, deferred = creation_order(schema)
    assert sorted(t.name for t in order) == ["a", "b", "c"]
    assert len(deferred) == 1
    (src, ref), = deferred
    position = [t.qualified_name for t in order]
    # the deferred key points forward: its table is created before the table it references
    assert position.index(src) < position.index(ref)
    assert {src, ref} == {"public.a", "public.b"}


def test_partition_comes_after_its_parent():
    schema = Schema(tables=[
        Table("events_2024", partition_of="public.events", partition_bound="DEFAULT"),
        Table("events", partition_by="RANGE (created_at)"),
    ])
    order, _ = creation_order(schema)
    assert [t.name for t in order] == ["events", "events_2024"]
