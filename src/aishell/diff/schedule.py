"""How a plan runs: one transaction for everything that can share it, then the online statements.

A plan is all-or-nothing as far as PostgreSQL allows. Its statements are put in *stages*:

* stage 0, one transaction: the pre-checks, then every statement that may run in a transaction and
  does not need the result of an online statement; a failure there changes nothing;
* stage 1, the online statements in plan order, each alone (``CREATE INDEX CONCURRENTLY``, ``REINDEX
  CONCURRENTLY``, ``DROP INDEX CONCURRENTLY``, ``VALIDATE CONSTRAINT``), after the transaction committed;
* stage 2, one more transaction with the statements that need an online statement's result (``ADD
  CONSTRAINT ... USING INDEX`` after its index is built, ``SET NOT NULL`` after the CHECK that proves
  it is validated, a foreign key onto a key built concurrently), and so on while such chains go on.

A statement depends on an earlier one when it names what that one builds (an index, a constraint, a
relation, an enum value added in the transaction, which is usable only after it commits), or says so
(``Statement.after``). Index drops go into the transaction in their blocking form (``DROP INDEX``): a
failure then keeps the index, and what comes after a drop in the plan (a DROP EXTENSION its operator
class belongs to, a type change its expression would not survive, a new index taking its name) may
rely on it. Within a stage, plan order is kept.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aishell.diff.plan import Statement

IDENT = r'(?:"(?:[^"]|"")+"|[\w$]+)'
QNAME = rf"{IDENT}(?:\s*\.\s*{IDENT})*"
_MAKES = [
    re.compile(p, re.IGNORECASE | re.DOTALL)
    for p in (
        rf"^CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?(?P<n>{QNAME})\s+ON\s",
        rf"^REINDEX\s+INDEX\s+(?:CONCURRENTLY\s+)?(?P<n>{QNAME})",
        rf"^ALTER\s+(?:TABLE|DOMAIN)\s+(?:ONLY\s+)?{QNAME}\s+(?:ADD|VALIDATE)\s+CONSTRAINT\s+(?P<n>{IDENT})",
        # a rename makes the new name: what names it (a comment on the renamed index) must come after
        rf"^ALTER\s+(?:INDEX|TABLE|VIEW|SEQUENCE|MATERIALIZED\s+VIEW)\s+(?:IF\s+EXISTS\s+)?{QNAME}\s+RENAME\s+TO\s+(?P<n>{IDENT})",
        (
            rf"^CREATE\s+(?:OR\s+REPLACE\s+)?(?:UNLOGGED\s+|MATERIALIZED\s+|RECURSIVE\s+)?"
            rf"(?:TABLE|VIEW|SEQUENCE|TYPE|DOMAIN|FUNCTION|PROCEDURE|AGGREGATE|TRIGGER|POLICY)\s+(?:IF\s+NOT\s+EXISTS\s+)?"
            rf"(?P<n>{QNAME})"
        ),
    )
]
_ADD_VALUE = re.compile(
    rf"^ALTER\s+TYPE\s+(?P<t>{QNAME})\s+ADD\s+VALUE\s+(?:IF\s+NOT\s+EXISTS\s+)?"
    r"(?P<v>'(?:[^']|'')*')",
    re.IGNORECASE,
)
_DROP_INDEX = re.compile(
    rf"^DROP\s+INDEX\s+CONCURRENTLY\s+(?:IF\s+EXISTS\s+)?(?P<n>{QNAME})\s*$", re.IGNORECASE
)
_UNIQUE_ON = re.compile(
    rf"^CREATE\s+UNIQUE\s+INDEX\s+.*?\sON\s+(?:ONLY\s+)?(?P<t>{QNAME})", re.IGNORECASE | re.DOTALL
)
_REFERENCES = re.compile(rf"\bREFERENCES\s+(?P<t>{QNAME})", re.IGNORECASE)


def bare(name: str) -> str:
    """The last part of a possibly qualified, possibly quoted name, unquoted."""
    parts = re.findall(IDENT, name)
    last = parts[-1] if parts else name
    return last[1:-1].replace('""', '"') if last.startswith('"') else last


def mentions(text: str, name: str) -> bool:
    if not name:
        return False
    quoted = '"' + name.replace('"', '""') + '"'
    if quoted in text:
        return True
    return bool(re.search(r"(?<![\w$])" + re.escape(name) + r"(?![\w$])", text))


def online(s: Statement) -> bool:
    """Runs outside the plan's transactions, alone (CONCURRENTLY, VALIDATE)."""
    return not s.transactional or s.alone


def is_add_value(s: Statement) -> bool:
    return bool(_ADD_VALUE.match(s.sql.strip()))


@dataclass
class _Product:
    names: set[str]
    visible: int  # the first stage that may use it
    tokens: set[str] = field(default_factory=set)


def _products(s: Statement, stage: int) -> _Product:
    sql = s.sql.strip()
    names: set[str] = set()
    tokens: set[str] = set()
    m = _ADD_VALUE.match(sql)
    if m:
        # A value added in a transaction can be used only once it commits.
        return _Product({bare(m["t"])}, stage + 1, {"literal:" + m["v"]})
    for pat in _MAKES:
        mm = pat.match(sql)
        if mm:
            names.add(bare(mm["n"]))
            break
    u = _UNIQUE_ON.match(sql)
    if u:
        tokens.add("unique-on:" + bare(u["t"]))
    return _Product(names, stage, tokens)


def _needs(s: Statement, p: _Product) -> bool:
    sql = s.sql
    if is_add_value(s) and any(t.startswith("literal:") for t in p.tokens):
        return False  # values of one enum are added one after the other in the same transaction
    if any(n in s.after for n in p.names):
        return True
    for tok in p.tokens:
        kind, _, value = tok.partition(":")
        if kind == "literal" and value in sql:
            return True
        if kind == "unique-on" and any(bare(m["t"]) == value for m in _REFERENCES.finditer(sql)):
            return True
    return any(mentions(sql, n) for n in p.names)


def _blocking_drop(s: Statement, reason: str) -> Statement:
    out = copy.copy(s)
    out.sql = re.sub(
        r"^DROP\s+INDEX\s+CONCURRENTLY\s+", "DROP INDEX ", s.sql.strip(), count=1, flags=re.IGNORECASE
    )
    out.transactional, out.alone = True, False
    out.squawk_ignore = [*s.squawk_ignore, ("require-concurrent-index-deletion", reason)]
    return out


def _place_drops(statements: list[Statement]) -> list[Statement]:
    """Index drops run inside the transaction, in their blocking form (see the module docstring)."""
    return [
        _blocking_drop(
            s,
            "dropped inside the migration's transaction, so that a failure keeps it; its lock "
            "is held until that transaction commits",
        )
        if _DROP_INDEX.match(s.sql.strip()) and not s.transactional
        else s
        for s in statements
    ]


def stages(statements: list[Statement]) -> list[tuple[bool, list[Statement]]]:
    """The plan as it runs: ``(True, statements)`` for a transaction, ``(False, [statement])`` for
    each online statement, in execution order."""
    placed = _place_drops(statements)
    products: list[_Product] = []
    staged: list[tuple[int, int, Statement]] = []
    for i, s in enumerate(placed):
        is_online = online(s)
        stage = 1 if is_online else 0
        for p in products:
            if p.visible > stage and _needs(s, p):
                stage = p.visible
        if stage % 2 != (1 if is_online else 0):  # odd stages are online, even ones transactions
            stage += 1
        staged.append((stage, i, s))
        p = _products(s, stage)
        if p.visible >= 1 and (p.names or p.tokens):
            products.append(p)
    staged.sort(key=lambda x: (x[0], x[1]))
    out: list[tuple[bool, list[Statement]]] = []
    last_stage = -1
    for stage, _, s in staged:
        if stage % 2 == 0:
            if stage == last_stage:
                out[-1][1].append(s)
            else:
                out.append((True, [s]))
        else:
            out.append((False, [s]))
        last_stage = stage
    return out


def in_order(statements: list[Statement]) -> list[tuple[bool, list[Statement]]]:
    """A plan run as written: consecutive transactional statements share a transaction, each online
    statement runs alone where it stands (for hand-written plans whose author ordered the steps, such
    as a refactor's fill before the NOT NULL it allows)."""
    out: list[tuple[bool, list[Statement]]] = []
    for s in statements:
        if online(s):
            out.append((False, [s]))
        elif out and out[-1][0]:
            out[-1][1].append(s)
        else:
            out.append((True, [s]))
    return out
