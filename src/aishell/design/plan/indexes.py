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
                reason=reason,
            )
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
                    )
            if ent is None:
                continue
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
            if ent.arch and ent.arch.get("default_flag_index") and t.column("is_default"):
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
            if ent.arch and ent.arch.get("status_index") and t.column("status") is not None:
                self._add_index(t, ["status", "created_at"], f"work queues: {t.name} by status, oldest first")
            if "time_ordered" in ent.flags or ent.kind in ("timeseries", "log", "event"):
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
            partial = ent.arch.get("partial_index") if ent.arch else None
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
            for spec in (ent.arch.get("indexes") if ent.arch else None) or []:
                if all(t.column(c) for c in spec["columns"]):
                    self._add_index(t, list(spec["columns"]), spec["reason"])
            for col in (ent.arch.get("gin") if ent.arch else None) or []:
                self._add_index(
                    t,
                    [col],
                    f"containment queries (@>) on {col}",
                    method="gin",
                    name=ident("idx", t.name, col, "gin"),
                )
            searchable = "searchable" in ent.flags or (
                "full_text_search" in self.req.features
                and ent.kind in ("thing", "content")
                and not ent.flags & {"time_series"}
            )
            if searchable:
                cols = (ent.arch.get("search_columns") if ent.arch else None) or []
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
                    )
                )
