"""Plan stage 2 — tables: one table per entity with its columns (stated attributes, and archetype columns
where the text says nothing), enum types, checks, unique keys and timestamps."""

from __future__ import annotations

import re

from aishell.design import kb
from aishell.design.intent import Attribute
from aishell.design.plan.base import (
    APPEND_ONLY_FLAGS,
    _base,
    _check_label,
    _Ent,
    ident,
)
from aishell.design.plan.types import LOGICAL_CHECKS, default_sql, literal, pg_type
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
        """One column from an archetype's spec or a stated attribute, typed, with its checks and keys.

        A stated attribute keeps its name (only ``password`` becomes ``password_hash``) and its values
        verbatim; its type comes from the intent, else from the attribute rules by name."""
        stated = spec.source == "text"
        prov = spec.provenance
        name = spec.name
        rule = kb.attribute_rule(name) or {}
        if rule.get("expand") and not spec.type and not stated:
            for sub in rule["expand"]:
                self._column_from_spec(
                    e, kb.ColumnSpec(name=sub, not_null=spec.not_null, source=spec.source), table
                )
            return
        if rule.get("column") and not spec.type and (not stated or rule["column"] == "password_hash"):
            name = rule["column"]
        if rule.get("suffix_column") and not spec.type and not stated:
            name = name + rule["suffix_column"]
        if table.column(name) is not None or name in ("id",):
            return
        col_type, logical = pg_type(spec.type) if spec.type else (None, None)
        if spec.type and col_type is None and not spec.enum:
            self.problems.append(
                f"{table.name}.{name}: the type {spec.type!r} is not one aishell knows; typed from its name"
            )
        if stated and col_type is None and rule.get("expand"):
            col_type = "TEXT"  # "a location" said as such stays one column
        enum_values = spec.enum or (rule.get("enum_values") if not col_type else None)
        values_prov = prov if spec.enum else "assumed"
        default = (
            default_sql(spec.default, col_type or "TEXT", spec.enum)
            if stated and spec.default
            else spec.default
        )
        if stated and spec.default and default is None:
            self.problems.append(f"{table.name}.{name}: the default {spec.default!r} does not fit; left out")
        wants_enum = bool(spec.enum) or (not col_type and (rule.get("enum") or enum_values))
        statusish = name.endswith("status") or name in ("state", "stage", "phase")
        if wants_enum:
            if not enum_values:
                kind = (
                    e.kind
                    if e.kind in ("transaction", "booking", "content", "task", "actor", "application")
                    else ("task" if e.arch and e.arch.id == "task" else "generic")
                )
                if e.arch and e.arch.id == "application":
                    kind = "application"
                arch_specs = e.arch.columns_for(e.entity.noun) if e.arch else []
                status_col = next((c for c in arch_specs if c.name == name and c.enum), None)
                enum_values = (
                    status_col.enum
                    if status_col
                    else (kb.status_defaults(kind) if statusish else ["standard", "other"])
                )
            col_type = self._enum(singular(e.table), name, enum_values)
            self.enums[col_type].attrs["provenance"] = values_prov
            if default is None and not stated and (spec.not_null or rule.get("default") or statusish):
                default = rule.get("default") or literal(enum_values[0])
            elif default is None and stated and statusish:
                default = literal(enum_values[0])  # a status starts somewhere: the first value given
            if default is not None and default_sql(default, col_type, enum_values) is None:
                default = None  # a knowledge-base default that is not one of the stated values
            not_null = spec.not_null or default is not None
        else:
            not_null = spec.not_null or (bool(rule.get("not_null")) and not stated)
        if col_type is None:
            col_type = rule.get("type") or kb._load("attributes.json")["default"]["type"]
        numeric = ("SMALLINT", "INTEGER", "BIGINT", "NUMERIC", "REAL", "DOUBLE PRECISION")
        if spec.bounds and _base(col_type) not in numeric:
            if spec.type is None and not wants_enum:
                # "a level from 1 to 20": bounds say it is a number, whatever the name suggests
                whole = all(float(v).is_integer() for v in spec.bounds.values())
                col_type, default = ("INTEGER" if whole else "NUMERIC"), None
            else:
                self.problems.append(f"{table.name}.{name}: bounds on a {col_type} column were not used")
                spec = kb.ColumnSpec(**{**vars(spec), "bounds": None})
        if default is None and rule.get("default") is not None and not spec.type and not wants_enum:
            default = rule["default"]
            not_null = not_null or bool(rule.get("not_null"))
        if (
            name == "currency"
            and "multi_currency" not in self.req.features
            and default is None
            and not stated
        ):
            default = "'USD'"
        col = Column(
            name=name,
            type=col_type,
            nullable=not not_null,
            default=default,
            comment=spec.description or rule.get("comment"),
            attrs={"provenance": prov},
        )
        if stated and spec.description is None and rule.get("comment") and spec.type:
            col.comment = None  # the rule's comment describes its own type
        table.columns.append(col)
        foreign = kb._load("attributes.json").get("foreign_identifiers", {})
        if (
            rule.get("unique")
            and stated
            and name in foreign.get("names", ())
            and e.kind in foreign.get("event_kinds", ())
        ):
            rule = {k: v for k, v in rule.items() if k != "unique"}  # "a reservation has a plate number"
        if spec.unique or (rule.get("unique") and stated and not spec.type):
            table.unique.append(
                UniqueConstraint(
                    name=ident(table.name, name, "key"),
                    columns=[name],
                    attrs={"provenance": prov if spec.unique else "inferred"},
                )
            )
        logical_check = LOGICAL_CHECKS.get(logical or "")
        # a knowledge-base check is written for the kb's type: an enum of the user's words takes none
        # ("size (A4, A3, letter)" is no number, so "size >= 0" would not load)
        check = spec.check or (None if wants_enum else logical_check or rule.get("check"))
        if (
            check
            and (
                spec.type is None
                or logical_check is not None
                or rule.get("type") is None
                or _base(col_type) == _base(rule.get("type"))
            )
            and not (spec.bounds and check.startswith("{col} >=") and "min" not in check)
        ):
            expr = check.replace("{col}", name)
            table.checks.append(
                CheckConstraint(
                    name=ident(table.name, name, "check"),
                    expression=expr,
                    attrs={"provenance": "inferred" if stated else prov},
                )
            )
        if spec.bounds:
            parts = []
            for key, op in (("min", ">="), ("exclusive_min", ">"), ("max", "<="), ("exclusive_max", "<")):
                if spec.bounds.get(key) is not None:
                    parts.append(f"{name} {op} {_num(spec.bounds[key])}")
            if parts:
                table.checks = [c for c in table.checks if c.name != ident(table.name, name, "check")]
                table.checks.append(
                    CheckConstraint(
                        name=ident(table.name, name, "check"),
                        expression=" AND ".join(parts),
                        attrs={"provenance": prov},
                    )
                )

    def _attribute_spec(self, a: Attribute) -> kb.ColumnSpec:
        """A stated attribute as a column spec (typed later by ``_column_from_spec``)."""
        bounds = {
            k: v
            for k, v in (
                ("min", a.min),
                ("max", a.max),
                ("exclusive_min", a.exclusive_min),
                ("exclusive_max", a.exclusive_max),
            )
            if v is not None
        }
        return kb.ColumnSpec(
            name=a.name,
            type=a.type,
            not_null=a.not_null,
            unique=a.unique,
            enum=a.enum,
            default=a.default,
            source="text",
            provenance=a.provenance,
            description=a.description,
            bounds=bounds or None,
        )

    def _table(self, e: _Ent) -> None:
        t = Table(name=e.table)
        t.attrs["design"] = {
            "entity": e.name,
            "archetype": e.arch.id if e.arch else None,
            "kind": e.kind,
            "provenance": e.entity.provenance,
        }
        t.attrs["provenance"] = e.entity.provenance
        if e.entity.evidence and e.entity.evidence != "language model":
            t.attrs["evidence"] = e.entity.evidence
        pk_cols = e.arch.get("primary_key") if e.arch else None
        if not pk_cols:
            if e.key_type == "UUID":
                t.columns.append(
                    Column(
                        "id",
                        "UUID",
                        nullable=False,
                        default="gen_random_uuid()",
                        attrs={"provenance": "convention"},
                    )
                )
            else:
                t.columns.append(
                    Column(
                        "id",
                        e.key_type,
                        nullable=False,
                        identity="always",
                        attrs={"provenance": "convention"},
                    )
                )
            t.primary_key = ["id"]
        t.primary_key_name = ident(e.table, "pkey")
        # what the knowledge base would give this entity; used in full only when the text says nothing
        arch_specs: list[kb.ColumnSpec] = []
        if e.arch:
            # noun-specific columns (a job's salary) only when the entity is that noun, not "maintenance job"
            last = e.entity.name.rsplit("_", 1)[-1]
            exact = (
                e.entity.name == e.entity.noun
                or "_" not in e.entity.name
                or last in kb.lexicon()["instance_heads"]
                or e.entity.noun == e.entity.name.replace(" ", "_")
            )
            arch_specs += e.arch.columns_for(e.entity.noun if exact else "")
            fits = e.arch.get("columns_if") or {}
            if fits:
                low = self.req.text.lower()
                words = set(re.findall(r"[a-z]+", low))
                # a column the archetype keeps only when the text speaks of what it is for: a login's
                # password only when someone logs in ("log in", "password", "users")
                arch_specs = [
                    s for s in arch_specs if s.name not in fits or any(_said(w, low, words) for w in fits[s.name])
                ]
            if e.kind == "line" and "no_quantity" in e.flags:
                arch_specs = [s for s in arch_specs if s.name not in ("quantity", "unit_price", "line_total")]
        elif e.kind == "actor":
            person = kb.archetypes()["person"]
            arch_specs += person.columns_for(e.entity.noun)
        text_attrs = [
            self._attribute_spec(a)
            for a in e.entity.attributes
            if a.provenance != "assumed" or self.opt.assumptions
        ]
        specified = bool(e.entity.stated_attributes)
        specs: list[kb.ColumnSpec] = [] if specified else list(arch_specs)
        if not specified and self._complete_intent():
            # a model's answer that gives an entity no attributes: the knowledge base does not fill it;
            # a name is the one thing assumed (not for a link or a line, which are their references)
            specs = (
                []
                if e.kind in ("line", "junction_entity")
                else [kb.ColumnSpec(name="name", type="VARCHAR(255)")]
            )
        elif not e.arch and not text_attrs and e.kind not in ("actor", "line", "junction_entity"):
            specs.append(kb.ColumnSpec(name="name", type="VARCHAR(255)", not_null=True))
        # stated attributes take what the knowledge base knows about a column of the same meaning ("start
        # time" and starts_at, "pickup location" and origin): the stated name, the archetype's type, NOT
        # NULL and checks; the archetype's other columns are used only when the text names none
        renamed: dict[str, str] = {}
        for ta in text_attrs:
            twins = [s for s in arch_specs if s.name == ta.name or kb.same_meaning(ta.name, s.name)]
            for twin in twins:
                if twin in specs:
                    specs.remove(twin)
                if twin.name != ta.name:
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
                    ta.provenance = "assumed" if ta.provenance == "stated" else ta.provenance
                    ta.enum_assumed = True  # type: ignore[attr-defined]
                ta.not_null = ta.not_null or twin.not_null
                ta.unique = ta.unique or twin.unique
        if renamed:
            t.attrs["design"]["renamed"] = dict(renamed)
            if e.time_column in renamed:
                e.time_column = renamed[e.time_column]
        for s in specs + text_attrs:
            if pk_cols or s.name != "id":
                if getattr(s, "enum_assumed", False):
                    s.provenance = "stated"
                    self._column_from_spec(e, s, t)
                    col = t.columns[-1]
                    if col.type in self.enums:
                        self.enums[col.type].attrs["provenance"] = "assumed"
                    continue
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
                    provs = {t.column(c).attrs.get("provenance") for c in cols}
                    t.checks.append(
                        CheckConstraint(
                            name=cname,
                            expression=chk,
                            attrs={"provenance": "assumed" if "assumed" in provs else "inferred"},
                        )
                    )
        for cols in e.arch.unique if e.arch else []:
            cols = [renamed.get(c, c) for c in cols]
            if all(t.column(c) for c in cols):
                provs = {t.column(c).attrs.get("provenance") for c in cols}
                t.unique.append(
                    UniqueConstraint(
                        name=ident(e.table, *cols, "key"),
                        columns=list(cols),
                        attrs={"provenance": "assumed" if "assumed" in provs or specified else "inferred"},
                    )
                )
        # timestamps
        stated_append_only = bool(e.entity.append_only) or any(
            r.kind == "append_only" for r in self.req.rules_for(e.name)
        )
        append_only = stated_append_only or (
            (bool(e.flags & APPEND_ONLY_FLAGS) or e.kind in ("timeseries", "event"))
            and e.entity.append_only is not False
        )
        e.append_only = append_only
        e.stated_append_only = stated_append_only
        t.columns.append(
            Column(
                "created_at",
                "TIMESTAMPTZ",
                nullable=False,
                default="now()",
                attrs={"provenance": "convention"},
            )
        )
        if not append_only and e.kind not in ("snapshot",) or e.kind == "snapshot":
            t.columns.append(
                Column(
                    "updated_at",
                    "TIMESTAMPTZ",
                    nullable=False,
                    default="now()",
                    attrs={"provenance": "convention"},
                )
            )
        soft_feature = "soft_delete" in self.req.features and e.kind in (
            "actor",
            "org",
            "thing",
            "content",
            "task",
            "transaction",
            "booking",
        )
        soft = (
            bool(e.entity.soft_delete)
            or (e.entity.soft_delete is None and (soft_feature or "soft_delete" in e.flags and not specified))
        ) and not append_only
        if soft:
            t.columns.append(
                Column(
                    "deleted_at",
                    "TIMESTAMPTZ",
                    comment="Soft delete: set when deleted; NULL means live",
                    attrs={
                        "provenance": "stated"
                        if e.entity.soft_delete
                        else ("inferred" if soft_feature else "assumed")
                    },
                )
            )
        t.attrs["design"]["append_only"] = append_only
        t.attrs["design"]["soft_delete"] = soft
        self.schema.tables.append(t)

    def _t(self, e: _Ent | str) -> Table:
        name = e.table if isinstance(e, _Ent) else self.ents[e].table
        t = self.schema.table(name)
        assert t is not None
        return t


_NEGATION = re.compile(
    r"\b(?:no|not|never|don'?t|doesn'?t|dont|doesnt|do not|does not|won'?t|will not|cannot|can'?t|cant|without)"
    r"(?:\s+\w+){0,2}\s*$"
)


def _said(word: str, low: str, words: set[str]) -> bool:
    """Whether the text speaks of ``word`` other than to deny it: "members log in" does, "members don't
    log in" and "no logins" do not."""
    if " " not in word and word not in words and plural(word) not in words:
        return False
    for m in re.finditer(rf"\b{re.escape(word)}(?:s|es)?\b", low.replace("’", "'")):
        if not _NEGATION.search(low[max(0, m.start() - 40) : m.start()]):
            return True
    return False


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(float(v))
