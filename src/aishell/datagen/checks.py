"""What CHECK constraints ask of a row, read with PostgreSQL's own parser (pglast).

A check is either *constructible* - every part of it is a rule the generator can honour by construction
(a range, a list of allowed values, a length, a regular expression, one column after another, a column
that is the sum or product of others) - or it is kept as SQL text and verified in the database: rows are
loaded through a staging table and only those passing the check are inserted (see ``load.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any


@dataclass
class ColumnRule:
    lo: Decimal | str | None = None
    lo_incl: bool = True
    hi: Decimal | str | None = None
    hi_incl: bool = True
    choices: list[Any] | None = None
    exclude: set[Any] = field(default_factory=set)
    min_len: int | None = None
    max_len: int | None = None
    regex: list[tuple[str, bool]] = field(default_factory=list)  # (pattern, case-insensitive)
    not_null: bool = False
    force_null: bool = False

    def narrow_lo(self, v: Any, incl: bool) -> None:
        if self.lo is None or _gt(v, self.lo) or (v == self.lo and not incl):
            self.lo, self.lo_incl = v, incl

    def narrow_hi(self, v: Any, incl: bool) -> None:
        if self.hi is None or _gt(self.hi, v) or (v == self.hi and not incl):
            self.hi, self.hi_incl = v, incl


def _gt(a: Any, b: Any) -> bool:
    try:
        return a > b
    except TypeError:
        return str(a) > str(b)


@dataclass
class TableRules:
    columns: dict[str, ColumnRule] = field(default_factory=dict)
    # (later, op, earlier): later > earlier (op '>' or '>=')
    order: list[tuple[str, str, str]] = field(default_factory=list)
    # column -> pglast expression node over other columns (col = a + b, col = a * b)
    derived: dict[str, Any] = field(default_factory=dict)
    # (a, b): a <> b between two columns (a self-reference that must not point at its own row, ...)
    distinct: list[tuple[str, str]] = field(default_factory=list)
    # Check expressions (SQL text) that are not constructible: verified in the database.
    unsupported: list[str] = field(default_factory=list)

    def col(self, name: str) -> ColumnRule:
        return self.columns.setdefault(name, ColumnRule())


class _Unsupported(Exception):
    pass


def analyze_check(expression: str, rules: TableRules, columns: set[str], *, value_column: str | None = None
                  ) -> bool:
    """Add what ``expression`` requires to ``rules``; True when it is fully constructible.

    ``value_column`` names the column a domain check's ``VALUE`` stands for.
    """
    try:
        from pglast import parse_sql

        node = parse_sql(f"SELECT {expression}")[0].stmt.targetList[0].val
    except Exception:
        rules.unsupported.append(_sql_for(expression, value_column))
        return False
    scratch = _copy(rules)
    ok = _apply(node, scratch, columns, value_column)
    if ok:
        rules.columns, rules.order, rules.derived = scratch.columns, scratch.order, scratch.derived
        rules.distinct = scratch.distinct
        return True
    rules.unsupported.append(_sql_for(expression, value_column))
    return False


def _sql_for(expression: str, value_column: str | None) -> str:
    if value_column is None:
        return expression
    from aishell.dialects.postgres.quote import quote_ident

    return re.sub(r"\bVALUE\b", quote_ident(value_column), expression)


def _copy(r: TableRules) -> TableRules:
    import copy

    return TableRules(copy.deepcopy(r.columns), list(r.order), dict(r.derived), list(r.distinct),
                      list(r.unsupported))


def _apply(node: Any, rules: TableRules, columns: set[str], vcol: str | None) -> bool:
    kind = type(node).__name__
    if kind == "BoolExpr":
        op = int(node.boolop)
        if op == 0:  # AND
            return all(_apply(a, rules, columns, vcol) for a in node.args)
        if op == 1:  # OR: honour the first branch we can build (IS NULL branches last)
            branches = sorted(node.args, key=lambda a: type(a).__name__ == "NullTest" and int(a.nulltesttype) == 0)
            for b in branches:
                trial = _copy(rules)
                if _apply(b, trial, columns, vcol) and _feasible(trial):
                    rules.columns, rules.order, rules.derived = trial.columns, trial.order, trial.derived
                    rules.distinct = trial.distinct
                    return True
            return False
        return False
    if kind == "NullTest":
        col = _column(node.arg, columns, vcol)
        if col is None:
            return False
        if int(node.nulltesttype) == 1:  # IS NOT NULL
            rules.col(col).not_null = True
        else:
            rules.col(col).force_null = True
        return True
    if kind == "A_Expr":
        return _a_expr(node, rules, columns, vcol)
    if kind == "ColumnRef":  # CHECK (flag)
        col = _column(node, columns, vcol)
        if col is None:
            return False
        rules.col(col).choices = [True]
        return True
    return False


def _feasible(rules: TableRules) -> bool:
    return not any(r.force_null and r.not_null for r in rules.columns.values())


_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "=", "<>": "<>", "!=": "<>"}


def _a_expr(node: Any, rules: TableRules, columns: set[str], vcol: str | None) -> bool:
    kind = int(node.kind)
    name = node.name[-1].sval if node.name else ""
    # 0 OP, 1 OP_ANY, 2 OP_ALL, 3 DISTINCT, 4 NOT_DISTINCT, 5 NULLIF, 6 IN, 7 LIKE, 8 ILIKE, 9 SIMILAR,
    # 10 BETWEEN, 11 NOT_BETWEEN, 12 BETWEEN_SYM, 13 NOT_BETWEEN_SYM
    if kind in (10, 12):
        col = _column(node.lexpr, columns, vcol)
        bounds = [_const(x) for x in node.rexpr]
        if col is None or any(b is _NOCONST for b in bounds):
            return False
        lo, hi = sorted(bounds, key=lambda v: (str(type(v)), v)) if kind == 12 else bounds
        rules.col(col).narrow_lo(lo, True)
        rules.col(col).narrow_hi(hi, True)
        return True
    if kind in (1, 2, 6):
        col = _column(node.lexpr, columns, vcol)
        items = node.rexpr
        if type(items).__name__ == "TypeCast":
            items = items.arg
        if type(items).__name__ == "A_ArrayExpr":
            items = items.elements
        if col is None or not isinstance(items, (list, tuple)):
            return False
        values = [_const(x) for x in items]
        if any(v is _NOCONST for v in values):
            return False
        if name == "=" and kind in (1, 6):
            r = rules.col(col)
            r.choices = values if r.choices is None else [v for v in r.choices if v in values]
            return bool(r.choices)
        if name == "<>" and kind in (2, 6):
            rules.col(col).exclude.update(values)
            return True
        return False
    if kind != 0 or node.lexpr is None:
        return False
    left_col = _column(node.lexpr, columns, vcol)
    right_col = _column(node.rexpr, columns, vcol)
    left_const, right_const = _const(node.lexpr), _const(node.rexpr)
    if name in ("~", "~*") and left_col and isinstance(right_const, str):
        rules.col(left_col).regex.append((right_const, name == "~*"))
        return True
    if left_col and right_const is not _NOCONST:
        return _compare(rules, left_col, name, right_const)
    if right_col and left_const is not _NOCONST:
        return _compare(rules, right_col, _FLIP.get(name, "?"), left_const)
    # length(col) op n
    fn = _length_of(node.lexpr, columns, vcol)
    if fn and isinstance(right_const, Decimal):
        n = int(right_const)
        r = rules.col(fn)
        if name in (">", ">="):
            r.min_len = max(r.min_len or 0, n + (1 if name == ">" else 0))
        elif name in ("<", "<="):
            r.max_len = min(r.max_len or 10**9, n - (1 if name == "<" else 0))
        elif name in ("<>", "!="):
            r.min_len = max(r.min_len or 0, 1) if n == 0 else r.min_len
        elif name == "=":
            r.min_len = r.max_len = n
        else:
            return False
        return True
    if left_col and right_col and name in ("<>", "!="):
        rules.distinct.append((left_col, right_col))
        return True
    if left_col and right_col and name in (">", ">=", "<", "<="):
        later, earlier = (left_col, right_col) if name in (">", ">=") else (right_col, left_col)
        rules.order.append((later, ">" if name in (">", "<") else ">=", earlier))
        return True
    if left_col and name == "=" and type(node.rexpr).__name__ == "A_Expr" and _arith(node.rexpr, columns, vcol):
        rules.derived[left_col] = node.rexpr
        return True
    if right_col and name == "=" and type(node.lexpr).__name__ == "A_Expr" and _arith(node.lexpr, columns, vcol):
        rules.derived[right_col] = node.lexpr
        return True
    return False


def _compare(rules: TableRules, col: str, op: str, value: Any) -> bool:
    r = rules.col(col)
    if op == ">=":
        r.narrow_lo(value, True)
    elif op == ">":
        r.narrow_lo(value, False)
    elif op == "<=":
        r.narrow_hi(value, True)
    elif op == "<":
        r.narrow_hi(value, False)
    elif op in ("<>", "!="):
        r.exclude.add(value)
    elif op == "=":
        r.choices = [value]
    else:
        return False
    return True


def _arith(node: Any, columns: set[str], vcol: str | None) -> bool:
    kind = type(node).__name__
    if kind == "A_Expr":
        name = node.name[-1].sval if node.name else ""
        return int(node.kind) == 0 and name in "+-*" and node.lexpr is not None and \
            _arith(node.lexpr, columns, vcol) and _arith(node.rexpr, columns, vcol)
    if _column(node, columns, vcol):
        return True
    return isinstance(_const(node), Decimal)


def evaluate(node: Any, row: dict[str, Any]) -> Any:
    """Evaluate an arithmetic expression accepted by ``_arith`` over a row of Python values."""
    kind = type(node).__name__
    if kind == "A_Expr":
        a, b = evaluate(node.lexpr, row), evaluate(node.rexpr, row)
        if a is None or b is None:
            return None
        a, b = Decimal(str(a)), Decimal(str(b))
        op = node.name[-1].sval
        return a + b if op == "+" else a - b if op == "-" else a * b
    if kind == "TypeCast":
        return evaluate(node.arg, row)
    if kind == "ColumnRef":
        return row.get(node.fields[-1].sval)
    return _const(node)


def compile_arith(node: Any) -> tuple[list[str], Any]:
    """(column names, fn(*values)) computing an expression accepted by ``_arith``; None if any is NULL."""
    names: list[str] = []

    def src(n: Any) -> str:
        kind = type(n).__name__
        if kind == "A_Expr":
            return f"({src(n.lexpr)} {n.name[-1].sval} {src(n.rexpr)})"
        if kind == "TypeCast":
            return src(n.arg)
        if kind == "ColumnRef":
            col = n.fields[-1].sval
            if col not in names:
                names.append(col)
            return f"a{names.index(col)}"
        return f"D({str(_const(n))!r})"

    body = src(node)
    args = ", ".join(f"a{i}" for i in range(len(names)))
    nulls = " or ".join(f"a{i} is None" for i in range(len(names))) or "False"
    fn = eval(f"lambda {args}: None if {nulls} else {body}", {"D": Decimal})  # built from parsed names only
    return names, fn


def arith_columns(node: Any) -> list[str]:
    kind = type(node).__name__
    if kind == "A_Expr":
        return arith_columns(node.lexpr) + arith_columns(node.rexpr)
    if kind == "TypeCast":
        return arith_columns(node.arg)
    if kind == "ColumnRef":
        return [node.fields[-1].sval]
    return []


def _length_of(node: Any, columns: set[str], vcol: str | None) -> str | None:
    while type(node).__name__ == "TypeCast":
        node = node.arg
    if type(node).__name__ != "FuncCall":
        return None
    fname = node.funcname[-1].sval.lower()
    if fname in ("length", "char_length", "character_length", "octet_length") and node.args and \
            len(node.args) == 1:
        return _column(node.args[0], columns, vcol)
    if fname in ("btrim", "trim") and node.args and len(node.args) == 1:
        return None
    return None


def _column(node: Any, columns: set[str], vcol: str | None) -> str | None:
    while type(node).__name__ == "TypeCast":
        node = node.arg
    # btrim(col) / trim(col) / lower(col) compared with a constant: treated like the column itself
    # (generated text has no surrounding blanks; lower-case checks are rare and verified anyway).
    if type(node).__name__ == "FuncCall" and node.funcname[-1].sval.lower() in ("btrim", "trim") and \
            node.args and len(node.args) == 1:
        return _column(node.args[0], columns, vcol)
    if type(node).__name__ != "ColumnRef":
        return None
    fields = node.fields
    if len(fields) != 1 or type(fields[0]).__name__ != "String":
        return None
    name = fields[0].sval
    if vcol is not None and name.lower() == "value":
        return vcol
    return name if name in columns else None


class _NoConst:
    pass


_NOCONST: Any = _NoConst()


def _const(node: Any) -> Any:
    while type(node).__name__ == "TypeCast":
        node = node.arg
    if type(node).__name__ == "A_Expr" and int(node.kind) == 0 and node.lexpr is None and \
            node.name[-1].sval == "-":
        v = _const(node.rexpr)
        return -v if isinstance(v, Decimal) else _NOCONST
    if type(node).__name__ != "A_Const" or node.isnull:
        return _NOCONST
    val = node.val
    k = type(val).__name__
    try:
        if k == "Integer":
            return Decimal(val.ival)
        if k == "Float":
            return Decimal(val.fval)
    except InvalidOperation:
        return _NOCONST
    if k == "String":
        return val.sval
    if k == "Boolean":
        return bool(val.boolval)
    return _NOCONST


def table_rules(table: Any, domain_checks: dict[str, list[str]], column_domains: dict[str, str]) -> TableRules:
    """All check rules of a table: its CHECK constraints and the checks of its columns' domains."""
    rules = TableRules()
    names = {c.name for c in table.columns}
    for ck in table.checks:
        analyze_check(ck.expression or "", rules, names)
    for col, dom in column_domains.items():
        for expr in domain_checks.get(dom, []):
            analyze_check(expr, rules, names | {col}, value_column=col)
    return rules
