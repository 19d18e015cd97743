"""Column types as the target database sees them: domains resolved to their base type, enum labels,
array element types, type modifiers decoded. One query per kind, whatever the number of tables."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_COLUMNS = """
SELECT n.nspname, c.relname, a.attname, a.attnum, a.atttypid, a.atttypmod, a.attnotnull,
       a.attidentity::text AS attidentity, a.attgenerated::text AS attgenerated,
       pg_get_expr(d.adbin, d.adrelid) AS default_expr
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
ORDER BY n.nspname, c.relname, a.attnum
"""

_TYPES = """
WITH RECURSIVE t(oid) AS (
    SELECT DISTINCT a.atttypid FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
      AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
  UNION
    SELECT v.x FROM t JOIN pg_type ty ON ty.oid = t.oid,
           LATERAL (VALUES (ty.typbasetype), (ty.typelem)) v(x) WHERE v.x <> 0
)
SELECT ty.oid, ty.typname, n.nspname, ty.typtype::text AS typtype, ty.typbasetype, ty.typtypmod, ty.typelem,
       ty.typcategory::text AS typcategory, ty.typnotnull, ty.typlen,
       (SELECT array_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = ty.oid) AS labels,
       (SELECT array_agg(pg_get_constraintdef(k.oid) ORDER BY k.conname) FROM pg_constraint k
         WHERE k.contypid = ty.oid AND k.contype = 'c') AS checks
FROM t JOIN pg_type ty ON ty.oid = t.oid JOIN pg_namespace n ON n.oid = ty.typnamespace
"""


@dataclass
class ColInfo:
    name: str
    type_oid: int
    base: str  # base type name (typname): int4, numeric, varchar, timestamptz, an enum's name ...
    base_oid: int
    typtype: str  # b base, e enum, r range, c composite, m multirange, p pseudo
    category: str
    not_null: bool
    identity: str
    generated: str
    default: str | None
    length: int | None = None  # varchar/bpchar/bit length
    precision: int | None = None
    scale: int | None = None
    dims: int | None = None  # vector dimensions
    labels: list[str] | None = None  # enum labels
    is_array: bool = False
    elem: ColInfo | None = None
    domain: str | None = None  # schema-qualified domain name
    domain_checks: list[str] = field(default_factory=list)

    @property
    def numbered(self) -> bool:
        """An integer identity or serial column: test data numbers it itself (and moves the sequence on),
        so children know their parents' keys without reading them back."""
        return not self.generated and not self.is_array and self.base in ("int2", "int4", "int8") and \
            (bool(self.identity) or bool(self.default and self.default.startswith("nextval(")))

    @property
    def db_fills(self) -> bool:
        """Generated columns (and non-integer identity/serial ones) are left to the database."""
        return bool(self.generated) or (not self.numbered and (
            bool(self.identity) or bool(self.default and self.default.startswith("nextval("))))


def read_columns(conn: Any) -> dict[tuple[str, str], list[ColInfo]]:
    """{(schema, table): [ColInfo, ...]} for every ordinary or partitioned table (partitions excluded)."""
    types = {r[0]: r for r in conn.execute(_TYPES).fetchall()}
    out: dict[tuple[str, str], list[ColInfo]] = {}
    for (schema, table, name, _num, typid, typmod, notnull, ident, gen, default) in conn.execute(_COLUMNS):
        out.setdefault((schema, table), []).append(
            _resolve(name, typid, typmod, notnull, ident or "", gen or "", default, types))
    return out


def _resolve(name, typid, typmod, notnull, ident, gen, default, types) -> ColInfo:
    domain = None
    checks: list[str] = []
    oid = typid
    mod = typmod
    while oid in types and types[oid][3] == "d":
        r = types[oid]
        if domain is None:
            domain = f"{r[2]}.{r[1]}"
        checks += [_strip_check(c) for c in (r[11] or [])]
        notnull = notnull or bool(r[8])
        if mod is None or mod < 0:
            mod = r[5]
        oid = r[4]
    r = types.get(oid)
    if r is None:
        return ColInfo(name, typid, "unknown", oid, "b", "X", notnull, ident, gen, default)
    typname, typtype, typelem, category, typlen = r[1], r[3], r[6], r[7], r[9]
    info = ColInfo(name, typid, typname, oid, typtype, category, bool(notnull), ident, gen, default,
                   labels=list(r[10]) if r[10] else None, domain=domain, domain_checks=checks)
    if category == "A" and typelem and typlen == -1:
        info.is_array = True
        info.elem = _resolve(name, typelem, mod, False, "", "", None, types)
        return info
    _decode_typmod(info, mod)
    return info


def _strip_check(text: str) -> str:
    m = re.match(r"^\s*CHECK\s*\((.*)\)\s*(NOT VALID)?\s*$", text, re.DOTALL)
    return m.group(1) if m else text


def _decode_typmod(info: ColInfo, mod: int | None) -> None:
    if mod is None or mod < 0:
        return
    if info.base in ("varchar", "bpchar"):
        info.length = mod - 4
    elif info.base == "numeric":
        info.precision = ((mod - 4) >> 16) & 0xFFFF
        scale = (mod - 4) & 0xFFFF
        info.scale = scale - 0x10000 if scale & 0x8000 else scale
    elif info.base in ("bit", "varbit"):
        info.length = mod
    elif info.base in ("vector", "halfvec"):
        info.dims = mod
