"""The table locks a statement takes, from PostgreSQL's documentation ("Explicit Locking", and the lock
each ALTER TABLE form takes), and what each lock stops other sessions from doing.

``locks_of(sql)`` parses the statement and returns ``Lock(table, mode)`` entries; a statement of several
ALTER TABLE subcommands takes the strongest of their locks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ACCESS_SHARE = "ACCESS SHARE"
ROW_SHARE = "ROW SHARE"
ROW_EXCLUSIVE = "ROW EXCLUSIVE"
SHARE_UPDATE_EXCLUSIVE = "SHARE UPDATE EXCLUSIVE"
SHARE = "SHARE"
SHARE_ROW_EXCLUSIVE = "SHARE ROW EXCLUSIVE"
EXCLUSIVE = "EXCLUSIVE"
ACCESS_EXCLUSIVE = "ACCESS EXCLUSIVE"

STRENGTH = [
    ACCESS_SHARE,
    ROW_SHARE,
    ROW_EXCLUSIVE,
    SHARE_UPDATE_EXCLUSIVE,
    SHARE,
    SHARE_ROW_EXCLUSIVE,
    EXCLUSIVE,
    ACCESS_EXCLUSIVE,
]

# What other sessions cannot do while the lock is held.
BLOCKS = {
    ACCESS_SHARE: "nothing but ACCESS EXCLUSIVE (DDL that rewrites or drops)",
    ROW_SHARE: "EXCLUSIVE and ACCESS EXCLUSIVE locks",
    ROW_EXCLUSIVE: "index builds and other DDL (reads and writes go on)",
    SHARE_UPDATE_EXCLUSIVE: "other DDL and VACUUM (reads and writes go on)",
    SHARE: "writes (reads go on)",
    SHARE_ROW_EXCLUSIVE: "writes (reads go on)",
    EXCLUSIVE: "writes (reads go on)",
    ACCESS_EXCLUSIVE: "reads and writes",
}

# ALTER TABLE subcommands that take less than ACCESS EXCLUSIVE.
_ALTER_MODES = {
    "AT_ValidateConstraint": SHARE_UPDATE_EXCLUSIVE,
    "AT_SetStatistics": SHARE_UPDATE_EXCLUSIVE,
    "AT_ClusterOn": SHARE_UPDATE_EXCLUSIVE,
    "AT_DropCluster": SHARE_UPDATE_EXCLUSIVE,
    "AT_SetRelOptions": SHARE_UPDATE_EXCLUSIVE,
    "AT_ResetRelOptions": SHARE_UPDATE_EXCLUSIVE,
    "AT_AttachPartition": SHARE_UPDATE_EXCLUSIVE,
    "AT_EnableTrig": SHARE_ROW_EXCLUSIVE,
    "AT_DisableTrig": SHARE_ROW_EXCLUSIVE,
    "AT_EnableAlwaysTrig": SHARE_ROW_EXCLUSIVE,
    "AT_EnableReplicaTrig": SHARE_ROW_EXCLUSIVE,
    "AT_EnableTrigAll": SHARE_ROW_EXCLUSIVE,
    "AT_DisableTrigAll": SHARE_ROW_EXCLUSIVE,
    "AT_EnableTrigUser": SHARE_ROW_EXCLUSIVE,
    "AT_DisableTrigUser": SHARE_ROW_EXCLUSIVE,
    "AT_AlterConstraint": SHARE_ROW_EXCLUSIVE,
}


@dataclass(frozen=True)
class Lock:
    table: str
    mode: str

    @property
    def blocks(self) -> str:
        return BLOCKS[self.mode]

    def __str__(self) -> str:
        return f"{self.mode} on {self.table}"


def strongest(modes: list[str]) -> str:
    return max(modes, key=STRENGTH.index)


def locks_of(sql: str) -> list[Lock]:
    """Locks of one statement's text (empty when it is not parsable or touches no table)."""
    from pglast import parse_sql
    from pglast.parser import ParseError

    try:
        raws = parse_sql(sql)
    except ParseError:
        return []
    out: list[Lock] = []
    for raw in raws:
        out += locks_of_node(raw.stmt)
    return merge(out)


def merge(locks: list[Lock]) -> list[Lock]:
    by: dict[str, str] = {}
    for lk in locks:
        by[lk.table] = strongest([by[lk.table], lk.mode]) if lk.table in by else lk.mode
    return [Lock(t, m) for t, m in by.items()]


def locks_of_node(node: Any) -> list[Lock]:
    from aishell.lint.statements import relation_name

    kind = type(node).__name__
    if kind == "AlterTableStmt":
        rel = relation_name(node.relation)
        modes = []
        extra: list[Lock] = []
        for cmd in node.cmds or ():
            sub = cmd.subtype.name
            mode = _ALTER_MODES.get(sub, ACCESS_EXCLUSIVE)
            if sub == "AT_AddConstraint" and type(cmd.def_).__name__ == "Constraint":
                c = cmd.def_
                if c.contype.name == "CONSTR_FOREIGN":
                    mode = SHARE_ROW_EXCLUSIVE
                    if c.pktable is not None:
                        extra.append(Lock(relation_name(c.pktable), SHARE_ROW_EXCLUSIVE))
            if sub == "AT_DetachPartition" and getattr(cmd.def_, "concurrent", False):
                mode = SHARE_UPDATE_EXCLUSIVE
            if sub in ("AT_AttachPartition", "AT_DetachPartition") and getattr(cmd.def_, "name", None):
                extra.append(Lock(relation_name(cmd.def_.name), ACCESS_EXCLUSIVE))
            modes.append(mode)
        if str(getattr(node.objtype, "name", "")) == "OBJECT_INDEX":
            return [Lock(rel, strongest(modes or [SHARE_UPDATE_EXCLUSIVE]))]
        return merge([Lock(rel, strongest(modes or [ACCESS_EXCLUSIVE]))] + extra)
    if kind == "IndexStmt":
        return [Lock(relation_name(node.relation), SHARE_UPDATE_EXCLUSIVE if node.concurrent else SHARE)]
    if kind == "ReindexStmt" and node.relation is not None:
        concurrent = any(getattr(p, "defname", "") == "concurrently" for p in (node.params or ()))
        return [
            Lock(relation_name(node.relation), SHARE_UPDATE_EXCLUSIVE if concurrent else ACCESS_EXCLUSIVE)
        ]
    if kind == "DropStmt":
        what = node.removeType.name
        names = [
            ".".join(x.sval for x in obj) if isinstance(obj, tuple) else "" for obj in node.objects or ()
        ]
        names = [n if "." in n else f"public.{n}" for n in names if n]
        if what == "OBJECT_INDEX":
            return [Lock(n, SHARE_UPDATE_EXCLUSIVE if node.concurrent else ACCESS_EXCLUSIVE) for n in names]
        if what in ("OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW"):
            return [Lock(n, ACCESS_EXCLUSIVE) for n in names]
        if what in ("OBJECT_TRIGGER", "OBJECT_POLICY", "OBJECT_RULE") and node.objects:
            obj = node.objects[0]
            parts = [x.sval for x in obj][:-1]
            if parts:
                t = ".".join(parts)
                return [Lock(t if "." in t else f"public.{t}", ACCESS_EXCLUSIVE)]
        return []
    if kind == "RenameStmt" and node.relation is not None:
        mode = SHARE_UPDATE_EXCLUSIVE if node.renameType.name == "OBJECT_INDEX" else ACCESS_EXCLUSIVE
        return [Lock(relation_name(node.relation), mode)]
    if kind == "TruncateStmt":
        return [Lock(relation_name(r), ACCESS_EXCLUSIVE) for r in node.relations]
    if kind == "VacuumStmt":
        full = any(getattr(o, "defname", "") == "full" for o in (node.options or ()))
        mode = ACCESS_EXCLUSIVE if full else SHARE_UPDATE_EXCLUSIVE
        return [Lock(relation_name(r.relation), mode) for r in (node.rels or ()) if r.relation is not None]
    if kind == "ClusterStmt" and node.relation is not None:
        return [Lock(relation_name(node.relation), ACCESS_EXCLUSIVE)]
    if kind in ("UpdateStmt", "DeleteStmt", "InsertStmt", "MergeStmt"):
        return [Lock(relation_name(node.relation), ROW_EXCLUSIVE)]
    if kind == "LockStmt":
        mode = STRENGTH[max(0, min(int(node.mode) - 1, len(STRENGTH) - 1))]
        return [Lock(relation_name(r), mode) for r in node.relations]
    if kind == "CreateTrigStmt":
        return [Lock(relation_name(node.relation), SHARE_ROW_EXCLUSIVE)]
    if kind == "CreatePolicyStmt" or kind == "AlterPolicyStmt":
        return [Lock(relation_name(node.table), ACCESS_EXCLUSIVE)]
    if kind == "RefreshMatViewStmt":
        return [Lock(relation_name(node.relation), EXCLUSIVE if node.concurrent else ACCESS_EXCLUSIVE)]
    if kind == "CommentStmt" and node.objtype.name in ("OBJECT_TABLE", "OBJECT_COLUMN"):
        obj = node.object
        parts = [x.sval for x in obj] if isinstance(obj, tuple) else []
        if node.objtype.name == "OBJECT_COLUMN":
            parts = parts[:-1]
        if parts:
            t = ".".join(parts)
            return [Lock(t if "." in t else f"public.{t}", SHARE_UPDATE_EXCLUSIVE)]
    return []
