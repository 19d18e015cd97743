"""Reader step 2 — words and phrases: tokens with a coarse word class, noun phrases, ambiguous words
(noun or verb) decided by their neighbours."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from aishell.design import kb
from aishell.design.words import can_be_verb, is_plural, plural, singular, verb_lemma

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


def fold_accents(text: str) -> str:
    """ "cafés" → "cafes": a letter with an accent is that letter (identifiers stay ASCII, words stay whole)."""
    if text.isascii():
        return text
    import unicodedata

    return "".join(
        c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
    )


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
    clause = fold_accents(clause)
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
    _typo_verbs(toks)
    for k in range(1, len(toks)):
        if toks[k].tag == "V" and toks[k - 1].text in _NOUN_AFTER and not toks[k].text.endswith(("ed", "en")):
            # "a restock records the quantity", "each commute takes": after an article the word is a noun,
            # whatever else the lexicon says it can be
            toks[k].tag = "VN"
    _resolve_ambiguous(toks, lex)
    return toks


_NOUN_AFTER = {"a", "an", "the", "each", "every", "another", "its", "their", "our", "my", "your", "these", "those"}


_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _one_edit(word: str) -> list[list[str]]:
    """The words one typing slip away, likeliest slip first: a letter left out, two swapped, one too many."""
    return [
        [word[:i] + c + word[i:] for i in range(len(word) + 1) for c in _LETTERS],
        [word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)],
        [word[:i] + word[i + 1 :] for i in range(len(word))],
    ]


def _typo_verbs(toks: list[Tok]) -> None:
    """ "members borow tools": a word no lexicon knows, between a plural noun and its object, one slip
    away from a word that is only ever a verb, is that verb (not a third word of one long noun)."""
    if len(toks) < 3:
        return
    verbs = kb.pos_table()["v"]
    nouns = kb.noun_index()
    for k in range(1, len(toks) - 1):
        t, before, after = toks[k], toks[k - 1], toks[k + 1]
        w = t.text
        if (
            t.tag != "N"
            or len(w) < 4
            or not w.isalpha()
            or before.tag not in ("N", "VN")
            or not before.text.endswith("s")
            or after.tag not in ("N", "VN", "D", "A", "Q", "NUM")
            or w in nouns
            or singular(w) in nouns
        ):
            continue
        for slips in _one_edit(w):
            fixes = {c for c in slips if c in verbs}
            if fixes:
                fix = fixes.pop()
                # one reading only, and only ever a verb: a guess between two is no reading
                if not fixes and not verbs[fix].endswith("*") and fix not in nouns:
                    t.text, t.tag = fix, "V"
                break


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


_NEGATED_AUX = re.compile(
    r"(?:ca|could|must|should|would|wo|do|does|did|is|are|was|were|has|have|had|may|might|need)n['’]?t|cannot"
)


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
    if w in lex["auxiliaries"] or _NEGATED_AUX.fullmatch(w):
        return "X"  # "can't", "cannot", "dont": a negated auxiliary, never a noun
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
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        if (
            t.tag == "V"
            and t.text.endswith("ed")
            and prev is not None
            and (prev.tag == "D" or prev.text in (",", "and") and i > 2)
            and nxt is not None
            and (
                nxt.tag in ("N", "VN")
                and (prev.tag == "D" or i + 2 >= len(toks) or toks[i + 2].tag in ("PUNCT", "C"))
                or nxt.tag == "A"
                and i + 2 < len(toks)
                and toks[i + 2].tag == "N"
            )
        ):
            t.tag = "N"  # "a received time", "the returned date": a participle between article and noun, one name
        elif (
            t.tag in ("V", "VN")
            and prev is not None
            and (
                prev.text == ","
                # "records dispatched time", "has scheduled time": a participle naming the column
                or t.text.endswith("ed") and (prev.tag in ("V", "VN") or prev.text in ("has", "have", "with"))
            )
            and nxt is not None
            and nxt.tag in ("N", "VN")
            and kb.is_attribute_word(nxt.text)
            and (i + 2 >= len(toks) or toks[i + 2].tag in ("PUNCT", "C"))
        ):
            t.tag = "N"  # "a title, publish time, duration": a list item naming a column
        if (
            t.tag in ("N", "VN")
            and t.text.endswith("ing")
            and (prev is None or prev.tag not in ("D", "A", "N", "VN", "POSS", "Q", "NUM"))
            and nxt is not None
            and nxt.tag == "D"
            and nxt.text not in ("each", "every")
            and can_be_verb(t.text)[0]
        ):
            # "building a club app", "teams of two sharing a boat": a verb with its object; a noun in
            # -ing is not followed by an article
            t.tag, t.lemma = "V", verb_lemma(t.text)
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
        if (
            (prev is None or prev.tag == "PUNCT" and prev.text == ":" or prev.text in ("so", "then", "please"))
            and t.text == lemma
            and nxt is not None
            and nxt.text in ("each", "every", "which", "who", "whose", "whether", "when", "where", "how")
        ):
            # "log each flight", "so track which members ...": a bare noun is never followed by "each" or a
            # question word, a verb in the imperative is, whatever nouns the knowledge base knows
            is_verb = True
        elif prev is None:
            # clause-initial: an imperative ("track inventory") only when followed by a noun phrase
            is_verb = (
                t.text == lemma
                and nxt is not None
                and nxt.tag in ("D", "Q", "N", "A", "OTHER", "NUM")
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
            and (
                nxt.tag in ("D", "Q", "N", "VN", "A", "OTHER", "P", "R", "NUM")
                or nxt.tag == "V" and nxt.text.endswith("ed")  # "a dispatch records dispatched times"
            )
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
