"""The rule registry: every rule class registers itself under its stable id.

A rule is a small class (as sqlfluff and Atlas do it): ``id`` (public interface: users name it with
``--rule``), ``severity`` (the severity it reports by default; evidence may lower or raise a single
finding), ``categories`` (which health scores it weighs on), ``needs`` (what the rule must have to run:
``live`` for a connected database, ``stats`` for its statistics, ``data`` for scanning rows,
``workload`` for pg_stat_statements), ``groups`` (which ``--check-*`` flag selects it) and ``default``
(whether it runs without ``--deep`` or ``--rule``). The docstring holds the anti-pattern and the better
way, and is what ``docs/analyze.md`` lists.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, ClassVar

from aishell.analyze.findings import Finding, Fix

if TYPE_CHECKING:
    from aishell.analyze.context import AnalysisContext

_RULES: dict[str, type[Rule]] = {}


class Rule:
    id: ClassVar[str] = ""
    title: ClassVar[str] = ""
    severity: ClassVar[str] = "warning"
    categories: ClassVar[tuple[str, ...]] = ("maintainability",)
    needs: ClassVar[frozenset[str]] = frozenset()
    groups: ClassVar[frozenset[str]] = frozenset()
    default: ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.id:
            if cls.id in _RULES and _RULES[cls.id] is not cls:
                raise RuntimeError(f"duplicate rule id {cls.id!r}")
            _RULES[cls.id] = cls

    @classmethod
    def summary(cls) -> str:
        doc = (cls.__doc__ or "").strip()
        return doc.splitlines()[0] if doc else cls.id

    @classmethod
    def heading(cls) -> str:
        return cls.title or cls.summary()

    def check(self, ctx: AnalysisContext) -> Iterator[Finding]:  # pragma: no cover - abstract
        raise NotImplementedError

    def finding(
        self,
        table: str | None,
        message: str,
        *,
        severity: str | None = None,
        fix: Fix | None = None,
        **kw: Any,
    ) -> Finding:
        return Finding(
            rule=self.id, severity=severity or self.severity, table=table, message=message, fix=fix, **kw
        )


def _load() -> None:
    import aishell.analyze.rules as pkg

    for info in pkgutil.iter_modules(pkg.__path__):
        importlib.import_module(f"{pkg.__name__}.{info.name}")


def all_rules() -> dict[str, type[Rule]]:
    """Every registered rule by id, in id order."""
    if not _RULES:
        _load()
    return dict(sorted(_RULES.items()))


def get_rule(rule_id: str) -> type[Rule]:
    rules = all_rules()
    if rule_id not in rules:
        from aishell.errors import UserError

        raise UserError(f"unknown rule {rule_id!r}", hint="`aishell schema analyze --list-rules` lists them")
    return rules[rule_id]
