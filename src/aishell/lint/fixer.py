"""``migration fix --auto``: rewrite a migration file into its safe forms.

* CREATE INDEX / DROP INDEX / REINDEX → CONCURRENTLY (IF [NOT] EXISTS), moved after the COMMIT of the
  transaction they were in (PostgreSQL refuses CONCURRENTLY inside one);
* ADD CONSTRAINT CHECK / FOREIGN KEY → ``NOT VALID``, then ``VALIDATE CONSTRAINT`` after the commit;
* ADD UNIQUE / PRIMARY KEY → ``CREATE UNIQUE INDEX CONCURRENTLY`` then ``ADD CONSTRAINT ... USING INDEX``;
* ADD COLUMN ... NOT NULL without a default → the column added nullable, a batched backfill (when the
  value is known), a ``CHECK (col IS NOT NULL) NOT VALID`` validated after the commit, then SET NOT NULL;
* SET NOT NULL → the same validated CHECK first;
* no timeouts → ``SET lock_timeout`` and ``SET statement_timeout`` at the top; long steps moved out of a
  transaction get a longer statement_timeout around them;
* CREATE/DROP outside a transaction → IF [NOT] EXISTS, so the file can be run again.

Only the statements that change are re-printed (by pglast from PostgreSQL's own parse tree); every
other byte of the file is kept. What cannot be rewritten safely without knowing the data (a type
change, a DROP, a value for existing rows nobody gave) is reported, not guessed.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aishell.dialects.postgres.quote import qualify, quote_ident, quote_literal
from aishell.lint.rules import RULES, _cmds, _live, _table, type_name
from aishell.lint.statements import ParsedFile, Stmt, parse_file, relation_name

LOCK_TIMEOUT = "5s"
STATEMENT_TIMEOUT = "60s"
LONG_TIMEOUT = "30min"


@dataclass
class Rewrite:
    inline: list[str] | None = None  # replaces the statement (None: unchanged; [] : removed)
    after: list[str] = field(default_factory=list)  # statements to run after the enclosing transaction
    fixed: list[str] = field(default_factory=list)  # rule ids this rewrite resolves
    notes: list[str] = field(default_factory=list)  # what still needs a person


@dataclass
class FixResult:
    path: str
    original: str
    fixed: str
    applied: list[dict[str, Any]]
    manual: list[dict[str, Any]]

    @property
    def changed(self) -> bool:
        return self.original != self.fixed

    def diff(self) -> str:
        return "".join(
            difflib.unified_diff(
                self.original.splitlines(keepends=True),
                self.fixed.splitlines(keepends=True),
                fromfile=f"a/{self.path}",
                tofile=f"b/{self.path}",
            )
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "changed": self.changed,
            "applied": self.applied,
            "manual": self.manual,
            "diff": self.diff(),
        }


def _deparse(node: Any) -> str:
    from pglast.stream import RawStream

    return RawStream()(node)


def _long(sql: str) -> list[str]:
    """A statement that scans or builds for long: the assembler gives its block a longer timeout."""
    return [_LONG_MARK + sql]


_LONG_MARK = "\x00long\x00"
_DROP_CHECK_NOTE = (
    "-- aishell-ignore drop-constraint: the CHECK only proved the column has no NULL; "
    "NOT NULL holds it from now on\n"
)


def _wrap(sqls: list[str]) -> list[str]:
    """Strip the long marks; a block with a long statement runs under a longer statement_timeout."""
    long = any(x.startswith(_LONG_MARK) for x in sqls)
    plain = [x.removeprefix(_LONG_MARK) for x in sqls]
    if not long:
        return plain
    return [
        f"SET statement_timeout = {quote_literal(LONG_TIMEOUT)}",
        *plain,
        f"SET statement_timeout = {quote_literal(STATEMENT_TIMEOUT)}",
    ]


FillFn = Callable[[str, str], str | None]  # (qualified table, column) -> SQL of a batched backfill, or None


def fix_text(text: str, path: str = "<sql>", *, fill: FillFn | None = None) -> FixResult:
    from aishell.lint import lint_parsed

    f = parse_file(text, path)
    if f.error:
        return FixResult(
            path, text, text, [], [{"rule": "syntax-error", "line": f.error_line, "message": f.error}]
        )
    report = lint_parsed(f)
    by_stmt: dict[int, set[str]] = {}
    line_of = {s.line: s.index for s in f.statements}
    for v in report.violations:
        by_stmt.setdefault(line_of.get(v.line, -1), set()).add(v.rule)
    rewrites: dict[int, Rewrite] = {}
    for s in f.statements:
        rules = by_stmt.get(s.index, set())
        rw = _rewrite(s, f, rules, fill)
        if rw is not None:
            rewrites[s.index] = rw
    prepend = []
    lock_missing = any("lock-timeout" in r for r in by_stmt.values())
    stmt_missing = any("statement-timeout" in r for r in by_stmt.values())
    moved_long = any(rw.after for rw in rewrites.values())
    if lock_missing:
        prepend.append(f"SET lock_timeout = {quote_literal(LOCK_TIMEOUT)}")
    if stmt_missing or (moved_long and not any(s.statement_timeout_set for s in f.statements)):
        prepend.append(f"SET statement_timeout = {quote_literal(STATEMENT_TIMEOUT)}")
    fixed = _assemble(f, rewrites, prepend)
    applied, manual = [], []
    for v in report.violations:
        idx = line_of.get(v.line, -1)
        rw = rewrites.get(idx)
        if (
            v.rule in ("lock-timeout", "statement-timeout")
            and prepend
            or rw is not None
            and v.rule in rw.fixed
        ):
            applied.append({"rule": v.rule, "line": v.line, "message": v.message})
        else:
            manual.append({"rule": v.rule, "line": v.line, "message": v.message, "why": RULES[v.rule].why})
    for idx, rw in rewrites.items():
        for note in rw.notes:
            manual.append({"rule": "backfill", "line": f.statements[idx].line, "message": note, "why": note})
    return FixResult(path, text, fixed, applied, manual)


def _assemble(f: ParsedFile, rewrites: dict[int, Rewrite], prepend: list[str]) -> str:
    text = f.text
    out: list[str] = []
    pos = 0
    pending: list[str] = []  # moved out of the open transaction, written after its COMMIT

    def stmts(sqls: list[str]) -> str:
        return "".join(f"{s};\n" for s in sqls)

    for s in f.statements:
        gap = text[pos : s.start]
        if prepend and s is f.statements[0]:
            out.append(gap)
            out.append(stmts(prepend) + "\n")
            gap = ""
        out.append(gap)
        rw = rewrites.get(s.index)
        end = s.end
        semi = end < len(text) and text[end] == ";"
        if rw is None or rw.inline is None:
            out.append(text[s.start : end] + (";" if semi else ""))
        elif not rw.inline:
            out[-1] = out[-1].rstrip(" \t")  # a statement moved away leaves no blank line behind
            if out[-1].endswith("\n") and text[end + (1 if semi else 0) :].startswith("\n"):
                end += 1
        else:
            body = ";\n".join(_wrap(rw.inline))
            out.append(body + (";" if body and semi else ""))
        pos = end + (1 if semi else 0)
        if rw is not None and rw.after:
            if s.in_transaction:
                pending += rw.after
            else:
                out.append("\n" + stmts(_wrap(rw.after)).rstrip("\n"))
        if s.kind == "TransactionStmt" and s.node.kind.name in ("TRANS_STMT_COMMIT",) and pending:
            out.append(
                "\n\n-- moved out of the transaction above (aishell migration fix)\n"
                + stmts(_wrap(pending)).rstrip("\n")
            )
            pending = []
    tail = text[pos:]
    out.append(tail)
    if pending:
        out.append(
            ("\n" if not tail.endswith("\n") else "") + "\n-- aishell migration fix: the file leaves its "
            "transaction open; these need it committed first\n" + stmts(_wrap(pending))
        )
    return "".join(out)


def _rewrite(s: Stmt, f: ParsedFile, rules: set[str], fill: FillFn | None) -> Rewrite | None:
    n = s.node
    if s.kind == "IndexStmt" and rules & {
        "index-not-concurrent",
        "concurrently-in-transaction",
        "not-rerunnable",
    }:
        if n.relation is not None and not _live(s) and not n.concurrent:
            if "not-rerunnable" in rules:
                n.if_not_exists = True
                return Rewrite(inline=[_deparse(n)], fixed=["not-rerunnable"])
            return None
        n.concurrent = True
        n.if_not_exists = True
        sql = _deparse(n)
        fixed = sorted(rules & {"index-not-concurrent", "concurrently-in-transaction", "not-rerunnable"})
        if s.in_transaction:
            return Rewrite(inline=[], after=_long(sql), fixed=fixed)
        return Rewrite(inline=_long(sql), fixed=fixed)
    if (
        s.kind == "DropStmt"
        and n.removeType.name == "OBJECT_INDEX"
        and rules & {"drop-index-not-concurrent", "concurrently-in-transaction", "not-rerunnable"}
    ):
        sqls = []
        for obj in n.objects:
            name = qualify(obj[0].sval, obj[1].sval) if len(obj) == 2 else quote_ident(obj[-1].sval)
            sqls.append(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
        fixed = sorted(rules & {"drop-index-not-concurrent", "concurrently-in-transaction", "not-rerunnable"})
        return (
            Rewrite(inline=[], after=sqls, fixed=fixed)
            if s.in_transaction
            else Rewrite(inline=sqls, fixed=fixed)
        )
    if s.kind == "ReindexStmt" and rules & {"reindex-not-concurrent", "concurrently-in-transaction"}:
        from pglast import ast

        if not any(getattr(p, "defname", "") == "concurrently" for p in (n.params or ())):
            n.params = (*(n.params or ()), ast.DefElem(defname="concurrently"))
        sql = _deparse(n)
        fixed = sorted(rules & {"reindex-not-concurrent", "concurrently-in-transaction"})
        return (
            Rewrite(inline=[], after=_long(sql), fixed=fixed)
            if s.in_transaction
            else Rewrite(inline=_long(sql), fixed=fixed)
        )
    if s.kind == "AlterTableStmt":
        return _rewrite_alter(s, f, rules, fill)
    if s.kind == "CreateStmt" and "not-rerunnable" in rules:
        n.if_not_exists = True
        return Rewrite(inline=[_deparse(n)], fixed=["not-rerunnable"])
    if s.kind == "DropStmt" and "not-rerunnable" in rules:
        n.missing_ok = True
        return Rewrite(inline=[_deparse(n)], fixed=["not-rerunnable"])
    return None


def _constraint_name(table: str, c: Any, suffix: str) -> str:
    cols = [k.sval for k in (c.keys or c.fk_attrs or ())] if (c.keys or c.fk_attrs) else []
    base = f"{table.split('.', 1)[1]}_{'_'.join(cols) or 'expr'}_{suffix}"
    return base[:63]


def _rewrite_alter(s: Stmt, f: ParsedFile, rules: set[str], fill: FillFn | None) -> Rewrite | None:
    from pglast import ast

    n = s.node
    table = _table(s) or ""
    tsql = qualify(*table.split(".", 1))
    live = _live(s)
    keep: list[Any] = []
    after: list[str] = []
    before_tx_end: list[str] = []  # statements that stay in place after the ALTER (same transaction)
    fixed: set[str] = set()
    notes: list[str] = []
    changed = False
    for sub, cmd in _cmds(s):
        c = cmd.def_ if sub == "AT_AddConstraint" else None
        if (
            live
            and c is not None
            and c.contype.name in ("CONSTR_CHECK", "CONSTR_FOREIGN")
            and not c.skip_validation
            and rules & {"constraint-not-valid", "foreign-key-not-valid"}
        ):
            c.conname = c.conname or _constraint_name(
                table, c, "check" if c.contype.name == "CONSTR_CHECK" else "fkey"
            )
            c.skip_validation = True
            c.initially_valid = False
            after += _long(f"ALTER TABLE {tsql} VALIDATE CONSTRAINT {quote_ident(c.conname)}")
            fixed |= rules & {"constraint-not-valid", "foreign-key-not-valid"}
            changed = True
            keep.append(cmd)
        elif (
            live
            and c is not None
            and c.contype.name in ("CONSTR_UNIQUE", "CONSTR_PRIMARY")
            and not c.indexname
            and rules & {"unique-constraint", "primary-key-without-index"}
            and c.keys
        ):
            kind = "UNIQUE" if c.contype.name == "CONSTR_UNIQUE" else "PRIMARY KEY"
            name = c.conname or _constraint_name(table, c, "key" if kind == "UNIQUE" else "pkey")
            cols = ", ".join(quote_ident(k.sval) for k in c.keys)
            nnd = " NULLS NOT DISTINCT" if c.nulls_not_distinct else ""
            after += _long(
                f"CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS {quote_ident(name)} ON {tsql} ({cols}){nnd}"
            )
            after.append(
                f"ALTER TABLE {tsql} ADD CONSTRAINT {quote_ident(name)} {kind} USING INDEX {quote_ident(name)}"
            )
            fixed |= rules & {"unique-constraint", "primary-key-without-index"}
            changed = True
        elif live and sub == "AT_AddColumn" and "required-column" in rules and _required(cmd.def_):
            col = cmd.def_.colname
            cmd.def_.constraints = (
                tuple(x for x in cmd.def_.constraints if x.contype.name != "CONSTR_NOTNULL") or None
            )
            keep.append(cmd)
            cname = f"{table.split('.', 1)[1]}_{col}_nn_check"[:63]
            backfill = fill(table, col) if fill else None
            if backfill is None:
                notes.append(
                    f"{table}.{col}: nothing says what existing rows hold; write the backfill "
                    f"(UPDATE {tsql} SET {quote_ident(col)} = ... WHERE {quote_ident(col)} IS NULL, in "
                    "batches) where the file says so, or VALIDATE fails on a table with rows"
                )
                after.append(
                    f"-- aishell: fill {table}.{col} for the rows already there, in batches, here\n"
                    f"ALTER TABLE {tsql} ADD CONSTRAINT {quote_ident(cname)} CHECK "
                    f"({quote_ident(col)} IS NOT NULL) NOT VALID"
                )
            else:
                after.append(backfill)
                after.append(
                    f"ALTER TABLE {tsql} ADD CONSTRAINT {quote_ident(cname)} CHECK "
                    f"({quote_ident(col)} IS NOT NULL) NOT VALID"
                )
            after += _long(f"ALTER TABLE {tsql} VALIDATE CONSTRAINT {quote_ident(cname)}")
            after.append(f"ALTER TABLE {tsql} ALTER COLUMN {quote_ident(col)} SET NOT NULL")
            after.append(
                f"{_DROP_CHECK_NOTE}ALTER TABLE {tsql} DROP CONSTRAINT IF EXISTS {quote_ident(cname)}"
            )
            fixed.add("required-column")
            changed = True
        elif live and sub == "AT_SetNotNull" and "not-null-scan" in rules:
            col = cmd.name
            cname = f"{table.split('.', 1)[1]}_{col}_nn_check"[:63]
            before_tx_end.append(
                f"ALTER TABLE {tsql} ADD CONSTRAINT {quote_ident(cname)} CHECK "
                f"({quote_ident(col)} IS NOT NULL) NOT VALID"
            )
            after += _long(f"ALTER TABLE {tsql} VALIDATE CONSTRAINT {quote_ident(cname)}")
            after.append(f"ALTER TABLE {tsql} ALTER COLUMN {quote_ident(col)} SET NOT NULL")
            after.append(
                f"{_DROP_CHECK_NOTE}ALTER TABLE {tsql} DROP CONSTRAINT IF EXISTS {quote_ident(cname)}"
            )
            fixed.add("not-null-scan")
            changed = True
        elif (
            sub in ("AT_AddColumn", "AT_DropColumn", "AT_DropConstraint")
            and "not-rerunnable" in rules
            and not cmd.missing_ok
        ):
            cmd.missing_ok = True
            fixed.add("not-rerunnable")
            changed = True
            keep.append(cmd)
        else:
            keep.append(cmd)
    if not changed:
        return None
    inline = []
    if keep:
        n.cmds = tuple(keep)
        inline.append(_deparse(n))
    inline += before_tx_end
    if not s.in_transaction and after:
        inline += after
        after = []
    _ = ast
    return Rewrite(inline=inline, after=after, fixed=sorted(fixed), notes=notes)


def _required(coldef: Any) -> bool:
    kinds = {c.contype.name for c in (coldef.constraints or ())}
    return "CONSTR_NOTNULL" in kinds and not kinds & {"CONSTR_DEFAULT", "CONSTR_IDENTITY", "CONSTR_GENERATED"}


def database_fill(conninfo: str) -> FillFn:
    """Backfills a live database can say: the column's value through a foreign key whose parent has a
    column of the same name (``orders.company_id`` from ``users.company_id``)."""
    from aishell.dialects.postgres.inspect import inspect
    from aishell.diff.backfill import fill_statements

    schema = inspect(conninfo, include_stats=False)

    def fill(table: str, column: str) -> str | None:
        t = schema.table(table)
        if t is None:
            return None
        from aishell.model import Column

        col = Column(column, "")
        for fk in t.foreign_keys:
            parent = schema.table(fk.ref_table, fk.ref_schema)
            pc = parent.column(column) if parent is not None else None
            if pc is not None:
                col = Column(column, pc.type)
                break
        found = fill_statements(
            t,
            t,
            col,
            schema,
            parents_with_column={x.qualified_name for x in schema.tables if x.column(column) is not None},
        )
        return found[0].sql if found else None

    _ = (relation_name, type_name)
    return fill
