"""Requirements text → ``Requirements``: entities, attributes, relationships, features and scale.

A small, deterministic reader of English requirements (no model, no network):

1. the text is cut into clauses (lines, bullets, sentences, semicolons);
2. each clause is tokenised and every word gets a coarse class from the lexicon (determiner, quantifier,
   preposition, verb, noun, ...); words that can be nouns or verbs ("orders", "book", "review") are
   decided by their neighbours;
3. consecutive nouns form noun phrases ("product variants", "due date");
4. phrasing around the noun phrases gives relationships: "X has many Y", "each X has several Y",
   "Y belongs to X", "X with Y and Z", "Y per X", "Y for/on/from/of X", "between X and Y",
   "X <verb> Y" (many-to-many for verbs like follow/enroll/attend), "other X" (self references),
   passive "Y is assigned to X";
5. singular noun phrases that read as columns ("a due date", "a status (open, done)") become
   attributes of the entity they are said of.

English inflection uses ``inflection`` (plural/singular) and ``simplemma`` (verb lemmas).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import inflection

from aishell.design import kb
from aishell.design.requirements import Attribute, Entity, Relationship, Requirements, ScaleFigure

# -- inflection helpers ------------------------------------------------------------------------------

_LATIN_US = {
    "status",
    "bus",
    "campus",
    "virus",
    "bonus",
    "census",
    "corpus",
    "focus",
    "radius",
    "genus",
    "cactus",
    "stimulus",
    "syllabus",
    "thesaurus",
    "alumnus",
    "nexus",
    "prospectus",
    "consensus",
    "surplus",
    "sinus",
    "octopus",
    "circus",
    "chorus",
    "fungus",
    "nucleus",
    "terminus",
    "abacus",
    "exodus",
    "opus",
    "lotus",
    "walrus",
    "citrus",
    "apparatus",
    "plus",
    "minus",
    "onus",
    "impetus",
    "hiatus",
    "caucus",
    "us",
    "thus",
    "versus",
    "canvas",
    "atlas",
    "alias",
    "bias",
    "gas",
    "lens",
    "iris",
    "axis",
}
_UNCOUNTABLE_KEEP = {
    "data",
    "media",
    "news",
    "series",
    "species",
    "staff",
    "equipment",
    "inventory",
    "stock",
    "feedback",
    "information",
    "software",
    "metadata",
    "analytics",
    "status",
    "address",
    "access",
    "progress",
    "class",
    "business",
    "campus",
    "bus",
    "census",
    "bonus",
    "virus",
    "canvas",
    "alias",
    "atlas",
    "lens",
    "gas",
    "corpus",
    "thesis",
}


def singular(word: str) -> str:
    if word in _UNCOUNTABLE_KEEP or len(word) <= 3 and not word.endswith("s"):
        return word
    if word.endswith("ss") or word in _LATIN_US or word.endswith("ous"):
        return word
    if word.endswith("es") and word[:-2] in _LATIN_US:
        return word[:-2]  # "campuses", "bonuses"
    if (
        word.endswith("us")
        and len(word) > 4
        and word[-3] not in "aeiou"
        and word[:-1][-1] == "u"
        and word[:-1] not in ("menu", "guru", "emu", "tutu", "haiku", "tofu", "gnu")
    ):
        return word  # "census", "virus"-like singulars the list does not name
    s = inflection.singularize(word)
    return s or word


def plural(word: str) -> str:
    """Plural of a snake_case name, inflecting its last word only ("order_item" -> "order_items")."""
    head, _, last = word.rpartition("_")
    if last in (
        "staff",
        "inventory",
        "stock",
        "equipment",
        "feedback",
        "media",
        "data",
        "metadata",
        "news",
        "series",
        "species",
        "software",
        "information",
    ):
        p = {
            "staff": "staff_members",
            "inventory": "inventory_items",
            "stock": "stock_items",
            "equipment": "equipment_items",
            "feedback": "feedback_entries",
        }.get(last, last)
    elif last == "person":
        p = "people"
    else:
        p = inflection.pluralize(last)
    return f"{head}_{p}" if head else p


def is_plural(word: str) -> bool:
    if word in _UNCOUNTABLE_KEEP or word in ("people", "staff", "data"):
        return word in ("people",)
    return singular(word) != word


_LEMMA_CACHE: dict[str, str] = {}


def verb_lemma(word: str) -> str:
    """The verb lemma of a word form ("accepts" → "accept", "written" → "write"); the word itself if none."""
    if word in _LEMMA_CACHE:
        return _LEMMA_CACHE[word]
    lex = kb.lexicon()
    pos = kb.pos_table()
    lemma = word
    entry = pos["v"].get(word)
    if entry is not None:
        lemma = entry.rstrip("*")
    else:
        irregular = lex.get("irregular_verbs", {})
        verbs = lex["verbs_one_to_many"] | lex["verbs_many_to_many"] | _EXTRA_VERBS
        if word in irregular:
            lemma = irregular[word]
        elif word not in verbs:
            lemma = next((c for c in _verb_candidates(word) if c in verbs), word)
    _LEMMA_CACHE[word] = lemma
    return lemma


def can_be_verb(word: str) -> tuple[bool, bool]:
    """(can be a verb, can also be a noun) from the POS table derived from LemmInflect's lexicon."""
    entry = kb.pos_table()["v"].get(word)
    if entry is None:
        lex = kb.lexicon()
        verbs = lex["verbs_one_to_many"] | lex["verbs_many_to_many"] | _EXTRA_VERBS
        if word in verbs or word in lex.get("irregular_verbs", {}):
            return True, False
        return False, False
    return True, entry.endswith("*")


def _verb_candidates(word: str) -> list[str]:
    out = []
    if word.endswith("ies"):
        out.append(word[:-3] + "y")
    if word.endswith("es"):
        out.append(word[:-2])
    if word.endswith("s"):
        out.append(word[:-1])
    if word.endswith("ied"):
        out.append(word[:-3] + "y")
    if word.endswith("ed"):
        out += [word[:-2], word[:-1]]
        if len(word) > 4 and word[-3] == word[-4]:
            out.append(word[:-3])
    if word.endswith("ing"):
        out += [word[:-3], word[:-3] + "e"]
        if len(word) > 5 and word[-4] == word[-5]:
            out.append(word[:-4])
    return out


_EXTRA_VERBS = {
    "belong",
    "reply",
    "respond",
    "refer",
    "associate",
    "track",
    "allow",
    "need",
    "want",
    "store",
    "contain",
    "consist",
    "comprise",
    "report",
    "depend",
    "relate",
    "assign",
    "link",
    "attach",
    "receive",
    "leave",
    "book",
    "request",
    "accept",
    "rate",
    "review",
    "like",
    "comment",
    "message",
    "order",
    "buy",
    "pay",
    "place",
    "post",
    "write",
    "create",
    "upload",
    "send",
    "make",
    "take",
    "enroll",
    "enrol",
    "follow",
    "join",
    "attend",
    "borrow",
    "return",
    "reserve",
    "rent",
    "register",
    "subscribe",
    "apply",
    "hire",
    "teach",
    "treat",
    "prescribe",
    "schedule",
    "cancel",
    "deliver",
    "ship",
    "drive",
    "ride",
    "visit",
    "manage",
    "own",
    "host",
    "organize",
    "organise",
    "submit",
    "sell",
    "list",
    "tag",
    "vote",
    "favorite",
    "bookmark",
    "share",
    "log",
    "record",
    "measure",
    "monitor",
    "generate",
    "emit",
    "collect",
    "produce",
    "play",
    "watch",
    "read",
    "see",
    "use",
}


def snake(words: list[str]) -> str:
    return re.sub(r"[^a-z0-9]+", "_", "_".join(words).lower()).strip("_")


# -- tokens ------------------------------------------------------------------------------------------


@dataclass
class Tok:
    text: str
    tag: (
        str  # D det, Q quantifier, P prep, C conj, X aux/adverb, R pronoun, A adj, V verb, N noun, NUM, PUNCT
    )
    lemma: str = ""


@dataclass
class NP:
    words: list[str]
    det: str | None = None
    quant: str | None = None  # "many" when several are implied
    other: bool = False
    flags: set[str] = field(default_factory=set)  # unique / required / optional
    start: int = 0  # index of the first token in the clause
    bullet_head: bool = False

    @property
    def head(self) -> str:
        return self.words[-1]

    @property
    def plural(self) -> bool:
        return is_plural(self.head)

    @property
    def many(self) -> bool:
        return self.quant == "many" or self.plural

    @property
    def text(self) -> str:
        return " ".join(self.words)


_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-'][A-Za-z0-9]+)*|\d[\d,.]*[kKmMbB]?\+?|[,:/&+()]|<->|->")
_MULTI = [
    (("one", "or", "more"), "many"),
    (("zero", "or", "more"), "many"),
    (("one", "or", "many"), "many"),
    (("at", "least", "one"), "many"),
    (("any", "number", "of"), "many"),
    (("a", "lot", "of"), "many"),
    (("lots", "of"), "many"),
    (("a", "list", "of"), "many"),
    (("a", "set", "of"), "many"),
    (("a", "number", "of"), "many"),
    (("a", "collection", "of"), "many"),
    (("a", "history", "of"), "many"),
    (("a", "series", "of"), "many"),
    (("a", "variety", "of"), "many"),
    (("more", "than", "one"), "many"),
    (("many", "to", "many"), "M2M"),
    (("one", "to", "many"), "O2M"),
    (("one", "to", "one"), "O2O"),
    (("many", "to", "one"), "M2O"),
    (("each", "other"), "EACHOTHER"),
    (("one", "another"), "EACHOTHER"),
    (("as", "well", "as"), "and"),
    (("such", "as"), "EX"),
    (("for", "example"), "EX"),
    (("for", "instance"), "EX"),
    (("e", "g"), "EX"),
    (("e.g",), "EX"),
    (("i.e",), "EX"),
]


def tokenize(clause: str) -> list[Tok]:
    # possessives: "students' attempts", "a user's profile" → students <poss> attempts
    clause = re.sub(r"(?<=[A-Za-z])'s\b", " <poss>", clause)
    clause = re.sub(r"(?<=[A-Za-z]s)'(?=\s)", " <poss>", clause)
    raw = [w if w != "poss" else "<POSS>" for w in _WORD.findall(clause.replace("<poss>", " poss "))]
    words: list[str] = []
    for w in raw:
        if w == "<POSS>":
            words.append(w)
            continue
        lw = w.lower()
        if lw.endswith("'s") or lw.endswith("s'"):
            lw = lw[:-2] if lw.endswith("'s") else lw[:-1]
        words.append(lw)
    # merge fixed multi-word expressions
    merged: list[str] = []
    i = 0
    while i < len(words):
        for seq, rep in _MULTI:
            if tuple(words[i : i + len(seq)]) == seq:
                merged.append(f"<{rep}>")
                i += len(seq)
                break
        else:
            merged.append(words[i])
            i += 1
    lex = kb.lexicon()
    toks: list[Tok] = []
    for w in merged:
        toks.append(Tok(w, _base_tag(w, lex)))
    _resolve_ambiguous(toks, lex)
    return toks


_SPECIAL = {
    "<POSS>": "POSS",
    "<EX>": "EX",
    "<many>": "Q",
    "<M2M>": "REL",
    "<O2M>": "REL",
    "<O2O>": "REL",
    "<M2O>": "REL",
    "<EACHOTHER>": "R",
    "<and>": "C",
}


def _base_tag(w: str, lex: dict) -> str:
    if w in _SPECIAL:
        return _SPECIAL[w]
    if w in ("many-to-many", "m:n", "n:m", "m2m", "<->"):
        return "REL"
    if w in ("one-to-many", "1:n", "->"):
        return "REL"
    if w in (",", "&", "+", "/"):
        return "PUNCT" if w == "," else "C"
    if w in (":", "(", ")"):
        return "PUNCT"
    if w[0].isdigit():
        return "NUM"
    if w in ("each", "every"):
        return "D"
    if w == "other" or w == "another":
        return "OTHER"
    if w in lex["determiners"]:
        return "D"
    if w in lex["quantifiers"]:
        return "Q"
    if w in lex["prepositions"]:
        return "P"
    if w in lex["conjunctions"]:
        return "C"
    if w in lex["pronouns"]:
        return "R"
    if w in lex["auxiliaries"]:
        return "X"
    if w in lex["adjectives"]:
        return "A"
    if w in lex["gerund_nouns"]:
        return "N"
    verb, also_noun = can_be_verb(w)
    if (
        verb
        and not also_noun
        and (w in kb.noun_index() or singular(w) in kb.noun_index() or singular(w) in lex["person_words"])
    ):
        also_noun = True  # "logs": a noun our knowledge base knows, whatever the lexicon says
    if verb:
        if w.endswith("ing") and len(w) > 4:
            return "N" if also_noun and w in kb.noun_index() else "V"
        return "VN" if also_noun else "V"
    pos = kb.pos_table()
    if w in pos["a_set"]:
        return "A"
    if w in pos["r_set"]:
        return "X"
    return "N"


def _det_before(toks: list[Tok], k: int) -> bool:
    """Whether the noun run ending at ``k`` starts after a determiner ("each maintenance job")."""
    while k >= 0 and toks[k].tag in ("N", "A"):
        k -= 1
    return k >= 0 and toks[k].tag == "D"


@lru_cache(maxsize=1)
def _kb_plurals() -> set[str]:
    return {plural(n) for n in kb.noun_index()}


def _resolve_ambiguous(toks: list[Tok], lex: dict) -> None:
    for i, t in enumerate(toks):
        prev = toks[i - 1] if i > 0 else None
        if (
            t.text.endswith("ing")
            and prev is not None
            and prev.text in ("are", "is", "am", "was", "were", "be", "been")
            and can_be_verb(t.text)[0]
        ):
            t.tag, t.lemma = "V", verb_lemma(t.text)  # "we are building a platform"
        if (
            t.tag == "A"
            and t.text in ("associated", "related", "linked", "connected", "attached", "assigned")
            and prev is not None
            and prev.text in ("are", "is", "be", "been", "was", "were", "get", "gets")
        ):
            t.tag, t.lemma = "V", verb_lemma(t.text)  # "can be associated with many books"
        if (
            t.text == "like"
            and prev is not None
            and (prev.tag in ("X", "R") or prev.tag == "N" and is_plural(prev.text))
        ):
            t.tag, t.lemma = "V", "like"  # "users can like posts" (not "like Slack")
        if t.tag == "V" and t.text.endswith("ing") and prev is not None and prev.tag == "D":
            t.tag = "N"  # "each refuelling"
    for i, t in enumerate(toks):
        if t.tag == "V":
            t.lemma = verb_lemma(t.text)
        if t.tag != "VN":
            continue
        prev = toks[i - 1] if i > 0 else None
        prev2 = toks[i - 2] if i > 1 else None
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        lemma = verb_lemma(t.text)
        third_person = t.text != lemma and t.text in (lemma + "s", lemma + "es", lemma[:-1] + "ies")
        if t.text == "own" and prev is not None and prev.tag == "D":
            t.tag = "A"  # "their own accounts"
            continue
        if t.text.endswith("ing") or (prev is not None and prev.tag == "D"):
            t.tag = "N"
            continue
        is_verb = False
        participle = (
            t.text != lemma
            and t.text.endswith(("ed", "en"))
            or t.text in lex.get("irregular_verbs", {})
            and not third_person
        )
        if prev is None:
            # clause-initial: an imperative ("track inventory") only when followed by a noun phrase
            is_verb = (
                t.text == lemma
                and nxt is not None
                and nxt.tag in ("D", "Q", "N", "A", "OTHER")
                and not is_plural(t.text)
                and t.text not in kb.noun_index()
            )
        elif prev.tag == "X":
            if prev.text in ("has", "have", "had", "having", "is", "are", "was", "were", "be", "been"):
                is_verb = participle  # "are assigned", but "has reviews", "are orders"
            else:
                is_verb = True  # "can book", "must have", "to follow"
        elif prev.tag == "R":
            is_verb = prev.text not in ("one", "ones")
        elif prev.tag == "C" and prev.text in ("who", "that", "which"):
            is_verb = third_person or (
                t.text == lemma and prev2 is not None and prev2.tag in ("N", "VN") and is_plural(prev2.text)
            )
        elif prev.text == "to" and t.text == lemma:
            is_verb = True
        elif (
            prev.tag in ("N", "VN")
            and t.text == lemma
            and is_plural(prev.text)
            and nxt is not None
            and nxt.tag in ("D", "Q", "N", "VN", "A", "OTHER", "P", "R", "NUM")
        ):
            is_verb = True  # "drivers accept rides", "users follow other users", "students enroll in"
        elif prev.tag in ("N", "VN") and participle and nxt is not None and nxt.tag in ("P",):
            is_verb = True  # "transactions recorded in a ledger", "tasks assigned to users"
        elif (
            prev.tag in ("N",)
            and third_person
            and not is_plural(prev.text)
            and (_det_before(toks, i - 1) or prev2 is None and t.text not in _kb_plurals())
            and nxt is not None
            and nxt.tag in ("D", "Q", "N", "VN", "A", "OTHER", "P", "R", "NUM")
            and not (nxt.tag in ("VN", "V") and nxt.text == verb_lemma(nxt.text))
        ):
            is_verb = True  # "each driver owns vehicles", "money moves through transactions"
        elif (
            (prev.tag == "C" and prev.text in ("and", "or") or prev.tag == "PUNCT" and prev.text == ",")
            and (third_person or t.text == lemma)
            and i > 2
        ):
            # "... has a specialty and works at clinics": a second verb of the same subject
            is_verb = any(x.tag == "V" or x.text in ("has", "have", "had") for x in toks[: i - 1]) and (
                third_person
                and nxt is not None
                and nxt.tag in ("D", "Q", "P", "R", "OTHER", "N", "VN", "A")
                or nxt is not None
                and nxt.tag in ("D", "Q", "P", "R", "OTHER")
                or t.text == lemma
                and nxt is not None
                and nxt.tag in ("N", "VN", "A")
                and any(x.tag == "V" for x in toks[: i - 1])
                and (
                    t.text not in kb.noun_index()
                    or t.text in lex["verbs_one_to_many"] | lex["verbs_many_to_many"]
                )
            )
        t.tag = "V" if is_verb else "N"
        if is_verb:
            t.lemma = lemma
    # "has/have" and "is/are" act as verbs too
    for t in toks:
        if t.tag == "V" and not t.lemma:
            t.lemma = verb_lemma(t.text)
        if t.tag == "X" and t.text in ("has", "have", "had", "having", "contains", "include", "includes"):
            t.lemma = "have"


# -- clauses ------------------------------------------------------------------------------------------

_BULLET = re.compile(r"^\s*(?:[-*•·▪◦]|\d+[.)]|[a-z][.)])\s+", re.MULTILINE)


_HEADING = re.compile(r"^\s*([A-Za-z][\w -]{0,40}?)\s*:\s+(?=\S)")


def split_clauses(text: str) -> list[tuple[str, bool]]:
    """(clause, starts_a_bullet) pairs. A short "Hotel booking:" prefix names the system: dropped."""
    m = _HEADING.match(text)
    if m and len(m.group(1).split()) <= 4:
        rest = re.split(r"[.;\n]", text[m.end() :], maxsplit=1)[0]
        toks = tokenize(rest)
        # "Hotel booking: hotels have rooms" (a sentence follows: the prefix names the system);
        # "Tasks: title, due date, status" (a list follows: the prefix is the entity)
        if any(
            t.tag == "V" or t.tag == "X" and t.text in ("has", "have", "is", "are", "can", "must")
            for t in toks
        ):
            text = text[m.end() :]
    out: list[tuple[str, bool]] = []
    for line in re.split(r"\n+", text):
        if re.match(r"^\s*#", line):
            continue  # a Markdown heading ("## Entities") names a section, not a thing
        bullet = bool(_BULLET.match(line))
        line = _BULLET.sub("", line)
        parts = re.split(r"(?<=[a-z0-9)])[.;!?](?:\s+|$)|;\s*", line)
        for j, p in enumerate(parts):
            p = p.strip(" .;!?\t")
            if p:
                out.append((p, bullet and j == 0))
    return out


# -- features and scale -------------------------------------------------------------------------------

FEATURES: list[tuple[str, str]] = [
    ("soft_delete", r"soft[- ]?delet\w*|\barchiv\w*|\bundelete|\brestore\w* deleted|\btrash\b|\brecycle bin"),
    (
        "audit_trail",
        r"\baudit\w*|change history|history of changes|track\w* (?:all )?changes|who changed|activity log",
    ),
    (
        "multi_tenant",
        r"multi[- ]?tenan\w*|\btenants?\b|\bsaas\b|isolat\w* (?:their |the |its )?data|per[- ](?:organi[sz]ation|company|workspace)|each (?:company|organi[sz]ation|workspace|customer account) (?:has|sees|gets) (?:its|their) own",
    ),
    (
        "multi_currency",
        r"(?:multiple|multi[- ]?|many|different|several) currenc\w*|currencies|exchange rates?",
    ),
    (
        "multi_language",
        r"(?:multiple|multi[- ]?|many|different|several) languages?|\bi18n\b|internationali[sz]\w*|locali[sz](?:ation|ed)\b|\btranslations of\b|\btranslated (?:content|texts?|names|descriptions)|multilingual",
    ),
    ("inventory", r"\binventor\w*|\bstock\b|stock levels?|warehouses?"),
    ("reviews", r"\breviews?\b|\bratings?\b|\bstars?\b|\btestimonials?"),
    ("full_text_search", r"\bsearch\w*|full[- ]text|\bfind (?:products|posts|articles|jobs|items)"),
    ("fuzzy_search", r"fuzzy|typo[- ]toleran\w*|autocomplete|auto-complete|similar names|trigram"),
    ("uuid_keys", r"\buuids?\b|guids?\b"),
    ("event_sourcing", r"event[- ]sourc\w*|event store|\baggregates?\b.*\bevents?\b|replay\w* events"),
    (
        "time_series",
        r"time[- ]series|telemetry|\breadings?\b|\bmeasurements?\b|\bmetrics\b|\bsensors?\b|\biot\b",
    ),
    ("analytics", r"\banalytics\b|dashboards?|\breports?\b|\breporting\b|aggregat\w* (?:stats|statistics)"),
    ("read_heavy", r"read[- ]heavy|mostly reads?|many more reads"),
]

_MULT = {
    "k": 1e3,
    "thousand": 1e3,
    "m": 1e6,
    "mm": 1e6,
    "million": 1e6,
    "millions": 1e6,
    "b": 1e9,
    "billion": 1e9,
    "bn": 1e9,
    "hundred": 1e2,
}
_PERIODS = {
    "s": "second",
    "sec": "second",
    "second": "second",
    "min": "minute",
    "minute": "minute",
    "h": "hour",
    "hr": "hour",
    "hour": "hour",
    "day": "day",
    "d": "day",
    "daily": "day",
    "week": "week",
    "weekly": "week",
    "month": "month",
    "mo": "month",
    "monthly": "month",
    "year": "year",
    "yr": "year",
    "annually": "year",
    "yearly": "year",
    "hourly": "hour",
}
_SCALE = re.compile(
    r"(?P<num>\d+(?:[.,]\d+)*)\s*(?P<mult>k|m|mm|b|bn|thousand|million|billion|hundred)?\b\+?\s*"
    r"(?:new\s+|active\s+|daily\s+|monthly\s+|concurrent\s+|registered\s+|total\s+)?"
    r"(?P<noun>[a-z][a-z-]*(?:\s+(?!per\b|a\b|an\b|each\b|every\b|and\b|or\b|with\b|in\b)[a-z][a-z-]*)?)"
    r"(?:\s*/\s*(?P<short>second|sec|s|minute|min|hour|hr|h|day|d|week|month|mo|year|yr)\b"
    r"|\s+(?:per|a|an|each|every)\s+(?P<period>second|sec|minute|min|hour|hr|day|week|month|year|yr)\b)?"
    r"(?:\s+(?P<adv>daily|hourly|weekly|monthly|yearly|annually)\b)?",
    re.IGNORECASE,
)


def find_scale(text: str) -> list[ScaleFigure]:
    out = []
    for m in _SCALE.finditer(text):
        num = (
            float(m["num"].replace(",", "")) if m["num"].count(".") <= 1 else float(m["num"].replace(".", ""))
        )
        mult = (m["mult"] or "").lower()
        count = num * _MULT.get(mult, 1)
        words = m["noun"].lower().split()
        # "10K orders per day", "1M users", "5,000 sensors reporting every minute"
        noun = words[0]
        if (
            len(words) > 1
            and words[1] not in kb.lexicon()["generic_nouns"]
            and is_plural(words[1])
            and not is_plural(words[0])
        ):
            noun = words[1]
        if (
            noun
            in (
                "years",
                "year",
                "months",
                "days",
                "hours",
                "minutes",
                "seconds",
                "gb",
                "tb",
                "mb",
                "percent",
                "x",
                "times",
                "ms",
                "am",
                "pm",
                "of",
                "to",
            )
            or count < 2
        ):
            continue
        period = m["period"] or m["short"] or m["adv"]
        shown = f"{m['num']}{m['mult'] or ''} {words[0] if noun == words[0] else ' '.join(words[:2])}"
        if period:
            shown += f" per {_PERIODS.get(period.lower())}"
        out.append(
            ScaleFigure(
                count=count,
                noun=singular(noun.replace("-", "_")),
                period=_PERIODS.get(period.lower()) if period else None,
                text=shown,
            )
        )
    return out


# -- the parser ---------------------------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.lex = kb.lexicon()
        self.req = Requirements(text=text)
        self.enum_hints: dict[str, list[str]] = {}
        # mention facts gathered in pass 1, keyed by candidate entity name
        self.mentions: dict[str, dict] = {}
        self.rels: list[tuple[str, dict]] = []  # raw relation records from pass 1
        self.examples: set[str] = set()
        self.bare_prep: dict[str, int] = {}  # nouns given as examples ("such as calls and meetings")
        self.list_plurals: dict[str, tuple[str, str]] = {}  # "X has a A, a B and Cs": Cs → (X, clause)

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
            (len(words) > 1 or is_plural(words[-1])) and head in self.lex["countable_generic"]
        ):
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

    # ---- pass 1 ----
    def run(self) -> Requirements:
        text = self.text
        low = text.lower()
        for feature, pattern in FEATURES:
            m = re.search(pattern, low)
            if m:
                self.req.features[feature] = m.group(0)
        self.req.scale = find_scale(text)
        clauses = split_clauses(text)
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
        for idx, (clause, bullet) in enumerate(clauses):
            clause = ignore_re.sub(" ", clause)  # features, not things: detected on the whole text above
            clause = of_re.sub(lambda m: m.group(1).replace(" ", "-").lower(), clause)  # "date of birth"
            clause = self._extract_enums(clause)
            toks = tokenize(clause)
            items = self._chunk(toks, bullet)
            self._relations(items, clause)
        self._decide_entities()
        self._build_relationships()
        self._self_references(clauses)
        self._list_plurals_to_attributes()
        self._attach_scale()
        self._domain(clauses)
        return self.req

    def _extract_enums(self, clause: str) -> str:
        """ "a status (open, in progress, done)" → remember values for "status"; keep the word."""

        def sub(m: re.Match[str]) -> str:
            before, inner = m.group(1), m.group(2)
            values = [v.strip().lower() for v in re.split(r",|/|\||\bor\b|\band\b", inner) if v.strip()]
            values = [re.sub(r"[^a-z0-9]+", "_", v).strip("_") for v in values]
            values = [v for v in values if v and not v[0].isdigit()]
            name = snake(before.lower().split()[-2:]) if before.strip() else ""
            last = snake(before.lower().split()[-1:]) if before.strip() else ""
            if (
                len(values) >= 2
                and (kb.attribute_rule(last) or {}).get("enum")
                or len(values) >= 2
                and last
                in (
                    "status",
                    "state",
                    "type",
                    "kind",
                    "stage",
                    "priority",
                    "role",
                    "level",
                    "category",
                    "severity",
                    "phase",
                )
            ):
                self.enum_hints[last] = values
                if name != last:
                    self.enum_hints[name] = values
                return before
            if "," not in inner and "/" not in inner:
                return before  # "Accounts (companies)": an explanation, not more requirements
            return f"{before} with {inner}" if inner.strip() else before

        return re.sub(r"([A-Za-z][A-Za-z ]{0,40}?)\s*\(([^()]*)\)", sub, clause)

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
        m["plural"] |= np.plural
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
                objs, j2 = self._collect(items, i + 1)
                for o in objs:
                    nm = self.np_name(o)[0]
                    if nm:
                        self.examples.add(nm)
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
                if tok.text == ":" and isinstance(prev, NP) and prev.det in ("a", "an") and not prev.plural:
                    i += 1
                    continue  # "A clinic: patients book ...": a heading, not "a clinic with patients"
                if isinstance(prev, NP) or (
                    tok.text == "with" and last_np is not None and subject is not None
                ):
                    subj = prev if isinstance(prev, NP) else last_np
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

    def _collect(self, items: list[object], j: int) -> tuple[list[NP], int]:
        """A list of noun phrases joined by commas, and/or, determiners, quantifiers."""
        objs: list[NP] = []
        n = len(items)
        while j < n:
            it = items[j]
            if isinstance(it, NP):
                nxt = items[j + 1] if j + 1 < n else None
                if (
                    objs
                    and nxt is not None
                    and not isinstance(nxt, NP)
                    and (nxt.tag == "V" or nxt.tag == "X" and nxt.lemma == "have")
                ):  # type: ignore[union-attr]
                    break  # "..., and sensors send readings": a new subject, not another object
                objs.append(it)
                j += 1
                continue
            tok: Tok = it  # type: ignore[assignment]
            if tok.tag == "D" and tok.text in ("each", "every"):
                break  # ", each device has ...": a new subject
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
        for name, m in self.mentions.items():
            if plural(name) in self.lex["count_nouns"] and not m.get("subject"):
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
            attr_like = kb.is_attribute_word(name)
            if m["roles"] == {"kind_modifier"}:
                continue  # "translation projects": a kind of project, not a translations table
            strong = m["plural"] or m["each"] or m["bullet"] or "modifier" in m["roles"]
            if not strong:
                if (name in domain or name.split("_")[-1] in domain) and not m.get("verb_subject"):
                    continue  # "a clinic", "an online store": what the system is, not a table
                if attr_like and (arch is None or arch.kind not in ("actor", "org")):
                    continue  # "a price", "an address": columns unless said in the plural somewhere
                if arch is None and not m["singular_det"] & {"each", "every"}:
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
                noun=name if kb.archetype_for(name) else head,
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
                objs = [self._entity_for_np(o, force=True) for o in r["objects"]]
                objs = [o for o in objs if o]
                subj = self._entity_for_np(r["subject"]) if r["subject"] is not None else None
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
        if name in self.entity_names:
            return self._resolve(name)
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
        enum = self.enum_hints.get(name) or self.enum_hints.get(name.rsplit("_", 1)[-1])
        a = Attribute(
            name=name,
            unique="unique" in np.flags,
            not_null=bool(np.flags & {"required", "mandatory"}),
            enum=enum,
            evidence=evidence,
        )
        ent.attributes.append(a)

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
            if target == subj:
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
        self._add(Relationship("many_to_one", target, subj, evidence=ev))

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
            low = clause.lower()
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
                if target is None and w in ("reply", "replies", "threaded", "hierarchy", "tree", "nested"):
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
        low = self.text.lower()
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


def parse(text: str) -> Requirements:
    """Parse requirements text; the result may have no entities (the caller decides what that means)."""
    return _Parser(text).run()
