"""How many rows each table gets: from what the design states, else from the shape of the schema.

``DesignHints`` reads a design document defensively: ``requirements.scale`` ("800 stations", "60K trips
per day"), ``requirements.entities`` (entity → table), an ``intent`` block if one is there (its
``scale``, ``retention`` and ``access_patterns``), and the retention a design's partition-dropping
function keeps (``drop_old_<table>_partitions(keep interval DEFAULT '1 year')``).

``natural_volumes`` gives every table a volume in absolute rows: a stated figure (a rate per day is
multiplied by the days of history the table keeps: its retention, else the span of its partitions,
else a year); otherwise a lookup or plan table a small fixed size (vocab.json ``lookup_sizes``); a
child its parent's volume times a fan-out chosen by what the child is (three lines per order, a few
refunds per hundred payments, 25 trips per rider: vocab.json ``fanout``); a parent of a stated table
the child's volume divided by that fan-out. ``--data-size N`` then scales the non-lookup tables so the
total is N, keeping these proportions.
"""

from __future__ import annotations

import re
from typing import Any

from aishell.datagen.values import _PEOPLE, _singular, vocab

_PERIOD_DAYS = {"second": 1 / 86400, "minute": 1 / 1440, "hour": 1 / 24, "day": 1, "week": 7, "month": 30,
                "year": 365}
_UNIT = re.compile(r"(\d+(?:\.\d+)?)\s*(year|month|week|day|hour)s?", re.I)


def _days(text: Any) -> float | None:
    if isinstance(text, (int, float)):
        return float(text)
    if not isinstance(text, str):
        return None
    m = _UNIT.search(text)
    if not m:
        return None
    return float(m.group(1)) * _PERIOD_DAYS[m.group(2).lower()]


class DesignHints:
    """What a design document states about volumes, retention and access patterns."""

    def __init__(self, doc: dict[str, Any] | None):
        doc = doc if isinstance(doc, dict) else {}
        req = doc.get("requirements") if isinstance(doc.get("requirements"), dict) else {}
        intent = doc.get("intent") if isinstance(doc.get("intent"), dict) else {}
        self.doc = doc
        self.requirements = req
        self.intent = intent
        self.entity_table: dict[str, str] = {}
        for e in _list(req.get("entities")) + _list(intent.get("entities")):
            if isinstance(e, dict) and isinstance(e.get("name"), str) and isinstance(e.get("table"), str):
                self.entity_table[e["name"].lower()] = e["table"]
        self.scale: dict[str, tuple[float, str | None]] = {}
        for s in _list(req.get("scale")) + _list(intent.get("scale")):
            if not isinstance(s, dict):
                continue
            try:
                count = float(s.get("count"))
            except (TypeError, ValueError):
                continue
            table = s.get("table") or self._table_for(s.get("entity") or s.get("noun"))
            if table and count > 0:
                period = s.get("period")
                self.scale[table] = (count, period if isinstance(period, str) else None)
        self.retention: dict[str, float] = {}
        for r in _list(intent.get("retention")) + _list(req.get("retention")):
            if isinstance(r, dict):
                table = r.get("table") or self._table_for(r.get("entity"))
                days = _days(r.get("days")) or _days(r.get("period")) or _days(r.get("text"))
                if table and days:
                    self.retention[table] = days
        for f in _list(doc.get("functions")):
            if not isinstance(f, dict):
                continue
            m = re.match(r"drop_old_(\w+)_partitions$", str(f.get("name", "")))
            keep = re.search(r"DEFAULT\s+'([^']+)'", str(f.get("arguments", "")))
            if m and keep and m.group(1) not in self.retention:
                days = _days(keep.group(1))
                if days:
                    self.retention[m.group(1)] = days

    def _table_for(self, entity: Any) -> str | None:
        if not isinstance(entity, str):
            return None
        e = entity.lower()
        return self.entity_table.get(e) or self.entity_table.get(_singular(e))

    def retention_days(self, table: str) -> float | None:
        return self.retention.get(table)

    def access_patterns(self) -> list[Any]:
        out = []
        for src in (self.intent, self.requirements):
            for key in ("access_patterns", "queries", "access"):
                out += _list(src.get(key))
        return out

    @property
    def empty(self) -> bool:
        return not self.scale and not self.retention and not self.access_patterns()


def _list(v: Any) -> list:
    return v if isinstance(v, list) else []


def load_hints(path: Any) -> DesignHints | None:
    """Hints from a design or model JSON file (None when it is not readable JSON)."""
    import json

    try:
        with open(path, encoding="utf-8") as fh:
            return DesignHints(json.load(fh))
    except (OSError, ValueError):
        return None


# -- volumes ---------------------------------------------------------------------------------------------------
def _match(table: str, entries: list[dict], key: str) -> dict | None:
    t = table.lower()
    for e in entries:
        if any(w in t for w in e[key]):
            return e
    return None


def fanout(child: str) -> float:
    e = _match(child, vocab()["fanout"], "child")
    return float(e["per"]) if e else 3.0


def is_lookup(p: Any, referenced: set[str]) -> bool:
    if p.name not in referenced:
        return False
    parents = [s for s in p.fks if not s.self_ref]
    if parents:
        return False
    if _match(p.table.name, vocab()["lookup_sizes"], "tables"):
        return True
    plain = [c for c in p.copy_cols if c not in p.seq_cols]
    return len(plain) <= 3


def _stated(p: Any, hints: DesignHints | None) -> float | None:
    if hints is None or p.table.name not in hints.scale:
        return None
    count, period = hints.scale[p.table.name]
    if not period:
        return count
    per_day = count / _PERIOD_DAYS.get(period.lower().rstrip("s"), 365)
    days = hints.retention_days(p.table.name) or _partition_days(p) or 365
    return per_day * days


def _partition_days(p: Any) -> float | None:
    part = p.table.attrs.get("_dg_partition")
    if not part:
        return None
    total = 0.0
    for a, b in part[1]:
        try:
            total += (b - a).total_seconds() / 86400
        except (AttributeError, TypeError):
            return None
    return total or None


def stock_tables(plans: list[Any], hints: DesignHints | None) -> set[str]:
    """Tables with a stated count that is not a rate (800 stations, 12K bikes): kept at that size."""
    if hints is None:
        return set()
    return {p.name for p in plans if not p.skip and p.table.name in hints.scale and not hints.scale[p.table.name][1]}


def natural_volumes(plans: list[Any], hints: DesignHints | None) -> tuple[dict[str, float], set[str]]:
    """({table: rows in absolute terms}, lookup tables) for the live plans, before scaling to N."""
    live = [p for p in plans if not p.skip]
    names = {p.name for p in live}
    referenced = {s.parent for p in live for s in p.fks + [m for k, m in p.combo if k == "fk"]
                  if not s.self_ref and s.parent in names}
    lookups = {p.name for p in live if is_lookup(p, referenced)}
    vol: dict[str, float] = {}
    for p in live:
        s = _stated(p, hints)
        if s:
            vol[p.name] = s
    parents_of = {p.name: [s.parent for s in p.fks + [m for k, m in p.combo if k == "fk"]
                           if not s.self_ref and not s.forward and s.parent in names] for p in live}
    # parents of stated tables, derived backwards from the stated child
    stated = set(vol)
    for _ in range(3):
        for p in live:
            if p.name not in vol:
                continue
            for parent in parents_of[p.name]:
                if parent not in stated and parent not in lookups:
                    vol[parent] = max(vol.get(parent, 1.0), vol[p.name] / fanout(p.table.name))
    known = set(vol)
    for _ in range(3):  # three passes: a parent that comes later in a cycle is known the next time
        _forward_pass(live, vol, lookups, parents_of, known)
    return vol, lookups


def _forward_pass(live: list[Any], vol: dict[str, float], lookups: set[str], parents_of: dict[str, list[str]],
                  known: set[str]) -> None:
    """Volumes of the tables neither stated nor derived from a stated child, from their parents."""
    for p in live:
        if p.name in known:
            continue
        if p.name in lookups:
            e = _match(p.table.name, vocab()["lookup_sizes"], "tables")
            vol[p.name] = float(e["rows"]) if e else 20.0
            continue
        owners = [x for x in parents_of[p.name] if x in vol and x not in lookups]
        entry = _match(p.table.name, vocab()["fanout"], "child") or {}
        people = [x for x in owners if entry.get("owner") == "person" and _PEOPLE.search(x.split(".")[-1].lower())]
        ps = [vol[x] for x in (people or owners)]  # "25 trips per rider": a person's activity scales with people
        if p.combo and len([k for k, _ in p.combo if k == "fk"]) >= 2:  # a junction: a few links per row
            vol[p.name] = max(ps) * 2 if ps else 1000.0
        elif ps:
            one_to_one = _one_to_one(p)
            vol[p.name] = max(ps) * (1.0 if one_to_one else fanout(p.table.name))
        else:
            vol[p.name] = 1000.0


def _one_to_one(p: Any) -> bool:
    """A child whose foreign key is itself unique (a profile per user) has at most one row per parent."""
    fk_sets = [set(s.fk.columns) for s in p.fks if not s.self_ref]
    uniques = [set(p.table.primary_key)] + [set(u.columns) for u in p.table.unique] + \
        [set(ix.columns) for ix in p.table.indexes if ix.unique]
    return any(u and u <= f for f in fk_sets for u in uniques)
