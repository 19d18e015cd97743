"""Plan stage 5 — indexes: one leading with every foreign key, partial, full-text and time-range indexes,
and the indexes that back primary and unique keys."""

from __future__ import annotations

import re

from aishell.design.plan.base import (
    _entity_of_table,
    ident,
)
from aishell.design.words import singular
from aishell.model import (
    Extension,
    Index,
    Table,
)


class IndexStage:
    # -- indexes ----------------------------------------------------------------------------------------
    def _has_leading(self, t: Table, cols: list[str]) -> bool:
        n = len(cols)
        if t.primary_key[:n] == cols:
            return True
        if any(u.columns[:n] == cols for u in t.unique):
            return True
        return any(i.columns[:n] == cols and i.where is None and not any(i.expressions) for i in t.indexes)

    def _add_index(
        self,
        t: Table,
        cols: list[str],
        reason: str,
        *,
        name: str | None = None,
        where: str | None = None,
        method: str = "btree",
        expressions: list[bool] | None = None,
        unique: bool = False,
        orders: list[str] | None = None,
        provenance: str = "assumed",
        include: list[str] | None = None,
    ) -> None:
        name = name or ident("idx", t.name, *[c for c in cols if re.match(r"^[a-z_][a-z0-9_]*$", c)][:3])
        if where and name == ident("idx", t.name, *cols[:3]):
            name = ident(name, "live" if "deleted_at" in where else "partial")
        if any(i.name == name for i in t.indexes):
            return
        t.indexes.append(
            Index(
                name=name,
                columns=cols,
                unique=unique,
                method=method,
                where=where,
                expressions=expressions or [],
                orders=orders or [],
                include=include or [],
                reason=reason,
                attrs={"provenance": provenance},
            )
        )

    def _access_pattern_indexes(self) -> None:
        """One index per query the intent names: equality columns first, then the range or sort column,
        INCLUDE for the columns the query reads (a covering index), WHERE for a partial one; full-text
        search as a GIN index on to_tsvector."""
        from aishell.design.plan.rules import _q, safe_expression

        for p in self.req.access_patterns:
            e = self.ents.get(p.entity)
            if e is None or (p.provenance == "assumed" and not self.opt.assumptions):
                continue
            t = self._t(e)
            what = p.description or p.evidence or "a query the requirements name"
            if p.search:
                cols = []
                for name in p.search:
                    found = self._rule_column(t, name)
                    if found and t.column(found[0]) is not None and found[0] not in cols:
                        cols.append(found[0])
                    elif not found:
                        self.problems.append(
                            f"access pattern on {t.name}: {name!r} is not a column to search"
                        )
                if cols:
                    doc = " || ' ' || ".join(f"coalesce({_q(c)}::text, '')" for c in cols)
                    expr = f"to_tsvector('english'::regconfig, {doc})"
                    self._add_index(
                        t,
                        [expr],
                        f"full-text search on {' and '.join(cols)}: {what}",
                        method="gin",
                        expressions=[True],
                        name=ident("idx", t.name, *cols[:2], "search"),
                        provenance=p.provenance,
                    )
                    t.attrs.setdefault("design", {})["search_expression"] = expr
                if not (p.filter or p.range):
                    continue
            cols: list[str] = []
            for name in [*p.filter, *([p.range] if p.range else [])]:
                found = self._rule_column(t, name)
                if found is None:
                    self.problems.append(f"access pattern on {t.name}: {name!r} is not a column of {t.name}")
                    cols = []
                    break
                cols += [c for c in found if c not in cols]
            if not cols:
                continue
            where = None
            if p.where:
                where, why = safe_expression(p.where, {c.name for c in t.columns})
                if where is None:
                    self.problems.append(
                        f"access pattern on {t.name}: the condition {p.where!r} was not used: {why}"
                    )
            include = []
            for name in p.include:
                found = self._rule_column(t, name)
                if found and found[0] not in cols and found[0] not in include:
                    include.append(found[0])
            orders = [""] * len(cols)
            if p.range and p.order == "desc":
                orders[-1] = "DESC"
            if any(i.columns == cols and not i.where and not where for i in t.indexes) and not include:
                continue
            if t.primary_key[: len(cols)] == cols and not include and not where:
                continue
            self._add_index(
                t,
                cols,
                what,
                name=ident("idx", t.name, *[c.removesuffix("_id") for c in cols][:3]) if not where else None,
                where=where,
                orders=orders if any(orders) else None,
                include=include,
                provenance=p.provenance,
            )

    def _indexes(self) -> None:
        for t in self.schema.tables:
            if t.partition_of:
                continue
            design = t.attrs.get("design", {})
            ent = self.ents.get(design.get("entity") or "")
            for fk in t.foreign_keys:
                if not self._has_leading(t, fk.columns):
                    self._add_index(
                        t,
                        list(fk.columns),
                        f"foreign key to {fk.ref_table}: joins, lookups and "
                        f"ON DELETE checks on {fk.ref_table}",
                        provenance="convention",
                    )
            if ent is None:
                continue
            # the knowledge base's usual indexes only for entities the text leaves unspecified; a described
            # entity gets the indexes its access patterns name (below)
            specified = bool(ent.entity.stated_attributes)
            if design.get("soft_delete") and t.column("deleted_at") is not None:
                lead = "created_at"
                self._add_index(
                    t,
                    [lead],
                    f"live (not soft-deleted) {t.name}, newest first",
                    where="deleted_at IS NULL",
                    name=ident("idx", t.name, "live"),
                    orders=["DESC"],
                )
            if t.column("is_active") is not None and "catalog" in ent.flags:
                cat = next(
                    (
                        fk.columns[0]
                        for fk in t.foreign_keys
                        if fk.ref_table != t.name
                        and self.ents.get(_entity_of_table(self, fk.ref_table) or "") is not None
                        and self.ents[_entity_of_table(self, fk.ref_table)].kind == "classifier"
                    ),
                    None,
                )
                cols = [cat] if cat else ["created_at"]
                where = "is_active" + (" AND deleted_at IS NULL" if t.column("deleted_at") else "")
                self._add_index(
                    t,
                    cols,
                    f"browsing active {t.name}" + (" by category" if cat else ""),
                    name=ident("idx", t.name, "active"),
                    where=where,
                )
            if specified:
                ent_arch = None
            else:
                ent_arch = ent.arch
            if ent_arch and ent_arch.get("default_flag_index") and t.column("is_default"):
                fkcol = next((fk.columns[0] for fk in t.foreign_keys), None)
                if fkcol:
                    self._add_index(
                        t,
                        [fkcol],
                        f"the default {singular(t.name)} of each {fkcol[:-3]}",
                        name=ident("idx", t.name, fkcol[:-3], "default"),
                        where="is_default",
                        unique=True,
                    )
            if ent_arch and ent_arch.get("status_index") and t.column("status") is not None:
                self._add_index(t, ["status", "created_at"], f"work queues: {t.name} by status, oldest first")
            if "time_ordered" in ent.flags or (ent.kind in ("timeseries", "log", "event") and not specified):
                tc = ent.time_column if t.column(ent.time_column) else "created_at"
                fk_lead = next((fk.columns[0] for fk in t.foreign_keys if fk.ref_table != t.name), None)
                if ent.kind == "timeseries" and fk_lead:
                    self._add_index(
                        t,
                        [fk_lead, tc],
                        f"latest {t.name} per {fk_lead[:-3]}: range scans by time",
                        orders=["", "DESC"],
                        name=ident("idx", t.name, fk_lead[:-3], tc),
                    )
                else:
                    self._add_index(t, [tc], f"time-range queries and reports on {t.name}", orders=["DESC"])
            partial = ent_arch.get("partial_index") if ent_arch else None
            if partial:
                actor_fk = next((fk.columns[0] for fk in t.foreign_keys), None)
                if actor_fk:
                    cols = [c.replace("{actor_fk}", actor_fk) for c in partial["columns"]]
                    self._add_index(
                        t,
                        cols,
                        partial["reason"],
                        where=partial["where"],
                        name=ident("idx", t.name, "unread") if "read_at" in partial["where"] else None,
                    )
            for spec in (ent_arch.get("indexes") if ent_arch else None) or []:
                if all(t.column(c) for c in spec["columns"]):
                    self._add_index(t, list(spec["columns"]), spec["reason"])
            for col in (ent_arch.get("gin") if ent_arch else None) or []:
                self._add_index(
                    t,
                    [col],
                    f"containment queries (@>) on {col}",
                    method="gin",
                    name=ident("idx", t.name, col, "gin"),
                )
            asked = "full_text_search" in self.req.features and not any(
                p.search for p in self.req.access_patterns
            )
            searchable = "searchable" in ent.flags or (
                asked and ent.kind in ("thing", "content") and not ent.flags & {"time_series"}
            )
            if searchable:
                cols = (ent_arch.get("search_columns") if ent_arch else None) or []
                cols = [c for c in cols if t.column(c)]
                if not cols:
                    first = next((c for c in ("name", "title") if t.column(c)), None)
                    second = next(
                        (c for c in ("description", "body", "content", "bio", "summary") if t.column(c)), None
                    )
                    cols = [c for c in (first, second) if c]
                if cols:
                    doc = (
                        " || ' ' || ".join(f"coalesce({c}, '')" for c in cols)
                        if len(cols) > 1
                        else f"coalesce({cols[0]}, '')"
                    )
                    expr = f"to_tsvector('english'::regconfig, {doc})"
                    self._add_index(
                        t,
                        [expr],
                        f"full-text search on {' and '.join(cols)}",
                        method="gin",
                        expressions=[True],
                        name=ident("idx", t.name, "search"),
                        provenance="inferred" if asked else "assumed",
                    )
                    design["search_expression"] = expr
                    if "fuzzy_search" in self.req.features and t.column(cols[0]):
                        self._add_index(
                            t,
                            [cols[0]],
                            f"fuzzy / autocomplete matching on {cols[0]} (pg_trgm)",
                            method="gin",
                            name=ident("idx", t.name, cols[0], "trgm"),
                        )
                        t.indexes[-1].opclasses = ["gin_trgm_ops"]
                        if not any(x.name == "pg_trgm" for x in self.schema.extensions):
                            self.schema.extensions.append(
                                Extension("pg_trgm", comment="trigram matching for fuzzy search")
                            )
        self._access_pattern_indexes()
        # an FK index that is a prefix of another plain B-tree index is redundant: keep the longer one
        for t in self.schema.tables:
            keep = []
            for i in t.indexes:
                longer = any(
                    o is not i
                    and o.method == "btree"
                    and not o.where
                    and not any(o.expressions)
                    and len(o.columns) > len(i.columns)
                    and o.columns[: len(i.columns)] == i.columns
                    for o in t.indexes
                )
                if longer and i.reason and i.reason.startswith("foreign key") and not i.where:
                    continue
                keep.append(i)
            t.indexes = keep
        # constraint-backed indexes, listed as introspection lists them
        for t in self.schema.tables:
            if t.partition_of:
                continue
            if t.primary_key:
                t.indexes.insert(
                    0,
                    Index(
                        name=t.primary_key_name or ident(t.name, "pkey"),
                        columns=list(t.primary_key),
                        unique=True,
                        constraint=t.primary_key_name,
                        reason="primary key",
                        attrs={"provenance": "convention"},
                    ),
                )
            for u in t.unique:
                t.indexes.append(
                    Index(
                        name=u.name or ident(t.name, *u.columns, "key"),
                        columns=list(u.columns),
                        unique=True,
                        constraint=u.name,
                        reason=u.attrs.get("reason") or f"unique {', '.join(u.columns)}",
                        attrs={"provenance": u.attrs.get("provenance", "inferred")},
                    )
                )
