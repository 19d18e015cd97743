"""multi-tenant: row-level isolation with a tenant column, the way a senior engineer migrates a live schema.

1. The tenant: an existing organisation table is reused (the one the request names — "each company" →
   ``companies`` — else the one most foreign keys point at); only when there is none is one created, with
   a default tenant that owns the rows already there (an assumption the plan states).
2. Tables: the tenant table and lookup tables (``refactors.json``'s lookup names, or — on a live
   database — small tables with no foreign keys and a unique text key that others reference) stay
   global; every other table is tenant-owned.
3. The tenant column is added nullable, filled through the existing foreign keys (parents first: an
   ``order_items`` row takes its ``orders`` row's tenant), proved NOT NULL by a validated CHECK, and
   referenced to the tenant table (NOT VALID, then VALIDATE).
4. Keys lead with the tenant column: new unique indexes are built CONCURRENTLY, then one short
   transaction swaps the primary keys and unique constraints onto them (``USING INDEX``) and turns the
   foreign keys between tenant-owned tables into composite ones (NOT VALID, validated after). Plain
   indexes are rebuilt leading with the tenant column, CONCURRENTLY, and keep their names.
5. Row-level security, FORCEd (the table owner is filtered too), with a policy comparing the column to
   ``current_setting('app.current_<tenant>_id')``; the column defaults to that setting, so inserts need
   no change; views over the tables read with their caller's rights (``security_invoker``).
"""

from __future__ import annotations

import copy
import re
from dataclasses import replace

from aishell.dialects.postgres import generate as g
from aishell.dialects.postgres.quote import qualify, quote_ident, quote_ident_list, quote_literal
from aishell.diff import hazards as hz
from aishell.diff import render as r
from aishell.diff.backfill import batched_fill
from aishell.errors import UserError
from aishell.model import Column, ForeignKey, Index, Policy, Schema, Table, UniqueConstraint
from aishell.model.graph import creation_order
from aishell.refactor.base import (
    Refactor,
    Refactoring,
    Request,
    find_table,
    human,
    knowledge,
    register,
    row_estimate,
    stmt,
    user_tables,
)


def _q(t: Table) -> str:
    return qualify(t.schema, t.name)


def _tn_name(name: str, suffix: str = "_tn") -> str:
    return name[: 63 - len(suffix)] + suffix


@register
class MultiTenant(Refactor):
    name = "multi-tenant"

    def plan(self, schema: Schema, request: Request) -> Refactoring:
        return _Planner(schema, request).run()


class _Planner:
    def __init__(self, schema: Schema, request: Request):
        self.current = schema
        self.req = request
        self.kb = knowledge()
        self.out = copy.deepcopy(schema)
        self.up: list = []
        self.notes: list[str] = []
        self.assumptions: list[str] = []

    # -- decisions -------------------------------------------------------------------------------------
    def find_tenant(self) -> tuple[Table | None, str]:
        named = self.req.option("tenant_table")
        if named:
            t = self.current.table(named)
            return t, (t.name if t else named)
        wanted: list[str] = []
        for w in self.req.words():
            for name in self.kb["tenant_words"].get(w, []):
                if name not in wanted:
                    wanted.append(name)
        tables = [t for t in user_tables(self.current) if not t.partition_by]
        refs = {t.qualified_name: 0 for t in tables}
        for t in tables:
            for fk in t.foreign_keys:
                qn = f"{fk.ref_schema}.{fk.ref_table}"
                if qn in refs and qn != t.qualified_name:
                    refs[qn] += 1
        by_name = {t.name: t for t in tables}
        for name in wanted:
            if name in by_name:
                return by_name[name], name
        known = [t for t in tables if t.name in self.kb["tenant_tables"] and t.name != "accounts"]
        if known:
            best = max(known, key=lambda t: refs[t.qualified_name])
            return best, best.name
        return None, (wanted[0] if wanted else "tenants")

    def tenant_column(self, tenant: Table | None, tenant_name: str) -> str:
        named = self.req.option("tenant_column")
        if named:
            return named
        from collections import Counter

        from aishell.design.parser import singular

        if tenant is not None:
            names = Counter(
                fk.columns[0]
                for t in user_tables(self.current)
                for fk in t.foreign_keys
                if len(fk.columns) == 1 and fk.ref_table == tenant.name and fk.ref_schema == tenant.schema
            )
            if names:
                return names.most_common(1)[0][0]
        return f"{singular(tenant_name)}_id"

    def is_lookup(self, t: Table) -> str | None:
        """Why ``t`` stays global, or None."""
        if t.name in self.kb["lookup_tables"] or any(t.name.endswith(s) for s in self.kb["lookup_suffixes"]):
            return "a lookup table by its name"
        rows = row_estimate(t)
        outgoing = [fk for fk in t.foreign_keys if fk.ref_table != t.name]
        referenced = any(
            fk.ref_table == t.name for x in self.current.tables for fk in x.foreign_keys if x is not t
        )
        keys = [u.columns for u in t.unique] + [i.columns for i in t.indexes if i.unique]
        text_key = any(
            len(k) == 1
            and (c := t.column(k[0])) is not None
            and re.search(r"char|text", c.type, re.IGNORECASE)
            for k in keys
        )
        if (
            rows is not None
            and rows <= 1000
            and not outgoing
            and referenced
            and text_key
            and len(t.columns) <= 5
        ):
            return f"a lookup table ({rows:,} rows, no foreign keys, a unique text key, referenced by others)"
        return None

    # -- the plan --------------------------------------------------------------------------------------
    def run(self) -> Refactoring:
        cur = self.current
        tenant, tenant_name = self.find_tenant()
        created = tenant is None
        if created:
            tenant = self.new_tenant_table(tenant_name)
        if len(tenant.primary_key) != 1:
            raise UserError(f"tenant table {tenant.name} needs a single-column primary key")
        tkey = tenant.column(tenant.primary_key[0])
        assert tkey is not None
        self.tenant, self.tkey = tenant, tkey
        col = self.col = self.tenant_column(None if created else tenant, tenant_name)
        ctype = self.ctype = tkey.type
        from aishell.design.parser import singular

        setting = self.req.option("setting") or f"app.current_{singular(tenant.name)}_id"
        self.setting = setting
        expr = f"(NULLIF(current_setting({quote_literal(setting)}, true), ''))::{ctype}"
        forced_global = {find_table(cur, n).qualified_name for n in self.req.option("global", [])}
        forced_owned = {find_table(cur, n).qualified_name for n in self.req.option("owned", [])}
        globals_: dict[str, str] = {}
        owned: list[Table] = []
        skipped: list[str] = []
        for t in user_tables(cur):
            qn = t.qualified_name
            if qn == tenant.qualified_name:
                continue
            if t.partition_by:
                skipped.append(t.name)
                continue
            if qn in forced_global:
                globals_[qn] = "named with --global"
                continue
            why = None if (qn in forced_owned or t.column(col) is not None) else self.is_lookup(t)
            if why:
                globals_[qn] = why
            else:
                owned.append(t)
        if not owned:
            raise UserError("no tenant-owned table found: every table is global (name one with --owned)")
        order, _ = creation_order(Schema(tables=owned))
        owned = [t for t in order if t.qualified_name in {o.qualified_name for o in owned}]
        self.owned = {t.qualified_name: t for t in owned}
        default = self.default_expr(created)

        changes: list[tuple[str, list[str]]] = []
        if created:
            changes.append(
                (
                    f"Add the tenant table {tenant.name}",
                    [
                        f"CREATE TABLE {_q(tenant)} (id, name, created_at); one default row owns the existing data"
                    ],
                )
            )
        fills, prechecks = self.columns(owned, default, expr)
        changes.append((f"Tenant column {col} on {len(owned)} table(s), filled through foreign keys", fills))
        keys = self.keys(owned)
        changes += keys
        rls = self.security(owned, expr)
        changes.append((f"Row-level security on {len(owned)} table(s)", rls))
        if globals_:
            changes.append(
                (
                    "Stay global",
                    [
                        f"{qn.removeprefix('public.')}: {why} (--owned to change)"
                        for qn, why in globals_.items()
                    ],
                )
            )
        if skipped:
            self.notes.append(
                f"partitioned table(s) {', '.join(skipped)} are left as they are: add {col} to "
                "their partition key by hand (a partitioned table's keys must include it)"
            )
        if not self.up:
            raise UserError(
                f"the schema is multi-tenant already: every tenant-owned table has {col}, keys led by "
                "it and row-level security; nothing to do"
            )
        impact = self.impact(owned)
        tenants = self.req.number_before(
            ("tenants", "tenant", "companies", "organizations", "organisations", "customers", "workspaces")
        )
        if tenants:
            per = [f"{t.name} ~{human(row_estimate(t) / tenants)}" for t in owned if row_estimate(t)]
            impact.append(
                f"{tenants:,} tenants (as stated): rows per tenant, computed from today's row counts: "
                + (", ".join(per[:6]) if per else "no row statistics")
                + "; every tenant's rows sit in one "
                "range of each index (its id leads), so queries read only that range"
            )
            if tenants >= 1000:
                impact.append(
                    "shared tables with row-level security scale to many tenants (one schema per tenant "
                    f"would mean {tenants:,} copies of every table and migration); a very large tenant "
                    f"can later move to a HASH partition of its own by {col}"
                )
        app = [
            (
                f"every session (or transaction) says which tenant it acts for: "
                f"SET {setting} = '<id>' (or SET LOCAL in a transaction); unset, the tables show no rows"
            ),
            f"INSERTs may omit {col}: it defaults to the setting",
            (
                "superusers and roles with BYPASSRLS see every tenant's rows: run the application as an ordinary "
                "role (migrations and admin jobs keep a separate one)"
            ),
            "unique values (emails, SKUs, numbers) are unique per tenant now, not across tenants",
        ]
        return Refactoring(
            name="multi-tenant",
            title="Multi-Tenancy",
            desired=self.out,
            up=self.up,
            down=None,
            current_line="Shared schema (every tenant's rows in the same tables)"
            if not created
            else "Single-tenant schema (no tenant table)",
            target_line=f"Row-level isolation with {col} (tenant table {tenant.name}"
            f"{', created' if created else ', existing'})",
            strategy=f"Add {col} to every tenant-owned table, lead keys and indexes with it, and enforce "
            f"row-level security per tenant",
            changes=changes,
            prechecks=prechecks,
            touched=[t.qualified_name for t in owned],
            notes=self.notes,
            assumptions=self.assumptions,
            app_changes=app,
            impact=impact,
            params={
                "tenant_table": tenant.name,
                "tenant_created": created,
                "tenant_column": col,
                "setting": setting,
                "owned": [t.name for t in owned],
                "global": [q.removeprefix("public.") for q in globals_],
                "tenants": tenants,
            },
        )

    def new_tenant_table(self, name: str) -> Table:
        t = Table(
            name=name,
            columns=[
                Column("id", "bigint", nullable=False, identity="always"),
                Column("name", "text", nullable=False, comment="The tenant's name"),
                Column("created_at", "timestamp with time zone", nullable=False, default="now()"),
            ],
            primary_key=["id"],
            primary_key_name=f"{name}_pkey",
            comment="Tenants: every tenant-owned row belongs to one (aishell schema refactor multi-tenant)",
        )
        self.out.tables.insert(0, t)
        gen = g.PostgresGenerator(self.out)
        self.up.append(stmt(r.create_table_sql(gen, t, [], None), f"add the tenant table {name}"))
        self.up.append(
            stmt(
                f"INSERT INTO {_q(t)} (name) VALUES ('Default tenant')",
                "one default tenant owns the rows already there",
            )
        )
        self.up.append(stmt(g.comment_sql(f"TABLE {_q(t)}", t.comment)))
        self.up.append(stmt(g.comment_sql(f"COLUMN {_q(t)}.name", "The tenant's name")))
        self.assumptions.append(
            f"no organisation table exists: {name} is created, and one row ('Default tenant') "
            "owns every existing row until you move rows to their real tenants"
        )
        return t

    def default_expr(self, created: bool) -> str | None:
        given = self.req.option("default_tenant")
        t = self.tenant
        if given is not None:
            return f"{quote_literal(str(given))}::{self.ctype}"
        if created:
            return f"(SELECT min({quote_ident(self.tkey.name)}) FROM {_q(t)})"
        return None

    # -- 1. the tenant column --------------------------------------------------------------------------
    def columns(
        self, owned: list[Table], default: str | None, expr: str
    ) -> tuple[list[str], list[tuple[str, str]]]:
        col, ctype = self.col, self.ctype
        lines: list[str] = []
        prechecks: list[tuple[str, str]] = []
        adds, fills, fks, fk_validate = [], [], [], []
        nn_add, nn_validate, nn_set = [], [], []
        for t in owned:
            tsql = _q(t)
            have = t.column(col)
            out_t = self.out.table(t.name, t.schema)
            assert out_t is not None
            if have is None:
                adds.append(
                    stmt(
                        f"ALTER TABLE {tsql} ADD COLUMN {quote_ident(col)} {ctype}",
                        f"add {t.name}.{col} (nullable until filled)",
                        hazards=[hz.lock("brief ACCESS EXCLUSIVE lock; no rewrite")],
                    )
                )
                out_t.columns.append(
                    Column(
                        col,
                        ctype,
                        nullable=False,
                        default=expr,
                        comment=f"The {self.tenant.name} row this row belongs to (tenant)",
                    )
                )
            else:
                i = out_t.columns.index(out_t.column(col))
                out_t.columns[i] = replace(
                    have,
                    nullable=False,
                    default=expr,
                    comment=have.comment or f"The {self.tenant.name} row this row belongs to",
                )
            via = self.fill_sources(t)
            if have is not None and not have.nullable:
                lines.append(f"{t.name}: has {col} already")
            else:
                for sql, label in via:
                    fills.append(
                        stmt(
                            sql,
                            f"fill {t.name}.{col} {label}",
                            hazards=[
                                hz.info(
                                    "backfill", "ROW EXCLUSIVE lock; row locks held per batch of 10,000 rows"
                                )
                            ],
                            transactional=False,
                            long_running=True,
                        )
                    )
                if default is not None:
                    fills.append(
                        stmt(
                            batched_fill(t, tsql, quote_ident(col), default, None, "", "given").sql,
                            f"fill the rest of {t.name}.{col} with the default tenant",
                            transactional=False,
                            long_running=True,
                        )
                    )
                labels = [label for _, label in via]
                lines.append(
                    f"{t.name}: "
                    + ("; then ".join(labels) if labels else "no foreign-key path")
                    + (" (rows left: the default tenant)" if default is not None else "")
                    + (f" [~{human(row_estimate(t))} rows]" if row_estimate(t) is not None else "")
                )
                if default is None:
                    prechecks.append(
                        (
                            f"{t.name}: rows no foreign key attributes to a {self.tenant.name} row",
                            self.unattributed_sql(t),
                        )
                    )
                a, v, n = self.not_null(t)
                nn_add += a
                nn_validate += v
                nn_set += n
            if not any(fk.columns == [col] and fk.ref_table == self.tenant.name for fk in t.foreign_keys):
                name = _tn_name(f"{t.name}_{col}_fkey", "")
                definition = (
                    f"FOREIGN KEY ({quote_ident(col)}) REFERENCES {_q(self.tenant)}"
                    f"({quote_ident(self.tkey.name)})"
                )
                fks.append(
                    stmt(
                        f"ALTER TABLE {tsql} ADD CONSTRAINT {quote_ident(name)} {definition} NOT VALID",
                        f"{t.name}.{col} references {self.tenant.name}",
                        hazards=[hz.lock("SHARE ROW EXCLUSIVE on both tables, briefly")],
                    )
                )
                fk_validate.append(
                    stmt(
                        f"ALTER TABLE {tsql} VALIDATE CONSTRAINT {quote_ident(name)}",
                        f"validate {name}",
                        hazards=[
                            hz.scan("checks every row (SHARE UPDATE EXCLUSIVE: reads and writes go on)")
                        ],
                        long_running=True,
                        alone=True,
                    )
                )
                out_t.foreign_keys.append(
                    ForeignKey(
                        name,
                        [col],
                        self.tenant.name,
                        [self.tkey.name],
                        self.tenant.schema,
                        definition=definition,
                    )
                )
        for t in owned:
            for a, b in self.cross_checks(t):
                prechecks.append((a, b))
        self.up += adds + fills + nn_add + nn_validate + nn_set + fks + fk_validate
        return lines, prechecks

    def fill_sources(self, t: Table) -> list[tuple[str, str]]:
        """(SQL, label) of each foreign key that gives ``t`` its tenant, NOT NULL keys first."""
        col = quote_ident(self.col)
        tsql = _q(t)
        out = []
        fks = sorted(
            t.foreign_keys,
            key=lambda fk: not all((c := t.column(x)) is not None and not c.nullable for x in fk.columns),
        )
        for fk in fks:
            parent_qn = f"{fk.ref_schema}.{fk.ref_table}"
            if parent_qn == t.qualified_name:
                continue
            if parent_qn == self.tenant.qualified_name and len(fk.columns) == 1:
                if fk.columns[0] == self.col:
                    continue
                out.append(
                    (
                        batched_fill(t, tsql, col, f"t.{quote_ident(fk.columns[0])}", None, "", "fk").sql,
                        f"from {fk.columns[0]}",
                    )
                )
                continue
            parent = self.owned.get(parent_qn)
            if parent is None:
                continue
            join = " AND ".join(
                f"t.{quote_ident(a)} = p.{quote_ident(b)}" for a, b in zip(fk.columns, fk.ref_columns)
            )
            out.append(
                (
                    batched_fill(t, tsql, col, f"p.{col}", (_q(parent), join), "", "fk").sql,
                    f"from {parent.name}.{self.col} through {', '.join(fk.columns)}",
                )
            )
        return out

    def tenant_of(self, t: Table, alias: str, depth: int = 0) -> str:
        """SQL for the tenant a row of ``t`` (as ``alias``) will get, following the fills."""
        col = quote_ident(self.col)
        if t.column(self.col) is not None and not t.column(self.col).nullable:
            return f"{alias}.{col}"
        parts = [f"{alias}.{col}"] if t.column(self.col) is not None else []
        if depth < 6:
            for fk in t.foreign_keys:
                parent_qn = f"{fk.ref_schema}.{fk.ref_table}"
                if parent_qn == t.qualified_name:
                    continue
                if (
                    parent_qn == self.tenant.qualified_name
                    and len(fk.columns) == 1
                    and fk.columns[0] != self.col
                ):
                    parts.append(f"{alias}.{quote_ident(fk.columns[0])}")
                    continue
                parent = self.owned.get(parent_qn)
                if parent is None:
                    continue
                pa = f"p{depth + 1}"
                join = " AND ".join(
                    f"{pa}.{quote_ident(b)} = {alias}.{quote_ident(a)}"
                    for a, b in zip(fk.columns, fk.ref_columns)
                )
                parts.append(
                    f"(SELECT {self.tenant_of(parent, pa, depth + 1)} FROM {_q(parent)} {pa} WHERE {join})"
                )
        if not parts:
            return "NULL"
        return parts[0] if len(parts) == 1 else f"COALESCE({', '.join(parts)})"

    def unattributed_sql(self, t: Table) -> str:
        return f"SELECT count(*) FROM {_q(t)} t0 WHERE {self.tenant_of(t, 't0')} IS NULL"

    def cross_checks(self, t: Table) -> list[tuple[str, str]]:
        """Rows whose parents belong to different tenants: the composite foreign key would reject them."""
        out = []
        for fk in t.foreign_keys:
            parent = self.owned.get(f"{fk.ref_schema}.{fk.ref_table}")
            if parent is None or parent is t or self.col in fk.columns:
                continue
            join = " AND ".join(
                f"p.{quote_ident(b)} = c.{quote_ident(a)}" for a, b in zip(fk.columns, fk.ref_columns)
            )
            out.append(
                (
                    f"{t.name}: rows whose {parent.name} row belongs to another tenant (through {fk.name})",
                    (
                        f"SELECT count(*) FROM {_q(t)} c JOIN {_q(parent)} p ON {join} "
                        f"WHERE {self.tenant_of(t, 'c')} IS DISTINCT FROM {self.tenant_of(parent, 'p')}"
                    ),
                )
            )
        return out

    def not_null(self, t: Table) -> tuple[list, list, list]:
        """(add the CHECK NOT VALID, validate it, SET NOT NULL and drop it): each kind batched over the tables."""
        tsql = _q(t)
        col = quote_ident(self.col)
        raw = _tn_name(f"{t.name}_{self.col}_nn_check", "")
        name = quote_ident(raw)
        return (
            [
                stmt(
                    f"ALTER TABLE {tsql} ADD CONSTRAINT {name} CHECK ({col} IS NOT NULL) NOT VALID",
                    f"{t.name}.{self.col}: CHECK IS NOT NULL, not yet validated",
                )
            ],
            [
                stmt(
                    f"ALTER TABLE {tsql} VALIDATE CONSTRAINT {name}",
                    f"validate {raw}",
                    hazards=[
                        hz.may_fail("fails if a row has no tenant"),
                        hz.scan("SHARE UPDATE EXCLUSIVE scan"),
                    ],
                    long_running=True,
                    alone=True,
                )
            ],
            [
                stmt(
                    f"ALTER TABLE {tsql} ALTER COLUMN {col} SET NOT NULL",
                    f"{t.name}.{self.col} NOT NULL",
                    hazards=[hz.lock("brief ACCESS EXCLUSIVE; the validated CHECK spares the scan")],
                ),
                stmt(f"ALTER TABLE {tsql} DROP CONSTRAINT {name}"),
            ],
        )

    # -- 2. keys and indexes lead with the tenant column -------------------------------------------------
    def keys(self, owned: list[Table]) -> list[tuple[str, list[str]]]:
        col = self.col
        builds, swap_drop_fks, swap, validate, drops, renames = [], [], [], [], [], []
        counts = {"pk": 0, "unique": 0, "fk": 0, "index": 0}
        pinned_note = []
        # keys other tables point at from outside the tenant-owned set keep their single-tenant form
        outside_refs: dict[str, list[list[str]]] = {}
        for x in user_tables(self.current):
            if x.qualified_name in self.owned:
                continue
            for fk in x.foreign_keys:
                qn = f"{fk.ref_schema}.{fk.ref_table}"
                if qn in self.owned:
                    outside_refs.setdefault(qn, []).append(list(fk.ref_columns))
        for t in owned:
            tsql = _q(t)
            out_t = self.out.table(t.name, t.schema)
            assert out_t is not None
            pinned = outside_refs.get(t.qualified_name, [])
            if t.primary_key and t.primary_key[0] != col:
                pk_name = t.primary_key_name or f"{t.name}_pkey"
                new_cols = [col] + [c for c in t.primary_key if c != col]
                tmp = _tn_name(pk_name)
                builds.append(
                    stmt(
                        f"CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS {quote_ident(tmp)} ON {tsql} "
                        f"({quote_ident_list(new_cols)})",
                        f"{t.name}: index for the new primary key",
                        hazards=[hz.index_build()],
                        transactional=False,
                        long_running=True,
                    )
                )
                if t.primary_key in pinned:
                    # Kept as it is; the composite key other tenant-owned tables reference is a UNIQUE one.
                    uname = _tn_name(f"{t.name}_{'_'.join(new_cols)}_key", "")
                    swap.append(
                        stmt(
                            f"ALTER TABLE {tsql} ADD CONSTRAINT {quote_ident(uname)} UNIQUE USING INDEX "
                            f"{quote_ident(tmp)}",
                            f"{t.name}: unique ({', '.join(new_cols)})",
                        )
                    )
                    out_t.unique.append(UniqueConstraint(uname, new_cols))
                    pinned_note.append(
                        f"{t.name}'s primary key stays ({', '.join(t.primary_key)}): a global "
                        "table references it"
                    )
                else:
                    swap.append(
                        stmt(
                            f"ALTER TABLE {tsql} DROP CONSTRAINT {quote_ident(pk_name)}",
                            f"{t.name}: primary key ({', '.join(new_cols)})",
                        )
                    )
                    swap.append(
                        stmt(
                            f"ALTER TABLE {tsql} ADD CONSTRAINT {quote_ident(pk_name)} PRIMARY KEY USING "
                            f"INDEX {quote_ident(tmp)}"
                        )
                    )
                    out_t.primary_key = new_cols
                    out_t.primary_key_name = pk_name
                    counts["pk"] += 1
            for u in list(t.unique):
                if col in u.columns:
                    continue
                new_cols = [col] + u.columns
                name = u.name or f"{t.name}_{'_'.join(u.columns)}_key"
                tmp = _tn_name(name)
                nnd = " NULLS NOT DISTINCT" if u.nulls_not_distinct else ""
                inc = f" INCLUDE ({quote_ident_list(u.include)})" if u.include else ""
                builds.append(
                    stmt(
                        f"CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS {quote_ident(tmp)} ON {tsql} "
                        f"({quote_ident_list(new_cols)}){inc}{nnd}",
                        f"{t.name}: index for unique ({', '.join(new_cols)})",
                        hazards=[hz.index_build()],
                        transactional=False,
                        long_running=True,
                    )
                )
                ou = next(x for x in out_t.unique if x.name == u.name)
                if u.columns in pinned:
                    uname = _tn_name(f"{t.name}_{'_'.join(new_cols)}_key", "")
                    swap.append(
                        stmt(
                            f"ALTER TABLE {tsql} ADD CONSTRAINT {quote_ident(uname)} UNIQUE USING INDEX "
                            f"{quote_ident(tmp)}"
                        )
                    )
                    out_t.unique.append(
                        UniqueConstraint(uname, new_cols, u.nulls_not_distinct, include=u.include)
                    )
                    pinned_note.append(
                        f"{t.name}'s unique ({', '.join(u.columns)}) stays: a global table references it"
                    )
                    continue
                defer = (
                    " DEFERRABLE" + (" INITIALLY DEFERRED" if u.initially_deferred else "")
                    if u.deferrable
                    else ""
                )
                swap.append(
                    stmt(
                        f"ALTER TABLE {tsql} DROP CONSTRAINT {quote_ident(name)}",
                        f"{t.name}: unique ({', '.join(new_cols)}) per tenant",
                    )
                )
                swap.append(
                    stmt(
                        f"ALTER TABLE {tsql} ADD CONSTRAINT {quote_ident(name)} UNIQUE USING INDEX "
                        f"{quote_ident(tmp)}{defer}"
                    )
                )
                out_t.unique[out_t.unique.index(ou)] = replace(ou, columns=new_cols, definition=None)
                counts["unique"] += 1
            for idx in t.indexes:
                if idx.constraint or idx.attrs.get("parent_index") or (idx.columns and idx.columns[0] == col):
                    continue
                if (idx.method or "btree").lower() != "btree":
                    self.notes.append(
                        f"index {idx.name} on {t.name} ({idx.method}) cannot lead with {col}; kept"
                    )
                    continue
                new = _lead(idx, col)
                tmp = replace(new, name=_tn_name(idx.name))
                builds.append(
                    stmt(
                        r.index_sql(tsql, tmp, concurrently=True),
                        f"{t.name}: {idx.name} led by {col}",
                        hazards=[hz.index_build()],
                        transactional=False,
                        long_running=True,
                    )
                )
                drops.append(
                    stmt(
                        f"DROP INDEX CONCURRENTLY IF EXISTS {qualify(t.schema, idx.name)}",
                        f"drop the old {idx.name}",
                        transactional=False,
                    )
                )
                renames.append(
                    stmt(
                        f"ALTER INDEX {qualify(t.schema, tmp.name)} RENAME TO {quote_ident(idx.name)}",
                        f"{tmp.name} takes the name {idx.name}",
                    )
                )
                i = next(k for k, x in enumerate(out_t.indexes) if x.name == idx.name)
                out_t.indexes[i] = new
                counts["index"] += 1
        # foreign keys between tenant-owned tables become composite
        fk_lines = []
        for t in owned:
            tsql = _q(t)
            out_t = self.out.table(t.name, t.schema)
            for fk in t.foreign_keys:
                parent = self.owned.get(f"{fk.ref_schema}.{fk.ref_table}")
                if parent is None or col in fk.columns:
                    continue
                name = fk.name or f"{t.name}_{'_'.join(fk.columns)}_fkey"
                definition = _composite_fk(fk, col, parent)
                swap_drop_fks.append(
                    stmt(
                        f"ALTER TABLE {tsql} DROP CONSTRAINT {quote_ident(name)}",
                        f"{t.name}.{name} becomes ({col}, {', '.join(fk.columns)})",
                    )
                )
                swap.append(
                    stmt(
                        f"ALTER TABLE {tsql} ADD CONSTRAINT {quote_ident(name)} {definition} NOT VALID",
                        hazards=[hz.lock("SHARE ROW EXCLUSIVE on both tables (inside the swap)")],
                    )
                )
                validate.append(
                    stmt(
                        f"ALTER TABLE {tsql} VALIDATE CONSTRAINT {quote_ident(name)}",
                        f"validate {name}",
                        hazards=[
                            hz.may_fail("fails if a row's parent belongs to another tenant"),
                            hz.scan("SHARE UPDATE EXCLUSIVE scan"),
                        ],
                        long_running=True,
                        alone=True,
                    )
                )
                k = next(i for i, x in enumerate(out_t.foreign_keys) if x.name == fk.name)
                out_t.foreign_keys[k] = ForeignKey(
                    name,
                    [col] + fk.columns,
                    fk.ref_table,
                    [col] + fk.ref_columns,
                    fk.ref_schema,
                    fk.on_delete,
                    fk.on_update,
                    fk.match,
                    fk.deferrable,
                    fk.initially_deferred,
                    comment=fk.comment,
                    definition=definition,
                )
                counts["fk"] += 1
                fk_lines.append(f"{t.name}.{name}: ({col}, {', '.join(fk.columns)}) → {parent.name}")
        self.up += builds + swap_drop_fks + swap + validate + drops + renames
        lines = [
            (
                f"primary keys: {counts['pk']}, unique constraints: {counts['unique']}, indexes: {counts['index']} "
                f"(new indexes built CONCURRENTLY, then swapped in one short transaction)"
            )
        ]
        lines += pinned_note
        out = [(f"Keys and indexes lead with {col}", lines)]
        if fk_lines:
            out.append(
                (
                    (
                        f"Foreign keys between tenant-owned tables include {col} (a row cannot point at another "
                        f"tenant's row)"
                    ),
                    fk_lines,
                )
            )
        return out

    # -- 3. row-level security ------------------------------------------------------------------------------
    def security(self, owned: list[Table], expr: str) -> list[str]:
        col = quote_ident(self.col)
        lines = []
        for t in owned:
            tsql = _q(t)
            out_t = self.out.table(t.name, t.schema)
            assert out_t is not None
            name = _tn_name(f"{t.name}_tenant_isolation", "")
            using = f"{col} = {expr}"
            pol = Policy(
                name,
                "ALL",
                True,
                ["public"],
                using,
                using,
                comment=f"Rows of the tenant named by {self.setting} only",
            )
            have = t.column(self.col)
            if have is None or "current_setting" not in (have.default or ""):
                self.up.append(
                    stmt(
                        f"ALTER TABLE {tsql} ALTER COLUMN {col} SET DEFAULT {expr}",
                        f"{t.name}.{self.col} defaults to the session's tenant",
                    )
                )
            if not t.rls_enabled:
                self.up.append(
                    stmt(f"ALTER TABLE {tsql} ENABLE ROW LEVEL SECURITY", f"row-level security on {t.name}")
                )
            if not t.rls_forced:
                self.up.append(stmt(f"ALTER TABLE {tsql} FORCE ROW LEVEL SECURITY"))
            out_t.rls_enabled = out_t.rls_forced = True
            existing = next((p for p in t.policies if p.name == name), None)
            if existing is not None:
                lines.append(f"{t.name}: policy {name} (there already)")
                continue
            self.up.append(stmt(g.create_policy_sql(pol, tsql), f"policy {name}"))
            self.up.append(stmt(g.comment_sql(f"POLICY {quote_ident(name)} ON {tsql}", pol.comment)))
            c = out_t.column(self.col)
            if (
                c is not None
                and c.comment
                and (
                    self.current.table(t.name, t.schema).column(self.col) is None
                    or self.current.table(t.name, t.schema).column(self.col).comment != c.comment
                )
            ):
                self.up.append(stmt(g.comment_sql(f"COLUMN {tsql}.{col}", c.comment)))
            out_t.rls_enabled = out_t.rls_forced = True
            out_t.policies = [p for p in out_t.policies if p.name != name] + [pol]
            lines.append(f"{t.name}: policy {name}")
        lines.insert(
            0,
            f"USING ({self.col} = current_setting('{self.setting}')::{self.ctype}) and WITH CHECK the "
            "same; FORCEd, so the table owner is filtered too",
        )
        major = _major(self.current.server_version)
        owned_names = {q for q in self.owned}
        for v in self.out.views:
            if v.materialized:
                if set(v.depends_on) & owned_names or any(
                    re.search(rf"\b{re.escape(t.name)}\b", v.definition) for t in owned
                ):
                    self.notes.append(
                        f"materialized view {v.name} holds every tenant's rows (RLS does not apply "
                        "to it): restrict who may read it, or drop it"
                    )
                continue
            reads = set(v.depends_on) & owned_names or any(
                re.search(rf"\b{re.escape(t.name)}\b", v.definition) for t in owned
            )
            if not reads or any(o.startswith("security_invoker") for o in v.options):
                continue
            if major is not None and major < 15:
                self.notes.append(
                    f"view {v.name} reads tenant tables with its owner's rights (PostgreSQL < 15 has "
                    "no security_invoker): grant it to no application role"
                )
                continue
            v.options = [*v.options, "security_invoker=true"]
            self.up.append(
                stmt(
                    f"ALTER VIEW {qualify(v.schema, v.name)} SET (security_invoker = true)",
                    f"view {v.name} reads with its caller's rights (row-level security applies)",
                )
            )
            lines.append(f"view {v.name}: security_invoker (row-level security applies through it)")
        return lines

    def impact(self, owned: list[Table]) -> list[str]:
        width = {"bigint": 8, "integer": 4, "smallint": 2, "uuid": 16}.get(self.ctype.lower(), 8)
        grow = []
        for t in owned:
            rows = row_estimate(t)
            idx_bytes = t.attrs.get("index_bytes")
            if rows and idx_bytes:
                n = sum(1 for i in t.indexes if (i.method or "btree") == "btree") or 1
                # each btree entry gains the key (padded to 8 bytes)
                grow.append((t.name, rows * max(width, 8) * n, idx_bytes))
        if not grow:
            return ["index growth: no index statistics (a design, or a database never analyzed)"]
        added = sum(x[1] for x in grow)
        total = sum(x[2] for x in grow)
        return [
            (
                f"indexes of the tenant-owned tables grow by about {added / max(total, 1):.0%} "
                f"({human(added)}B on {human(total)}B; computed: {max(width, 8)} bytes per index entry × rows × "
                "btree indexes, against today's index sizes)"
            )
        ]


def _lead(idx: Index, col: str) -> Index:
    n = len(idx.columns)

    def pad(values: list, fill):
        return [fill] + list(values) + [fill] * (n - len(values))

    return replace(
        idx,
        columns=[col] + list(idx.columns),
        expressions=pad(idx.expressions, False)[: n + 1],
        orders=pad(idx.orders, "")[: n + 1],
        opclasses=pad(idx.opclasses, "")[: n + 1],
        definition=None,
        constraint=None,
    )


def _composite_fk(fk: ForeignKey, col: str, parent: Table) -> str:
    s = (
        f"FOREIGN KEY ({quote_ident_list([col] + fk.columns)}) REFERENCES {_q(parent)}"
        f"({quote_ident_list([col] + fk.ref_columns)})"
    )
    if fk.match and fk.match.upper() not in ("SIMPLE", ""):
        s += f" MATCH {fk.match.upper()}"
    if fk.on_update and fk.on_update.upper() != "NO ACTION":
        s += f" ON UPDATE {fk.on_update.upper()}"
    if fk.on_delete and fk.on_delete.upper() != "NO ACTION":
        action = fk.on_delete.upper()
        if action in ("SET NULL", "SET DEFAULT"):
            action += f" ({quote_ident_list(fk.columns)})"  # never the tenant column (PostgreSQL 15+)
        s += f" ON DELETE {action}"
    if fk.deferrable:
        s += " DEFERRABLE" + (" INITIALLY DEFERRED" if fk.initially_deferred else "")
    return s


def _major(version: str | None) -> int | None:
    try:
        return int(str(version).split(".")[0]) if version else None
    except ValueError:
        return None
