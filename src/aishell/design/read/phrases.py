"""Reader step 3 — phrasing: relation records around noun phrases ("X has many Y", "Y belongs to X",
"X with Y and Z", "between X and Y", verbs, prepositions, possessives) and mentions of each name."""

from __future__ import annotations

import re

from aishell.design import kb
from aishell.design.read.clauses import DEFINITION
from aishell.design.read.tokens import NP, Tok, _base_tag, tokenize
from aishell.design.words import is_plural, plural, singular, snake, verb_lemma


class PhraseStage:
    # ---- noun phrase → candidate name ----
    def np_name(self, np: NP) -> tuple[str | None, str | None, str | None]:
        """(entity name, head noun, modifier entity) for a noun phrase, or (None, ...) when it names nothing."""
        words = [w for w in np.words if w not in self.lex["adjectives"] or w == np.head]
        words = [w.replace("'", "") for w in words]
        if not words:
            return None, None, None
        generic = self.lex["generic_nouns"]
        # drop generic heads: "inventory tracking" -> inventory, "order history" -> order
        while (
            len(words) > 1
            and (words[-1] in generic or singular(words[-1]) in generic)
            and singular(words[-1]) not in self.lex["countable_generic"]
            and not (not is_plural(words[-1]) and kb.is_attribute_word(snake(words)))
        ):
            words = words[:-1]  # but "membership status", "start time" stay: they are columns
        # drop domain words in front: "blog posts" -> posts, "clinic appointments" -> appointments
        while len(words) > 1 and singular(words[0]) in self.lex["domain_nouns"]:
            words = words[1:]
        head = singular(words[-1])
        if (head in generic or words[-1] in generic) and not (
            (len(words) > 1 or is_plural(words[-1]) or np.det in ("each", "every"))
            and head in self.lex["countable_generic"]
        ):  # "tools", "power tools", "each tool": counted, so things; "a tool", "the system": a word
            return None, None, None
        if len(head) < 2:
            return None, None, None
        sing = words[:-1] + [head]
        full = snake(sing)
        if kb.archetype_for(full) is not None and len(sing) > 1:
            return full, full, None
        if len(sing) > 1:
            mod = snake(sing[:-1])
            mod_known = kb.archetype_for(singular(mod)) is not None or singular(mod) in self.mentions
            arch = kb.archetype_for(head)
            mod_arch = kb.archetype_for(singular(mod))
            if arch is not None and mod_arch is not None and mod_arch.id == arch.id:
                return (
                    full,
                    head,
                    None,
                )  # "purchase orders", "sales orders": kinds of one thing, named as written
            if arch is not None and mod_known:
                return head, head, singular(mod)
            if (
                arch is None
                and kb.archetype_for(singular(mod)) is not None
                and head in self.lex["instance_heads"]
            ):
                return full, singular(mod), None  # "job postings": a job archetype, named as written
            if arch is not None and singular(mod) in self.lex["adjectives"]:
                return head, head, None
            return full, head, None
        return full, head, None

    def _extract_enums(self, clause: str) -> str:
        """ "a status (open, in progress, done)", "species (dog, cat, rabbit)": remember the values, in the
        user's words, for that attribute and keep the word; "players (FIDE id, rating)": the plural's
        attributes ("players with FIDE id, rating")."""

        def sub(m: re.Match[str]) -> str:
            before, inner = m.group(1), m.group(2)
            words = before.lower().split()
            last = snake(words[-1:]) if words else ""
            # "a premiere status (...)": the attribute is the noun phrase as said, without its determiner
            name = snake(words[-2:]) if len(words) >= 2 and _modifier_word(words[-2], self.lex) else last
            if re.match(r"\s*(?:e\.?g\.?|eg|such as|like|for example|i\.e\.?)\b", inner, re.IGNORECASE):
                return before  # examples, not a list of values
            items = [v.strip(" '\"") for v in re.split(r",|/|\||\bor\b|\band\b", inner) if v.strip(" '\"")]
            typed = [v for v in items if v.lower() in _TYPE_WORDS]
            if typed and last:
                # "habitat (short description, free text)", "allergies (free text)": how the value is
                # written, a column, not a thing with columns of its own
                hints = getattr(self, "type_hints", None)
                if hints is None:
                    hints = self.type_hints = {}
                for key in {last, singular(last)}:
                    hints.setdefault(key, _TYPE_WORDS[typed[0].lower()])
                return before
            short = len(items) >= 2 and all(len(v.split()) <= 3 and len(v) <= 40 for v in items)
            attribute_like = sum(1 for v in items if kb.is_attribute_word(snake(v.lower().split())))
            values = short and (
                (kb.attribute_rule(last) or {}).get("enum")
                or last in self.lex.get("enum_heads", ())
                or (
                    last
                    and not is_plural(last)
                    and (
                        kb.archetype_for(last) is None
                        # "form (tablet, capsule, syrup)": single words none of which is a thing
                        or all(
                            len(v.split()) == 1
                            and not is_plural(v.lower())
                            and kb.archetype_for(v.lower()) is None
                            for v in items
                        )
                    )
                    and attribute_like == 0
                    and not any(_has_verb_word(v) for v in items)
                )
            )
            kinds = [v.strip(" .…").strip() for v in items if v.strip(" .…").lower() not in ("etc", "")]
            if (
                not values
                and last
                and is_plural(last)
                and len(kinds) >= 3
                and attribute_like == 0
                and all(_kind_word(v) for v in kinds)
                and not any(_has_verb_word(v) for v in kinds)
                and not any(singular(snake(v.lower().split())) in self.mentions for v in kinds)
            ):
                # "vendors (florist, DJ, photographer, caterer...)": kinds of the thing, a type column
                name = f"{singular(last)}_type"
                self.enum_hints[name] = kinds
                self._hint_at(name, clause, m.start())
                self.pending_clauses.append(f"{last} have a {singular(last)} type")
                return before
            if (
                not values
                and re.search(r"(?:\betc\.?|\.\.\.|…|\band so on)\s*$", inner, re.IGNORECASE)
                and is_plural(last)
            ):
                return before  # "tools (drills, sanders, a laser cutter etc)": examples of the things
            if values:
                self._hint_at(name or last, clause, m.end(1))
                self.enum_hints[last] = items
                if name != last:
                    self.enum_hints[name] = items
                return before
            if "," not in inner and "/" not in inner and "+" not in inner:
                item = self._list_item(inner.strip())
                owner = [w for w in words if is_plural(w) and w not in self.lex["auxiliaries"]]
                if item.startswith("unique ") and owner:
                    self.pending_clauses.append(
                        f"{owner[-1]} have {item}"
                    )  # "contractors (license # unique)"
                return before  # "Accounts (companies)": an explanation, not more requirements
            # "players (FIDE id, rating) play games": the attributes become a sentence of their own
            subject = [
                w
                for w in words[-2:]
                if w not in self.lex["determiners"] and w not in self.lex["prepositions"]
            ]
            tagged = tokenize(before)
            if subject and tagged and tagged[-1].text == subject[-1]:
                # "need to track customers (address, phone)": the owner of the list is the noun phrase
                # before the parenthesis, never the verb that governs it
                kept = []
                for t in reversed(tagged[-len(subject):]):
                    if t.tag not in ("N", "VN", "A", "OTHER"):
                        break
                    kept.insert(0, t.text)
                subject = kept or subject
            if any(len(x.split()) > 5 or _has_verb_word(x) for x in re.split(r",|\+|&", inner)):
                # "(one plot may hold up to 2 burials)": a remark of its own; "(a class here is a group
                # session, not a school class)" says what a word means, and names nothing to store
                if not DEFINITION.search(inner):
                    self.pending_clauses.append(inner)
                return before
            if subject and inner.strip():
                parts = [self._list_item(x.strip()) for x in re.split(r",|\+|&", inner) if x.strip()]
                parts = [x for x in parts if x]
                listed = ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]
                self.pending_clauses.append(f"{' '.join(subject)} have {listed}")
            return before

        clause = self._value_lists(clause)
        return re.sub(r"([A-Za-z][A-Za-z ]{0,40}?)\s*\(([^()]*)\)", sub, clause)

    def _list_item(self, item: str) -> str:
        """One item of an attribute list in the user's shorthand: "membership number - unique" (a unique
        attribute), "level: junior/adult/senior" (an attribute and its values), "has lights yes/no" (a
        yes-or-no attribute)."""
        m = re.fullmatch(
            r"(.+?)\s*(?:-|–|:|,)?\s*(?:is |are |must be |should be |has to be |thats |that's |that is )?unique",
            item,
            re.IGNORECASE,
        )
        if m and not re.search(r"\b(?:per|within|in each)\b", m.group(1)):
            return "unique " + m.group(1)
        return self._value_lists(item)

    def _hint_at(self, name: str, clause: str, pos: int, of: str = "") -> None:
        """Where a list of values was said: the clause and the words before it name its owner."""
        if not hasattr(self, "hint_places"):
            self.hint_places = {}
        self.hint_places.setdefault(name, (clause, pos, (of or "").strip()))

    _VALUE = r"[A-Za-z0-9][\w+'.-]*(?: [A-Za-z0-9][\w+'.-]*)?"

    def _value_lists(self, text: str) -> str:
        text = re.sub(
            r"\b([a-z]+)\s*/\s*([a-z]+)\b",
            lambda m: (
                f"{m.group(1)}-per-{m.group(2)}"
                if _is_unit(m.group(1), self.lex) and (_is_unit(m.group(2), self.lex) or m.group(2) in _PER)
                else m.group(0)
            ),
            text,
        )
        """Values listed after an attribute without parentheses: "result pass / fail / partial",
        "level: junior/adult/senior", "controlled yes/no", "status of app: submitted, under review,
        approved": the values are remembered (the user's words) and only the attribute is read on."""
        hints = getattr(self, "type_hints", None)
        if hints is None:
            hints = self.type_hints = {}

        def slash(m: re.Match[str]) -> str:
            prefix, values = m.group(1), m.group(2)
            items = [v.strip() for v in re.split(r"\s*/\s*", values) if v.strip()]
            words = [
                w for w in re.findall(r"[a-z][a-z0-9_-]*", prefix.lower()) if w not in self.lex["determiners"]
            ]
            if not words or len(items) < 2 or any("_" in v for v in items):
                return m.group(0)  # "valid_from / valid_to": names, not values
            closed = ("determiners", "auxiliaries", "prepositions", "conjunctions", "pronouns", "quantifiers")
            if any(words[-1] in self.lex[k] for k in closed) or words[-1] in ("has", "have", "had"):
                return m.group(0)
            units = self.lex["units"]
            if all(v.lower() in units or singular(v.lower()) in units or v.lower() in _PER for v in items):
                return m.group(0)  # "kg/ha", "ppl/hour": a unit of measure
            folded = {v.lower() for v in items}
            if folded <= {"yes", "no", "y", "n", "true", "false"}:
                name = snake(words[-1:])
                hints[name] = "boolean"
                self._hint_at(name, text, m.start())
                return re.sub(r"^(?:has|have|is|are)\s+", "", prefix.strip(), flags=re.IGNORECASE)
            name = snake(words[-1:])
            if len(words) >= 2 and snake(words[-2:]) in self.lex.get("enum_heads", ()):
                name = snake(words[-2:])
            if kb.archetype_for(name) is not None and name not in self.lex.get("enum_heads", ()):
                return m.group(0)  # "buyers/sellers": things, not values
            self.enum_hints.setdefault(name, items)
            self._hint_at(name, text, m.start())
            return prefix

        text = re.sub(
            r"\b((?:[A-Za-z][\w-]*\s+){0,1}[A-Za-z][\w-]*)\s*:?\s+("
            + self._VALUE
            + r"(?:\s*/\s*"
            + self._VALUE
            + r")+)(?=\s*(?:[,.;)]|$| and | with ))",
            slash,
            text,
        )

        def colon(m: re.Match[str]) -> str:
            head, values = singular(m.group(1).lower()), m.group(3)
            items = [v.strip(" '\"") for v in re.split(r",|\bor\b|\band\b", values) if v.strip(" '\"")]
            if len(items) < 2 or not all(len(v.split()) <= 3 for v in items):
                return m.group(0)
            self.enum_hints.setdefault(head, items)
            self._hint_at(head, text, m.start(), of=m.group(2))
            return m.group(0)[: m.start(3) - m.start(0)].rstrip(" :") + " "

        heads = "|".join(
            sorted((h for h in self.lex.get("enum_heads", ()) if "_" not in h), key=len, reverse=True)
        )
        text = re.sub(
            r"\b("
            + heads
            + r")(?:e?s)?\b((?: of (?:the |an? )?[a-z]+)?)\s*(?:is one of|is either|can be|are|is)?\s*:\s*([^.;:()]+?)(?=[.;]|$)",
            colon,
            text,
            flags=re.IGNORECASE,
        )

        def choice(m: re.Match[str]) -> str:
            head, values = m.group(1).lower(), m.group(2)
            items = [v.strip(" '\"") for v in re.split(r",|\bor\b", values) if v.strip(" '\"")]
            closed = ("determiners", "auxiliaries", "prepositions", "conjunctions", "pronouns", "quantifiers")
            if len(items) < 2 or any(
                any(w in self.lex[k] for k in closed) or kb.archetype_for(singular(w)) is not None
                for v in items
                for w in v.lower().split()
            ):
                return m.group(0)  # "a type of truck, van or car": things, not values
            self.enum_hints.setdefault(head, items)
            self._hint_at(head, text, m.start())
            return m.group(0)[: m.start(2) - m.start(0)].rstrip(" :")

        # "status open, scheduled or done", "a status of open, approved or rejected": an attribute word
        # followed by alternatives joined with "or" is a choice among the user's values, colon or not
        return re.sub(
            r"\b("
            + heads
            + r")\s+(?:of\s+|is\s+(?:either\s+)?|either\s+)?((?:[a-z][\w-]*(?: [a-z][\w-]*)?,\s*)+(?:or )?[a-z][\w-]*"
            + r"(?: [a-z][\w-]*)?\s+or\s+[a-z][\w-]*(?: [a-z][\w-]*)?|[a-z][\w-]*\s+or\s+[a-z][\w-]*)(?=\s*(?:[.;,)]|$))",
            choice,
            text,
            flags=re.IGNORECASE,
        )

    def _chunk(self, toks: list[Tok], bullet: bool) -> list[object]:
        items: list[object] = []
        i = 0
        pending_det: str | None = None
        pending_quant: str | None = None
        pending_other = False
        pending_flags: set[str] = set()
        while i < len(toks):
            t = toks[i]
            if t.tag in ("N", "A") and (t.tag == "N" or (i + 1 < len(toks) and toks[i + 1].tag == "N")):
                words = []
                flags = set(pending_flags)
                start = i
                while i < len(toks) and toks[i].tag in ("N", "A"):
                    if toks[i].tag == "A":
                        if toks[i].text in ("unique", "required", "optional", "mandatory"):
                            flags.add(toks[i].text)
                        if toks[i].text in ("other", "another"):
                            pending_other = True
                        # an adjective inside a phrase is kept only as part of a compound
                        if i + 1 < len(toks) and toks[i + 1].tag == "N":
                            i += 1
                            continue
                        break
                    words.append(toks[i].text)
                    i += 1
                if words:
                    items.append(
                        NP(
                            words,
                            det=pending_det,
                            quant=pending_quant,
                            other=pending_other,
                            flags=flags,
                            start=start,
                            bullet_head=bullet and not any(isinstance(x, NP) for x in items),
                        )
                    )
                pending_det, pending_quant, pending_other, pending_flags = None, None, False, set()
                continue
            if t.tag == "D":
                pending_det = t.text
            elif t.tag == "Q":
                pending_quant = "many" if t.text not in ("one",) else None
            elif t.tag == "OTHER":
                pending_other = True
            elif t.tag == "R" and t.text == "one" and i + 1 < len(toks) and toks[i + 1].tag == "N":
                pending_det = "one"  # "done by one tuner": a count before a noun, not the pronoun
            elif t.tag == "A":
                if t.text in ("unique", "required", "optional", "mandatory"):
                    pending_flags.add(t.text)
                if t.text == "multiple" or t.text == "various" or t.text == "numerous":
                    pending_quant = "many"
            else:
                if t.tag not in ("X",):
                    pending_det, pending_quant, pending_other = None, None, False
                items.append(t)
            i += 1
        return items

    def _note(self, name: str, np: NP, role: str) -> None:
        m = self.mentions.setdefault(
            name,
            {
                "count": 0,
                "plural": False,
                "each": False,
                "roles": set(),
                "bullet": False,
                "nps": [],
                "singular_det": set(),
            },
        )
        m["count"] += 1
        if not getattr(self, "_in_query", False):
            m["outside_query"] = True
        m["plural"] |= np.plural
        m["bare_start"] = m.get("bare_start", False) or (
            np.start == 0 and np.det is None and role != "modifier"
        )
        m["each"] |= np.det in ("each", "every")
        m["roles"].add(role)
        m["bullet"] |= np.bullet_head
        if not np.plural and np.det:
            m["singular_det"].add(np.det)
        m["nps"].append(np)

    def _relations(self, items: list[object], clause: str) -> None:
        """Find relation phrasing around noun phrases; record raw relations and mentions."""
        nps = [x for x in items if isinstance(x, NP)]
        for np in nps:
            name, head, mod = self.np_name(np)
            if name:
                self._note(name, np, "mention")
                head_arch = kb.archetype_for(head or "")
                kind_of = head_arch is None or head_arch.kind in ("thing", "actor", "org")
                if mod and not is_plural(np.words[-2] if len(np.words) > 1 else mod):
                    # a singular modifier names a thing ("product reviews"); a plural one is an idiom
                    # ("sales reps", "goods receipts")
                    self._note(mod, NP([mod], det=None), "modifier" if not kind_of else "kind_modifier")
                    self.rels.append(("compound", {"child": name, "parent": mod, "evidence": clause}))
        n = len(items)
        last_np: NP | None = None
        subject: NP | None = None
        verb_subject: NP | None = None
        last_objects: list[NP] = []
        i = 0
        while i < n:
            it = items[i]
            if isinstance(it, NP):
                last_np = it
                if subject is None:
                    subject = it
                i += 1
                continue
            tok: Tok = it  # type: ignore[assignment]
            if tok.tag == "REL":
                # "X and Y are many-to-many", "many-to-many between X and Y"
                ents = [x for x in items if isinstance(x, NP) and self.np_name(x)[0]]
                if len(ents) >= 2:
                    kind = {
                        "<M2M>": "mn",
                        "many-to-many": "mn",
                        "m:n": "mn",
                        "n:m": "mn",
                        "m2m": "mn",
                        "<->": "mn",
                        "<O2O>": "oo",
                    }.get(tok.text, "om")
                    self.rels.append(
                        ("explicit", {"kind": kind, "a": ents[0], "b": ents[1], "evidence": clause})
                    )
                i = n
                continue
            if tok.tag == "POSS":
                prev = items[i - 1] if i > 0 else None
                nxt = items[i + 1] if i + 1 < n else None
                if isinstance(prev, NP) and isinstance(nxt, NP):
                    # "students' attempts": the attempts belong to students
                    self.rels.append(
                        ("prep", {"subject": nxt, "prep": "of", "objects": [prev], "evidence": clause})
                    )
                i += 1
                continue
            if tok.tag == "EX":
                # "activities such as calls and meetings": examples of the noun before, not tables of their own
                objs, j2 = self._collect(items, i + 1, new_subjects=False)
                for o in objs:
                    nm = self.np_name(o)[0]
                    if nm:
                        self.examples.add(nm)
                i = max(j2, i + 1)
                continue
            # "for each donation we measure hemoglobin and the volume": what we record is the entity's
            if (
                tok.tag == "V"
                and (tok.lemma or verb_lemma(tok.text)) in self.lex.get("speaker_record_verbs", ())
                and self._pronoun_before(items, i)
            ):
                objs, j2 = self._collect(items, i + 1)
                owner = self._clause_entity(items)
                if objs and owner is not None:
                    self.rels.append(("record", {"subject": owner, "objects": objs, "evidence": clause}))
                    i = max(j2, i + 1)
                    continue
            # verbs: "X has many Y", "drivers accept rides", "tasks are assigned to users"
            if (tok.tag == "V" or tok.lemma == "have") and last_np is not None:
                subj = last_np
                k = i - 1
                while k >= 0 and not isinstance(items[k], NP) and getattr(items[k], "tag", "") == "X":
                    k -= 1
                if (
                    k >= 0
                    and not isinstance(items[k], NP)
                    and getattr(items[k], "text", "") in ("and", "or", ",")
                    and verb_subject is not None
                ):
                    subj = verb_subject  # "... has a specialty and works at clinics"
                if (
                    tok.tag == "V"
                    and tok.text != (tok.lemma or tok.text)
                    and tok.text.endswith(("ed", "en"))
                    and i > 0
                    and isinstance(items[i - 1], NP)
                ):
                    pass  # reduced relative clause: "transactions recorded in a ledger" (passive below)
                verb = tok.lemma or verb_lemma(tok.text)
                j = i + 1
                passive = False
                if tok.tag == "X" and tok.text in ("is", "are", "be", "was", "were"):
                    passive = True
                # passive: "is/are (being)? <participle> to/by X"
                k = i - 1
                while k >= 0 and not isinstance(items[k], NP) and getattr(items[k], "tag", "") == "X":
                    if items[k].text in ("is", "are", "be", "been", "was", "were", "get", "gets"):  # type: ignore[union-attr]
                        passive = True
                    k -= 1
                if tok.tag == "V" and tok.text.endswith("ed") or tok.text.endswith("en") and passive:
                    passive = passive or (tok.tag == "V" and tok.text != verb)
                particle = None
                while (
                    j < n
                    and not isinstance(items[j], NP)
                    and (
                        getattr(items[j], "tag", "") in ("X", "P", "A", "V")
                        or getattr(items[j], "text", "") == "one"
                    )
                ):
                    t2: Tok = items[j]  # type: ignore[assignment]
                    if t2.tag == "P":
                        if particle is None:
                            particle = t2.text
                        if t2.text in ("between",):
                            break
                    if t2.tag == "V":
                        # "can have", "want to follow": the later verb is the one that counts
                        verb = t2.lemma or verb_lemma(t2.text)
                        passive = passive and t2.text != verb
                    j += 1
                if (
                    tok.tag == "V"
                    and tok.text != verb
                    and tok.text.endswith(("ed", "en"))
                    and i > 0
                    and isinstance(items[i - 1], NP)
                ):
                    passive = True
                if j < n and not isinstance(items[j], NP) and getattr(items[j], "text", "") == "between":
                    objs_b, j2 = self._collect(items, j + 1)  # "transfers go between two accounts"
                    if objs_b:
                        self.rels.append(
                            ("between", {"subject": subj, "objects": objs_b, "evidence": clause})
                        )
                    i = max(j2, i + 1)
                    continue
                if (
                    j < n
                    and not isinstance(items[j], NP)
                    and getattr(items[j], "text", "") in ("them", "it", "these", "those")
                ):
                    objs, j2 = list(last_objects), j + 1  # "riders request rides and drivers accept them"
                else:
                    objs, j2 = self._collect(items, j)
                if (
                    not objs
                    and passive
                    and kb.archetype_for(verb) is not None
                    and kb.archetype_for(verb).kind == "tag"
                ):
                    objs = [NP([plural(verb)], quant="many")]  # "recipes are tagged": tags, many-to-many
                    self._note(verb, objs[0], "mention")
                    self.mentions[verb]["plural"] = True
                if objs:
                    self.rels.append(
                        (
                            "verb",
                            {
                                "subject": subj,
                                "verb": verb,
                                "objects": objs,
                                "passive": passive,
                                "participle": tok.text if passive else None,
                                "particle": particle,
                                "evidence": clause,
                            },
                        )
                    )
                    last_objects = objs
                    verb_subject = subj
                    last_np = objs[-1]
                i = max(j2, i + 1)
                continue
            if tok.tag == "P" or (tok.tag == "PUNCT" and tok.text == ":"):
                prep = tok.text if tok.tag == "P" else "with"
                prev = items[i - 1] if i > 0 else None
                before = items[i - 2] if i > 1 else None
                if (
                    tok.tag == "P"
                    and prep in ("for", "with", "of", "at", "in", "on", "by")
                    and getattr(prev, "tag", "") == "X"
                    and getattr(prev, "text", "") in ("is", "are", "was", "were")
                    and isinstance(before, NP)
                ):
                    # "an appointment is for one dog with one groomer": both belong to the appointment
                    objs, j2 = self._collect(items, i + 1)
                    k = j2
                    while (
                        k < n
                        and getattr(items[k], "tag", "") == "P"
                        and getattr(items[k], "text", "")
                        in (
                            "with",
                            "and",
                            "for",
                            "by",
                            "at",
                        )
                    ):
                        more, k2 = self._collect(items, k + 1)
                        if not more:
                            break
                        if getattr(items[k], "text", "") == "with":
                            # "a rental is for one tool, with a deposit": what it comes with is its own
                            self.rels.append(
                                ("prep", {"subject": before, "prep": "with", "objects": more, "evidence": clause})
                            )
                        else:
                            objs += more
                        k = k2
                    if objs:
                        self.rels.append(
                            ("prep", {"subject": before, "prep": prep, "objects": objs, "evidence": clause})
                        )
                        last_np = objs[-1]
                        comma = items[k - 1] if 0 < k <= n else None
                        then = items[k] if k < n else None
                        if getattr(comma, "text", "") == "," and (
                            getattr(then, "text", "") in ("has", "have")
                            or getattr(then, "tag", "") == "V" and getattr(then, "text", "").endswith("s")
                        ):  # a finite verb; "..., made by one customer" is a participle, read elsewhere
                            # "a repair job is for one watch, has a date and a quote": a second predicate
                            # of the same subject, not something the watch has
                            last_np = before
                    i = max(k, i + 1)
                    continue
                if prep == "between":
                    objs, j2 = self._collect(items, i + 1)
                    if objs:
                        self.rels.append(
                            (
                                "between",
                                {
                                    "subject": prev if isinstance(prev, NP) else None,
                                    "objects": objs,
                                    "evidence": clause,
                                },
                            )
                        )
                    i = max(j2, i + 1)
                    continue
                if prep in ("after", "during", "before", "upon", "per", "for"):
                    # "riders rate drivers after each trip", "during a session", "for each order": the
                    # event the clause records (a rating, a prescription) belongs to that entity
                    objs_e, j2 = self._collect(items, i + 1)
                    after_verb = isinstance(prev, NP) and any(prev is o for o in last_objects)
                    each = bool(objs_e) and objs_e[0].det in ("each", "every")
                    if objs_e and (
                        prep in ("after", "during", "before", "upon")
                        and (bool(last_objects) or not isinstance(prev, NP))
                        or prep in ("per", "for")
                        and each
                        and after_verb
                    ):
                        self.rels.append(("event_prep", {"objects": objs_e[:1], "evidence": clause}))
                        i = max(j2, i + 1)
                        continue
                if (
                    tok.text == ":"
                    and isinstance(prev, NP)
                    and subject is not None
                    and subject is not prev
                    and subject.plural
                ):
                    # "inspections of a hive: date, temper, notes": the inspections' columns
                    objs, j2 = self._collect(items, i + 1)
                    if objs:
                        self.rels.append(
                            (
                                "prep",
                                {"subject": subject, "prep": "with", "objects": objs, "evidence": clause},
                            )
                        )
                    i = max(j2, i + 1)
                    continue
                if tok.text == ":" and isinstance(prev, NP) and prev.det in ("a", "an") and not prev.plural:
                    i += 1
                    continue  # "A clinic: patients book ...": a heading, not "a clinic with patients"
                if isinstance(prev, NP) or (
                    tok.text == "with" and last_np is not None and subject is not None
                ):
                    subj = prev if isinstance(prev, NP) else last_np
                    if tok.text == ":" and subject is not None and subject is not prev and subject.plural:
                        subj = subject  # "inspections of a hive: date, temper": the inspections' columns
                    if (
                        tok.text == "with"
                        and subject is not None
                        and subj is not subject
                        and (
                            getattr(prev, "text", "") == ","
                            or i > 1
                            and getattr(items[i - 2], "text", "") in ("per", "to", "into", "on", "at")
                        )
                    ):
                        # "guests belong to one wedding, with RSVP and meal choice", "treatments are logged
                        # per block with a date": what comes with it describes the clause's subject, not the
                        # place or group named in passing
                        subj = subject
                    objs, j2 = self._collect(items, i + 1)
                    for o in objs:
                        if o.det is None and o.quant is None and not o.plural and prep not in ("with", "per"):
                            nm = self.np_name(o)[0]
                            if nm:
                                self.bare_prep.setdefault(nm, 0)
                                self.bare_prep[nm] += 1  # "for sale", "in stock": idioms, not entities
                    if objs and subj is not None:
                        self.rels.append(
                            ("prep", {"subject": subj, "prep": prep, "objects": objs, "evidence": clause})
                        )
                        last_np = objs[-1]
                    i = max(j2, i + 1)
                    continue
            i += 1

    def _pronoun_before(self, items: list[object], i: int) -> bool:
        """ "we record", "we are measuring", "I keep": the speaker records something."""
        k = i - 1
        while k >= 0 and getattr(items[k], "tag", "") == "X":
            k -= 1
        return (
            k >= 0
            and getattr(items[k], "tag", "") == "R"
            and getattr(items[k], "text", "")
            in (
                "we",
                "i",
                "you",
                "they",
            )
        )

    def _clause_entity(self, items: list[object]) -> NP | None:
        """The thing a clause is about: the noun after "each"/"every" ("for each donation"), else its
        first noun phrase, else the subject of the clause before."""
        nps = [x for x in items if isinstance(x, NP)]
        each = next((x for x in nps if x.det in ("each", "every")), None)
        found = (
            each
            or (nps[0] if nps and items.index(nps[0]) < 3 else None)
            or getattr(self, "_last_subject", None)
        )
        return found

    def _collect(self, items: list[object], j: int, *, new_subjects: bool = True) -> tuple[list[NP], int]:
        """A list of noun phrases joined by commas, and/or, determiners, quantifiers (a noun followed by a
        verb starts a new sentence unless ``new_subjects`` is False)."""
        objs: list[NP] = []
        n = len(items)
        while j < n:
            it = items[j]
            if isinstance(it, NP):
                nxt = items[j + 1] if j + 1 < n else None
                if (
                    objs
                    and new_subjects
                    and nxt is not None
                    and not isinstance(nxt, NP)
                    and (
                        nxt.tag == "V"
                        or nxt.tag == "X"
                        and (
                            nxt.lemma == "have"
                            or nxt.text
                            in ("is", "are", "can", "must", "may", "should", "will", "cannot", "can't")
                        )
                    )
                ):  # type: ignore[union-attr]
                    break  # "..., and sensors send readings": a new subject, not another object
                objs.append(it)
                j += 1
                continue
            tok: Tok = it  # type: ignore[assignment]
            if tok.tag == "D" and tok.text in ("each", "every"):
                break  # ", each device has ...": a new subject
            if (
                objs
                and tok.tag == "R"
                and tok.text in ("we", "they", "you", "i", "he", "she")
                and any(getattr(x, "text", "") == "," for x in items[j + 1 :])
            ):
                # "a name we give it, species, ...": a relative clause inside the list is skipped
                j += 1
                while j < n and getattr(items[j], "text", "") != ",":
                    j += 1
                continue
            if (
                tok.tag in ("PUNCT",)
                and tok.text == ","
                or tok.tag == "C"
                and tok.text in ("and", "or", "/", "&", "+", "<and>")
            ):
                j += 1
                continue
            if (
                tok.tag in ("D", "Q", "A", "OTHER")
                or tok.text == "one"
                and j + 1 < n
                and isinstance(items[j + 1], NP)
                or tok.tag == "X"
                and tok.text in ("also",)
                or tok.text == "one"
                and j + 1 < n
                and getattr(items[j + 1], "text", "") == "of"
            ):
                j += 1
                continue
            if tok.tag == "P" and tok.text == "of" and j > 0 and getattr(items[j - 1], "text", "") == "one":
                j += 1
                continue
            if tok.tag == "P" and tok.text == "of" and objs and objs[-1].head in ("list", "set", "number"):
                objs.pop()
                j += 1
                continue
            break
        return objs, j


_PER = {"h", "hr", "hour", "day", "d", "week", "month", "year", "min", "minute", "s", "sec", "second"}


def _kind_word(value: str) -> bool:
    """A word naming a kind of person or thing ("florist", "DJ"), not a thing the design stores."""
    words = value.lower().split()
    if len(words) > 2:
        return False
    arch = kb.archetype_for(singular(snake(words)))
    return arch is None or arch.kind == "actor" or kb.names_person(singular(snake(words)))


def _is_unit(word: str, lex: dict) -> bool:
    return word in lex["units"] or singular(word) in lex["units"]


_TYPE_WORDS = {
    "free text": "TEXT", "free-text": "TEXT", "text": "TEXT", "a text": "TEXT", "number": "INTEGER",
    "integer": "INTEGER", "decimal": "NUMERIC", "date": "DATE", "timestamp": "TIMESTAMPTZ", "boolean": "BOOLEAN",
}  # fmt: skip


def _modifier_word(word: str, lex: dict) -> bool:
    """ "voice" in "voice part", "launch" in "launch type": a word that can modify a noun, not a
    determiner, preposition, verb or number."""
    if any(word in lex[k] for k in ("determiners", "auxiliaries", "prepositions", "conjunctions", "pronouns",
                                    "quantifiers")):
        return False
    if word in ("has", "have", "had", "with", "one", "own", "its", "their", "his", "her"):
        return False
    tag = _base_tag(word, lex)
    return tag in ("N", "A", "VN") or tag == "V" and word.endswith("ing")


def _has_verb_word(text: str) -> bool:
    """A list item that is a clause ("one plot may hold two"), not a value."""
    return any(
        t.tag == "X" and t.text in ("is", "are", "can", "may", "must", "has", "have") for t in tokenize(text)
    )
