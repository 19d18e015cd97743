"""Requirements → schema model: tables, keys, constraints, indexes, triggers, views, RLS, partitions.

Everything the design needs is expressed in the model (``aishell.model``), so the generator, the differ
and the documentation see exactly what the review shows. Decisions are recorded where a reader can see
them: ``Index.reason``, ``ForeignKey.attrs['reason']`` (why this ON DELETE), ``Table.attrs['design']``.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from typing import Any

from aishell.design import kb
from aishell.design.parser import plural, singular
from aishell.design.requirements import Entity, Relationship, Requirements
from aishell.model import (
    CheckConstraint,
    Column,
    EnumType,
    Extension,
    ForeignKey,
    Function,
    Index,
    Policy,
    Schema,
    Table,
    Trigger,
    UniqueConstraint,
    View,
)

PG_NAME_MAX = 63
SMALL_KINDS = {"classifier", "tag"}
APPEND_ONLY_FLAGS = {"append_only"}
UPDATED_AT_FUNCTION = "set_updated_at"


def ident(*parts: str) -> str:
    """A PostgreSQL identifier from parts, shortened to 63 bytes the way a person would (keep the ends)."""
    name = "_".join(p for p in parts if p)
    name = re.sub(r"[^a-z0-9_]+", "_", name.lower()).strip("_")
    if len(name) <= PG_NAME_MAX:
        return name
    import hashlib

    digest = hashlib.sha1(name.encode()).hexdigest()[:6]
    return name[: PG_NAME_MAX - 7] + "_" + digest


@dataclass
class PlanOptions:
    key_type: str = "bigint"  # bigint | uuid
    partition_months: int = 3  # partitions created ahead, besides the DEFAULT one
    today: _dt.date | None = None
    timescaledb: bool = False


@dataclass
class _Ent:
    """Planner-side entity: the parsed entity plus everything decided about it."""

    entity: Entity
    arch: kb.Archetype | None
    table: str
    flags: set[str] = field(default_factory=set)
    kind: str = "thing"
    fks: list[dict[str, Any]] = field(default_factory=list)
    key_type: str = "BIGINT"
    partition_key: str | None = None
    time_column: str = "created_at"

    @property
    def name(self) -> str:
        return self.entity.name


class Planner:
    def __init__(self, req: Requirements, options: PlanOptions | None = None, advice: dict | None = None):
        self.req = req
        self.opt = options or PlanOptions()
        self.advice = advice or {}
        self.ents: dict[str, _Ent] = {}
        self.schema = Schema(name=req.domain or None)
        self.enums: dict[str, EnumType] = {}
        self.notes: list[str] = []

    # ------------------------------------------------------------------------------------------------
    def plan(self) -> Schema:
        self._prepare_entities()
        self._feature_entities()
        self._children()
        self._implied_relationships()
        self._name_tables()
        self._key_types()
        for e in self.ents.values():
            self._table(e)
        self._junctions()
        self._self_refs()
        self._foreign_keys()
        self._multi_tenant()
        self._indexes()
        self._triggers()
        self._views()
        self._partition()
        self._comments()
        self.schema.enums = list(self.enums.values())
        self._order_tables()
        return self.schema

    # -- entities ------------------------------------------------------------------------------------
    def _arch(self, e: Entity) -> kb.Archetype | None:
        return kb.archetypes().get(e.archetype) if e.archetype else None

    def _prepare_entities(self) -> None:
        for e in self.req.entities.values():
            arch = self._arch(e)
            if (
                arch is not None
                and arch.id == "account"
                and e.noun == "account"
                and any(
                    r.source == e.name
                    and r.kind == "many_to_one"
                    and r.target in self.req.entities
                    and (self._arch(self.req.entities[r.target]) or arch).kind == "actor"
                    for r in self.req.relationships
                )
            ):
                # "customers open accounts": an account owned by a person holds something, it is not a login
                e.archetype = "wallet"
                arch = kb.archetypes()["wallet"]
            pe = _Ent(entity=e, arch=arch, table=e.table)
            pe.kind = arch.kind if arch else self._guess_kind(e)
            pe.flags = arch.flags_for(e.noun) if arch else set()
            if arch and arch.get("time_column"):
                pe.time_column = arch.get("time_column")
            self.ents[e.name] = pe

    def _guess_kind(self, e: Entity) -> str:
        """An entity the knowledge base does not know: a person if the word names one, else a thing."""
        return "actor" if kb.names_person(e.name) else "thing"

    def _add_entity(
        self,
        name: str,
        archetype: str | None,
        *,
        owner: str | None = None,
        origin: str = "knowledge base",
        table: str | None = None,
    ) -> _Ent:
        if name in self.ents:
            return self.ents[name]
        e = Entity(
            name=name,
            table=table or plural(name),
            noun=name.rsplit("_", 1)[-1] if archetype is None else name,
            archetype=archetype,
            origin=origin,
            owner=owner,
        )
        arch = kb.archetypes().get(archetype) if archetype else None
        if arch is not None and kb.archetype_for(e.noun) is None:
            e.noun = arch.nouns[0]
        self.req.entities[name] = e
        pe = _Ent(entity=e, arch=arch, table=e.table)
        pe.kind = arch.kind if arch else "thing"
        pe.flags = arch.flags_for(e.noun) if arch else set()
        if arch and arch.get("time_column"):
            pe.time_column = arch.get("time_column")
        self.ents[name] = pe
        return pe

    def _find(self, selector: str | list[str], exclude: str | None = None) -> _Ent | None:
        """Resolve an archetype reference: '@actor', '@subject', '@catalog', an archetype id or a noun."""
        sels = selector if isinstance(selector, list) else [selector]
        for sel in sels:
            found = self._find_one(sel, exclude)
            if found is not None:
                return found
        return None

    def _find_one(self, sel: str, exclude: str | None) -> _Ent | None:
        cands = [e for e in self.ents.values() if e.name != exclude]
        text_first = sorted(cands, key=lambda e: (e.entity.origin != "text", self._position(e)))
        if sel == "@actor":
            if exclude is not None:
                # the person already linked to this entity's neighbours (orders → tickets → attendees)
                neighbours = {r.target for r in self.req.relationships if r.source == exclude} | {
                    r.source for r in self.req.relationships if r.target == exclude
                }
                for r in self.req.relationships:
                    for a, b in ((r.source, r.target), (r.target, r.source)):
                        if (
                            a in neighbours
                            and b != exclude
                            and b in self.ents
                            and self.ents[b].kind == "actor"
                        ):
                            return self.ents[b]
            for arch_id in ("account",):
                for e in text_first:
                    if e.arch and e.arch.id == arch_id:
                        return e
            return next((e for e in text_first if e.kind == "actor"), None)
        if sel == "@org":
            return next(
                (e for e in text_first if e.kind == "org" and e.arch and e.arch.id == "organization"), None
            ) or next((e for e in text_first if e.kind == "org"), None)
        if sel == "@catalog":
            return (
                next((e for e in text_first if "catalog" in e.flags), None)
                or next((e for e in text_first if e.arch and e.arch.id == "product"), None)
                or next((e for e in text_first if e.kind == "thing"), None)
            )
        if sel == "@variant":
            return next((e for e in text_first if e.arch and e.arch.id == "variant"), None)
        if sel == "@transaction":
            return next((e for e in text_first if e.kind in ("transaction", "booking")), None)
        if sel == "@subject":
            return (
                next((e for e in text_first if "catalog" in e.flags), None)
                or next(
                    (e for e in text_first if e.kind == "content" and e.arch and e.arch.id == "content"), None
                )
                or next((e for e in text_first if e.kind == "thing"), None)
                or next((e for e in text_first if e.kind in ("booking", "transaction")), None)
            )
        if sel == "@container":
            return None
        for e in text_first:
            if (e.arch and e.arch.id == sel) or e.entity.noun == sel or e.name == sel:
                return e
        return None

    def _position(self, e: _Ent) -> int:
        pos = self.req.text.lower().find(e.entity.name.replace("_", " "))
        if pos < 0:
            pos = self.req.text.lower().find(e.entity.noun.replace("_", " "))
        return pos if pos >= 0 else 10**6

    def _feature_entities(self) -> None:
        f = self.req.features
        if "audit_trail" in f and not any(e.arch and e.arch.id == "audit_log" for e in self.ents.values()):
            self._add_entity("audit_log", "audit_log", table="audit_logs")
        if "multi_language" in f:
            for e in list(self.ents.values()):
                if "catalog" in e.flags or ("searchable" in e.flags and e.kind in ("thing",)):
                    pe = self._add_entity(
                        f"{e.name}_translation", "translation", owner=e.name, table=f"{e.name}_translations"
                    )
                    self.req.relationships.append(
                        Relationship(
                            "many_to_one",
                            pe.name,
                            e.name,
                            required=True,
                            on_delete="CASCADE",
                            origin="knowledge base",
                            evidence="multiple languages",
                        )
                    )
                    break
        if "multi_currency" in f:
            for e in list(self.ents.values()):
                if "catalog" in e.flags:
                    target = self._find("@variant") or e
                    pe = self._add_entity(
                        f"{target.name}_price", "price", owner=target.name, table=f"{target.name}_prices"
                    )
                    self.req.relationships.append(
                        Relationship(
                            "many_to_one",
                            pe.name,
                            target.name,
                            required=True,
                            on_delete="CASCADE",
                            origin="knowledge base",
                            evidence="multiple currencies",
                        )
                    )
                    break
        if "multi_tenant" in f and self._find("@org") is None:
            self._add_entity("tenant", "organization", table="tenants")
        if "event_sourcing" in f:
            if not any(e.arch and e.arch.id == "event_store" for e in self.ents.values()):
                for e in list(self.ents.values()):
                    if e.name in ("event", "events"):
                        self._retype(e, "event_store")
                        break
                else:
                    self._add_entity("event", "event_store", table="events")
            if not any(e.arch and e.arch.id == "snapshot" for e in self.ents.values()):
                self._add_entity("snapshot", "snapshot", table="snapshots")

    def _retype(self, e: _Ent, archetype: str) -> None:
        arch = kb.archetypes()[archetype]
        e.arch = arch
        e.entity.archetype = archetype
        e.entity.noun = arch.nouns[0]
        e.kind = arch.kind
        e.flags = arch.flags_for(e.entity.noun)

    def _children(self) -> None:
        """Containers get their line items: carts → cart_items, wishlists → wishlist_items."""
        for e in list(self.ents.values()):
            if not e.arch:
                continue
            for child in e.arch.children:
                mentioned = child.get("when_mentioned")
                if mentioned:
                    continue  # orders get items only when the text names them
                if any(
                    r.target == e.name and self.ents.get(r.source) and self.ents[r.source].kind == "line"
                    for r in self.req.relationships
                ):
                    continue
                catalog = self._find("@catalog")
                if catalog is None:
                    continue
                name = f"{e.name}_item"
                pe = self._add_entity(name, child["archetype"], owner=e.name, table=f"{e.name}_items")
                if child.get("no_quantity"):
                    pe.flags.add("no_quantity")
                self.req.relationships.append(
                    Relationship(
                        "many_to_one",
                        name,
                        e.name,
                        required=True,
                        on_delete="CASCADE",
                        origin="knowledge base",
                        evidence=f"{e.table} hold items",
                    )
                )

    def _linked(self, a: str, b: str) -> bool:
        return any({r.source, r.target} == {a, b} for r in self.req.relationships)

    def _implied_relationships(self) -> None:
        """References the knowledge base expects (a payment belongs to an order) that the text left out."""
        for e in list(self.ents.values()):
            if not e.arch:
                continue
            refs = list(e.arch.refs)
            if e.kind == "line":
                refs = [{"to": ["@variant", "@catalog"], "required": True, "on_delete": "RESTRICT"}]
                if "no_quantity" in e.flags:
                    refs = [{"to": ["@catalog"], "required": True, "on_delete": "CASCADE"}]
            for ref in refs:
                target = self._find(ref["to"], exclude=e.name)
                if target is None or target.name == e.name:
                    continue
                sel = ref["to"] if isinstance(ref["to"], list) else [ref["to"]]
                role = ref.get("role")
                stated = {
                    r.target
                    for r in self.req.relationships
                    if r.source == e.name and r.kind in ("many_to_one", "one_to_one") and r.origin == "text"
                }
                if "@subject" in sel and role is None and len(stated) >= 2 and e.arch.get("stated_subject"):
                    # "patients review doctors": the author and what is reviewed are both said
                    continue
                if role is None:
                    # an explicit link to the target, or to an entity of the same sort ('@actor': any person),
                    # already says it
                    if self._linked(e.name, target.name):
                        continue

                    def same_sort(other: str, sel: list[str] = sel) -> bool:
                        o = self.ents.get(other)
                        if o is None:
                            return False
                        for s_ in sel:
                            if s_ == "@actor" and o.kind == "actor" or s_ == "@org" and o.kind == "org":
                                return True
                            if s_ == "@subject" and o.kind in ("thing", "content", "booking", "transaction"):
                                return True
                            if s_ == "@catalog" and ("catalog" in o.flags or o.kind == "thing"):
                                return True
                            if s_ == "@variant" and o.arch is not None and o.arch.id == "variant":
                                return True
                        return False

                    if any(s_.startswith("@") for s_ in sel) and any(
                        r.source == e.name
                        and r.kind in ("many_to_one", "one_to_one")
                        and same_sort(r.target)
                        or r.kind == "many_to_many"
                        and e.name in (r.source, r.target)
                        and same_sort(r.target if r.source == e.name else r.source)
                        for r in self.req.relationships
                    ):
                        continue
                else:
                    if any(r.source == e.name and r.role == role for r in self.req.relationships):
                        continue
                kind = "one_to_one" if ref.get("unique") else "many_to_one"
                self.req.relationships.append(
                    Relationship(
                        kind,
                        e.name,
                        target.name,
                        role=role,
                        required=ref.get("required"),
                        on_delete=ref.get("on_delete"),
                        origin="knowledge base",
                        evidence=f"{e.entity.table} usually reference {target.table}",
                    )
                )

    def _owner(self, e: _Ent) -> _Ent | None:
        if e.entity.owner and e.entity.owner in self.ents:
            return self.ents[e.entity.owner]
        for r in self.req.relationships:
            if (
                r.source == e.name
                and r.kind in ("many_to_one", "one_to_one")
                and r.target in self.ents
                and r.role is None
            ):
                return self.ents[r.target]
        return None

    def _merge_entity(self, name: str, into: str) -> None:
        """Two words for one table ("event store" and "domain events"): keep one entity."""
        self.ents.pop(name, None)
        self.req.entities.pop(name, None)
        kept = []
        for r in self.req.relationships:
            r.source = into if r.source == name else r.source
            r.target = into if r.target == name else r.target
            if r.source == r.target and r.kind in ("many_to_one", "one_to_one", "many_to_many"):
                continue
            kept.append(r)
        self.req.relationships = kept
        for s in self.req.scale:
            if s.entity == name:
                s.entity = into

    def _name_tables(self) -> None:
        used: set[str] = set()
        fixed: dict[str, str] = {}
        for e in list(self.ents.values()):
            tmpl = e.arch.table if e.arch else None
            if tmpl and e.arch is not None and e.entity.name in e.arch.get("keep_name_nouns", []):
                e.arch = kb.Archetype(**{**vars(e.arch), "table": None})  # the user's word names the table
                continue
            if tmpl and "{parent}" not in tmpl and e.entity.name not in e.arch.nouns:
                e.arch = kb.Archetype(**{**vars(e.arch), "table": None})  # "fuel logs": the user's compound
                continue
            if tmpl and "{parent}" not in tmpl:
                if tmpl in fixed:
                    self._merge_entity(e.name, fixed[tmpl])
                else:
                    fixed[tmpl] = e.name
        for e in list(self.ents.values()):
            # "menu items" and "a menu of items": the item named after its owner is that entity already
            tmpl = e.arch.table if e.arch else None
            owner = self._owner(e) if tmpl and "{parent}" in tmpl else None
            twin = self.ents.get(f"{owner.name}_{e.entity.name}") if owner is not None else None
            if twin is not None and twin.name != e.name:
                for a in e.entity.attributes:
                    if twin.entity.attribute(a.name) is None:
                        twin.entity.attributes.append(a)
                self._merge_entity(e.name, twin.name)
        for e in self.ents.values():
            table = e.entity.table
            tmpl = e.arch.table if e.arch else None
            if tmpl and "{parent}" in tmpl:
                owner = self._owner(e)
                if e.kind == "line" and owner is not None and owner.kind in ("actor", "org"):
                    # "sellers list items": things of their own, not lines of a container
                    self._retype(e, "product")
                    e.flags.discard("catalog")
                    owner = None
                    e.entity.owner = None
                    used.add(e.table)
                    continue
                if owner is not None and not e.entity.name.startswith(owner.name + "_"):
                    table = tmpl.replace("{parent}", owner.name)
                elif owner is not None:
                    table = plural(e.entity.name)
                e.entity.owner = owner.name if owner else None
            elif tmpl:
                table = tmpl
            base, n = table, 2
            while table in used:
                table = f"{base}_{n}"
                n += 1
            used.add(table)
            e.table = table
            e.entity.table = table

    def _key_types(self) -> None:
        small = set(self.advice.get("integer_keys", []))
        for e in self.ents.values():
            if self.opt.key_type == "uuid":
                e.key_type = "UUID"
            elif e.name in small or (
                "small_key" in e.flags and e.name not in self.advice.get("bigint_keys", [])
            ):
                e.key_type = "INTEGER"
            else:
                e.key_type = "BIGINT"

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
            "origin": e.entity.origin,
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

    # -- relationships → columns ------------------------------------------------------------------------
    def _fk_column_name(self, src: _Ent, tgt: _Ent, role: str | None, table: Table) -> str:
        base = role or singular(tgt.table)
        base = base.removesuffix("_id")
        name = f"{base}_id"
        if table.column(name) is not None:
            name = f"{base}_{tgt.entity.name}_id" if role else f"related_{base}_id"
        return name

    def _on_delete(self, src: _Ent, tgt: _Ent, rel: Relationship, required: bool) -> tuple[str, str]:
        if rel.on_delete:
            reason = {
                "CASCADE": f"{src.table} rows belong to their {singular(tgt.table)} and go with it",
                "RESTRICT": f"keeps {src.table} history: a {singular(tgt.table)} with {src.table} cannot be deleted",
                "SET NULL": f"the {singular(tgt.table)} is optional for {src.table}",
            }.get(rel.on_delete, "")
            return rel.on_delete, reason
        if not required:
            return (
                "SET NULL",
                f"the {singular(tgt.table)} is optional; {src.table} rows stay when it is deleted",
            )
        if src.kind in ("dependent", "line", "profile", "translation", "junction_entity") or (
            src.entity.owner == tgt.name
        ):
            return "CASCADE", f"{src.table} are part of their {singular(tgt.table)}"
        if src.kind in ("transaction", "movement", "booking", "log", "timeseries") or tgt.kind in (
            "classifier",
        ):
            return (
                "RESTRICT",
                f"{src.table} are records to keep: deleting a referenced {singular(tgt.table)} is refused",
            )
        if src.kind in ("content",) and tgt.kind in ("content", "thing"):
            return "CASCADE", f"{src.table} about a {singular(tgt.table)} go with it"
        return (
            "RESTRICT",
            f"a {singular(tgt.table)} still referenced by {src.table} cannot be deleted by accident",
        )

    def _foreign_keys(self) -> None:
        seen: set[tuple[str, str, str | None]] = set()
        for rel in self.req.relationships:
            if rel.kind not in ("many_to_one", "one_to_one"):
                continue
            src, tgt = self.ents.get(rel.source), self.ents.get(rel.target)
            if src is None or tgt is None or src.name == tgt.name:
                continue
            key = (src.name, tgt.name, rel.role)
            if key in seen:
                continue
            seen.add(key)
            table = self._t(src)
            col = self._fk_column_name(src, tgt, rel.role, table)
            if rel.required is None:
                required = rel.origin != "knowledge base" or True
                # optional when the text or knowledge base says so; an item of a container is always required
                required = not (rel.role in ("shipping_address", "billing_address"))
                if tgt.kind in ("classifier",) and src.kind not in ("dependent",):
                    required = False
                if rel.role is not None and rel.role in ("assignee", "manager", "parent"):
                    required = False
            else:
                required = rel.required
            on_delete, reason = self._on_delete(src, tgt, rel, required)
            if on_delete == "SET NULL":
                required = False
            # put the FK column right after the key columns
            pos = len(table.primary_key) if table.primary_key == ["id"] else 0
            while pos < len(table.columns) and table.columns[pos].name.endswith("_id"):
                pos += 1
            table.columns.insert(
                pos,
                Column(
                    col,
                    tgt.key_type,
                    nullable=not required,
                    comment=f"The {singular(tgt.table)} this row belongs to" if required else None,
                ),
            )
            fk = ForeignKey(
                name=ident(table.name, col, "fkey"),
                columns=[col],
                ref_table=tgt.table,
                ref_columns=["id"],
                on_delete=on_delete,
                attrs={"reason": reason, "relationship": rel.kind, "origin": rel.origin},
            )
            table.foreign_keys.append(fk)
            if rel.kind == "one_to_one":
                table.unique.append(UniqueConstraint(name=ident(table.name, col, "key"), columns=[col]))
            src.fks.append(
                {"column": col, "target": tgt.name, "required": required, "event": bool(rel.event)}
            )
        self._break_required_cycles()
        # unique pairs: one review per user per product, one application per job per person
        for e in self.ents.values():
            if e.arch and e.arch.get("unique_refs") and len(e.fks) >= 2:
                cols = [f["column"] for f in e.fks[:2]]
                event = next((f for f in e.fks if f.get("event")), None) or next(
                    (
                        f
                        for f in e.fks
                        if self.ents.get(f["target"]) is not None
                        and self.ents[f["target"]].kind in ("booking", "transaction")
                    ),
                    None,
                )
                about_thing = any(
                    f is not event
                    and self.ents.get(f["target"]) is not None
                    and (self.ents[f["target"]].kind == "thing" or "catalog" in self.ents[f["target"]].flags)
                    for f in e.fks
                )
                if e.arch.get("unique_per_event") and event is not None and not about_thing:
                    # "riders rate drivers after each trip": one rating per rider and trip
                    cols = [e.fks[0]["column"], event["column"]]
                t = self._t(e)
                if not any(u.columns == cols for u in t.unique):
                    t.unique.append(
                        UniqueConstraint(
                            name=ident(t.name, *cols, "key"),
                            columns=cols,
                            attrs={
                                "reason": f"one {singular(t.name)} per " + " and ".join(c[:-3] for c in cols)
                            },
                        )
                    )
            if e.arch and e.arch.get("unique_with_parent") and e.fks:
                cols = [e.fks[0]["column"], *e.arch.get("unique_with_parent")]
                t = self._t(e)
                if all(t.column(c) for c in cols) and not any(u.columns == cols for u in t.unique):
                    t.unique.append(UniqueConstraint(name=ident(t.name, *cols, "key"), columns=cols))
            if e.arch and e.arch.get("composite_pk") and len(e.fks) >= 2:
                t = self._t(e)
                cols = [f["column"] for f in e.fks[:2]]
                t.columns = [c for c in t.columns if c.name != "id"]
                t.primary_key = cols
                for c in t.columns:
                    if c.name in cols:
                        c.nullable = False

    def _break_required_cycles(self) -> None:
        """A ring of NOT NULL foreign keys (a -> b -> ... -> a) admits no first row: the reference
        added last (the knowledge base's before the text's) becomes optional."""
        while True:
            edges: dict[str, list[tuple[Table, ForeignKey]]] = {}
            for t in self.schema.tables:
                for fk in t.foreign_keys:
                    if fk.ref_table == t.name or len(fk.columns) != 1:
                        continue
                    c = t.column(fk.columns[0])
                    if c is not None and not c.nullable:
                        edges.setdefault(t.name, []).append((t, fk))
            cycle = _find_cycle(edges)
            if not cycle:
                return
            t, fk = max(
                enumerate(cycle), key=lambda x: (x[1][1].attrs.get("origin") == "knowledge base", x[0])
            )[1]
            col = t.column(fk.columns[0])
            col.nullable = True
            col.comment = None
            if fk.on_delete in ("CASCADE", "RESTRICT", None):
                fk.on_delete = "SET NULL"
            fk.attrs["reason"] = (
                "optional: a required reference here would close a ring of required references"
            )
            ent = next((e for e in self.ents.values() if e.table == t.name), None)
            for f in ent.fks if ent else []:
                if f["column"] == fk.columns[0]:
                    f["required"] = False

    def _junction_name(self, a: _Ent, b: _Ent, via: str | None) -> str:
        if via:
            return via
        return f"{a.entity.name}_{b.table}"

    def _junctions(self) -> None:
        done: set[str] = set()
        for rel in self.req.relationships:
            if rel.kind != "many_to_many":
                continue
            a, b = self.ents.get(rel.source), self.ents.get(rel.target)
            if a is None or b is None:
                continue
            name = self._junction_name(a, b, rel.via)
            if self.schema.table(name) is not None or name in done:
                if name in done:
                    continue
                name = f"{a.entity.name}_{b.table}"
                if self.schema.table(name) is not None:
                    continue
            done.add(name)
            rel.via = name
            t = Table(name=name, primary_key_name=ident(name, "pkey"))
            t.attrs["design"] = {
                "entity": None,
                "kind": "junction",
                "origin": rel.origin,
                "append_only": False,
            }
            if a.name == b.name:
                cols_roles = _self_junction_columns(a.entity.name, rel.role)
                ca, cb = cols_roles
            else:
                ca, cb = f"{a.entity.name}_id", f"{b.entity.name}_id"
            for col, ent in ((ca, a), (cb, b)):
                t.columns.append(Column(col, ent.key_type, nullable=False))
                t.foreign_keys.append(
                    ForeignKey(
                        name=ident(name, col, "fkey"),
                        columns=[col],
                        ref_table=ent.table,
                        ref_columns=["id"],
                        on_delete="CASCADE",
                        attrs={
                            "reason": f"a link row means nothing without its {singular(ent.table)}",
                            "relationship": "many_to_many",
                            "origin": rel.origin,
                        },
                    )
                )
            t.columns.append(Column("created_at", "TIMESTAMPTZ", nullable=False, default="now()"))
            t.primary_key = [ca, cb]
            if a.name == b.name:
                t.checks.append(
                    CheckConstraint(name=ident(name, "no_self", "check"), expression=f"{ca} <> {cb}")
                )
            t.comment = (
                f"Links {a.table} and {b.table} (many-to-many)"
                if a.name != b.name
                else f"{a.table.capitalize()} linked to other {a.table} ({rel.role or 'related'})"
            )
            self.schema.tables.append(t)

    def _self_refs(self) -> None:
        for rel in self.req.relationships:
            if rel.kind != "self":
                continue
            e = self.ents.get(rel.source)
            if e is None:
                continue
            t = self._t(e)
            col = f"{rel.role or 'parent'}_{singular(t.name)}_id"
            if t.column(col) is not None or any(fk.ref_table == t.name for fk in t.foreign_keys):
                continue
            on_delete = (e.arch.get("self_ref_on_delete") if e.arch else None) or (
                "CASCADE" if e.kind in ("content", "task") else "SET NULL"
            )
            pos = 1 if t.primary_key == ["id"] else 0
            t.columns.insert(
                pos,
                Column(
                    col,
                    e.key_type,
                    nullable=True,
                    comment=f"Parent {singular(t.name)} (NULL for a top-level one)",
                ),
            )
            t.foreign_keys.append(
                ForeignKey(
                    name=ident(t.name, col, "fkey"),
                    columns=[col],
                    ref_table=t.name,
                    ref_columns=["id"],
                    on_delete=on_delete,
                    attrs={
                        "reason": "children go with their parent"
                        if on_delete == "CASCADE"
                        else "children become top-level when their parent is deleted",
                        "relationship": "self",
                        "origin": rel.origin,
                    },
                )
            )
            t.checks.append(
                CheckConstraint(name=ident(t.name, col, "not_self", "check"), expression=f"{col} <> id")
            )
        for e in self.ents.values():
            if "self_ref" in e.flags and e.arch and e.arch.id == "category":
                t = self._t(e)
                pcol = f"parent_{singular(t.name)}_id"
                if t.column(pcol) is None and not any(fk.ref_table == t.name for fk in t.foreign_keys):
                    self.req.relationships.append(
                        Relationship(
                            "self",
                            e.name,
                            e.name,
                            role="parent",
                            origin="knowledge base",
                            evidence=f"{t.name} form a tree",
                        )
                    )
                    t.columns.insert(
                        1,
                        Column(
                            pcol,
                            e.key_type,
                            nullable=True,
                            comment=f"Parent {singular(t.name)} (NULL for a top-level one)",
                        ),
                    )
                    t.foreign_keys.append(
                        ForeignKey(
                            name=ident(t.name, pcol, "fkey"),
                            columns=[pcol],
                            ref_table=t.name,
                            ref_columns=["id"],
                            on_delete="SET NULL",
                            attrs={
                                "reason": "sub-categories become top-level when their parent is deleted",
                                "relationship": "self",
                                "origin": "knowledge base",
                            },
                        )
                    )
                    t.checks.append(
                        CheckConstraint(
                            name=ident(t.name, pcol, "not_self", "check"), expression=f"{pcol} <> id"
                        )
                    )

    def _multi_tenant(self) -> None:
        if "multi_tenant" not in self.req.features:
            return
        tenant = self._find("@org")
        if tenant is None:
            return
        tt = self._t(tenant)
        col = f"{tenant.entity.name}_id"
        setting = f"app.current_{tenant.entity.name}_id"
        cast = tenant.key_type.lower()
        self.schema.attrs.setdefault("design", {})["tenant"] = {
            "table": tt.name,
            "column": col,
            "setting": setting,
        }
        for t in self.schema.tables:
            if t.name == tt.name or t.partition_of:
                continue
            kind = t.attrs.get("design", {}).get("kind")
            if kind in ("classifier", "tag") and t.attrs["design"].get("archetype") in ("role",):
                continue
            if t.column(col) is None:
                pos = 1 if t.primary_key == ["id"] else 0
                t.columns.insert(
                    pos,
                    Column(
                        col,
                        tenant.key_type,
                        nullable=False,
                        comment=f"Owning {tenant.entity.name} (row-level security key)",
                    ),
                )
                t.foreign_keys.append(
                    ForeignKey(
                        name=ident(t.name, col, "fkey"),
                        columns=[col],
                        ref_table=tt.name,
                        ref_columns=["id"],
                        on_delete="CASCADE",
                        attrs={
                            "reason": f"a {tenant.entity.name}'s data goes with it",
                            "relationship": "many_to_one",
                            "origin": "multi-tenant",
                        },
                    )
                )
                self.req.relationships.append(
                    Relationship(
                        "many_to_one",
                        t.attrs["design"].get("entity") or t.name,
                        tenant.name,
                        origin="multi-tenant",
                        evidence="multi-tenant isolation",
                    )
                )
            else:
                c = t.column(col)
                assert c is not None
                c.nullable = False
                for fk in t.foreign_keys:
                    if fk.columns == [col]:
                        fk.on_delete = "CASCADE"
                        fk.attrs["reason"] = f"a {tenant.entity.name}'s data goes with it"
            # uniqueness is per tenant
            for u in t.unique:
                if col not in u.columns:
                    u.columns = [col, *u.columns]
                    u.name = ident(t.name, *u.columns, "key")
            t.rls_enabled = True
            expr = f"({col} = (NULLIF(current_setting('{setting}', true), ''))::{cast})"
            t.policies.append(
                Policy(
                    name=ident(t.name, "tenant_isolation"),
                    command="ALL",
                    using=expr,
                    with_check=expr,
                    comment=f"Rows of the {tenant.entity.name} named by {setting} only",
                )
            )

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
                )
            )
        immutable = [
            t
            for t in self.schema.tables
            if (
                self.ents.get(t.attrs.get("design", {}).get("entity") or "")
                and "immutable" in self.ents[t.attrs["design"]["entity"]].flags
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
                )
            )
            for t in immutable:
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
                        comment="Events are immutable",
                    )
                )

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


def _self_junction_columns(entity: str, verb: str | None) -> tuple[str, str]:
    pairs = {
        "follow": ("follower", "followed"),
        "friend": (entity, "friend"),
        "befriend": (entity, "friend"),
        "block": ("blocker", "blocked"),
        "mention": ("mentioner", "mentioned"),
        "depend": (entity, "depends_on"),
        "require": (entity, "prerequisite"),
        "like": (entity, "liked"),
        "know": (entity, "known"),
        "refer": ("referrer", "referred"),
        "mentor": ("mentor", "mentee"),
    }
    a, b = pairs.get(verb or "", (entity, f"related_{entity}"))
    return f"{a}_id" if not a.endswith("_id") else a, f"{b}_id"


def _find_cycle(edges: dict[str, list[tuple[Table, ForeignKey]]]) -> list[tuple[Table, ForeignKey]]:
    """One cycle of the graph table -> referenced table, as its edges (empty when there is none)."""
    state: dict[str, int] = {}
    path: list[tuple[Table, ForeignKey]] = []

    def visit(node: str) -> list[tuple[Table, ForeignKey]]:
        state[node] = 1
        for t, fk in edges.get(node, []):
            nxt = fk.ref_table
            path.append((t, fk))
            if state.get(nxt) == 1:
                start = next(i for i, (tt, _) in enumerate(path) if tt.name == nxt)
                return path[start:]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
            path.pop()
        state[node] = 2
        return []

    for node in sorted(edges):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return []


def _add_months(d: _dt.date, n: int) -> _dt.date:
    y, m = divmod(d.month - 1 + n, 12)
    return _dt.date(d.year + y, m + 1, 1)


def _base(t: str | None) -> str:
    return (t or "").split("(")[0].strip().upper()


def _check_label(expr: str) -> str:
    words = re.findall(r"[a-z_][a-z0-9_]*", expr)
    words = [w for w in words if w not in ("is", "null", "or", "and", "not", "in", "between")]
    return "_".join(dict.fromkeys(words))[:40] or "rule"


def _entity_of_table(planner: Planner, table: str) -> str | None:
    for e in planner.ents.values():
        if e.table == table:
            return e.name
    return None


def plan(req: Requirements, options: PlanOptions | None = None, advice: dict | None = None) -> Schema:
    return Planner(req, options, advice).plan()
