"""Plan stage 6 — views: live rows of soft-deleted tables, catalog aggregates, time-series rollups and an
event store's read model."""

from __future__ import annotations

import re

from aishell.design.plan.base import (
    _Ent,
    ident,
)
from aishell.design.words import singular
from aishell.model import (
    ForeignKey,
    Index,
    Table,
    View,
)


class ViewStage:
    def _views(self) -> None:
        # active_<table>: live rows of soft-deleted catalog/content tables
        for e in self.ents.values():
            t = self._t(e)
            if (
                t.column("deleted_at") is None
                or e.kind not in ("thing", "content", "actor")
                or t.partition_by
            ):
                continue
            if e.kind == "actor" and not (e.arch and e.arch.id == "account"):
                continue
            cols = [c.name for c in t.columns if c.name not in ("password_hash", "deleted_at")]
            where = ["deleted_at IS NULL"]
            if t.column("is_active") is not None:
                where.append("is_active")
            if (
                e.kind == "content"
                and t.column("status") is not None
                and t.column("published_at") is not None
            ):
                where.append("status = 'published'")
            body = (
                " SELECT "
                + ",\n    ".join(f"{t.name}.{c}" for c in cols)
                + f"\n   FROM public.{t.name}\n  WHERE "
                + " AND ".join(f"{t.name}.{w}" for w in where)
                + ";"
            )
            self.schema.views.append(
                View(
                    name=ident("active", t.name),
                    definition=body,
                    columns=cols,
                    depends_on=[f"public.{t.name}"],
                    comment=f"Live {t.name} (not soft-deleted"
                    + (", active" if t.column("is_active") else "")
                    + ")",
                )
            )
        self._catalog_matview()
        self._rollups()
        self._event_read_model()

    def _children_of(self, e: _Ent) -> list[tuple[Table, ForeignKey]]:
        t = self._t(e)
        return [
            (c, fk)
            for c in self.schema.tables
            for fk in c.foreign_keys
            if fk.ref_table == t.name and c.name != t.name and not c.partition_of
        ]

    def _catalog_matview(self) -> None:
        catalog = next((e for e in self.ents.values() if "catalog" in e.flags), None)
        if catalog is None:
            return
        t = self._t(catalog)
        aggs: list[tuple[str, str, list[str]]] = []  # (alias, subquery, output columns)
        for child, fk in self._children_of(catalog):
            col = fk.columns[0]
            alias = re.sub(r"[^a-z]", "", child.name)[:3] + str(len(aggs))
            outs = [f"{child.name}_count"]
            sel = [f"count(*) AS {child.name}_count"]
            used = {o for _, _, os_ in aggs for o in os_}
            score = next((c for c in ("rating", "score") if child.column(c) is not None), None)
            if score is not None and "avg_rating" not in used:
                sel.append(f"round(avg({score}), 2) AS avg_rating")
                outs.append("avg_rating")
            if child.column("quantity") is not None and child.attrs.get("design", {}).get("kind") == "line":
                sel.append(f"sum(quantity) AS {child.name}_quantity")
                outs.append(f"{child.name}_quantity")
            if child.column("stock_quantity") is not None:
                sel.append("sum(stock_quantity) AS stock_quantity")
                outs.append("stock_quantity")
            sub = f"SELECT {col}, " + ", ".join(sel) + f" FROM public.{child.name} GROUP BY {col}"
            aggs.append((alias, f"LEFT JOIN ({sub}) {alias} ON {alias}.{col} = {t.name}.id", outs))
        if not aggs:
            return
        base_cols = [
            c for c in ("id", "sku", "name", "title", "base_price", "price") if t.column(c) is not None
        ]
        select = [f"{t.name}.{c}" for c in base_cols]
        out_cols = list(base_cols)
        for alias, _, outs in aggs:
            for o in outs:
                if o in out_cols:
                    continue
                expr = f"coalesce({alias}.{o}, 0)" if not o.startswith("avg") else f"{alias}.{o}"
                select.append(f"{expr} AS {o}")
                out_cols.append(o)
        where = []
        if t.column("deleted_at") is not None:
            where.append(f"{t.name}.deleted_at IS NULL")
        body = (
            " SELECT "
            + ",\n    ".join(select)
            + f"\n   FROM public.{t.name}\n     "
            + "\n     ".join(a[1] for a in aggs)
            + (("\n  WHERE " + " AND ".join(where)) if where else "")
            + ";"
        )
        name = ident(singular(t.name), "catalog")
        view = View(
            name=name,
            definition=body,
            materialized=True,
            columns=out_cols,
            depends_on=[f"public.{t.name}"] + [f"public.{c.name}" for c, _ in self._children_of(catalog)],
            comment=f"Catalog aggregates per {singular(t.name)}; refresh with REFRESH MATERIALIZED VIEW "
            f"CONCURRENTLY {name}",
        )
        view.indexes.append(
            Index(
                name=ident("idx", name, "id"),
                columns=["id"],
                unique=True,
                reason="unique key required by REFRESH MATERIALIZED VIEW CONCURRENTLY",
            )
        )
        view.attrs["refresh"] = f"REFRESH MATERIALIZED VIEW CONCURRENTLY public.{name}"
        self.schema.views.append(view)

    def _rollups(self) -> None:
        for e in self.ents.values():
            if e.kind != "timeseries":
                continue
            t = self._t(e)
            tc = e.time_column if t.column(e.time_column) else "created_at"
            fk = next((fk.columns[0] for fk in t.foreign_keys), None)
            keys = ([fk] if fk else []) + (["metric_name"] if t.column("metric_name") else [])
            sel = [*keys, f"date_trunc('hour', {tc}) AS bucket", "count(*) AS samples"]
            if t.column("value") is not None:
                sel += ["avg(value) AS avg_value", "min(value) AS min_value", "max(value) AS max_value"]
            group = ", ".join([*keys, f"date_trunc('hour', {tc})"])
            name = ident(t.name, "hourly")
            body = " SELECT " + ",\n    ".join(sel) + f"\n   FROM public.{t.name}\n  GROUP BY {group};"
            cols = [*keys, "bucket", "samples"] + (
                ["avg_value", "min_value", "max_value"] if t.column("value") else []
            )
            v = View(
                name=name,
                definition=body,
                materialized=True,
                columns=cols,
                depends_on=[f"public.{t.name}"],
                comment=f"Hourly rollup of {t.name}; refresh concurrently on a schedule",
            )
            v.indexes.append(
                Index(
                    name=ident("idx", name, "key"),
                    columns=[*keys, "bucket"],
                    unique=True,
                    reason="unique key required by REFRESH MATERIALIZED VIEW CONCURRENTLY",
                )
            )
            v.attrs["refresh"] = f"REFRESH MATERIALIZED VIEW CONCURRENTLY public.{name}"
            v.attrs["provenance"] = "inferred" if "time_series" in self.req.features else "assumed"
            self.schema.views.append(v)

    def _event_read_model(self) -> None:
        ev = next((e for e in self.ents.values() if e.arch and e.arch.id == "event_store"), None)
        if ev is None:
            return
        t = self._t(ev)
        name = "aggregate_summaries"
        body = (
            " SELECT aggregate_type,\n    aggregate_id,\n    count(*) AS event_count,\n"
            "    max(event_version) AS current_version,\n    min(created_at) AS first_event_at,\n"
            "    max(created_at) AS last_event_at\n"
            f"   FROM public.{t.name}\n  GROUP BY aggregate_type, aggregate_id;"
        )
        v = View(
            name=name,
            definition=body,
            materialized=True,
            columns=[
                "aggregate_type",
                "aggregate_id",
                "event_count",
                "current_version",
                "first_event_at",
                "last_event_at",
            ],
            depends_on=[f"public.{t.name}"],
            comment="Read model: one row per aggregate, rebuilt from the event log",
        )
        v.indexes.append(
            Index(
                name=ident("idx", name, "key"),
                columns=["aggregate_type", "aggregate_id"],
                unique=True,
                reason="unique key required by REFRESH MATERIALIZED VIEW CONCURRENTLY",
            )
        )
        v.attrs["refresh"] = f"REFRESH MATERIALIZED VIEW CONCURRENTLY public.{name}"
        self.schema.views.append(v)
