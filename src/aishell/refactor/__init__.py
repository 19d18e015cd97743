"""Schema refactors: named, registered units that turn a schema (a design or a live database) into a
better one, with a migration that keeps every row, proved on a copy before it is applied.

``plan_refactor(words, options)`` picks the refactor (by name, or by matching free text against each
refactor's keywords), plans it, and returns a report; ``verify``, ``estimate`` and ``apply_refactor``
(in ``aishell.refactor.run``) prove, cost and run it. The refactors live one per module and register
themselves; ``refactors.json`` holds their names, titles and keywords.
"""

from __future__ import annotations

from aishell.refactor import (
    catalog,  # noqa: F401 - registers the others
    tenancy,  # noqa: F401 - registers
)
from aishell.refactor.base import REGISTRY, Refactor, Refactoring, Request, knowledge
from aishell.refactor.intent import match, score
from aishell.refactor.run import (
    RefactorOptions,
    RefactorReport,
    apply_refactor,
    estimate,
    plan_refactor,
    verify,
)

__all__ = [
    "REGISTRY",
    "Refactor",
    "RefactorOptions",
    "RefactorReport",
    "Refactoring",
    "Request",
    "apply_refactor",
    "estimate",
    "knowledge",
    "match",
    "plan_refactor",
    "score",
    "verify",
]
