"""Reader step 1 — clauses, features and scale: the text cut into clauses (lines, bullets, sentences,
semicolons), the features it asks for and the figures it states."""

from __future__ import annotations

import re

from aishell.design import kb
from aishell.design.intent import ScaleFigure
from aishell.design.read.tokens import tokenize
from aishell.design.words import is_plural, singular

# -- clauses ------------------------------------------------------------------------------------------

_BULLET = re.compile(r"^\s*(?:[-*•·▪◦]|\d+[.)]|[a-z][.)])\s+", re.MULTILINE)


_HEADING = re.compile(r"^\s*([A-Za-z][\w -]{0,40}?)\s*:\s+(?=\S)")


def top_level_items(text: str) -> list[str]:
    """A list split at commas, "and", "+" and "&" outside parentheses ("a, b (x, y) and c")."""
    items, depth, cur = [], 0, []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        if depth == 0 and ch == ",":
            items.append("".join(cur))
            cur = []
        elif (
            depth == 0
            and text[i : i + 5].lower() == " and "
            and not re.match(r"(?:an?|the)\s", text[i + 5 : i + 10].lower())
        ):
            items.append("".join(cur))
            cur = []
            i += 4
        else:
            cur.append(ch)
        i += 1
    items.append("".join(cur))
    return [x.strip() for x in items if x.strip()]


_STOP = re.compile(
    r"\s*(?:\(|\bwho\b|\bwhich\b|\bthat\b|\bwith\b|\bbetween\b|\bper\b|\bfor\b|\bof\b|\bunique\b)",
    re.IGNORECASE,
)


def _item_head(item: str) -> str:
    words = re.findall(r"[A-Za-z][A-Za-z'-]*", _STOP.split(item, maxsplit=1)[0])
    return words[-1].lower() if words else ""


def _has_verb(text: str) -> bool:
    """A finite verb or an auxiliary (a participle such as "deceased" is an adjective here)."""
    return any(
        t.tag == "V"
        and not t.text.endswith(("ed", "en", "ing"))
        and k > 0  # "plot owners": a modifier
        or t.tag == "X"
        and t.text in ("has", "have", "is", "are", "can", "must", "may", "should", "will")
        for k, t in enumerate(tokenize(text))
    )


DEFINITION = re.compile(r"\bhere\b|\bnot an? \b|\bmeans?\b|\bi\.e\b|\bthat is\b", re.IGNORECASE)


def expand_list(rest: str) -> list[str] | None:
    """ "sections, plots (row + number unique within a section), deceased persons": a list of the things
    to store (mostly plural nouns) becomes one clause per thing; a parenthesis with a verb becomes a
    sentence of its own, one without a verb the thing's attributes. None when ``rest`` is not such a list."""
    items = top_level_items(rest)
    if len(items) < 2:
        return None
    heads = [_item_head(it) for it in items]
    plural_heads = sum(1 for h in heads if h and is_plural(h))
    if plural_heads < max(2, 0.6 * len(items)) or any(_has_verb(_STOP.split(it, 1)[0]) for it in items):
        return None
    out: list[str] = []
    for it in items:
        m = re.match(r"^(.*?)\s*\((.*)\)\s*(.*)$", it)
        if not m:
            out.append(it)
            continue
        head, inner, tail = m.group(1).strip(), m.group(2).strip(), m.group(3).strip()
        if _has_verb(inner):
            out.append(head + (f" {tail}" if tail else ""))
            if not DEFINITION.search(inner):  # "(a class here is a group session)": what a word means
                out.append(inner)
        else:
            out.append(f"{head} with {inner}" + (f" {tail}" if tail else ""))
    return out


def split_clauses(text: str) -> list[tuple[str, bool]]:
    """(clause, starts_a_bullet) pairs. A short "Hotel booking:" prefix names the system: dropped; so is
    one before a list of the things to store ("cemetery: sections, plots, burials"), whose items become
    clauses of their own."""
    m = _HEADING.match(text)
    if m and len(m.group(1).split()) <= 4:
        rest = re.split(r"[.;\n]", text[m.end() :], maxsplit=1)[0]
        toks = tokenize(rest)
        # "Hotel booking: hotels have rooms" (a sentence follows: the prefix names the system);
        # "Tasks: title, due date, status" (a list follows: the prefix is the entity)
        if (
            any(
                t.tag == "V" or t.tag == "X" and t.text in ("has", "have", "is", "are", "can", "must")
                for t in toks
            )
            or expand_list(re.split(r"\s+[—–]\s+", rest)[0]) is not None
        ):
            text = text[m.end() :]
    out: list[tuple[str, bool]] = []
    for line in re.split(r"\n+", text):
        if re.match(r"^\s*#", line):
            continue  # a Markdown heading ("## Entities") names a section, not a thing
        bullet = bool(_BULLET.match(line))
        line = _BULLET.sub("", line)
        # a parenthesis is one part of its sentence: "members (name, number - unique; level: a/b)"
        held: list[str] = []

        def hold(m: re.Match[str], held: list[str] = held) -> str:
            held.append(m.group(0))
            return f"\x00{len(held) - 1}\x00"

        line = re.sub(r"\([^()]*\)", hold, line)
        # a sentence ends after a lower-case letter, a digit or a unit written with capitals ("in kW.")
        parts = re.split(
            r"(?:(?<=[a-z0-9)\x00])|(?<=[a-z][A-Z]))[.;!?](?:\s+|$)|;\s*|\s+[—–]\s+|\s+-{1,2}\s+", line
        )
        parts = [re.sub(r"\x00(\d+)\x00", lambda m, held=held: held[int(m.group(1))], p) for p in parts]
        for j, p in enumerate(parts):
            p = p.strip(" .;!?\t")
            if not p:
                continue
            expanded = expand_list(p) if j == 0 and "," in p else None
            if expanded:
                out += [(x, bullet and k == 0) for k, x in enumerate(expanded)]
            else:
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
