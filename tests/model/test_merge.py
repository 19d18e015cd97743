"""merge_schemas (issue 12, item 5): a pattern merged into a design extends the tables it shares and adds
the rest; the design's own choices win and conflicts are reported."""

from __future__ import annotations

from aishell.model.merge import merge_schemas
from aishell.model.schema import Column, EnumType, ForeignKey, Index, Schema, Table, UniqueConstraint


def _users(**kw) -> Table:
    return Table(
        "users",
        columns=[
            Column("id", "integer", nullable=False),
            Column("email", "text", nullable=False),
            *kw.pop("extra", []),
        ],
        primary_key=["id"],
        **kw,
    )


def test_shared_tables_are_extended_not_duplicated():
    base = Schema(
        tables=[_users(indexes=[Index("idx_users_email", ["email"])])],
        enums=[EnumType("status", ["on", "off"])],
    )
    pattern = Schema(
        tables=[
            Table("organizations", columns=[Column("id", "bigint", nullable=False)], primary_key=["id"]),
            _users(
                extra=[Column("organization_id", "bigint", nullable=False), Column("email", "varchar(255)")],
                foreign_keys=[ForeignKey("users_org_fkey", ["organization_id"], "organizations", ["id"])],
                unique=[UniqueConstraint("users_org_email_key", ["organization_id", "email"])],
                indexes=[Index("idx_users_email", ["organization_id", "email"], unique=False)],
            ),
            Table(
                "projects",
                columns=[
                    Column("id", "bigint", nullable=False),
                    Column("owner_id", "bigint", nullable=False),
                ],
                primary_key=["id"],
                foreign_keys=[ForeignKey("projects_owner_fkey", ["owner_id"], "users", ["id"])],
            ),
        ],
        enums=[EnumType("status", ["on", "off", "paused"])],
    )
    merged, report = merge_schemas(base, pattern)
    assert [t.name for t in merged.tables] == ["users", "organizations", "projects"]
    users = merged.table("users")
    assert [c.name for c in users.columns] == ["id", "email", "organization_id"]
    assert users.column("email").type == "text"  # the design's type wins
    assert any("users.email" in c for c in report.conflicts)
    assert {fk.name for fk in users.foreign_keys} == {"users_org_fkey"}
    # the pattern's index name was taken by another index: it gets a free one
    assert {i.name for i in users.indexes} == {"idx_users_email", "idx_users_email_2"}
    # projects.owner_id references users.id, an integer in the design: it follows
    assert merged.table("projects").column("owner_id").type == "integer"
    assert merged.enum("status").values == ["on", "off"] and any("enum status" in c for c in report.conflicts)
    assert report.added_tables == ["organizations", "projects"] and "users" in report.extended
    # merging is a pure function: neither input changed
    assert [c.name for c in base.table("users").columns] == ["id", "email"]


def test_merge_is_idempotent():
    base = Schema(tables=[_users()])
    once, _ = merge_schemas(base, Schema(tables=[_users(extra=[Column("name", "text")])]))
    twice, report = merge_schemas(once, Schema(tables=[_users(extra=[Column("name", "text")])]))
    assert [c.name for c in twice.table("users").columns] == ["id", "email", "name"]
    assert not report.added_tables and not report.extended and not report.conflicts
