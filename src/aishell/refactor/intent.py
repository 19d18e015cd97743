"""Natural language to a named refactor: a small scorer over the names and keywords in refactors.json.

Each refactor lists weighted keywords and phrases; a request scores the sum of the weights of those it
contains (whole words, lower case; a refactor's own name counts 4). The best score wins when it leads
the next by a clear margin; a tie is not guessed at: the user is asked to name the refactor. There is
no answer written for any one sentence: change the keywords file and the matcher changes with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aishell.errors import UserError
from aishell.refactor.base import REGISTRY, knowledge


@dataclass
class Match:
    name: str
    score: float
    hits: list[str]


def score(text: str) -> list[Match]:
    low = " " + re.sub(r"\s+", " ", text.lower()) + " "
    out = []
    for name, info in knowledge()["refactors"].items():
        hits: list[str] = []
        total = 0.0
        phrases = dict(info.get("keywords", {}))
        phrases.setdefault(name, 4)
        phrases.setdefault(name.replace("-", " "), 4)
        for phrase, weight in phrases.items():
            if re.search(r"(?<![a-z0-9_])" + re.escape(phrase) + r"(?![a-z0-9_])", low):
                # a phrase inside a longer phrase already counted adds nothing
                if any(phrase in h and phrase != h for h in hits):
                    continue
                hits.append(phrase)
                total += float(weight)
        if total:
            out.append(Match(name, total, hits))
    return sorted(out, key=lambda m: -m.score)


def match(text: str) -> Match:
    if not text.strip():
        raise UserError('say what to refactor, e.g. "add soft delete to orders", or name one (see --list)')
    ranked = [m for m in score(text) if m.name in REGISTRY]
    if not ranked:
        raise UserError(
            "no refactor matches the request; name one of: "
            + ", ".join(sorted(REGISTRY))
            + " (aishell schema refactor --list)"
        )
    best = ranked[0]
    if len(ranked) > 1 and ranked[1].score >= best.score * 0.8:
        raise UserError(
            f"the request could mean {best.name} ({', '.join(best.hits)}) or {ranked[1].name} "
            f"({', '.join(ranked[1].hits)}): name the refactor, e.g. "
            f"aishell schema refactor {best.name} ..."
        )
    return best
