"""Synthetic test data at scale (``aishell schema test``) and a workload benchmark (``schema benchmark``).

``plan_data`` reads the target database and decides what each table gets; ``load_data`` writes it with
binary COPY and checks the result; ``parse_size`` reads ``--data-size`` values such as ``10K`` or ``1M``.
"""

from __future__ import annotations

import re

from aishell.errors import UserError

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kKmMgG]?)\s*$")
_MULT = {"": 1, "k": 1_000, "m": 1_000_000, "g": 1_000_000_000}
MAX_ROWS = 1_000_000_000


def parse_size(text: str | int) -> int:
    """``10K`` → 10000, ``1M`` → 1000000, ``2.5k`` → 2500, ``500`` → 500. Anything else is a UserError."""
    if isinstance(text, int):
        value = text
    else:
        m = _SIZE.match(str(text).replace("_", "").replace(",", ""))
        if not m:
            raise UserError(f"invalid --data-size {text!r}: give a row count such as 5000, 10K or 1M")
        value = float(m.group(1)) * _MULT[m.group(2).lower()]
        if value != int(value):
            raise UserError(f"invalid --data-size {text!r}: not a whole number of rows")
        value = int(value)
    if value < 1:
        raise UserError(f"invalid --data-size {text!r}: must be at least 1 row")
    if value > MAX_ROWS:
        raise UserError(f"invalid --data-size {text!r}: at most 1G rows")
    return value
