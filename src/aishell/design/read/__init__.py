"""Requirements text → design intent, offline: a small, deterministic reader of English (no model, no network).

1. ``clauses``: the text is cut into clauses (lines, bullets, sentences, semicolons); features and scale;
2. ``tokens``: each clause is tokenised and every word gets a coarse class from the lexicon (determiner,
   quantifier, preposition, verb, noun, ...); words that can be nouns or verbs are decided by their
   neighbours; consecutive nouns form noun phrases ("product variants", "due date");
3. ``phrases``: phrasing around the noun phrases gives relation records: "X has many Y", "each X has
   several Y", "Y belongs to X", "X with Y and Z", "Y per X", "between X and Y", "X <verb> Y", "other X";
4. ``entities``: which names are things to store;
5. ``relations``: relationships with direction and kind, attribute lists, self-references, scale.

English inflection is in ``aishell.design.words``.
"""

from __future__ import annotations

import re

from aishell.design import kb
from aishell.design.intent import Requirements, Rule
from aishell.design.read.acts import ActStage
from aishell.design.read.clauses import FEATURES, find_scale, split_clauses
from aishell.design.read.entities import EntityStage
from aishell.design.read.links import LinkAttributeStage, LinkStage, RoleStage, ValueOwnerStage
from aishell.design.read.phrases import PhraseStage
from aishell.design.read.relations import RelationStage
from aishell.design.read.rules import read_rules
from aishell.design.read.tokens import NP, tokenize
from aishell.design.words import is_plural, plural, singular

__all__ = ["FEATURES", "find_scale", "parse", "split_clauses", "tokenize"]


_QUERY_CLAUSE = re.compile(
    r"\s*(?:typical |main |common |key |the )?(?:queries|query|questions|lookups|reports|reporting|dashboards?|"
    r"need to (?:see|query|know|answer)|we (?:need|want) to (?:see|query|know|answer)|screens|views)\s*(?:include|are)?\s*:",
    re.IGNORECASE,
)


class Reader(
    PhraseStage, EntityStage, RelationStage, LinkStage, ValueOwnerStage, RoleStage, LinkAttributeStage, ActStage
):
    def __init__(self, text: str):
        self.lex = kb.lexicon()
        self.req = Requirements(text=text)
        self.text = text = resolve_pronouns(text)
        self.enum_hints: dict[str, list[str]] = {}
        # mention facts gathered in pass 1, keyed by candidate entity name
        self.mentions: dict[str, dict] = {}
        self.rels: list[tuple[str, dict]] = []  # raw relation records from pass 1
        self.examples: set[str] = set()
        self.bare_prep: dict[str, int] = {}  # nouns given as examples ("such as calls and meetings")
        self.list_plurals: dict[str, tuple[str, str]] = {}
        self._in_query = False  # "X has a A, a B and Cs": Cs → (X, clause)

    # ---- pass 1 ----
    def run(self) -> Requirements:
        text = self.text
        low = text.lower()
        for feature, pattern in FEATURES:
            m = re.search(pattern, low)
            if m:
                self.req.features[feature] = m.group(0)
        self.req.scale = find_scale(text)
        clauses = split_clauses(_lists_in_parentheses(text, self.lex))
        ignore = sorted(self.lex["ignore_phrases"], key=len, reverse=True)
        ignore_re = re.compile(r"\b(?:" + "|".join(re.escape(p) for p in ignore) + r")\b", re.IGNORECASE)
        of_names = sorted(
            {n for r in kb.attribute_rules() for n in r.get("names", []) if "_of_" in n},
            key=len,
            reverse=True,
        )
        of_re = re.compile(
            r"\b(" + "|".join(re.escape(n.replace("_", " ")) for n in of_names) + r")\b", re.IGNORECASE
        )
        self.pending_clauses: list[str] = []
        self._examples_after_dash(low)
        self.just_values = _just_values(low)
        queue = list(clauses)
        while queue:
            clause, bullet = queue.pop(0)
            clause = ignore_re.sub(" ", clause)  # features, not things: detected on the whole text above
            clause = of_re.sub(lambda m: m.group(1).replace(" ", "-").lower(), clause)  # "date of birth"
            # "year of birth", "place of death", "time of day": a measure of something, one column
            clause = re.sub(
                r"\b(date|year|place|time|country|city|cause|day|month|hour|port|language) of ([a-z]+)\b",
                lambda m: m.group(0)
                if any(m.group(2) in self.lex[k] for k in _CLOSED_CLASSES) or m.group(2) in ("each", "every")
                else f"{m.group(1)}-of-{m.group(2)}",
                clause,
            )
            clause = _MEASURE.sub(" ", clause)  # "25K entries/exits a day": a volume, read by find_scale
            clause = re.sub(r"(?<=[A-Za-z]) ?#", " number", clause)  # "license #"
            clause = _phrasal_names(clause, self.lex)
            clause = re.sub(r"\b([a-z]+)_(?=[a-z])", r"\1-", clause)  # "valid_from": one word, as written
            # "valid_to >= valid_from", "strokes ≥ 1": a rule (read below), not more words to store
            clause = re.sub(r"[\w-]+\s*(?:>=|<=|=>|=<|≥|≤|>|<)\s*[\w.-]+", " ", clause)
            clause = re.sub(
                r"\b(?:thats|that's|that is|which is)\s+(?=unique\b)", "", clause, flags=re.IGNORECASE
            )
            clause = re.sub(r"\(\s*((?:must be )?unique)\s*\)", r" \1", clause, flags=re.IGNORECASE)
            clause, *more = _parts_sum(clause, low)
            self.pending_clauses += more
            clause = self._extract_enums(clause)
            # "Queries: an account's open orders, executions per instrument": what is asked of the data
            # names the things it asks about, never new ones
            self._in_query = bool(_QUERY_CLAUSE.match(clause))
            toks = tokenize(clause)
            items = self._chunk(toks, bullet)
            self._relations(items, clause)
            self._in_query = False
            first = next((x for x in items if isinstance(x, NP)), None)
            if first is not None and (first.plural or first.det in ("each", "every", "a", "an")):
                self._last_subject = first  # "Donors come ... . For each donation we measure ..."
            if self.pending_clauses:  # "players (FIDE id, rating)": "players have FIDE id and rating"
                queue = [(c, False) for c in self.pending_clauses] + queue
                self.pending_clauses = []
        self._decide_entities()
        self._build_relationships()
        self._self_references(clauses)
        self._links()
        self._role_aliases()
        self._compound_roles()
        self.role_differences: list[tuple[str, str, str, str]] = []
        self._apposition_roles()
        self._self_roles()
        self._just_value_columns()
        self._orphan_values()
        self._junctions_from_acts()
        self._acts_over_time()
        self._junction_names()
        self._link_attributes()
        self._list_plurals_to_attributes()
        self._attach_scale()
        self._domain(clauses)
        read_rules(self.req, [c for c, _ in clauses])
        self._act_rules()
        # "a squad has between 3 and 5 players", "at most 2 active loans": the numbers of a count rule
        # bound the rows per parent; they say nothing of how many players or loans there are
        counts = [r for r in self.req.rules if r.kind == "max_count"]
        self.req.scale = [
            f for f in self.req.scale
            if f.period or not any(
                (r.evidence and f.text.lower() in r.evidence.lower())
                or (f.entity == r.entity and f.count in (r.min, r.max))
                for r in counts
            )
        ]
        for owner, a, b, ev in self.role_differences:  # "two different staff members"
            if owner in self.req.entities and not any(
                r.kind == "compare" and r.entity == owner and {r.left, r.right} == {a, b}
                for r in self.req.rules
            ):
                self.req.rules.append(
                    Rule(
                        kind="compare",
                        entity=owner,
                        left=a,
                        op="<>",
                        right=b,
                        provenance="stated",
                        evidence=ev,
                    )
                )
        self._questions()
        return self.req

    def _examples_after_dash(self, low: str) -> None:
        """ "other institutions — museums, galleries, sometimes a university": examples of the plural
        before the dash, not things of their own."""
        for m in re.finditer(
            r"\b[a-z]+s\s+[—–]\s+((?:[a-z]+,\s*)+(?:and |or |sometimes |even |also )*(?:an? )?[a-z]+)\b", low
        ):
            for item in re.split(r",\s*", m.group(1)):
                word = item.split()[-1] if item.split() else ""
                if word:
                    self.examples.add(singular(word))

    def _questions(self) -> None:
        """Nouns the reader made tables of on thin evidence: named once, never the subject of anything,
        with no attributes and a word the knowledge base does not know. The review names them and the
        terminal asks ("is *handle* something you store?")."""
        from aishell.design.intent import Question

        for e in self.req.entities.values():
            m = self.mentions.get(e.name, {})
            if e.archetype or e.attributes or m.get("subject") or m.get("count", 1) > 1 or m.get("bullet"):
                continue
            if any(r.source == e.name for r in self.req.relationships):
                continue  # it holds a reference: something the text says about it
            words = e.name.replace("_", " ")
            self.req.questions.append(
                Question(
                    about=e.name,
                    question=f"is *{words}* something you store (a table of {e.table}), or just a word here?",
                    kind="entity",
                    options=["store it", "leave it out"],
                )
            )


_MEASURE = re.compile(
    r"~?\d[\d,.]*\s*[kKmMbB]?\+?\s+[a-z]+(?:\s*/\s*[a-z]+)+\s+(?:a|an|per|each|every)\s+"
    r"(?:second|minute|hour|day|week|month|year)\b"
)


_PARTS_SUM = re.compile(
    r"^(?P<lead>.*?\b)?(?:(?i:each|every|an?|one|the)\s+)?(?P<x>[A-Za-z][\w-]*(?: [a-z][\w-]*)?)\s*=\s*"
    r"(?P<rhs>[^=+]+(?:\+[^=+]+)+)$"
)


_TIME_HEADS = r"(?:time|times|date|dates|day|location|address|point|place|slot)"


def _phrasal_names(clause: str, lex: dict) -> str:
    """ "drop off time", "pick up location", "check in date": a phrasal verb naming a column is one word
    ("drop-off time"); "year planted", "date joined" at the end of a list item is one name too."""

    def phrasal(m: re.Match[str]) -> str:
        verb = m.group(1).lower()
        if verb in lex["auxiliaries"] or verb not in kb.pos_table()["v"]:
            return m.group(0)
        return f"{m.group(1)}-{m.group(2)} {m.group(3)}"

    clause = re.sub(
        rf"\b([A-Za-z]+) (off|up|out|in|back|down|over) ({_TIME_HEADS})\b", phrasal, clause, flags=re.IGNORECASE
    )
    # "area in hectares, year planted": a measure and its unit in a list is one column ("area hectares")
    clause = re.sub(
        r"(?<=[,:] )([a-z]+) in ([A-Za-z]+)\b(?=\s*(?:,|\band\b|$))",
        lambda m: f"{m.group(1)}-{m.group(2).lower()}"
        if m.group(2).lower() in lex["units"] and kb.is_attribute_word(m.group(1))
        else m.group(0),
        clause,
    )
    return re.sub(
        r"\b(year|date|time|day|month|week) ([a-z]+ed)\b(?=\s*(?:,|\band\b|\)|$))",
        lambda m: f"{m.group(1)}-{m.group(2)}" if m.group(2) in kb.pos_table()["v"] else m.group(0),
        clause,
    )


def _parts_sum(clause: str, low: str) -> list[str]:
    """ "a loan = member + tool + checked out time + due back", "observation = species + count": the
    thing before "=" is made of what is added after it. Parts the text names elsewhere are things it refers
    to ("each loan has a member and a tool"); parts said only here are its values ("for each loan we record
    a checked-out-time and a due-back"). Only with at least one "+" ("perfect game = 300" is a value)."""
    # "(>= 0)", "(> 0)": a rule about a part, read from the clause as written
    m = _PARTS_SUM.match(re.sub(r"\(\s*(?:>=|<=|>|<|=)[^)]*\)", "", clause.strip()))
    if not m or (m.group("lead") or "").strip():
        return [clause]
    # "1 client + 1 artist": one of each
    parts = [re.sub(r"^(?:1|one)\s+(?=[A-Za-z])", "", p.strip(" ,.")) for p in m.group("rhs").split("+")]
    # "... + app account, one or the other": the part ends at a comma outside parentheses
    last = parts[-1]
    depth = 0
    for k, ch in enumerate(last):
        depth += (ch == "(") - (ch == ")")
        if ch == "," and depth == 0:
            parts[-1] = last[:k]
            break
    # "either the RFID card or the app account": a choice, read from the clause as written
    parts = [p for p in parts if len(p.split()) <= 6 and not re.match(r"either\b", p, re.IGNORECASE)]
    if len(parts) < 2 or any(not p or not re.match(r"[A-Za-z]", p) for p in parts):
        return [clause]
    shared = []
    for p in parts:
        # "start and stop time": a start time and a stop time
        two = re.fullmatch(r"([a-z]+) and ([a-z]+) ([a-z]+)", p, re.IGNORECASE)
        if two and kb.is_attribute_word(singular(two.group(3).lower())):
            shared += [f"{two.group(1)} {two.group(3)}", f"{two.group(2)} {two.group(3)}"]
        else:
            shared.append(p)
    parts = shared
    refs, values = [], []
    for p in parts:
        paren = re.search(r"\s*\(([^)]*)\)", p)
        p = p[: paren.start()] if paren else p
        # "count (> 0)" is a rule, read from the clause as written; "(possible, probable)" its values
        tail = f" ({paren.group(1)})" if paren and re.search(r",|\bor\b|/", paren.group(1)) else ""
        words = p.split()
        det = "a"
        if words and words[0].lower() in ("a", "an", "the", "one", "its", "their"):
            words = words[1:]
        if words and words[0].lower() in ("optional", "required", "mandatory", "unique"):
            det, words = f"a {words[0].lower()}", words[1:]
        if not words:
            return [clause]
        unit = re.fullmatch(r"(.+?) in ([a-z]+)", " ".join(words), re.IGNORECASE)
        if unit and unit.group(2).lower() in kb.lexicon()["units"]:
            words = [*unit.group(1).split(), unit.group(2).lower()]  # "energy delivered in kWh"
        phrase = " ".join(words).lower()
        said = len(re.findall(rf"\b{re.escape(phrase)}(?:e?s)?\b", low))
        arch = kb.archetype_for(singular(phrase)) if len(words) == 1 else None
        if (
            said >= 2
            or singular(phrase) != phrase and len(re.findall(rf"\b{re.escape(singular(phrase))}\b", low)) >= 2
            or arch is not None and arch.kind in ("actor", "org", "thing") and not kb.is_attribute_word(phrase)
        ):
            refs.append(f"{det} {' '.join(words)}{tail}")
        else:
            # "checked out time", "due back": one name each, whatever its words could be on their own
            values.append(f"{det} {' '.join(words) if tail else '-'.join(words)}{tail}")

    def listed(items: list[str]) -> str:
        return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]

    x = m.group("x")
    out = []
    if refs:
        out.append(f"each {x} has {listed(refs)}")
    if values:
        out.append(f"for each {x} we record {listed(values)}")
    return out


def _just_values(low: str) -> dict[str, str]:
    """ "a courier travels with some loans, but that's just a name written on the loan": the courier
    is a value (a name) of the loan, not a table. Word → what it is ("name")."""
    out: dict[str, str] = {}
    for sentence in re.split(r"[.;!?\n]", low.replace("’", "'")):
        m = re.search(
            r"\b(?:that's|thats|that is|it's|its|it is|they're|they are)\s+(?:just|only|simply|merely)\s+"
            r"(?:an? |the )?(name|names|text|note|notes|label|string|number|free text)\b",
            sentence,
        )
        if not m:
            continue
        subject = re.search(r"\b(?:an?|the|our|one)\s+([a-z]+)\b", sentence[: m.start()])
        if subject:
            out[singular(subject.group(1))] = singular(m.group(1)).replace(" ", "_")
    return out


_VALUE_WORD = r"(?!(?:or|and|nor)\b)[A-Za-z0-9][\w'+-]*(?:\.[\w'+-]+)*"
_VALUE_WORDS = rf"{_VALUE_WORD}(?: {_VALUE_WORD}){{0,2}}"
_VALUE_LIST = rf"{_VALUE_WORDS}(?:\s*,\s*{_VALUE_WORDS})*(?:,?\s+(?:or|and)\s+{_VALUE_WORDS})?"
_CLOSED_CLASSES = ("determiners", "auxiliaries", "prepositions", "conjunctions", "pronouns", "quantifiers")


def _lists_in_parentheses(text: str, lex: dict) -> str:
    """A list of values said after its attribute without parentheses, written as the parenthesised list
    the reader already takes for values: "voice part - soprano, alto, tenor or bass -", "condition: good,
    worn, retired", "ticket type adult, child or senior", "a premiere status, which is one of world
    premiere, ... or none", "type of work: crown, bridge" (work type). Only after a singular noun that is
    not a closed-class word, and only lists of short items without a verb: "patients: name, date of birth"
    (a plural: its columns) and "fees: each app has one or more fee lines" stay as they are."""
    heads = "|".join(sorted((h for h in lex.get("enum_heads", ()) if "_" not in h), key=len, reverse=True))

    def shared_head(m: re.Match[str]) -> str:
        # "takeoff and landing times", "dispatched, arrived and cleared times": one column per modifier
        mods = [w for w in re.split(r",\s*|\s+and\s+", m.group(1)) if w]
        head = m.group(2)
        one = singular(head.lower())
        if (
            len(mods) < 2
            or not kb.is_attribute_word(one)
            or any(is_plural(w.lower()) and not w.lower().endswith("ss") for w in mods)
            or any(w.lower() in lex[k] for k in _CLOSED_CLASSES for w in mods)
        ):
            return m.group(0)
        return " and ".join(f"{w} {one}" for w in mods)

    def values(raw: str) -> list[str] | None:
        items = [v.strip(" '\"") for v in re.split(r",|\bor\b|\band\b", raw) if v.strip(" '\"")]
        if len(items) < 2:
            return None
        for v in items:
            words = v.lower().split()
            if any(w in lex[k] for k in _CLOSED_CLASSES if k != "auxiliaries" for w in words) or any(
                w in ("has", "have", "is", "are", "was", "were", "can", "may", "must", "will", "should")
                for w in words
            ):
                return None  # a clause, not a value
        if sum(1 for v in items if is_plural(v.lower().split()[-1]) and len(v) > 3) * 2 >= len(items):
            return None  # "Library: branches, shelves": the things of a heading, not values
        return items

    def head_ok(head: str) -> bool:
        last = head.lower().split()[-1]
        return (
            not is_plural(last)
            and not any(last in lex[k] for k in _CLOSED_CLASSES)
            and last not in ("etc", "e.g", "eg", "ie")
        )

    def colon(m: re.Match[str]) -> str:
        head, scope, raw = m.group(1), m.group(2) or "", m.group(3)
        if not head_ok(head) or values(raw) is None or "," not in raw and not re.search(r"\bor\b", raw):
            return m.group(0)
        of = re.fullmatch(r"\s*of ([a-z]+)", scope)
        if head.lower().split()[-1] in ("type", "kind") and of:  # "type of work": the work type
            head, scope = f"{of.group(1)} {head.split()[-1]}", ""
        return f"{head} ({raw}){scope}"

    # "condition: good, worn, retired"; "livery type for each horse: full, part, DIY"
    text = re.sub(
        rf"\b([A-Za-z][\w-]*(?: [A-Za-z][\w-]*)?)((?: (?:of|for|per) (?:each |every |a |an |the )?[a-z]+)?)"
        rf"\s*:\s*({_VALUE_LIST})(?=\s*(?:[.;\n]|$))",
        colon,
        text,
    )
    # "voice part - soprano, alto, tenor or bass - although ..."
    text = re.sub(
        rf"\b([A-Za-z][\w-]*(?: [A-Za-z][\w-]*)?)()\s+[-–—]\s+({_VALUE_LIST})(?=\s*(?:[-–—.;\n]|$))",
        colon,
        text,
    )
    # "ticket type adult, child or senior", "role plaintiff or defendant"
    if heads:
        text = re.sub(
            rf"\b((?:[A-Za-z][\w-]* )?(?:{heads}))()\s+({_VALUE_LIST})(?=\s*(?:[,.;\n)]|$))",
            lambda m: colon(m) if re.search(r"\bor\b", m.group(3)) or m.group(3).count(",") >= 2 else m.group(0),
            text,
            flags=re.IGNORECASE,
        )
    # "a premiere status, which is one of world premiere, ... or none"; "a judging class, one of Open, ..."
    text = re.sub(
        rf"\b([A-Za-z][\w-]*(?: [A-Za-z][\w-]*)?)()\s*,\s*(?:which|that)?\s*(?:is |are )?(?:one of|either)\s+"
        rf"({_VALUE_LIST})(?=\s*(?:[,.;\n]|$))",
        colon,
        text,
    )
    text = re.sub(
        r"\b((?:[A-Za-z]+,\s*)*[A-Za-z]+\s+and\s+[A-Za-z]+)\s+([a-z]+(?:s|es))\b",
        lambda m: shared_head(m) if is_plural(m.group(2).lower()) else m.group(0),
        text,
    )
    # "Glider registrations are unique": each glider has a unique registration (when the text names gliders
    # elsewhere; "serial numbers are unique" is one attribute)
    def owner_unique(m: re.Match[str]) -> str:
        owner, attr = m.group(1), m.group(2)
        low = text.lower()
        elsewhere = len(re.findall(rf"\b{re.escape(owner.lower())}s?\b", low)) > 1
        if not elsewhere or any(owner.lower() in lex[k] for k in _CLOSED_CLASSES):
            return m.group(0)
        words = attr.split()
        return f"each {owner} has a unique {' '.join([*words[:-1], singular(words[-1])])}"

    text = re.sub(
        r"\b([A-Za-z]+) ((?:[a-z]+ )?[a-z]+s) (?:are|must be|should be) unique\b", owner_unique, text
    )
    return text

_PRONOUN = re.compile(
    r"(^|[.!?;]\s+|\n\s*(?:[-*•]\s+)?)(It|it|They|they)\s+(?=(?:is|are|was|were|has|have|belongs?|can|may|must|"
    r"should|will|needs?|gets?|goes|go|also|always|never|only|usually|often|then|[a-z]+s)\b)"
)


def resolve_pronouns(text: str) -> str:
    """ "Each crate has a label. It belongs to one pallet.": a sentence opening with "it"/"they" and a
    verb goes on about the subject of the sentence before (the crate), as English keeps its topic; the
    pronoun is read as that noun phrase. A sentence whose first words are no noun phrase leaves it."""
    out, last = [], 0
    for m in _PRONOUN.finditer(text):
        start = m.start(2)
        before = text[:start].rstrip()
        prev = re.split(r"(?<=[.!?;\n])\s*", before.rstrip(".!?;").rstrip())[-1]
        prev = re.sub(r"^\s*(?:[-*•]\s+)", "", prev)
        subject = _subject(prev)
        if subject is None:
            continue
        words, is_pl = subject
        pronoun = m.group(2).lower()
        if pronoun == "it" and is_pl:
            continue  # "Crates ... . It ...": not the crates
        phrase = " ".join(
            words[:-1] + [singular(words[-1]) if pronoun == "it" else plural(singular(words[-1]))]
        )
        phrase = (
            ("The " if m.group(2)[0].isupper() else "the ") + phrase
            if pronoun == "it"
            else (phrase[0].upper() + phrase[1:] if m.group(2)[0].isupper() else phrase)
        )
        out.append(text[last:start] + phrase)
        last = m.end(2)
    out.append(text[last:])
    return "".join(out)


def _subject(sentence: str) -> tuple[list[str], bool] | None:
    """The noun phrase a sentence opens with (after a determiner): its words and whether it is plural."""
    toks = tokenize(sentence)
    i = 0
    while i < len(toks) and toks[i].tag in ("D", "Q") and toks[i].text not in ("we", "i", "you"):
        i += 1
    words = []
    while i < len(toks) and toks[i].tag == "N" and len(words) < 3:
        words.append(toks[i].text)
        i += 1
    if not words or i >= len(toks) or toks[i].tag not in ("V", "X"):
        return None  # the first words are no subject followed by its verb
    return words, is_plural(words[-1])


def parse(text: str) -> Requirements:
    """Read requirements text; the result may have no entities (the caller decides what that means)."""
    return Reader(text).run()
