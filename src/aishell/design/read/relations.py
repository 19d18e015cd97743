"""Reader step 5 — relationships: direction, kind and roles from the relation records; attribute lists;
self-references; scale figures attached to entities; the domain."""

from __future__ import annotations

import re

from aishell.design import kb
from aishell.design.intent import Attribute, Relationship
from aishell.design.read.tokens import NP, fold_accents
from aishell.design.words import plural, singular, snake


def _lower(text: str) -> str:
    """Lower case, accents folded: the words match as the tokens read them ("café" is "cafe")."""
    return fold_accents(text.lower())


_SPANS = {
    "date_range": "daterange",
    "time_range": "tstzrange",
    "time_window": "tstzrange",
    "date_window": "daterange",
    "time_slot": "tstzrange",
}


class RelationStage:
    def _prep_relation(self, subj: str, prep: str, o: NP, ev: str) -> None:
        if prep == "with":
            self._has_relation(subj, o, ev, verb="have")
            return
        if prep not in (
            "per",
            "for",
            "on",
            "from",
            "at",
            "of",
            "in",
            "by",
            "to",
            "under",
            "within",
            "about",
            "into",
            "across",
            "inside",
            "among",
        ):
            return
        target = self._entity_for_np(o) or (
            self._promote(o)
            if o.det in ("each", "every", "a", "an", "one", "the")
            and not kb.is_attribute_word(self.np_name(o)[0] or "")
            else None
        )
        if not target and (self.np_name(o)[0] or "") in _SPANS:
            # "valid for a date range", "booked for a time window": one range column of the subject
            name = self.np_name(o)[0] or ""
            ent = self.req.entities.get(subj)
            if ent is not None and ent.attribute(name) is None:
                ent.attributes.append(Attribute(name=name, type=_SPANS[name], evidence=ev))
            return
        if not target or target == subj:
            if target == subj and o.other:
                self._add(Relationship("self", subj, subj, role="parent", evidence=ev))
            return
        arch = kb.archetype_for(self.req.entities[target].noun)
        if (
            prep == "of"
            and arch is not None
            and arch.kind in ("actor",)
            and self.req.entities[subj].archetype
            and kb.archetypes()[self.req.entities[subj].archetype].kind in ("actor", "org", "tag")
        ):
            # "members of teams": people belong to many groups
            self._add(Relationship("many_to_many", target, subj, evidence=ev))
            return
        if arch is not None and arch.kind == "tag" or (o.quant == "many" and prep in ("in", "to", "of")):
            self._add(Relationship("many_to_many", subj, target, evidence=ev))
            return
        self._add(Relationship("many_to_one", subj, target, evidence=ev))

    def _has_relation(self, subj: str, o: NP, ev: str, verb: str = "have") -> None:
        name = self.np_name(o)[0]
        full = snake([w for w in o.words if w not in ("unique", "required", "optional", "mandatory")])
        if (
            not o.plural
            and (full in self.enum_hints or (name and name in self.enum_hints))
            and full not in self.entity_names
        ):
            self._add_attribute(subj, o, ev)  # "a result (1-0, 0-1)": a list of values is a column
            return
        if "-" in o.words[-1] and o.words[-1].rsplit("-", 1)[1] in self.lex["units"]:
            self._add_attribute(subj, o, ev)  # "duration in seconds" read as duration-seconds: a column
            return
        if not o.plural and "unique" in o.flags and not self.mentions.get(full, {}).get("subject"):
            self._add_attribute(subj, o, ev)  # "a unique gamer tag": an identifier, not a list of tags
            return
        if (
            o.plural
            and o.quant is None
            and full in self.lex["count_nouns"]
            and not self.mentions.get(name or "", {}).get("subject")
        ):
            o = NP([f"{full}"], det="a")  # "bedrooms and bathrooms", "sets, reps and weight": counts
            self._add_attribute(subj, o, ev)
            ent = self.req.entities[subj]
            a = ent.attribute(full)
            if a is not None and a.type is None:
                a.type = "INTEGER"
            return
        if (
            not o.plural
            and full not in self.entity_names
            and kb.is_attribute_word(full)
            and (not name or name not in self.entity_names or len(o.words) > 1 and name != full)
        ):
            self._add_attribute(subj, o, ev)  # "a start time", "a status": columns, not tables
            return
        if not name:
            return
        if o.plural and o.det is None and o.quant is None and not o.other:
            self.list_plurals.setdefault(name, (subj, ev))
        if o.other and self._resolve(name) == subj:
            self._add(Relationship("self", subj, subj, role="parent", evidence=ev))
            return
        if self._is_attribute(o, subj) and name not in self.entity_names:
            self._add_attribute(subj, o, ev)
            return
        if not o.many and name not in self.entity_names and self._is_attribute(o, subj):
            self._add_attribute(subj, o, ev)
            return
        target = self._entity_for_np(o) or self._promote(o)
        if not target or target == subj:
            # "a borrowing has a start and an end, and borrowings of the same jar ...": the same noun
            # again is the next sentence's subject; a link to other rows is said with "other"/"another"
            if target == subj and o.other:
                self._add(Relationship("self", subj, subj, role="parent", evidence=ev))
            return
        tarch = kb.archetype_for(self.req.entities[target].noun)
        sarch = kb.archetype_for(self.req.entities[subj].noun)
        tkind = tarch.kind if tarch else None
        skind = sarch.kind if sarch else None
        if tkind == "classifier":
            if tarch is not None and tarch.get("mn"):
                self._add(Relationship("many_to_many", subj, target, evidence=ev))
            else:
                self._add(Relationship("many_to_one", subj, target, evidence=ev))
            return
        if tkind == "tag":
            self._add(Relationship("many_to_many", subj, target, evidence=ev))
            return
        if tkind == "profile":
            self._add(Relationship("one_to_one", target, subj, evidence=ev))
            return
        eventish = (
            "transaction",
            "booking",
            "content",
            "log",
            "timeseries",
            "movement",
            "line",
            "application",
            "junction_entity",
        )
        if (
            skind in eventish
            and tkind in ("actor", "org", "thing", None)
            and o.quant != "many"
            and tkind not in eventish
        ):
            self._add(Relationship("many_to_one", subj, target, evidence=ev))  # "appointments with doctors"
            return
        if not o.many:
            if tkind in (
                "dependent",
                "line",
                "content",
                "transaction",
                "booking",
                "log",
                "timeseries",
                "movement",
            ):
                self._add(Relationship("many_to_one", target, subj, evidence=ev))
            else:
                self._add(Relationship("many_to_one", subj, target, evidence=ev))
            return
        if (
            tkind in ("actor",)
            and skind not in ("actor", "org", None)
            and skind not in ("container",)
            or tkind == "actor"
            and skind == "actor"
        ):
            self._add(Relationship("many_to_many", subj, target, evidence=ev))
            return
        if tkind == "actor" and skind is None:
            # "projects have many members": people take part in many of them
            self._add(Relationship("many_to_many", subj, target, evidence=ev))
            return
        # "projects have many tasks": the parts go with their whole
        composed = tkind in (None, "thing", "task", "content", "dependent", "line", "profile", "container")
        self._add(
            Relationship("many_to_one", target, subj, on_delete="CASCADE" if composed else None, evidence=ev)
        )

    def _verb_relation(self, subj: str, r: dict, o: NP, ev: str, lex: dict) -> None:
        verb = r["verb"]
        if (
            verb
            in (
                "have",
                "include",
                "contain",
                "consist",
                "comprise",
                "hold",
                "own",
                "store",
                "keep",
                "track",
                "need",
                "want",
                "support",
                "allow",
                "get",
            )
            and not r["passive"]
        ):
            self._has_relation(subj, o, ev, verb)
            return
        ent = self.req.entities.get(subj)
        sarch = kb.archetype_for(ent.noun) if ent is not None else None
        if (
            verb in ("record", "log", "note", "capture", "list", "measure")
            and not r["passive"]
            and ent is not None
            and not (kb.names_person(ent.noun) or ent.noun.rsplit("_", 1)[-1] in lex["person_words"])
            and (sarch is None or sarch.kind not in ("actor", "org"))
        ):
            # "a dispatch records dispatched, arrived and cleared times": what a thing records is its own
            self._has_relation(subj, o, ev, "have")
            return
        if (
            verb
            in (
                "belong",
                "relate",
                "associate",
                "attach",
                "link",
                "connect",
                "reference",
                "refer",
                "point",
                "cite",
                "concern",
                "describe",
                "target",
            )
            or r["passive"]
        ):
            target = self._entity_for_np(o) or self._promote(o, force=verb == "belong")
            if not target:
                return
            if target == subj:
                self._add(Relationship("self", subj, subj, role="parent", evidence=ev))
                return
            role = None
            tarch = kb.archetype_for(self.req.entities[target].noun)
            target_is_person = (tarch is not None and tarch.kind == "actor") or (
                tarch is None and self.req.entities[target].name.rsplit("_", 1)[-1] in lex["person_words"]
            )
            if r["passive"] and r.get("participle") and target_is_person:
                role = lex["participle_roles"].get(r["participle"])  # "tasks assigned to users" → assignee
            if o.quant == "many" or (tarch is not None and tarch.kind == "tag"):
                via = f"{subj}_{plural(role)}" if role else None
                self._add(Relationship("many_to_many", subj, target, via=via, evidence=ev))
            else:
                self._add(
                    Relationship(
                        "many_to_one",
                        subj,
                        target,
                        role=role if role and role != target else None,
                        evidence=ev,
                    )
                )
            return
        name = self.np_name(o)[0]
        if not name:
            return
        if not o.many and name not in self.entity_names and self._is_attribute(o, subj):
            if verb in lex["verbs_one_to_many"]:
                self._add_attribute(subj, o, ev)
            return
        if (
            o.det == "the"
            and not o.plural
            and verb not in lex["verbs_one_to_many"] | lex["verbs_many_to_many"]
        ):
            return  # "check in at the venue": too vague to be a relationship
        if o.det in ("their", "its", "his", "her", "our", "my", "your") and not r["passive"]:
            self._has_relation(subj, o, ev, "have")  # "owners register their dogs": ownership
            return
        target = self._entity_for_np(o) or self._promote(o)
        if not target:
            return
        # "backers pledge to campaigns" with pledges stored, "members borrow tools" with borrowings,
        # "volunteers adopt sites" with adoptions: the act is the thing stored, and it names both
        holder = self._act_entity(verb, (subj, target))
        if holder is not None and not r["passive"]:
            self._add(Relationship("many_to_one", holder, subj, evidence=ev))
            self._add(Relationship("many_to_one", holder, target, evidence=ev))
            return
        noun_arch = kb.archetype_for(verb) or (
            kb.archetype_for(singular(lex["junction_names"][verb])) if verb in lex["junction_names"] else None
        )
        tarch0 = kb.archetype_for(self.req.entities[target].noun)
        eventish_target = tarch0 is not None and tarch0.kind in (
            "transaction",
            "application",
            "booking",
            "content",
            "line",
            "log",
            "timeseries",
            "movement",
        )
        if (
            noun_arch is not None
            and (
                noun_arch.id in ("comment", "reaction", "message")
                or noun_arch.id in ("review", "rating")
                and not (eventish_target and tarch0.kind != "content")
                or noun_arch.id == "grade"
                and verb == "grade"
                or noun_arch.kind == "booking"
                and verb in lex["junction_names"]
            )
            and target != subj
            and not (tarch0 is not None and tarch0.id == noun_arch.id)
        ):
            # "users comment on tasks" → comments(user_id, task_id); "users like posts" → likes
            holder = next(
                (
                    e.name
                    for e in self.req.entities.values()
                    if e.archetype == noun_arch.id and e.name not in (subj, target)
                ),
                None,
            )
            if holder is None:
                noun = singular(lex["junction_names"].get(verb, verb))
                self.entity_names.add(noun)
                holder = self._entity(noun, NP([noun])).name
            self._add(Relationship("many_to_one", holder, subj, evidence=ev))
            self._add(Relationship("many_to_one", holder, target, evidence=ev))
            return
        if target == subj or o.other:
            if target != subj:
                pass
            elif verb in ("reply", "respond", "answer", "report", "refer"):
                self._add(Relationship("self", subj, subj, role="parent", evidence=ev))
            else:
                via = f"{subj}_{lex['junction_names'].get(verb, plural(verb))}"
                self._add(Relationship("many_to_many", subj, subj, via=via, role=verb, evidence=ev))
            return
        tarch = kb.archetype_for(self.req.entities[target].noun)
        tkind = tarch.kind if tarch else None
        eventish = tkind in (
            "transaction",
            "booking",
            "content",
            "line",
            "log",
            "timeseries",
            "movement",
            "event",
            "dependent",
            "profile",
        )
        if verb in lex["mn_by_default"] and not eventish:
            via = lex["junction_names"].get(verb)
            if via and via in {e.table for e in self.req.entities.values()}:
                holder = next(e.name for e in self.req.entities.values() if e.table == via)
                if holder not in (subj, target):
                    self._add(Relationship("many_to_one", holder, subj, evidence=ev))
                    self._add(Relationship("many_to_one", holder, target, evidence=ev))
                    return
            self._add(Relationship("many_to_many", subj, target, via=via, evidence=ev))
            return
        if r.get("particle") in ("in", "inside", "within", "at", "under") and not r["passive"]:
            # "samples sit in boxes", "animals live in kennels": the subject is where the object is
            self._add(Relationship("many_to_one", subj, target, evidence=ev))
            return
        self._add(Relationship("many_to_one", target, subj, evidence=ev))

    def _act_entity(self, verb: str, ends: tuple[str, ...]) -> str | None:
        """A stored entity named after the act a verb says (its noun: "pledge", "booking", "rental",
        "enrolment", "adoption", "subscription", "attendance"), other than the verb's own ends."""
        nouns = set(nominalizations(verb))
        for e in self.req.entities.values():
            if e.name in ends:
                continue
            head = e.name.rsplit("_", 1)[-1]
            said = e.attributes or self.mentions.get(e.name, {}).get("subject")
            if (e.name in nouns or head in nouns) and said:  # not "delivery" of "delivery address"
                return e.name
        # "An adoption has a start date": a noun of the act that the text says something about
        for noun in nouns:
            m = self.mentions.get(noun)
            if m and m.get("subject") and m.get("nps") and noun not in ends:
                return self._promote(m["nps"][0], force=True)
        return None

    def _list_plurals_to_attributes(self) -> None:
        """ "An appointment has a start time, a status and notes": the bare plural in a list of attributes
        is one more attribute, unless the domain treats it as a thing of its own elsewhere (it is the
        subject or object of another relationship, has attributes, is named again, or is a strong
        archetype: people, organisations, catalogs, tags)."""
        for name, (subj, ev) in self.list_plurals.items():
            name = self._resolve(name)
            subj = self._resolve(subj)
            ent = self.req.entities.get(name)
            parent = self.req.entities.get(subj)
            m = self.mentions.get(name, {})
            if ent is None and parent is not None and "_" in name and kb.is_attribute_word(name):
                # "couple names", "death dates": a column said in the plural, never made a table
                if parent.attribute(plural(name)) is None and parent.attribute(name) is None:
                    parent.attributes.append(Attribute(name=plural(name), evidence=ev))
                continue
            if ent is None or parent is None or ent.attributes or ent.self_ref or m.get("subject"):
                continue
            if m.get("count", 0) != 1 or m.get("each") or m.get("bullet"):
                continue
            # the list must hold attributes of the subject too (not "a hive has frames")
            if not any(a.evidence == ev for a in parent.attributes):
                continue
            # an archetype the knowledge base keeps as a table (photos, users, products) stays one, unless
            # the word is also a column word ("notes", "instructions")
            arch = kb.archetypes().get(ent.archetype) if ent.archetype else None
            rule = kb.attribute_rule(plural(name)) or kb.attribute_rule(name) or {}
            text_word = rule.get("type") == "TEXT" and not (rule.get("column") or rule.get("suffix_column"))
            if arch is not None and not text_word:
                continue
            if arch is not None and (arch.kind in ("actor", "org", "tag") or "catalog" in arch.flags):
                continue
            rels = [r for r in self.req.relationships if name in (r.source, r.target)]
            if len(rels) != 1 or {rels[0].source, rels[0].target} != {name, subj} or rels[0].evidence != ev:
                continue
            self.req.relationships.remove(rels[0])
            del self.req.entities[name]
            self.entity_names.discard(name)
            column = plural(name)
            if parent.attribute(column) is None and parent.attribute(name) is None:
                parent.attributes.append(Attribute(name=column, type="TEXT", evidence=ev))

    def _add(self, rel: Relationship) -> None:
        rel.source = self._resolve(rel.source)
        rel.target = self._resolve(rel.target)
        if rel.kind != "self" and rel.kind != "many_to_many" and rel.source == rel.target:
            return
        for existing in self.req.relationships:
            if existing.key == rel.key:
                return
            # the same pair said twice in different words: keep the first reading
            if (
                rel.kind in ("many_to_one", "one_to_one")
                and existing.kind in ("many_to_one", "one_to_one", "many_to_many")
                and {existing.source, existing.target} == {rel.source, rel.target}
                and rel.role is None
                and existing.role is None
            ):
                return
            if (
                rel.kind == "many_to_many"
                and existing.kind in ("many_to_one", "one_to_one")
                and {existing.source, existing.target} == {rel.source, rel.target}
                and rel.via is None
            ):
                return
        self.req.relationships.append(rel)

    def _self_references(self, clauses: list[tuple[str, bool]]) -> None:
        words = self.lex["self_reference_words"]
        for clause, _ in clauses:
            low = _lower(clause)
            toks = re.findall(r"[a-z][a-z-]*", low)
            for i, w in enumerate(toks):
                if w not in words or words[w] != "parent":
                    continue
                target = None
                base = w[3:].lstrip("-") if w.startswith("sub") else None
                if base:
                    cand = singular(base)
                    target = self._resolve(cand) if cand in self.req.entities else None
                elif w in ("nested", "parent", "hierarchical", "threaded") and i + 1 < len(toks):
                    cand = singular(toks[i + 1])
                    target = self._resolve(cand) if cand in self.req.entities else None
                if (
                    target is None
                    and w in ("hierarchy", "tree")
                    and i > 0
                    and toks[i - 1] not in ("a", "an", "the")
                ):
                    # "a category tree", "an org hierarchy": the noun just before ("a family tree" is none)
                    cand = singular(toks[i - 1])
                    target = self._resolve(cand) if cand in self.req.entities else None
                elif target is None and w in ("reply", "replies", "threaded", "nested", "hierarchy", "tree"):
                    # the nearest entity named before the word in the same clause
                    before = [singular(x) for x in toks[:i]]
                    for cand in reversed(before):
                        if cand in self.req.entities:
                            target = self._resolve(cand)
                            break
                    if target is None:
                        after = [singular(x) for x in toks[i + 1 :]]
                        target = next((self._resolve(c) for c in after if c in self.req.entities), None)
                if target and target in self.req.entities:
                    ent = self.req.entities[target]
                    if ent.self_ref is None:
                        ent.self_ref = "parent"
                        self._add(Relationship("self", target, target, role="parent", evidence=clause))
                    # "subtasks" / "replies" named as entities of their own fold into the parent
                    for alias in (w, singular(w)):
                        alias_name = singular(alias.replace("-", "_"))
                        if alias_name in self.req.entities and alias_name != target:
                            self._merge(alias_name, target)

    def _merge(self, name: str, into: str) -> None:
        self.req.entities.pop(name, None)
        self.alias[name] = into
        kept = []
        for r in self.req.relationships:
            if r.source == name:
                r.source = into
            if r.target == name:
                r.target = into
            if r.kind == "many_to_one" and r.source == r.target:
                continue
            kept.append(r)
        self.req.relationships = kept

    def _attach_scale(self) -> None:
        for s in self.req.scale:
            name = self._resolve(s.noun)
            if name in self.req.entities:
                s.entity = name
                continue
            for e in self.req.entities.values():
                if e.name.endswith("_" + s.noun) or e.noun == s.noun:
                    s.entity = e.name
                    break

    def _domain(self, clauses: list[tuple[str, bool]]) -> None:
        low = _lower(self.text)
        m = re.search(
            r"\b(?:an?|the|our|my)\s+((?:[a-z-]+\s+){0,2}?)("
            + "|".join(sorted(self.lex["domain_nouns"], key=len, reverse=True))
            + r")\b",
            low,
        )
        if m:
            words = (m.group(1) + m.group(2)).split()
            words = [
                w for w in words if w not in ("new", "simple", "small", "online", "basic", "modern")
            ] or words
            self.req.domain = " ".join(words)


def nominalizations(verb: str) -> list[str]:
    """Nouns English makes of a verb for its act, by regular morphology (singular): pledge → pledge,
    book → booking, rent → rental, enrol → enrolment, adopt → adoption, donate → donation,
    subscribe → subscription, attend → attendance, apply → application, deliver → delivery."""
    v = verb.lower()
    out = [v, v + "ing", v + "ment", v + "al", v + "ance", v + "ence", v + "ion", v + "y"]
    if len(v) > 3 and v[-1] not in "aeiouy" and v[-2] in "aeiou" and v[-3] not in "aeiou":
        out.append(v + v[-1] + "ing")  # "ship" → shipping
    if v.endswith("e"):
        stem = v[:-1]
        out += [stem + "ing", stem + "ion", stem + "ation", stem + "al", stem + "ance", stem + "y"]
        if v.endswith("ibe"):
            out.append(v[:-3] + "iption")  # subscribe → subscription
    if v.endswith("y"):
        out += [v[:-1] + "ication", v[:-1] + "iance"]  # apply → application, rely → reliance
    if v.endswith("l"):
        out.append(v + "lment")  # enrol → enrollment
    out.append(v + "ation")
    if v.endswith("ire"):
        out.append(v[:-1] + "ation")
    return out
