"""Data cleanup before a constraint: move the rows that violate it into a quarantine table.

A cleanup kind (``invalid-emails``, ``check``, ``nulls``, ``duplicates``, ``orphans``) says which rows of
a table break a constraint someone plans to add. ``plan_cleanup`` counts them (and the rows that
reference them through foreign keys) without changing anything; ``apply_cleanup`` moves them, in one
transaction, into ``aishell_quarantine.<schema>__<table>`` — the same columns plus the batch, the reason
and the time — and prints the statements that put them back. Nothing is ever deleted silently:

* a row another row references is held back (deleting it would fail, cascade, or null the reference)
  unless ``cascade`` is asked for, which moves the referencing rows too, each into its own quarantine;
* counts before and after are exact (``count(*)``), in the same transaction as the move.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from aishell.cleanup.kinds import KINDS, Target
from aishell.dialects.postgres.quote import qualify, quote_ident, quote_ident_list, quote_literal
from aishell.errors import UserError
from aishell.model import Schema, Table
from aishell.model.schema import QUARANTINE_SCHEMA

EXTRA = ("aishell_batch", "aishell_reason", "aishell_quarantined_at")


@dataclass
class Move:
    """Rows of one table that move: the violating ones, or rows that reference them (cascade)."""

    table: Table
    where: str  # SQL predicate over alias ``t``
    reason: str
    depth: int = 0  # 0: the violating rows; 1+: referencing them
    rows: int | None = None
    held_back: int = 0

    @property
    def quarantine(self) -> str:
        return qualify(QUARANTINE_SCHEMA, f"{self.table.schema}__{self.table.name}"[:63])


@dataclass
class CleanupPlan:
    kind: str
    targets: list[Target]
    moves: list[Move] = field(default_factory=list)
    cascade: bool = False
    batch: str = ""
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)
    applied: bool = False
    checked: list[Target] = field(default_factory=list)  # every target counted, violating or not

    def statements(self) -> list[str]:
        if not self.moves:
            return []
        out = [f"CREATE SCHEMA IF NOT EXISTS {quote_ident(QUARANTINE_SCHEMA)}"]
        seen = set()
        for m in self.moves:
            if m.quarantine in seen:
                continue
            seen.add(m.quarantine)
            src = qualify(m.table.schema, m.table.name)
            out.append(
                f"CREATE TABLE IF NOT EXISTS {m.quarantine} (LIKE {src}, aishell_batch text NOT NULL, "
                "aishell_reason text NOT NULL, aishell_quarantined_at timestamptz NOT NULL DEFAULT now())"
            )
        for m in sorted(self.moves, key=lambda m: -m.depth):  # rows that reference others move first
            src = qualify(m.table.schema, m.table.name)
            cols = quote_ident_list([c.name for c in m.table.columns if not c.generated])
            out.append(
                f"WITH moved AS (DELETE FROM {src} AS t WHERE {m.where} RETURNING t.*) "
                f"INSERT INTO {m.quarantine} ({cols}, aishell_batch, aishell_reason) "
                f"SELECT {cols}, {quote_literal(self.batch)}, {quote_literal(m.reason)} FROM moved"
            )
        return out

    def way_back(self) -> list[str]:
        out = []
        for m in sorted(self.moves, key=lambda m: m.depth):  # parents first
            src = qualify(m.table.schema, m.table.name)
            cols = quote_ident_list([c.name for c in m.table.columns if not c.generated])
            override = (
                " OVERRIDING SYSTEM VALUE" if any(c.identity == "always" for c in m.table.columns) else ""
            )
            out.append(
                f"INSERT INTO {src} ({cols}){override} SELECT {cols} FROM {m.quarantine} "
                f"WHERE aishell_batch = {quote_literal(self.batch)}"
            )
        for m in sorted(self.moves, key=lambda m: m.depth):
            out.append(f"DELETE FROM {m.quarantine} WHERE aishell_batch = {quote_literal(self.batch)}")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "batch": self.batch,
            "applied": self.applied,
            "cascade": self.cascade,
            "targets": [
                {"table": t.table.qualified_name, "reason": t.reason, "violations": t.violations}
                for t in self.checked or self.targets
            ],
            "moves": [
                {
                    "table": m.table.qualified_name,
                    "rows": m.rows,
                    "held_back": m.held_back,
                    "reason": m.reason,
                    "quarantine": m.quarantine,
                    "depth": m.depth,
                }
                for m in self.moves
            ],
            "before": self.before,
            "after": self.after,
            "statements": self.statements(),
            "way_back": self.way_back(),
        }


def plan_cleanup(conninfo: str, kind: str, options: dict[str, Any], *, cascade: bool = False) -> CleanupPlan:
    from aishell.dialects.postgres.inspect import inspect

    if kind not in KINDS:
        raise UserError(f"unknown cleanup {kind!r} (choose from {', '.join(sorted(KINDS))})")
    schema = inspect(conninfo, include_stats=False)
    targets = KINDS[kind](schema, options)
    if not targets:
        raise UserError(f"nothing to clean up for {kind}: no table or column it applies to")
    plan = CleanupPlan(kind, targets, cascade=cascade, batch=f"{kind}-{secrets.token_hex(4)}")
    from aishell.dialects.postgres.connect import connect

    with connect(conninfo) as conn:
        conn.execute("SET TRANSACTION READ ONLY")
        conn.execute("SET LOCAL statement_timeout = '120s'")
        for target in targets:
            t = target.table
            target.violations = conn.execute(
                f"SELECT count(*) FROM {qualify(t.schema, t.name)} AS t WHERE {target.where}"
            ).fetchone()[0]
        plan.targets = [t for t in targets if t.violations] or targets[:0]
        _build_moves(conn, schema, plan)
        plan.before = _counts(conn, plan)
    plan.checked = targets
    return plan


def _children(schema: Schema, t: Table) -> list[tuple[Table, Any]]:
    return [
        (x, fk)
        for x in schema.tables
        for fk in x.foreign_keys
        if fk.ref_table == t.name and fk.ref_schema == t.schema
    ]


def _build_moves(conn, schema: Schema, plan: CleanupPlan) -> None:
    for target in plan.targets:
        t = target.table
        where = target.where
        children = _children(schema, t)
        if plan.cascade:
            plan.moves.append(Move(t, where, target.reason))
            _cascade(schema, plan, t, where, 1, {t.qualified_name})
        else:
            free = where
            for child, fk in children:
                alias = "c"
                pairs = " AND ".join(
                    f"{alias}.{quote_ident(a)} = t.{quote_ident(b)}"
                    for a, b in zip(fk.columns, fk.ref_columns)
                )
                free += (
                    f" AND NOT EXISTS (SELECT 1 FROM {qualify(child.schema, child.name)} AS {alias} "
                    f"WHERE {pairs})"
                )
            m = Move(t, f"({where})" if free == where else free, target.reason)
            plan.moves.append(m)
            if children:
                total = conn.execute(
                    f"SELECT count(*) FROM {qualify(t.schema, t.name)} AS t WHERE {where}"
                ).fetchone()[0]
                movable = conn.execute(
                    f"SELECT count(*) FROM {qualify(t.schema, t.name)} AS t WHERE {free}"
                ).fetchone()[0]
                m.held_back = int(total) - int(movable)
    for m in plan.moves:
        m.rows = conn.execute(
            f"SELECT count(*) FROM {qualify(m.table.schema, m.table.name)} AS t WHERE {m.where}"
        ).fetchone()[0]


def _cascade(
    schema: Schema, plan: CleanupPlan, parent: Table, parent_where: str, depth: int, seen: set[str]
) -> None:
    if depth > 8:
        raise UserError("foreign keys chain more than 8 tables deep: clean up the referencing tables first")
    for child, fk in _children(schema, parent):
        if child.qualified_name in seen:
            raise UserError(
                f"{child.name} references {parent.name} in a cycle: --cascade cannot order the move"
            )
        # The inner alias t (the parent) shadows the outer one: parent_where needs no rewriting.
        where = (
            f"({', '.join(f't.{quote_ident(a)}' for a in fk.columns)}) IN (SELECT "
            f"{', '.join(f't.{quote_ident(b)}' for b in fk.ref_columns)} FROM "
            f"{qualify(parent.schema, parent.name)} AS t WHERE {parent_where})"
        )
        plan.moves.append(
            Move(child, where, f"references a quarantined {parent.name} row ({fk.name})", depth)
        )
        _cascade(schema, plan, child, where, depth + 1, seen | {child.qualified_name})


def _counts(conn, plan: CleanupPlan) -> dict[str, Any]:
    out: dict[str, Any] = {"violations": {}, "rows": {}}
    for target in plan.targets:
        t = target.table
        out["violations"][t.qualified_name] = conn.execute(
            f"SELECT count(*) FROM {qualify(t.schema, t.name)} AS t WHERE {target.where}"
        ).fetchone()[0]
    for m in plan.moves:
        out["rows"][m.table.qualified_name] = conn.execute(
            f"SELECT count(*) FROM {qualify(m.table.schema, m.table.name)}"
        ).fetchone()[0]
    return out


def apply_cleanup(
    conninfo: str, plan: CleanupPlan, *, lock_timeout: str = "5s", statement_timeout: str = "10min"
) -> CleanupPlan:
    from aishell.dialects.postgres.connect import connect

    with connect(conninfo) as conn:
        conn.execute(
            "SELECT set_config('lock_timeout', %s, true), set_config('statement_timeout', %s, true)",
            (lock_timeout, statement_timeout),
        )
        before = _counts(conn, plan)
        moved = {}
        for sql in plan.statements():
            cur = conn.execute(sql)
            if sql.startswith("WITH moved"):
                moved[sql.split("DELETE FROM ", 1)[1].split(" AS t", 1)[0]] = cur.rowcount
        after = _counts(conn, plan)
        # nothing lost: what left each table is exactly what its quarantine received
        for m in plan.moves:
            qn = m.table.qualified_name
            left = before["rows"][qn] - after["rows"][qn]
            got = conn.execute(
                f"SELECT count(*) FROM {m.quarantine} WHERE aishell_batch = %s", (plan.batch,)
            ).fetchone()[0]
            if left != got:
                raise UserError(
                    f"{qn}: {left} rows left the table but {got} reached the quarantine; rolled back"
                )
        conn.commit()
    plan.before, plan.after, plan.applied = before, after, True
    plan.after["moved"] = moved
    return plan


__all__ = ["KINDS", "QUARANTINE_SCHEMA", "CleanupPlan", "Move", "apply_cleanup", "plan_cleanup"]
