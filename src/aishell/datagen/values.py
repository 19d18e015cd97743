"""Column value generators: whole batches at numpy speed, shaped by the column's meaning and rules.

A generator's ``batch(start, n)`` returns the values of rows ``start .. start+n-1`` in one of the shapes
``encode.py`` turns into COPY fields: a numpy array (integers; floats; booleans; timestamps as
microseconds since 2000-01-01 UTC; dates as days since then; numerics as integers scaled by
10^scale; UUIDs as 16-byte rows), a ``Pick`` from a pool, or a list of Python values for rare types.

What a value looks like comes from the column's name, its table and its CHECK rules, in that order of
precedence: the rules always win (a value outside a CHECK range is never produced). Names that look
like the thing (a station is "Elm Street & Oak Avenue", a product "Wireless Bamboo Headphones", a person
a Faker name) come from templates in ``vocab.json`` and Faker (``use_weighting=False``) pools of a few
hundred values per column, built once; percentages and levels stay within 0-100; distances and
durations are plausible for a trip; prices are log-normal; statuses follow word weights (most orders
are delivered, few cancelled); coordinates cluster around one city.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import ipaddress
import json
import math
import random
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

from aishell.datagen.catalog import ColInfo
from aishell.datagen.checks import ColumnRule
from aishell.datagen.encode import PG_EPOCH, Pick

INT_LIMITS = {"int2": (-32768, 32767), "int4": (-2**31, 2**31 - 1), "int8": (-2**63, 2**63 - 1)}
TEXT_TYPES = {"text", "varchar", "bpchar", "citext", "name"}
# Types whose values we can write in binary COPY.
BINARY_TYPES = {"int2", "int4", "int8", "numeric", "float4", "float8", "bool", "text", "varchar", "bpchar",
                "name", "citext", "date", "timestamp", "timestamptz", "time", "interval", "uuid", "json",
                "jsonb", "inet", "cidr", "bytea"}
# Types we can only write as text.
TEXT_ONLY = {"macaddr", "macaddr8", "tsvector", "vector", "halfvec", "money", "bit", "varbit", "point",
             "timetz", "int4range", "int8range", "numrange", "daterange", "tsrange", "tstzrange", "hstore",
             "ltree", "oid"}
POOL = 256
US = 1_000_000
DAY_US = 86400 * US

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
    "currency": ["USD", "EUR", "GBP", "USD", "USD", "EUR"],
    "size": ["XS", "S", "M", "L", "XL"],
}
_PEOPLE = re.compile(r"(user|customer|employee|staff|person|people|member|author|student|patient|doctor|"
                     r"teacher|contact|driver|client|actor|player|agent|owner|manager|rider|guest|passenger|"
                     r"traveller|traveler|applicant|candidate|volunteer|subscriber|tenant_user|host|athlete)")


@functools.lru_cache(maxsize=1)
def vocab() -> dict[str, Any]:
    return json.loads((Path(__file__).with_name("vocab.json")).read_text())


class Unsupported(Exception):
    """The column's type is one test data cannot produce."""


def producible(col: ColInfo) -> bool:
    c = col.elem if col.is_array and col.elem else col
    return c.typtype == "e" or c.base in BINARY_TYPES or c.base in TEXT_ONLY


def binary_ok(col: ColInfo) -> bool:
    if col.is_array:
        return bool(col.elem) and col.elem.typtype != "e" and col.elem.base in BINARY_TYPES - {"citext"}
    return col.typtype == "e" or col.base in BINARY_TYPES


def kind_of(col: ColInfo) -> str:
    """The encoding kind of a column: its base type name, or ``enum``."""
    return "enum" if col.typtype == "e" else col.base


def scale_of(col: ColInfo) -> int:
    """Decimal places numerics are generated with (the column's scale, 2 when unconstrained)."""
    if col.base == "money":
        return 2
    return col.scale if col.scale is not None and col.scale >= 0 else 2


class Gen:
    """A column generator: ``batch(start, n)`` returns n values for rows start .. start+n-1."""

    def __init__(self, fn: Callable[[int, int], Any], capacity: int | None = None):
        self.fn = fn
        self.capacity = capacity

    def batch(self, start: int, n: int) -> Any:
        return self.fn(start, n)


def seed_of(*parts: Any) -> int:
    return int.from_bytes(hashlib.blake2b("/".join(map(str, parts)).encode(), digest_size=8).digest(), "big")


class Context:
    """Per-run state shared by generators: the seed, the time anchor, Faker-built text pools."""

    def __init__(self, seed: int, anchor: dt.datetime, schema: Any, hints: Any = None):
        self.seed = seed
        self.anchor = anchor
        self.schema = schema
        self.hints = hints
        self._pools: dict[tuple, list[str]] = {}
        self._sample = None
        centres = vocab()["centres"]
        self.centre = centres[seed % len(centres)]

    def rng(self, *parts: Any) -> random.Random:
        return random.Random("/".join([str(self.seed), *map(str, parts)]))

    def nprng(self, *parts: Any) -> np.random.Generator:
        return np.random.default_rng(seed_of(self.seed, *parts))

    @property
    def anchor_us(self) -> int:
        return int((self.anchor - PG_EPOCH) / dt.timedelta(microseconds=1))

    def _faker_gen(self):
        if self._sample is None:
            from aishell.design.sample_data import _Gen

            self._sample = _Gen(self.schema, 1)
        return self._sample

    def text_pool(self, table: Any, name: str, length: int | None, regex: bool = False) -> list[str]:
        key = (table.name, name, length, regex)
        if key not in self._pools:
            g = self._faker_gen()
            g.fake.seed_instance(f"{self.seed}/{table.name}/{name}")
            g.rnd.seed(f"{self.seed}/{table.name}/{name}")
            rnd = self.rng("pool", table.name, name)
            pool = []
            lname = name.lower()
            person = _PEOPLE.search(table.name.lower()) and lname in ("name", "full_name", "display_name")
            fixed = _FIXED_POOLS.get(lname) or (_FIXED_POOLS["currency"] if lname.endswith("_currency") else None)
            template = _name_template(table.name, lname)
            for i in range(POOL):
                if fixed:
                    v = fixed[i % len(fixed)]
                elif person:
                    v = g.fake.name()
                elif template is not None:
                    v = _fill(template, g.fake, rnd, table.name)
                elif "countr" in table.name.lower() and lname in ("name", "country"):
                    v = g.fake.country()
                else:
                    v = g.text(table, name, i, False, length, regex)
                pool.append(v[:length] if length else v)
            self._pools[key] = pool
        return self._pools[key]


def _singular(word: str) -> str:
    w = word.lower()
    for suf, rep in (("ies", "y"), ("sses", "ss"), ("ches", "ch"), ("shes", "sh"), ("xes", "x"), ("s", "")):
        if w.endswith(suf) and len(w) > len(suf) + 1:
            return w[: -len(suf)] + rep
    return w


def _name_template(table: str, column: str) -> str | None:
    """A name template for ``name``/``title`` columns of a table whose kind vocab.json knows."""
    if column not in ("name", "title", "display_name", "label", "station_name", "product_name"):
        return None
    t = table.lower()
    for entry in vocab()["names"]:
        if any(w in t for w in entry["tables"]):
            if column == "title" and "{task}" not in entry["template"] and "{topic}" not in entry["template"]:
                continue
            return entry["template"]
    return None


def _fill(template: str, fake: Any, rnd: random.Random, table: str) -> str:
    words = vocab()["words"]

    def one(m: re.Match) -> str:
        key = m.group(1)
        if key in words:
            return rnd.choice(words[key])
        if key == "street":
            return fake.street_name()
        if key == "cross":
            return fake.street_name()
        if key == "company":
            return fake.company()
        if key == "city":
            return fake.city()
        if key == "country":
            return fake.country()
        if key == "serial":
            return f"{rnd.randint(100, 99999):05d}"
        if key == "Entity":
            return _singular(table.split(".")[-1]).replace("_", " ").title()
        return m.group(0)

    return re.sub(r"\{(\w+)\}", one, template)


# -- building a generator ---------------------------------------------------------------------------
def make(col: ColInfo, rule: ColumnRule | None, ctx: Context, table: Any, *, unique: bool = False,
         unique_start: int = 0, null_frac: float = 0.0) -> Gen:
    """A generator for ``col``; NULLs (``null_frac``) are applied by the caller from ``Gen.null_frac``."""
    rule = rule or ColumnRule()
    rng = ctx.nprng(table.schema, table.name, col.name)
    if rule.force_null and not col.not_null:
        g = Gen(lambda s, n: [None] * n)
        g.null_frac = 0.0  # type: ignore[attr-defined]
        return g
    g = _make(col, rule, ctx, table, rng, unique, unique_start)
    g.null_frac = 0.0 if (unique or col.not_null or rule.not_null) else null_frac  # type: ignore[attr-defined]
    return g


def _make(col: ColInfo, rule: ColumnRule, ctx: Context, table: Any, rng: np.random.Generator, unique: bool,
          start: int) -> Gen:
    if col.is_array:
        return _array(col, rule, ctx, table, rng)
    choices = _choices(col, rule)
    if choices is not None:
        return _pick(choices, rng, unique, start)
    b = col.base
    if b in INT_LIMITS:
        return _int(col, rule, ctx, table, rng, unique, start)
    if b == "numeric" or b in ("float4", "float8"):
        return _number(col, rule, ctx, table, rng, unique, start)
    if b == "bool":
        p = _true_share(col.name)
        return Gen(lambda s, n: rng.random(n) < p)
    if b in ("timestamp", "timestamptz", "date"):
        return _temporal(col, rule, ctx, table, rng, unique, start)
    r = random.Random(seed_of(ctx.seed, table.name, col.name))
    if b == "time":
        return Gen(lambda s, n: [dt.time(r.randint(6, 21), r.choice((0, 15, 30, 45))) for _ in range(n)])
    if b == "interval":
        return Gen(lambda s, n: [dt.timedelta(minutes=r.choice((15, 30, 45, 60, 90, 120, 1440))) for _ in range(n)])
    if b == "uuid":
        def uuids(s: int, n: int) -> np.ndarray:
            a = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
            a[:, 6] = (a[:, 6] & 0x0F) | 0x40
            a[:, 8] = (a[:, 8] & 0x3F) | 0x80
            return a
        return Gen(uuids)
    if b in ("json", "jsonb"):
        pool = _json_pool(col.name, r)
        return Gen(lambda s, n: Pick(pool, rng.integers(0, len(pool), n)))
    if b in ("inet", "cidr"):
        if unique:
            return Gen(lambda s, n: [ipaddress.ip_address(0x0A000000 + start + i) if b == "inet"
                                     else ipaddress.ip_network(0x0A000000 + start + i) for i in range(s, s + n)],
                       capacity=2**24)
        if b == "cidr":
            return Gen(lambda s, n: [ipaddress.ip_network(f"10.{r.randint(0, 255)}.{r.randint(0, 255)}.0/24")
                                     for _ in range(n)])
        return Gen(lambda s, n: [ipaddress.ip_address(r.choice((0xC0A80000, 0x0A000000, 0xCB007100))
                                                      + r.randint(1, 65000)) for _ in range(n)])
    if b == "bytea":
        return Gen(lambda s, n: [r.randbytes(r.randint(8, 48)) for _ in range(n)])
    if b in TEXT_TYPES:
        return _text(col, rule, ctx, table, rng, unique, start)
    if b in TEXT_ONLY:
        return _text_only(col, r, unique, start)
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
    if col.base in ("timestamp", "timestamptz", "date"):
        return v
    return v if isinstance(v, str) else str(v)


def status_weights(values: list) -> list[float]:
    """Plausible shares of status-like words (vocab.json): most orders delivered, few cancelled."""
    table = vocab()["status_weights"]
    known = [table.get(str(v).lower()) for v in values]
    if sum(1 for k in known if k is not None) >= max(1, len(values) // 2):
        return [float(k if k is not None else 6) for k in known]
    return [1 / (k + 1) ** 0.7 for k in range(len(values))]


def _pick(values: list, rng: np.random.Generator, unique: bool, start: int) -> Gen:
    if not values:
        raise Unsupported("no value satisfies the column's CHECK constraints")
    if unique:
        return Gen(lambda s, n: Pick(values, (np.arange(s + start, s + start + n) % len(values))),
                   capacity=len(values))
    w = np.array(status_weights(values), dtype=float)
    cdf = np.cumsum(w / w.sum())
    cdf[-1] = 1.0
    return Gen(lambda s, n: Pick(values, np.searchsorted(cdf, rng.random(n), side="right")))


# -- numbers ---------------------------------------------------------------------------------------------
# (words, (low, high, shape)); shape: uniform, low (more small values), money (log-normal-ish), centre
_SHAPES: list[tuple[tuple[str, ...], tuple[float, float, str]]] = [
    (("battery", "charge", "percent", "percentage", "pct", "progress", "completion", "humidity", "level",
      "occupancy", "utilization", "utilisation"), (0, 100, "uniform")),
    (("quantity", "qty"), (1, 10, "low")),
    (("rating", "stars"), (1, 5, "uniform")),
    (("score",), (1, 100, "uniform")),
    (("age",), (18, 90, "uniform")),
    (("year",), (1990, 2026, "uniform")),
    (("discount",), (0, 50, "low")),
    (("latitude", "lat"), (0, 0, "lat")),
    (("longitude", "lng", "lon"), (0, 0, "lon")),
    (("distance_m", "meters", "metres", "distance_meters"), (150, 12000, "money")),
    (("distance_miles", "miles"), (0.2, 15, "money")),
    (("distance", "km", "kilometers", "kilometres"), (0.3, 25, "money")),
    (("duration_ms", "latency_ms", "elapsed_ms", "_ms"), (5, 5000, "money")),
    (("duration_seconds", "seconds", "secs", "duration_s"), (60, 5400, "money")),
    (("duration_hours", "hours"), (0.25, 12, "money")),
    (("duration", "minutes", "duration_minutes", "mins"), (3, 120, "money")),
    (("length", "runtime", "running_time"), (5, 180, "uniform")),
    (("temperature", "temp"), (-10, 35, "uniform")),
    (("speed",), (5, 40, "uniform")),
    (("docks", "capacity", "seats", "slots", "beds"), (10, 60, "uniform")),
    (("stock", "inventory"), (0, 500, "low")),
    (("count", "views", "likes", "clicks", "visits", "followers"), (0, 10000, "low")),
    (("position", "sort_order", "rank", "priority", "ordinal", "line"), (0, 100, "low")),
    (("weight",), (0.1, 50, "low")),
    (("fare",), (1.5, 45, "money")),
    (("price", "amount", "total", "cost", "fee", "tax", "shipping", "salary", "balance", "budget",
      "premium", "rent", "subtotal", "revenue", "rate", "modifier"), (1, 500, "money")),
]


def _shape(name: str) -> tuple[float, float, str]:
    n = name.lower()
    for words, shape in _SHAPES:
        if any(w == n or n.startswith(w + "_") or n.endswith("_" + w) or (len(w) > 4 and w in n) for w in words):
            return shape
    return (1, 10000, "uniform")


def _bounds(rule: ColumnRule, step: Decimal) -> tuple[Decimal | None, Decimal | None]:
    lo = rule.lo if isinstance(rule.lo, Decimal) else None
    hi = rule.hi if isinstance(rule.hi, Decimal) else None
    if lo is not None and not rule.lo_incl:
        lo = lo + step
    if hi is not None and not rule.hi_incl:
        hi = hi - step
    return lo, hi


def _draw(rng: np.random.Generator, n: int, a: float, b: float, kind: str, ctx: Context | None = None
          ) -> np.ndarray:
    u = rng.random(n)
    if kind == "low":
        return a + (b - a) * u * u
    if kind == "money":  # log-uniform with a bump: many cheap, some expensive
        la, lb = math.log(max(a, 1e-3)), math.log(max(b, a + 1e-3))
        return np.exp(la + (lb - la) * (0.5 * u + 0.5 * rng.random(n)))
    if kind in ("lat", "lon") and ctx is not None:
        centre = ctx.centre[0 if kind == "lat" else 1]
        return centre + rng.normal(0, 0.04, n)
    return a + (b - a) * u


def _int(col: ColInfo, rule: ColumnRule, ctx: Context, table: Any, rng: np.random.Generator, unique: bool,
         start: int) -> Gen:
    tlo, thi = INT_LIMITS[col.base]
    lo, hi = _bounds(rule, Decimal(1))
    lo_i = tlo if lo is None else max(tlo, math.ceil(lo))
    hi_i = thi if hi is None else min(thi, math.floor(hi))
    if lo_i > hi_i:
        raise Unsupported(f"no integer satisfies {col.name}'s CHECK range")
    excl = sorted({int(x) for x in rule.exclude if isinstance(x, Decimal)})
    if unique:
        first = max(lo_i, 1) if lo_i <= 1 <= hi_i or lo_i > 1 else lo_i
        first += start
        cap = hi_i - first + 1
        if excl:
            ex = np.array(excl, dtype=np.int64)

            def seq_ex(s: int, n: int) -> np.ndarray:  # skip excluded values: shift past each one below
                v = np.arange(first + s, first + s + n, dtype=np.int64)
                for x in ex:
                    v = np.where(v >= x, v + 1, v)
                return v
            return Gen(seq_ex, capacity=max(0, cap - len(excl)))
        return Gen(lambda s, n: np.arange(first + s, first + s + n, dtype=np.int64), capacity=cap)
    slo, shi, kind = _shape(col.name)
    a, b = max(lo_i, int(slo)), min(hi_i, int(shi))
    if kind in ("lat", "lon"):
        a, b = max(lo_i, -90 if kind == "lat" else -180), min(hi_i, 90 if kind == "lat" else 180)
    if a > b:  # the check range lies outside the usual shape: use the check range
        a, b = lo_i, (min(hi_i, lo_i + 1000) if hi_i - lo_i > 1000 else hi_i)

    def gen(s: int, n: int) -> np.ndarray:
        x = _draw(rng, n, a, b + 0.999, kind, ctx)
        v = np.clip(np.floor(x), a, b).astype(np.int64)
        for e in excl:
            v = np.where(v == e, e + 1 if e + 1 <= b and e + 1 not in excl else _first_free(a, b, excl), v)
        return v
    return Gen(gen)


def _first_free(a: int, b: int, excl: list[int]) -> int:
    for v in range(a, min(b, a + len(excl) + 1) + 1):
        if v not in excl:
            return v
    raise Unsupported("no integer value left after CHECK exclusions")


def _number(col: ColInfo, rule: ColumnRule, ctx: Context, table: Any, rng: np.random.Generator, unique: bool,
            start: int) -> Gen:
    is_float = col.base in ("float4", "float8")
    scale = scale_of(col)
    step = Decimal(1).scaleb(-scale)
    lo, hi = _bounds(rule, step)
    if col.precision:
        limit = Decimal(10) ** (col.precision - scale) - step
        lo = -limit if lo is None else max(lo, -limit)
        hi = limit if hi is None else min(hi, limit)
    slo, shi, kind = _shape(col.name)
    if kind in ("lat", "lon"):
        slo, shi = (-90, 90) if kind == "lat" else (-180, 180)
    a = Decimal(str(slo)) if lo is None else max(lo, Decimal(str(slo)))
    b = Decimal(str(shi)) if hi is None else min(hi, Decimal(str(shi)))
    if a > b:
        a, b = (lo if lo is not None else b), (hi if hi is not None else a)
        if a > b:
            raise Unsupported(f"no number satisfies {col.name}'s CHECK range")
    excl = {int(Decimal(x).scaleb(scale)) for x in rule.exclude if isinstance(x, Decimal)}
    mult = 10 ** scale
    ia, ib = int(a.scaleb(scale).to_integral_value("ROUND_CEILING")), int(b.scaleb(scale).to_integral_value("ROUND_FLOOR"))
    if unique:
        def useq(s: int, n: int) -> np.ndarray:
            v = ia + np.arange(s + start, s + start + n, dtype=np.int64)
            return v / mult if is_float else v
        return Gen(useq, capacity=None if is_float else ib - ia + 1)
    fa, fb = float(a), float(b)

    def gen(s: int, n: int) -> np.ndarray:
        x = np.clip(_draw(rng, n, fa, fb, kind, ctx), fa, fb)
        if is_float:
            return x
        v = np.clip(np.rint(x * mult).astype(np.int64), ia, ib)
        for e in excl:
            v = np.where(v == e, ia if ia != e else ib, v)
        return v
    return Gen(gen)


def _true_share(name: str) -> float:
    n = name.lower()
    if any(w in n for w in ("active", "enabled", "verified", "available", "visible", "published", "valid")):
        return 0.85
    if any(w in n for w in ("deleted", "archived", "banned", "blocked", "spam", "suspended", "test")):
        return 0.05
    if n.startswith("is_default") or n == "default":
        return 0.3
    return 0.5


# -- dates and times --------------------------------------------------------------------------------------
def to_us(x: dt.datetime | dt.date) -> int:
    if not isinstance(x, dt.datetime):
        x = dt.datetime.combine(x, dt.time(), dt.UTC)
    if x.tzinfo is None:
        x = x.replace(tzinfo=dt.UTC)
    return int((x - PG_EPOCH) / dt.timedelta(microseconds=1))


def _temporal(col: ColInfo, rule: ColumnRule, ctx: Context, table: Any, rng: np.random.Generator, unique: bool,
              start: int) -> Gen:
    name = col.name.lower()
    anchor = ctx.anchor_us
    is_date = col.base == "date"
    window = _window_days(ctx, table)
    lo, hi = _time_bounds(rule, col)
    if "birth" in name or name in ("dob",):
        default_lo, default_hi = anchor - 80 * 365 * DAY_US, anchor - 18 * 365 * DAY_US
    elif name.startswith(("due", "expire", "expiry", "valid_until", "ends", "end_")) or "expir" in name \
            or name.endswith(("_until", "_due", "due_at", "due_date")):
        default_lo, default_hi = anchor, anchor + 180 * DAY_US
    else:
        default_lo, default_hi = anchor - window * DAY_US, anchor
    lo = default_lo if lo is None else max(lo, default_lo) if lo < default_hi else lo
    hi = default_hi if hi is None else min(hi, default_hi) if hi > lo else hi
    if hi <= lo:
        hi = lo + 365 * DAY_US
    span = hi - lo
    recent = default_hi == anchor and "birth" not in name
    if unique:
        unit = DAY_US if is_date else US

        def useq(s: int, n: int) -> np.ndarray:
            v = hi - unit * (np.arange(s + start, s + start + n, dtype=np.int64) + 1)
            return v // DAY_US if is_date else v
        return Gen(useq, capacity=int(span // unit))

    def gen(s: int, n: int) -> np.ndarray:
        u = rng.random(n)
        v = (hi - span * u ** 1.5) if recent else (lo + span * u)  # more rows recently, as tables grow
        v = v.astype(np.int64)
        return v // DAY_US if is_date else v - v % US
    return Gen(gen)


def _window_days(ctx: Context, table: Any) -> int:
    """Days of history timestamps spread over: the retention the design states, else two years."""
    hints = ctx.hints
    days = None
    if hints is not None:
        days = hints.retention_days(table.name)
    return int(days) if days else 730


def _time_bounds(rule: ColumnRule, col: ColInfo) -> tuple[int | None, int | None]:
    def parse(v: Any, incl: bool, up: bool) -> int | None:
        if isinstance(v, (dt.date, dt.datetime)):
            x = v
        elif isinstance(v, str):
            try:
                x = dt.datetime.fromisoformat(v.strip())
            except ValueError:
                return None
        else:
            return None
        us = to_us(x)
        if not incl:
            us += (DAY_US if col.base == "date" else US) * (-1 if up else 1)
        return us

    return parse(rule.lo, rule.lo_incl, False), parse(rule.hi, rule.hi_incl, True)


def interval_gen(col: ColInfo, intervals: list[tuple[Any, Any]], rng: np.random.Generator, unique: bool,
                 start: int = 0, layout: dict | None = None) -> Gen:
    """Values inside a union of [from, to) ranges (range partitions): ints, dates or timestamps, spread
    over every range in proportion to its width.

    With ``layout`` (not unique), once the loader has set ``layout["rows"]`` (the first row of each range,
    then the row count: ``partition_rows``), values rise with the row number, range after range, as
    rows arrive in a real table (ids grow with time), so each partition is complete before the next
    one starts. ``layout["kept"]`` and ``layout["widths"]`` say which ranges are drawn and how wide."""
    if col.base in INT_LIMITS:
        spans = [(int(a), int(b) - int(a)) for a, b in intervals if b > a]
    else:
        unit = DAY_US if col.base == "date" else 1
        spans = [(to_us(a) // unit, (to_us(b) - to_us(a)) // unit) for a, b in intervals if b > a]
    spans = [sp for sp in spans if sp[1] > 0]
    if not spans:
        raise Unsupported("no partition range to draw from")
    starts = np.array([a for a, _ in spans], dtype=np.int64)
    widths = np.array([w for _, w in spans], dtype=np.int64)
    cum = np.cumsum(widths)
    total = int(cum[-1])
    is_time = col.base in ("timestamp", "timestamptz")
    if layout is not None:
        layout["kept"] = [i for i, (a, b) in enumerate(intervals) if b > a and (
            (int(b) - int(a)) if col.base in INT_LIMITS else
            (to_us(b) - to_us(a)) // (DAY_US if col.base == "date" else 1)) > 0]
        layout["widths"] = widths

    def place(k: np.ndarray) -> np.ndarray:
        j = np.searchsorted(cum, k, side="right")
        before = np.where(j > 0, cum[np.maximum(j - 1, 0)], 0)
        return starts[j] + (k - before)

    if unique:
        stride = US if is_time and total // US > 0 else 1
        cap = total // stride
        return Gen(lambda s, n: place((np.arange(s + start, s + start + n, dtype=np.int64) * stride) % total),
                   capacity=cap)

    def gen(s: int, n: int) -> np.ndarray:
        rows = layout.get("rows") if layout is not None else None
        if rows is None:
            k = (rng.random(n) * total).astype(np.int64)
            v = place(k)
        else:
            r = np.arange(s, s + n, dtype=np.int64) % max(1, int(rows[-1]))  # a staged table's rounds wrap
            j = np.minimum(np.searchsorted(rows, r, side="right") - 1, len(widths) - 1)
            span = np.maximum(rows[j + 1] - rows[j], 1)
            v = starts[j] + ((r - rows[j] + rng.random(n)) / span * widths[j]).astype(np.int64)
        return v - v % US if is_time else v
    return Gen(gen)


def partition_rows(layout: dict, count: int) -> np.ndarray:
    """The first row of each drawn range for ``count`` rows (in proportion to the widths), then ``count``."""
    widths = np.asarray(layout["widths"], dtype=np.float64)
    edges = np.concatenate([[0.0], np.cumsum(widths) / widths.sum()])
    rows = np.floor(edges * count).astype(np.int64)
    rows[-1] = count
    return rows


# -- text -----------------------------------------------------------------------------------------------------
_DIGITS = re.compile(r"\d+")


def _text(col: ColInfo, rule: ColumnRule, ctx: Context, table: Any, rng: np.random.Generator, unique: bool,
          start: int) -> Gen:
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
        pool = _regex_pool(pool, rule.regex, random.Random(seed_of(ctx.seed, table.name, col.name)))
        if pool is None:
            raise Unsupported("regular expression")
    if col.base == "bpchar" and length and length <= 3 and not rule.regex:
        pool = [("".join(ch for ch in p.upper() if ch.isalpha()) + "XXX")[:length] for p in pool]
    if minlen:
        pool = [p if len(p) >= minlen else (p + "x" * minlen)[:max(minlen, len(p))] for p in pool]
    pool = [p[:maxlen] for p in pool]
    pool = [p for p in pool if p not in rule.exclude and p] or ["x" * max(1, minlen)]
    if unique:
        return _unique_text(col, pool, rule, maxlen, start)
    # Zipf-like popularity: some names (cities, carriers) are far more common than others
    w = 1.0 / np.arange(1, len(pool) + 1) ** 0.6
    cdf = np.cumsum(w / w.sum())
    cdf[-1] = 1.0
    draw = cdf_sampler(cdf)
    return Gen(lambda s, n: Pick(pool, draw(rng.random(n))))


def cdf_sampler(cdf: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """``np.searchsorted(cdf, u, side="right")`` for uniform ``u`` in [0, 1), by a guide table: bucket
    ``floor(u * m)`` gives the first candidate and a few vectorised steps find the index. The same
    result, without a binary search over a large pool per row (0.2 s of the generator's CPU for the
    bike-share design's text columns)."""
    m = len(cdf)
    guide = np.searchsorted(cdf, np.arange(m) / m, side="right")

    def draw(u: np.ndarray) -> np.ndarray:
        idx = guide[np.minimum((u * m).astype(np.intp), m - 1)]
        while True:
            step = cdf[idx] <= u
            if not step.any():
                return idx
            idx += step
    return draw


def _unique_text(col: ColInfo, pool: list[str], rule: ColumnRule, maxlen: int, start: int) -> Gen:
    g = _unique_text_gen(col, pool, maxlen, start)
    if rule.regex:  # the numbered values must still match the check's regular expressions
        sample = g.batch(0, 64) + g.batch(10**6, 16)
        for pat, icase in rule.regex:
            try:
                rx = re.compile(pat, re.IGNORECASE if icase else 0)
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
        return Gen(code, capacity=26 ** maxlen)
    nb = len(bases)

    def gen(s: int, n: int) -> list:
        out = []
        for i in range(s + start, s + start + n):
            base, tail = bases[i % nb]
            num = str(i + 1)
            room = maxlen - len(num) - len(tail) - len(sep)
            if room < 0:
                out.append(num[-maxlen:])
                continue
            out.append(f"{base[:room]}{sep if room else ''}{num}{tail}")
        return out
    digits = max(0, maxlen)
    cap = 10 ** min(digits, 18) - 1 if digits < 18 else None
    return Gen(gen, capacity=cap)


def _email_pool(ctx: Context, table: Any, name: str) -> list[str]:
    g = ctx._faker_gen()
    g.fake.seed_instance(f"{ctx.seed}/{table.name}/{name}/email")
    domains = ["example.com", "example.org", "example.net", "mail.example.com", "shop.example"]
    rng = ctx.rng("email", table.name, name)
    out = []
    for _ in range(POOL):
        first, last = g.fake.first_name().lower(), g.fake.last_name().lower()
        local = re.sub(r"[^a-z.]", "", rng.choice((f"{first}.{last}", f"{first[0]}{last}", f"{first}{last[0]}")))
        out.append(f"{local.strip('.') or 'user'}{rng.randint(1, 999)}@{rng.choice(domains)}")
    return out


def _regex_pool(pool: list[str], regexes: list[tuple[str, bool]], rng: random.Random) -> list[str] | None:
    compiled = []
    for pat, icase in regexes:
        try:
            compiled.append(re.compile(pat, re.IGNORECASE if icase else 0))
        except re.error:
            return None
    good = [p for p in pool if all(c.search(p) for c in compiled)]
    if len(good) >= len(pool) // 2:
        return good
    from aishell.datagen.regexgen import generator

    make_one = generator(*regexes[0])
    if make_one is None:
        return None
    out = [make_one(rng) for _ in range(POOL)]
    out = [p for p in out if all(c.search(p) for c in compiled)]
    return out or None


def _json_pool(name: str, rng: random.Random) -> list[dict]:
    keys = ["source", "plan", "theme", "locale", "channel", "tier"]
    vals = ["web", "mobile", "api", "pro", "free", "dark", "light", "en", "de", "email", "gold"]
    out = []
    for _ in range(128):
        d: dict[str, Any] = {k: rng.choice(vals) for k in rng.sample(keys, rng.randint(1, 3))}
        if rng.random() < 0.5:
            d["score"] = rng.randint(0, 100)
        if rng.random() < 0.3:
            d["tags"] = rng.sample(vals, 2)
        out.append(d)
    return out


def _array(col: ColInfo, rule: ColumnRule, ctx: Context, table: Any, rng: np.random.Generator) -> Gen:
    from aishell.datagen.encode import as_list

    assert col.elem is not None
    elem = _make(col.elem, ColumnRule(), ctx, table, rng, False, 0)
    kind, scale = kind_of(col.elem), scale_of(col.elem)

    def gen(s: int, n: int) -> list:
        sizes = rng.integers(0, 5, n).tolist()
        flat = as_list(elem.batch(0, max(1, sum(sizes))), kind, scale)
        out, k = [], 0
        for z in sizes:
            out.append(flat[k:k + z])
            k += z
        return out
    return Gen(gen)


def _text_only(col: ColInfo, rng: random.Random, unique: bool, start: int) -> Gen:
    b = col.base
    r = rng.randint
    if b in ("macaddr", "macaddr8"):
        extra = ":00:00" if b == "macaddr8" else ""
        return Gen(lambda s, n: [f"08:00:2b:{(i + start) >> 16 & 255:02x}:{(i + start) >> 8 & 255:02x}:"
                                 f"{(i + start) & 255:02x}{extra}" if unique else
                                 f"08:00:2b:{r(0, 255):02x}:{r(0, 255):02x}:{r(0, 255):02x}{extra}"
                                 for i in range(s, s + n)], capacity=2**24 if unique else None)
    if b == "tsvector":
        words = ["film", "drama", "epic", "story", "action", "comedy", "robot", "space", "love", "war", "city"]
        return Gen(lambda s, n: [" ".join(rng.sample(words, 3)) for _ in range(n)])
    if b in ("vector", "halfvec"):
        d = col.dims or 3
        return Gen(lambda s, n: ["[" + ",".join(f"{rng.random():.4f}" for _ in range(d)) + "]" for _ in range(n)])
    if b in ("bit", "varbit"):
        ln = col.length or 8
        return Gen(lambda s, n: ["".join(rng.choice("01") for _ in range(ln)) for _ in range(n)])
    if b == "point":
        return Gen(lambda s, n: [f"({rng.uniform(-170, 170):.4f},{rng.uniform(-60, 70):.4f})" for _ in range(n)])
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
