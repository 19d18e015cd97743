"""What the offline reader can read: English, up to a length it reads in about two seconds.

A text in another language would be read as nonsense ("no entities found", or a table named after a
whole French clause); a very long one would take a minute with no word. Both are refused with one line
saying what works: the offline reader reads English, ``--llm`` reads any language a model reads.
"""

from __future__ import annotations

import re

MAX_CHARS = 20_000  # about 3,000 words; the reader takes ~2 s here and grows faster than linearly

_ENGLISH = set(
    "the a an and or of to with for in on each every has have is are can may must should will be by at "
    "from their its who which that as per one many".split()
)
_OTHERS = {
    "French": set(
        "le la les des et un une du de pour avec est sont chaque dans qui sur au aux ou par".split()
    ),
    "Spanish": set("el la los las y un una del de para con es son cada en que por o al".split()),
    "German": set(
        "der die das und ein eine mit für ist sind jeder jede den dem des von zu oder hat haben".split()
    ),
    "Italian": set("il lo la gli le e un una di per con è sono ogni che da del della o".split()),
    "Portuguese": set("o a os as e um uma de para com é são cada em que por do da ou".split()),
    "Dutch": set("de het een en van met voor is zijn elke die dat op of heeft hebben".split()),
}
_SCRIPTS = [
    ("Russian or another Cyrillic-script language", re.compile(r"[\u0400-\u04ff]")),
    ("Greek", re.compile(r"[\u0370-\u03ff]")),
    ("Arabic", re.compile(r"[\u0600-\u06ff]")),
    ("Hebrew", re.compile(r"[\u0590-\u05ff]")),
    ("Chinese, Japanese or Korean", re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")),
    ("Hindi or another Indic language", re.compile(r"[\u0900-\u0dff]")),
    ("Thai", re.compile(r"[\u0e00-\u0e7f]")),
]


def language_problem(text: str) -> str | None:
    """The name of the language a text seems to be in when it is not English, else None."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return None
    for name, script in _SCRIPTS:
        if len(script.findall(text)) > 0.3 * len(letters):
            return name
    words = re.findall(r"[^\W\d_]+", text.lower())
    english = sum(1 for w in words if w in _ENGLISH)
    best, score = None, 0
    for name, stop in _OTHERS.items():
        n = sum(1 for w in words if w in stop and w not in _ENGLISH)
        if n > score:
            best, score = name, n
    if best is not None and score >= 3 and score > 1.5 * english:
        return best
    return None


def check_readable(text: str) -> None:
    """Refuse, with one line, a text the offline reader cannot read well."""
    from aishell.errors import UserError

    if len(text) > MAX_CHARS:
        raise UserError(
            f"the requirements are {len(text):,} characters; the offline reader reads up to {MAX_CHARS:,} "
            "(about 3,000 words): shorten or split them, or use --llm PROVIDER"
        )
    lang = language_problem(text)
    if lang is not None:
        raise UserError(
            f"the requirements look like {lang}; the offline reader reads English only: write them in "
            "English, or use --llm PROVIDER (openai, anthropic, ollama, ...), which reads other languages"
        )
