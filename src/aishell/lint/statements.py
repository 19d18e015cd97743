"""A migration file as a list of parsed statements, each with what the linter and fixer need.

PostgreSQL's own grammar (pglast, libpg_query) parses the file: no regular expression decides what a
statement is. Each ``Stmt`` knows its exact text span (so the fixer can replace one statement and leave
the rest of the file byte for byte), the tables it touches, whether it runs inside an explicit
transaction, and what came before it in the file (tables created there, timeouts set).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from aishell.errors import UserError

_IGNORE = re.compile(r"--\s*(squawk|aishell)-ignore(-file)?\s+([A-Za-z0-9_,\- ]+)")


@dataclass
class Stmt:
    index: int
    node: Any  # the pglast statement node
    text: str  # the statement's own text (no trailing semicolon)
    start: int  # character offsets of text in the file
    end: int
    line: int  # 1-based line of the first character
    in_transaction: bool = False
    transaction_depth: int = 0
    lock_timeout_set: bool = False
    statement_timeout_set: bool = False
    # Tables this file created before this statement (qualified names), so rules about live tables skip them.
    created_before: frozenset[str] = frozenset()
    ignored: set[str] = field(default_factory=set)  # rule ids (ours or squawk's) ignored by a comment

    def identifiers(self) -> list[str]:
        """Identifiers as written (the parser truncates long ones to 63 bytes; the scanner does not)."""
        from pglast.parser import ParseError, scan

        out = []
        try:
            tokens = scan(self.text)
        except ParseError:
            return out
        for tok in tokens:  # character offsets, as parse_sql's
            if tok.name == "IDENT":
                out.append(self.text[tok.start : tok.end + 1].strip('"').replace('""', '"'))
        return out

    @property
    def kind(self) -> str:
        return type(self.node).__name__


@dataclass
class ParsedFile:
    path: str
    text: str
    statements: list[Stmt]
    ignored_file: set[str] = field(default_factory=set)
    error: str | None = None  # a syntax error: no statement could be read
    error_line: int | None = None


def relation_name(rv: Any) -> str:
    """``schema.name`` of a pglast RangeVar (``public`` when unqualified)."""
    return f"{rv.schemaname or 'public'}.{rv.relname}"


def parse_file(text: str, path: str = "<sql>") -> ParsedFile:
    from pglast import parse_sql
    from pglast.parser import ParseError

    try:
        raws = parse_sql(text)
    except ParseError as exc:
        offset = getattr(exc, "location", None)
        line = _line_at(text, offset) if isinstance(offset, int) else None
        return ParsedFile(path, text, [], error=str(exc.args[0]) if exc.args else str(exc), error_line=line)
    out: list[Stmt] = []
    depth = 0
    lock_set = stmt_set = False
    created: set[str] = set()
    prev_end = 0
    ignored_file: set[str] = set()
    for i, raw in enumerate(raws):
        # pglast reports character offsets (it converts libpg_query's byte offsets)
        start = raw.stmt_location or 0
        end = start + (raw.stmt_len or (len(text) - start))
        # the statement's text without the comments and blank space libpg_query counts into it
        chunk = text[start:end]
        lead = len(chunk) - len(chunk.lstrip())
        comments = text[prev_end : start + lead]
        body_start = start + lead
        body = text[body_start:end].rstrip()
        while body.startswith(("--", "/*")):
            # comments before a statement belong to the gap, not the statement
            if body.startswith("--"):
                nl = body.find("\n")
                cut = len(body) if nl < 0 else nl + 1
            else:
                close = body.find("*/")
                cut = len(body) if close < 0 else close + 2
            comments += body[:cut]
            body_start += cut + (len(body[cut:]) - len(body[cut:].lstrip()))
            body = text[body_start:end].rstrip()
        s = Stmt(i, raw.stmt, body, body_start, body_start + len(body), _line_at(text, body_start))
        s.ignored = set()
        for m in _IGNORE.finditer(comments):
            ids = {x.strip() for x in m.group(3).replace(",", " ").split() if x.strip()}
            (ignored_file if m.group(2) else s.ignored).update(ids)
        kind = type(raw.stmt).__name__
        nested = False
        if kind == "TransactionStmt":
            # As PostgreSQL does: a BEGIN inside a transaction is ignored, the first COMMIT ends it.
            k = raw.stmt.kind.name
            if k in ("TRANS_STMT_BEGIN", "TRANS_STMT_START"):
                nested = depth > 0
                depth = 1
            elif k in ("TRANS_STMT_COMMIT", "TRANS_STMT_ROLLBACK"):
                depth = 0
        s.transaction_depth = 2 if nested else depth
        s.in_transaction = depth > 0
        s.lock_timeout_set = lock_set
        s.statement_timeout_set = stmt_set
        s.created_before = frozenset(created)
        name = _set_name(raw.stmt)
        if name == "lock_timeout":
            lock_set = True
        elif name == "statement_timeout":
            stmt_set = True
        if kind == "CreateStmt":
            created.add(relation_name(raw.stmt.relation))
        elif kind == "CreateTableAsStmt":
            created.add(relation_name(raw.stmt.into.rel))
        out.append(s)
        prev_end = end
    return ParsedFile(path, text, out, ignored_file=ignored_file)


def _set_name(node: Any) -> str | None:
    """``lock_timeout`` for ``SET lock_timeout = ...`` and ``SELECT set_config('lock_timeout', ...)``."""
    kind = type(node).__name__
    if kind == "VariableSetStmt":
        return node.name
    if kind == "SelectStmt" and node.targetList and len(node.targetList) == 1:
        val = node.targetList[0].val
        if type(val).__name__ == "FuncCall" and val.funcname[-1].sval == "set_config" and val.args:
            first = val.args[0]
            if type(first).__name__ == "A_Const" and type(first.val).__name__ == "String":
                return first.val.sval
    return None


def _line_at(text: str, offset: int) -> int:
    return text.count("\n", 0, max(offset, 0)) + 1


def read_sql_file(path) -> str:
    from aishell.sources import read_text_file

    text = read_text_file(path)
    if not text.strip():
        raise UserError(f"{path}: empty file")
    return text
