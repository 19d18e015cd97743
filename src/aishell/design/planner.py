"""The planner's public names (the code is in ``aishell.design.plan``, one module per stage)."""

from aishell.design.plan import PG_NAME_MAX, Planner, PlanOptions, ident, plan

__all__ = ["PG_NAME_MAX", "PlanOptions", "Planner", "ident", "plan"]
