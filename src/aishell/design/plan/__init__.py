"""Design intent → schema model: tables, keys, constraints, indexes, triggers, views, RLS, partitions.

The planner hardens the intent and does not redesign it. Stages, one module each:

1. ``entities``: archetypes, entities the features imply, table names, key types;
2. ``tables``: columns from stated attributes (archetype columns only where the text says nothing);
3. ``keys``: foreign keys, junctions, self-references, tenant keys;
4. ``rules``: stated rules as constraints (UNIQUE per scope, CHECK, EXCLUDE, balance and append-only triggers);
5. ``indexes``: foreign keys, access patterns, search;
6. ``views``;
7. ``harden``: triggers, partitions, comments.

Everything the design needs is expressed in the model (``aishell.model``), so the generator, the differ
and the documentation see exactly what the review shows. Decisions are recorded where a reader can see
them: ``Index.reason``, ``ForeignKey.attrs['reason']`` (why this ON DELETE), ``Table.attrs['design']``,
and ``attrs['provenance']`` on every object.
"""

from __future__ import annotations

from aishell.design.intent import Intent
from aishell.design.plan.base import PG_NAME_MAX, PlanOptions, _Ent, ident
from aishell.design.plan.entities import EntityStage
from aishell.design.plan.harden import HardenStage, PruneStage
from aishell.design.plan.indexes import IndexStage
from aishell.design.plan.keys import KeyStage
from aishell.design.plan.rules import RuleStage
from aishell.design.plan.tables import TableStage
from aishell.design.plan.views import ViewStage
from aishell.model import EnumType, Schema

__all__ = ["PG_NAME_MAX", "PlanOptions", "Planner", "ident", "plan"]


class Planner(EntityStage, TableStage, KeyStage, RuleStage, IndexStage, ViewStage, HardenStage, PruneStage):
    def __init__(self, req: Intent, options: PlanOptions | None = None, advice: dict | None = None):
        self.req = req
        self.opt = options or PlanOptions()
        self.advice = advice or {}
        self.ents: dict[str, _Ent] = {}
        self.schema = Schema(name=req.domain or None)
        self.enums: dict[str, EnumType] = {}
        self.notes: list[str] = []
        self.problems: list[str] = []  # what could not be used as given (sent back to a language model)

    # ------------------------------------------------------------------------------------------------
    def plan(self) -> Schema:
        self._prepare_entities()
        self._feature_entities()
        self._children()
        self._implied_relationships()
        self._name_tables()
        self._key_types()
        for e in self.ents.values():
            self._table(e)
        self._junctions()
        self._self_refs()
        self._foreign_keys()
        self._rules()
        self._multi_tenant()
        self._indexes()
        self._triggers()
        self._views()
        self._partition()
        self._comments()
        self.schema.enums = list(self.enums.values())
        if not self.opt.assumptions:
            self._prune_assumed()
        self._order_tables()
        if self.problems:
            self.schema.attrs.setdefault("design", {})["problems"] = list(dict.fromkeys(self.problems))
        return self.schema


def plan(req: Intent, options: PlanOptions | None = None, advice: dict | None = None) -> Schema:
    return Planner(req, options, advice).plan()
