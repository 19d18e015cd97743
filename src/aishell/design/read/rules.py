"""Reader step 6 — rules and optionality: what the text says the data must obey, as intent rules.

Each rule is found by its phrasing in one clause and tied to the entities and attributes read before:

| phrasing | rule |
|---|---|
| "X unique (within / per / in each) Y", "can't belong to two Ys", "one X per Y", "never two Xs in the same Y" | unique (scoped) |
| "must not overlap", "at the same time", "double-book" | no_overlap (per the other entity of the clause) |
| "never the same (player)", "must differ" with two roles to one table | compare role_a <> role_b |
| "X after Y", "X later than Y" (two attributes) | compare X > Y |
| "X between 1 and 5", "X from 1 to 10", "X 1-5", "positive", "never negative", "at least N", "at most N" | range / bounds |
| "either a X or a Y, never both" | exclusive |
| "never edited / changed / deleted", "immutable", "append-only" | append_only |
| "cannot be changed once posted" | immutable_when (status values) |
| "debits equal credits", "must balance" | balanced |
| "a Y holds at most N Xs", "up to N Xs per Y", "never more than N Xs in a Y" | max_count (N = 1: unique) |
| "one X per A per B", "X only once per Y", "an A can V a B only once" | unique over the references |

"may", "optional", "if any" make a reference optional; "exactly one", "must have", "every X has a Y"
make it required. Anything found is ``stated`` with the clause as its evidence.
"""

from __future__ import annotations

import re

from aishell.design import kb
from aishell.design.intent import Attribute, Intent, Relationship, Rule
from aishell.design.read.tokens import fold_accents
from aishell.design.words import plural, singular, snake, verb_lemma

_ARTICLE = r"(?:an?|the|each|every|its|their|one|that)\s+"
_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "twenty": 20,
}  # fmt: skip
_NUMBER = r"\d+|" + "|".join(_NUMBERS)
_HOLD_VERBS = {
    "have",
    "has",
    "hold",
    "holds",
    "contain",
    "contains",
    "take",
    "takes",
    "fit",
    "fits",
    "seat",
    "seats",
}


def _number(word: str) -> int | None:
    if word.isdigit():
        return int(word)
    return _NUMBERS.get(word)


_NEG = r"(?:never|not|cannot|can't|can not|cant|must not|mustn't|may not|should not|shouldn't|won't|will not|no one can|nobody can)"


class RuleReader:
    def __init__(self, intent: Intent, clauses: list[str]):
        self.intent = intent
        self.clauses = clauses
        self.rules: list[Rule] = []

    # -- names in a clause ----------------------------------------------------------------------------
    def entities_in(self, clause: str) -> list[str]:
        return [n for _, n in self.positions(clause)]

    def positions(self, clause: str) -> list[tuple[int, str]]:
        """(first position, entity) for the entities a clause names, in order."""
        low = fold_accents(clause.lower())
        found = []
        if not hasattr(self, "_forms"):
            self._forms = {}
            for name in self.intent.entities:
                forms = {name.replace("_", " "), plural(name).replace("_", " "), name.rsplit("_", 1)[-1]}
                forms.add(plural(name.rsplit("_", 1)[-1]))
                self._forms[name] = re.compile(r"\b(?:" + "|".join(re.escape(f) for f in forms) + r")\b")
        for name, pattern in self._forms.items():
            hit = pattern.search(low)
            pos = hit.start() if hit else None
            if pos is not None:
                found.append((pos, name))
        return sorted(found)

    def attribute(self, phrase: str, entities: list[str]) -> tuple[str, str] | None:
        """(entity, attribute) for a phrase naming an attribute ("the microchip number", "code")."""
        words = [
            w
            for w in re.findall(r"[a-z][a-z0-9_]*", phrase.lower())
            if w not in ("a", "an", "the", "its", "their", "each", "every")
        ]
        cands = [snake(words[-k:]) for k in range(min(3, len(words)), 0, -1)] if words else []
        order = entities + [n for n in self.intent.entities if n not in entities]
        for cand in cands:
            for ent in order:
                e = self.intent.entities[ent]
                for a in e.attributes:
                    if a.name == cand or a.name == singular(cand) or kb.meaning(a.name) == kb.meaning(cand):
                        return ent, a.name
        # "weight must be positive" of a "weight_grams": the name with its unit said
        units = set(kb.lexicon().get("units", ()))
        for cand in cands[:1]:
            for ent in entities:
                for a in self.intent.entities[ent].attributes:
                    rest = a.name.removeprefix(cand + "_")
                    if rest != a.name and (rest in units or plural(rest) in units):
                        return ent, a.name
        # "germinated can't exceed sown" of "seeds_germinated", "seeds_sown": the one name ending so
        for cand in cands[-1:] if len(cands) == 1 else []:  # "stroke index" is no "handicap_index"
            for ent in entities:
                ends = [a.name for a in self.intent.entities[ent].attributes if a.name.endswith("_" + cand)]
                if len(ends) == 1 and len(cand) > 3:
                    return ent, ends[0]
        return None

    def reference(self, ent: str, word: str) -> str | None:
        """The name of a reference of ``ent`` to the entity (or role) ``word`` names."""
        w = singular(word.lower().strip().replace(" ", "_"))
        for r in self.intent.relationships:
            if (
                r.source == ent
                and r.kind in ("many_to_one", "one_to_one")
                and (r.target == w or r.role == w or r.target.endswith("_" + w))
            ):
                return r.role or r.target
        return None

    def _colon_owner(self, phrase: str) -> str | None:
        """ "shipments a day: parcel, quantity > 0": the thing named before the colon owns the list."""
        at = self._low.rfind(phrase.strip())
        head = self._low[: max(at, 0)]
        colon = head.rfind(":")
        if colon <= 0 or re.search(r"[.;]", head[colon:]):
            return None
        start = max(head.rfind(x, 0, colon) for x in (".", ";", "\n", ",", " - ")) + 1
        # "inspections of a hive", "tables at the reception": the thing before the preposition
        heading = re.split(r" (?:of|at|in|for|on|with|from) ", head[max(start, colon - 40) : colon])[0]
        listed = [n for p, n in self.positions(heading)]
        return listed[-1] if listed else None  # "hole scores": the scores

    def named_here(self, phrase: str, ents: list[str], count: bool = False) -> tuple[str, str] | None:
        """ "fee lines, amount > 0": an attribute the rule names and no list did, on the thing named
        last before it in the clause."""
        found = self.stated_attribute(phrase)
        if found is not None:
            return found
        words = re.findall(r"[a-z][a-z0-9_]*", phrase.lower())
        lex = kb.lexicon()
        closed = set().union(
            *(
                lex[k]
                for k in (
                    "determiners",
                    "auxiliaries",
                    "prepositions",
                    "conjunctions",
                    "pronouns",
                    "quantifiers",
                )
            )
        )
        tail: list[str] = []
        for w in reversed(words):
            if w in closed or w in (
                "must",
                "be",
                "never",
                "not",
                "cant",
                "can't",
                "cannot",
                "only",
                "always",
            ):
                break
            tail.insert(0, w)
        tail = tail[-2:]
        if not tail or len(tail[-1]) < 2:
            return None
        if getattr(self, "_carry", None) and not re.search(r"\b" + re.escape(tail[-1]), self._carry):
            return None  # a word the clause before never said: not one of its things' attributes
        name = snake(tail)
        if (
            name in self.intent.entities
            or singular(name) in self.intent.entities
            or (kb.archetype_for(singular(name)) and not (count and name != singular(name)))
        ):
            return None  # a thing, not a value (but "seats (max 12)": a number of them)
        at = self._low.rfind(phrase.strip())
        head = self._low[: max(at, 0)]
        before = [n for p, n in self.positions(head)] if at > 0 else []
        subject = [
            n for n in before if re.search(r"\b(?:each|every) " + re.escape(n.replace("_", " ")), head)
        ]
        owner_by_colon = self._colon_owner(phrase)
        listed = [owner_by_colon] if owner_by_colon else []
        owner = (
            listed[-1]  # "orders a day: account, side, quantity > 0": the orders' quantity
            if listed
            else subject[-1]
            if subject
            else before[-1]
            if before
            else (ents[0] if len(ents) == 1 else None)
        )
        if owner is None:
            return None
        e = self.intent.entities[owner]
        if e.attribute(name) is None:
            e.attributes.append(Attribute(name=name, evidence=phrase.strip()))
        return owner, name

    def stated_attribute(self, phrase: str) -> tuple[str, str] | None:
        """ "shelf code unique per branch": an entity's name, then the attribute the rule states."""
        words = [
            w
            for w in re.findall(r"[a-z][a-z0-9_]*", phrase.lower())
            if w not in ("a", "an", "the", "each", "every")
        ]
        if set(words) & {"has", "have", "with", "its", "their", "of", "is", "are"}:
            return None  # a sentence, not "<thing> <attribute>"
        for k in (2, 1):
            if len(words) <= k or len(words) > k + 2:
                continue
            ent = self._entity_word(" ".join(words[:k]))
            name = snake(words[k:] if words[k:] != ["number"] else words)  # "episode number": episode_number
            if (
                ent is None
                or not name
                or name in self.intent.entities
                or singular(name) in self.intent.entities
            ):
                continue
            e = self.intent.entities[ent]
            if e.attribute(name) is None:
                e.attributes.append(Attribute(name=name, evidence=phrase.strip()))
            return ent, name
        return None

    def link_to_scope(self, ent: str, word: str, ev: str) -> str | None:
        """ "table number unique per wedding": a thing unique within another belongs to it."""
        target = self._entity_word(word)
        if target is None or target == ent:
            return None
        if any(
            {r.source, r.target} == {ent, target} and r.kind != "many_to_one"
            for r in self.intent.relationships
        ):
            return None
        self.intent.relationships.append(Relationship("many_to_one", ent, target, required=True, evidence=ev))
        return target

    def add(self, **kw: object) -> None:
        rule = Rule(provenance="stated", **kw)  # type: ignore[arg-type]
        key = (rule.kind, rule.entity, tuple(rule.columns), tuple(rule.scope), rule.left, rule.right)
        if not any(
            (r.kind, r.entity, tuple(r.columns), tuple(r.scope), r.left, r.right) == key for r in self.rules
        ):
            self.rules.append(rule)

    # -- the rules -------------------------------------------------------------------------------------
    def run(self) -> list[Rule]:
        for clause in self.clauses:
            self._pairs(" " + _shorthand(fold_accents(clause.lower())) + " ", clause)
            self._teams(" " + _shorthand(fold_accents(clause.lower())) + " ", clause)
        before = ""
        for clause in self.clauses:
            low = " " + _shorthand(fold_accents(clause.lower()).replace("’", "'")) + " "
            self._low = low
            self._carry = None
            ents = self.entities_in(clause)
            if not ents:
                # "log each catch with species and weight. Weight must be positive.": a clause naming
                # nothing is about what the clause just before it named (and said)
                ents = self.entities_in(before)
                if not ents:
                    before = clause
                    continue
                self._carry = " " + _shorthand(fold_accents(before.lower()).replace("’", "'")) + " "
                self._low = self._carry + ";" + low
            before = clause
            self._unique(low, ents, clause)
            self._overlap(low, ents, clause)
            self._compare(low, ents, clause)
            self._ranges(low, ents, clause)
            self._exclusive(low, ents, clause)
            self._append_only(low, ents, clause)
            self._balanced(low, ents, clause)
            self._count_limit(low, ents, clause)
            self._once_per(low, ents, clause)
            self._totals(low, ents, clause)
        return self.rules

    def _pairs(self, low: str, ev: str) -> None:
        """ "we pair 2 members into a tandem", "two players form a doubles team": the one is made of two of
        the others, each a reference of its own (``member_a``, ``member_b``), never the same one twice
        (a clause saying so is read in _compare)."""
        for m in re.finditer(
            r"\b(2|two|a pair of) ([a-z]+) (?:into|to form|form|make up|make) (?:an?|one|each) ([a-z]+(?: [a-z]+)?)\b",
            low,
        ):
            member, group = self._entity_word(m.group(2)), self._entity_in(m.group(3))
            if member is None or group is None or member == group or m.group(2) == singular(m.group(2)):
                continue
            rels = self.intent.relationships
            if any(r.source == group and r.target == member and r.role for r in rels):
                continue  # the roles are said already
            self.intent.relationships = [
                r
                for r in rels
                if not ({r.source, r.target} == {member, group} and not r.role and r.kind != "many_to_many")
            ]
            for side in ("a", "b"):
                self.intent.relationships.append(
                    Relationship(
                        "many_to_one", group, member, role=f"{member}_{side}", required=True, evidence=ev
                    )
                )

    def _teams(self, low: str, ev: str) -> None:
        """ "anglers enter tournaments in teams", "students sit exams in groups": the groups take part
        (a group belongs to the tournament) and the people belong to groups (many to many)."""
        for m in re.finditer(r"\b([a-z]+s) ([a-z]+) (?:the |a |an )?([a-z]+s) (?:in|as) ([a-z]+s)\b", low):
            who, event, group = (self._entity_word(m.group(k)) for k in (1, 3, 4))
            if None in (who, event, group) or len({who, event, group}) < 3:
                continue
            kind = kb.archetype_for(group)
            if kind is None or kind.id != "team":
                continue  # "nurses work shifts in wards": a place, not the groups people come in
            verb = verb_lemma(m.group(2))
            from aishell.design.words import can_be_verb

            if not can_be_verb(verb)[0] and not can_be_verb(m.group(2))[0]:
                continue
            rels = self.intent.relationships
            if any(r.role for r in rels if {r.source, r.target} in ({who, group}, {event, group})):
                continue
            self.intent.relationships = [
                r
                for r in rels
                if {r.source, r.target} not in ({who, group}, {event, group}, {who, event}) or r.role
            ]
            self.intent.relationships.append(Relationship("many_to_one", group, event, required=True, evidence=ev))
            self.intent.relationships.append(Relationship("many_to_many", who, group, evidence=ev))

    def _unique(self, low: str, ents: list[str], ev: str) -> None:
        for m in re.finditer(
            r"([a-z][a-z0-9 +_-]{0,50}?)\s*,?\s+(?:is |are |must be |should be |has to be |have to be |gotta be |"
            r"got to be |needs? to be |ought to be |will be |shall be )?unique"
            r"(?:\s+(?:within|per|in|for|across|inside|on)\s+(?:an?\s+|the\s+|each\s+|every\s+|its\s+|their\s+)?"
            r"([a-z][a-z ]{0,30}?))?(?=[\s,.;)]|$)",
            low,
        ):
            phrase, scope = m.group(1), (m.group(2) or "").strip()
            phrase = re.sub(r"(?:\s+-?\d+(?:\s*[-–]\s*\d+)?)+\s*$", "", phrase)  # "stroke index 1-18 unique"
            parts = [p for p in re.split(r"\s*(?:\+|&|\band\b)\s*", phrase) if p.strip()]
            cols, ent = [], None
            for p in parts:
                found = self.attribute(p, ents) or self.stated_attribute(p)
                if found is None and 0 < len(p.split()) <= 3 and not self._entity_in(p):
                    # "(common name, scientific name unique)": an attribute no list took, of the thing
                    # the clause is about
                    found = self.named_here(p, ents)
                if found is not None and (ent is None or found[0] == ent):
                    ent = found[0]
                    cols.append(found[1])
            if ent is None or not cols:
                continue
            scope_ref = self.reference(ent, scope.split()[-1]) if scope else None
            if scope and scope_ref is None:
                scope_ref = self.link_to_scope(ent, scope.split()[-1], ev)
            self.add(
                kind="unique", entity=ent, columns=cols, scope=[scope_ref] if scope_ref else [], evidence=ev
            )
        # "each block has a unique name within a vineyard", "every member gets a unique badge number",
        # "for each race a runner has a unique bib number"
        for m in re.finditer(
            r"(?:\b(?:for|in|within) (?:each|every|an?|the) ([a-z]+),? )?"
            r"\b(?:each|every|an?|the) ([a-z]+(?: [a-z]+)?) (?:has|have|gets|get|carries|carry|is given|bears) "
            r"(?:an? |its own )?unique ([a-z][a-z ]{0,30}?)(?:\s+(?:within|per|in|for|across|inside|on)\s+"
            r"(?:an?\s+|the\s+|each\s+|every\s+|its\s+|their\s+)?([a-z]+(?: [a-z]+)?))?(?=[\s,.;)]*(?:$|,|;|\.| and | but ))",
            low,
        ):
            ent = self._entity_in(m.group(2))
            if ent is None:
                continue
            found = self.attribute(m.group(3), [ent])
            if found is None or found[0] != ent:
                if self._entity_in(m.group(3)) is not None:
                    continue
                name = snake(m.group(3).split()[-3:])
                e = self.intent.entities[ent]
                if e.attribute(name) is None:
                    e.attributes.append(Attribute(name=name, evidence=ev))
                found = (ent, name)
            scope = (m.group(4) or m.group(1) or "").strip()
            scope_ref = self.reference(ent, scope.split()[-1]) if scope else None
            if scope and scope_ref is None:
                scope_ref = self.link_to_scope(ent, scope.split()[-1], ev)
            self.add(
                kind="unique", entity=ent, columns=[found[1]], scope=[scope_ref] if scope_ref else [], evidence=ev
            )
        # "a customer ... is identified by phone number": the number names one customer
        for m in re.finditer(
            r"\b(?:is|are) (?:uniquely |always )?identified by (?:its |their |his |her |an? |the )?"
            r"([a-z][a-z ]{1,30}?)(?=[,.;)]|$| and | or | but )",
            low,
        ):
            before = [n for _, n in self.positions(low[: m.start()])]
            owner = (
                before[0]
                if len(before) == 1
                else next(
                    (
                        n
                        for n in before
                        if re.search(r"\b(?:an?|each|every) " + re.escape(n.replace("_", " ")), low)
                    ),
                    before[-1] if before else None,
                )
            )
            if owner is None:
                continue
            found = self.attribute(m.group(1), [owner])
            name = found[1] if found and found[0] == owner else snake(m.group(1).split())
            e = self.intent.entities[owner]
            if e.attribute(name) is None:
                e.attributes.append(Attribute(name=name, evidence=ev))
            self.add(kind="unique", entity=owner, columns=[name], evidence=ev)
        m = re.search(rf"{_NEG}\s+belong\s+to\s+two\s+([a-z]+)", low)
        if m:
            owner = singular(m.group(1))
            if owner in self.intent.entities:
                e = self.intent.entities[owner]
                # the attribute named last before the phrase, and close to it
                near = [
                    (low.rfind(a.name.replace("_", " "), 0, m.start()), a.name)
                    for a in e.attributes
                    if 0 <= low.rfind(a.name.replace("_", " "), 0, m.start()) >= m.start() - 60
                ]
                if near:
                    self.add(kind="unique", entity=owner, columns=[max(near)[1]], evidence=ev)
        for m in re.finditer(r"\b(?:only )?one ([a-z]+(?: [a-z]+)?) per ([a-z]+(?: [a-z]+)?)", low):
            ent = self._entity_word(m.group(1))
            if ent is None:
                continue
            ref = self.reference(ent, m.group(2).split()[-1])
            if ref:
                self.add(kind="unique", entity=ent, columns=[ref], evidence=ev)
        for m in re.finditer(
            r"(?:(?:never|no) two ([a-z]+) (?:in|at|on|with|share|sharing|have|having)|\btwo ([a-z]+) "
            r"(?:can't|cannot|can not|may not|must not|should not|never) (?:share|have|get|take|use|be (?:in|at|on)))"
            r" the same ((?:[a-z]+ ?){1,3}(?:(?:,| and) (?:the same )?(?:[a-z]+ ?){1,3})*?)(?=[,.;)]|$| or | and (?!the same)(?:[a-z]+ ){0,2}[a-z]+\b(?:[,.;)]|$))",
            low,
        ):
            ent = self._entity_word(m.group(1) or m.group(2))
            if ent is None:
                continue
            cols = []
            # "the same weekday and start time", "the same callsign, band and mode": each is one column
            for phrase in re.split(r"\s*(?:,|\band\b)\s*(?:the same\s+)?", m.group(3).strip()):
                words = phrase.split()
                if not words:
                    continue
                ref = self.reference(ent, words[-1])
                found = self.attribute(phrase, [ent])
                if ref:
                    cols.append(ref)
                elif found and found[0] == ent and found[1] == snake(words):
                    cols.append(found[1])  # "start time": one column named so
                else:  # one word at a time: "the same box position"
                    for word in words:
                        ref = self.reference(ent, word)
                        found = self.attribute(word, [ent])
                        if ref:
                            cols.append(ref)
                        elif found and found[0] == ent:
                            cols.append(found[1])
            cols = list(dict.fromkeys(cols))
            if cols:
                self.add(kind="unique", entity=ent, columns=cols, evidence=ev)
        # "no two games with the same number for a bowler on the same night": the same value within
        # the things named after it
        for m in re.finditer(
            r"\b(?:never|no) two ([a-z]+) (?:in|at|on|with|sharing|having|get|take) the same ([a-z]+(?: [a-z]+)?)"
            r"((?: (?:for|of|by|per|on|in|at|within|during) (?:an?|the same|the|one|each|every) [a-z]+)+)",
            low,
        ):
            ent = self._entity_word(m.group(1))
            if ent is None:
                continue
            words = m.group(2).split()
            col = self.reference(ent, words[-1])
            if col is None:
                found = self.attribute(m.group(2), [ent])
                if found is not None and found[0] == ent:
                    col = found[1]
                elif self._entity_in(m.group(2)) is None:
                    # "the same number" of a game: its game number
                    col = snake(([ent.rsplit("_", 1)[-1]] if words == ["number"] else []) + words)
                    if self.intent.entities[ent].attribute(col) is None:
                        self.intent.entities[ent].attributes.append(Attribute(name=col, evidence=ev))
            if col is None:
                continue
            scopes = []
            for word in re.findall(r"(?:an?|the same|the|one|each|every) ([a-z]+)", m.group(3)):
                ref = self.reference(ent, word) or self.link_to_scope(ent, word, ev)
                if ref is None:
                    break
                scopes.append(ref)
            else:
                if scopes:
                    self.add(kind="unique", entity=ent, columns=scopes + [col], evidence=ev)
        m = re.search(r"\b(?:an?|the|each|every) ([a-z]+) can only be ([a-z]+) once", low)
        if m:
            target = self._entity_word(m.group(1))
            stem = verb_lemma(m.group(2))
            event = next((n for n in self.intent.entities if n.startswith(stem[:5]) and n != target), None)
            if target and event:
                ref = self.reference(event, target)
                if ref:
                    self.add(kind="unique", entity=event, columns=[ref], evidence=ev)

    # -- counts ----------------------------------------------------------------------------------------
    def referrer(self, *ends: str) -> str | None:
        """The entity holding references to every one of ``ends`` (the one an event or a link records)."""
        for name in self.intent.entities:
            if name in ends:
                continue
            if all(self.reference(name, end) for end in ends):
                return name
        return None

    def _count_limit(self, low: str, ents: list[str], ev: str) -> None:
        """ "a drawer holds at most 40 packets", "up to 3 guests can be added to a booking", "a volunteer
        may adopt up to 5 sites", "no more than 4 players per team": at most N rows per the one thing."""
        limit = rf"(?:at most|up to|no more than|not more than|never more than|max(?:imum)?(?: of)?)\s+({_NUMBER})"
        found: list[tuple[str, str, str, bool]] = []  # (many word, one word, number, possessive verb)
        for m in re.finditer(
            rf"\b(?:an?|each|every|one|the|any) ([a-z]+(?: [a-z]+)??) (?:(?:can|may|must|will|should|is allowed to|"
            rf"is able to)\s+)?(?:only\s+)?(?:(have|has|hold|holds|contain|contains|take|takes|fit|fits|seat|seats|"
            rf"[a-z]+)\s+)?(?:(?:in|on|at|to|into|with|for)\s+)?{limit}\s+([a-z]+(?: [a-z]+)?)",
            low,
        ):
            possess = (m.group(2) or "") in _HOLD_VERBS
            found.append((m.group(4), m.group(1), m.group(3), possess))
        least: dict[tuple[str, str], int] = {}  # (many words, one words) → the fewest stated
        # "2 to 12 chargers per site", "between 3 and 8 players in a team"
        for m in re.finditer(
            rf"\b(?:between )?({_NUMBER}) (?:to|and|-) ({_NUMBER}) ([a-z]+(?: [a-z]+)?)\s+(?:per|for each|for every|"
            rf"in each|in every|in an?|on an?|to an?|for an?|in one|on one|at an?)\s+(?:an?\s+|each\s+|every\s+|"
            rf"one\s+|the\s+)?([a-z]+(?: [a-z]+)?)",
            low,
        ):
            found.append((m.group(3), m.group(4), m.group(2), False))
            least[(m.group(3), m.group(4))] = _number(m.group(1)) or 0
        # "each tournament has between 8 and 32 players", "a crew takes 2-4 rowers"
        for m in re.finditer(
            rf"\b(?:an?|each|every|one|the) ([a-z]+(?: [a-z]+)??) (?:(?:can|may|must|will|should) )?(?:only )?"
            rf"(?:has|have|holds?|takes?|needs?|seats?|contains?|fits?|gets?) (?:between )?({_NUMBER}) (?:to|and|-) "
            rf"({_NUMBER}) ([a-z]+(?: [a-z]+)?)",
            low,
        ):
            found.append((m.group(4), m.group(1), m.group(3), True))
            least[(m.group(4), m.group(1))] = _number(m.group(2)) or 0
        # "teams of two", "crews of 4 rowers": exactly that many members
        for m in re.finditer(rf"\b([a-z]+) of ({_NUMBER})(?: ([a-z]+))?\b", low):
            one = self._entity_word(m.group(1))
            n = _number(m.group(2))
            if one is None or not n or n < 2 or m.group(1) == singular(m.group(1)):
                continue  # "a team of two": one team; "teams of two": how teams are made
            many = m.group(3) if m.group(3) and self._entity_word(m.group(3)) else None
            if many is None and any(
                r.kind == "many_to_many" and one in (r.source, r.target) for r in self.intent.relationships
            ):
                continue  # the members are linked many to many: which rows count is not one reference
            if many is None:
                members = [
                    r.source
                    for r in self.intent.relationships
                    if r.kind == "many_to_one" and r.target == one and r.source in self.intent.entities
                ]
                if len(members) != 1:
                    continue
                many = members[0].replace("_", " ")
            found.append((many, m.group(1), m.group(2), False))
            least[(many, m.group(1))] = n
        for m in re.finditer(
            rf"{limit}\s+([a-z]+(?: [a-z]+)?)\s+(?:(?:can|may) be [a-z]+ (?:to|on|in|into|for) |are allowed (?:in|on|for) |"
            rf"(?:per|for each|for every|in each|in every|in an?|on an?|to an?|for an?|in one|on one|at an?)\s+)"
            rf"(?:an?\s+|each\s+|every\s+|one\s+|the\s+)?([a-z]+(?: [a-z]+)?)",
            low,
        ):
            found.append((m.group(2), m.group(3), m.group(1), False))
        # "1,200 sites, each with 2 to 12 chargers": at most 12 chargers per site (the lower bound is
        # not a constraint: a new site starts with none)
        for m in re.finditer(
            rf"\b([a-z]+(?: [a-z]+)??),? each (?:with|having|has|holding) (?:between )?(?:{_NUMBER}) (?:to|and|-) "
            rf"({_NUMBER}) ([a-z]+(?: [a-z]+)?)",
            low,
        ):
            found.append((m.group(3), m.group(1), m.group(2), True))
            low_n = re.search(rf"({_NUMBER}) (?:to|and|-) {re.escape(m.group(2))} {re.escape(m.group(3))}", m.group(0))
            if low_n:
                least[(m.group(3), m.group(1))] = _number(low_n.group(1)) or 0
        for many_words, one_words, number, possess in found:
            if re.search(
                r"\b"
                + re.escape(many_words)
                + r"\s+(?:[a-z]+\s+){0,2}?(?:at a time|at once|at the same time|simultaneously)",
                low,
            ):
                continue  # "at most one session running at a time": periods that never overlap, read above
            n = _number(number)
            many, one = self._entity_in(many_words), self._entity_in(one_words)
            if n is None or many is None or one is None or many == one:
                continue
            if self.reference(many, one):  # the packets of a drawer
                table, per = many, [self.reference(many, one)]
            else:
                table = self.referrer(many, one)  # "a volunteer may adopt up to 5 sites": the adoptions
                if table is not None:
                    per = [self.reference(table, one)]
                elif possess and not any(
                    {r.source, r.target} == {many, one} for r in self.intent.relationships
                ):
                    # "a drawer holds at most 40 packets": what holds them is where they are
                    self.intent.relationships.append(
                        Relationship("many_to_one", many, one, evidence=ev, provenance="inferred")
                    )
                    table, per = many, [one]
                else:
                    continue
            where = self._state_of(table, many_words)
            fewest = least.get((many_words, one_words))
            roles = [
                r.role
                for r in self.intent.relationships
                if r.source == table and r.target == one and r.kind == "many_to_one" and r.role
            ]
            if n == 1 and where is None and len(roles) < 2:
                self.add(kind="unique", entity=table, columns=per, evidence=ev)
            else:
                self.add(
                    kind="max_count",
                    entity=table,
                    per=per,
                    max=float(n),
                    min=float(fewest) if fewest and fewest > 1 else None,
                    where=where,
                    mode="any_role" if len(roles) > 1 else None,  # a member_a or a member_b
                    evidence=ev,
                )

    def _state_of(self, ent: str, words: str) -> str | None:
        """ "3 active tandems": the rows whose status is the value said before the noun."""
        for word in words.split()[:-1]:
            for a in self.intent.entities[ent].attributes:
                value = next((v for v in a.enum or () if v.lower() == word), None)
                if value is not None:
                    return f"{a.name} = '" + value.replace("'", "''") + "'"
        return None

    def _once_per(self, low: str, ents: list[str], ev: str) -> None:
        """Uniqueness over references: "one score per juror per film", "only one result per boat per
        race", "one standing order per café, product and weekday", "a species appears at most once per
        survey", "a backer can pledge only once per campaign", "a customer can subscribe to a series only
        once"."""
        for m in re.finditer(
            r"\b(?:only |just |exactly |at most )?one ([a-z]+(?: [a-z]+)??) ((?:(?:per|for each|for every|in each) "
            r"(?:an? |the )?(?!per\b)[a-z]+(?: (?!per\b|and\b|or\b)[a-z]+)?(?:(?:,? (?:and|or) |, )(?:an? |the )?"
            r"(?!per\b)[a-z]+)*\s*)+)",
            low,
        ):
            what = self._entity_in(m.group(1))
            pers = [
                p.strip()
                for p in re.split(r"\b(?:per|for each|for every|in each|and|or)\b|,", m.group(2))
                if p.strip() and p.strip() not in ("a", "an", "the")
            ]
            if len(pers) < 2 and what is not None and self.reference(what, pers[0] if pers else ""):
                continue  # "one X per Y" with X holding Y: the reading above ("only one X per Y")
            if what is None or not pers:
                continue
            table = what if all(self._per_column(what, p) for p in pers) else None
            if table is None:  # "one truck per pitch per day": the thing holding the truck, pitch and day
                table = next(
                    (
                        n
                        for n in self.intent.entities
                        if n != what and self.reference(n, what) and all(self._per_column(n, p) for p in pers)
                    ),
                    None,
                )
            if table is None:
                continue
            cols = [self._per_column(table, p) for p in pers]
            if len(set(cols)) == len(cols):
                self.add(kind="unique", entity=table, columns=cols, evidence=ev)
        for m in re.finditer(
            r"\b(?:an?|each|every|the|one|same) ([a-z]+(?: [a-z]+)??) (?:can |may |should |must |will )?(?:only )?"
            r"(?:be )?([a-z]+)(?: (?:to|on|in|for|with|at|into))? (?:an?|the|one|each|every)? ?([a-z]+(?: [a-z]+)?)"
            r"(?: only| at most)? (?:once|one time)(?: (?:per|in each|in every|in|for|on) (?:an?|the|each|every|one)? ?"
            r"([a-z]+(?: [a-z]+)?))?",
            low,
        ):
            a = self._entity_in(m.group(1))
            b = self._entity_in(m.group(3))
            scope = self._entity_in(m.group(4)) if m.group(4) else None
            if a is None or (m.group(4) and scope is None):
                continue  # "only once per day": a scope this reading cannot name
            if b is None and scope is not None:  # "a backer can pledge only once per campaign"
                b, scope = scope, None
            if b is None or a == b:
                continue
            ends = [a, b] + ([scope] if scope and scope not in (a, b) else [])
            table = self.referrer(*ends)
            if table is None and all(self.reference(a, e) for e in ends[1:]):
                table = a
            if table is None:
                continue
            cols = [self.reference(table, e) for e in ends if e != table]
            self.add(kind="unique", entity=table, columns=cols, evidence=ev)

    def _per_column(self, ent: str, phrase: str) -> str | None:
        word = phrase.split()[-1]
        ref = self.reference(ent, word)
        if ref:
            return ref
        found = self.attribute(phrase, [ent])
        return found[1] if found and found[0] == ent else None

    def _entity_in(self, words: str) -> str | None:
        """The entity a phrase names ("freezer drawer", "guests", "active tandems")."""
        ws = [w for w in words.split() if w not in ("a", "an", "the", "each", "every", "one")]
        for size in range(len(ws), 0, -1):  # the longest run of words naming one ("tower must": tower)
            for k in range(len(ws) - size, -1, -1):
                ent = self._entity_word(" ".join(ws[k : k + size]))
                if ent is not None:
                    return ent
        return None

    def _entity_word(self, word: str) -> str | None:
        word = word.strip()
        for cand in (snake(word.split()), singular(snake(word.split())), singular(word.split()[-1])):
            if cand in self.intent.entities:
                return cand
        return None

    def _times(self, ent: str) -> tuple[str | None, str | None]:
        e = self.intent.entities[ent]
        start = next(
            (a.name for a in e.attributes if kb.meaning(a.name) in ("start", "starts", "origin_time")), None
        )
        end = next((a.name for a in e.attributes if kb.meaning(a.name) in ("end", "ends")), None)
        if start is None:
            start = next(
                (a.name for a in e.attributes if a.name.startswith(("start", "from", "begin", "check_in"))),
                None,
            )
        if end is None:
            end = next(
                (
                    a.name
                    for a in e.attributes
                    if a.name.startswith(("end", "to_", "until", "finish", "check_out"))
                ),
                None,
            )
        return start, end

    def _overlap(self, low: str, ents: list[str], ev: str) -> None:
        hit = re.search(
            rf"{_NEG}\s+(?:be\s+|ever\s+)?overlap|\bno\s+overlap|\boverlapping\b|double[- ]?book|"
            r"two [a-z]+ at (?:the )?same time|at the same time|in (?:the )?same time|\bone [a-z]+ at a time|"
            r"\bat a time\b",
            low,
        )
        if not hit:
            # "no two referrals ... may overlap", "can't have two sailings whose windows overlap", "can't be
            # lent out twice at once": overlapping (or at once) said in a clause that forbids it
            hit = re.search(r"\boverlap\w*|\b(?:twice|two times|more than once) at once\b", low)
            if hit is None or not re.search(rf"{_NEG}|\bno two\b|\bnever\b", low[: hit.start()]):
                return
        said = self._overlap_said(low, ents, hit.start())
        if said is not None:
            event, per_word = said
            per = []
            if per_word is not None:
                ref = self.reference(event, per_word) or self.link_to_scope(event, per_word, ev)
                if ref:
                    per.append(ref)
            start, end = self._span_of(event, ev)
            self.add(kind="no_overlap", entity=event, start=start, end=end, per=per, evidence=ev)
            return
        # the event is the entity that holds the times (or references the others); per = the one named
        # last before the words ("a groomer can't have two appointments at the same time")
        cands = [n for n in ents if any(r.source == n for r in self.intent.relationships)]
        event = next((n for n in cands if all(x is not None for x in self._times(n))), None) or (
            next((n for n in reversed(cands)), None)
        )
        if event is None and ents:
            # "a court can't be double-booked": the bookings that reference the court
            referrers = [
                r.source
                for r in self.intent.relationships
                if r.kind in ("many_to_one", "one_to_one")
                and r.target == ents[0]
                and r.source in self.intent.entities
            ]
            event = next((n for n in referrers if all(x is not None for x in self._times(n))), None) or next(
                iter(referrers), None
            )
        if event is None:
            return
        per = []
        named: list[tuple[int, str]] = []
        for other in ents:
            for m in re.finditer(rf"\b{re.escape(other.replace('_', ' '))}s?\b", low[: hit.start()]):
                named.append((m.start(), other))
        for _, other in sorted(named, reverse=True):
            if other != event:
                ref = self.reference(event, other)
                if ref and ref not in per:
                    per.append(ref)
        start, end = self._span_of(event, ev)
        self.add(kind="no_overlap", entity=event, start=start, end=end, per=per[:1], evidence=ev)

    def _span_of(self, event: str, ev: str) -> tuple[str, str]:
        """The columns an event's time span lies in: its own, or ``starts_at``/``ends_at`` added (inferred)."""
        start, end = self._times(event)
        e = self.intent.entities[event]
        if start is None:
            start = "starts_at"
            e.attributes.append(
                Attribute("starts_at", "timestamp", not_null=True, provenance="inferred", evidence=ev)
            )
        if end is None:
            end = "ends_at"
            e.attributes.append(
                Attribute("ends_at", "timestamp", not_null=True, provenance="inferred", evidence=ev)
            )
        return start, end

    def _overlap_said(self, low: str, ents: list[str], at: int) -> tuple[str, str | None] | None:
        """(event, the thing its periods are per) from the words: "bookings on the same telescope must
        never overlap", "shifts of the same ambulance can't overlap", "no two referrals for the same
        household may overlap", "an ambulance can only be on one dispatch at a time", "a tool can't be
        lent out twice at once" (the loans that name the tool)."""
        head = low[: at + 40]
        m = None
        for m in re.finditer(
            r"\b([a-z]+(?: [a-z]+)?) (?:on|of|for|in|at|with|from|by|using|to) (?:the same|one|a single|the one) "
            r"([a-z]+(?: [a-z]+)?)",
            head,
        ):
            pass
        if m is not None:
            event, per = self._entity_in(m.group(1)), self._entity_in(m.group(2))
            if event is not None and per is not None and event != per:
                return event, per
            if event is None and per is not None and m.end() > at - 80 and " same " in m.group(0):
                # "never overlapping in the same room": the thing named last before, other than the room
                before = [n for _, n in self.positions(low[: m.start()]) if n != per]
                named = [n for n in ents if n != per and n in before]
                if named:
                    return named[-1], per
        m = re.search(
            r"\b(?:an?|each|every|the|one) ([a-z]+(?: [a-z]+)??) (?:can(?:'t|not)?|may|must|should)(?: not)? (?:only )?"
            r"(?:be |have |take |do |hold )?(?:(?:on|in|at|for|booked for|assigned to) )?(?:one|two|a single|more than one) "
            r"([a-z]+(?: [a-z]+)?) at (?:a|the same|once)\b"
            r"|\b(?:an?|each|every|the|one) ([a-z]+(?: [a-z]+)??) (?:has|have|holds|runs|takes) (?:at most |only |just )?"
            r"(?:one|a single) ([a-z]+(?: [a-z]+)??)(?: [a-z]+ing)? at (?:a|the same) time\b",
            low,
        )
        if m is not None:
            per = self._entity_in(m.group(1) or m.group(3))
            event = self._entity_in(m.group(2) or m.group(4))
            if per is not None and event is not None and per != event:
                # "a crane can only be on one lift at a time" says when, not which: no crane → lift key
                self.intent.relationships = [
                    r
                    for r in self.intent.relationships
                    if not (
                        r.source == per
                        and r.target == event
                        and r.kind == "many_to_one"
                        and r.role is None
                        and any(x.source == event and x.target == per for x in self.intent.relationships)
                    )
                ]
                return event, per
        m = re.search(
            r"\b(?:an?|each|every|the|one) ([a-z]+(?: [a-z]+)??) (?:can't|cannot|can not|may not|must not|should not|"
            r"never) (?:have|has|take|hold|get|be (?:in|on|at|given)) (?:two|overlapping|more than one) ([a-z]+(?: [a-z]+)??)\b",
            low,
        )
        if m is not None:
            per, event = self._entity_in(m.group(1)), self._entity_in(m.group(2))
            if per is not None and event is not None and per != event:
                return event, per
        m = re.search(
            r"\b(?:an?|each|every|the|one) ([a-z]+(?: [a-z]+)??) (?:can(?:'t|not)?|may not|must not|should not) "
            r"(?:be )?([a-z]+)(?: out| up)? (?:twice|two times|more than once) at (?:once|the same time|a time)\b",
            low,
        )
        if m is not None:
            per = self._entity_in(m.group(1))
            if per is not None:
                event = self._act_entity(m.group(2), per) or next(
                    (
                        r.source
                        for r in self.intent.relationships
                        if r.target == per and r.kind == "many_to_one" and all(self._times(r.source))
                    ),
                    None,
                )
                if event is not None:
                    return event, per
        return None

    def _act_entity(self, verb: str, other: str) -> str | None:
        """The stored act of a verb that names ``other`` ("lent" → the loans? no: "lend" → lending)."""
        from aishell.design.read.relations import nominalizations

        lemma = verb_lemma(verb)
        nouns = set(nominalizations(lemma))
        for name in self.intent.entities:
            if (
                name != other
                and (name in nouns or name.rsplit("_", 1)[-1] in nouns)
                and self.reference(name, other)
            ):
                return name
        return None

    def _compare(self, low: str, ents: list[str], ev: str) -> None:
        # "members can't be paired with themselves": the two references of a pair to them differ
        if re.search(rf"{_NEG}\s+(?:be\s+)?[a-z]+(?: [a-z]+)? (?:with|to|against|by) (?:themselves|themselfs|themself|"
                     r"itself|himself|herself|oneself)\b", low):
            for r in list(self.intent.relationships):
                if r.target not in ents or r.kind != "many_to_one" or not r.role:
                    continue
                roles = [
                    x.role
                    for x in self.intent.relationships
                    if x.source == r.source and x.target == r.target and x.kind == "many_to_one" and x.role
                ]
                if len(roles) == 2 and r.role == roles[0]:
                    self.add(kind="compare", entity=r.source, left=roles[0], op="<>", right=roles[1], evidence=ev)
        if re.search(
            r"never the same|not the same|must differ|different (?:from|than)|can't be the same|cannot be the same",
            low,
        ):
            for ent in ents:
                by_target: dict[str, list[str]] = {}
                for r in self.intent.relationships:
                    if r.source == ent and r.role and r.kind == "many_to_one":
                        by_target.setdefault(r.target, []).append(r.role)
                for roles in by_target.values():
                    if len(roles) >= 2:
                        self.add(
                            kind="compare", entity=ent, left=roles[0], op="<>", right=roles[1], evidence=ev
                        )
        for m in re.finditer(
            r"([a-z][a-z_ ]{1,30}?)\s+(?:must |should |has to |have to |can(?:not|'t) |may not |must not |should not |"
            r"never |will never |can never )?(?:never |not )?(?:be |come |is |are )?"
            r"(after|later than|before|earlier than|greater than|more than|less than|on or after|no earlier than|"
            r"exceeds?|above|over|under|below)\s+"
            r"(?:the |its |their )?([a-z][a-z_ ]{1,30}?)(?=[,.;)]|$| and | or | if )",
            low,
        ):
            left = self.attribute(m.group(1), ents)
            right = self.attribute(m.group(3), ents)
            if left is None or right is None or left[0] != right[0] or left[1] == right[1]:
                continue
            op = {
                "after": ">",
                "later than": ">",
                "greater than": ">",
                "more than": ">",
                "on or after": ">=",
                "no earlier than": ">=",
                "before": "<",
                "earlier than": "<",
                "less than": "<",
                "exceed": ">",
                "exceeds": ">",
                "above": ">",
                "over": ">",
                "under": "<",
                "below": "<",
            }[m.group(2)]
            negated = bool(
                re.search(r"(?:can(?:not|'t)|may not|must not|should not|never|not)\s+(?:be\s+)?$", low[: m.start(2)])
            )
            if negated:
                op = {">": "<=", ">=": "<", "<": ">="}[op]
            self.add(kind="compare", entity=left[0], left=left[1], op=op, right=right[1], evidence=ev)
        # "valid_to >= valid_from", "min <= max": two attributes of one thing compared
        for m in re.finditer(r"\b([a-z][a-z0-9_]*)\s*(>=|<=|>|<)\s*([a-z][a-z0-9_]*)\b", low):
            left = self.attribute(m.group(1), ents)
            right = self.attribute(m.group(3), ents)
            if left is None or right is None or left[0] != right[0] or left[1] == right[1]:
                continue
            self.add(kind="compare", entity=left[0], left=left[1], op=m.group(2), right=right[1], evidence=ev)
        if re.search(r"\bends? after it starts|\bend(?:s)? after (?:the )?start", low):
            for ent in ents:
                start, end = self._times(ent)
                if start and end:
                    self.add(kind="compare", entity=ent, left=end, op=">", right=start, evidence=ev)
                    break

    def _ranges(self, low: str, ents: list[str], ev: str) -> None:
        num = r"(-?\d+(?:\.\d+)?)"
        for m in re.finditer(
            rf"\b([a-z][a-z_ ]{{1,30}}?)\s*(?:\(|is |are |must be |should be |goes |go |of |:)?\s*(?:between|from)\s+{num}\s*(?:and|to|-)\s*{num}",
            low,
        ):
            self._bound(m.group(1), ents, ev, lo=float(m.group(2)), hi=float(m.group(3)))
        for m in re.finditer(rf"\b([a-z][a-z_ ]{{1,30}}?)\s*\(?\s*{num}\s*(?:[-–]|to)\s*{num}\s*\)?", low):
            self._bound(m.group(1), ents, ev, lo=float(m.group(2)), hi=float(m.group(3)))
        # "amount > 0", "strokes >= 1", "seats <= 12"
        for m in re.finditer(rf"\b([a-z][a-z_ ]{{1,30}}?)\s*\(?\s*(>=|<=|>|<)\s*{num}(?![\d.])", low):
            op, value = m.group(2), float(m.group(3))
            if op == ">=":
                self._bound(m.group(1), ents, ev, lo=value)
            elif op == "<=":
                self._bound(m.group(1), ents, ev, hi=value)
            elif op == ">":
                if value == 0:
                    self._bound(m.group(1), ents, ev, excl=0)
                else:
                    self._bound(m.group(1), ents, ev, lo=value + 1 if value.is_integer() else value)
            else:
                self._bound(m.group(1), ents, ev, hi=value - 1 if value.is_integer() else value)
        for m in re.finditer(
            r"\b([a-z][a-z_ ]{1,30}?)\s*(?:\(|is |are |must be |should be |has to be |always |can't be |cannot be )?\s*"
            r"(positive|greater than (?:zero|0)|more than (?:zero|0)|never negative|non-negative|not negative|negative)",
            low,
        ):
            word = m.group(2)
            prefix = low[max(0, m.start(2) - 12) : m.start(2)]
            if word == "negative" and not re.search(r"(?:can't|cannot|never|not)\s+(?:be\s+)?$", prefix):
                continue
            if word in ("never negative", "non-negative", "not negative", "negative"):
                self._bound(m.group(1), ents, ev, lo=0)
            else:
                self._bound(m.group(1), ents, ev, excl=0)
        for m in re.finditer(
            rf"\b([a-z][a-z_ ]{{1,30}}?)\s+\(?(?:is |are |must be )?(at least|at most|no more than|up to|max(?:imum)?|min(?:imum)?)\s+{num}\b",
            low,
        ):
            kind, value = m.group(2), float(m.group(3))
            if re.search(r"\b(?:adds?|added|sums?|comes?|totals?)$", m.group(1)):
                continue  # "the shares must add up to 100": a total over rows (read in _totals)
            nxt = re.match(r"\s*([a-z]+(?: [a-z]+)?)", low[m.end() :])
            if nxt and self._entity_in(nxt.group(1)):
                continue  # "a kennel holds at most 3 dogs": a count of rows (max_count), not a value
            if kind in ("at least", "min", "minimum"):
                self._bound(m.group(1), ents, ev, lo=value)
            else:
                self._bound(m.group(1), ents, ev, hi=value)

    def _bound(self, phrase: str, ents: list[str], ev: str, lo=None, hi=None, excl=None) -> None:
        # "a firing = one kiln + type + peak temp in celsius (between ...)": the last item of a list,
        # without the unit it is counted in
        phrase = re.split(r"[,+=:;/]", phrase)[-1]
        units = set(kb.lexicon().get("units", ()))
        unit = re.search(r"\s+in\s+([a-z]+)\s*$", phrase)
        if unit and unit.group(1) in units:
            phrase = phrase[: unit.start()]
        # "the score of each game": the game's score
        of = re.match(r"\s*(?:store |record |keep |log )?(?:the |a |an )?([a-z][a-z ]*?) of (?:each|every|a|an|the) ([a-z]+)\s*$", phrase)
        if of:
            ent = self._entity_word(of.group(2))
            if ent is not None and ent in ents and self._entity_word(of.group(1)) is None:
                found = self.attribute(of.group(1), [ent])
                if found is None or found[0] != ent:
                    name = snake(of.group(1).split()[-2:])
                    e = self.intent.entities[ent]
                    if e.attribute(name) is None:
                        e.attributes.append(Attribute(name=name, evidence=ev.strip()))
                    found = (ent, name)
                self._limit(found, lo, hi, excl)
                return
        if not phrase.strip():
            return
        found = self.attribute(phrase, ents)
        owner = self._colon_owner(phrase)
        if owner is not None and (found is None or found[0] != owner):
            found = self.attribute(phrase, [owner])
            if found is None or found[0] != owner:
                found = None
        if found is None or found[0] not in ents:
            # "orders: ..., quantity > 0": the clause's thing, even when another has a quantity too
            found = self.named_here(phrase, ents, count=True) or found
        self._limit(found, lo, hi, excl)

    def _limit(self, found: tuple[str, str] | None, lo=None, hi=None, excl=None) -> None:
        if found is None:
            return
        a = self.intent.entities[found[0]].attribute(found[1])
        if a is None or a.enum:
            return
        if lo is not None and (a.min is None or lo > a.min):
            a.min = lo
        if hi is not None and (a.max is None or hi < a.max):
            a.max = hi
        if excl is not None:
            a.exclusive_min = excl
        if (
            a.type is None
            and (lo is not None or hi is not None)
            and all(v is None or float(v).is_integer() for v in (lo, hi))
            and not kb.attribute_rule(a.name)
        ):
            a.type = "integer"

    def _totals(self, low: str, ents: list[str], ev: str) -> None:
        """ "the percentages of a lot must add up to 100", "the split % of a report has to sum to 100",
        "total share per fund must be exactly 100": the rows of each parent sum to a number (a deferred
        check at commit, once all the rows are written)."""
        low = re.sub(r"(?<=[a-z]) ?%", " percent", low)
        for m in re.finditer(
            r"\b(total |sum of (?:the )?|the sum of (?:the )?)?([a-z][a-z ]{0,30}?) (?:of|per|for|in|across|within) "
            r"(?:an? |the |each |every |one |its |their )?([a-z]+(?: [a-z]+)?) (?:must |should |has to |have to |"
            r"needs? to |will |shall |always |can only )*(add up to|adds up to|sum to|sums to|total|totals|"
            r"come to|comes to|be exactly|equal|equals|be|is|are) (?:exactly )?(\d+(?:\.\d+)?)\b",
            low,
        ):
            said_total = bool(m.group(1)) or m.group(4) not in ("be", "is", "are", "be exactly", "equal", "equals")
            if not said_total:
                continue
            group = self._entity_in(m.group(3))
            if group is None:  # "of a lot": the wine lots
                named = self.positions(m.group(3))
                group = named[-1][1] if named else None
            if group is None:
                continue
            phrase = re.sub(r"^(?:and|but|so|then|while)\s+", "", m.group(2)).removeprefix("the ").strip()
            total = float(m.group(5))
            # the rows that hold the amount: a thing referencing the group, else the group's link rows
            holders = [
                r.source
                for r in self.intent.relationships
                if r.kind == "many_to_one" and r.target == group and r.source in self.intent.entities
            ]
            found = self.attribute(phrase, holders) if holders else None
            if found is not None and found[0] in holders:
                self.add(
                    kind="balanced",
                    entity=found[0],
                    group_by=self.reference(found[0], group) or group,
                    amount=found[1],
                    max=total,
                    evidence=ev,
                )
                continue
            words = phrase.split()
            for r in self.intent.relationships:
                if r.kind != "many_to_many" or group not in (r.source, r.target):
                    continue
                name = next(
                    (
                        a.name
                        for a in r.attributes
                        if a.name in (snake(words), singular(snake(words)), snake(words[-1:]), singular(words[-1]))
                        or kb.meaning(a.name) == kb.meaning(singular(words[-1]))
                    ),
                    None,
                )
                if name is not None:
                    # the link table has no entity of its own: the rule names the group, the planner
                    # finds the link rows that hold the amount
                    self.add(kind="balanced", entity=group, amount=name, max=total, evidence=ev)
                    break

    def _exclusive(self, low: str, ents: list[str], ev: str) -> None:
        m = re.search(
            r"either (?:an? |the )?([a-z_ ]{2,30}?) or (?:an? |the )?([a-z_ ]{2,30}?)(?=[,.;)]|$| but | never| not)",
            low,
        )
        if not m or not re.search(r"\bboth\b|\bnot both\b|never both|but not", low):
            return
        a, b = self.attribute(m.group(1), ents), self.attribute(m.group(2), ents)
        if a and b and a[0] == b[0] and a[1] != b[1]:
            self.add(kind="exclusive", entity=a[0], columns=[a[1], b[1]], mode="exactly_one", evidence=ev)

    def _append_only(self, low: str, ents: list[str], ev: str) -> None:
        m = re.search(
            rf"(?:{_NEG}|are never|is never|aren't|isn't|no)\s+(?:be\s+|ever\s+|being\s+)?(?:edited|changed|modified|updated|deleted|removed|overwritten|altered|rewritten|touched)"
            r"(?:\s+or\s+(?:deleted|removed|changed|edited))?(?:\s+once\s+([a-z]+))?|\bimmutable\b|append[- ]only|write[- ]once|\bread[- ]only\b",
            low,
        )
        if not m:
            return
        ent = ents[0]
        state = m.group(1) if m.lastindex else None
        if state:
            for name in ents:
                e = self.intent.entities[name]
                for a in e.attributes:
                    if a.enum and any(v.lower() == state for v in a.enum):
                        value = next(v for v in a.enum if v.lower() == state)
                        self.add(
                            kind="immutable_when", entity=name, column=a.name, values=[value], evidence=ev
                        )
                        return
            return  # "locked once approved" with no such status: not an append-only table either
        self.intent.entities[ent].append_only = True
        self.add(kind="append_only", entity=ent, evidence=ev)

    def _balanced(self, low: str, ents: list[str], ev: str) -> None:
        if not re.search(
            r"debits? (?:must |should |always )?(?:equal|=|match|balance)|\bbalances?\b|sum to zero|net to zero",
            low,
        ):
            return
        for e in self.intent.entities.values():
            debit = next((a.name for a in e.attributes if "debit" in a.name), None)
            credit = next((a.name for a in e.attributes if "credit" in a.name), None)
            if debit and credit:
                parent = next(
                    (
                        r.target
                        for r in self.intent.relationships
                        if r.source == e.name and r.kind == "many_to_one" and r.target in ents
                    ),
                    None,
                ) or next(
                    (
                        r.target
                        for r in self.intent.relationships
                        if r.source == e.name and r.kind == "many_to_one"
                    ),
                    None,
                )
                if parent:
                    self.add(
                        kind="balanced",
                        entity=e.name,
                        group_by=parent,
                        debit=debit,
                        credit=credit,
                        evidence=ev,
                    )
                return


_OPTIONAL = re.compile(
    r"\b(?:may|might|optional(?:ly)?|if any|if it has one|sometimes|can be (?:empty|unassigned|blank|null|left out)|"
    r"not always|zero or one|at most one)\b"
)
_REQUIRED = re.compile(
    r"\b(?:exactly one|must have|must belong|always has|always have|is required|required|mandatory)\b"
)


def _shorthand(low: str) -> str:
    """Rule shorthand in plain words: "licence number (unique)", "license # unique", "APN thats unique",
    "cant be negative", "≥ 1"."""
    low = low.replace("≥", ">=").replace("≤", "<=").replace("=>", ">=").replace("=<", "<=")
    low = re.sub(r"\(\s*((?:must be |is )?unique)\s*\)", r" \1", low)
    low = re.sub(r"(?<=[a-z]) ?#", " number", low)
    low = re.sub(r"\b(?:thats|that's|that is|which is|which are|that are)\s+unique", "unique", low)
    low = re.sub(r"\bcant\b", "can't", low)
    low = re.sub(r"\bw/(?=\s)", "with", low)  # "no two games w/ the same number"
    return low


def optionality(intent: Intent) -> None:
    """Set ``required`` on references from the words of the clause that states them."""
    for r in intent.relationships:
        if r.kind not in ("many_to_one", "one_to_one") or r.required is not None or not r.evidence:
            continue
        low = r.evidence.lower()
        # "at most one session running at a time": how many at once, not whether there is one
        low = re.sub(r"\bat most one\b(?=[a-z ]{0,40}\bat (?:a|the same) time\b)", "", low)
        # the words that link the two ("meetups get logged per tandem with ... optional notes": the notes
        # are optional, not the tandem)
        ends = [
            re.search(r"\b" + re.escape(n.replace("_", " ")) + r"(?:s|es)?\b", low)
            or re.search(r"\b" + re.escape(n.rsplit("_", 1)[-1]) + r"(?:s|es)?\b", low)
            for n in (r.source, r.target)
        ]
        if all(ends):
            lo, hi = sorted(ends, key=lambda h: h.start())
            low = low[max(0, lo.start() - 30) : hi.end() + 12]
        if _OPTIONAL.search(low):
            r.required = False
        elif _REQUIRED.search(low) or re.search(
            r"\b(?:each|every) [a-z ]+ (?:has|belongs to|is for|uses) (?:one|a|an|exactly)\b", low
        ):
            r.required = True


def read_rules(intent: Intent, clauses: list[str]) -> None:
    optionality(intent)
    intent.rules += RuleReader(intent, clauses).run()
