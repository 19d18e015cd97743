"""What one fix statement does, read from PostgreSQL's own parse tree (pglast), never guessed from text.

Every statement gets a ``kind``, the relation it works on, its hazards (what it locks, rewrites or
removes), whether it may run inside a transaction, the statement that undoes it (used when a later
statement of the same step fails) and the check that tells, before running it, whether existing rows
would make it fail (``precheck``).

Two hazards make a statement *destructive* and are refused unless the user names the rule with
``--allow``: ``data-loss`` (it removes data: DROP COLUMN/TABLE/SEQUENCE, DELETE, UPDATE, TRUNCATE)
and ``rewrite`` (it rewrites every row under an ACCESS EXCLUSIVE lock: ALTER COLUMN ... TYPE,
VACUUM FULL, CLUSTER, SET LOGGED, ADD COLUMN with an identity or volatile default).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from aishell.dialects.postgres.quote import qualify, quote_ident

DESTRUCTIVE = frozenset({"data-loss", "rewrite"})
PLACEHOLDER = re.compile(r"'\.\.\.'|<[a-z_ ]+>")


@dataclass
class Statement:
    sql: str
    kind: str = "other"
    label: str = ""
    schema: str | None = None
    table: str | None = None  # relation name (unquoted); None when the statement names none
    name: str | None = None  # index or constraint it creates, validates or drops
    hazards: list[str] = field(default_factory=list)
    transactional: bool = True
    inverse: str | None = None
    # ("check", expr) | ("not-null", column) | ("unique", [columns]) | ("validate", name)
    # | ("duplicate-rows", None): rows identical in every column (a new surrogate key would keep them)
    # | ("foreign-key", {"columns", "ref", "ref_columns"}): rows referencing nothing
    precheck: tuple[str, Any] | None = None
    placeholder: bool = False

    @property
    def destructive(self) -> bool:
        return bool(DESTRUCTIVE & set(self.hazards))

    @property
    def relation(self) -> str | None:
        """The quoted relation (``public.orders``) or None."""
        return qualify(self.schema, self.table) if self.table else None

    @property
    def qualified(self) -> str | None:
        """``schema.table`` unquoted, as findings name tables."""
        return f"{self.schema or 'public'}.{self.table}" if self.table else None

    def to_dict(self) -> dict[str, Any]:
        return {"sql": self.sql, "kind": self.kind, "hazards": self.hazards,
                "transactional": self.transactional, "destructive": self.destructive}


def normalise(sql: str) -> str:
    """One statement, whitespace collapsed, ending with a semicolon: the key used to dedupe."""
    text = " ".join(sql.split()).rstrip(";").strip()
    return text + ";"


def classify(sql: str) -> Statement:
    s = Statement(normalise(sql))
    s.placeholder = bool(PLACEHOLDER.search(s.sql))
    try:
        from pglast import parse_sql

        raw = parse_sql(s.sql)
    except Exception as exc:  # noqa: BLE001 - any parser complaint means we cannot reason about it
        s.kind = "unparsed"
        s.hazards = ["unknown"]
        s.label = f"unparsed statement ({str(exc).splitlines()[0]})"
        return s
    if len(raw) != 1:
        s.kind = "unparsed"
        s.hazards = ["unknown"]
        s.label = "several statements in one"
        return s
    _fill(s, raw[0].stmt)
    return s


def _rv(s: Statement, rv: Any) -> None:
    if rv is not None:
        s.schema, s.table = rv.schemaname, rv.relname


def _expr(node: Any) -> str:
    from pglast.stream import RawStream

    return RawStream()(node)


def _fill(s: Statement, st: Any) -> None:
    from pglast import enums

    t = type(st).__name__
    if t == "IndexStmt":
        _rv(s, st.relation)
        s.name = st.idxname
        s.kind = "create-index"
        s.transactional = not st.concurrent
        what = "unique index" if st.unique else "index"
        s.label = f"Creating {what} {st.idxname or ''} on {s.qualified}".replace("  ", " ")
        if not st.concurrent:
            s.hazards.append("blocks writes while it builds (not CONCURRENTLY)")
        if st.unique:
            cols = [p.name for p in st.indexParams]
            if all(cols) and not st.whereClause:
                s.precheck = ("unique", cols)
        if st.idxname:
            s.inverse = f"DROP INDEX CONCURRENTLY IF EXISTS {qualify(s.schema, st.idxname)};"
        return
    if t == "DropStmt":
        names = [".".join(x.sval for x in o) if isinstance(o, tuple) else _expr(o) for o in (st.objects or ())]
        obj = st.removeType
        s.transactional = not st.concurrent
        if obj == enums.ObjectType.OBJECT_INDEX:
            s.kind = "drop-index"
            s.name = names[0] if names else None
            s.hazards.append("drops an index: queries that used it must use another")
            s.label = f"Dropping index {s.name}"
        else:
            s.kind = "drop"
            s.hazards.append("data-loss")
            s.label = f"Dropping {obj.name.replace('OBJECT_', '').lower()} {', '.join(names)}"
        return
    if t == "AlterTableStmt":
        _rv(s, st.relation)
        _alter_table(s, st)
        return
    if t == "VacuumStmt":
        opts = {o.defname for o in (st.options or ())}
        rels = [r.relation for r in (st.rels or ()) if getattr(r, "relation", None) is not None]
        if rels:
            _rv(s, rels[0])
        s.transactional = False
        if "full" in opts:
            s.kind = "vacuum-full"
            s.hazards.append("rewrite")
            s.label = f"VACUUM FULL {s.qualified}"
        else:
            s.kind = "vacuum" if st.is_vacuumcmd else "analyze"
            s.label = f"{'VACUUM' if st.is_vacuumcmd else 'ANALYZE'} {s.qualified or 'database'}"
            s.transactional = not st.is_vacuumcmd
        return
    if t == "ReindexStmt":
        conc = any(p.defname == "concurrently" for p in (st.params or ()))
        s.kind = "reindex"
        s.transactional = not conc
        if st.relation is not None:
            s.name = st.relation.relname
        s.label = f"Rebuilding {s.name or 'index'}"
        if not conc:
            s.hazards.append("blocks writes while it rebuilds (not CONCURRENTLY)")
        return
    if t == "ClusterStmt":
        _rv(s, st.relation)
        s.kind = "cluster"
        s.hazards.append("rewrite")
        s.label = f"CLUSTER {s.qualified}"
        return
    if t in ("DeleteStmt", "UpdateStmt", "TruncateStmt", "InsertStmt"):
        rel = getattr(st, "relation", None) or (st.relations[0] if getattr(st, "relations", None) else None)
        _rv(s, rel)
        s.kind = t.replace("Stmt", "").lower()
        s.hazards.append("data-loss")
        s.label = f"{s.kind.upper()} on {s.qualified}"
        return
    if t == "CommentStmt":
        s.kind = "comment"
        s.label = "Adding a comment"
        return
    if t == "CreateExtensionStmt":
        s.kind = "create-extension"
        s.label = f"Installing extension {st.extname}"
        s.hazards.append("installs an extension")
        return
    if t == "CreateTableAsStmt":
        s.kind = "create-matview"
        s.name = st.into.rel.relname if st.into and st.into.rel else None
        s.label = f"Creating materialized view {s.name}"
        s.hazards.append("reads the base tables to fill it")
        return
    if t == "AlterSeqStmt":
        _rv(s, st.sequence)
        s.kind = "alter-sequence"
        s.label = f"Altering sequence {s.qualified}"
        s.table = None  # a sequence, not a table
        return
    if t == "TransactionStmt":
        s.kind = {enums.TransactionStmtKind.TRANS_STMT_BEGIN: "begin",
                  enums.TransactionStmtKind.TRANS_STMT_START: "begin",
                  enums.TransactionStmtKind.TRANS_STMT_COMMIT: "commit"}.get(st.kind, "transaction")
        return
    if t == "SelectStmt":
        s.kind = "select"
        s.label = "Running a query"
        return
    s.kind = "other"
    s.hazards.append("unknown")
    s.label = f"{t.replace('Stmt', '')} statement"


def _alter_table(s: Statement, st: Any) -> None:
    from pglast import enums

    A = enums.AlterTableType
    C = enums.ConstrType
    rel = s.relation
    labels = []
    for cmd in st.cmds:
        sub = cmd.subtype
        if sub == A.AT_AddConstraint:
            con = cmd.def_
            s.name = con.conname
            drop = f"ALTER TABLE {rel} DROP CONSTRAINT IF EXISTS {quote_ident(con.conname)};" if con.conname else None
            if con.contype == C.CONSTR_CHECK:
                s.kind = "add-check"
                s.precheck = ("check", _expr(con.raw_expr))
                s.inverse = drop
                labels.append(f"Adding check constraint {con.conname} on {s.qualified}")
                if not con.skip_validation:
                    s.hazards.append("scans the table under an ACCESS EXCLUSIVE lock (no NOT VALID)")
            elif con.contype in (C.CONSTR_PRIMARY, C.CONSTR_UNIQUE):
                what = "primary key" if con.contype == C.CONSTR_PRIMARY else "unique constraint"
                s.kind = "add-primary-key" if con.contype == C.CONSTR_PRIMARY else "add-unique"
                s.inverse = drop
                if con.indexname:
                    labels.append(f"Adding {what} to {s.qualified} (using index {con.indexname})")
                else:
                    cols = [k.sval for k in (con.keys or ())]
                    s.precheck = ("unique", cols)
                    s.hazards.append("builds its index under an ACCESS EXCLUSIVE lock")
                    labels.append(f"Adding {what} ({', '.join(cols)}) to {s.qualified}")
            elif con.contype == C.CONSTR_FOREIGN:
                s.kind = "add-foreign-key"
                s.inverse = drop
                if con.pktable is not None and con.fk_attrs:
                    s.precheck = ("foreign-key", {
                        "columns": [a.sval for a in con.fk_attrs],
                        "ref": qualify(con.pktable.schemaname, con.pktable.relname),
                        "ref_columns": [a.sval for a in (con.pk_attrs or ())]})
                labels.append(f"Adding foreign key {con.conname} on {s.qualified}")
                if not con.skip_validation:
                    s.hazards.append("checks every row while holding a SHARE ROW EXCLUSIVE lock")
            else:
                s.kind = "add-constraint"
                s.inverse = drop
                labels.append(f"Adding constraint {con.conname} on {s.qualified}")
        elif sub == A.AT_ValidateConstraint:
            s.kind = "validate"
            s.name = cmd.name
            s.precheck = ("validate", cmd.name)
            labels.append(f"Validating {cmd.name}")
        elif sub == A.AT_SetNotNull:
            s.kind = "set-not-null"
            s.precheck = ("not-null", cmd.name)
            s.inverse = f"ALTER TABLE {rel} ALTER COLUMN {quote_ident(cmd.name)} DROP NOT NULL;"
            labels.append(f"Setting {s.table}.{cmd.name} NOT NULL")
        elif sub == A.AT_DropConstraint:
            s.kind = "drop-constraint"
            s.name = cmd.name
            s.hazards.append("drops a constraint")
            labels.append(f"Dropping constraint {cmd.name}")
        elif sub == A.AT_DropColumn:
            s.kind = "drop-column"
            s.hazards.append("data-loss")
            labels.append(f"Dropping column {s.table}.{cmd.name}")
        elif sub == A.AT_AlterColumnType:
            s.kind = "alter-type"
            s.hazards.append("rewrite")
            labels.append(f"Changing the type of {s.table}.{cmd.name}")
        elif sub in (A.AT_SetLogged, A.AT_SetUnLogged):
            s.kind = "set-logged"
            s.hazards.append("rewrite")
            labels.append(f"{'SET LOGGED' if sub == A.AT_SetLogged else 'SET UNLOGGED'} {s.qualified}")
        elif sub == A.AT_AddColumn:
            s.kind = "add-column"
            text = s.sql.upper()
            if "IDENTITY" in text or "PRIMARY KEY" in text or re.search(r"DEFAULT\s+\w+\(", text):
                s.hazards.append("rewrite")
            if any(c.contype in (C.CONSTR_PRIMARY, C.CONSTR_UNIQUE) for c in (cmd.def_.constraints or ())):
                s.precheck = ("duplicate-rows", None)  # a new surrogate key would keep identical rows
            labels.append(f"Adding column {cmd.def_.colname} to {s.qualified}")
        else:
            s.kind = "alter-table"
            labels.append(f"Altering {s.qualified}")
    if not any(h.startswith("scans") or h in DESTRUCTIVE for h in s.hazards) and s.kind not in ("validate",):
        s.hazards.append("brief ACCESS EXCLUSIVE lock (lock_timeout applies)")
    s.label = "; ".join(labels)
