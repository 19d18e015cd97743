"""Applying what analysis found, safely: findings → an ordered plan → checked, rehearsed, backed-up
execution with timeouts, and a report of what was applied, skipped and refused, and why.

``run_fix(SOURCE, FixOptions(...)) -> FixReport`` is the entry point; ``docs/fix.md`` describes every
safety gate.
"""

from __future__ import annotations

from aishell.fix.plan import Plan, Step, build_plan
from aishell.fix.run import FixOptions, FixReport, run_fix

__all__ = ["FixOptions", "FixReport", "Plan", "Step", "build_plan", "run_fix"]
