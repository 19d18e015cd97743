"""Reader step 4 — entities: which mentioned names are things to store, and the entity objects."""

from __future__ import annotations

import re

from aishell.design import kb
from aishell.design.intent import Attribute, Entity, Relationship
from aishell.design.read.tokens import NP
from aishell.design.words import is_plural, plural, singular, snake

# "minimum pledge", "total price", "max players": a quantity about the thing, not a reference to one
_MEASURE_WORDS = {
    "minimum", "maximum", "min", "max", "total", "average", "avg", "default", "expected", "estimated",
    "number", "count", "amount", "limit", "target", "base", "net", "gross",
}  # fmt: skip


# heads of column names said in the plural ("death dates", "fill quantities", "couple names")
_MEASURE_HEADS = {
    "date", "dates", "time", "times", "name", "names", "quantity", "quantities", "amount", "amounts",
    "range", "ranges", "count", "counts", "number", "numbers", "weight", "weights", "duration", "durations",
}  # fmt: skip


# "no ledger", "not a user role", "nothing to do with logins": the noun phrase after a negation
_NEGATED_NP = re.compile(
    r"\b(?:there (?:is|are) no|so no|(?<!can )(?<!may )(?<!must )no|not (?:an?|the|any)|not|nothing to do with|"
    r"rather than|instead of)\s+((?:[a-z]+ ){0,2}[a-z]+)\b(?!\s*(?:-|\w+)?\s*(?:can|may|must|is|are|will|should)\b)"
)
# "Foray is a group walk", "- a variant is a diff cover of ...", "Sites are 1 km grid squares": X (here) is
# a Y, at the start of a sentence, a bullet or after a comma
_DEFINITION = re.compile(
    r"(?:^|[.;:!?\n]\s*|[-–—•*]\s+|,\s+)(?:(?:each|every|an?|the|one)\s+)?['\"]?(?P<x>[a-z]+(?: [a-z]+)?)['\"]?"
    r"(?:\s+here)?\s+(?:(?:is|=)\s+(?:just |simply |basically |really )?(?:an?|one)\s+|"
    r"are\s+(?:just |simply |basically |really |all |our |the |their )*(?:\d[\d.,]*\s*[a-z]{0,3}\s+)?"
    r"(?=[a-z]+s\b|[a-z]+ [a-z]+s\b))"
    r"(?P<y>[a-z]+(?: [a-z]+)?)\b"
)


def _fold(text: str) -> str:
    from aishell.design.read.tokens import fold_accents

    return fold_accents(text)


def _times_said(name: str, low: str) -> int:
    """How often the text says a name, in either number."""
    words = name.replace("_", " ")
    forms = {words, plural(name).replace("_", " ")}
    return sum(len(re.findall(r"\b" + re.escape(f) + r"\b", low)) for f in forms)


def _is_someone(noun: str, lex: dict) -> bool:
    arch = kb.archetype_for(noun)
    return _person_name_word(noun, lex) or (arch is not None and arch.kind in ("actor", "org"))


def _person_name_word(name: str, lex: dict) -> bool:
    return kb.names_person(name) or name.rsplit("_", 1)[-1] in lex["person_words"]


_CALLED = re.compile(
    r"\b(?:we|they|i|people|everyone|users) (?:call|name) (?:each |every |a |an |the |our |these |those )"
    r"(?P<x>[a-z]+(?: [a-z]+)?) (?:an? )?(?P<y>[a-z]+(?: [a-z]+)?)\b"
)
_COUNTED_NP = re.compile(
    r"\b(?:number|sum|total|count|amount|average|percentage|proportion|share) of (?:the |all |our |their )?"
    r"((?:[a-z]+ )?[a-z]+)\b"
)
_META_NP = re.compile(
    r"\b(?:[a-z]+s|as an?|an? (?:text|free[- ]text|separate|single|new|extra)) (table|field|column|row)s?\b"
)
class _NoArch:
    kind = None


_NO_ARCH = _NoArch()
_SPAN_HEADS = {"range", "window", "period", "span", "interval", "bracket", "slot"}
_NEG_SKIP = {"individual", "separate", "other", "real", "actual", "specific", "the", "a", "an", "any", "our"}
# "no two", "no more than", "not null", "not less": a rule about values, not an absence of a thing
_NEG_QUANTITY = {
    "two", "one", "more", "less", "fewer", "longer", "later", "earlier", "null", "empty", "negative", "zero",
    "the", "same", "double", "overlapping", "between", "before", "after", "over", "under", "above", "below",
}  # fmt: skip
# "leave it out", "ignore those", "handled by our booking app", "the treasurer handles that elsewhere",
# "we do not record", "no need for": the clause says what it names is not to be stored here
_LEAVE_OUT = re.compile(
    r"\b(?:leave (?:it|them|that|those|this|these) out|ignore (?:it|them|that|those|this|these)|"
    r"(?:handled|handles|handle|done|managed|kept|tracked|stored|sold) (?:\w+ )?elsewhere|"
    r"(?:handled|done|managed|sold|kept|tracked) by (?:an? |the |our |their )?(?:external|separate|other|another|"
    r"different|third[- ]party|\w+ (?:app|system|tool|program|software|office))|"
    r"(?:do|does|did|will|would)(?: not|n't|nt) (?:\w+ )?(?:need|record|store|track|keep|model|want|care|bother|add|include|do|build|cover|handle|support)|"
    r"(?:we|i) not need|no need (?:for|to)|in (?:an? )?other program|not here\b)"
)


def _used_as_unit(word: str, text: str) -> bool:
    """ "weight in grams", "20 kg", "price per litre": the word measures; "the meters", "each meter" name
    things."""
    forms = "|".join(re.escape(f) for f in {word, plural(word), singular(word)})
    low = text.lower()
    # "sold by the metre", "paid by the hour": "by" before a unit says how something is measured
    as_unit = re.search(rf"(?:\d\s*|\bin |\bper |\bof |\bby (?:the )?)(?:{forms})\b", low)
    as_thing = re.search(rf"\b(?:a|an|the|each|every|our|their|which|from|to)\s+(?:{forms})\b", low)
    return bool(as_unit) and not as_thing



_ASKED = re.compile(
    r"\s*(?:typical |main |common |key |the )?(?:queries|query|questions|lookups|reports|reporting|dashboards?|"
    r"screens|views|need)\s*(?:include|are)?\s*:",
    re.IGNORECASE,
)


class EntityStage:
    # ---- decide which names are entities ----
    def _decide_entities(self) -> None:
        relation_names: set[str] = set()
        for kind, r in self.rels:
            if kind == "compound":
                relation_names.add(r["parent"])
        for kind, r in self.rels:
            if kind in ("verb", "prep", "between"):
                for o in r["objects"]:
                    nm = self.np_name(o)[0]
                    if nm and (o.many or o.det in ("a", "an", "one", "each", "every", "the", None)):
                        pass
        for kind, r in self.rels:
            subj = r.get("subject")
            if isinstance(subj, NP):
                nm = self.np_name(subj)[0]
                if nm in self.mentions:
                    self.mentions[nm]["subject"] = True
                    if (
                        kind == "verb"
                        and any(o.many for o in r.get("objects", []))
                        and subj.det not in ("the", "our", "my", "their", "its", "this")
                    ):
                        self.mentions[nm]["verb_subject"] = True  # "a warehouse contains many pallets"
        domain = self.lex["domain_nouns"]
        self.excluded_names = self._told_to_leave_out()
        for name, m in self.mentions.items():
            if plural(name) in self.lex["count_nouns"] and not m.get("subject"):
                continue
            if self._not_a_thing(name, m):
                continue
            if name in self.examples and not m["each"] and "modifier" not in m["roles"]:
                continue
            if (
                name in self.lex["derived_nouns"] or name.rsplit("_", 1)[-1] in self.lex["derived_nouns"]
            ) and not m.get("subject"):
                continue  # "hourly rollups", "a read model": views the design derives, not tables
            if self.bare_prep.get(name, 0) >= m["count"]:
                continue
            arch = kb.archetype_for(name)
            attr_like = kb.is_attribute_word(name) or name in self.enum_hints
            if m["roles"] == {"kind_modifier"}:
                continue  # "translation projects": a kind of project, not a translations table
            strong = m["plural"] or m["each"] or m["bullet"] or "modifier" in m["roles"]
            if not strong:
                if (name in domain or name.split("_")[-1] in domain) and not m.get("verb_subject"):
                    continue  # "a clinic", "an online store": what the system is, not a table
                if attr_like and (arch is None or arch.kind not in ("actor", "org")):
                    continue  # "a price", "an address": columns unless said in the plural somewhere
                if attr_like and m["count"] == 1 and not m["singular_det"] and not m.get("subject"):
                    continue  # "piano has brand, serial number, type": a bare word in a list, a column
                if (
                    arch is None
                    and not m["singular_det"] & {"each", "every", "one"}
                    and not (
                        m.get("subject")
                        and (m.get("bare_start") or m["count"] >= 3)
                        and not attr_like
                        and m["count"] >= 2
                        and min(len(w) for w in name.split("_")) >= 4
                    )
                ):  # "Case has number unique", "Translator can work many pairs": a thing, without article
                    # a singular unknown noun: an entity only if it takes part in a relation (below)
                    m["weak"] = True
            m["arch"] = arch
        self.entity_names = {n for n, m in self.mentions.items() if "arch" in m and not m.get("weak")}
        self.pre_alias: dict[str, str] = {}
        for n in sorted(self.entity_names):
            first, _, rest = n.partition("_")
            if (
                rest
                and rest in self.entity_names
                and first not in self.mentions
                and kb.archetype_for(first) is None
                and first not in self.lex["domain_nouns"]
            ):
                self.pre_alias[n] = rest  # "freelance translators" and "translators": one table
        self.entity_names -= set(self.pre_alias)
        self._definitions()

    def _definitions(self) -> None:
        """ "Foray is a group walk", "each production is a staging of a play", "a variant is a diff cover",
        "sites are 1 km grid squares": a sentence that says what a thing is names it twice. The name said
        only in that definition is the same table as the other one (people's roles are read elsewhere)."""
        low = _fold(self.text.lower())
        said_in_definition: dict[str, int] = {}
        pairs: list[tuple[str, str]] = []
        for m in _DEFINITION.finditer(low):
            x_words, y_words = m.group("x").split(), m.group("y").split()
            x, y = self._name_of(x_words), self._name_of(y_words)
            if not x or not y or x == y or _person_name_word(x, self.lex):
                continue
            if _person_name_word(y, self.lex) and not m.group(0).rstrip().endswith(("our " + m.group("y"), "the " + m.group("y"))):
                continue  # people's roles are read elsewhere; "cafés are our customers" is said here
            if y in self.lex["self_reference_words"] or plural(y) in self.lex["self_reference_words"]:
                continue  # "each task is a subtask of another task": a tree, read with self-references
            pairs.append((x, y))
            said_in_definition[y] = said_in_definition.get(y, 0) + 1
            said_in_definition[x] = said_in_definition.get(x, 0) + 1
        for m in _CALLED.finditer(low):
            # "we call each rehearsal a session": the name the users give it
            x = self._name_of(m.group("x").split()) if m.group("x") else None
            y = self._name_of(m.group("y").split())
            if x and y and x != y:
                pairs.append((x, y))
                said_in_definition[y] = said_in_definition.get(y, 0) + 1
                said_in_definition[x] = said_in_definition.get(x, 0) + 1
        # "customers subscribe to series ... a copy for each subscriber": the one who does what a stored
        # thing is said to do is that thing
        for kind, r in self.rels:
            subj = r.get("subject")
            if kind != "verb" or not isinstance(subj, NP) or not r.get("verb") or r.get("passive"):
                continue  # "cats are co-owned": the cats are not the owners
            doer = self.np_name(subj)[0]
            verb = r["verb"]
            if not doer or doer not in self.entity_names or verb in ("have", "be", "do", "get", "make", "use"):
                continue
            if not _person_name_word(doer, self.lex) and (kb.archetype_for(doer) or _NO_ARCH).kind not in (
                "actor",
                "org",
            ):
                continue  # the one who subscribes, borrows, rents is someone (a person, a family, a firm)
            for agent in {verb + "r" if verb.endswith("e") else verb + "er", verb + "or"}:
                m = self.mentions.get(agent)
                if m and agent != doer and agent in self.entity_names and not m.get("subject") and m["count"] == 1:
                    self.entity_names.discard(agent)
                    self.pre_alias[agent] = doer
        for x, y in pairs:
            x_only = _times_said(x, low) <= said_in_definition[x]
            y_only = _times_said(y, low) <= said_in_definition[y]
            if y_only and (x in self.entity_names or x in self.mentions) and (y in self.mentions):
                self.entity_names.discard(y)
                self.entity_names.add(x)
                if x in self.mentions:
                    self.mentions[x].pop("weak", None)
                self.pre_alias[y] = x
            elif x_only and not y_only and x in self.entity_names and y in self.entity_names:
                self.entity_names.discard(x)
                self.pre_alias[x] = y

    def _name_of(self, words: list[str]) -> str | None:
        """The mention a noun phrase names: the compound if the text uses it, else its head."""
        closed = ("determiners", "prepositions", "conjunctions", "auxiliaries", "pronouns", "quantifiers")
        kept: list[str] = []
        for w in words:
            if any(w in self.lex[k] for k in closed) or w in self.lex["not_entity_words"]:
                break  # "a staging of a play": the phrase ends before "of"
            kept.append(w)
        words = [w for w in kept if w not in ("just", "simply", "basically", "really", "here")]
        if not words:
            return None
        compound = "_".join([*words[:-1], singular(words[-1])])
        if compound in self.mentions or compound in self.entity_names:
            return compound
        longer = [n for n in self.mentions if n.endswith("_" + compound)]
        if len(words) > 1 and len(longer) == 1:
            return longer[0]  # "1 km grid squares": the mention took the unit in
        head = singular(words[-1])
        return head if head in self.mentions or head in self.entity_names else None

    def _not_a_thing(self, name: str, m: dict) -> bool:
        """Words that never name a table: informal words and pronouns ("gotta", "whoever"), units
        ("grams", "hectares"), proper names ("Dave keeps..."), what the user said to leave out, and
        attribute words said in the plural that nothing else makes a thing of ("dates", "notes")."""
        words = name.split("_")
        if "nps" in m and not m.get("outside_query"):
            return True  # named only in the queries the user listed
        if len(words) > 1 and words[0] in _MEASURE_WORDS:
            return True  # "max players", "total amount": a quantity, a column
        if len(words) > 1 and words[-1] in ("min", "max", "minimum", "maximum"):
            return True  # "one singer max 3 songs": a limit said after its noun is a rule, not a thing
        if len(words) == 2 and words[0] in ("date", "time", "age", "price") and words[1] in _SPAN_HEADS:
            return True  # "valid for a date range": two columns (from, to), not a table
        if (
            len(words) > 1
            and words[-1] in _MEASURE_HEADS
            and kb.is_attribute_word(name)
            and not m.get("each")
            and not m.get("subject")
        ):
            return True  # "death dates", "fill quantities": columns said in the plural
        if not m.get("each") and self._unit_statement(name):
            return True  # "prices in euros", "weights are in kg": the unit of a column, not a thing
        if name in getattr(self, "just_values", {}):
            return True  # "that's just a name written on the loan"
        if any(w in self.lex["not_entity_words"] or plural(w) in self.lex["not_entity_words"] for w in words):
            return True  # "yes" read as the plural of "ye", "gotta" as the plural of "gottum"
        if words[-1] in self.lex["units"] or plural(words[-1]) in self.lex["units"]:
            return True
        if any(w in self.proper_nouns for w in words):
            return True
        if name in getattr(self, "type_hints", {}) or (name in self.enum_hints and not m.get("plural")):
            return True  # "has lights yes/no", "result pass / fail": an attribute with its values
        if not m.get("each") and not m.get("bullet") and name in self._listed_values():
            return True  # "voice part (soprano, alto, tenor or bass) ... a few altos help the tenors"
        nps = m.get("nps") or []
        if nps and all(np.flags & {"optional", "required", "mandatory"} for np in nps) and not m.get("subject"):
            return True  # "+ optional notes": a column may be optional, a table is not
        if nps and all("unique" in np.flags and not np.plural for np in nps) and not m.get("subject"):
            return True  # "gamer tag unique": an identifier of something else
        if self.excluded_names.get(name, 0) >= m["count"]:
            return True  # every mention is in a clause that says to leave it out
        if self._bare_list_word(name, m):
            return True  # "crops: name, family (for rotation rules)": a bare word in a list of columns
        if m["count"] == 1 and not m.get("each") and not m.get("plural") and self._said_of_speaker(name):
            return True  # "We are a small company doing ...", "I manage dispatch for a moving firm": who speaks
        if m["count"] == 1 and not m.get("each") and name in self._title_names():
            return True  # "Ferry operator, 4 vessels ...": the opening words say what the business is
        if (
            len(words) == 1
            and kb.archetype_for(name) is None
            and kb.is_attribute_word(name)
            and not m.get("subject")
            and not m.get("each")
            and "modifier" not in m["roles"]
            and not self._groups_into(name)
        ):
            return True
        return False

    def _unit_statement(self, name: str) -> bool:
        """An attribute word said in the plural only to give its unit ("Prices in euros.", "all weights
        are in grams") names a column's unit, never a table."""
        if "_" in name or not kb.is_attribute_word(name):
            return False
        low = _fold(self.text.lower())
        said = re.findall(
            rf"\b{re.escape(plural(name))}\b(?:\s+(?:are\s+|is\s+)?(?:all\s+)?(?:in|per)\s+([a-z]+))?", low
        )
        units = self.lex["units"]
        return bool(said) and all(u and (u in units or plural(u) in units) for u in said)

    def _groups_into(self, name: str) -> bool:
        """ "sites are grouped into regions", "shelves are divided into sections": what things are grouped
        into is a thing that holds them, even when its word is often a column ("region")."""
        forms = "|".join(re.escape(f) for f in {plural(name), name.replace("_", " ")})
        return bool(
            re.search(
                r"\b(?:grouped|divided|split|organi[sz]ed|sorted|arranged|clustered|gathered|bundled)\s+"
                rf"(?:into|in)\s+(?:(?:several|many|multiple|different|one or more|\d+)\s+)?(?:{forms})\b",
                self.text.lower(),
            )
        )

    def _bare_list_word(self, name: str, m: dict) -> bool:
        """A singular word or compound said once, without an article, as an item of a list ("crops: name,
        family", "applications per field: product, date", "..., GPS point, habitat"): a column, whatever
        else the words can name. People are the exception ("orders: customer, date"): a reference."""
        return (
            m.get("count", 0) == 1
            and not m.get("subject")
            and not m.get("each")
            and not m.get("plural")
            and not m.get("bullet")
            and all(np.det is None for np in m.get("nps") or [])
            and not kb.names_person(name)
            and (kb.archetype_for(name) is None or kb.archetype_for(name).kind != "actor")
            and bool(
                re.search(
                    rf"[:,]\s*{re.escape(name.replace('_', ' '))}\s*(?:[,(]|and\b|$)",
                    _fold(self.text.lower()),
                    re.MULTILINE,
                )
            )
        )

    def _said_of_speaker(self, name: str) -> bool:
        """A singular noun said once, in an opening sentence where the writer says who they are ("We are
        small company doing photos with drones", "I'm the secretary for a group of ringers", "I manage
        dispatch for a household moving company"): it names the writer's business, not rows to store."""
        first = re.split(r"[.!?\n;:]", _fold(self.text.lower()).strip(), maxsplit=1)[0]
        if not re.match(r"\s*(?:hi\W+|hello\W+)?(?:i|we)(?:'m|'re| am| are| run| manage| own| operate| work)\b", first):
            return False
        return bool(re.search(rf"\b{re.escape(name.replace('_', ' '))}\b", first))

    def _title_names(self) -> set[str]:
        """The names in a text's opening fragment when it is a title without a verb, singular, followed by a
        comma, a dash or a full stop: "Ferry operator, 4 vessels on 3 routes", "Tennis club court booking -
        members (...)". A heading with a colon is read as one by the clause splitter."""
        m = re.match(r"\s*([A-Za-z][\w'-]*(?: [A-Za-z][\w'-]*){1,4}?)\s*(?:,\s*(?=\d)|\.|\s[-–—]\s)", self.text)
        if not m:
            return set()
        from aishell.design.read.tokens import tokenize

        toks = tokenize(m.group(1))
        if any(t.tag not in ("N", "A", "VN", "V") for t in toks) or toks[-1].tag != "N" or is_plural(toks[-1].text):
            return set()
        words = [t.text for t in toks]
        return {
            "_".join([*words[i : j - 1], form])
            for i in range(len(words))
            for j in range(i + 1, len(words) + 1)
            for form in (words[j - 1], singular(words[j - 1]))
        }

    def _listed_values(self) -> set[str]:
        """Every value the text listed for an attribute, as a singular name."""
        out: set[str] = set()
        for values in self.enum_hints.values():
            for v in values:
                words = str(v).lower().split()
                if words and len(words) <= 2:
                    out.add("_".join([*words[:-1], singular(words[-1])]))
        return out

    def _told_to_leave_out(self) -> dict[str, int]:
        """Names in a clause that says not to store them ("don't store donation stuff", "exhibitions are a
        separate project", "the schedule stays on a whiteboard")."""
        out: dict[str, int] = {}
        phrases = self.lex.get("exclusion_phrases", ())
        negated: dict[str, int] = {}
        for clause in re.split(r"[.;!?\n]", self.text):
            low = clause.lower().replace("’", "'")
            self._count_negated(low, negated)
            if not any(p in low for p in phrases):
                # an aside in parentheses speaks of its own words only: "(..., not a login, don't model them)"
                m = _LEAVE_OUT.search(low)
                if m is None:
                    continue
                inside = [g for g in re.finditer(r"\([^()]*\)", low) if g.start() < m.start() < g.end()]
                if inside:
                    # "(an account here is a ledger balance, ..., don't model logins)": the aside defines
                    # its first word, it does not leave it out
                    low = re.sub(
                        r"^\(\s*(?:an?\s+|the\s+)?[a-z]+(?:\s+[a-z]+)?\s+(?:here\s+)?(?:is|are|means)\b",
                        "(",
                        inside[0].group(0),
                    )
                else:
                    low = re.sub(r"\([^()]*\)", " ", low)
                if not _LEAVE_OUT.search(low):
                    continue
            seen: set[str] = set()
            for w in re.findall(r"[a-z][a-z'-]*", low):
                for cand in (singular(w), w):
                    if cand in self.mentions and cand not in seen:
                        seen.add(cand)
                        out[cand] = out.get(cand, 0) + 1
            for name in self.mentions:  # compounds: "the volunteer schedule"
                if "_" in name and name.replace("_", " ") in low and name not in seen:
                    out[name] = out.get(name, 0) + 1
        low_text = self.text.lower()
        for name, n in negated.items():
            # every time the text names it, it says there is none of it
            pl = plural(name).replace("_", " ")
            if any(name in self.lex[k] for k in ("auxiliaries", "prepositions", "determiners", "conjunctions")):
                # "cans": the noun, not the modal "can"
                said = len(re.findall(r"\b" + re.escape(pl) + r"\b", low_text))
            else:
                said = len(re.findall(r"\b" + re.escape(name.replace("_", " ")) + r"(?:s|es)?\b", low_text))
            if not pl.startswith(name.replace("_", " ")):
                said += len(re.findall(r"\b" + re.escape(pl) + r"\b", low_text))
            if n >= said:
                out[name] = max(out.get(name, 0), self.mentions[name]["count"])
        return out

    def _count_negated(self, low: str, out: dict[str, int]) -> None:
        """A noun phrase under a negation is not a thing to store: "there is no ledger", "not a user
        role", "collectors are people, not system users", "nothing to do with logins", "so no bag
        limits". Each such mention counts as one said to be left out."""
        found = [m.group(1) for m in _NEGATED_NP.finditer(low)]
        found = [f for f in found if f.split()[0] not in _NEG_QUANTITY]  # "no two bookings": a rule
        # not things either: what is counted or summed ("the number of hints used", "sum of fill
        # quantities": a quantity, a column), a word quoted as a word or a value ("like 'expert' or
        # 'author'", "a 'roll' here is ..."), the database's own words ("our operators table", "a text
        # field", "places as a table") and the idiom "in (fixed) order"
        # "cans we just count per batch", "we only count visitors": a number kept, not a thing
        found += [m.group(1) for m in re.finditer(r"\b([a-z]+) (?:we|i) (?:just |only |simply )?count\b", low)]
        found += [
            m.group(1)
            for m in re.finditer(r"\b(?:we|i) (?:just |only |simply )?count (?:the |our )?([a-z]+)\b", low)
        ]
        for m in _COUNTED_NP.finditer(low):  # "the number of clues used": "clues" or "clue_used"
            found += [m.group(1), m.group(1).split()[0]] if " " in m.group(1) else [m.group(1)]
        found += [m.group(1) for m in re.finditer(r"(?<![a-z])['‘\"“]([a-z][a-z -]{0,30}?)['’\"”](?![a-z])(?!\s*(?:here )?(?:is|are|means|=)\b)", low)]
        found += [m.group(1) for m in _META_NP.finditer(low)]
        for m in re.finditer(
            r"\b(?:whether|if (?:it|they|he|she) (?:is|are|was|were|has|have|had))\s+([a-z' ]+)", low
        ):  # "note whether they sent apologies", "and if it is kept for the herbarium": a yes/no
            found += [w for w in m.group(1).split()[-2:] if w not in ("or", "not")][-1:]
        found += [m.group(1) for m in re.finditer(r"\bin (?:an? |the )?(?:[a-z]+ )?(order)\b", low)]
        closed = ("determiners", "prepositions", "conjunctions", "auxiliaries", "pronouns", "quantifiers")
        for phrase in found:
            words = []
            for w in phrase.split():
                if any(w in self.lex[k] for k in closed):
                    break  # "no payments here", "not users of this system": the phrase ends there
                if w not in _NEG_SKIP:
                    words.append(w)
            if not words:
                continue
            names = {singular(words[-1])}
            if len(words) >= 2:
                names.add("_".join([*words[:-1], singular(words[-1])]))
                names.add("_".join([*words[-2:-1], singular(words[-1])]))
            for name in names:
                if name in self.mentions:
                    out[name] = out.get(name, 0) + 1

    @property
    def proper_nouns(self) -> set[str]:
        """Capitalised words inside sentences that the knowledge base does not know: names of people and
        products ("Dave keeps the kegs"), never tables."""
        if getattr(self, "_proper", None) is None:
            found = set()
            for m in re.finditer(r"(?<=[a-z,;] )([A-Z][a-z]{2,})\b", self.text):
                w = m.group(1).lower()
                if kb.archetype_for(singular(w)) is None and singular(w) not in self.lex["person_words"]:
                    found.add(w)
            lower_too = set(re.findall(r"\b[a-z][a-z]+\b", self.text))
            self._proper = {w for w in found if w not in lower_too}
        return self._proper

    def _is_entity_np(self, np: NP, *, as_object: bool = False) -> str | None:
        name = self.np_name(np)[0]
        if not name:
            return None
        if name in self.entity_names:
            return name
        m = self.mentions.get(name)
        if m and m.get("weak") and not as_object:
            return None
        if m and m.get("weak") and as_object:
            return None
        return None

    def _is_attribute(self, np: NP, subject: str | None) -> bool:
        name = self.np_name(np)[0] or snake(np.words)
        if np.many and name in self.entity_names:
            return False
        if np.many:
            return False
        m = self.mentions.get(name, {})
        if m and name not in self.entity_names and self._bare_list_word(name, m):
            return True  # "applications per field: product, date": a column
        arch = kb.archetype_for(name)
        if arch is not None and arch.kind in ("actor", "org") and name in self.entity_names:
            return False
        if name in self.entity_names and m.get("plural"):
            return False
        if kb.is_attribute_word(snake(np.words)) or kb.is_attribute_word(name):
            return True
        if arch is not None:
            return False
        return not (m.get("plural") or m.get("each"))

    def _entity(self, name: str, np: NP | None = None) -> Entity:
        ent = self.req.entities.get(name)
        if ent is None:
            arch = kb.archetype_for(name)
            head = name.rsplit("_", 1)[-1] if arch is None else name
            if arch is None:
                arch = kb.archetype_for(head)
            if arch is None and "_" in name and head in self.lex["instance_heads"]:
                arch = kb.archetype_for(name.split("_")[0])
            for noun in (name, name.rsplit("_", 1)[-1]):
                decided, sense = kb.archetype_in_context(noun, self.text)
                if decided:  # "accounts" in a ledger, "goals" in a football league
                    arch, head = sense, noun
                    break
            # "ratings" when reviews exist: the same archetype that merges nouns
            if arch is not None and arch.get("merge_nouns"):
                for other in self.req.entities.values():
                    oarch = kb.archetypes().get(other.archetype) if other.archetype else None
                    if other.archetype == arch.id or (
                        oarch is not None
                        and (
                            other.archetype in arch.get("merge_with", ())
                            or arch.id in oarch.get("merge_with", ())
                        )
                    ):
                        self.alias[name] = other.name
                        other.mentions += 1
                        return other
            ent = Entity(
                name=name,
                table=plural(name),
                noun=name if kb.archetype_for(name) and arch is kb.archetype_for(name) else head,
                archetype=arch.id if arch else None,
                evidence=np.text if np else "",
            )
            self.req.entities[name] = ent
        elif np is not None:
            ent.mentions += 1
        return ent

    def _resolve(self, name: str) -> str:
        return self.alias.get(name, name)

    def _build_relationships(self) -> None:
        self.alias: dict[str, str] = dict(self.pre_alias)
        # entities in order of first mention
        order = sorted(self.entity_names, key=lambda n: self.text.lower().find(n.replace("_", " ")[:5]))
        for name in self.mentions:
            if name in self.entity_names:
                self._entity(name)
        del order
        lex = self.lex
        for kind, r in self.rels:
            ev = r.get("evidence", "")
            if _ASKED.match(ev) and not (kind == "prep" and r.get("prep") == "of"):
                # "Queries: total count per species per region": asked of the data, no link; but "a
                # backer's pledges" still says whose they are
                continue
            if kind == "compound":
                if r["child"] in self.entity_names and r["parent"] in self.entity_names:
                    child = self._resolve(r["child"])
                    parent = self._resolve(r["parent"])
                    if child != parent:
                        self._add(Relationship("many_to_one", child, parent, evidence=ev))
            elif kind == "explicit":
                a = self._entity_for_np(r["a"])
                b = self._entity_for_np(r["b"])
                if a and b and a != b:
                    if r["kind"] == "mn":
                        self._add(Relationship("many_to_many", a, b, evidence=ev))
                    elif r["kind"] == "oo":
                        self._add(Relationship("one_to_one", b, a, evidence=ev))
                    else:
                        self._add(Relationship("many_to_one", b, a, evidence=ev))
            elif kind == "between":
                roles = self._role_pair(r["objects"], ev)
                subj = self._entity_for_np(r["subject"]) if r["subject"] is not None else None
                if roles is not None and subj:
                    # "matches between a home team and an away team": two references to teams, by role
                    head_np, names = roles
                    target = self._entity_for_np(head_np, force=True) or self._promote(head_np, force=True)
                    if target and target != subj:
                        for role in names:
                            if role in self.req.entities and not self.req.entities[role].attributes:
                                self._merge(role, target)  # "home team" was taken for a table of its own
                                self.entity_names.discard(role)
                                self.req.relationships = [
                                    x
                                    for x in self.req.relationships
                                    if not (x.source == subj and x.target == target and x.role is None)
                                ]
                            self._add(Relationship("many_to_one", subj, target, role=role, evidence=ev))
                        continue
                objs = [self._entity_for_np(o, force=True) for o in r["objects"]]
                objs = [o for o in objs if o]
                subj = self._entity_for_np(r["subject"]) if r["subject"] is not None else None
                two = bool(re.search(r"\bbetween (?:the )?(?:two|2|a pair of)\b", ev.lower()))
                if subj and len(objs) == 1 and objs[0] != subj and not two and r["objects"][0].plural:
                    # "chips are reused between races", "staff move between sites": over time, not a pair
                    sarch = kb.archetype_for(self.req.entities[subj].noun)
                    if (sarch is None or sarch.id != "message") and not any(
                        o.det in ("a", "an", "one") for o in r["objects"]
                    ):
                        continue
                if subj and len(objs) == 1 and objs[0] != subj:
                    sarch = kb.archetype_for(self.req.entities[subj].noun)
                    if sarch is not None and sarch.id == "message":
                        roles = ("sender", "recipient")
                    else:
                        roles = (f"from_{objs[0]}", f"to_{objs[0]}")  # "transfers between two accounts"
                    self._add(Relationship("many_to_one", subj, objs[0], role=roles[0], evidence=ev))
                    self._add(Relationship("many_to_one", subj, objs[0], role=roles[1], evidence=ev))
                elif subj and len(objs) >= 2:
                    for o in objs[:2]:
                        if o != subj:
                            self._add(Relationship("many_to_one", subj, o, evidence=ev))
                elif len(objs) >= 2 and objs[0] != objs[1]:
                    self._add(Relationship("many_to_many", objs[0], objs[1], evidence=ev))
            elif kind == "prep":
                subj = self._entity_for_np(r["subject"])
                if subj is None:
                    continue
                prep = r["prep"]
                sub_np = r["subject"]
                for o in r["objects"]:
                    if (
                        prep == "of"
                        and o.plural
                        and o.quant is None
                        and isinstance(sub_np, NP)
                        and not sub_np.plural
                        and sub_np.det in ("a", "an", "one")
                    ):
                        # "a menu of items", "a playlist of songs": the items are parts of the one menu
                        target = self._entity_for_np(o) or self._promote(o)
                        if target and target != subj:
                            self._add(Relationship("many_to_one", target, subj, evidence=ev))
                            continue
                    if (
                        prep == "per"
                        and isinstance(sub_np, NP)
                        and sub_np.det == "one"
                        and not sub_np.plural
                        and _is_someone(self.req.entities[subj].noun, self.lex)
                    ):
                        # "one engineer per session": each session has its engineer (people and
                        # organisations exist on their own; "one result per boat" is the result's)
                        target = self._entity_for_np(o)
                        if target and target != subj:
                            self._add(Relationship("many_to_one", target, subj, evidence=ev))
                            continue
                    self._prep_relation(subj, prep, o, ev)
            elif kind == "verb":
                subj = self._entity_for_np(r["subject"])
                if subj is None:
                    continue
                before = len(self.req.relationships)
                for o in r["objects"]:
                    self._verb_relation(subj, r, o, ev, lex)
                event = next(
                    (
                        x.source
                        for x in self.req.relationships[before:]
                        if x.kind in ("many_to_one", "one_to_one") and x.source != subj
                    ),
                    None,
                )
                if event is not None:
                    earch = (
                        kb.archetype_for(self.req.entities[event].noun)
                        if event in self.req.entities
                        else None
                    )
                    if (
                        earch is not None
                        and (
                            earch.kind in ("actor", "org", "thing", "classifier", "tag")
                            or "catalog" in earch.flags
                        )
                    ) or (
                        earch is None
                        and (kb.names_person(event) or r["verb"] not in self.lex.get("record_verbs", ()))
                    ):
                        # "owners tip walkers after each walk", "vets examine pets during each visit":
                        # people and things are not what happened
                        event = None
                if event is not None:
                    r["event"] = event
        for kind, r in self.rels:
            if kind != "record":
                continue
            owner = self._entity_for_np(r["subject"]) or self._promote(r["subject"])
            if owner is None:
                continue
            for o in r["objects"]:
                name = self.np_name(o)[0]
                if name and (name in self.entity_names or name in self.alias) and o.plural:
                    continue  # "we keep the kennels": a thing of its own
                self._add_attribute(
                    owner,
                    NP([w for w in o.words if w not in ("the", "its")], det="a", flags=o.flags),
                    r["evidence"],
                )
        for kind, r in self.rels:
            if kind != "event_prep":
                continue
            ev = r["evidence"]
            event = next(
                (
                    v["event"]
                    for k, v in reversed(self.rels)
                    if k == "verb" and v["evidence"] == ev and "event" in v
                ),
                None,
            )
            if event is None:
                continue
            for o in r["objects"]:
                target = self._entity_for_np(o) or self._promote(o)
                if target and target != event:
                    self._add(Relationship("many_to_one", event, target, evidence=ev, event=True))

    def _role_pair(self, objects: list[NP], ev: str) -> tuple[NP, list[str]] | None:
        """Two noun phrases with the same head and different first words ("a home team and an away
        team", "the buyer account and the seller account"): the head, and the two role names."""
        m = re.search(
            r"\bbetween (?:an? |the |one )?([a-z]+) ([a-z]+) and (?:an? |the |one |another )?([a-z]+) ([a-z]+)\b",
            ev.lower(),
        )
        if m and singular(m.group(2)) == singular(m.group(4)) and m.group(1) != m.group(3):
            objects = [NP([m.group(1), m.group(2)], det="a"), NP([m.group(3), m.group(4)], det="a")]
        if len(objects) != 2:
            return None
        a, b = objects
        if len(a.words) < 2 or len(b.words) < 2 or singular(a.head) != singular(b.head):
            return None
        if a.words[:-1] == b.words[:-1]:
            return None
        head = singular(a.head)
        return NP([head], det="a"), [snake([*a.words[:-1], head]), snake([*b.words[:-1], head])]

    def _entity_for_np(self, np: NP | None, force: bool = False) -> str | None:
        if np is None:
            return None
        name = self.np_name(np)[0]
        if not name:
            return None
        if name in self.entity_names or name in self.alias:
            return self._resolve(name)
        m = self.mentions.get(name)
        if (
            force
            and m is not None
            and (m.get("weak") or kb.archetype_for(name))
            and not kb.is_attribute_word(name)
        ):
            self.entity_names.add(name)
            m.pop("weak", None)
            return self._entity(name, np).name
        return None

    def _excluded(self, name: str) -> bool:
        """Examples, derived views and counts never become tables by being mentioned."""
        m = self.mentions.get(name, {})
        if name in self.examples and not m.get("each"):
            return True
        if m and getattr(self, "excluded_names", {}).get(name, 0) >= m["count"]:
            return True  # "... so leave it out", "there is no ledger"
        if m and self._bare_list_word(name, m):
            return True  # "crops: name, family": a column
        words = name.split("_")
        if len(words) == 2 and words[0] in ("date", "time", "age", "price") and words[1] in _SPAN_HEADS:
            return True  # "for a date range": two columns, not a table
        last = name.rsplit("_", 1)[-1]
        if (last in self.lex["units"] or plural(last) in self.lex["units"]) and _used_as_unit(last, self.text):
            return True  # "weight in grams": a unit of a value, never a table ("from meters": devices)
        if name in getattr(self, "type_hints", {}) or (name in self.enum_hints and not m.get("plural")):
            return True  # an attribute with its values ("result pass / fail")
        if (
            name in self.lex["derived_nouns"] or name.rsplit("_", 1)[-1] in self.lex["derived_nouns"]
        ) and not m.get("subject"):
            return True
        return False

    def _promote(self, np: NP, force: bool = False) -> str | None:
        """A singular noun phrase in a relation position becomes an entity when it is not a column."""
        name = self.np_name(np)[0]
        if not name or self._excluded(name):
            return None
        if name in self.entity_names or name in getattr(self, "alias", {}):
            return self._resolve(name)
        m = self.mentions.get(name) or {}
        if any(
            w in self.lex["not_entity_words"] or plural(w) in self.lex["not_entity_words"]
            for w in name.split("_")
        ):
            return None  # "goes", "comes": verbs read as nouns
        if "_" in name and name.split("_")[0] in _MEASURE_WORDS:
            return None  # "max players": a column
        if name in getattr(self, "just_values", {}):
            return None  # "that's just a name written on the loan"
        if "nps" in m and not m.get("outside_query"):
            return None  # named only in the queries the user listed
        arch = kb.archetype_for(name)
        if kb.is_attribute_word(name) and (arch is None or arch.kind not in ("actor", "org")) and not force:
            return None
        if name in self.lex["domain_nouns"] and np.det in ("a", "an", "the"):
            return None
        self.entity_names.add(name)
        if name in self.mentions:
            self.mentions[name].pop("weak", None)
        return self._entity(name, np).name

    def _add_attribute(self, entity: str, np: NP, evidence: str) -> None:
        ent = self.req.entities[entity]
        name = snake([w for w in np.words if w not in ("unique", "required", "optional", "mandatory")])
        if not name or name == entity or name in ("id",):
            return
        if ent.attribute(name):
            return
        head = singular(np.words[-1]) if np.words else ""
        if (
            len(np.words) >= 2
            and not np.plural
            and head != entity
            and head in self.entity_names
            and name not in self.enum_hints
            and np.words[0] not in _MEASURE_WORDS
        ):
            # "a white player and a black player": two references to players, by role
            self._add(Relationship("many_to_one", entity, head, role=name, evidence=evidence))
            return
        enum = self.enum_hints.get(name) or self.enum_hints.get(name.rsplit("_", 1)[-1])
        unit = re.search(
            r"\b" + re.escape(" ".join(np.words)) + r"\s+(?:in|\(\s*in|\()\s*([a-z]+)\b", evidence.lower()
        )
        if unit and unit.group(1) in self.lex["units"] and not enum and unit.group(1) not in name.split("_"):
            # "weight in grams", "area (ha)": the unit the user gave is part of the column's name
            name = f"{name}_{unit.group(1)}"
            if ent.attribute(name):
                return
        a = Attribute(
            name=name,
            type=getattr(self, "type_hints", {}).get(name),
            unique="unique" in np.flags,
            not_null=bool(np.flags & {"required", "mandatory"}),
            enum=enum,
            evidence=evidence,
        )
        ent.attributes.append(a)
