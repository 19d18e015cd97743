"""Rows of a planned table, a batch at a time: column generators, foreign keys picked with a skewed
(Zipf-like) fan-out, unique combinations, and the CHECK rules between columns, then encoded for COPY.

``KeySpace`` holds what a child may reference: a dense range when the parent's key is a sequence we
fill ourselves (nothing kept in memory), otherwise the parent's generated key values (numpy arrays, or
lists for text and UUIDs), plus the keys of rows the table already had.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from aishell.datagen import checks as _checks
from aishell.datagen.encode import (FIXED_KINDS, Pick, as_list, encode_column, fixed_records, interleave, rows_buffer,
                                    text_rows)
from aishell.datagen.values import DAY_US, US, kind_of, scale_of

SKEW = 2.5  # rank = m * u**SKEW: the busiest 1% of parents get ~16% of the children, the top 10% ~40%
_PERMUTE = 2654435761


class KeySpace:
    """Keys of a parent that children may take: per key column a dense (start, count) or an array/list."""

    def __init__(self, width: int):
        self.width = width
        self.dense: tuple[int, int] | None = None
        self.cols: list[Any] = [None] * width
        self.n = 0

    @classmethod
    def of_range(cls, start: int, count: int) -> KeySpace:
        ks = cls(1)
        ks.dense = (start, count)
        ks.n = count
        return ks

    @classmethod
    def of_values(cls, cols: list[Any]) -> KeySpace:
        ks = cls(len(cols))
        ks.cols = [c if isinstance(c, np.ndarray) else list(c) for c in cols]
        ks.n = len(cols[0]) if cols else 0
        return ks

    def extend(self, cols: list[Any]) -> None:
        if self.dense is not None:
            start, count = self.dense
            self.cols = [np.arange(start, start + count, dtype=np.int64)]
            self.dense = None
        for j, c in enumerate(cols):
            cur = self.cols[j]
            if isinstance(c, Pick):
                c = c.values()
            if cur is None:
                self.cols[j] = c if isinstance(c, np.ndarray) else list(c)
            elif isinstance(cur, np.ndarray) and isinstance(c, np.ndarray) and cur.ndim == c.ndim:
                self.cols[j] = np.concatenate([cur, c])
            else:
                self.cols[j] = (cur.tolist() if isinstance(cur, np.ndarray) else cur) + \
                    (c.tolist() if isinstance(c, np.ndarray) else list(c))
        self.n = len(self.cols[0]) if self.cols and self.cols[0] is not None else 0

    def __len__(self) -> int:
        return self.n

    def take(self, idx: np.ndarray) -> list[Any]:
        if self.dense is not None:
            return [self.dense[0] + idx]
        out = []
        for c in self.cols:
            out.append(c[idx] if isinstance(c, np.ndarray) else Pick(c, idx))
        return out


def skewed_index(rng: np.random.Generator, n: int, m: int) -> np.ndarray:
    """n indices into m parents, Zipf-like: a few parents get many children, many get few or none."""
    rank = np.minimum((m * rng.random(n) ** SKEW).astype(np.int64), m - 1)
    a = _PERMUTE % m or 1
    while math.gcd(a, m) != 1:
        a += 1
    return (rank * a + 7) % m  # popular parents scattered over the key range, not the first ids


def batch_values(p: Any, start: int, n: int, rng: np.random.Generator) -> tuple[dict[str, Any], dict[str, Any]]:
    """({column: values}, {column: null mask}) for rows start .. start+n-1 of plan ``p``."""
    vals: dict[str, Any] = {}
    nulls: dict[str, Any] = {}
    for c, g in p.gens.items():
        vals[c] = g.batch(start, n)
        frac = getattr(g, "null_frac", 0.0)
        if frac > 0:
            nulls[c] = rng.random(n) < frac
    shared = _shared_key_values(p)
    roles: dict[str, Any] = {}  # a count over two role columns: picked together below
    for src in p.fks:
        cols = src.fk.columns
        ks = src.keys
        if src.self_ref:
            _self_ref(p, src, start, n, vals, nulls, rng)
            continue
        if len(cols) == 1 and cols[0] in shared:
            vals[cols[0]] = np.full(n, shared[cols[0]]) if isinstance(shared[cols[0]], (int, np.integer)) \
                else [shared[cols[0]]] * n
            continue
        if ks is not None and len(ks) and len(cols) > 1 and any(c in shared for c in cols):
            ks = _matching(ks, cols, shared)
        if ks is None or len(ks) == 0:
            for c in cols:
                vals[c] = [None] * n
            continue
        g = p.group
        if g is not None and g.roles and cols[0] in g.roles:
            roles[cols[0]] = (ks, skewed_index(rng, n, len(ks)))
            nulls.pop(cols[0], None)
            continue
        if g is not None and cols == [g.per]:
            _grouped(p, g, ks, start, n, vals, nulls)
            continue
        picked = ks.take(skewed_index(rng, n, len(ks)))
        for c, v in zip(cols, picked):
            vals[c] = v
        if src.nullable:
            mask = rng.random(n) < src.null_share
            for c in cols:
                nulls[c] = mask
    if len(roles) == 2:
        from aishell.datagen.groups import pair

        (ca, (ks, ia)), (cb, (_ks, ib)) = roles.items()
        pair(p.group, ia, ib, len(ks), vals, np.random.default_rng([p.seed, start, 1]))
        vals[ca], vals[cb] = ks.take(ia)[0], ks.take(ib)[0]
    if p.combo:
        _combo(p, start, n, vals)
    for c, v in p.placeholders.items():
        vals[c] = [v] * n
    for col, ref, lo_us, hi_us in p.near:
        if col in vals and isinstance(vals.get(ref), np.ndarray) and isinstance(vals[col], np.ndarray):
            vals[col] = vals[ref] - (lo_us + (rng.random(n) * (hi_us - lo_us))).astype(np.int64) // US * US
            nulls.pop(col, None)
    for later, op, earlier in p.rules.order:
        if later in vals and earlier in vals:
            _after(p, later, op, earlier, vals, nulls, rng, n)
    for a, b in p.rules.distinct:  # a <> b: where a row has them equal, the nullable one becomes NULL
        if a in vals and b in vals:
            ca, cb = p.col(a), p.col(b)
            target = a if ca is not None and not ca.not_null else b if cb is not None and not cb.not_null else None
            if target is None:
                continue
            va, vb = _plain(vals[a], p.col(a)), _plain(vals[b], p.col(b))
            eq = np.array([x is not None and x == y for x, y in zip(va, vb)], dtype=bool) \
                if not (isinstance(va, np.ndarray) and isinstance(vb, np.ndarray)) else (va == vb)
            nulls[target] = eq | nulls.get(target, np.zeros(n, dtype=bool))
    for c, expr in p.rules.derived.items():
        _derive(p, c, expr, vals, nulls, n)
    return vals, nulls


def _grouped(p: Any, g: Any, ks: KeySpace, start: int, n: int, vals: dict, nulls: dict) -> None:
    """Rows ``start`` .. ``start+n-1`` of a table whose count or sum trigger fixes the rows per parent:
    taken from its layout (made once, before the first batch; ``groups.py``), never NULL."""
    from aishell.datagen.groups import layout

    if g.layout is None:
        g.layout = layout(p, g, len(ks))
    parents, amounts, rank = g.layout
    vals[g.per] = ks.take(parents[start:start + n])[0]
    nulls.pop(g.per, None)
    if amounts is not None:
        vals[g.amount] = amounts[start:start + n]
        nulls.pop(g.amount, None)
    if g.state is not None:
        from aishell.datagen.groups import steer

        steer(g, rank[start:start + n], vals, np.random.default_rng([p.seed, start]))


def _shared_key_values(p: Any) -> dict[str, Any]:
    """A column in several foreign keys (a tenant key in (tenant, customer) and (tenant, agent)): every
    key must agree on it, so all rows take one value, the first key of the single-column reference that
    owns it (the tenant)."""
    counts: dict[str, int] = {}
    for src in p.fks:
        if not src.self_ref:
            for c in src.fk.columns:
                counts[c] = counts.get(c, 0) + 1
    out: dict[str, Any] = {}
    for src in p.fks:
        cols = src.fk.columns
        if len(cols) == 1 and counts.get(cols[0], 0) > 1 and src.keys is not None and len(src.keys):
            out[cols[0]] = _column(src.keys, 0)[0]
    return out


def _column(ks: Any, j: int) -> Any:
    """Column ``j`` of a key space, materialised (an array, or a list)."""
    c = ks.take(np.arange(len(ks)))[j]
    return c.values() if isinstance(c, Pick) else c


def _matching(ks: Any, cols: list[str], shared: dict[str, Any]) -> Any:
    """The parent keys whose shared columns hold the value every row takes."""
    mask = np.ones(len(ks), dtype=bool)
    for i, c in enumerate(cols):
        if c in shared:
            mask &= np.array([v == shared[c] for v in _column(ks, i)], dtype=bool)
    kept = [_column(ks, j) for j in range(len(cols))]
    kept = [k[mask] if isinstance(k, np.ndarray) else [v for v, m in zip(k, mask) if m] for k in kept]
    return KeySpace.of_values(kept)


def _plain(v: Any, col: Any) -> Any:
    if isinstance(v, np.ndarray) or col is None:
        return v
    return as_list(v, kind_of(col), scale_of(col))


def _self_ref(p: Any, src: Any, start: int, n: int, vals: dict, nulls: dict, rng: np.random.Generator) -> None:
    """Each row points at an earlier row of the same table (a tree: no row refers to itself)."""
    cols = src.fk.columns
    own = [vals.get(c) for c in src.fk.ref_columns]
    ks = src.keys
    base = ks.n if ks is not None else 0  # rows before this batch that can be referenced
    gidx = np.arange(base, base + n, dtype=np.int64)
    pick = np.minimum((gidx * rng.random(n) ** 2).astype(np.int64), np.maximum(gidx - 1, 0))
    mask = (gidx == 0) | (rng.random(n) < src.null_share)
    if ks is not None and base > 0:
        ks_all = KeySpace(len(cols))
        ks_all.dense, ks_all.cols, ks_all.n = ks.dense, list(ks.cols), ks.n
        ks_all.extend(own)
    else:
        ks_all = KeySpace.of_values(own)
    picked = ks_all.take(pick)
    for c, v in zip(cols, picked):
        vals[c] = v
        if not all(p.col(x) is not None and not p.col(x).not_null for x in cols):
            continue
        nulls[c] = mask


def _combo(p: Any, start: int, n: int, vals: dict) -> None:
    sizes = [len(m.keys) if kind == "fk" else len(m[1]) for kind, m in p.combo]
    total = 1
    for s in sizes:
        total *= s
    if total == 0:
        from aishell.errors import UserError

        raise UserError(f"{p.name}: no parent rows to combine")
    a = _PERMUTE % total or 1
    while math.gcd(a, total) != 1:
        a += 1
    b = p.table.attrs.setdefault("_dg_offset", int(np.random.default_rng(p.seed).integers(0, total)))
    k = np.arange(start, start + n, dtype=np.int64)
    idx = (k % total * a + b) % total if total < 2**31 else np.array([(a * int(x) + b) % total for x in k])
    for (kind, m), size in zip(p.combo, sizes):
        idx, r = np.divmod(idx, size)
        if kind == "fk":
            for c, v in zip(m.fk.columns, m.keys.take(r)):
                vals[c] = v
        else:
            vals[m[0]] = Pick(m[1], r)


def _duration_us(p: Any, later: str, kind: str) -> tuple[int, int]:
    """How long after ``earlier`` a ``later`` timestamp lands: minutes for a trip's end, up to weeks else."""
    name = later.lower()
    table = p.table.name.lower()
    short = any(w in table for w in ("trip", "ride", "session", "call", "rental", "journey", "visit", "workout",
                                     "stream", "login", "charge"))
    if short and any(w in name for w in ("end", "finish", "return", "drop", "stop", "complete", "close")):
        return 3 * 60 * US, 90 * 60 * US
    if name.startswith("updated") or name in ("modified_at", "last_update", "changed_at"):
        return 60 * US, 30 * DAY_US
    return 3600 * US, 14 * DAY_US


def _after(p: Any, later: str, op: str, earlier: str, vals: dict, nulls: dict, rng: np.random.Generator,
           n: int) -> None:
    e, v = vals[earlier], vals[later]
    col = p.col(later)
    kind = kind_of(col) if col is not None else ""
    if isinstance(e, np.ndarray) and isinstance(v, np.ndarray) and e.ndim == 1:
        u = rng.random(n)
        if kind in ("timestamp", "timestamptz"):
            lo, hi = _duration_us(p, later, kind)
            off = (lo + (hi - lo) * u ** 2).astype(np.int64) // US * US
        elif kind == "date":
            off = 1 + (u * 30).astype(np.int64)
        elif kind == "numeric":
            off = np.maximum(10 ** scale_of(col), np.abs(e) // 10)
        elif kind in ("float4", "float8"):
            off = np.maximum(1.0, np.abs(e) * 0.1)
        else:
            off = 1 + (u * 10).astype(np.int64)
        out = e + off
        en = nulls.get(earlier)
        if en is not None:  # a NULL earlier value leaves the later one as generated
            out = np.where(en, v, out)
        vals[later] = out
        return
    # rare types (time, text): compare as Python values
    el, vl = _plain(e, p.col(earlier)), _plain(v, col)
    import datetime as dt

    out = []
    for a, b in zip(el, vl):
        if a is None or b is None:
            out.append(b)
        elif isinstance(a, dt.time):
            out.append(dt.time(min(23, a.hour + 1), a.minute))
        else:
            out.append(b)
    vals[later] = out


def _derive(p: Any, c: str, expr: Any, vals: dict, nulls: dict, n: int) -> None:
    """col = arithmetic of other columns, computed on integers scaled like each column."""
    ci = p.col(c)
    target = scale_of(ci) if ci is not None and kind_of(ci) == "numeric" else 0

    def ev(node: Any) -> tuple[np.ndarray, int, np.ndarray]:
        kind = type(node).__name__
        if kind == "TypeCast":
            return ev(node.arg)
        if kind == "A_Expr":
            a, sa, na = ev(node.lexpr)
            b, sb, nb = ev(node.rexpr)
            op = node.name[-1].sval
            if op == "*":
                return a * b, sa + sb, na | nb
            s = max(sa, sb)
            a, b = a * 10 ** (s - sa), b * 10 ** (s - sb)
            return (a + b if op == "+" else a - b), s, na | nb
        if kind == "ColumnRef":
            name = node.fields[-1].sval
            col = p.col(name)
            v = vals.get(name)
            mask = nulls.get(name, np.zeros(n, dtype=bool))
            if not isinstance(v, np.ndarray):
                return np.zeros(n, dtype=np.int64), 0, np.ones(n, dtype=bool)
            s = scale_of(col) if col is not None and kind_of(col) == "numeric" else 0
            return v.astype(np.int64), s, mask
        d = _checks._const(node)
        from decimal import Decimal

        d = Decimal(d)
        s = max(0, -d.as_tuple().exponent)
        return np.full(n, int(d.scaleb(s)), dtype=np.int64), s, np.zeros(n, dtype=bool)

    v, s, mask = ev(expr)
    if s > target:
        q = 10 ** (s - target)
        v = (v + q // 2) // q
    elif s < target:
        v = v * 10 ** (target - s)
    vals[c] = v
    if mask.any():
        nulls[c] = mask
    else:
        nulls.pop(c, None)


def encode_batch(p: Any, vals: dict, nulls: dict, n: int, cache: dict) -> bytes:
    """The COPY data (binary or text, without header) of one batch."""
    if p.binary:
        order = p.copy_order or p.copy_cols
        lead: list[tuple] = []
        for c in order:  # the leading fixed-width columns without NULLs: one record per row
            v, ci = vals[c], p.col(c)
            m = nulls.get(c)
            if not isinstance(v, np.ndarray) or ci.is_array or kind_of(ci) not in FIXED_KINDS or \
                    (m is not None and m.any()) or (kind_of(ci) == "uuid") != (v.ndim == 2):
                break
            lead.append((v, kind_of(ci), scale_of(ci)))
        if lead:
            first = fixed_records(lead, len(order))
            rest = _encode_columns(p, order[len(lead):], vals, nulls, cache)
            if not rest:
                return b"".join(first)
            return interleave([first, *rest], n)
        return rows_buffer(_encode_columns(p, order, vals, nulls, cache), n)
    cols = []
    for c in (p.copy_order or p.copy_cols):
        ci = p.col(c)
        lst = _plain(vals[c], ci) if ci is not None else vals[c]
        if isinstance(lst, np.ndarray):
            lst = as_list(lst, kind_of(ci), scale_of(ci))
        m = nulls.get(c)
        if m is not None:
            lst = [None if z else x for x, z in zip(lst, m.tolist())]
        cols.append(lst)
    return text_rows(cols, n)


def _encode_columns(p: Any, order: list[str], vals: dict, nulls: dict, cache: dict) -> list[list[bytes]]:
    cols = []
    for c in order:
        ci = p.col(c)
        if ci.is_array:
            from aishell.datagen.encode import encode_array

            lst = _plain(vals[c], ci)
            m = nulls.get(c)
            if m is not None:
                lst = [None if z else x for x, z in zip(lst, m.tolist())]
            cols.append(encode_array(lst, kind_of(ci.elem), ci.elem.base_oid, scale_of(ci.elem)))
            continue
        cols.append(encode_column(vals[c], kind_of(ci), nulls.get(c), scale_of(ci), cache))
    return cols


def key_values(p: Any, vals: dict, nulls: dict, columns: tuple[str, ...]) -> list[Any]:
    """The values of ``columns`` in a batch, kept for children (rows with a NULL key are left out)."""
    out = [vals[c] for c in columns]
    mask = None
    for c in columns:
        if c in nulls:
            mask = nulls[c] if mask is None else (mask | nulls[c])
    if mask is not None and mask.any():
        keep = np.flatnonzero(~mask)
        out = [v[keep] if isinstance(v, np.ndarray) else Pick(v.pool, v.idx[keep]) if isinstance(v, Pick)
               else [v[i] for i in keep.tolist()] for v in out]
    return [v.values() if isinstance(v, Pick) else v for v in out]
