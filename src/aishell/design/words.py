"""English word forms for design names: plural and singular, verb lemmas, snake_case.

Plurals and singulars use ``inflection`` with the exceptions a schema needs (statuses, campuses, staff);
verb lemmas come from the POS table derived from LemmInflect (``kb/pos.json``) and a few irregular forms.
"""

from __future__ import annotations

import re
from functools import lru_cache

import inflection

from aishell.design import kb

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


@lru_cache(maxsize=8192)
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
    if word.endswith("men") and word not in ("women",) and (
        word.endswith(("imen", "umen", "omen")) or word in _SINGULAR_MEN
    ):
        return word  # "specimen", "regimen", "acumen", "abdomen": singular, not plurals of "-man"
    s = inflection.singularize(word)
    return s or word


# singular nouns in -men that are not plurals of "-man" (beyond -imen, -umen, -omen)
_SINGULAR_MEN = {"stamen", "ramen", "amen", "semen", "hymen", "yamen"}


# words with no plural of their own, and the table name a person would give a list of them
UNCOUNTABLE_TABLES = {
    "staff": "staff_members",
    "inventory": "inventory_items",
    "stock": "stock_items",
    "equipment": "equipment_items",
    "feedback": "feedback_entries",
    "media": "media",
    "data": "data",
    "metadata": "metadata",
    "news": "news",
    "series": "series",
    "species": "species",
    "software": "software",
    "information": "information",
}


@lru_cache(maxsize=8192)
def plural(word: str) -> str:
    """Plural of a snake_case name, inflecting its last word only ("order_item" -> "order_items")."""
    head, _, last = word.rpartition("_")
    if last in UNCOUNTABLE_TABLES:
        p = UNCOUNTABLE_TABLES[last]
    elif last == "person":
        p = "people"
    elif last.endswith("men") and singular(last) == last and last != "women":
        p = last + "s"  # "specimens", "regimens"
    elif last.endswith("fe") and not last.endswith(("knife", "wife", "life")):
        p = last + "s"  # "cafe" → "cafes", "safe" → "safes" (only knife, wife, life take -ves)
    else:
        p = inflection.pluralize(last)
    return f"{head}_{p}" if head else p


@lru_cache(maxsize=8192)
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
