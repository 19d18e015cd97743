"""Reader step 5b — links from cardinality words between two things already known to be stored.

The phrase stage reads relations from the shape of a clause; this pass reads the words *between* two
entity names, which is where English puts cardinality, and it also sees across commas and parentheses:

| words between A and B | reading |
|---|---|
| "each A belongs to / is in / is done by / goes to (exactly / only) one B" | A → B (many-to-one) |
| "... one B and (in / at) one C" | A → C too |
| "A has / can have / holds many / multiple / several / one or more / a list of B" | B → A |
| "A may have a B", "A may or may not have a B", "A has an optional B" | A → B, optional |
| "which A ... which B" | A ↔ B (many-to-many) |
| "A <verb> many B" and "B <verb> many A" | A ↔ B (many-to-many) |

Optionality comes from the same words: "exactly one", "must", "belongs to" make the reference required;
"may", "optional", "at most one", "if any" make it optional. A reading here replaces a reading of the
same pair that the phrase stage guessed from weaker words, never a role reference.
"""

from __future__ import annotations

import itertools
import re

from aishell.design import kb
from aishell.design.intent import Attribute, Relationship
from aishell.design.read.tokens import NP, _base_tag, fold_accents
from aishell.design.words import plural, singular

_WORD = re.compile(r"[a-z0-9][a-z0-9'#%+-]*|[,=+]")
_SEGMENT = re.compile(r"[.;!?\n():—–]+|\s-\s|, (?:but|and then|so|while|whereas|which) ")

# possession verbs: "A has one B" is ambiguous (the B may belong to the A), so only their plural
# quantifiers are read ("A has many B": B → A)
_POSSESS = {
    "has", "have", "had", "having", "hold", "holds", "contain", "contains", "include", "includes",
    "own", "owns", "host", "hosts", "keep", "keeps", "get", "gets", "receive", "receives", "list",
    "lists", "consist", "consists", "comprise", "comprises", "carry", "carries", "store", "stores",
}  # fmt: skip
_MANY = (
    r"(?:many|multiple|several|various|numerous|some|lots of|a lot of|a list of|a number of|"
    r"any number of|one or more|1 or more|zero or more|0 or more|one or many|one to many|a few|"
    r"up to \d+|more than one|at least one|\d+\+?)"
)
_ONE = (
    r"(?:(?:exactly|only|just|always|at most|at least|maximum|max|a single|single)\s+)*(?:one|a|an|1|single)"
)
_AUX = r"(?:(?:is|are|was|were|be|been|being|must|should|shall|will|can|could|may|might|always|only|also|then|usually|each|every|has to|have to|gets|get)\s+)*"
_LINK_VERB = r"(?:[a-z]+(?:ed|en|s|ing)?\s+){0,2}?"
_PREP = r"(?:(?:to|from|in|into|at|by|of|for|on|under|with|within|inside|through|via|against|about|over)\s+)?"
_DETS = {
    "a",
    "an",
    "one",
    "the",
    "each",
    "every",
    "our",
    "their",
    "its",
    "single",
    "many",
    "multiple",
    "several",
}
_NOT_CANDIDATE = {
    "max", "min", "maximum", "minimum", "exactly", "only", "just", "single", "least", "most", "time", "times",
    "day", "days", "week", "month", "year", "date", "moment", "way", "part", "lot", "lots", "number",
}  # fmt: skip
_MODALS = {
    "can",
    "could",
    "may",
    "might",
    "must",
    "should",
    "will",
    "would",
    "to",
    "cannot",
    "cant",
    "can't",
    "won't",
}
_OPTIONAL = re.compile(
    r"\b(?:may|might|optional|optionally|at most one|max one|maximum one|up to one|zero or one|if any|if it has one|can be empty|"
    r"or not|or none|sometimes|occasionally|not always|possibly)\b"
)
_REQUIRED = re.compile(r"\b(?:exactly one|must|always|belongs? to|required|mandatory|has to|have to)\b")


def _lower(text: str) -> str:
    """Lower case, accents folded: the words match as the tokens read them ("café" is "cafe")."""
    return fold_accents(text.lower())


class LinkStage:
    def _links(self) -> None:
        names = dict(self.req.entities)
        if not names:
            return  # one stored thing is enough: "each dog sleeps in one kennel" makes the other
        forms: dict[tuple[str, ...], str] = {}
        for name in names:
            words = tuple(name.split("_"))
            forms[words] = name
        for alias, target in getattr(self, "alias", {}).items():
            if target in names:
                forms.setdefault(tuple(alias.split("_")), target)
        # nouns the text mentions that are not (yet) tables: a strong cardinality phrase makes them one,
        # unless the text already made one a column ("for each loan we record a due back")
        columns = {a.name for e in names.values() for a in e.attributes}
        for name in self.mentions:
            if name in columns:
                continue
            words = tuple(name.split("_"))
            if (
                name not in names
                and words not in forms
                and getattr(self, "alias", {}).get(name) is None
                and not set(words) & _NOT_CANDIDATE
                and not kb.is_attribute_word(name)  # "a name", "a start time": columns, not things
            ):
                forms[words] = "?" + name
        longest = max(len(k) for k in forms)
        claims: list[tuple[str, str, str, bool | None, str]] = []  # (kind, source, target, required, ev)
        text = _lower(self.text).replace("’", "'")

        def heading(m: re.Match[str]) -> str:
            words = m.group(2).split()
            key = tuple(words[:-1]) + (singular(words[-1]),) if words else ()
            if forms.get(key, "?").startswith("?"):
                return m.group(0)
            return f"{m.group(1)}each {m.group(2)} is for "

        # "plantings: one crop in one field": each planting is for one crop in one field
        text = re.sub(
            r"(^|[\n.;(]\s*|^\s*[-*•]\s+)([a-z][a-z ]{0,30}?):\s+(?=(?:exactly |only )?(?:one|a|an|1) )",
            heading,
            text,
            flags=re.MULTILINE,
        )
        # "Queries: total count per species per region, a volunteer's survey history": what is asked
        # of the data says how it is linked only by its possessives (the volunteer's surveys)
        text = re.sub(
            r"\b(?:typical |main |common |key |the )?(?:queries|query|questions|lookups|reports|reporting|dashboards?|"
            r"screens|views|need|we need to (?:see|know|answer))\s*(?:include|are)?\s*:([^.\n]*)",
            lambda m: " ; ".join(re.findall(r"[a-z]+'s? [a-z]+(?: [a-z]+)?", m.group(1))) or " ",
            text,
        )
        for segment in _SEGMENT.split(text):
            words = _WORD.findall(segment)
            if len(words) < 3:
                continue
            mentions = self._mentions(words, forms, longest, self.lex, _lower(self.text))
            if len(mentions) < 2:
                continue
            ev = segment.strip()
            claims += _read_segment(words, mentions, ev)
        self._apply_claims(self._promote_claimed(claims))

    def _promote_claimed(self, claims: list) -> list:
        """A noun named in a cardinality phrase with a stored thing ("each donation is in one site")
        becomes a table when it is not a column word."""
        out = []
        for kind, source, target, required, ev in claims:
            if source.startswith("?") and target.startswith("?"):
                continue
            # only the dependent end may be a new table: "each A ... one B" makes B, "A has many B" makes B
            may_promote = (
                {source}
                if kind == "many_of"
                else {source, target}
                if kind in ("equals", "each_one")
                else {target}
            )
            ends = []
            for end in (source, target):
                if end.startswith("?") and end in may_promote:
                    name = end[1:]
                    m = self.mentions.get(name) or {"count": 1, "roles": set()}
                    nps = m.get("nps") or [NP(name.split("_"), det="a")]
                    promoted = None
                    if nps and not self._not_a_thing(name, m) and not m.get("kind_only"):
                        promoted = self._promote(nps[0])
                    end = promoted or end
                ends.append(end)
            source, target = ends
            if source.startswith("?") or target.startswith("?"):
                continue
            out.append((kind, source, target, required, ev))
        return out

    @staticmethod
    def _mentions(
        words: list[str], forms: dict[tuple[str, ...], str], longest: int, lex: dict, text: str
    ) -> list[tuple[int, int, str]]:
        out = []
        i = 0
        while i < len(words):
            if i > 0 and words[i - 1] in _MODALS:
                i += 1  # "a host can host several shows": a verb here
                continue
            for n in range(min(longest, len(words) - i), 0, -1):
                chunk = words[i : i + n]
                last = re.sub(r"'s?$", "", chunk[-1])  # "a member's bookings": the member
                key = tuple(chunk[:-1]) + (singular(last),)
                after_be = i > 0 and words[i - 1] in ("is", "are", "was", "were", "be", "been", "being")
                # "30 s", "12 kg": a unit after a number is no thing either
                unit = i > 0 and words[i - 1][:1].isdigit() or len(chunk[-1]) < 3
                if key in forms and not ((after_be or unit) and forms[key].startswith("?")):
                    out.append((i, i + n, forms[key]))
                    i += n
                    break
            else:
                # a noun the phrase stage did not note ("in one of our site"): a candidate
                j = i
                after_det = i > 0 and words[i - 1] in _DETS
                if (
                    words[i] in _NOT_CANDIDATE
                    or len(words[i]) < 3
                    or (i > 0 and words[i - 1][:1].isdigit())  # "30 s", "12 kg": a unit
                    or (
                        i > 0
                        and words[i - 1] in ("is", "are", "was", "were", "be", "been", "being", "gets", "get")
                    )
                ):
                    i += 1  # "is split into": a participle there, not a thing
                    continue
                while (
                    j < len(words)
                    and j - i < 2
                    and words[j][0].isalpha()
                    and (
                        _base_tag(words[j], lex) == "N"
                        or (after_det and j == i and _base_tag(words[j], lex) == "VN")
                        or (after_det and j == i and j + 1 < len(words) and words[j + 1] == "=")
                        # "Roast is made from one lot": a clause's first word before is/are is its subject
                        or (i == 0 and j == 0 and len(words) > 1 and words[1] in ("is", "are"))
                    )
                ):
                    j += 1
                name = "_".join(words[i : j - 1] + [singular(words[j - 1])]) if j > i else ""
                defined = j < len(words) and words[j] == "="  # "a haul = trailer + driver"
                if (
                    j > i
                    and (name in kb.noun_index() or _said_twice(words[j - 1], text) or defined)
                    and not kb.is_attribute_word(name)
                ):
                    out.append((i, j, "?" + "_".join(words[i : j - 1] + [singular(words[j - 1])])))
                    i = j
                else:
                    i += 1
        return out

    def _apply_claims(self, claims: list[tuple[str, str, str, bool | None, str]]) -> None:
        many_of: dict[tuple[str, str], str] = {}  # (child, parent) → evidence, from "parent V many child"
        for kind, source, target, required, ev in claims:
            if kind == "many_of":
                many_of[(source, target)] = ev
        for kind, source, target, required, ev in claims:
            if source == target:
                continue
            if kind == "many_of" and self._linked_through(source, target):
                continue  # "a volunteer may adopt up to 5 sites" with adoptions naming both: said there
            if kind == "drop":
                self.req.relationships = [
                    r
                    for r in self.req.relationships
                    if not (
                        {r.source, r.target} == {source, target}
                        and r.role is None
                        and r.kind != "self"
                        and ev in " ".join(_WORD.findall(_lower(r.evidence)))
                    )
                ]
                continue
            if kind == "many_of":
                if (target, source) in many_of:  # said both ways: many-to-many
                    if source < target:
                        self._replace_pair(Relationship("many_to_many", source, target, evidence=ev))
                    continue
                kind = "many_to_one"
            if kind == "exists":
                continue  # made a table above, linked by nothing here
            if kind == "one_per":
                if any(
                    r.source == target and r.target == source and r.kind in ("many_to_one", "one_to_one")
                    for r in self.req.relationships
                ):
                    continue  # the one thing already names the other: a uniqueness, read as a rule
                kind = "many_to_one"
            if kind in ("equals", "each_one"):
                kind = "many_to_one"
            if kind == "many_to_many":
                self._replace_pair(Relationship("many_to_many", source, target, evidence=ev))
            else:
                if (target, source) in many_of and kind == "many_to_one":
                    continue  # "A has many B" and "each A ... one B" contradict: leave it to the phrase stage
                self._replace_pair(
                    Relationship("many_to_one", source, target, required=required, evidence=ev)
                )

    def _linked_through(self, a: str, b: str) -> bool:
        """A third entity holds references to both: the link between the two is that entity."""
        refs: dict[str, set[str]] = {}
        for r in self.req.relationships:
            if r.kind in ("many_to_one", "one_to_one"):
                refs.setdefault(r.source, set()).add(r.target)
        return any(n not in (a, b) and {a, b} <= targets for n, targets in refs.items())

    def _replace_pair(self, rel: Relationship) -> None:
        pair = {rel.source, rel.target}
        same = [
            r
            for r in self.req.relationships
            if {r.source, r.target} == pair and r.role is None and r.kind != "self"
        ]
        for r in same:
            if r.kind == rel.kind and r.source == rel.source:
                if r.required is None and rel.required is not None:
                    r.required = rel.required
                return
            if r.kind == "one_to_one" and rel.kind == "many_to_one" and {r.source, r.target} == pair:
                return
        if any(r.role is not None and {r.source, r.target} == pair for r in self.req.relationships):
            return  # references by role ("home team", "away team") already say how the two are linked
        for r in same:
            self.req.relationships.remove(r)
        self._add(rel)


_PERSON_WORDS = {"person", "individual", "human"}  # English's own words for "a person"


def _said_twice(word: str, text: str) -> bool:
    """An unknown word taken for a noun only when the text uses it more than once (typos are not)."""
    sing = singular(word)
    return len(re.findall(r"\b(?:" + re.escape(sing) + "|" + re.escape(word) + r")s?\b", text)) >= 2


_PLACE_PREPS = {"on", "at", "in", "per", "to", "from", "by", "into", "for", "out", "through", "with", "after", "during"}


def _read_segment(
    words: list[str], mentions: list[tuple[int, int, str]], ev: str
) -> list[tuple[str, str, str, bool | None, str]]:
    out: list[tuple[str, str, str, bool | None, str]] = []
    consumed: set[int] = set()  # mentions read as the "one B" of a phrase: not the subject of the next
    for k, (s1, e1, a) in enumerate(mentions):
        before = words[s1 - 1] if s1 > 0 else ""
        if k in consumed:
            continue
        for s2, e2, b in mentions[k + 1 : k + 2]:
            gap = " ".join(words[e1:s2])
            if a == b:
                continue
            if before in ("each", "every") and " and " in gap and not gap.startswith("and "):
                # "each dog has a name and sleeps in one kennel": the second predicate of the same subject
                gap = gap.rsplit(" and ", 1)[1]
            # "each A belongs to one B", "each donation is from exactly one donor", "each scout in one patrol"
            m = re.fullmatch(_AUX + _LINK_VERB + _PREP + _ONE + r"(?:\s+of\s+(?:our|the|their|its))?", gap)
            # "reports against a program": each report; "researchers team up on a report": people take
            # part in many, so a plural person subject is not read this way
            plural_a = (
                words[e1 - 1] != singular(words[e1 - 1]) and not a.startswith("?") and not _person_name(a)
            )
            with_prep = bool(
                re.search(r"\b(?:to|from|in|into|at|by|for|on|under|within|against|about|over)\b", gap)
            )
            # "a cook can borrow a jar": what may happen, not how many
            # "each team plays a match against ...": an active verb with "a" says what happens, not how
            # many; "is for a", "belongs to a", "is made by a", "one", "exactly one" do say it
            generic = (
                bool(gap)
                and gap.split()[-1] in ("a", "an")
                and not with_prep
                and not re.match(r"(?:is|are|was|were|be|has to be|must be|gets|get)\b", gap)
                and not (set(gap.split()) & {"uses", "use", "needs", "need", "requires", "require"})
            )
            maybe = (
                generic
                or bool(re.match(r"(?:can|could|may|might|will|would)\b", gap))
                and gap.split()[-1]
                in (
                    "a",
                    "an",
                )
            )
            # "an ambulance can only be on one dispatch at a time": a rule about time, not a reference
            # "... only host one team per night": which pairs are unique (a rule), not a reference
            at_a_time = re.match(
                r"(?:at a time|at once|at the same time|simultaneously|per|a day|a week|each day)\b",
                " ".join(words[e2 : e2 + 4]),
            )
            if m and gap and at_a_time and not maybe:
                # "an ambulance can only be on one dispatch at a time": no key, but the dispatch is a thing
                out.append(("exists", a, b, None, ev))
                consumed.add(k + 1)
                continue
            # "meter values arrive every 30 s during a session", "photos taken during an inspection"
            if (
                k == 0  # the clause's subject: "vets examine pets during each visit" is about the vets
                and re.fullmatch(
                    r"(?:[a-z0-9]+ ){0,5}?(?:during|throughout) (?:a|an|each|every|the|one)", gap
                )
                and (plural_a or before in ("each", "every", "a", "an"))
            ):
                out.append(("many_to_one", a, b, None, ev))
                continue
            if (
                m
                and gap
                and not maybe
                and not at_a_time
                and gap.split()[0] not in ("and", "or")
                and not (set(gap.split()) & _POSSESS)
                and (
                    before in ("each", "every", "one", "a", "an", "any", "the")
                    or (before == "" and not plural_a)
                    or (
                        plural_a
                        and (with_prep or re.match(r"(?:are|were|get|must be|can be|will be)\b", gap))
                    )
                )
            ):
                req = (
                    False
                    if _OPTIONAL.search(gap)
                    else (True if _REQUIRED.search(gap) or "each" == before or "every" == before else None)
                )
                # "each roast is made from one lot", "Roast is made from one lot": the subject of a
                # cardinality phrase is a thing counted, stored like the one it names
                counted = before in ("each", "every") or (s1 == 0 and re.match(r"(?:is|are)\b", gap))
                out.append(("each_one" if counted else "many_to_one", a, b, req, ev))
                consumed.add(k + 1)
                # "... one donor and in one site", "played by one member on one course": one more reference
                for k3, (s3, e3, c) in enumerate(mentions[k + 2 :], start=k + 2):
                    gap2 = " ".join(words[e2:s3])
                    if c != a and (
                        re.fullmatch(r"(?:and|, and)\s+" + _AUX + _LINK_VERB + _PREP + _ONE, gap2)
                        or re.fullmatch(r"(?:, )?(?:with|on|at|in|from|to|by|for|under)\s+" + _ONE, gap2)
                    ):
                        out.append(("many_to_one", a, c, req, ev))
                        # "by one member for one court": not member → court
                        out.append(("drop", b, c, None, " ".join(words[s2:e3])))
                        consumed.add(k3)
                        e2 = e3
                    else:
                        break
                continue
            # "one engineer per session": each session names its one engineer (unless the engineer is
            # the one holding the session: "one standing order per café" says which is unique)
            if (
                gap == "per"
                and before == "one"
                and not re.match(r"(?:per|and|or|,)\b", " ".join(words[e2 : e2 + 1]))
            ):
                out.append(("one_per", b, a, True, ev))
                continue
            # "harvest records per planting", "fertilizer applications per field", "pickups logged per stop"
            if re.fullmatch(
                r"(?:records? |entries |rows )?(?:(?:get|gets|are|is|were|be) )?(?:(?:logged|recorded|kept|tracked|stored|made|done) )?per",
                gap,
            ) and (words[s1:e1][-1] != singular(words[s1:e1][-1]) or before in ("each", "every")):
                out.append(("many_to_one", a, b, None, ev))
                continue
            # "hearings of a case", "the decision of each case": the case's hearings
            if (
                re.fullmatch(r"of(?: the| a| an| each| every| one)?", gap)
                and not a.startswith("?")
                and not b.startswith("?")
                and words[e2 - 1] == singular(words[e2 - 1])  # "a menu of items": the items are the parts
            ):
                out.append(("many_to_one", a, b, None, ev))
                continue
            # "a member's bookings", "the course's holes": the member's
            if (
                not gap
                and re.search(r"'s?$", words[e1 - 1])
                and not a.startswith("?")
                and not b.startswith("?")
            ):
                out.append(("many_to_one", b, a, None, ev))
                continue
            # "each line = drug + quantity", "a loan = member + tool + due date": the line names its drug,
            # the loan its member and its tool
            if gap == "=" and before in ("each", "every", "a", "an", "one", ""):
                out.append(("equals", a, b, None, ev))
                consumed.add(k + 1)
                for k3, (s3, _, c) in enumerate(mentions[k + 2 :], start=k + 2):
                    if c != a and "+" in words[e2:s3] and "=" not in words[e2:s3]:
                        out.append(("equals", a, c, None, ev))
                        consumed.add(k3)
                    else:
                        break
                continue
            # "1,200 sites, each with 2 to 12 chargers", "stores, each having several tills": the B are the A's
            if re.fullmatch(
                r", each (?:with|having|has|holding) (?:" + _MANY + r"|\d+ to \d+|between \d+ and \d+)", gap
            ):
                out.append(("many_of", b, a, None, ev))
                continue
            # "on one ticket many garments", "in one box (there are) several samples": the B are the A's
            if before == "one" and re.fullmatch(r"(?:there (?:are|can be|may be) )?" + _MANY, gap):
                out.append(("many_of", b, a, None, ev))
                continue
            # "A has many B", "an application can have multiple inspections", "hospital receive many bag"
            m = re.fullmatch(
                _AUX
                + r"(?:([a-z]+)\s+)?(?:(?:into|in|to|across|among)\s+)?"
                + _MANY
                + r"(?:\s+of\s+(?:its|their|the))?(?:\s+[a-z]+)?",
                gap,
            )
            if (
                m
                and gap
                and m.group(1)
                and m.group(1) not in ("and", "or", "of", "with", "for", "to", "in", "how")
            ):
                out.append(("many_of", b, a, None, ev))
                continue
            # "A may have a B", "an app may or may not have a contractor", "A has an optional B"
            if re.fullmatch(
                r"(?:may|might|can|could)(?: or may not| or might not| or not)? (?:have|has|get|be assigned|be given|use|take)"
                r"(?: to)? (?:an?|one)(?: optional)?|(?:has|have) an? optional",
                gap,
            ):
                out.append(("many_to_one", a, b, False, ev))
                continue
    # "rooms are booked by bands for sessions", "courts are reserved by members for matches": the
    # occasion names both the thing and who took it
    for (s1, e1, a), (s2, e2, b), (s3, e3, c) in zip(mentions, mentions[1:], mentions[2:]):
        gap1, gap2 = " ".join(words[e1:s2]), " ".join(words[e2:s3])
        if (
            len({a, b, c}) == 3
            and re.fullmatch(
                r"(?:is|are|get|gets|can be|may be|must be) [a-z]+(?:ed|en|t) by(?: an?| the| one)?", gap1
            )
            and re.fullmatch(r"(?:for|during|in)(?: an?| the| each| their)?", gap2)
        ):
            out += [
                ("drop", a, b, None, " ".join(words[s1:e2])),
                ("drop", b, c, None, " ".join(words[s2:e3])),
                ("many_to_one", c, a, None, ev),
                ("many_to_one", c, b, None, ev),
            ]
    # "which scout completed which requirement"
    whiches = [(s, n) for s, _, n in mentions if s > 0 and words[s - 1] in ("which", "what", "whichever")]
    for (_, a), (_, b) in itertools.pairwise(whiches):
        if a != b:
            out.append(("many_to_many", a, b, None, ev))
    return out


class ValueOwnerStage:
    def _just_value_columns(self) -> None:
        """ "a courier travels with some loans, but that's just a name written on the loan": a
        courier_name column on the loan."""
        for word, kind in getattr(self, "just_values", {}).items():
            for sentence in re.split(r"[.;!?\n]", _lower(self.text)):
                if not re.search(r"\b" + re.escape(word) + r"s?\b", sentence):
                    continue
                owner = None
                m = re.search(
                    r"\b(?:on|of|to|for|in) (?:the|a|an|each|every) ([a-z]+)\b", sentence.split("just", 1)[-1]
                )
                if m and self._resolve(singular(m.group(1))) in self.req.entities:
                    owner = self._resolve(singular(m.group(1)))
                if owner is None:
                    owner = next(
                        (
                            self._resolve(singular(w))
                            for w in re.findall(r"[a-z]+", sentence)
                            if self._resolve(singular(w)) in self.req.entities and singular(w) != word
                        ),
                        None,
                    )
                if owner is not None:
                    name = f"{word}_{kind}"
                    e = self.req.entities[owner]
                    if e.attribute(name) is None:
                        e.attributes.append(Attribute(name=name, evidence=sentence.strip()))
                    self.req.relationships = [
                        r for r in self.req.relationships if word not in (r.source, r.target)
                    ]
                break

    def _orphan_values(self) -> None:
        """A list of values nobody's attribute took ("..., result pass / fail / partial", "status of app:
        submitted, approved"): an attribute of the thing named just before it in the same clause (or
        after "of")."""
        taken = {a.name for e in self.req.entities.values() for a in e.attributes}
        places = getattr(self, "hint_places", {})
        hints = getattr(self, "type_hints", {})
        for name, (clause, pos, of) in places.items():
            if name in taken:
                continue
            if name in self.req.entities or self._resolve(name) in self.req.entities:
                # "a class here is a judging class, one of Open, Champion, Kitten or Neuter": the values
                # are the names the thing's rows take
                ent = self.req.entities[self._resolve(name)]
                values = self.enum_hints.get(name)
                if values and ent.attribute("name") is None:
                    ent.attributes.append(Attribute(name="name", enum=values, evidence=clause))
                continue
            low = _lower(clause)
            owner = None
            first, _, rest = name.partition("_")
            if rest and self._resolve(first) in self.req.entities:
                # "ticket type (adult, child)": the attribute names its owner (and keeps the words said)
                owner, name_in_owner = self._resolve(first), name
            else:
                name_in_owner = name
                after = re.match(
                    r"\s*(?:\([^()]*\))?[\s,]*(?:for|of|per) (?:each |every |an? |the )?([a-z]+)", low[pos:]
                )
                said = re.match(r"\s*(?:an? |the |each |every )?([a-z]+)\s*=", low)
                if after and self._resolve(singular(after.group(1))) in self.req.entities:
                    owner = self._resolve(singular(after.group(1)))  # "livery type (...) for each horse"
                elif said and self._resolve(singular(said.group(1))) in self.req.entities and "=" in low[:pos]:
                    owner = self._resolve(singular(said.group(1)))  # "a firing = one kiln + type (...)"
            if owner is not None:
                pass
            elif of:
                word = singular(of.split()[-1])
                owner = self._resolve(word) if self._resolve(word) in self.req.entities else None
            if owner is None:
                # the subject of "each inspection ..., result pass / fail", else the nearest name before
                best, best_each = -1, -1
                for ent in self.req.entities.values():
                    for form in {ent.name.replace("_", " "), ent.table.replace("_", " ")}:
                        at = low.rfind(form, 0, pos + 1)
                        if at > best:
                            best, nearest = at, ent.name
                        each = max(
                            low.rfind("each " + form, 0, pos + 1), low.rfind("every " + form, 0, pos + 1)
                        )
                        if each > best_each:
                            best_each, subject = each, ent.name
                owner = subject if best_each >= 0 else (nearest if best >= 0 else None)
                if best_each < 0 and best >= 0:
                    # "a round is played by one member on one course, from a tee (white, yellow, red)": a
                    # name after a preposition is where or with whom; the values describe the clause's subject
                    before = low[:best].split()[-2:]
                    if before and (before[-1] in _PLACE_PREPS or len(before) > 1 and before[0] in _PLACE_PREPS):
                        first = min(
                            (
                                (at, ent.name)
                                for ent in self.req.entities.values()
                                for form in {ent.name.replace("_", " "), ent.table.replace("_", " ")}
                                for at in [low.find(form)]
                                if 0 <= at < best
                            ),
                            default=None,
                        )
                        if first is not None and first[0] <= 12:
                            owner = first[1]
            if owner is None:
                continue
            values = self.enum_hints.get(name)
            if self.req.entities[owner].attribute(name_in_owner) is not None:
                continue
            self.req.entities[owner].attributes.append(
                Attribute(name=name_in_owner, type=hints.get(name), enum=values, evidence=clause)
            )
            taken.add(name)

    def _junctions_from_acts(self) -> None:
        """A many-to-many link said with a verb whose act the text names as a noun: "track which members
        are inducted on which tool, who did the induction" is a table of inductions (or, when the
        inductions are already a table, their two references), not a members-tools pair list."""
        from aishell.design.read.relations import nominalizations
        from aishell.design.read.tokens import tokenize

        low = _lower(self.text)
        for r in list(self.req.relationships):
            if r.kind != "many_to_many" or r.source == r.target or not r.evidence:
                continue
            ev = _lower(r.evidence)
            at = []
            for end in (r.source, r.target):
                hit = re.search(r"\b" + re.escape(end.replace("_", " ")) + r"(?:s|es)?\b", ev)
                at.append(hit)
            if None in at:
                continue
            lo, hi = sorted(at, key=lambda h: h.start())
            # only the verb said between the two ("which members are inducted on which tool")
            verbs = [t.lemma or t.text for t in tokenize(ev[lo.end() : hi.start()]) if t.tag == "V"]
            for verb in verbs:
                nouns = [n for n in nominalizations(verb) if len(n) >= 5 and n not in (r.source, r.target)]
                holder = next((n for n in nouns if self._resolve(n) in self.req.entities), None)
                if holder is not None:
                    holder = self._resolve(holder)
                    if holder in (r.source, r.target):
                        continue
                    self.req.relationships.remove(r)
                    # the act names its two ends; a key the other way was a misreading of the same words
                    self.req.relationships = [
                        x
                        for x in self.req.relationships
                        if not (x.target == holder and x.source in (r.source, r.target) and x.role is None)
                    ]
                    for end in (r.source, r.target):
                        if not any(
                            x.source == holder and x.target == end and x.kind == "many_to_one"
                            for x in self.req.relationships
                        ):
                            self._add(Relationship("many_to_one", holder, end, evidence=r.evidence))
                    break
                said = next(
                    (
                        n
                        for n in nouns
                        if re.search(
                            r"\b(?:the|an?|each|every|one|its|their|this|that|of|per)\s+"
                            + re.escape(n)
                            + r"s?\b",
                            low,
                        )
                    ),
                    None,
                )  # a noun with its determiner ("who did the induction"), not the verb itself ("belongs")
                if said is not None:
                    r.via = plural(said)
                    break

    def _junction_names(self) -> None:
        """A link between people and a thing they take part in is named after the thing first
        ("guests appear on episodes": episode_guests; "researchers team up on a report":
        report_researchers), as a line of the thing is."""
        for r in self.req.relationships:
            if r.kind != "many_to_many" or r.via or r.source == r.target:
                continue
            src, dst = self.req.entities.get(r.source), self.req.entities.get(r.target)
            if src is None or dst is None:
                continue
            darch = kb.archetype_for(dst.noun) or kb.archetype_for(dst.name)
            if darch is not None and darch.kind in ("tag", "classifier", "org", "place"):
                continue  # "patients have allergies": patient_allergies, the person's own list
            if _is_person(src) and not _is_person(dst) and not kb.is_attribute_word(dst.name):
                r.via = f"{dst.name}_{src.table}"


def _agent_noun(stem: str) -> str:
    """ "mentor(ed)" → mentor, "manag(ed)" → manager, "supervis(ed)" → supervisor."""
    for cand in (stem, stem + "e", stem + "or", stem + "er", stem + "r"):
        if _person_name(cand):
            return cand
    return stem + ("r" if stem.endswith("e") else "er")


def _person_name(name: str) -> bool:
    arch = kb.archetype_for(name)
    if arch is not None:
        return arch.kind == "actor"
    return kb.names_person(name)


def _is_person(ent: object) -> bool:
    arch = kb.archetype_for(ent.noun) or kb.archetype_for(ent.name)
    if arch is not None:
        return arch.kind == "actor"
    return kb.names_person(ent.name)


class LinkAttributeStage:
    def _link_attributes(self) -> None:
        """ "players join teams with a jersey number", "guests appear on episodes ... we store the guest's
        role on that episode": what is said with a many-to-many link belongs to the link, not to either end."""
        for r in self.req.relationships:
            if r.kind != "many_to_many" or not r.evidence or r.source == r.target:
                continue
            ev = _lower(r.evidence)
            for end in (r.target, r.source):
                ent = self.req.entities.get(end)
                if ent is None:
                    continue
                moved = [
                    a
                    for a in ent.attributes
                    if a.evidence
                    and _lower(a.evidence) == ev
                    and re.search(
                        r"\b(?:with|storing|recording|and the|and a|and an)\b[^.]*\b"
                        + re.escape(a.name.split("_")[0]),
                        ev,
                    )
                    and not a.unique
                ]
                for a in moved:
                    ent.attributes.remove(a)
                    if not any(x.name == a.name for x in r.attributes):
                        r.attributes.append(a)


class RoleStage:
    def _role_aliases(self) -> None:
        """ "inspectors are our members", "the DM (also a player)", "a manager who is also an employee",
        "buyers and sellers are users": a role of a stored thing, not a table of its own. References to
        the role become references to the thing, named by the role (inspector_id → members)."""
        text = _lower(self.text).replace("’", "'")
        found: list[tuple[str, str, int]] = []
        patterns = (
            (
                r"\b([a-z]+(?: [a-z]+)?)(?: of (?:the |an? |each |every )?[a-z]+)?\s*,?\s*(?:who|which|that)?\s*"
                r"(?:is|are)\s+"
                r"(?:also\s+|all\s+|always\s+|just\s+|only\s+|simply\s+|basically\s+)*"
                r"(?:one of (?:our|the|us)\s+|our\s+|the\s+|an?\s+)?([a-z]+(?: [a-z]+)?)\b"
            ),
            r"\b([a-z]+)\s*\((?:is |who is |are )?(?:also )(?:an? |one of (?:our|the) )?([a-z]+)",
            r"\b([a-z]+) and ([a-z]+) (?:are|both are) (?:all |both )?(?:also )?(?:our )?([a-z]+)\b",
            # apposition: "an owner (a member)", "a mentor, an existing member"
            r"\b([a-z]+)\s*(?:\(\s*|,\s+)(?:an?|another|one of (?:our|the))\s+(?:existing\s+|other\s+)?([a-z]+)\b"
            r"(?=\s*[),.;]|$)",
            # "the pilot in command and an optional instructor (both are members)", "a paramedic and a
            # technician, two different staff members", "actors, crew and directors are all just members"
            r"\b([a-z]+)(?: in [a-z]+)?,? and (?:an? |the )?(?:optional |[a-z]+ )?([a-z]+)\s*(?:\(\s*|,\s*)"
            r"(?:both are|all are|both|two|two different) (?:also )?(?:[a-z]+ )?([a-z]+)\b",
            r"\b([a-z]+), (?:[a-z]+,? )*and ([a-z]+) are (?:all |both )?(?:just |only |also )*(?:our )?"
            r"(?:[a-z]+ )?([a-z]+)\b",
        )
        for k, pattern in enumerate(patterns):
            for m in re.finditer(pattern, text):
                if re.match(r"\s*(?:not|never|n't)\b", text[m.end(1) : m.end(1) + 12].split("is")[-1]):
                    continue
                if k in (2, 4, 5):
                    pairs = [(m.group(1), m.group(3)), (m.group(2), m.group(3))]
                else:
                    if re.search(r"\b(?:not|never)\b", m.group(0)):
                        continue
                    pairs = [(m.group(1), m.group(2))]
                for role_words, base_words in pairs:
                    if re.search(r"(?:ed|ing|en)\b", base_words.split()[0]) and len(base_words.split()) > 1:
                        continue  # "agents are assigned tickets": a verb, not "are tickets"
                    role = self._entity_word_in(role_words)
                    base = self._entity_word_in(base_words)
                    if base is None and k in (2, 3, 4, 5):
                        ws = base_words.split()
                        compound = "_".join([*ws[:-1], singular(ws[-1])])
                        base = compound if compound in self.mentions else singular(ws[-1])
                    if role and base and role != base:
                        found.append((role, base, k))
        for role, base, k in found:
            if (
                k in (2, 3, 4, 5)
                and base not in self.req.entities
                and role in self.req.entities
                and _person_name(base)
            ):
                self._entity(base)  # "the pilot and an instructor (both are members)": members are stored
            if role not in self.req.entities or base not in self.req.entities:
                continue
            ent = self.req.entities[role]
            rarch = kb.archetype_for(role)
            if (
                ent.attributes
                or not _person_name(base)
                or (k in (0, 3) and rarch is not None and rarch.kind != "actor")
            ):
                continue  # roles are people's: "inspectors are our members", "the DM (also a player)"
            kept = []
            for r in self.req.relationships:
                if r.target == role and r.source != base:
                    r.target, r.role = base, r.role or role
                elif r.target == role and r.source == base:
                    r.kind, r.target, r.role = "self", base, r.role or role
                elif r.source == role and r.kind in ("many_to_one", "one_to_one") and r.target != base:
                    if _person_name(r.target):
                        r.source = base
                    else:  # "the DM" read as holding a key to sessions: the session names its DM
                        r.source, r.target, r.role = r.target, base, r.role or role
                elif r.source == role and r.kind == "many_to_many":
                    r.source, r.source_role = base, r.source_role or role
                elif role in (r.source, r.target):
                    continue
                kept.append(r)
            self.req.relationships = kept
            del self.req.entities[role]
            self.alias[role] = base
            self.entity_names.discard(role)

    def _compound_roles(self) -> None:
        """ "a match has a home team", "an accession derived from a parent accession", "checked by an
        expert member": a modifier in front of a stored thing's name, with nothing said of its own,
        names a role of that thing (home_team_id → teams), not a table of its own."""
        for name in list(self.req.entities):
            words = name.split("_")
            if len(words) < 2 or name not in self.req.entities:
                continue
            head = self._resolve(words[-1])
            ent = self.req.entities[name]
            m = self.mentions.get(name, {})
            modifier = "_".join(words[:-1])
            if (
                head not in self.req.entities
                or head == name
                or ent.attributes
                or m.get("subject")
                or m.get("each")
                or self._resolve(modifier) in self.req.entities
                or kb.archetype_for(name) is not None
            ):
                continue
            kept = []
            for r in self.req.relationships:
                if (
                    r.target == name
                    and r.source not in (name, head)
                    and r.kind in ("many_to_one", "one_to_one")
                ):
                    r.target, r.role = head, r.role or name
                elif name in (r.source, r.target):
                    continue  # what the role was read to hold or be held by: read again as the head's
                kept.append(r)
            self.req.relationships = kept
            del self.req.entities[name]
            self.alias[name] = head
            self.entity_names.discard(name)

    def _apposition_roles(self) -> None:
        """Two (or one) roles said with the thing they are: "the pilot in command and an optional
        instructor (both are members)", "a paramedic and a technician, two different staff members",
        "a captain, who is one of the team's players". Each role is a reference from the thing the
        clause is about to that table, named by the role; "different" adds role_a <> role_b."""
        text = _lower(self.text).replace("’", "'")
        role_np = r"(?:the|an?|one|its|their)\s+((?:optional\s+)?[a-z]+(?:\s+(?:in|of)\s+[a-z]+|\s+[a-z]+)?)"
        found: list[tuple[list[str], str, bool, int, int]] = []  # (roles, base words, different, span)
        for m in re.finditer(
            role_np
            + r"\s*,?\s+and\s+"
            + role_np
            + r"(?:\s+[a-z]+ed)?\s*(?:\(\s*|,\s*)(?:(?:who|they)\s+)?(?:are\s+)?"
            r"(?:both|two|all)\s+(?:are\s+)?(?:(different|distinct|separate)\s+)?(?:also\s+)?(?:our\s+)?"
            r"([a-z]+(?:\s+[a-z]+)?)",
            text,
        ):
            found.append(([m.group(1), m.group(2)], m.group(4), bool(m.group(3)), m.start(), m.end()))
        for m in re.finditer(
            role_np + r"\s*,?\s*(?:\(\s*)?(?:who|which|that)\s+(?:is|are|must be)\s+(?:also\s+|always\s+)*"
            r"(?:one of\s+)?(?:the\s+|our\s+|its\s+|their\s+)?(?:[a-z]+'s?\s+)?(?:an?\s+)?([a-z]+(?:\s+[a-z]+)?)",
            text,
        ):
            found.append(([m.group(1)], m.group(2), False, m.start(), m.end()))
        for phrases, base_words, different, at, end in found:
            base = self._entity_word_in(base_words) or self._entity_word_in(base_words.split()[0])
            if base is None:
                words = base_words.split()
                for cand in (words, words[:1]):
                    name = "_".join(cand[:-1] + [singular(cand[-1])])
                    m_ = self.mentions.get(name)
                    if _person_name(name) or name in _PERSON_WORDS:  # "(both are members)", "(both people)"
                        nps = (m_ or {}).get("nps") or [NP(cand[:-1] + [singular(cand[-1])], det="a")]
                        base = self._promote(nps[0], force=True)
                        if base is None and name in _PERSON_WORDS:  # a generic word the phrase stage drops
                            self.entity_names.add(name)
                            base = self._entity(name, nps[0]).name
                        if base is not None:
                            break
            if base is None:
                continue
            start = max(text.rfind(x, 0, at) for x in (". ", "\n", ";", "!", "?")) + 1
            stop = min(
                [i for i in (text.find(x, end) for x in (". ", "\n", ";", "!", "?")) if i >= 0] or [len(text)]
            )
            sentence = text[start:stop]
            roles = []
            for phrase in phrases:
                optional = phrase.startswith("optional ")
                words = [w for w in phrase.split() if w != "optional"]
                if len(words) > 1 and words[-1].endswith("ed"):
                    words = words[:-1]  # "one sire recorded": the sire
                role = "_".join(words)
                head = singular(words[-1]) if len(words) == 1 else words[0]
                roles.append((role, head, optional))
            for role, head, _ in roles:  # a role read as a table of its own ("sire") is the base's
                for name in {role, head}:
                    ent = self.req.entities.get(name)
                    if ent is not None and name != base and not ent.attributes:
                        self.req.relationships = [
                            r for r in self.req.relationships if name not in (r.source, r.target)
                        ]
                        del self.req.entities[name]
                        self.alias[name] = base
                        self.entity_names.discard(name)
            owner = self._role_owner(sentence, base, {h for _, h, _ in roles} | {r for r, _, _ in roles})
            each_base = re.search(r"\b(?:each|every) " + re.escape(base.replace("_", " ")) + r"\b", sentence)
            if (each_base is not None and each_base.start() < at - start) or (
                owner is None
                and re.search(r"\b(?:a|an) " + re.escape(base.replace("_", " ")) + r"\b", sentence)
            ):
                # "each person has one mother and one father, both also people": rows of the same table
                for role, _, optional in roles:
                    if not any(
                        r.kind == "self" and r.source == base and r.role == role
                        for r in self.req.relationships
                    ):
                        self.req.relationships.append(
                            Relationship(
                                "self", base, base, role=role, required=False, evidence=sentence.strip()[:200]
                            )
                        )
                continue
            said_both = len(phrases) == 2  # "(both are members)", "two different staff members"
            if (
                owner is None
                or owner == base
                or not (said_both or _is_person(self.req.entities[base]) or base in _PERSON_WORDS)
            ):
                continue  # "a captain, who is one of the players": roles of people only
            contrast = any(o for _, _, o in roles)  # "the pilot and an optional instructor": the pilot is not
            for role, head, optional in roles:
                if head == base or role == base:
                    continue
                for name in {role, head, singular(role)}:
                    ent = self.req.entities.get(name)
                    if ent is not None and name not in (owner, base) and not ent.attributes:
                        self.req.relationships = [
                            r for r in self.req.relationships if name not in (r.source, r.target)
                        ]
                        del self.req.entities[name]
                        self.alias[name] = base
                        self.entity_names.discard(name)
                oent = self.req.entities[owner]
                oent.attributes = [a for a in oent.attributes if a.name not in (role, head)]
                # the role replaces a reference the clause made to the base without one
                self.req.relationships = [
                    r
                    for r in self.req.relationships
                    if not (
                        {r.source, r.target} == {owner, base}
                        and r.role is None
                        and _lower(r.evidence)[:40] in sentence
                    )
                ]
                if not any(
                    r.source == owner and r.target == base and r.role == role for r in self.req.relationships
                ):
                    self.req.relationships.append(
                        Relationship(
                            "many_to_one",
                            owner,
                            base,
                            role=role,
                            required=False if optional else (True if contrast else None),
                            evidence=sentence.strip()[:200],
                        )
                    )
            if different and len(roles) == 2:
                self.role_differences.append((owner, roles[0][0], roles[1][0], sentence.strip()[:200]))

    def _role_owner(self, sentence: str, base: str, roles: set[str]) -> str | None:
        """The thing a clause gives roles to: the one after "each"/"every"/"log each", else the first
        stored thing the sentence names that is not the base or a role."""
        names = []
        for e in self.req.entities.values():
            if e.name == base or e.name in roles:
                continue
            for form in {e.name.replace("_", " "), e.table.replace("_", " "), e.name.rsplit("_", 1)[-1]}:
                for m in re.finditer(r"\b" + re.escape(form) + r"(?:s|es)?\b", sentence):
                    after = re.match(r"\s+([a-z]+)", sentence[m.end() :])
                    if after and self._resolve(singular(after.group(1))) in self.req.entities:
                        continue  # "each ambulance shift": the shift
                    each = bool(re.search(r"\b(?:each|every)\s+(?:[a-z]+\s+)?$", sentence[: m.start()]))
                    names.append((not each, m.start(), form != e.name.replace("_", " "), e.name))
        return min(names)[3] if names else None

    def _self_roles(self) -> None:
        """ "a member may be mentored by another member" (mentor_id), "mentors of other members",
        "a report points to the original report": a reference to another row of the same table, named by
        the role the text gives it (not "parent")."""
        text = _lower(self.text).replace("’", "'")
        found: list[tuple[str, str, str | None]] = []  # (entity, role, word made a table by mistake)
        for m in re.finditer(
            r"\b([a-z]+)ed by (?:another|an other|other|a different|an older|a senior) ([a-z]+)", text
        ):
            ent = self._entity_word_in(m.group(2))
            if ent:
                found.append((ent, _agent_noun(m.group(1)), None))
        for m in re.finditer(r"\b([a-z]+) of (?:other|another) ([a-z]+)", text):
            ent = self._entity_word_in(m.group(2))
            word = singular(m.group(1))
            if ent and word != ent and (_person_name(word) or word in self.req.entities):
                found.append((ent, word, word))
        for ent, role, stray in found:
            if stray and stray in self.req.entities and not self.req.entities[stray].attributes:
                self.req.relationships = [
                    r for r in self.req.relationships if stray not in (r.source, r.target)
                ]
                del self.req.entities[stray]
                self.alias[stray] = ent
            rel = next(
                (
                    r
                    for r in self.req.relationships
                    if r.kind == "self" and r.source == ent and r.role in (None, "parent")
                ),
                None,
            )
            if rel is not None:
                rel.role = role
                self.req.entities[ent].self_ref = None
            elif not any(
                r.kind == "self" and r.source == ent and r.role == role for r in self.req.relationships
            ):
                self.req.relationships.append(Relationship("self", ent, ent, role=role, required=False))

    def _entity_word_in(self, words: str) -> str | None:
        ws = words.split()
        closed = ("determiners", "prepositions", "conjunctions", "auxiliaries", "pronouns")
        if len(ws) > 1 and any(ws[-1] in self.lex[k] for k in closed):
            ws = ws[:-1]  # "translator but must not be ...": the phrase ends before "but"
        for cand in ("_".join(ws[:-1] + [singular(ws[-1])]), singular(ws[-1])):
            name = self._resolve(cand)
            if name in self.req.entities:
                return name
        return None
