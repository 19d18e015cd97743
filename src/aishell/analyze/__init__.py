"""Schema analysis: rules over the schema model, evidence probes over a live database.

``analyze(SOURCE, AnalyzeOptions(...)) -> Report`` is the entry point; ``docs/analyze.md`` lists the
rules, the health-score formula and what every number means.
"""

from __future__ import annotations

from aishell.analyze.context import AnalyzeOptions
from aishell.analyze.engine import Report, analyze, analyze_schema

__all__ = ["AnalyzeOptions", "Report", "analyze", "analyze_schema"]
