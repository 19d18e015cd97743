"""Functional dependencies found in the data, and the normal form they leave a table in.

For each table, up to ``fd_sample_rows`` rows are read (all of them for smaller tables: the counts are
then exact; a page sample otherwise: estimated). A dependency ``X → Y`` is believed when every value
of ``X`` that occurs at least twice comes with a single ``Y`` (allowing at most 1% of rows as
exceptions, which are counted), over at least ``fd_min_support`` repeated values of ``X``.

Only plausible determinants are tried: foreign-key columns and identifier-like columns
(``*_id``, ``*_code``, ``*_name``, ``zip``, ``city``, ...), never measures (price, total) or
timestamps, whose accidental regularities mean nothing. Dependencies found in data are evidence, not
proof: the report says how many rows and repeated values support each one.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from aishell.analyze.probes.data import base_type, is_amount_column
from aishell.model import Table

DETERMINANT = re.compile(
    r"(_id|_code|_key|_number|_no|_name|_sku|_type)$|^(zip|zipcode|postal_code|postcode|city|"
    r"country|country_code|state|region|sku|email|code)$",
    re.I,
)
SKIP_TYPES = (
    "json",
    "jsonb",
    "bytea",
    "xml",
    "tsvector",
    "timestamp with time zone",
    "timestamp without time zone",
    "date",
    "time without time zone",
    "interval",
)
NF_ORDER = ["none", "1NF", "2NF", "3NF", "BCNF"]


@dataclass
class Dependency:
    lhs: list[str]
    rhs: str
    support: int  # distinct lhs values seen at least twice
    exceptions: int  # rows whose rhs differs from their group's majority
    sample_rows: int
    kind: str  # exact | estimated
    violation: str  # partial (2NF) | transitive (3NF) | bcnf

    def to_dict(self) -> dict[str, Any]:
        return {
            "lhs": self.lhs,
            "rhs": self.rhs,
            "support": self.support,
            "exceptions": self.exceptions,
            "sample_rows": self.sample_rows,
            "kind": self.kind,
            "violation": self.violation,
        }


@dataclass
class TableForm:
    table: str
    level: str | None
    kind: str
    dependencies: list[Dependency] = field(default_factory=list)
    repeating_groups: list[list[str]] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "level": self.level,
            "kind": self.kind,
            "dependencies": [d.to_dict() for d in self.dependencies],
            "repeating_groups": self.repeating_groups,
            "reasons": self.reasons,
        }


def repeating_groups(table: Table) -> list[list[str]]:
    """Columns like phone1, phone2, phone3: the same attribute repeated under numbered names.

    Not a repeating group: numbered address lines (street_line1, street_line2), a convention; and
    roles: numbered columns that each hold a foreign key of their own (a link table's ``entity0``/
    ``entity1``, ``team1``/``team2``), or a pair numbered 0 and 1 (``entity_type0``/``entity_type1``:
    the source's and the target's), each a different fact.
    """
    groups: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for c in table.columns:
        m = re.match(r"^(\D+?)_?(\d+)$", c.name)
        if m:
            groups[m.group(1)].append((c.name, int(m.group(2))))
    fk_roles = {fk.columns[0] for fk in table.foreign_keys if len(fk.columns) == 1}
    return [
        [c for c, _ in cols]
        for base, cols in groups.items()
        if len(cols) >= 2
        and not (len(cols) <= 3 and re.search(r"(line|address|addr|street)_?$", base, re.I))
        and not {c for c, _ in cols} <= fk_roles
        and sorted(n for _, n in cols) != [0, 1]
    ]


def keys_of(table: Table) -> list[set[str]]:
    keys = []
    if table.primary_key:
        keys.append(set(table.primary_key))
    keys += [set(u.columns) for u in table.unique]
    keys += [
        set(ix.columns) for ix in table.indexes if ix.unique and not ix.where and not any(ix.expressions)
    ]
    return keys


def candidate_columns(table: Table, stats_col, limit: int) -> tuple[list[str], list[str]]:
    """(determinant candidates, dependent candidates) among the table's columns."""
    fk_cols = {c for fk in table.foreign_keys for c in fk.columns}
    lhs, rhs = [], []
    for c in table.columns:
        bt = base_type(c.type)
        if bt in SKIP_TYPES or c.type.endswith("[]") or c.generated:
            continue
        width = (stats_col(c.name) or {}).get("avg_width")
        if width and width > 64:
            continue
        if c.name in fk_cols or DETERMINANT.search(c.name) or c.name in table.primary_key:
            lhs.append(c.name)
        if c.name not in fk_cols and not is_amount_column(c) and bt != "boolean":
            rhs.append(c.name)
    return lhs[:limit], rhs[:limit]


def find_dependencies(
    table: Table,
    rows: list[tuple],
    columns: list[str],
    lhs_cols: list[str],
    rhs_cols: list[str],
    *,
    min_support: int,
    kind: str,
) -> list[Dependency]:
    """Single-column dependencies X → Y that hold in ``rows`` (``columns`` names the tuple positions)."""
    idx = {c: i for i, c in enumerate(columns)}
    keys = keys_of(table)
    pk = set(table.primary_key)
    prime = set().union(*keys) if keys else set()
    n = len(rows)
    out: list[Dependency] = []
    for x in lhs_cols:
        xi = idx[x]
        groups: dict[Any, list[int]] = defaultdict(list)
        for r, row in enumerate(rows):
            if row[xi] is not None:
                groups[row[xi]].append(r)
        repeated = {k: v for k, v in groups.items() if len(v) >= 2}
        if len(repeated) < min_support or any({x} == k for k in keys):
            continue
        for y in rhs_cols:
            if y == x:
                continue
            yi = idx[y]
            exceptions = 0
            distinct_y = set()
            for members in repeated.values():
                counts = Counter(rows[r][yi] for r in members)
                top, top_n = counts.most_common(1)[0]
                exceptions += len(members) - top_n
                distinct_y.add(top)
            if len(distinct_y) < 2 or exceptions > max(0, int(0.01 * n)):
                continue
            if x in pk and len(pk) > 1 and y not in prime:
                violation = "partial"
            elif y in prime:
                violation = "bcnf"
            elif x not in prime or (x in pk and len(pk) == 1):
                if x in pk and len(pk) == 1:
                    continue  # the key determines everything: that is the point of a key
                violation = "transitive"
            else:
                continue
            out.append(Dependency([x], y, len(repeated), exceptions, n, kind, violation))
    return out


def level_of(has_key: bool, groups: list[list[str]], deps: list[Dependency]) -> str:
    if groups or not has_key:
        return "none"
    kinds = {d.violation for d in deps}
    if "partial" in kinds:
        return "1NF"
    if "transitive" in kinds:
        return "2NF"
    if "bcnf" in kinds:
        return "3NF"
    return "BCNF"


def lowest(levels: list[str]) -> str | None:
    levels = [lv for lv in levels if lv]
    if not levels:
        return None
    return min(levels, key=NF_ORDER.index)
