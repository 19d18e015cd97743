"""Rows per parent that a design's rule triggers allow: "at most 2 active loans per member", "a squad has
between 3 and 5 players" (a group of 1 to min-1 rows refused at commit), "the percentages of a portfolio
add up to 100" (a sum checked at commit).

The rule is read from what the design records on the trigger (``attrs``: ``rule``, ``per``, ``min``,
``max``, ``where``, ``amount``, ``total``; ``aishell.design.plan.rules``), never from the trigger's body,
and honoured by construction: the rows of such a table are laid out parent by parent before the first
batch (group sizes, and the amounts, which add up exactly), so its triggers stay enabled and pass. A
rule that cannot be honoured from what is recorded leaves the table skipped with the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from aishell.datagen.rows import skewed_index
from aishell.datagen.values import scale_of

_KINDS = ("max_count", "balanced")


@dataclass
class GroupRule:
    per: str  # the foreign-key column the rows are counted by
    lo: int = 0  # a parent with rows has at least this many (0/1: no least)
    hi: int | None = None  # and at most this many
    amount: str | None = None  # a column whose values add up to ``total`` per parent
    total: float | None = None
    triggers: tuple[str, ...] = ()
    # "at most 2 active loans": only rows in those states count, so a parent has as many rows as usual
    # and the ones past the most take another state (column, counted values, other values)
    state: tuple[str, list[str], list[str]] | None = None
    layout: Any = None  # (parent index per row, amount per row or None, rank in its group), made in the generator
    state_hi: int = 0
    roles: list[str] | None = None  # counted in either of these columns (same parent)
    seen: Any = None  # rows counted per parent so far (roles), in the generator

    def describe(self) -> str:
        parts = []
        if self.lo > 1 or self.hi is not None:
            parts.append(f"{self.lo if self.lo > 1 else 0}..{self.hi if self.hi is not None else '∞'} rows")
        if self.amount:
            parts.append(f"{self.amount} adding up to {_num(self.total or 0)}")
        return f"per {self.per}: " + ", ".join(parts)


def recorded(hints: Any, table: str) -> dict[str, dict]:
    """{trigger name: its attrs} of the design's rule triggers on ``table`` (a table name)."""
    doc = getattr(hints, "doc", None) or {}
    out: dict[str, dict] = {}
    for t in doc.get("tables") or []:
        if not isinstance(t, dict) or t.get("name") != table:
            continue
        for tr in t.get("triggers") or []:
            a = tr.get("attrs") if isinstance(tr, dict) else None
            if isinstance(a, dict) and a.get("rule") in _KINDS and isinstance(tr.get("name"), str):
                out[tr["name"]] = a
    return out


def attach(plans: list[Any], hints: Any, existing: dict[str, int]) -> None:
    """Give each plan whose table carries a recorded count or sum trigger its ``group`` rule, or skip it
    with the reason it cannot be honoured."""
    for p in plans:
        if p.skip:
            continue
        live = {tr.name for tr in p.table.triggers}
        rules = {n: a for n, a in recorded(hints, p.table.name).items() if n in live}
        if not rules:
            continue
        why = _why_not(p, rules, existing)
        if why:
            p.skip = why
            continue
        first = next(iter(rules))
        if rules[first].get("any_role"):
            p.group = attach_roles(p, first, rules[first])
            continue
        g = GroupRule(per=rules[first]["per"][0], triggers=tuple(rules))
        for a in rules.values():
            if a.get("min") is not None:
                g.lo = max(g.lo, int(a["min"]))
            if a.get("max") is not None:
                state = _state(p, a.get("where"))
                if state is not None and g.state is None:
                    g.state, g.state_hi = state, int(a["max"])
                else:  # no where, or one test data cannot steer: all rows count, which honours it too
                    g.hi = int(a["max"]) if g.hi is None else min(g.hi, int(a["max"]))
            if a.get("amount"):
                g.amount, g.total = a["amount"], float(a.get("total") or 0)
        p.group = g


def _state(p: Any, where: Any) -> tuple[str, list[str], list[str]] | None:
    """(column, values counted, other values) when ``where`` is ``col = 'v'`` or ``col IN ('v', ...)`` on an
    enum column test data fills with one of its labels; None otherwise."""
    if not isinstance(where, str):
        return None
    m = re.fullmatch(r'\s*"?(\w+)"?\s*(?:=\s*(\'[^\']*\')|IN\s*\(([^)]*)\))\s*', where, re.I)
    if m is None:
        return None
    col = p.col(m.group(1))
    values = re.findall(r"'([^']*)'", m.group(2) or m.group(3) or "")
    if col is None or not col.labels or m.group(1) not in p.gens or m.group(1) in p.rules.derived:
        return None
    others = [v for v in col.labels if v not in values]
    return (m.group(1), values, others) if others and values else None


def _why_not(p: Any, rules: dict[str, dict], existing: dict[str, int]) -> str | None:
    names = ", ".join(rules)
    pers = {tuple(a.get("per") or ()) for a in rules.values()}
    if len(rules) == 1 and next(iter(rules.values())).get("any_role"):
        return _why_not_roles(p, names, next(iter(rules.values())), existing)
    if len(pers) != 1 or len(next(iter(pers))) != 1:
        return f"rule triggers {names}: count over several columns or roles, which test data cannot lay out yet"
    per = next(iter(pers))[0]
    if not any(s.fk.columns == [per] and not s.self_ref for s in p.fks):
        return f"rule triggers {names}: {per} is not a foreign key test data picks row by row"
    if existing.get(p.name, 0):
        return f"rule triggers {names}: the table already holds rows, whose groups test data does not know"
    for a in rules.values():
        if a.get("min") is not None and a.get("where"):
            return f"rule trigger {names}: a least counted over rows in one state, which test data cannot lay out yet"
        if a.get("rule") == "balanced":
            if not a.get("amount"):
                return f"rule trigger {names}: a debit/credit balance, which test data cannot lay out yet"
            c = p.col(a["amount"])
            # floats would not add up exactly; integers and numerics do
            if c is None or c.base not in ("int2", "int4", "int8", "numeric") \
                    or a["amount"] not in p.gens:
                return f"rule trigger {names}: {a['amount']} is not a number column test data fills"
            if float(a.get("total") or 0) <= 0:
                return f"rule trigger {names}: lines adding up to zero, which test data cannot lay out yet"
    if p.filters:
        return f"rule triggers {names}: its rows are filtered by a CHECK verified in the database, which would break the groups"
    return None


def _why_not_roles(p: Any, names: str, a: dict, existing: dict[str, int]) -> str | None:
    roles = list(a.get("per") or ())
    srcs = [next((s for s in p.fks if s.fk.columns == [r] and not s.self_ref), None) for r in roles]
    if len(roles) != 2 or None in srcs or srcs[0].parent != srcs[1].parent or a.get("max") is None:
        return f"rule trigger {names}: counts a parent in roles test data cannot lay out ({', '.join(roles)})"
    if existing.get(p.name, 0):
        return f"rule trigger {names}: the table already holds rows, whose counts test data does not know"
    if p.filters:
        return f"rule trigger {names}: its rows are filtered by a CHECK verified in the database"
    if any(k == "fk" and m in srcs for k, m in p.combo):
        return f"rule trigger {names}: its roles form a unique combination, which test data cannot lay out yet"
    return None


def attach_roles(p: Any, name: str, a: dict) -> GroupRule:
    """"at most 2 planned matches per player", as player_a or player_b: both roles counted together."""
    g = GroupRule(per=a["per"][0], triggers=(name,))
    g.roles = list(a["per"])
    state = _state(p, a.get("where"))
    g.state_hi = int(a["max"])
    if state is not None:
        g.state = state
    else:
        g.hi = int(a["max"])
    return g


def pair(g: GroupRule, ia: np.ndarray, ib: np.ndarray, m: int, vals: dict, rng: np.random.Generator) -> None:
    """Rows (ia[i], ib[i]) in order, each parent counted in either role at most ``state_hi`` times: a
    counted row over the most takes another state (with a state), or other parents with room (without;
    never the same parent twice in one row). Changes ia, ib (and the state column) in place."""
    if g.seen is None:
        g.seen = np.zeros(m, dtype=np.int64)
    seen, most = g.seen, g.state_hi
    cur = None
    if g.state is not None:
        from aishell.datagen.encode import Pick

        v = vals.get(g.state[0])
        cur = v.values() if isinstance(v, Pick) else list(v) if v is not None else None
    counted = set(g.state[1]) if g.state is not None else None
    same = np.flatnonzero(ia == ib)  # never a parent with itself (the designs' a <> b check)
    if len(same) and m > 1:
        ib[same] = (ib[same] + 1 + rng.integers(0, m - 1, len(same))) % m
    for i in range(len(ia)):
        if cur is not None and cur[i] not in counted:
            continue
        a, b = int(ia[i]), int(ib[i])
        if seen[a] < most and seen[b] < most and a != b:
            seen[a] += 1
            seen[b] += 1
            continue
        if cur is not None:
            cur[i] = g.state[2][int(rng.integers(len(g.state[2])))]
            continue
        room = np.flatnonzero(seen < most)
        if len(room) < 2:
            raise RuntimeError("no parent has room left")  # fit() keeps the rows within the room
        if seen[a] >= most:
            a2, b2 = (int(x) for x in rng.choice(room, 2, replace=False))
        else:
            a2, b2 = a, int(rng.choice(room[room != a]))
        ia[i], ib[i] = a2, b2
        seen[a2] += 1
        seen[b2] += 1
    if cur is not None:
        vals[g.state[0]] = cur


def fit(plans: list[Any], by_name: dict[str, Any], existing: dict[str, int]) -> None:
    """Lower a grouped table's row count to what its parents can hold (max rows each, whole groups)."""
    for p in plans:
        g = getattr(p, "group", None)
        if g is None or p.skip:
            continue
        src = next(s for s in p.fks if s.fk.columns == [g.per])
        parent = by_name.get(src.parent)
        m = (parent.count if parent is not None and not parent.skip else 0) + existing.get(src.parent, 0)
        if g.roles:  # each row takes room from two parents
            p.count = 0 if m < 2 else min(p.count, m * g.hi // 2) if g.hi is not None else p.count
            continue
        p.count = feasible(p.count, m, g.lo, _hi(p, g))


def _hi(p: Any, g: GroupRule) -> int | None:
    if g.amount is None:
        return g.hi
    units = _units(p, g)  # every line of a total holds at least one unit of it
    return units if g.hi is None else min(g.hi, units)


def _units(p: Any, g: GroupRule) -> int:
    c = p.col(g.amount)
    scale = 0 if c.base.startswith("int") else scale_of(c)
    return int(round((g.total or 0) * 10**scale))


def feasible(count: int, m: int, lo: int, hi: int | None) -> int:
    """The most rows, at most ``count``, that ``m`` parents hold in groups of ``lo``..``hi`` (or none)."""
    if m <= 0 or count <= 0:
        return 0
    lo = max(lo, 1)
    if hi is not None:
        count = min(count, m * hi)
    if lo > 1:
        groups = min(m, count // lo)
        if hi is not None:
            count = min(count, groups * hi)
        if groups == 0:
            count = 0
    return count


def sizes(rng: np.random.Generator, count: int, m: int, lo: int, hi: int | None) -> np.ndarray:
    """Rows per parent (length m), adding up to ``count``: skewed (Zipf-like) when only a most is said,
    capped at ``hi``; with a least, a set of parents gets ``lo``..``hi`` rows each and the others none."""
    lo = max(lo, 1)
    if lo <= 1:
        n = np.bincount(skewed_index(rng, count, m), minlength=m)
        if hi is not None:
            n = np.minimum(n, hi)
            _spread(rng, n, count - int(n.sum()), hi)
        return n
    fewest = -(-count // hi) if hi is not None else 1
    most = min(m, count // lo)
    typical = round(count / ((lo + hi) / 2)) if hi is not None else round(count / (lo * 2))
    groups = int(min(most, max(fewest, typical)))
    n = np.zeros(m, dtype=np.int64)
    chosen = rng.permutation(m)[:groups]
    n[chosen] = lo
    left = count - groups * lo
    if left:
        sub = n[chosen]
        _spread(rng, sub, left, hi)
        n[chosen] = sub
    return n


def _spread(rng: np.random.Generator, n: np.ndarray, left: int, hi: int | None) -> None:
    """Add ``left`` rows to ``n`` in place, a few at a time in random order, none above ``hi``."""
    while left > 0:
        room = np.flatnonzero(n < hi) if hi is not None else np.arange(len(n))
        if len(room) == 0:
            break
        pick = rng.permutation(room)[:left]
        n[pick] += 1
        left -= len(pick)


def layout(p: Any, g: GroupRule, m: int) -> tuple[np.ndarray, Any]:
    """(parent index of every row, the amount of every row or None), the rows parent by parent."""
    rng = np.random.default_rng([p.seed, 0x6770])
    n = sizes(rng, p.count, m, g.lo, _hi(p, g))
    order = np.flatnonzero(n)
    order = order[rng.permutation(len(order))]  # parents in random order, each one's rows together
    k = n[order]
    parents = np.repeat(order, k)
    first = np.concatenate([[0], np.cumsum(k)[:-1]]).astype(np.int64)
    rank = np.arange(len(parents), dtype=np.int64) - np.repeat(first, k)
    if g.amount is None:
        return parents, None, rank
    units = _units(p, g)
    gid = np.repeat(np.arange(len(order)), k)
    w = rng.random(len(parents)) + 0.2
    share = w / np.bincount(gid, w)[gid]
    part = 1 + np.floor(share * (units - k[gid])).astype(np.int64)
    part[first] += units - np.bincount(gid, part).astype(np.int64)  # exact: the rest to the first line
    return parents, part, rank


def steer(g: GroupRule, rank: np.ndarray, vals: dict, rng: np.random.Generator) -> None:
    """Rows past the most of their group that landed in a counted state take another state."""
    col, counted, others = g.state
    v = vals.get(col)
    if v is None:
        return
    from aishell.datagen.encode import Pick

    cur = v.values() if isinstance(v, Pick) else list(v)
    late = np.flatnonzero(rank >= g.state_hi).tolist()
    hit = set(counted)
    for i in late:
        if cur[i] in hit:
            cur[i] = others[int(rng.integers(len(others)))]
    vals[col] = cur


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(float(v))
