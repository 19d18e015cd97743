"""Plan stage 1 — entities: archetypes, entities a feature implies, containers' items, references the
knowledge base expects, table names and key types."""

from __future__ import annotations

from aishell.design import kb
from aishell.design.intent import Entity, Relationship
from aishell.design.plan.base import (
    _Ent,
)
from aishell.design.words import UNCOUNTABLE_TABLES, plural


# the reader's kind of entity (intent ``kind``) → the planner's kind (ON DELETE, append-only, time order)
INTENT_KINDS = {
    "person": "actor",
    "organization": "org",
    "place": "thing",
    "thing": "thing",
    "event": "booking",
    "record": "log",
    "document": "content",
    "line": "line",
    "lookup": "classifier",
    "tag": "tag",
    "link": "junction_entity",
}


class EntityStage:
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
            pe.kind = INTENT_KINDS.get(e.kind or "") or (arch.kind if arch else self._guess_kind(e))
            pe.flags = arch.flags_for(e.noun) if arch else set()
            if e.stated_attributes:
                # the text describes this entity: the archetype's habits (soft delete, append-only, search,
                # a catalog's views) are not assumed for it; only its key size is
                pe.flags &= {"small_key"}
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
        provenance: str = "assumed",
        table: str | None = None,
    ) -> _Ent:
        if name in self.ents:
            return self.ents[name]
        e = Entity(
            name=name,
            table=table or plural(name),
            noun=name.rsplit("_", 1)[-1] if archetype is None else name,
            archetype=archetype,
            provenance=provenance,
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
        text_first = sorted(cands, key=lambda e: (e.entity.provenance != "stated", self._position(e)))
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
        history = any(
            (e.arch and e.arch.id == "audit_log")
            or e.name.rsplit("_", 1)[-1] in ("history", "log", "audit", "trail")
            or (e.entity.append_only and e.entity.kind == "record")
            for e in self.ents.values()
        )  # the text's own history table already keeps the trail
        # "calls are append-only for audit": the stated append-only table is the trail
        history = history or any(
            r.kind == "append_only" and "audit" in (r.evidence or "").lower() for r in self.req.rules
        )
        if "audit_trail" in f and not history:
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
                            provenance="assumed",
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
                            provenance="assumed",
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

    def _complete_intent(self) -> bool:
        """An intent that lists its own links (a model's answer, a written intent): the knowledge base adds
        no entity or reference of its own to it."""
        return self.req.reader not in ("offline", "")

    def _retype(self, e: _Ent, archetype: str) -> None:
        arch = kb.archetypes()[archetype]
        e.arch = arch
        e.entity.archetype = archetype
        e.entity.noun = arch.nouns[0]
        e.kind = arch.kind
        e.flags = arch.flags_for(e.entity.noun)

    def _children(self) -> None:
        """Containers get their line items: carts → cart_items, wishlists → wishlist_items (only for
        containers the text does not describe)."""
        if self._complete_intent():
            return
        for e in list(self.ents.values()):
            if not e.arch or e.entity.stated_attributes:
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
                        provenance="assumed",
                        evidence=f"{e.table} hold items",
                    )
                )

    def _linked(self, a: str, b: str) -> bool:
        return any({r.source, r.target} == {a, b} for r in self.req.relationships)

    def _implied_relationships(self) -> None:
        """References the knowledge base expects (a payment belongs to an order) that the text left out:
        only for entities the reader neither described nor linked (a model's answer states its links)."""
        if self._complete_intent():
            return
        for e in list(self.ents.values()):
            if not e.arch or e.entity.stated_attributes:
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
                    if r.source == e.name
                    and r.kind in ("many_to_one", "one_to_one")
                    and r.provenance == "stated"
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
                        provenance="assumed",
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

    def _fixed_name_applies(self, e: _Ent) -> bool:
        """A knowledge-base table name ("audit_logs", "ledger_entries") replaces the entity's own name only
        for entities the text did not name, or for a word with no plural of its own ("inventory")."""
        if e.entity.provenance != "stated":
            return True
        return "_" not in e.entity.name and e.entity.name in UNCOUNTABLE_TABLES

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
                # "transactions recorded in a ledger": two words for the one table
                if tmpl in fixed:
                    self._merge_entity(e.name, fixed[tmpl])
                else:
                    fixed[tmpl] = e.name
        for e in self.ents.values():
            tmpl = e.arch.table if e.arch else None
            if tmpl and "{parent}" not in tmpl and not self._fixed_name_applies(e):
                e.arch = kb.Archetype(**{**vars(e.arch), "table": None})  # the user's own word names it
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
                    if e.entity.provenance != "stated":
                        table = tmpl.replace("{parent}", owner.name)
                    elif "_" not in e.entity.name:
                        # "orders with items": order_items, the user's word after its owner's
                        table = f"{owner.name}_{plural(e.entity.name)}"
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
