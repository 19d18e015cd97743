"""Durations given by the user (``--lock-timeout 5s``, ``--wait 500ms``, ``2min``): one parser.

Every flag or setting that takes a duration goes through ``parse_duration``, and what reaches
PostgreSQL is the canonical text ``pg_duration`` writes from the parsed number (digits and a unit),
passed as a parameter of ``set_config``, never the user's text. Anything that is not a number with
one of PostgreSQL's time units is refused.
"""

from __future__ import annotations

import re

from aishell.errors import UserError

_UNITS_MS = {"us": 0.001, "ms": 1, "s": 1000, "sec": 1000, "min": 60_000, "h": 3_600_000, "d": 86_400_000}
_DURATION = re.compile(r"^\s*(\d{1,12}(?:\.\d{1,6})?)\s*(us|ms|s|sec|min|h|d)?\s*$")
MAX_MS = 2_147_483_647  # PostgreSQL's timeouts are int milliseconds


def parse_duration(text: object, *, flag: str = "duration", default_unit: str = "ms",
                   allow_zero: bool = False) -> int:
    """Milliseconds from ``500ms``, ``5s``, ``10min``, ``1h``, ``1d`` (a bare number is in ``default_unit``).

    Raises UserError naming ``flag`` for anything else (negative, fractions of a millisecond,
    beyond PostgreSQL's limit, zero unless ``allow_zero``, or any other text)."""
    example = "such as 500ms, 5s, 10min or 1h"
    m = _DURATION.match(str(text))
    if m is None:
        raise UserError(f"invalid {flag} {str(text)!r}: give a duration {example}")
    exact = float(m.group(1)) * _UNITS_MS[m.group(2) or default_unit]
    ms = round(exact)
    if abs(exact - ms) > 1e-6:
        raise UserError(f"invalid {flag} {str(text)!r}: the smallest step is 1ms")
    if ms == 0 and not allow_zero:
        raise UserError(f"invalid {flag} {str(text)!r}: give a positive duration {example}")
    if ms > MAX_MS:
        raise UserError(f"invalid {flag} {str(text)!r}: at most {pg_duration(MAX_MS)}")
    return ms


def pg_duration(ms: int) -> str:
    """The canonical text of a duration in milliseconds: the largest unit that keeps it whole (a
    minute stays ``60s``, as the defaults have always been written)."""
    if ms and ms % 3_600_000 == 0:
        return f"{ms // 3_600_000}h"
    if ms > 60_000 and ms % 60_000 == 0:
        return f"{ms // 60_000}min"
    if ms and ms % 1000 == 0:
        return f"{ms // 1000}s"
    return f"{int(ms)}ms"


def normalise_duration(text: object, *, flag: str = "duration", default_unit: str = "ms",
                       allow_zero: bool = False) -> str:
    """``parse_duration`` then ``pg_duration``: the safe text of a duration setting."""
    return pg_duration(parse_duration(text, flag=flag, default_unit=default_unit, allow_zero=allow_zero))
