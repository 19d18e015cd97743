"""Plan stage 7 — hardening: the updated_at trigger, append-only triggers, partitions with their
maintenance functions, comments on every table and column, and table order."""

from __future__ import annotations

import datetime as _dt

from aishell.design import kb
from aishell.design.plan.base import (
    UPDATED_AT_FUNCTION,
    ident,
)
from aishell.design.words import plural, singular
from aishell.model import (
    Column,
    Function,
    Index,
    Table,
    Trigger,
)


class HardenStage:
    # -- triggers, views ---------------------------------------------------------------------------------
    def _triggers(self) -> None:
        tables = [t for t in self.schema.tables if t.column("updated_at") is not None and not t.partition_of]
        if tables:
            self.schema.functions.append(
                Function(
                    name=UPDATED_AT_FUNCTION,
                    kind="function",
                    returns="trigger",
                    language="plpgsql",
                    volatility="VOLATILE",
                    definition=(
                        f"CREATE OR REPLACE FUNCTION public.{UPDATED_AT_FUNCTION}()\n RETURNS trigger\n LANGUAGE plpgsql\n"
                        "AS $function$\nBEGIN\n    NEW.updated_at := now();\n    RETURN NEW;\nEND;\n$function$\n"
                    ),
                    comment="Keeps updated_at current on every UPDATE",
                    attrs={"provenance": "convention"},
                )
            )
        for t in tables:
            name = ident("trg", t.name, "updated_at")
            t.triggers.append(
                Trigger(
                    name=name,
                    timing="BEFORE",
                    events=["UPDATE"],
                    function=f"public.{UPDATED_AT_FUNCTION}",
                    definition=(
                        f"CREATE TRIGGER {name} BEFORE UPDATE ON public.{t.name} "
                        f"FOR EACH ROW EXECUTE FUNCTION public.{UPDATED_AT_FUNCTION}()"
                    ),
                    comment="Sets updated_at on every update",
                    attrs={"provenance": "convention"},
                )
            )
        immutable = [
            t
            for t in self.schema.tables
            if (
                self.ents.get(t.attrs.get("design", {}).get("entity") or "")
                and (
                    "immutable" in self.ents[t.attrs["design"]["entity"]].flags
                    or self.ents[t.attrs["design"]["entity"]].stated_append_only
                )
            )
        ]
        if immutable:
            fname = "forbid_mutation"
            self.schema.functions.append(
                Function(
                    name=fname,
                    returns="trigger",
                    language="plpgsql",
                    volatility="VOLATILE",
                    definition=(
                        f"CREATE OR REPLACE FUNCTION public.{fname}()\n RETURNS trigger\n LANGUAGE plpgsql\nAS $function$\n"
                        "BEGIN\n    RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP\n"
                        "        USING ERRCODE = 'restrict_violation';\nEND;\n$function$\n"
                    ),
                    comment="Rejects UPDATE and DELETE on append-only tables",
                    attrs={"provenance": "inferred"},
                )
            )
            for t in immutable:
                ent = self.ents[t.attrs["design"]["entity"]]
                name = ident("trg", t.name, "append_only")
                t.triggers.append(
                    Trigger(
                        name=name,
                        timing="BEFORE",
                        events=["UPDATE", "DELETE"],
                        function=f"public.{fname}",
                        definition=(
                            f"CREATE TRIGGER {name} BEFORE DELETE OR UPDATE ON public.{t.name} "
                            f"FOR EACH ROW EXECUTE FUNCTION public.{fname}()"
                        ),
                        comment="Rows are never changed or deleted (append-only)",
                        attrs={"provenance": "stated" if ent.stated_append_only else "assumed"},
                    )
                )

    # -- partitioning -------------------------------------------------------------------------------------
    def _partition(self) -> None:
        wanted = self.advice.get("partition", {})  # entity -> reason
        if not wanted:
            return
        today = self.opt.today or _dt.date.today()
        for ename in list(wanted):
            if ename not in self.ents:
                continue
            name = self.ents[ename].table
            t = self.schema.table(name)
            if t is None or t.partition_of:
                continue
            e = self.ents.get(t.attrs.get("design", {}).get("entity") or "")
            tc = e.time_column if e and t.column(e.time_column) else "created_at"
            col = t.column(tc)
            assert col is not None
            col.nullable = False
            t.partition_by = f"RANGE ({tc})"
            if t.primary_key == ["id"]:
                t.primary_key = ["id", tc]
                for idx in t.indexes:
                    if idx.constraint == t.primary_key_name:
                        idx.columns = ["id", tc]
            # unique constraints on a partitioned table must contain the partition key
            for u in t.unique:
                if tc not in u.columns:
                    u.columns = [*u.columns, tc]
                    u.attrs["note"] = f"unique per {tc}: PostgreSQL requires the partition key in unique keys"
                    for idx in t.indexes:
                        if idx.constraint == u.name:
                            idx.columns = list(u.columns)
            t.attrs["design"]["partitioned"] = {"key": tc, "interval": "month", "reason": wanted[ename]}
            # referencing tables carry the partition key too (composite foreign key)
            for other in self.schema.tables:
                for fk in other.foreign_keys:
                    if fk.ref_table != t.name or fk.columns == ["id"] and other.name == t.name:
                        continue
                    if len(fk.columns) != 1:
                        continue
                    base = fk.columns[0].removesuffix("_id")
                    extra = ident(base, tc)
                    src_col = other.column(fk.columns[0])
                    if other.column(extra) is None and src_col is not None:
                        pos = other.columns.index(src_col) + 1
                        other.columns.insert(
                            pos,
                            Column(
                                extra,
                                "TIMESTAMPTZ",
                                nullable=src_col.nullable,
                                comment=f"Partition key of the referenced {singular(t.name)}",
                            ),
                        )
                    old = list(fk.columns)
                    fk.columns = [fk.columns[0], extra]
                    fk.ref_columns = ["id", tc]
                    if fk.on_delete == "SET NULL":
                        fk.attrs["note"] = "SET NULL clears both key columns"
                    for idx in other.indexes:
                        if idx.columns[:1] == old and idx.constraint is None:
                            idx.columns = [fk.columns[0], extra] + idx.columns[1:]
                    for u in other.unique:
                        if u.columns[:1] == old and extra not in u.columns:
                            pass
                    if other.primary_key[:1] == old and extra not in other.primary_key:
                        # composite-PK junctions referencing the partitioned table: keep the key, add an index
                        if not any(
                            i.columns[:2] == fk.columns and i.constraint is None for i in other.indexes
                        ):
                            other.indexes.append(
                                Index(
                                    name=ident("idx", other.name, *fk.columns),
                                    columns=list(fk.columns),
                                    reason=f"foreign key to {t.name}",
                                )
                            )
            # partitions: this month and the next ones, plus a DEFAULT catch-all
            first = today.replace(day=1)
            for k in range(self.opt.partition_months + 1):
                start = _add_months(first, k)
                end = _add_months(first, k + 1)
                p = Table(
                    name=ident(t.name, f"p{start:%Y_%m}"),
                    partition_of=f"public.{t.name}",
                    partition_bound=f"FOR VALUES FROM ('{start:%Y-%m-%d} 00:00:00+00') TO ('{end:%Y-%m-%d} 00:00:00+00')",
                    comment=f"{t.name} for {start:%B %Y}",
                )
                p.attrs["design"] = {"kind": "partition", "parent": t.name}
                self.schema.tables.append(p)
            d = Table(
                name=ident(t.name, "default"),
                partition_of=f"public.{t.name}",
                partition_bound="DEFAULT",
                comment=f"{t.name} outside the created monthly partitions",
            )
            d.attrs["design"] = {"kind": "partition", "parent": t.name}
            self.schema.tables.append(d)
            self._partition_functions(t, tc)

    def _partition_functions(self, t: Table, tc: str) -> None:
        fname = ident("create", t.name, "partitions")
        self.schema.functions.append(
            Function(
                name=fname,
                arguments="months_ahead integer DEFAULT 3",
                identity_args="months_ahead integer",
                returns="integer",
                language="plpgsql",
                volatility="VOLATILE",
                definition=(
                    f"CREATE OR REPLACE FUNCTION public.{fname}(months_ahead integer DEFAULT 3)\n RETURNS integer\n"
                    " LANGUAGE plpgsql\nAS $function$\nDECLARE\n    m date;\n    created integer := 0;\n    part text;\n"
                    "BEGIN\n    FOR i IN 0..months_ahead LOOP\n"
                    "        m := (date_trunc('month', now()) + make_interval(months => i))::date;\n"
                    f"        part := format('{t.name}_p%s', to_char(m, 'YYYY_MM'));\n"
                    "        IF to_regclass('public.' || part) IS NULL THEN\n"
                    f"            EXECUTE format('CREATE TABLE public.%I PARTITION OF public.{t.name} "
                    "FOR VALUES FROM (%L) TO (%L)',\n"
                    "                           part, m::timestamptz, (m + interval '1 month')::timestamptz);\n"
                    "            created := created + 1;\n        END IF;\n    END LOOP;\n    RETURN created;\n"
                    "END;\n$function$\n"
                ),
                comment=f"Creates the monthly partitions of {t.name} that do not exist yet (run monthly)",
            )
        )
        dname = ident("drop_old", t.name, "partitions")
        self.schema.functions.append(
            Function(
                name=dname,
                arguments="keep interval DEFAULT '1 year'::interval",
                identity_args="keep interval",
                returns="integer",
                language="plpgsql",
                volatility="VOLATILE",
                definition=(
                    f"CREATE OR REPLACE FUNCTION public.{dname}(keep interval DEFAULT '1 year'::interval)\n"
                    " RETURNS integer\n LANGUAGE plpgsql\nAS $function$\nDECLARE\n    r record;\n    upper_bound timestamptz;\n"
                    "    dropped integer := 0;\nBEGIN\n    FOR r IN\n"
                    "        SELECT c.oid::regclass AS part, pg_get_expr(c.relpartbound, c.oid) AS bound\n"
                    "          FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid\n"
                    f"         WHERE i.inhparent = 'public.{t.name}'::regclass\n    LOOP\n"
                    "        CONTINUE WHEN r.bound = 'DEFAULT';\n"
                    "        upper_bound := substring(r.bound FROM 'TO \\(''([^'']+)''\\)')::timestamptz;\n"
                    "        IF upper_bound <= now() - keep THEN\n"
                    f"            EXECUTE format('ALTER TABLE public.{t.name} DETACH PARTITION %s', r.part);\n"
                    "            EXECUTE format('DROP TABLE %s', r.part);\n            dropped := dropped + 1;\n"
                    "        END IF;\n    END LOOP;\n    RETURN dropped;\nEND;\n$function$\n"
                ),
                comment=f"Retention: drops monthly partitions of {t.name} older than keep",
            )
        )

    # -- comments, order -----------------------------------------------------------------------------------
    def _comments(self) -> None:
        for e in self.ents.values():
            t = self._t(e)
            if t.comment:
                continue
            title = e.table.replace("_", " ")
            tmpl = e.arch.get("comment") if e.arch else None
            owner = self.ents.get(e.entity.owner or "") or next(
                (
                    self.ents[r.target]
                    for r in self.req.relationships
                    if r.source == e.name
                    and r.kind in ("many_to_one", "one_to_one")
                    and r.target in self.ents
                ),
                None,
            )
            if tmpl:
                parent = singular(owner.table).replace("_", " ") if owner else "owner"
                text = (
                    tmpl.replace("{Title}", title.capitalize())
                    .replace("{plural}", title)
                    .replace("{parent_plural}", plural(parent.replace(" ", "_")).replace("_", " "))
                    .replace("{parent}", parent)
                )
                t.comment = text
            else:
                t.comment = f"{title.capitalize()}" + (
                    f' (from: "{e.entity.evidence}")' if e.entity.evidence else ""
                )
            if e.kind in ("timeseries",) and t.partition_by:
                t.comment += "; partitioned by month"
        for t in self.schema.tables:
            for c in t.columns:
                if c.comment:
                    continue
                if c.name == "id":
                    c.comment = "Primary key"
                elif c.name == "created_at":
                    c.comment = "When the row was created"
                elif c.name == "updated_at":
                    c.comment = "When the row was last changed (set by trigger)"
                elif c.name.endswith("_id"):
                    fk = next((f for f in t.foreign_keys if c.name in f.columns), None)
                    if fk is not None:
                        c.comment = f"References {fk.ref_table}"
                elif c.type in self.enums:
                    c.comment = f"One of: {', '.join(self.enums[c.type].values)}"
                else:
                    c.comment = _describe_column(c.name, c.type, singular(t.name))

    def _order_tables(self) -> None:
        # parents before partitions; otherwise keep the model order
        parents = [t for t in self.schema.tables if not t.partition_of]
        parts = [t for t in self.schema.tables if t.partition_of]
        ordered: list[Table] = []
        for t in parents:
            ordered.append(t)
            ordered += [p for p in parts if p.partition_of == f"public.{t.name}"]
        self.schema.tables = ordered


def _describe_column(name: str, type_: str, row: str) -> str:
    """A plain-English comment for a column from its name and type (documentation, not magic)."""
    rule = kb.attribute_rule(name) or {}
    if rule.get("comment"):
        return rule["comment"]
    words = name.replace("_", " ")
    row_words = row.replace("_", " ")
    if type_.upper() == "BOOLEAN":
        subject = words.removeprefix("is ")
        return f"Whether the {row_words} is {subject}" if name.startswith("is_") else f"Whether {words}"
    if name.endswith("_at"):
        return (
            f"When the {row_words} was {words[:-3]}"
            if not words.startswith(("last ", "next "))
            else f"{words[:-3].capitalize()} time"
        )
    if name.endswith(("_date", "_on")):
        return f"{words.rsplit(' ', 1)[0].capitalize()} date"
    if " " not in words:
        return f"{words[:1].upper() + words[1:]} of the {row_words}"
    return words[:1].upper() + words[1:]


def _add_months(d: _dt.date, n: int) -> _dt.date:
    y, m = divmod(d.month - 1 + n, 12)
    return _dt.date(d.year + y, m + 1, 1)


class PruneStage:
    """``--no-assumptions``: the design without anything marked assumed, and without what depended on it."""

    def _prune_assumed(self) -> None:
        import re

        def assumed(obj: object) -> bool:
            return getattr(obj, "attrs", {}).get("provenance") == "assumed"

        gone_tables = {t.name for t in self.schema.tables if assumed(t)}
        gone_tables |= {
            t.name
            for t in self.schema.tables
            if t.partition_of and t.partition_of.removeprefix("public.") in gone_tables
        }
        self.schema.tables = [t for t in self.schema.tables if t.name not in gone_tables]
        removed: list[str] = sorted(gone_tables)
        for t in self.schema.tables:
            drop_cols: set[str] = set()
            keep_fks = []
            for fk in t.foreign_keys:
                if fk.ref_table in gone_tables or assumed(fk):
                    others = {c for f in t.foreign_keys if f is not fk for c in f.columns}
                    drop_cols |= {c for c in fk.columns if c not in others and c not in t.primary_key}
                    removed.append(f"{t.name}.{fk.name}")
                else:
                    keep_fks.append(fk)
            t.foreign_keys = keep_fks
            drop_cols |= {c.name for c in t.columns if assumed(c) and c.name not in t.primary_key}
            for c in t.columns:
                enum = self.enums.get(c.type)
                if enum is not None and assumed(enum) and c.name not in drop_cols:
                    c.type, c.default = "TEXT", None  # the values were a guess: the column stays, untyped
            if drop_cols:
                removed += [f"{t.name}.{c}" for c in sorted(drop_cols)]
                t.columns = [c for c in t.columns if c.name not in drop_cols]

            def uses(text: str | None, cols: set[str] = drop_cols) -> bool:
                return bool(text) and any(re.search(rf"\b{re.escape(c)}\b", text) for c in cols)

            t.checks = [c for c in t.checks if not assumed(c) and not uses(c.expression)]
            t.unique = [u for u in t.unique if not assumed(u) and not set(u.columns) & drop_cols]
            t.exclusions = [x for x in t.exclusions if not assumed(x) and not set(x.columns) & drop_cols]
            t.indexes = [
                i
                for i in t.indexes
                if not assumed(i)
                and not set(i.columns) & drop_cols
                and not any(uses(c) for c in i.columns)
                and not uses(i.where)
                and (
                    i.constraint is None or i.constraint in {u.name for u in t.unique} | {t.primary_key_name}
                )
            ]
            t.triggers = [tr for tr in t.triggers if not assumed(tr)]
            for fk in t.foreign_keys:  # a key the pruned unique constraint used to lead
                if not t.partition_of and not self._has_leading(t, fk.columns):
                    self._add_index(
                        t,
                        list(fk.columns),
                        f"foreign key to {fk.ref_table}: joins, lookups and ON DELETE checks",
                        provenance="convention",
                    )
        self.schema.views = [
            v
            for v in self.schema.views
            if v.attrs.get("provenance") in ("stated", "inferred")
            and not any(d.removeprefix("public.") in gone_tables for d in v.depends_on)
        ]
        used_types = {c.type for t in self.schema.tables for c in t.columns}
        self.schema.enums = [en for en in self.schema.enums if en.name in used_types]
        self.enums = {en.name: en for en in self.schema.enums}
        used_functions = {
            tr.function.removeprefix("public.") for t in self.schema.tables for tr in t.triggers
        }
        self.schema.functions = [
            f for f in self.schema.functions if f.returns != "trigger" or f.name in used_functions
        ]
        self.schema.attrs.setdefault("design", {})["left_out"] = removed
