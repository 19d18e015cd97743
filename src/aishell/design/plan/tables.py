"""Plan stage 2 — tables: one table per entity with its columns (stated attributes, and archetype columns
where the text says nothing), enum types, checks, unique keys and timestamps."""

from __future__ import annotations

import re

from aishell.design import kb
from aishell.design.plan.base import (
    APPEND_ONLY_FLAGS,
    _base,
    _check_label,
    _Ent,
    ident,
)
from aishell.design.words import plural, singular
from aishell.model import (
    CheckConstraint,
    Column,
    EnumType,
    Table,
    UniqueConstraint,
)


class TableStage:
    # -- tables ---------------------------------------------------------------------------------------
    def _enum(self, table_singular: str, column: str, values: list[str]) -> str:
        name = ident(table_singular, column)
        existing = self.enums.get(name)
        if existing is None:
            self.enums[name] = EnumType(
                name=name,
                values=list(dict.fromkeys(values)),
                comment=f"Allowed values of {plural(table_singular)}.{column}",
            )
        return name

    def _column_from_spec(self, e: _Ent, spec: kb.ColumnSpec, table: Table) -> None:
        name = spec.name
        rule = kb.attribute_rule(name) or {}
        if rule.get("expand") and not spec.type:
            for sub in rule["expand"]:
                self._column_from_spec(
                    e, kb.ColumnSpec(name=sub, not_null=spec.not_null, source=spec.source), table
                )
            return
        if rule.get("column") and not spec.type and spec.source == "text":
            name = rule["column"]
        if rule.get("suffix_column") and not spec.type:
            name = name + rule["suffix_column"]
        if table.column(name) is not None or name in ("id",):
            return
        col_type = spec.type or rule.get("type")
        enum_values = spec.enum or rule.get("enum_values")
        default = spec.default
        if (rule.get("enum") and not spec.type) or spec.enum or enum_values:
            if not enum_values:
                kind = (
                    e.kind
                    if e.kind in ("transaction", "booking", "content", "task", "actor", "application")
                    else ("task" if e.arch and e.arch.id == "task" else "generic")
                )
                if e.arch and e.arch.id == "application":
                    kind = "application"
                status_col = next(
                    (
                        c
                        for c in (e.arch.columns_for(e.entity.noun) if e.arch else [])
                        if c.name == name and c.enum
                    ),
                    None,
                )
                enum_values = (
                    status_col.enum
                    if status_col
                    else (
                        kb.status_defaults(kind)
                        if name.endswith("status") or name in ("state", "stage", "phase")
                        else ["standard", "other"]
                    )
                )
            col_type = self._enum(singular(e.table), name, enum_values)
            if default is None and (
                spec.not_null
                or rule.get("default")
                or spec.source != "text"
                or name.endswith("status")
                or name in ("state", "stage", "phase")
            ):
                default = rule.get("default") or f"'{enum_values[0]}'"
            not_null = True
        else:
            not_null = spec.not_null or bool(rule.get("not_null"))
        if col_type is None:
            col_type = kb._load("attributes.json")["default"]["type"]
        if default is None and rule.get("default") is not None and not spec.type:
            default = rule["default"]
        if (
            default is None
            and rule.get("default") is not None
            and spec.type
            and rule.get("type") == spec.type
        ):
            default = rule["default"]
        if name == "currency" and "multi_currency" not in self.req.features and default is None:
            default = "'USD'"
        col = Column(
            name=name, type=col_type, nullable=not not_null, default=default, comment=rule.get("comment")
        )
        table.columns.append(col)
        foreign = kb._load("attributes.json").get("foreign_identifiers", {})
        if (
            rule.get("unique")
            and spec.source == "text"
            and name in foreign.get("names", ())
            and e.kind in foreign.get("event_kinds", ())
        ):
            rule = {k: v for k, v in rule.items() if k != "unique"}  # "a reservation has a plate number"
        if spec.unique or (rule.get("unique") and spec.source == "text" and not spec.type):
            if spec.unique or spec.source == "text":
                table.unique.append(UniqueConstraint(name=ident(table.name, name, "key"), columns=[name]))
        check = spec.check or rule.get("check")
        if check and (
            spec.type is None or rule.get("type") is None or _base(spec.type) == _base(rule.get("type"))
        ):
            expr = check.replace("{col}", name)
            table.checks.append(CheckConstraint(name=ident(table.name, name, "check"), expression=expr))

    def _table(self, e: _Ent) -> None:
        t = Table(name=e.table)
        t.attrs["design"] = {
            "entity": e.name,
            "archetype": e.arch.id if e.arch else None,
            "kind": e.kind,
            "provenance": e.entity.provenance,
        }
        pk_cols = e.arch.get("primary_key") if e.arch else None
        if not pk_cols:
            if e.key_type == "UUID":
                t.columns.append(Column("id", "UUID", nullable=False, default="gen_random_uuid()"))
            else:
                t.columns.append(Column("id", e.key_type, nullable=False, identity="always"))
            t.primary_key = ["id"]
        t.primary_key_name = ident(e.table, "pkey")
        specs: list[kb.ColumnSpec] = []
        if e.arch:
            # noun-specific columns (a job's salary) only when the entity is that noun, not "maintenance job"
            last = e.entity.name.rsplit("_", 1)[-1]
            exact = (
                e.entity.name == e.entity.noun
                or "_" not in e.entity.name
                or last in kb.lexicon()["instance_heads"]
                or e.entity.noun == e.entity.name.replace(" ", "_")
            )
            specs += e.arch.columns_for(e.entity.noun if exact else "")
            fits = e.arch.get("columns_if") or {}
            if fits:
                words = set(re.findall(r"[a-z]+", self.req.text.lower()))
                specs = [
                    s
                    for s in specs
                    if s.name not in fits or any(w in words or plural(w) in words for w in fits[s.name])
                ]
            if e.kind == "line" and "no_quantity" in e.flags:
                specs = [s for s in specs if s.name not in ("quantity", "unit_price", "line_total")]
        elif e.kind == "actor":
            person = kb.archetypes()["person"]
            specs += person.columns_for(e.entity.noun)
        text_attrs = [
            kb.ColumnSpec(
                name=a.name,
                type=a.type,
                not_null=a.not_null,
                unique=a.unique,
                enum=a.enum,
                default=a.default,
                source="text",
            )
            for a in e.entity.attributes
        ]
        if not e.arch and not text_attrs and e.kind != "actor":
            specs.append(kb.ColumnSpec(name="name", type="VARCHAR(255)", not_null=True))
            specs.append(kb.ColumnSpec(name="description", type="TEXT"))
        elif (
            not e.arch
            and e.kind != "actor"
            and not any(a.name in ("name", "title") for a in e.entity.attributes)
        ):
            if not any(
                kb.attribute_rule(a.name) and kb.attribute_rule(a.name).get("type") == "VARCHAR(255)"
                for a in e.entity.attributes
            ):
                specs.append(kb.ColumnSpec(name="name", type="VARCHAR(255)", not_null=True))
        # text attributes override archetype columns of the same name (the user's words win)
        names = {s.name for s in text_attrs}
        specs = [s for s in specs if s.name not in names]
        # ... and so do they over archetype columns that mean the same ("start time" and starts_at,
        # "pickup location" and origin): one column, the stated name, the archetype's type and checks
        renamed: dict[str, str] = {}
        for ta in text_attrs:
            twins = [s for s in specs if kb.same_meaning(ta.name, s.name)]
            for twin in twins:
                specs.remove(twin)
                renamed[twin.name] = ta.name
                twin_rule = kb.attribute_rule(twin.name) or {}
                if ta.type is None and not ta.enum and not (kb.attribute_rule(ta.name) or {}).get("enum"):
                    ta.type = twin.type or twin_rule.get("type")
                    if ta.check is None and twin.check is None and twin_rule.get("check"):
                        ta.check = twin_rule["check"]
                    elif ta.check is None and twin.check:
                        ta.check = twin.check
                if ta.type is None and not ta.enum and twin.enum:
                    ta.enum, ta.default = list(twin.enum), ta.default or twin.default
                ta.not_null = ta.not_null or twin.not_null
                ta.unique = ta.unique or twin.unique
        if renamed:
            t.attrs["design"]["renamed"] = dict(renamed)
            if e.time_column in renamed:
                e.time_column = renamed[e.time_column]
        specs = specs + text_attrs
        for s in specs:
            if pk_cols or s.name != "id":
                self._column_from_spec(e, s, t)
        if pk_cols:
            t.primary_key = list(pk_cols)
            for c in t.columns:
                if c.name in pk_cols:
                    c.nullable = False
        # checks that span columns, when all their columns exist
        for chk in (e.arch.checks if e.arch else []) + (
            e.arch.checks_by_noun.get(e.entity.noun, []) if e.arch else []
        ):
            cols = set(re.findall(r"[a-z_][a-z0-9_]*", chk)) - {
                "is",
                "null",
                "or",
                "and",
                "not",
                "in",
                "between",
            }
            if renamed and cols & set(renamed):
                chk = re.sub(
                    r"\b(" + "|".join(map(re.escape, renamed)) + r")\b", lambda m: renamed[m.group(1)], chk
                )
                cols = {renamed.get(c, c) for c in cols}
            if all(t.column(c) is not None for c in cols):
                cname = ident(e.table, _check_label(chk), "check")
                if not any(c.name == cname for c in t.checks):
                    t.checks.append(CheckConstraint(name=cname, expression=chk))
        for cols in e.arch.unique if e.arch else []:
            cols = [renamed.get(c, c) for c in cols]
            if all(t.column(c) for c in cols):
                t.unique.append(UniqueConstraint(name=ident(e.table, *cols, "key"), columns=list(cols)))
        # timestamps
        append_only = bool(e.flags & APPEND_ONLY_FLAGS) or e.kind in ("timeseries", "event")
        t.columns.append(Column("created_at", "TIMESTAMPTZ", nullable=False, default="now()"))
        if not append_only and e.kind not in ("snapshot",) or e.kind == "snapshot":
            t.columns.append(Column("updated_at", "TIMESTAMPTZ", nullable=False, default="now()"))
        soft = (
            "soft_delete" in e.flags
            or (
                "soft_delete" in self.req.features
                and e.kind in ("actor", "org", "thing", "content", "task", "transaction", "booking")
            )
        ) and not append_only
        if soft:
            t.columns.append(
                Column("deleted_at", "TIMESTAMPTZ", comment="Soft delete: set when deleted; NULL means live")
            )
        t.attrs["design"]["append_only"] = append_only
        t.attrs["design"]["soft_delete"] = soft
        self.schema.tables.append(t)

    def _t(self, e: _Ent | str) -> Table:
        name = e.table if isinstance(e, _Ent) else self.ents[e].table
        t = self.schema.table(name)
        assert t is not None
        return t
