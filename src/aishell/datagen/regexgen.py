"""Strings that match a simple regular expression (a CHECK ``col ~ '^[A-Z]{3}$'``), built from Python's
own parse of the pattern. Patterns with look-arounds or back-references are refused (None), and the
caller verifies those rows in the database instead."""

from __future__ import annotations

import random
import re
import string

try:  # Python 3.11+
    import re._constants as _c
    import re._parser as _p
except ImportError:  # pragma: no cover
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _p  # type: ignore[no-redef]

_CATEGORY = {
    _c.CATEGORY_DIGIT: string.digits,
    _c.CATEGORY_WORD: string.ascii_letters + string.digits + "_",
    _c.CATEGORY_SPACE: " ",
    _c.CATEGORY_NOT_DIGIT: string.ascii_letters,
    _c.CATEGORY_NOT_WORD: "-.",
    _c.CATEGORY_NOT_SPACE: string.ascii_letters + string.digits,
}
_SAFE = string.ascii_letters + string.digits


class _Refused(Exception):
    pass


def generator(pattern: str, icase: bool = False):
    """A function rng -> str producing matches of ``pattern``, or None when it is too complex."""
    pg_pattern = _pg_to_python(pattern)
    try:
        parsed = _p.parse(pg_pattern, re.IGNORECASE if icase else 0)
        compiled = re.compile(pg_pattern, re.IGNORECASE if icase else 0)
    except Exception:
        return None

    def make(rng: random.Random) -> str:
        return _emit(parsed, rng)

    probe = random.Random(7)
    try:
        for _ in range(20):
            if not compiled.search(make(probe)):
                return None
    except _Refused:
        return None
    return make


def _pg_to_python(p: str) -> str:
    # POSIX classes PostgreSQL accepts inside brackets.
    return (p.replace("[:alpha:]", "a-zA-Z").replace("[:digit:]", "0-9").replace("[:alnum:]", "a-zA-Z0-9")
            .replace("[:upper:]", "A-Z").replace("[:lower:]", "a-z").replace("[:space:]", " "))


def _emit(parsed, rng: random.Random) -> str:
    out = []
    for op, av in parsed:
        out.append(_one(op, av, rng))
    return "".join(out)


def _one(op, av, rng: random.Random) -> str:
    if op == _c.LITERAL:
        return chr(av)
    if op == _c.NOT_LITERAL:
        return "x" if chr(av) != "x" else "y"
    if op == _c.ANY:
        return rng.choice(_SAFE)
    if op == _c.AT:
        return ""
    if op == _c.IN:
        return _in(av, rng)
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)):
        lo, hi, sub = av
        hi = min(hi, lo + 6) if hi != _c.MAXREPEAT else lo + rng.randint(0, 6) if lo < 1 else lo + rng.randint(0, 5)
        n = rng.randint(lo, max(lo, hi))
        return "".join(_emit(sub, rng) for _ in range(n))
    if op == _c.SUBPATTERN:
        return _emit(av[-1], rng)
    if op == _c.BRANCH:
        return _emit(rng.choice(av[1]), rng)
    if op == _c.CATEGORY:
        return rng.choice(_CATEGORY.get(av, _SAFE))
    raise _Refused(str(op))


def _in(items, rng: random.Random) -> str:
    chars: list[str] = []
    negate = False
    for op, av in items:
        if op == _c.NEGATE:
            negate = True
        elif op == _c.LITERAL:
            chars.append(chr(av))
        elif op == _c.RANGE:
            lo, hi = av
            chars.extend(chr(c) for c in range(lo, min(hi, lo + 94) + 1))
        elif op == _c.CATEGORY:
            chars.extend(_CATEGORY.get(av, _SAFE))
        else:
            raise _Refused(str(op))
    if negate:
        pool = [c for c in _SAFE if c not in chars]
        return rng.choice(pool or ["x"])
    # Prefer plain characters so the value reads well (a pattern like [A-Za-z0-9._%+-] gives letters).
    plain = [c for c in chars if c.isalnum()]
    return rng.choice(plain or chars)
