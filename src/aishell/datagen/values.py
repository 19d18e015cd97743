"""Column value generators: fast batches of Python values that honour a column's type and rules.

Text that should read naturally (names, cities, e-mail addresses, titles) comes from a small pool built
once per column with Faker through ``aishell.design.sample_data`` (the same name-based choices as
``generate sql --sample-data``); rows then sample from the pool, which keeps generation at C speed
(``random.choices``). Numbers, dates and timestamps are drawn per row with name-based shapes (prices
log-normal, quantities small, ratings 1-5, timestamps skewed towards the recent past) clamped to the
type and CHECK ranges. Unique columns are built unique: ``base + row number`` for text (bases carry no
digits, so no two rows can collide), consecutive numbers, distinct timestamps.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import math
import random
import re
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from aishell.datagen.catalog import ColInfo
from aishell.datagen.checks import ColumnRule

INT_LIMITS = {"int2": (-32768, 32767), "int4": (-(2**31), 2**31 - 1), "int8": (-(2**63), 2**63 - 1)}
TEXT_TYPES = {"text", "varchar", "bpchar", "citext", "name"}
# Types whose values we can write in binary COPY (psycopg dumpers; text-like ones as raw UTF-8).
BINARY_TYPES = {
    "int2",
    "int4",
    "int8",
    "numeric",
    "float4",
    "float8",
    "bool",
    "text",
    "varchar",
    "bpchar",
    "name",
    "citext",
    "date",
    "timestamp",
    "timestamptz",
    "time",
    "interval",
    "uuid",
    "json",
    "jsonb",
    "inet",
    "cidr",
    "bytea",
}
# Types we can only write as text.
TEXT_ONLY = {
    "macaddr",
    "macaddr8",
    "tsvector",
    "vector",
    "halfvec",
    "money",
    "bit",
    "varbit",
    "point",
    "timetz",
    "int4range",
    "int8range",
    "numrange",
    "daterange",
    "tsrange",
    "tstzrange",
    "hstore",
    "ltree",
    "oid",
}
POOL = 256
# Short vocabularies Faker has no provider for.
_FIXED_POOLS = {
    "carrier": ["UPS", "DHL", "FedEx", "USPS", "La Poste", "Royal Mail"],
    "provider": ["stripe", "paypal", "adyen", "braintree"],
    "payment_provider": ["stripe", "paypal", "adyen", "braintree"],
    "payment_method": ["card", "paypal", "bank_transfer", "apple_pay"],
    "method": ["card", "paypal", "bank_transfer", "apple_pay"],
    "gender": ["female", "male", "non-binary"],
    "priority": ["low", "normal", "high", "urgent"],
    "channel": ["web", "mobile", "email", "store"],
    "platform": ["ios", "android", "web"],
    "device": ["desktop", "mobile", "tablet"],
    "browser": ["Firefox", "Chrome", "Safari", "Edge"],
    "plan": ["free", "starter", "pro", "enterprise"],
}
_PEOPLE = re.compile(
    r"(user|customer|employee|staff|person|people|member|author|student|patient|doctor|"
    r"teacher|contact|driver|client|actor|player|agent|owner|manager)"
)


class Unsupported(Exception):
    """The column's type is one test data cannot produce."""


def producible(col: ColInfo) -> bool:
    c = col.elem if col.is_array and col.elem else col
    return c.typtype == "e" or c.base in BINARY_TYPES or c.base in TEXT_ONLY


def binary_ok(col: ColInfo) -> bool:
    if col.is_array:
        return bool(col.elem) and col.elem.typtype != "e" and col.elem.base in BINARY_TYPES - {"citext"}
    return col.typtype == "e" or col.base in BINARY_TYPES


class Gen:
    """A column generator: ``batch(start, n)`` returns n values for rows start .. start+n-1."""

    def __init__(self, fn: Callable[[int, int], list], capacity: int | None = None):
        self.fn = fn
        self.capacity = capacity

    def batch(self, start: int, n: int) -> list:
        return self.fn(start, n)


class Context:
    """Per-run state shared by generators: the seed, the time anchor, Faker-built text pools."""

    def __init__(self, seed: int, anchor: dt.datetime, schema: Any):
        self.seed = seed
        self.anchor = anchor
        self.schema = schema
        self._pools: dict[tuple, list[str]] = {}
        self._sample = None

    def rng(self, *parts: Any) -> random.Random:
        return random.Random("/".join([str(self.seed), *map(str, parts)]))

    def text_pool(self, table: Any, name: str, length: int | None, regex: bool = False) -> list[str]:
        key = (table.name, name, length, regex)
        if key not in self._pools:
            if self._sample is None:
                from aishell.design.sample_data import _Gen

                self._sample = _Gen(self.schema, 1)
            g = self._sample
            g.fake.seed_instance(f"{self.seed}/{table.name}/{name}")
            g.rnd.seed(f"{self.seed}/{table.name}/{name}")
            pool = []
            person = _PEOPLE.search(table.name.lower()) and name.lower() in (
                "name",
                "full_name",
                "display_name",
            )
            fixed = _FIXED_POOLS.get(name.lower())
            for i in range(POOL):
                if fixed:
                    v = fixed[i % len(fixed)]
                elif person:
                    v = g.fake.name()
                elif "countr" in table.name.lower() and name.lower() in ("name", "country"):
                    v = g.fake.country()
                else:
                    v = g.text(table, name, i, False, length, regex)
                pool.append(v[:length] if length else v)
            self._pools[key] = pool
        return self._pools[key]


# -- building a generator ---------------------------------------------------------------------------
def make(
    col: ColInfo,
    rule: ColumnRule | None,
    ctx: Context,
    table: Any,
    *,
    unique: bool = False,
    unique_start: int = 0,
    null_frac: float = 0.0,
) -> Gen:
    rule = rule or ColumnRule()
    rng = ctx.rng(table.schema, table.name, col.name)
    if rule.force_null and not col.not_null:
        return Gen(lambda s, n: [None] * n)
    g = _make(col, rule, ctx, table, rng, unique, unique_start)
    nulls = 0.0 if (unique or col.not_null or rule.not_null) else null_frac
    if nulls <= 0:
        return g
    inner = g.fn
    r = rng.random

    def with_nulls(start: int, n: int) -> list:
        vals = inner(start, n)
        return [None if r() < nulls else v for v in vals]

    return Gen(with_nulls, g.capacity)


def _make(
    col: ColInfo, rule: ColumnRule, ctx: Context, table: Any, rng: random.Random, unique: bool, start: int
) -> Gen:
    if col.is_array:
        return _array(col, rule, ctx, table, rng)
    choices = _choices(col, rule)
    if choices is not None:
        return _pick(choices, rng, unique, start)
    b = col.base
    if b in INT_LIMITS:
        return _int(col, rule, rng, unique, start)
    if b == "numeric" or b in ("float4", "float8", "money"):
        return _number(col, rule, rng, unique, start)
    if b == "bool":
        p = _true_share(col.name)
        r = rng.random
        return Gen(lambda s, n: [r() < p for _ in range(n)])
    if b in ("timestamp", "timestamptz", "date"):
        return _temporal(col, rule, ctx, rng, unique, start)
    if b in ("time", "timetz"):
        tz = "+00" if b == "timetz" else ""
        if b == "timetz":
            return Gen(
                lambda s, n: [
                    f"{rng.randint(6, 21):02d}:{rng.choice((0, 15, 30, 45)):02d}:00{tz}" for _ in range(n)
                ]
            )
        return Gen(lambda s, n: [dt.time(rng.randint(6, 21), rng.choice((0, 15, 30, 45))) for _ in range(n)])
    if b == "interval":
        return Gen(
            lambda s, n: [dt.timedelta(minutes=rng.choice((15, 30, 45, 60, 90, 120, 1440))) for _ in range(n)]
        )
    if b == "uuid":
        gb = rng.getrandbits
        return Gen(lambda s, n: [uuid.UUID(int=gb(128), version=4) for _ in range(n)])
    if b in ("json", "jsonb"):
        pool = _json_pool(col.name, rng)
        return Gen(lambda s, n: rng.choices(pool, k=n))
    if b in ("inet", "cidr"):
        if unique:
            return Gen(
                lambda s, n: [
                    ipaddress.ip_address(0x0A000000 + start + i)
                    if b == "inet"
                    else ipaddress.ip_network(0x0A000000 + start + i)
                    for i in range(s, s + n)
                ],
                capacity=2**24,
            )
        if b == "cidr":
            return Gen(
                lambda s, n: [
                    ipaddress.ip_network(f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.0/24")
                    for _ in range(n)
                ]
            )
        return Gen(
            lambda s, n: [
                ipaddress.ip_address(rng.choice((0xC0A80000, 0x0A000000, 0xCB007100)) + rng.randint(1, 65000))
                for _ in range(n)
            ]
        )
    if b == "bytea":
        return Gen(lambda s, n: [rng.randbytes(rng.randint(8, 48)) for _ in range(n)])
    if b in TEXT_TYPES:
        return _text(col, rule, ctx, table, rng, unique, start)
    if b in TEXT_ONLY:
        return _text_only(col, rng, unique, start)
    raise Unsupported(f"type {col.domain or col.base}")


def _choices(col: ColInfo, rule: ColumnRule) -> list | None:
    values: list | None = None
    if rule.choices is not None:
        values = [_convert(v, col) for v in rule.choices]
    elif col.typtype == "e" and col.labels:
        values = list(col.labels)
    if values is None:
        return None
    values = [v for v in values if v not in rule.exclude and str(v) not in {str(x) for x in rule.exclude}]
    return values


def _convert(v: Any, col: ColInfo) -> Any:
    if col.base in INT_LIMITS:
        return int(Decimal(str(v)))
    if col.base == "numeric":
        return Decimal(str(v))
    if col.base in ("float4", "float8"):
        return float(v)
    if col.base == "bool":
        return v in (True, "true", "t", "1")
    return v if isinstance(v, str) else str(v)


def _pick(values: list, rng: random.Random, unique: bool, start: int) -> Gen:
    if not values:
        raise Unsupported("no value satisfies the column's CHECK constraints")
    if unique:
        return Gen(
            lambda s, n: [values[(i + start) % len(values)] for i in range(s, s + n)], capacity=len(values)
        )
    weights = [1 / (k + 1) ** 0.7 for k in range(len(values))]
    return Gen(lambda s, n: rng.choices(values, weights, k=n))


# -- numbers ---------------------------------------------------------------------------------------------
_SHAPES: list[tuple[tuple[str, ...], tuple[float, float, str]]] = [
    (("quantity", "qty"), (1, 10, "low")),
    (("rating", "stars", "score"), (1, 5, "uniform")),
    (("age",), (18, 90, "uniform")),
    (("year",), (1990, 2026, "uniform")),
    (("percent", "discount", "pct"), (0, 50, "low")),
    (("latitude", "lat"), (-60, 70, "uniform")),
    (("longitude", "lng", "lon"), (-170, 170, "uniform")),
    (("stock", "inventory", "capacity", "seats"), (0, 500, "low")),
    (("count", "views", "likes", "clicks", "visits", "followers"), (0, 10000, "low")),
    (("duration", "length", "minutes"), (1, 240, "uniform")),
    (("position", "sort_order", "rank", "priority", "ordinal", "line"), (0, 100, "low")),
    (("weight",), (0.1, 50, "low")),
    (
        (
            "price",
            "amount",
            "total",
            "cost",
            "fee",
            "tax",
            "shipping",
            "salary",
            "fare",
            "balance",
            "budget",
            "premium",
            "rent",
            "subtotal",
            "revenue",
            "rate",
        ),
        (1, 500, "money"),
    ),
]


def _shape(name: str) -> tuple[float, float, str]:
    n = name.lower()
    for words, shape in _SHAPES:
        if any(
            w == n or n.startswith(w + "_") or n.endswith("_" + w) or (len(w) > 4 and w in n) for w in words
        ):
            return shape
    return (1, 10000, "uniform")


def _bounds(col: ColInfo, rule: ColumnRule, step: Decimal | int | float) -> tuple[Any, Any]:
    lo = rule.lo if isinstance(rule.lo, Decimal) else None
    hi = rule.hi if isinstance(rule.hi, Decimal) else None
    if lo is not None and not rule.lo_incl:
        lo = lo + Decimal(str(step))
    if hi is not None and not rule.hi_incl:
        hi = hi - Decimal(str(step))
    return lo, hi


def _int(col: ColInfo, rule: ColumnRule, rng: random.Random, unique: bool, start: int) -> Gen:
    tlo, thi = INT_LIMITS[col.base]
    lo, hi = _bounds(col, rule, 1)
    lo = tlo if lo is None else max(tlo, math.ceil(lo))
    hi = thi if hi is None else min(thi, math.floor(hi))
    if lo > hi:
        raise Unsupported(f"no integer satisfies {col.name}'s CHECK range")
    excl = {int(x) for x in rule.exclude if isinstance(x, Decimal)}
    if unique:
        first = max(lo, 1) if lo <= 1 <= hi or lo > 1 else lo
        first = max(first, lo) + start
        cap = hi - first + 1

        def seq(s: int, n: int) -> list:
            return [first + i for i in range(s, s + n)]

        return Gen(seq, capacity=max(0, cap - len(excl)) if excl else cap)
    slo, shi, kind = _shape(col.name)
    a, b = max(lo, int(slo)), min(hi, int(shi))
    if a > b:  # the check range lies outside the usual shape: use the check range
        a, b = lo, min(hi, lo + 1000) if hi - lo > 1000 else hi
    rnd = rng.random
    span = b - a + 1

    if kind == "low":

        def gen(s: int, n: int) -> list:
            return [a + int(span * rnd() ** 2) for _ in range(n)]
    else:

        def gen(s: int, n: int) -> list:
            return [a + int(span * rnd()) for _ in range(n)]

    if excl:
        inner = gen

        def gen(s: int, n: int) -> list:  # noqa: F811
            vals = inner(s, n)
            return [
                v
                if v not in excl
                else (v + 1 if v + 1 <= b and v + 1 not in excl else _first_free(a, b, excl))
                for v in vals
            ]

    return Gen(gen)


def _first_free(a: int, b: int, excl: set[int]) -> int:
    for v in range(a, b + 1):
        if v not in excl:
            return v
    raise Unsupported("no integer value left after CHECK exclusions")


def _number(col: ColInfo, rule: ColumnRule, rng: random.Random, unique: bool, start: int) -> Gen:
    is_float = col.base in ("float4", "float8")
    scale = col.scale if col.scale is not None else (None if is_float else 2)
    if col.base == "money":
        scale = 2
    step = Decimal(1).scaleb(-scale) if scale is not None else Decimal("0.000001")
    lo, hi = _bounds(col, rule, step)
    if col.precision:
        limit = Decimal(10) ** (col.precision - (scale or 0)) - step
        lo = -limit if lo is None else max(lo, -limit)
        hi = limit if hi is None else min(hi, limit)
    slo, shi, kind = _shape(col.name)
    a = Decimal(str(slo)) if lo is None else max(lo, Decimal(str(slo)))
    b = Decimal(str(shi)) if hi is None else min(hi, Decimal(str(shi)))
    if a > b:
        a, b = (lo if lo is not None else b), (hi if hi is not None else a)
        if a > b:
            raise Unsupported(f"no number satisfies {col.name}'s CHECK range")
    fa, fb = float(a), float(b)
    excl = {Decimal(str(x)) for x in rule.exclude if isinstance(x, Decimal)}
    quant = Decimal(1).scaleb(-scale) if scale is not None and scale >= 0 else None
    as_text = col.base == "money"
    if unique:

        def useq(s: int, n: int) -> list:
            out = []
            for i in range(s, s + n):
                v = a + (i + start) * step
                out.append(float(v) if is_float else (str(v) if as_text else v))
            return out

        return Gen(useq, capacity=int((b - a) / step) + 1 if not is_float else None)
    rnd = rng.random
    # A pool of distinct values, sampled per row: Decimal construction per row would dominate.
    pool: list[Any] = []
    for _ in range(4096):
        u = rnd()
        if kind == "money":
            x = math.exp(math.log(max(fa, 0.5)) + (math.log(max(fb, 1.0)) - math.log(max(fa, 0.5))) * u**1.6)
        elif kind == "low":
            x = fa + (fb - fa) * u**2
        else:
            x = fa + (fb - fa) * u
        x = min(max(x, fa), fb)
        if is_float:
            pool.append(x)
            continue
        d = Decimal(repr(x)).quantize(quant) if quant is not None else Decimal(repr(x))
        if d < a:
            d = a
        if d > b:
            d = b
        if d in excl:
            d = a if a not in excl else b
        pool.append(str(d) if as_text else d)
    return Gen(lambda s, n: rng.choices(pool, k=n))


def _true_share(name: str) -> float:
    n = name.lower()
    if any(w in n for w in ("active", "enabled", "verified", "available", "visible", "published", "valid")):
        return 0.85
    if any(w in n for w in ("deleted", "archived", "banned", "blocked", "spam", "suspended", "test")):
        return 0.05
    return 0.5


# -- dates and times --------------------------------------------------------------------------------------
def _temporal(
    col: ColInfo, rule: ColumnRule, ctx: Context, rng: random.Random, unique: bool, start: int
) -> Gen:
    name = col.name.lower()
    anchor = ctx.anchor
    tz = col.base == "timestamptz"
    is_date = col.base == "date"
    lo, hi = _time_bounds(rule, col)
    if "birth" in name or name in ("dob",):
        lo2, span = anchor - dt.timedelta(days=365 * 80), 365 * 62
        default_lo, default_hi = lo2, lo2 + dt.timedelta(days=span)
    elif (
        name.startswith(("due", "expire", "expiry", "valid_until", "ends", "end_"))
        or "expir" in name
        or name.endswith(("_until", "_due", "due_at", "due_date"))
    ):
        default_lo, default_hi = anchor, anchor + dt.timedelta(days=180)
    else:
        default_lo, default_hi = anchor - dt.timedelta(days=730), anchor
    lo = default_lo if lo is None else max(lo, default_lo) if lo < default_hi else lo
    hi = default_hi if hi is None else min(hi, default_hi) if hi > lo else hi
    if hi <= lo:
        hi = lo + dt.timedelta(days=365)
    span = (hi - lo).total_seconds()
    recent = default_hi == anchor and "birth" not in name

    def fix(x: dt.datetime) -> Any:
        if is_date:
            return x.date()
        return x if tz else x.replace(tzinfo=None)

    if unique:
        unit = 86400 if is_date else 1

        def useq(s: int, n: int) -> list:
            return [fix(hi - dt.timedelta(seconds=unit * (i + start + 1))) for i in range(s, s + n)]

        return Gen(useq, capacity=int(span // unit))
    rnd = rng.random
    # One C call per value (fromtimestamp), not timedelta arithmetic: this is the hottest generator.
    hi_ts, lo_ts = hi.timestamp(), lo.timestamp()
    utc = dt.timezone.utc
    fromts = dt.datetime.fromtimestamp
    if recent:  # more rows in the recent past, as real tables grow
        if tz:

            def gen(s: int, n: int) -> list:
                return [fromts(hi_ts - (span * rnd() ** 1.7) // 1, utc) for _ in range(n)]
        else:

            def gen(s: int, n: int) -> list:
                return [fix(fromts(hi_ts - (span * rnd() ** 1.7) // 1, utc)) for _ in range(n)]
    else:
        if tz:

            def gen(s: int, n: int) -> list:
                return [fromts(lo_ts + (span * rnd()) // 1, utc) for _ in range(n)]
        else:

            def gen(s: int, n: int) -> list:
                return [fix(fromts(lo_ts + (span * rnd()) // 1, utc)) for _ in range(n)]

    return Gen(gen)


def _time_bounds(rule: ColumnRule, col: ColInfo) -> tuple[dt.datetime | None, dt.datetime | None]:
    def parse(v: Any, incl: bool, up: bool) -> dt.datetime | None:
        if not isinstance(v, str):
            return None
        try:
            x = dt.datetime.fromisoformat(v.strip())
        except ValueError:
            return None
        if x.tzinfo is None:
            x = x.replace(tzinfo=dt.timezone.utc)
        if not incl:
            x = x + dt.timedelta(
                days=1 if col.base == "date" else 0, seconds=0 if col.base == "date" else 1
            ) * (-1 if up else 1)
        return x

    return parse(rule.lo, rule.lo_incl, False), parse(rule.hi, rule.hi_incl, True)


def interval_gen(
    col: ColInfo, intervals: list[tuple[Any, Any]], rng: random.Random, unique: bool, start: int = 0
) -> Gen:
    """Values inside a union of [from, to) ranges (range partitions): ints, dates or timestamps."""
    rnd = rng.random
    if col.base in INT_LIMITS:
        spans = [(a, b - a) for a, b in intervals if b > a]
        if unique:
            flat_cap = sum(s for _, s in spans)

            def useq(s: int, n: int) -> list:
                out = []
                for i in range(s + start, s + start + n):
                    k = i
                    for a, w in spans:
                        if k < w:
                            out.append(a + k)
                            break
                        k -= w
                return out

            return Gen(useq, capacity=flat_cap)
        weights = [w for _, w in spans]
        return Gen(lambda s, n: [a + int(w * rnd()) for a, w in rng.choices(spans, weights, k=n)])
    tz = col.base == "timestamptz"
    conv = []
    for a, b in intervals:
        a = a if isinstance(a, dt.datetime) else dt.datetime.combine(a, dt.time(), dt.timezone.utc)
        b = b if isinstance(b, dt.datetime) else dt.datetime.combine(b, dt.time(), dt.timezone.utc)
        if a.tzinfo is None:
            a, b = a.replace(tzinfo=dt.timezone.utc), b.replace(tzinfo=dt.timezone.utc)
        if b > a:
            conv.append((a, (b - a).total_seconds()))
    weights = [w for _, w in conv]
    td = dt.timedelta

    def fix(x: dt.datetime) -> Any:
        if col.base == "date":
            return x.date()
        return x if tz else x.replace(tzinfo=None)

    if unique:

        def useq(s: int, n: int) -> list:
            return [
                fix(conv[i % len(conv)][0] + td(seconds=(i // len(conv)) + start)) for i in range(s, s + n)
            ]

        return Gen(useq, capacity=int(min(w for _, w in conv)) * len(conv) if conv else 0)
    return Gen(
        lambda s, n: [fix(a + td(seconds=int((w - 1) * rnd()))) for a, w in rng.choices(conv, weights, k=n)]
    )


# -- text -----------------------------------------------------------------------------------------------------
_DIGITS = re.compile(r"\d+")


def _text(
    col: ColInfo, rule: ColumnRule, ctx: Context, table: Any, rng: random.Random, unique: bool, start: int
) -> Gen:
    from aishell.datagen import regexgen

    length = col.length
    if col.base == "bpchar" and length is None:
        length = 1
    maxlen = min(x for x in (length, rule.max_len, 10**6) if x is not None)
    minlen = rule.min_len or 0
    name = col.name.lower()
    pool = ctx.text_pool(table, col.name, length, bool(rule.regex))
    if "email" in name:
        pool = _email_pool(ctx, table, col.name)
    if rule.regex:
        pool = _regex_pool(pool, rule.regex, rng)
        if pool is None:
            raise Unsupported("regular expression")
    if col.base == "bpchar" and length and length <= 3 and not rule.regex:
        pool = [("".join(ch for ch in p.upper() if ch.isalpha()) + "XXX")[:length] for p in pool]
    if minlen:
        pool = [p if len(p) >= minlen else (p + "x" * minlen)[: max(minlen, len(p))] for p in pool]
    pool = [p[:maxlen] for p in pool]
    pool = [p for p in pool if p not in rule.exclude and p] or ["x" * max(1, minlen)]
    if unique:
        return _unique_text(col, pool, rule, rng, maxlen, start)
    return Gen(lambda s, n: rng.choices(pool, k=n))


def _unique_text(
    col: ColInfo, pool: list[str], rule: ColumnRule, rng: random.Random, maxlen: int, start: int
) -> Gen:
    g = _unique_text_gen(col, pool, maxlen, start)
    if rule.regex:  # the numbered values must still match the check's regular expressions
        sample = g.batch(0, 64) + g.batch(10**6, 16)
        for pat, icase in rule.regex:
            try:
                rx = re.compile(pat, re.I if icase else 0)
            except re.error:
                raise Unsupported("regular expression") from None
            if not all(rx.search(v) for v in sample):
                raise Unsupported("regular expression")
    return g


def _unique_text_gen(col: ColInfo, pool: list[str], maxlen: int, start: int) -> Gen:
    email = "email" in col.name.lower()
    bases: list[tuple[str, str]] = []
    for p in pool:
        if email and "@" in p:
            local, domain = p.split("@", 1)
            bases.append((_DIGITS.sub("", local).rstrip(".-_") or "user", "@" + domain))
        else:
            bases.append((_DIGITS.sub("", p).rstrip(" -_") or "item", ""))
    sep = "" if email else "-"
    if maxlen <= 3 and not email:  # short codes: AA, AB, ... rather than digits
        letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

        def code(s: int, n: int) -> list:
            out = []
            for i in range(s + start, s + start + n):
                chars = []
                for _ in range(maxlen):
                    i, r = divmod(i, 26)
                    chars.append(letters[r])
                out.append("".join(reversed(chars)))
            return out

        return Gen(code, capacity=26**maxlen)

    def gen(s: int, n: int) -> list:
        out = []
        for i in range(s + start, s + start + n):
            base, tail = bases[i % len(bases)]
            num = str(i + 1)
            room = maxlen - len(num) - len(tail) - len(sep)
            if room < 0:
                out.append(num[-maxlen:] if len(num) <= maxlen else num[:maxlen])
                continue
            out.append(f"{base[:room]}{sep if room else ''}{num}{tail}")
        return out

    digits = max(0, maxlen)
    cap = 10 ** min(digits, 18) - 1 if digits < 18 else None
    return Gen(gen, capacity=cap)


def _email_pool(ctx: Context, table: Any, name: str) -> list[str]:
    pool = ctx.text_pool(table, "username", None)
    domains = ["example.com", "example.org", "example.net", "mail.example.com", "shop.example"]
    rng = ctx.rng("email", table.name, name)
    out = []
    for p in pool:
        local = re.sub(r"[^a-z.]", "", _DIGITS.sub("", p.lower())).strip(".") or "user"
        out.append(f"{local}{rng.randint(1, 999)}@{rng.choice(domains)}")
    return out


def _regex_pool(pool: list[str], regexes: list[tuple[str, bool]], rng: random.Random) -> list[str] | None:
    compiled = []
    for pat, icase in regexes:
        try:
            compiled.append(re.compile(pat, re.I if icase else 0))
        except re.error:
            return None
    good = [p for p in pool if all(c.search(p) for c in compiled)]
    if len(good) >= len(pool) // 2:
        return good
    from aishell.datagen.regexgen import generator

    make = generator(*regexes[0])
    if make is None:
        return None
    out = [make(rng) for _ in range(POOL)]
    out = [p for p in out if all(c.search(p) for c in compiled)]
    return out or None


def _json_pool(name: str, rng: random.Random) -> list[dict]:
    keys = ["source", "plan", "theme", "locale", "channel", "tier"]
    vals = ["web", "mobile", "api", "pro", "free", "dark", "light", "en", "de", "email", "gold"]
    out = []
    for i in range(128):
        d: dict[str, Any] = {k: rng.choice(vals) for k in rng.sample(keys, rng.randint(1, 3))}
        if rng.random() < 0.5:
            d["score"] = rng.randint(0, 100)
        if rng.random() < 0.3:
            d["tags"] = rng.sample(vals, 2)
        out.append(d)
    return out


def _array(col: ColInfo, rule: ColumnRule, ctx: Context, table: Any, rng: random.Random) -> Gen:
    assert col.elem is not None
    elem = _make(col.elem, ColumnRule(), ctx, table, rng, False, 0)
    r = rng.randint

    def gen(s: int, n: int) -> list:
        sizes = [r(0, 4) for _ in range(n)]
        flat = elem.batch(0, sum(sizes))
        out, k = [], 0
        for z in sizes:
            out.append(flat[k : k + z])
            k += z
        return out

    return Gen(gen)


def _text_only(col: ColInfo, rng: random.Random, unique: bool, start: int) -> Gen:
    b = col.base
    r = rng.randint
    if b in ("macaddr", "macaddr8"):
        extra = ":00:00" if b == "macaddr8" else ""
        return Gen(
            lambda s, n: [
                f"08:00:2b:{(i + start) >> 16 & 255:02x}:{(i + start) >> 8 & 255:02x}:"
                f"{(i + start) & 255:02x}{extra}"
                if unique
                else f"08:00:2b:{r(0, 255):02x}:{r(0, 255):02x}:{r(0, 255):02x}{extra}"
                for i in range(s, s + n)
            ],
            capacity=2**24 if unique else None,
        )
    if b == "tsvector":
        words = [
            "film",
            "drama",
            "epic",
            "story",
            "action",
            "comedy",
            "robot",
            "space",
            "love",
            "war",
            "city",
        ]
        return Gen(lambda s, n: [" ".join(rng.sample(words, 3)) for _ in range(n)])
    if b in ("vector", "halfvec"):
        d = col.dims or 3
        return Gen(
            lambda s, n: ["[" + ",".join(f"{rng.random():.4f}" for _ in range(d)) + "]" for _ in range(n)]
        )
    if b in ("bit", "varbit"):
        ln = col.length or 8
        return Gen(lambda s, n: ["".join(rng.choice("01") for _ in range(ln)) for _ in range(n)])
    if b == "point":
        return Gen(
            lambda s, n: [f"({rng.uniform(-170, 170):.4f},{rng.uniform(-60, 70):.4f})" for _ in range(n)]
        )
    if b in ("int4range", "int8range", "numrange"):
        return Gen(lambda s, n: [f"[{(a := r(0, 1000))},{a + r(1, 100)})" for _ in range(n)])
    if b in ("daterange", "tsrange", "tstzrange"):

        def rng_gen(s: int, n: int) -> list:
            out = []
            for _ in range(n):
                a = dt.date(2024, 1, 1) + dt.timedelta(days=r(0, 700))
                out.append(f"[{a.isoformat()},{(a + dt.timedelta(days=r(1, 30))).isoformat()})")
            return out

        return Gen(rng_gen)
    if b == "money":
        return Gen(lambda s, n: [f"{r(100, 50000) / 100:.2f}" for _ in range(n)])
    if b == "timetz":
        return Gen(lambda s, n: [f"{r(6, 21):02d}:00:00+00" for _ in range(n)])
    if b == "hstore":
        return Gen(lambda s, n: [f'"k{r(1, 5)}"=>"v{r(1, 99)}"' for _ in range(n)])
    if b == "ltree":
        return Gen(lambda s, n: [f"top.n{r(1, 9)}.n{r(1, 99)}" for _ in range(n)])
    if b == "oid":
        return Gen(lambda s, n: [r(1, 100000) for _ in range(n)])
    raise Unsupported(f"type {b}")
