"""Structural rules on designed models, whose constraint-backing indexes are implicit."""

from __future__ import annotations

from aishell.analyze import AnalyzeOptions, analyze_schema
from aishell.model import Column, ForeignKey, Index, Schema, Table, UniqueConstraint


def test_explicit_indexes_duplicating_implicit_constraint_indexes():
    users = Table(
        "users",
        columns=[Column("id", "bigint", False), Column("email", "text", False)],
        primary_key=["id"],
        unique=[UniqueConstraint("users_email_key", ["email"])],
        indexes=[Index("idx_users_email", ["email"]), Index("idx_users_id", ["id"], unique=True)],
    )
    rep = analyze_schema(Schema(tables=[users]), AnalyzeOptions(check_indexes=True))
    got = {(f.rule, f.object) for f in rep.findings}
    assert got == {("duplicate-index", "idx_users_id"), ("redundant-index", "idx_users_email")}
    assert rep.live is False and {s["rule"] for s in rep.skipped} >= {"unused-index", "index-bloat"}


def test_designed_fk_covered_by_composite_primary_key():
    a = Table("a", columns=[Column("id", "bigint", False)], primary_key=["id"])
    b = Table("b", columns=[Column("id", "bigint", False)], primary_key=["id"])
    link = Table(
        "a_b",
        columns=[Column("a_id", "bigint", False), Column("b_id", "bigint", False)],
        primary_key=["a_id", "b_id"],
        foreign_keys=[ForeignKey("fk_a", ["a_id"], "a", ["id"]), ForeignKey("fk_b", ["b_id"], "b", ["id"])],
    )
    rep = analyze_schema(Schema(tables=[a, b, link]), AnalyzeOptions(rules=["missing-fk-index"]))
    assert [(f.table, f.columns, f.severity) for f in rep.findings] == [("public.a_b", ["b_id"], "warning")]
