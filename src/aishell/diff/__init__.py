"""Schema diff: typed changes between two models, ordered into a safe migration plan.

``diff_schemas(current, desired)`` → ``ChangeSet`` (data, each change with ``reverse()``);
``build_plan(changeset, current, desired)`` → ``Plan`` (ordered statements with hazards, ``.sql()``).
"""

from aishell.diff.changes import Change, ChangeSet, ProbableRename
from aishell.diff.differ import diff_schemas
from aishell.diff.hazards import Hazard
from aishell.diff.plan import Plan, Statement, build_plan

__all__ = ["Change", "ChangeSet", "Hazard", "Plan", "ProbableRename", "Statement", "build_plan", "diff_schemas"]
