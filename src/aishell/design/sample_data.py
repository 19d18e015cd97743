"""Realistic sample rows for a designed schema: ``sample_data_sql(schema, rows=N)`` → INSERT statements.

Rows respect the model: tables in foreign-key order, parents referenced by sub-select (so the rows load
after any existing data), unique columns made unique, enum values from the type, CHECK constraints read
from the model (ranges, ``> 0``, ``BETWEEN``, ``IN (...)``, columns that must be sums or products of
others, one timestamp after another). Text comes from Faker (seeded: the same schema gives the same SQL)
chosen by column name; timestamps are anchored at noon today, so the same schema gives the same SQL
on a given day. Materialized views are refreshed at the end.
"""

from __future__ import annotations

import datetime as _dt
import json
import random
import re
from typing import Any

from aishell.dialects.postgres.quote import qualify, quote_ident, quote_literal
from aishell.model import Column, Schema, Table
from aishell.model.graph import creation_order

_BETWEEN = re.compile(r"^\(?\s*(\w+)\s+BETWEEN\s+(-?[\d.]+)\s+AND\s+(-?[\d.]+)\s*\)?$", re.IGNORECASE)
_CMP = re.compile(r"^\(?\s*(\w+)\s*(>=|>|<>|<=|<)\s*\(?(-?[\d.]+)\)?(?:::\w+)?\s*\)?$")
_IN = re.compile(r"^\(?\s*(\w+)\s+IN\s*\(([^)]*)\)\s*\)?$", re.IGNORECASE)
_SUM = re.compile(r"^\(?\s*(\w+)\s*=\s*(\w+(?:\s*[+*]\s*\w+)+)\s*\)?$")
_AFTER = re.compile(r"(\w+)\s*>\s*(\w+)\s*\)?$")


def _faker():
    from faker import Faker

    fake = Faker("en_US", use_weighting=False)
    fake.seed_instance(42)
    return fake


class _Gen:
    def __init__(self, schema: Schema, rows: int):
        self.schema = schema
        self.rows = rows
        self.fake = _faker()
        self.rnd = random.Random(42)
        self.enums = {e.name: e.values for e in schema.enums}
        self.enums.update({f"{e.schema}.{e.name}": e.values for e in schema.enums})
        self.domains = {d.name: d for d in schema.domains}
        self.domains.update({f"{d.schema}.{d.name}": d for d in schema.domains})
        # noon today (UTC): recent-looking timestamps, and the same SQL for the same schema on a given day
        today = _dt.datetime.now(_dt.UTC).date()
        self.now = _dt.datetime(today.year, today.month, today.day, 12, tzinfo=_dt.UTC)

    # -- constraints read from the model ---------------------------------------------------------------
    def rules(self, t: Table) -> dict[str, Any]:
        rules: dict[str, Any] = {"range": {}, "in": {}, "derived": {}, "after": [], "regex": set()}
        exprs = [ck.expression or "" for ck in t.checks]
        for c in t.columns:  # a domain's checks apply to the column (VALUE is the column)
            dom = self.domains.get(c.type) or self.domains.get(c.type.split(".")[-1].strip('"'))
            if dom is not None:
                exprs += [re.sub(r"\bVALUE\b", c.name, ck.expression or "") for ck in dom.checks]
        split: list[str] = []
        for e in exprs:
            inner = e.strip()
            while inner.startswith("(") and inner.endswith(")") and _balanced(inner[1:-1]):
                inner = inner[1:-1].strip()
            if " AND " in inner.upper() and "BETWEEN" not in inner.upper() and " OR " not in inner.upper():
                split += re.split(r"\s+AND\s+", inner, flags=re.IGNORECASE)
            else:
                split.append(e)
        for expr0 in split:
            expr = expr0.strip()
            while (
                expr.startswith("(")
                and expr.endswith(")")
                and expr.count("(") == expr.count(")")
                and _balanced(expr[1:-1])
            ):
                expr = expr[1:-1].strip()
            m = _BETWEEN.match(expr)
            if m:
                rules["range"][m.group(1)] = (float(m.group(2)), float(m.group(3)))
                continue
            m = _CMP.match(expr)
            if m:
                col, op, val = m.group(1), m.group(2), float(m.group(3))
                lo, hi = rules["range"].get(col, (None, None))
                if op in (">=",):
                    lo = val
                elif op == ">":
                    lo = val + (1 if float(val).is_integer() else 0.01)
                elif op == "<=":
                    hi = val
                elif op == "<":
                    hi = val - 1
                elif op == "<>":
                    lo = val + 1 if lo is None else lo
                rules["range"][col] = (lo, hi)
                continue
            m = _IN.match(expr)
            if m:
                rules["in"][m.group(1)] = [v.strip().strip("'") for v in m.group(2).split(",")]
                continue
            m = _SUM.match(expr)
            if m and t.column(m.group(1)):
                rules["derived"][m.group(1)] = m.group(2)
                continue
            if "~" in expr:
                col = re.match(r"\(?\s*(\w+)", expr)
                if col:
                    rules["regex"].add(col.group(1))
            m = _AFTER.search(expr)
            if m and t.column(m.group(1)) and t.column(m.group(2)):
                rules["after"].append((m.group(1), m.group(2)))
        return rules

    # -- values --------------------------------------------------------------------------------------------
    def value(self, t: Table, c: Column, i: int, rules: dict[str, Any], unique: bool) -> str:
        name = c.name
        dom = self.domains.get(c.type) or self.domains.get(c.type.split(".")[-1].strip('"'))
        if dom is not None:
            c = Column(name=c.name, type=dom.type, nullable=c.nullable)
        if c.type.endswith("[]"):
            return "'{}'"  # an empty array is valid for every element type
        typ = c.type.lower()
        base = typ.split("(")[0].strip()
        length = _length(typ)
        if name in rules["in"]:
            vals = rules["in"][name]
            return (
                vals[i % len(vals)] if vals[0].lstrip("-").isdigit() else quote_literal(vals[i % len(vals)])
            )
        enum_vals = self.enums.get(c.type) or self.enums.get(c.type.split(".")[-1])
        if enum_vals:
            return quote_literal(enum_vals[i % len(enum_vals)])
        lo, hi = rules["range"].get(name, (None, None))
        if base in ("bigint", "integer", "int", "int4", "int8", "smallint", "int2"):
            lo_i = int(lo) if lo is not None else (1 if name in ("quantity", "capacity") else 0)
            hi_i = int(hi) if hi is not None else max(lo_i + 5, {"smallint": 100, "int2": 100}.get(base, 500))
            if name in ("year", "published_year", "release_year"):
                lo_i, hi_i = max(lo_i, 1990), min(hi_i, 2025) if hi is not None else 2025
            if name.endswith("day_of_week"):
                hi_i = min(hi_i, 6)
            if unique:
                return str(lo_i + i)
            return str(self.rnd.randint(lo_i, max(lo_i, hi_i)))
        if base in ("numeric", "decimal", "double precision", "real", "float8", "float4"):
            lo_f = lo if lo is not None else (0.0 if _money(name) else -50.0)
            hi_f = hi if hi is not None else (lo_f + (500 if _money(name) else 100))
            if "latitude" in name:
                lo_f, hi_f = max(lo_f, -60), min(hi_f, 70)
            if "longitude" in name:
                lo_f, hi_f = max(lo_f, -170), min(hi_f, 170)
            scale = 6 if "itude" in name else 2
            m = re.search(r"\((\d+)\s*,\s*(\d+)\)", typ)
            if m:  # stay inside NUMERIC(p, s)
                p_, s_ = int(m.group(1)), int(m.group(2))
                limit = 10 ** (p_ - s_) - 10 ** (-s_)
                hi_f, lo_f = min(hi_f, limit), max(lo_f, -limit)
                scale = min(scale, s_)
            return f"{self.rnd.uniform(lo_f, max(lo_f, hi_f)):.{scale}f}"
        if base == "boolean":
            return "true" if (i % 3 == 0) else "false"
        if base in ("timestamptz", "timestamp with time zone", "timestamp", "timestamp without time zone"):
            delta = _dt.timedelta(days=self.rnd.randint(0, 25), minutes=self.rnd.randint(0, 1440))
            return (
                quote_literal((self.now - delta).isoformat())
                if base != "timestamp"
                else quote_literal((self.now - delta).replace(tzinfo=None).isoformat())
            )
        if base == "date":
            if "birth" in name:
                d = _dt.date(1960, 1, 1) + _dt.timedelta(days=self.rnd.randint(0, 15000))
            elif name.startswith("due") or "expir" in name or name.endswith("_until"):
                d = self.now.date() + _dt.timedelta(days=self.rnd.randint(1, 60))
            else:
                d = self.now.date() - _dt.timedelta(days=self.rnd.randint(0, 365))
            return quote_literal(d.isoformat())
        if base in ("time", "time without time zone"):
            return quote_literal(f"{8 + i % 8:02d}:00:00")
        if base == "interval":
            return quote_literal(f"{1 + i % 5} hours")
        if base == "uuid":
            return quote_literal(str(self.fake.uuid4()))
        if base == "jsonb" or base == "json":
            return quote_literal(json.dumps({"source": "sample", "n": i}))
        if base == "inet":
            return quote_literal(f"192.0.2.{1 + i % 250}")
        if base == "bytea":
            return quote_literal(f"\\x{i:04x}")
        textual = (
            "text",
            "varchar",
            "character varying",
            "char",
            "character",
            "citext",
            "name",
            "bpchar",
            "tsvector",
            "xml",
        )
        if base.split(".")[-1].strip('"') not in textual and c.nullable:
            return "NULL"  # a type we cannot fake safely (vector, geometry, ranges, ...): leave it empty
        # text-like
        text = self.text(t, name, i, unique, length, name in rules["regex"])
        if length:
            text = text[:length]
        return quote_literal(text)

    def text(self, t: Table, name: str, i: int, unique: bool, length: int | None, regex: bool) -> str:
        f = self.fake
        suffix = f"-{i + 1}" if unique else ""
        if "email" in name:
            return f"{f.user_name()}{i + 1}@example.com"
        if name == "currency" or name.endswith("_currency"):
            return ["USD", "EUR", "GBP"][i % 3] if not regex else "USD"
        if name in ("country", "country_code"):
            return ["US", "GB", "DE", "FR", "BR", "JP"][i % 6]
        if name in ("locale", "language"):
            return ["en", "de", "fr", "pt-BR", "ja"][i % 5]
        if name == "time_zone":
            return ["UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo"][i % 4]
        if name == "first_name":
            return f.first_name()
        if name == "last_name":
            return f.last_name()
        if name in ("name", "full_name", "display_name") and t.column("first_name") is None:
            base = _noun_name(f, t.name)
            return f"{base}{suffix}" if unique else base
        if name in ("username", "handle", "nickname"):
            return f"{f.user_name()}{i + 1}"
        if "phone" in name:
            return f.numerify("+1-###-###-####")
        if name in ("city",):
            return f.city()
        if name in ("state", "region", "province"):
            return f.state()
        if name in ("postal_code", "zip", "zip_code"):
            return f.postcode()
        if name.startswith("street") or name in (
            "address",
            "pickup_address",
            "dropoff_address",
            "venue",
            "origin",
            "destination",
            "location",
        ):
            return f.street_address()
        if "url" in name or name in ("website", "homepage", "storage_key", "path"):
            return (
                f"https://example.com/{t.name}/{i + 1}"
                if "storage" not in name
                else f"{t.name}/{i + 1}/{f.uuid4()}"
            )
        if name == "slug":
            return f"{f.slug()}-{i + 1}"
        if name in (
            "sku",
            "code",
            "order_number",
            "invoice_number",
            "tracking_number",
            "serial_number",
            "isbn",
            "license_plate",
            "license_number",
            "reference",
            "provider_reference",
            "confirmation_code",
            "employee_number",
            "student_number",
            "policy_number",
            "flight_number",
            "insurance_number",
        ) or name.endswith(("_number", "_code", "_reference")):
            prefix = re.sub(r"[^A-Z]", "", name.upper())[:3] or "REF"
            return f"{prefix}-{i + 1:06d}"
        if name in ("password_hash",):
            return "$2b$12$" + f.sha256()[:53]
        if name in ("title", "subject", "headline", "job_title"):
            return f.sentence(nb_words=4).rstrip(".") + suffix
        if name in (
            "description",
            "body",
            "content",
            "bio",
            "notes",
            "note",
            "summary",
            "instructions",
            "message",
            "comment",
            "reason",
            "cover_letter",
            "caption",
            "feedback",
        ):
            return f.paragraph(nb_sentences=2)
        if name in ("color", "colour"):
            return f.color_name()
        if name == "size":
            return ["XS", "S", "M", "L", "XL"][i % 5]
        if name in ("file_name",):
            return f.file_name()
        if name in ("content_type",):
            return f.mime_type()
        if name in ("checksum",):
            return f.sha256()[:64]
        if name in ("make", "brand", "manufacturer"):
            return f.company()
        if name in ("model",):
            return f"Model {f.random_uppercase_letter()}{i % 10}"
        if name in ("specialty", "speciality", "department", "industry", "genre", "cuisine"):
            return f.job().split(",")[0]
        if name in ("action",):
            return ["create", "update", "delete"][i % 3]
        if name in ("entity_type", "aggregate_type"):
            return ["order", "user", "product"][i % 3]
        if name in ("event_type", "type"):
            return ["created", "updated", "deleted"][i % 3]
        if name in ("key",):
            return f"setting_{i + 1}"
        if name in ("unit",):
            return ["C", "%", "kWh", "ppm"][i % 4]
        if name in ("metric_name",):
            return ["cpu", "memory", "latency"][i % 3]
        word = f.word()
        return f"{word} {i + 1}" if unique else f.sentence(nb_words=3).rstrip(".")

    # -- tables -----------------------------------------------------------------------------------------
    def table_sql(self, t: Table, parents: dict[str, Table]) -> list[str]:
        rules = self.rules(t)
        unique_cols = {u.columns[0] for u in t.unique if len(u.columns) == 1}
        unique_cols |= {c for u in t.unique for c in u.columns if not c.endswith("_id")}
        if len(t.primary_key) == 1 and t.column(t.primary_key[0]) and not t.column(t.primary_key[0]).identity:
            unique_cols.add(t.primary_key[0])
        fk_cols: dict[str, tuple[Any, int]] = {}
        for j, fk in enumerate(t.foreign_keys):
            if fk.ref_table == t.name:
                continue
            for k, col in enumerate(fk.columns):
                fk_cols[col] = (fk, k, j)  # type: ignore[assignment]
        cols = [
            c
            for c in t.columns
            if c.identity != "always" and not c.generated and not (c.default or "").startswith("nextval(")
        ]  # sequences fill their own columns
        pkey = _partition_key(t)
        lower_bounds: list[str] = []
        if pkey:
            parts = [p for p in self.schema.tables if p.partition_of in (t.qualified_name, t.name)]
            if not any((p.partition_bound or "").strip().upper() == "DEFAULT" for p in parts):
                for p in parts:
                    m = re.search(r"FROM \(('[^']*')\)", p.partition_bound or "")
                    if m:
                        lower_bounds.append(m.group(1))
        # defaults that should stay defaults
        cols = [
            c
            for c in cols
            if not (c.name in ("created_at", "updated_at") and c.default) or c.name == _partition_key(t)
        ]
        cols = [c for c in cols if not (c.name == "id" and c.default and "gen_random_uuid" in c.default)]
        self_fk = [fk for fk in t.foreign_keys if fk.ref_table == t.name]
        shared = {c for fk in t.foreign_keys if fk.ref_table != t.name for c in fk.columns}
        # a self-reference is set afterwards; a column it shares with another key (a tenant key) is not
        cols = [c for c in cols if not any(c.name in fk.columns for fk in self_fk) or c.name in shared]
        if not cols:
            return [f"INSERT INTO {qualify(t.schema, t.name)} DEFAULT VALUES;"] * 0
        values_rows = []
        n_rows = self.rows
        tenant = self.schema.attrs.get("design", {}).get("tenant") or {}
        tenant_col = tenant.get("column") if tenant.get("table") != t.name else None
        for i in range(n_rows):
            row: dict[str, str] = {}
            for c in cols:
                if c.name == tenant_col:
                    # a multi-tenant design: the sample rows belong to one tenant, so that every
                    # tenant-scoped reference (tenant, id) finds its row
                    ref = qualify(t.schema, tenant["table"])
                    row[c.name] = f"(SELECT id FROM {ref} ORDER BY id LIMIT 1)"
                    continue
                if c.name in fk_cols:
                    fk, k, j = fk_cols[c.name]  # type: ignore[misc]
                    ref = qualify(fk.ref_schema, fk.ref_table)
                    ref_col = quote_ident(fk.ref_columns[k])
                    order = ", ".join(quote_ident(x) for x in fk.ref_columns)
                    offset = (i + j) % max(1, self.rows)
                    if c.nullable and fk.on_delete == "SET NULL" and i % 4 == 3:
                        row[c.name] = "NULL"
                    else:
                        row[c.name] = (
                            f"(SELECT {ref_col} FROM {ref} ORDER BY {order} OFFSET {offset} LIMIT 1)"
                        )
                    continue
                if c.name in rules["derived"]:
                    continue
                if c.name == pkey and lower_bounds:
                    # no DEFAULT partition: land in an existing one
                    row[c.name] = (
                        f"({lower_bounds[i % len(lower_bounds)]}::{c.type} + interval '{i} minutes')"
                        if "date" not in c.type.lower() or "time" in c.type.lower()
                        else f"{lower_bounds[i % len(lower_bounds)]}::date"
                    )
                    continue
                if c.name == "deleted_at":
                    row[c.name] = "NULL"
                    continue
                if (
                    c.nullable
                    and c.name in ("read_at", "cancelled_at", "returned_at", "edited_at", "completed_at")
                    and i % 2
                ):
                    row[c.name] = "NULL"
                    continue
                row[c.name] = self.value(t, c, i, rules, c.name in unique_cols)
            for later, earlier in rules["after"]:
                if earlier in row and later in row and row[earlier] != "NULL":
                    row[later] = self._after(t.column(earlier), row[earlier])
            for col, expr in rules["derived"].items():
                row[col] = self._derive(expr, row, t)
            values_rows.append(row)
        names = [c.name for c in cols if c.name in values_rows[0]] if values_rows else []
        out = []
        chunk = 500
        for start in range(0, len(values_rows), chunk):
            body = ",\n".join(
                "    (" + ", ".join(r[n] for n in names) + ")" for r in values_rows[start : start + chunk]
            )
            out.append(
                f"INSERT INTO {qualify(t.schema, t.name)} ({', '.join(quote_ident(n) for n in names)}) VALUES\n"
                f"{body};"
            )
        for fk in self_fk:
            col = quote_ident(next((c for c in reversed(fk.columns) if c not in shared), fk.columns[-1]))
            tbl = qualify(t.schema, t.name)
            first = f"(SELECT id FROM {tbl} ORDER BY id LIMIT 1)"
            out.append(
                f"UPDATE {tbl} SET {col} = {first} "
                f"WHERE id IN (SELECT id FROM {tbl} ORDER BY id OFFSET 1 LIMIT {max(1, self.rows // 3)});"
            )
        return out

    def _unfakeable(self, t: Table, skipped: dict[str, str]) -> str | None:
        """Why no rows can be made for ``t`` (a required column of a type we cannot fake, or a required
        reference to a table that got none), or None."""
        for c in t.columns:
            if c.nullable or c.default or c.identity or c.generated:
                continue
            if any(c.name in fk.columns for fk in t.foreign_keys):
                continue
            typ = c.type
            dom = self.domains.get(typ) or self.domains.get(typ.split(".")[-1].strip('"'))
            if dom is not None:
                typ = dom.type
            enum = self.enums.get(typ) or self.enums.get(typ.split(".")[-1])
            if not enum and not typ.endswith("[]") and _base_type(typ) not in _KNOWN_BASES:
                return f"column {c.name} of type {c.type} cannot be faked"
        for fk in t.foreign_keys:
            if fk.ref_table in skipped and any(
                not (t.column(col) and t.column(col).nullable) for col in fk.columns
            ):
                return f"it references {fk.ref_table}, which has none"
        return None

    def _after(self, col: Column | None, earlier: str) -> str:
        typ = (col.type if col else "").lower()
        if typ.startswith("time") and not typ.startswith("timestamp"):
            return f"({earlier}::time + interval '1 hour')"
        if typ == "date":
            return f"({earlier}::date + 7)"
        return f"({earlier}::timestamptz + interval '2 hours')"

    def _derive(self, expr: str, row: dict[str, str], t: Table) -> str:
        def sub(m: re.Match[str]) -> str:
            w = m.group(0)
            return f"({row[w]})" if w in row else w

        return "round(" + re.sub(r"[a-z_][a-z0-9_]*", sub, expr) + ", 2)"

    def sql(self) -> str:
        self.schema = _with_partition_fks(self.schema)
        order, _ = creation_order(self.schema)
        parents = {t.name: t for t in self.schema.tables}
        parts = [f"-- Sample data: {self.rows} rows per table (seeded Faker; parents first)", "BEGIN;"]
        skipped: dict[str, str] = {}
        for t in order:
            if t.partition_of:
                continue
            why = self._unfakeable(t, skipped)
            if why:
                skipped[t.name] = why
                parts.append(f"-- {t.name}: no sample rows ({why})")
                continue
            stmts = self.table_sql(t, parents)
            if stmts:
                parts.append(f"-- {t.name}")
                parts += stmts
        for v in self.schema.views:
            if v.materialized:
                parts.append(f"REFRESH MATERIALIZED VIEW {qualify(v.schema, v.name)};")
        parts.append("COMMIT;")
        return "\n".join(parts) + "\n"


_KNOWN_BASES = {
    "bigint",
    "integer",
    "int",
    "int4",
    "int8",
    "smallint",
    "int2",
    "numeric",
    "decimal",
    "double precision",
    "real",
    "float8",
    "float4",
    "boolean",
    "timestamptz",
    "timestamp with time zone",
    "timestamp",
    "timestamp without time zone",
    "date",
    "time",
    "time without time zone",
    "interval",
    "uuid",
    "json",
    "jsonb",
    "inet",
    "bytea",
    "text",
    "varchar",
    "character varying",
    "char",
    "character",
    "citext",
    "name",
    "bpchar",
    "tsvector",
    "xml",
}


def _base_type(type_: str) -> str:
    return type_.lower().split("(")[0].strip()


def _with_partition_fks(schema: Schema) -> Schema:
    """A copy where each partitioned parent also carries the foreign keys declared only on its partitions
    (as pg_dump'ed schemas such as pagila have them), so rows are generated in the right order."""
    import dataclasses

    tables = []
    for t in schema.tables:
        if t.partition_by:
            have = {(tuple(fk.columns), fk.ref_table) for fk in t.foreign_keys}
            extra = []
            for p in schema.tables:
                if p.partition_of in (t.qualified_name, t.name):
                    for fk in p.foreign_keys:
                        key = (tuple(fk.columns), fk.ref_table)
                        if key not in have and fk.ref_table != p.name:
                            have.add(key)
                            extra.append(fk)
            if extra:
                t = dataclasses.replace(t, foreign_keys=[*t.foreign_keys, *extra])
        tables.append(t)
    return dataclasses.replace(schema, tables=tables)


def _balanced(s: str) -> bool:
    depth = 0
    for ch in s:
        depth += ch == "("
        depth -= ch == ")"
        if depth < 0:
            return False
    return depth == 0


def _length(typ: str) -> int | None:
    m = re.search(r"(?:char|character|varchar|character varying)\s*\((\d+)\)", typ)
    return int(m.group(1)) if m else None


def _money(name: str) -> bool:
    return any(
        w in name
        for w in (
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
            "rate",
            "subtotal",
        )
    )


def _noun_name(fake: Any, table: str) -> str:
    if any(
        w in table for w in ("compan", "organi", "tenant", "vendor", "supplier", "brand", "workspace", "team")
    ):
        return fake.company()
    if any(w in table for w in ("categor", "tag", "genre", "skill", "role")):
        return fake.word().capitalize()
    if "product" in table or "item" in table:
        return fake.catch_phrase()
    return fake.catch_phrase()


def _partition_key(t: Table) -> str | None:
    if t.partition_by:
        m = re.search(r"\((\w+)\)", t.partition_by)
        return m.group(1) if m else None
    return None


def sample_data_sql(schema: Schema, rows: int = 10) -> str:
    """INSERT statements with ``rows`` realistic rows per table, in FK order, honouring the constraints."""
    if rows < 1:
        return "-- no sample data requested\n"
    return _Gen(schema, rows).sql()
