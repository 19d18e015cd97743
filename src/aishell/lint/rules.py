"""The migration linter's rules: small registered units with stable ids of our own.

Each rule names the squawk rules it covers (``squawk``), so a file that says
``-- squawk-ignore adding-required-field`` is honoured, and ``benchmarks/lint.py`` can put the two
linters side by side. A rule sees one parsed statement (``Stmt``) and the file around it and yields
``(message, table)`` pairs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from aishell.lint.statements import ParsedFile, Stmt, relation_name

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    title: str
    why: str
    squawk: tuple[str, ...]
    check: Callable[[Stmt, ParsedFile], Iterable[tuple[str, str | None]]]
    fixable: bool = False


RULES: dict[str, Rule] = {}


def rule(
    id: str, severity: str, title: str, why: str, *, squawk: tuple[str, ...] = (), fixable: bool = False
):
    def wrap(fn):
        RULES[id] = Rule(id, severity, title, why, squawk, fn, fixable)
        return fn

    return wrap


def by_squawk_name() -> dict[str, str]:
    return {s: r.id for r in RULES.values() for s in r.squawk}


# -- helpers ------------------------------------------------------------------------------------------------
def _name(node: Any) -> str:
    return type(node).__name__


def _cmds(s: Stmt) -> Iterator[tuple[str, Any]]:
    if s.kind == "AlterTableStmt":
        for cmd in s.node.cmds or ():
            yield cmd.subtype.name, cmd


def _table(s: Stmt) -> str | None:
    rel = getattr(s.node, "relation", None)
    return relation_name(rel) if rel is not None and _name(rel) == "RangeVar" else None


def _live(s: Stmt) -> bool:
    """The statement's table existed before this file (rules about locking live tables apply)."""
    t = _table(s)
    return t is not None and t not in s.created_before


def _is_table(s: Stmt) -> bool:
    return s.kind == "AlterTableStmt" and getattr(s.node.objtype, "name", "") == "OBJECT_TABLE"


def _constraints(coldef: Any) -> list[Any]:
    return list(getattr(coldef, "constraints", None) or ())


def _contypes(coldef: Any) -> set[str]:
    return {c.contype.name for c in _constraints(coldef)}


def type_name(tn: Any) -> str:
    """pglast TypeName → its last name (``int4``, ``varchar``, ``serial``)."""
    return tn.names[-1].sval if tn is not None and tn.names else ""


def column_defs(s: Stmt) -> Iterator[tuple[Any, str]]:
    """Column definitions of CREATE TABLE / ADD COLUMN / ALTER COLUMN TYPE, with their table."""
    t = _table(s) or ""
    if s.kind == "CreateStmt":
        for el in s.node.tableElts or ():
            if _name(el) == "ColumnDef":
                yield el, t
    for sub, cmd in _cmds(s):
        if sub in ("AT_AddColumn", "AT_AlterColumnType") and _name(cmd.def_) == "ColumnDef":
            yield cmd.def_, t


def _colname(coldef: Any, cmd: Any = None) -> str:
    return coldef.colname or (cmd.name if cmd is not None else "") or "?"


_VOLATILE_OK = {
    "now",
    "current_timestamp",
    "statement_timestamp",
    "transaction_timestamp",
    "current_date",
    "current_user",
    "session_user",
    "localtimestamp",
    "current_time",
    "localtime",
}


def _default_is_volatile(expr: Any) -> bool:
    """A default PostgreSQL must compute per row (a rewrite): any function call but the stable ones."""
    from pglast.visitors import Visitor

    found = []

    class V(Visitor):
        def visit_FuncCall(self, ancestors, node):
            fn = node.funcname[-1].sval.lower()
            if fn not in _VOLATILE_OK:
                found.append(fn)

    V()(expr)
    return bool(found)


# -- adding columns ----------------------------------------------------------------------------------------
@rule(
    "required-column",
    ERROR,
    "Adding a NOT NULL column without a default",
    "fails on a table that has rows; add it nullable, backfill in batches, then SET NOT NULL through a "
    "validated CHECK",
    squawk=("adding-required-field",),
    fixable=True,
)
def _required_column(s: Stmt, f: ParsedFile):
    if not _live(s):
        return
    for sub, cmd in _cmds(s):
        if sub != "AT_AddColumn":
            continue
        kinds = _contypes(cmd.def_)
        if "CONSTR_NOTNULL" in kinds and not kinds & {
            "CONSTR_DEFAULT",
            "CONSTR_IDENTITY",
            "CONSTR_GENERATED",
        }:
            yield f"column {_colname(cmd.def_)} is NOT NULL with no default", _table(s)


@rule(
    "volatile-default",
    WARNING,
    "Adding a column whose default is computed per row",
    "a volatile default or a stored generated column rewrites the whole table under ACCESS EXCLUSIVE; add "
    "the column without it, set the default, and backfill in batches",
    squawk=("adding-field-with-default",),
)
def _volatile_default(s: Stmt, f: ParsedFile):
    if not _live(s):
        return
    for sub, cmd in _cmds(s):
        if sub != "AT_AddColumn":
            continue
        for c in _constraints(cmd.def_):
            if (
                c.contype.name == "CONSTR_DEFAULT"
                and c.raw_expr is not None
                and _default_is_volatile(c.raw_expr)
            ):
                yield f"column {_colname(cmd.def_)} has a volatile default (table rewrite)", _table(s)
            if c.contype.name == "CONSTR_GENERATED":
                yield f"column {_colname(cmd.def_)} is a stored generated column (table rewrite)", _table(s)


@rule(
    "not-null-scan",
    WARNING,
    "SET NOT NULL scans the table under ACCESS EXCLUSIVE",
    "reads and writes wait while every row is checked; first add CHECK (col IS NOT NULL) NOT VALID, "
    "VALIDATE it, then SET NOT NULL (PostgreSQL 12+ uses the CHECK and skips the scan)",
    squawk=("adding-not-nullable-field",),
    fixable=True,
)
def _not_null_scan(s: Stmt, f: ParsedFile):
    if not _live(s):
        return
    for sub, cmd in _cmds(s):
        if sub == "AT_SetNotNull" and not _has_validated_not_null_check(f, s, cmd.name):
            yield f"SET NOT NULL on {cmd.name} without a validated CHECK ({cmd.name} IS NOT NULL)", _table(s)


def _has_validated_not_null_check(f: ParsedFile, upto: Stmt, column: str) -> bool:
    names = set()
    for s in f.statements[: upto.index]:
        if _table(s) != _table(upto):
            continue
        for sub, cmd in _cmds(s):
            if sub == "AT_AddConstraint" and cmd.def_.contype.name == "CONSTR_CHECK":
                expr = cmd.def_.raw_expr
                if (
                    _name(expr) == "NullTest"
                    and _name(expr.arg) == "ColumnRef"
                    and expr.arg.fields[-1].sval == column
                    and expr.nulltesttype.name == "IS_NOT_NULL"
                ):
                    names.add(cmd.def_.conname)
            if sub == "AT_ValidateConstraint" and cmd.name in names:
                return True
    return False


@rule(
    "primary-key-without-index",
    ERROR,
    "Adding a primary key builds its index under ACCESS EXCLUSIVE",
    "reads and writes wait for the index build; build a UNIQUE index CONCURRENTLY first and add the key "
    "with PRIMARY KEY USING INDEX",
    squawk=("adding-serial-primary-key-field", "constraint-missing-not-valid"),
    fixable=True,
)
def _pk_without_index(s: Stmt, f: ParsedFile):
    if not _live(s):
        return
    for sub, cmd in _cmds(s):
        if sub == "AT_AddConstraint" and cmd.def_.contype.name == "CONSTR_PRIMARY" and not cmd.def_.indexname:
            yield "ADD PRIMARY KEY builds the index while holding ACCESS EXCLUSIVE", _table(s)
        if sub == "AT_AddColumn" and "CONSTR_PRIMARY" in _contypes(cmd.def_):
            yield (
                (
                    f"new column {_colname(cmd.def_)} is the primary key: the table is rewritten and indexed "
                    "under ACCESS EXCLUSIVE"
                ),
                _table(s),
            )


@rule(
    "unique-constraint",
    ERROR,
    "Adding a UNIQUE constraint builds its index under a lock",
    "writes wait for the whole index build; CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT ... "
    "UNIQUE USING INDEX",
    squawk=("disallowed-unique-constraint", "constraint-missing-not-valid"),
    fixable=True,
)
def _unique_constraint(s: Stmt, f: ParsedFile):
    if not _live(s):
        return
    for sub, cmd in _cmds(s):
        if sub == "AT_AddConstraint" and cmd.def_.contype.name == "CONSTR_UNIQUE" and not cmd.def_.indexname:
            yield (
                f"UNIQUE constraint {cmd.def_.conname or ''} built under a lock".replace("  ", " "),
                _table(s),
            )


@rule(
    "exclusion-constraint",
    WARNING,
    "Adding an EXCLUDE constraint on a live table",
    "it cannot be added NOT VALID: every row is checked and the index built while writes wait",
    squawk=("constraint-missing-not-valid",),
)
def _exclusion(s: Stmt, f: ParsedFile):
    if not _live(s):
        return
    for sub, cmd in _cmds(s):
        if sub == "AT_AddConstraint" and cmd.def_.contype.name == "CONSTR_EXCLUSION":
            yield "EXCLUDE constraint checked and indexed under a lock", _table(s)


# -- constraints -------------------------------------------------------------------------------------------
@rule(
    "constraint-not-valid",
    ERROR,
    "Adding a CHECK constraint without NOT VALID",
    "every row is checked while ACCESS EXCLUSIVE is held; add it NOT VALID, then VALIDATE CONSTRAINT in a "
    "separate transaction (SHARE UPDATE EXCLUSIVE: reads and writes go on)",
    squawk=("constraint-missing-not-valid",),
    fixable=True,
)
def _check_not_valid(s: Stmt, f: ParsedFile):
    if not _live(s):
        return
    for sub, cmd in _cmds(s):
        c = cmd.def_ if sub == "AT_AddConstraint" else None
        if c is not None and c.contype.name == "CONSTR_CHECK" and not c.skip_validation:
            yield (
                f"CHECK {c.conname or ''} checks every row under ACCESS EXCLUSIVE".replace("  ", " "),
                _table(s),
            )


@rule(
    "foreign-key-not-valid",
    ERROR,
    "Adding a FOREIGN KEY without NOT VALID",
    "both tables are locked against writes while every row is checked; add it NOT VALID, then VALIDATE "
    "CONSTRAINT separately",
    squawk=("adding-foreign-key-constraint", "constraint-missing-not-valid"),
    fixable=True,
)
def _fk_not_valid(s: Stmt, f: ParsedFile):
    if not _live(s):
        return
    for sub, cmd in _cmds(s):
        c = cmd.def_ if sub == "AT_AddConstraint" else None
        if c is not None and c.contype.name == "CONSTR_FOREIGN" and not c.skip_validation:
            yield (
                f"FOREIGN KEY {c.conname or ''} checks every row while writes wait".replace("  ", " "),
                _table(s),
            )
        if sub == "AT_AddColumn" and "CONSTR_FOREIGN" in _contypes(cmd.def_):
            yield (
                f"column {_colname(cmd.def_)} adds a FOREIGN KEY in the same statement (no NOT VALID)",
                _table(s),
            )


@rule(
    "validate-in-transaction",
    WARNING,
    "VALIDATE CONSTRAINT in the transaction that added it",
    "the ACCESS EXCLUSIVE lock of ADD CONSTRAINT is held while VALIDATE scans the table; commit between them",
    squawk=("constraint-missing-not-valid",),
)
def _validate_same_tx(s: Stmt, f: ParsedFile):
    if not s.in_transaction:
        return
    for sub, cmd in _cmds(s):
        if sub != "AT_ValidateConstraint":
            continue
        for prev in reversed(f.statements[: s.index]):
            if prev.kind == "TransactionStmt":
                break
            if any(
                x == "AT_AddConstraint" and getattr(c.def_, "conname", None) == cmd.name
                for x, c in _cmds(prev)
            ):
                yield f"constraint {cmd.name} is added and validated in one transaction", _table(s)
                break


# -- indexes -----------------------------------------------------------------------------------------------
@rule(
    "index-not-concurrent",
    ERROR,
    "CREATE INDEX without CONCURRENTLY",
    "writes wait (SHARE lock) for the whole build; CREATE INDEX CONCURRENTLY, outside a transaction",
    squawk=("require-concurrent-index-creation",),
    fixable=True,
)
def _index_not_concurrent(s: Stmt, f: ParsedFile):
    if s.kind == "IndexStmt" and not s.node.concurrent and _live(s):
        yield f"index {s.node.idxname or ''} built while writes wait".replace("  ", " "), _table(s)


@rule(
    "drop-index-not-concurrent",
    WARNING,
    "DROP INDEX without CONCURRENTLY",
    "takes ACCESS EXCLUSIVE on the table; DROP INDEX CONCURRENTLY waits for running queries instead",
    squawk=("require-concurrent-index-deletion",),
    fixable=True,
)
def _drop_index(s: Stmt, f: ParsedFile):
    if s.kind == "DropStmt" and s.node.removeType.name == "OBJECT_INDEX" and not s.node.concurrent:
        yield "DROP INDEX blocks reads and writes of its table", None


@rule(
    "reindex-not-concurrent",
    WARNING,
    "REINDEX without CONCURRENTLY",
    "blocks writes, and reads that use the index; REINDEX ... CONCURRENTLY (PostgreSQL 12+)",
    squawk=("require-concurrent-reindex",),
    fixable=True,
)
def _reindex(s: Stmt, f: ParsedFile):
    if s.kind == "ReindexStmt" and not any(
        getattr(p, "defname", "") == "concurrently" for p in (s.node.params or ())
    ):
        yield "REINDEX locks the table", None


@rule(
    "detach-not-concurrent",
    WARNING,
    "DETACH PARTITION without CONCURRENTLY",
    "ACCESS EXCLUSIVE on the parent; DETACH PARTITION ... CONCURRENTLY (PostgreSQL 14+) only briefly locks",
    squawk=("require-concurrent-partition-detach",),
)
def _detach(s: Stmt, f: ParsedFile):
    for sub, cmd in _cmds(s):
        if sub == "AT_DetachPartition" and not cmd.def_.concurrent:
            yield "DETACH PARTITION locks the partitioned table", _table(s)


@rule(
    "concurrently-in-transaction",
    ERROR,
    "CONCURRENTLY inside a transaction block",
    "PostgreSQL refuses it: the statement fails; run it outside BEGIN ... COMMIT",
    squawk=("ban-concurrent-index-creation-in-transaction",),
    fixable=True,
)
def _concurrent_in_tx(s: Stmt, f: ParsedFile):
    if not s.in_transaction:
        return
    concurrent = (
        (s.kind == "IndexStmt" and s.node.concurrent)
        or (s.kind == "DropStmt" and s.node.concurrent)
        or (
            s.kind == "ReindexStmt"
            and any(getattr(p, "defname", "") == "concurrently" for p in (s.node.params or ()))
        )
    )
    if concurrent:
        yield "a CONCURRENTLY statement inside BEGIN ... COMMIT fails", _table(s)


# -- changes that break or rewrite -------------------------------------------------------------------------
@rule(
    "column-type-change",
    ERROR,
    "Changing a column's type",
    "most type changes rewrite the table and its indexes under ACCESS EXCLUSIVE, and clients may break; add "
    "a new column, backfill, switch, then drop the old one",
    squawk=("changing-column-type",),
)
def _type_change(s: Stmt, f: ParsedFile):
    if not _live(s):
        return
    for sub, cmd in _cmds(s):
        if sub == "AT_AlterColumnType":
            yield f"column {cmd.name} changes type to {type_name(cmd.def_.typeName)}", _table(s)


@rule(
    "table-rewrite",
    WARNING,
    "A statement that rewrites the whole table",
    "VACUUM FULL, CLUSTER, SET LOGGED/UNLOGGED and SET TABLESPACE copy every row under ACCESS EXCLUSIVE; "
    "pg_repack does it online",
)
def _rewrite(s: Stmt, f: ParsedFile):
    if s.kind == "VacuumStmt" and any(getattr(o, "defname", "") == "full" for o in (s.node.options or ())):
        yield "VACUUM FULL rewrites the table under ACCESS EXCLUSIVE", None
    if s.kind == "ClusterStmt":
        yield "CLUSTER rewrites the table under ACCESS EXCLUSIVE", _table(s)
    if _live(s):
        for sub, _cmd in _cmds(s):
            if sub in ("AT_SetLogged", "AT_SetUnLogged", "AT_SetTableSpace", "AT_SetAccessMethod"):
                yield f"{sub[3:]} rewrites the table", _table(s)


@rule(
    "drop-column",
    ERROR,
    "Dropping a column",
    "its data is gone and clients that still read it break; stop using it first, then drop it",
    squawk=("ban-drop-column",),
)
def _drop_column(s: Stmt, f: ParsedFile):
    for sub, cmd in _cmds(s):
        if sub == "AT_DropColumn":
            yield f"column {cmd.name} and its data are dropped", _table(s)


@rule(
    "drop-table", ERROR, "Dropping a table", "its rows are gone and clients break", squawk=("ban-drop-table",)
)
def _drop_table(s: Stmt, f: ParsedFile):
    if s.kind == "DropStmt" and s.node.removeType.name == "OBJECT_TABLE":
        for obj in s.node.objects or ():
            yield f"table {'.'.join(x.sval for x in obj)} and its rows are dropped", None


@rule(
    "drop-database", ERROR, "Dropping a database", "everything in it is gone", squawk=("ban-drop-database",)
)
def _drop_database(s: Stmt, f: ParsedFile):
    if s.kind == "DropdbStmt":
        yield f"database {s.node.dbname} is dropped", None


@rule(
    "truncate-cascade",
    ERROR,
    "TRUNCATE ... CASCADE",
    "also empties every table that references these, however far",
    squawk=("ban-truncate-cascade",),
)
def _truncate_cascade(s: Stmt, f: ParsedFile):
    if s.kind == "TruncateStmt" and s.node.behavior.name == "DROP_CASCADE":
        yield "TRUNCATE CASCADE empties referencing tables too", None


@rule(
    "drop-not-null",
    WARNING,
    "Dropping NOT NULL",
    "readers that assume a value break on NULLs",
    squawk=("ban-drop-not-null",),
)
def _drop_not_null(s: Stmt, f: ParsedFile):
    for sub, cmd in _cmds(s):
        if sub == "AT_DropNotNull":
            yield f"column {cmd.name} may hold NULL from now on", _table(s)


@rule(
    "drop-default",
    WARNING,
    "Dropping a column default",
    "inserts that relied on it start failing or storing NULL",
    squawk=("ban-drop-default",),
)
def _drop_default(s: Stmt, f: ParsedFile):
    for sub, cmd in _cmds(s):
        if sub == "AT_ColumnDefault" and cmd.def_ is None:
            yield f"column {cmd.name} loses its default", _table(s)


@rule(
    "drop-constraint",
    WARNING,
    "Dropping a constraint",
    "the rule it kept no longer holds for new rows",
    squawk=("ban-drop-constraint",),
)
def _drop_constraint(s: Stmt, f: ParsedFile):
    for sub, cmd in _cmds(s):
        if sub == "AT_DropConstraint":
            yield f"constraint {cmd.name} is dropped", _table(s)


@rule(
    "rename-column",
    ERROR,
    "Renaming a column",
    "clients that use the old name break at once",
    squawk=("renaming-column",),
)
def _rename_column(s: Stmt, f: ParsedFile):
    if s.kind == "RenameStmt" and s.node.renameType.name == "OBJECT_COLUMN":
        yield f"column {s.node.subname} renamed to {s.node.newname}", _table(s)


@rule(
    "rename-table",
    ERROR,
    "Renaming a table",
    "clients that use the old name break at once (a view under the old name keeps them working)",
    squawk=("renaming-table",),
)
def _rename_table(s: Stmt, f: ParsedFile):
    if s.kind == "RenameStmt" and s.node.renameType.name == "OBJECT_TABLE":
        yield f"table renamed to {s.node.newname}", _table(s)


_DROP_KINDS = {
    "OBJECT_VIEW": ("view", "ban-drop-view"),
    "OBJECT_MATVIEW": ("materialized view", "ban-drop-view"),
    "OBJECT_FUNCTION": ("function", "ban-drop-function"),
    "OBJECT_PROCEDURE": ("procedure", "ban-drop-function"),
    "OBJECT_TRIGGER": ("trigger", "ban-drop-trigger"),
    "OBJECT_SEQUENCE": ("sequence", "ban-drop-sequence"),
    "OBJECT_SCHEMA": ("schema", "ban-drop-schema"),
    "OBJECT_TYPE": ("type", "ban-drop-type"),
    "OBJECT_DOMAIN": ("domain", "ban-drop-domain"),
    "OBJECT_EXTENSION": ("extension", "ban-drop-extension"),
    "OBJECT_POLICY": ("policy", "ban-drop-policy"),
}


@rule(
    "drop-object",
    WARNING,
    "Dropping a view, routine, trigger, sequence, type, schema, extension or policy",
    "clients (or the application version being rolled back to) may still use it",
    squawk=tuple(sorted({v[1] for v in _DROP_KINDS.values()})),
)
def _drop_object(s: Stmt, f: ParsedFile):
    if s.kind == "DropStmt" and s.node.removeType.name in _DROP_KINDS:
        yield f"{_DROP_KINDS[s.node.removeType.name][0]} dropped", None


@rule(
    "disable-trigger",
    WARNING,
    "Disabling a trigger",
    "what the trigger enforced or recorded stops silently",
    squawk=("ban-disable-trigger",),
)
def _disable_trigger(s: Stmt, f: ParsedFile):
    for sub, cmd in _cmds(s):
        if sub.startswith("AT_DisableTrig"):
            yield f"trigger {cmd.name or 'ALL'} disabled", _table(s)


@rule(
    "set-schema",
    WARNING,
    "Moving an object to another schema",
    "clients that name it with its schema break",
    squawk=("ban-set-schema",),
)
def _set_schema(s: Stmt, f: ParsedFile):
    if s.kind == "AlterObjectSchemaStmt":
        yield f"moved to schema {s.node.newschema}", None


@rule(
    "revoke",
    WARNING,
    "REVOKE in a migration",
    "a role that still needs the privilege starts failing",
    squawk=("ban-revoke",),
)
def _revoke(s: Stmt, f: ParsedFile):
    if s.kind == "GrantStmt" and not s.node.is_grant:
        yield "privileges revoked", None


@rule(
    "alter-identity",
    WARNING,
    "Changing an identity column",
    "sequence values or generation behaviour change "
    "under ACCESS EXCLUSIVE; inserts that relied on it may fail",
    squawk=("ban-alter-identity",),
)
def _alter_identity(s: Stmt, f: ParsedFile):
    for sub, cmd in _cmds(s):
        if sub in ("AT_AddIdentity", "AT_SetIdentity", "AT_DropIdentity"):
            yield f"identity of {cmd.name} changes", _table(s)


@rule(
    "full-table-write",
    WARNING,
    "UPDATE or DELETE of every row in a migration",
    "one statement holds row locks on the whole table until commit and bloats it; update in batches",
)
def _full_write(s: Stmt, f: ParsedFile):
    if s.kind in ("UpdateStmt", "DeleteStmt") and s.node.whereClause is None and _live(s):
        yield f"{'UPDATE' if s.kind == 'UpdateStmt' else 'DELETE'} without WHERE touches every row", _table(s)


@rule(
    "lock-table",
    WARNING,
    "LOCK TABLE in a migration",
    "an explicit lock holds every other session off for the rest of the transaction",
)
def _lock_table(s: Stmt, f: ParsedFile):
    if s.kind == "LockStmt" and int(s.node.mode) >= 7:
        for r in s.node.relations:
            yield "explicit EXCLUSIVE/ACCESS EXCLUSIVE lock", relation_name(r)


# -- types ------------------------------------------------------------------------------------------------
def _type_rule(names: set[str], s: Stmt):
    for coldef, table in column_defs(s):
        if type_name(coldef.typeName) in names:
            yield coldef, table


@rule(
    "prefer-bigint",
    WARNING,
    "32- or 16-bit integer column",
    "ids and counters outgrow int; bigint costs 4 bytes more and avoids a rewrite later",
    squawk=("prefer-bigint-over-int", "prefer-bigint-over-smallint"),
    fixable=True,
)
def _prefer_bigint(s: Stmt, f: ParsedFile):
    for coldef, table in _type_rule({"int4", "int2", "serial", "smallserial", "serial4", "serial2"}, s):
        yield f"column {coldef.colname} is {type_name(coldef.typeName)}", table


@rule(
    "prefer-identity",
    WARNING,
    "serial column",
    "serial's sequence has its own owner, grants and dump order; GENERATED ... AS IDENTITY does not",
    squawk=("prefer-identity",),
    fixable=True,
)
def _prefer_identity(s: Stmt, f: ParsedFile):
    for coldef, table in _type_rule(
        {"serial", "bigserial", "smallserial", "serial4", "serial8", "serial2"}, s
    ):
        yield f"column {coldef.colname} is {type_name(coldef.typeName)}", table


@rule(
    "prefer-text",
    WARNING,
    "varchar(n) column",
    "changing n later takes ACCESS EXCLUSIVE (and a rewrite when "
    "it shrinks); text with a CHECK on length() changes with NOT VALID + VALIDATE",
    squawk=("prefer-text-field",),
    fixable=True,
)
def _prefer_text(s: Stmt, f: ParsedFile):
    for coldef, table in _type_rule({"varchar"}, s):
        if coldef.typeName.typmods:
            yield f"column {coldef.colname} is varchar with a length", table


@rule(
    "prefer-timestamptz",
    WARNING,
    "timestamp without time zone",
    "the offset is dropped: the same instant from two time zones stores two values",
    squawk=("prefer-timestamp-tz", "prefer-timestamptz"),
    fixable=True,
)
def _prefer_timestamptz(s: Stmt, f: ParsedFile):
    for coldef, table in _type_rule({"timestamp"}, s):
        yield f"column {coldef.colname} is timestamp without time zone", table


@rule(
    "ban-char",
    WARNING,
    "char(n) column",
    "char pads with spaces and compares oddly; use text or varchar",
    squawk=("ban-char-field",),
    fixable=True,
)
def _ban_char(s: Stmt, f: ParsedFile):
    for coldef, table in _type_rule({"bpchar"}, s):
        yield f"column {coldef.colname} is char", table


# -- file-level rules --------------------------------------------------------------------------------------
def takes_lock(s: Stmt) -> bool:
    from aishell.lint.locks import ACCESS_SHARE, ROW_EXCLUSIVE, locks_of_node

    if s.kind == "AlterDomainStmt":
        return True  # checks every column of the domain under lock
    locks = locks_of_node(s.node)
    return any(
        lk.mode not in (ACCESS_SHARE, ROW_EXCLUSIVE) and lk.table not in s.created_before for lk in locks
    )


@rule(
    "lock-timeout",
    ERROR,
    "No lock_timeout before a statement that locks a table",
    "a DDL lock queued behind a long query blocks every query after it; SET lock_timeout so it gives up",
    squawk=("require-lock-timeout", "require-timeout-settings"),
    fixable=True,
)
def _lock_timeout(s: Stmt, f: ParsedFile):
    if not s.lock_timeout_set and takes_lock(s) and _first_locking(f) is s:
        yield "no SET lock_timeout before the first statement that takes a table lock", _table(s)


@rule(
    "statement-timeout",
    WARNING,
    "No statement_timeout before a statement that locks a table",
    "a statement that runs far longer than expected holds its lock all along; SET statement_timeout",
    squawk=("require-statement-timeout", "require-timeout-settings"),
    fixable=True,
)
def _statement_timeout(s: Stmt, f: ParsedFile):
    if not s.statement_timeout_set and takes_lock(s) and _first_locking(f) is s:
        yield "no SET statement_timeout before the first statement that takes a table lock", _table(s)


def _first_locking(f: ParsedFile) -> Stmt | None:
    cached = getattr(f, "_first_locking", 0)
    if cached != 0:
        return cached
    found = next((x for x in f.statements if takes_lock(x)), None)
    f._first_locking = found  # type: ignore[attr-defined]
    return found


@rule(
    "transaction-nesting",
    ERROR,
    "BEGIN inside a transaction",
    "PostgreSQL warns and ignores it; the COMMIT that follows ends the outer transaction early",
    squawk=("transaction-nesting",),
)
def _nesting(s: Stmt, f: ParsedFile):
    if (
        s.kind == "TransactionStmt"
        and s.node.kind.name in ("TRANS_STMT_BEGIN", "TRANS_STMT_START")
        and s.transaction_depth > 1
    ):
        yield "BEGIN while a transaction is already open", None


@rule(
    "uncommitted-transaction",
    ERROR,
    "A transaction left open at the end of the file",
    "the file's changes are rolled back when the session ends",
    squawk=("ban-uncommitted-transaction",),
)
def _uncommitted(s: Stmt, f: ParsedFile):
    if s is f.statements[-1] and s.transaction_depth > 0:
        yield "BEGIN without COMMIT", None


@rule(
    "enum-value-ordering",
    WARNING,
    "ALTER TYPE ... ADD VALUE without BEFORE/AFTER",
    "the value goes last, which may not be the order the values sort in",
    squawk=("require-enum-value-ordering",),
)
def _enum_order(s: Stmt, f: ParsedFile):
    if s.kind == "AlterEnumStmt" and s.node.newVal and not s.node.newValNeighbor:
        yield f"value {s.node.newVal!r} is added last", None


@rule(
    "domain-check",
    WARNING,
    "CREATE DOMAIN with a CHECK",
    "changing the CHECK later scans every column of the domain under lock",
    squawk=("ban-create-domain-with-constraint",),
)
def _domain_check(s: Stmt, f: ParsedFile):
    if s.kind == "CreateDomainStmt" and any(
        c.contype.name == "CONSTR_CHECK" for c in (s.node.constraints or ())
    ):
        yield "domain with a CHECK constraint", None


@rule(
    "alter-domain-check",
    WARNING,
    "ALTER DOMAIN ... ADD CONSTRAINT",
    "every column of the domain is checked under lock; add it NOT VALID and VALIDATE separately",
    squawk=("ban-alter-domain-with-add-constraint",),
)
def _alter_domain(s: Stmt, f: ParsedFile):
    if (
        s.kind == "AlterDomainStmt"
        and s.node.subtype == "C"
        and not getattr(s.node.def_, "skip_validation", False)
    ):
        yield "domain CHECK added and checked at once", None


@rule(
    "identifier-too-long",
    ERROR,
    "Identifier longer than 63 bytes",
    "PostgreSQL truncates it silently: two long names can end up the same",
    squawk=("identifier-too-long",),
)
def _long_identifier(s: Stmt, f: ParsedFile):
    for name in dict.fromkeys(s.identifiers()):
        if len(name.encode()) > 63:
            yield f"{name[:40]}… is {len(name.encode())} bytes (63 kept)", None


@rule(
    "not-rerunnable",
    WARNING,
    "CREATE/DROP without IF [NOT] EXISTS outside a transaction",
    "if the file stops half way, running it again fails on what the first run already did",
    squawk=("prefer-robust-stmts",),
    fixable=True,
)
def _robust(s: Stmt, f: ParsedFile):
    if s.in_transaction or _all_in_one_transaction(f):
        return
    n = s.node
    if s.kind == "CreateStmt" and not n.if_not_exists:
        yield "CREATE TABLE without IF NOT EXISTS", _table(s)
    elif s.kind == "IndexStmt" and not n.if_not_exists:
        yield "CREATE INDEX without IF NOT EXISTS", _table(s)
    elif s.kind == "DropStmt" and not n.missing_ok:
        yield "DROP without IF EXISTS", None
    elif s.kind == "RenameStmt":
        yield "RENAME fails when run again (the old name is gone)", _table(s)
    elif s.kind == "AlterObjectSchemaStmt" and not n.missing_ok:
        yield "SET SCHEMA fails when run again (the object has moved)", None
    else:
        for sub, cmd in _cmds(s):
            if sub == "AT_AddColumn" and not cmd.missing_ok:
                yield f"ADD COLUMN {_colname(cmd.def_)} without IF NOT EXISTS", _table(s)
            elif sub == "AT_AddConstraint":
                yield (
                    f"ADD CONSTRAINT {cmd.def_.conname or ''} fails when run again".replace("  ", " "),
                    _table(s),
                )
            elif sub == "AT_DetachPartition":
                yield "DETACH PARTITION fails when run again", _table(s)
            elif sub in ("AT_DropColumn", "AT_DropConstraint") and not cmd.missing_ok:
                yield (
                    f"DROP {'COLUMN' if sub == 'AT_DropColumn' else 'CONSTRAINT'} {cmd.name} without IF EXISTS",
                    _table(s),
                )


def _all_in_one_transaction(f: ParsedFile) -> bool:
    """A file wrapped whole in BEGIN ... COMMIT is rolled back on failure: rerunning it is safe."""
    sts = f.statements
    return (
        bool(sts)
        and sts[0].kind == "TransactionStmt"
        and all(s.transaction_depth > 0 or s is sts[-1] for s in sts)
    )


@dataclass
class Violation:
    rule: str
    severity: str
    message: str
    file: str
    line: int
    statement: str
    table: str | None = None
    rows: int | None = None
    rows_kind: str | None = None  # exact | estimated
    squawk: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "statement": self.statement,
            "table": self.table,
            "rows": self.rows,
            "rows_kind": self.rows_kind,
            "squawk": list(self.squawk),
            "fixable": RULES[self.rule].fixable,
        }
