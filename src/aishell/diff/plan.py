"""From changes to an ordered migration: dependency ordering, safe forms, hazards, SQL text.

``build_plan(changes, current, desired)`` turns a ``ChangeSet`` into ``Statement`` objects in an order
PostgreSQL accepts: objects that depend on something being changed (views, materialized views,
triggers, policies, foreign keys) are dropped first and recreated after; tables are created in
foreign-key order and dropped in the reverse one. Statements use the safe forms pg-schema-diff uses
(``CREATE INDEX CONCURRENTLY``, constraints ``NOT VALID`` then ``VALIDATE``, ``SET NOT NULL`` through a
validated CHECK) and each carries its hazards. ``Plan.sql()`` writes the migration file; the executor
in ``aishell.migrate`` runs the same statements.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from aishell.dialects.postgres import generate as g
from aishell.dialects.postgres.quote import qualify, quote_ident, quote_literal
from aishell.diff import changes as ch
from aishell.diff import checks as dc
from aishell.diff import hazards as hz
from aishell.diff import render as r
from aishell.diff.changes import Change, ChangeSet, ProbableRename, TableConstraint
from aishell.diff.differ import column_key, function_sql_name, identity_options_differ
from aishell.diff.hazards import Hazard
from aishell.diff.normalize import foreign_keys, norm_default, norm_type, norm_ws, table_constraints
from aishell.model import Column, Schema, Table, View
from aishell.model.graph import creation_order

# Phases, in execution order.
PRE, DROP_VIEWS, DROP_TRIGGERS, DROP_FKS, DROP_CONSTRAINTS, TYPES, FUNCTIONS, RENAMES, TABLES, COLUMNS, \
    LATE_FUNCTIONS, ATTACH, INDEXES, CONSTRAINTS, FKS, DROP_TABLES, DROP_OBJECTS, VIEWS, TRIGGERS, COMMENTS = range(20)

DEFAULT_LOCK_TIMEOUT = "5s"
DEFAULT_STATEMENT_TIMEOUT = "60s"
LONG_STATEMENT_TIMEOUT = "30min"


@dataclass
class Statement:
    sql: str
    hazards: list[Hazard] = field(default_factory=list)
    transactional: bool = True
    phase: int = 0
    # What it does, for plans and progress ("add index idx_orders_status").
    description: str = ""
    # A longer statement_timeout for long-running work (index builds, validation).
    long_running: bool = False
    # A squawk rule this statement knowingly violates, and why.
    squawk_ignore: list[tuple[str, str]] = field(default_factory=list)
    # Runs in a transaction of its own (VALIDATE: a long SHARE UPDATE EXCLUSIVE scan held alone).
    alone: bool = False
    # Counts taken before the plan runs: rows that would make it fail or lose data (diff/checks.py).
    checks: list[dc.DataCheck] = field(default_factory=list)
    # Names of objects an online statement builds that this one needs (diff/schedule.py).
    after: list[str] = field(default_factory=list)

    @property
    def unsafe(self) -> bool:
        return any(h.unsafe for h in self.hazards)


@dataclass
class Plan:
    statements: list[Statement]
    changes: list[Change]
    probable_renames: list[ProbableRename] = field(default_factory=list)
    lock_timeout: str = DEFAULT_LOCK_TIMEOUT
    statement_timeout: str = DEFAULT_STATEMENT_TIMEOUT
    # A hand-written plan (a refactor's) whose order is authoritative: it runs as written, consecutive
    # transactional statements sharing a transaction, instead of being staged (diff/schedule.py).
    ordered: bool = False

    def __post_init__(self) -> None:
        # Whatever built the plan, its timeouts are durations in canonical form (they reach SQL text).
        from aishell.durations import normalise_duration

        self.lock_timeout = normalise_duration(self.lock_timeout, flag="lock_timeout")
        self.statement_timeout = normalise_duration(self.statement_timeout, flag="statement_timeout")

    @property
    def unsafe_statements(self) -> list[Statement]:
        return [s for s in self.statements if s.unsafe]

    def __bool__(self) -> bool:
        return bool(self.statements)

    def groups(self) -> list[tuple[bool, list[Statement]]]:
        """The plan as it runs: ``(True, statements)`` for a transaction, ``(False, [statement])`` for
        an online statement run alone (see diff/schedule.py)."""
        from aishell.diff.schedule import in_order, stages

        return in_order(self.statements) if self.ordered else stages(self.statements)

    def checks(self) -> list[tuple[Statement, dc.DataCheck]]:
        return [(s, c) for s in self.statements for c in s.checks]

    def sql(self, header: str = "") -> str:
        """The migration as a file psql (or Flyway, dbmate) runs: transactions where allowed,
        timeouts set, every statement's hazards in a comment before it."""
        lines: list[str] = []
        if header:
            lines += [f"-- {h}" if h else "--" for h in header.splitlines()]
            lines.append("")
        if not self.statements:
            lines.append("-- No changes: the schemas are equal.")
            return "\n".join(lines) + "\n"
        from aishell.diff.lint import TYPE_RULES_WHY, type_rules_in

        type_rules = type_rules_in([s.sql for s in self.statements])
        if type_rules:
            lines.append(f"-- squawk: {', '.join(type_rules)}: {TYPE_RULES_WHY}")
            lines.append(f"-- squawk-ignore-file {', '.join(type_rules)}")
            lines.append("")
        lines += [f"SET lock_timeout = {quote_literal(self.lock_timeout)};",
                  f"SET statement_timeout = {quote_literal(self.statement_timeout)};",
                  "SET check_function_bodies = false;", ""]
        for transactional, stmts in self.groups():
            # An online statement that may run in a transaction (VALIDATE) gets one of its own.
            block = transactional or all(s.transactional for s in stmts)
            if block:
                lines.append("BEGIN;")
                lines.append("")
            for s in stmts:
                lines += _statement_lines(s, self.statement_timeout)
            if block:
                lines.append("COMMIT;")
                lines.append("")
        return "\n".join(lines).rstrip() + "\n"


def _statement_lines(s: Statement, default_timeout: str) -> list[str]:
    out = []
    if s.description:
        out.append(f"-- {s.description}")
    for h in s.hazards:
        out.append(f"-- hazard {h.code}{' (UNSAFE)' if h.unsafe else ''}: {h.message}")
    for c in s.checks:
        out.append(f"-- {'pre-check' if c.blocking else 'counted first'}: {c.kind}, {c.what}")
    if not s.transactional:
        out.append("-- runs outside a transaction block")
    from aishell.diff.lint import statement_rules

    rules = dict(s.squawk_ignore)
    for rule, why in statement_rules(s.sql):
        rules.setdefault(rule, why)
    for rule, why in rules.items():
        out.append(f"-- squawk {rule}: {why}")
    if s.long_running:
        out.append(f"SET statement_timeout = {quote_literal(LONG_STATEMENT_TIMEOUT)};")
    if rules:
        out.append(f"-- squawk-ignore {', '.join(rules)}")
    out.append(s.sql.rstrip().rstrip(";") + ";")
    if s.long_running:
        out.append(f"SET statement_timeout = {quote_literal(default_timeout)};")
    out.append("")
    return out


# ---------------------------------------------------------------------------------------------------------
def build_plan(changeset: ChangeSet, current: Schema, desired: Schema, *,
               lock_timeout: str = DEFAULT_LOCK_TIMEOUT,
               statement_timeout: str = DEFAULT_STATEMENT_TIMEOUT,
               fills: dict[tuple[str, str], str] | None = None) -> Plan:
    """Order and render ``changeset`` (which turns ``current`` into ``desired``).

    ``fills`` maps ``(qualified table, column)`` to the SQL value existing rows get when the column is
    added NOT NULL without a default (see ``aishell.diff.backfill``).
    """
    p = _Planner(changeset, current, desired, fills or {})
    stmts = p.run()
    blocking = [c for s in stmts for c in s.checks if c.blocking]
    if blocking:
        stmts.insert(0, Statement(dc.guard_sql(blocking), [hz.scan("counts the rows each check reads; changes nothing")],
                                  True, PRE, "pre-checks: stop before anything changes if existing rows would make a "
                                  "statement fail or lose data", long_running=True))
    return Plan(stmts, list(changeset.changes), list(changeset.probable_renames), lock_timeout,
                statement_timeout)


def _views_depending(schema: Schema) -> dict[str, set[str]]:
    """Map each view's qualified name to the qualified names of tables, views and functions it reads."""
    names = {t.qualified_name: t.name for t in schema.tables} | {v.qualified_name: v.name for v in schema.views}
    out: dict[str, set[str]] = {}
    for v in schema.views:
        deps = set(v.depends_on)
        if not deps:
            body = v.definition or ""
            for qn, n in names.items():
                if qn != v.qualified_name and re.search(r'(?<![\w$])"?' + re.escape(n) + r'"?(?![\w$])', body):
                    deps.add(qn)
            for f in schema.functions:
                if re.search(r"(?<![\w$])" + re.escape(f.name) + r"\s*\(", body):
                    deps.add(f.signature)
                    deps.add(f"{f.schema}.{f.name}")
        out[v.qualified_name] = deps
    return out


def _view_order(views: list[View], deps: dict[str, set[str]]) -> list[View]:
    by = {v.qualified_name: v for v in views}
    done: list[View] = []
    seen: set[str] = set()

    def visit(name: str, stack: set[str]) -> None:
        if name in seen or name not in by or name in stack:
            return
        stack.add(name)
        for d in sorted(deps.get(name, ())):
            visit(d, stack)
        seen.add(name)
        done.append(by[name])

    for v in views:
        visit(v.qualified_name, set())
    return done


class _Planner:
    def __init__(self, cs: ChangeSet, current: Schema, desired: Schema,
                 fills: dict[tuple[str, str], str] | None = None):
        self.cs = cs
        self.fills = fills or {}
        self.a = current
        self.b = desired
        self.out: list[Statement] = []
        self.by_type: dict[type, list[Change]] = defaultdict(list)
        for c in cs.changes:
            self.by_type[type(c)].append(c)
        self.a_tables = {t.qualified_name: t for t in current.tables}
        self.b_tables = {t.qualified_name: t for t in desired.tables}
        renamed = {c.old.qualified_name: c.new.qualified_name for c in self.of(ch.RenameTable)}
        self.renamed = renamed
        self.renamed_back = {v: k for k, v in renamed.items()}
        self.col_renamed_back = {(renamed.get(c.parent, c.parent), c.new.name): c.old.name
                                 for c in self.of(ch.RenameColumn)}
        self.deferred_seq: set[int] = set()
        # column name -> tables whose new column of that name this plan fills (children fill from them)
        self.filled_columns: dict[str, set[str]] = {}
        self.cascaded_functions: set[str] = set()
        self.pending_seq: list[Change] = []
        self.partitioned = {t.qualified_name for t in list(current.tables) + list(desired.tables) if t.partition_by}
        # SQL for whole objects of the desired schema comes from the DDL generator.
        self.gen = g.PostgresGenerator(desired)

    def of(self, cls) -> list[Change]:
        return self.by_type.get(cls, [])

    def emit(self, phase: int, sql: str, description: str = "", hazards: list[Hazard] | None = None, *,
             transactional: bool = True, long_running: bool = False,
             squawk_ignore: list[tuple[str, str]] | None = None) -> Statement:
        alone = False
        if " VALIDATE CONSTRAINT " in sql:
            transactional, alone = True, True
        s = Statement(sql, hazards or [], transactional, phase, description, long_running, squawk_ignore or [], alone)
        self.out.append(s)
        return s

    # -- pre-checks: what the database holds before the plan runs ----------------------------------------
    def orig(self, qn: str) -> tuple[Table | None, str]:
        """The current table behind desired table ``qn`` and its SQL name (before this plan's renames)."""
        t = self.current_table(qn)
        return t, (r.qname(t) if t is not None else "")

    def orig_column(self, qn: str, column: str) -> str | None:
        """The current (quoted) name of column ``column`` of desired table ``qn``; None when it is new."""
        t = self.current_table(qn)
        if t is None:
            return None
        name = self.col_renamed_back.get((qn, column), column)
        return quote_ident(name) if t.column(name) is not None else None

    def orig_columns(self, qn: str, columns: list[str]) -> list[str] | None:
        out = [self.orig_column(qn, c) for c in columns]
        return None if any(c is None for c in out) else out  # type: ignore[return-value]

    def renamed_columns_in(self, qn: str) -> bool:
        return any(k[0] == qn for k in self.col_renamed_back)

    def table_sql(self, qn: str) -> str:
        return r.sql_of_qualified(qn)

    def desired_table(self, qn: str) -> Table:
        """The desired table ``qn`` (a bare stand-in when the model lacks it)."""
        t = self.b_tables.get(qn)
        if t is None:
            schema, name = r.split_qualified(qn)
            t = Table(name=name, schema=schema)
        return t

    def final(self, qn: str) -> str:
        """A table's name once this plan's table renames are done."""
        return self.renamed.get(qn, qn)

    def current_table(self, qn: str) -> Table | None:
        return self.a_tables.get(self.renamed_back.get(qn, qn))

    # ------------------------------------------------------------------------------------------------
    def run(self) -> list[Statement]:
        self.compute_dependents()
        self.pre()
        self.drop_dependents()
        self.types()
        self.functions()
        self.catalog_objects()
        self.tables()
        self.indexes_and_constraints()
        self.extended_statistics()
        self.drops()
        self.views()
        self.triggers_policies()
        self.comments_grants()
        order = {id(s): i for i, s in enumerate(self.out)}
        return sorted(self.out, key=lambda s: (s.phase, order[id(s)]))

    # -- what must be dropped and recreated around the changes -------------------------------------------
    def compute_dependents(self) -> None:
        changed_tables: set[str] = set()  # tables whose columns change type or go away
        changed_cols: dict[str, set[str]] = defaultdict(set)
        for c in self.of(ch.AlterColumn):
            if (norm_type(c.old.type) != norm_type(c.new.type) or norm_ws(c.old.generated) != norm_ws(c.new.generated)
                    or c.old.collation != c.new.collation):
                changed_tables.add(c.parent)
                changed_cols[c.parent].add(c.old.name)
        for c in self.of(ch.DropColumn):
            changed_tables.add(c.parent)
            changed_cols[c.parent].add(c.old.name)
        for c in self.of(ch.DropTable):
            changed_tables.add(c.old.qualified_name)
        for c in self.of(ch.AlterTable):
            if c.old.partition_by != c.new.partition_by:
                changed_tables.add(c.parent)
        self.rebuilt_enums = [c for c in self.of(ch.AlterEnum) if not _enum_additions(c.old.values, c.new.values)]
        for c in self.rebuilt_enums:
            for t, col in _columns_of_type(self.a, c.old):
                changed_tables.add(t.qualified_name)
                changed_cols[t.qualified_name].add(col.name)
        self.changed_cols = changed_cols
        # functions dropped or recreated (signature-level changes)
        self.recreated_functions = [c for c in self.of(ch.AlterFunction) if _function_needs_drop(c.old, c.new)]
        gone_funcs = {c.old.signature for c in self.of(ch.DropFunction)} | {
            c.old.signature for c in self.recreated_functions}
        gone_func_names = {s.split("(")[0] for s in gone_funcs}
        # views
        deps = _views_depending(self.a)
        self.view_deps_a = deps
        recreate = {c.old.qualified_name for c in self.of(ch.AlterView)} | {
            c.old.qualified_name for c in self.of(ch.DropView)}
        trigger = set(changed_tables) | gone_funcs | gone_func_names
        grew = True
        while grew:
            grew = False
            for v, d in deps.items():
                if v not in recreate and (d & (trigger | recreate)):
                    recreate.add(v)
                    grew = True
        self.views_to_drop = recreate
        b_views = {v.qualified_name for v in self.b.views}
        self.views_to_create = ({v for v in recreate if v in b_views}
                                | {c.new.qualified_name for c in self.of(ch.AddView)})
        # triggers/policies around column changes and recreated functions
        self.triggers_recreated: list[tuple[str, Any]] = []
        self.policies_recreated: list[tuple[str, Any]] = []
        # (dropped or altered ones are handled by their own change: never twice)
        changed_triggers = {(c.parent, c.old.name) for c in self.of(ch.DropTrigger) + self.of(ch.AlterTrigger)}
        changed_policies = {(c.parent, c.old.name) for c in self.of(ch.DropPolicy) + self.of(ch.AlterPolicy)}
        for t in self.a.tables:
            qn = t.qualified_name
            if qn not in self.b_tables and qn not in self.renamed_back.values():
                continue
            cols = changed_cols.get(qn, set())
            for trg in t.triggers:
                if (qn, trg.name) in changed_triggers:
                    continue
                fn = trg.function.split("(")[0]
                if fn in gone_func_names or any(_mentions(trg.definition or trg.when or "", c) for c in cols):
                    self.triggers_recreated.append((qn, trg))
            for pol in t.policies:
                if (qn, pol.name) in changed_policies:
                    continue
                if any(_mentions((pol.using or "") + " " + (pol.with_check or ""), c) for c in cols):
                    self.policies_recreated.append((qn, pol))
        # foreign keys that depend on a unique/PK constraint being dropped or changed
        self.fks_recreated: list[tuple[str, TableConstraint]] = []
        self.fks_dropped_early: list[tuple[str, TableConstraint]] = []
        dropped_keys: dict[str, list[list[str]]] = defaultdict(list)
        for c in self.of(ch.DropConstraint) + [x for x in self.of(ch.AlterConstraint)
                                                if _redefined(x)]:
            if c.old.kind in ("primary key", "unique"):
                cols = re.findall(r"\(([^)]*)\)", c.old.definition)
                dropped_keys[c.parent].append([x.strip().strip('"') for x in cols[0].split(",")] if cols else [])
        if dropped_keys:
            dropped_fk = {(c.parent, c.old.name) for c in self.of(ch.DropForeignKey) + self.of(ch.AlterForeignKey)}
            for t in self.a.tables:
                if t.qualified_name not in self.b_tables:
                    # a table going away: its keys into the changed table must go first
                    for fk, tc in zip(t.foreign_keys, foreign_keys(t)):
                        if f"{fk.ref_schema}.{fk.ref_table}" in dropped_keys:
                            self.fks_dropped_early.append((t.qualified_name, tc))
                    continue
                for fk, tc in zip(t.foreign_keys, foreign_keys(t)):
                    ref = f"{fk.ref_schema}.{fk.ref_table}"
                    if ref in dropped_keys and (t.qualified_name, tc.name) not in dropped_fk:
                        self.fks_recreated.append((t.qualified_name, tc))

    # -- phases ---------------------------------------------------------------------------------------------
    def pre(self) -> None:
        for c in self.of(ch.AddSchema):
            self.emit(PRE, f"CREATE SCHEMA {quote_ident(c.new.name)}", f"add schema {c.new.name}")
            if c.new.comment:
                self.emit(COMMENTS, r.comment_sql("SCHEMA", quote_ident(c.new.name), c.new.comment))
            for p in c.new.privileges:
                if p.grantee != c.new.owner:
                    self.emit(COMMENTS, r.grant_sql("SCHEMA", quote_ident(c.new.name), p))
        for c in self.of(ch.AddExtension):
            self.emit(PRE, g.create_extension_sql(c.new), f"add extension {c.new.name}")
        for c in self.of(ch.AlterExtension):
            self.emit(PRE, f"ALTER EXTENSION {quote_ident(c.new.name)} UPDATE TO {quote_literal(c.new.version)}",
                      f"update extension {c.new.name} to {c.new.version}")

    def drop_dependents(self) -> None:
        order = _view_order([v for v in self.a.views if v.qualified_name in self.views_to_drop], self.view_deps_a)
        for v in reversed(order):
            kind = "MATERIALIZED VIEW" if v.materialized else "VIEW"
            recreated = v.qualified_name in self.views_to_create
            hz_list = [hz.info("dependents", "dropped to change what it depends on; recreated below")] if recreated else []
            if v.materialized and recreated:
                hz_list.append(hz.info("refresh", "the materialized view is recomputed when recreated"))
            self.emit(DROP_VIEWS, f"DROP {kind} {r.qname(v)}",
                      f"{'recreate' if recreated else 'drop'} {kind.lower()} {v.qualified_name}", hz_list)
        for c in self.of(ch.DropTrigger) + self.of(ch.AlterTrigger):
            if isinstance(c, ch.AlterTrigger) and _trigger_only_enabled(c):
                continue
            if c.old is not None and not self._parent_view_dropped(c.parent):
                self.emit(DROP_TRIGGERS, f"DROP TRIGGER {quote_ident(c.old.name)} ON {self.on_sql(c.parent)}",
                          f"drop trigger {c.old.name} on {c.parent}")
        for qn, trg in self.triggers_recreated:
            self.emit(DROP_TRIGGERS, f"DROP TRIGGER {quote_ident(trg.name)} ON {self.table_sql(qn)}",
                      f"drop trigger {trg.name} on {qn} (recreated after the change it depends on)")
        for c in self.of(ch.DropPolicy) + self.of(ch.AlterPolicy):
            self.emit(DROP_TRIGGERS, f"DROP POLICY {quote_ident(c.old.name)} ON {self.on_sql(c.parent)}",
                      f"drop policy {c.old.name} on {c.parent}")
        for qn, pol in self.policies_recreated:
            self.emit(DROP_TRIGGERS, f"DROP POLICY {quote_ident(pol.name)} ON {self.table_sql(qn)}",
                      f"drop policy {pol.name} on {qn} (recreated after the column change)")
        dropped_tables = {c.old.qualified_name for c in self.of(ch.DropTable)}
        for c in self.of(ch.DropForeignKey):
            if c.parent in dropped_tables:
                continue
            self.emit(DROP_FKS, f"ALTER TABLE {self.on_sql(c.parent)} DROP CONSTRAINT {quote_ident(c.old.name)}",
                      f"drop foreign key {c.old.name} on {c.parent}")
        for qn, tc in self.fks_dropped_early:
            self.emit(DROP_FKS, f"ALTER TABLE {self.table_sql(qn)} DROP CONSTRAINT {quote_ident(tc.name)}",
                      f"drop foreign key {tc.name} on {qn} (its table is dropped; the key it uses changes)")
        for qn, tc in self.fks_recreated:
            self.emit(DROP_FKS, f"ALTER TABLE {self.table_sql(qn)} DROP CONSTRAINT {quote_ident(tc.name)}",
                      f"drop foreign key {tc.name} on {qn} (recreated: the key it references changes)")
        # FKs among tables that are all dropped: drop the cycle-closing ones first
        if dropped_tables:
            sub = Schema(tables=[t for t in self.a.tables if t.qualified_name in dropped_tables])
            _, deferred = creation_order(sub)
            for tname, ref in deferred:
                t = self.a_tables[tname]
                for tc, fk in zip(foreign_keys(t), t.foreign_keys):
                    if f"{fk.ref_schema}.{fk.ref_table}" == ref:
                        self.emit(DROP_FKS, f"ALTER TABLE {r.qname(t)} DROP CONSTRAINT {quote_ident(tc.name)}",
                                  f"drop foreign key {tc.name} (cycle among dropped tables)")
        for c in self.of(ch.AlterForeignKey):
            if _redefined(c):
                self.emit(DROP_FKS, f"ALTER TABLE {self.on_sql(c.parent)} DROP CONSTRAINT {quote_ident(c.old.name)}",
                          f"drop foreign key {c.old.name} on {c.parent} (its definition changes)")
        for c in self.of(ch.AlterConstraint):
            if _redefined(c):
                self.emit(DROP_CONSTRAINTS, f"ALTER TABLE {self.on_sql(c.parent)} DROP CONSTRAINT {quote_ident(c.old.name)}",
                          f"drop {c.old.kind} {c.old.name} on {c.parent} (its definition changes)")
        for c in self.of(ch.DropConstraint):
            if c.parent in dropped_tables:
                continue
            hzs = []
            if c.old.kind == "primary key":
                hzs.append(hz.lock("drops the primary key under an ACCESS EXCLUSIVE lock"))
            self.emit(DROP_CONSTRAINTS, f"ALTER TABLE {self.on_sql(c.parent)} DROP CONSTRAINT {quote_ident(c.old.name)}",
                      f"drop {c.old.kind} {c.old.name} on {c.parent}", hzs)
        for c in self.of(ch.DropIndex) + self.of(ch.AlterIndex):
            if c.parent in dropped_tables or self._parent_view_dropped(c.parent):
                continue
            if c.old.attrs.get("parent_index") and isinstance(c, ch.DropIndex):
                continue  # goes with the partitioned index it is attached to
            self.drop_index(c.parent, c.old, invalid=isinstance(c, ch.AlterIndex) and _index_only_invalid(c))
        for c in self.of(ch.AlterTable):
            o, n = c.old, c.new
            if o.partition_of and (o.partition_of != n.partition_of or norm_ws(o.partition_bound) != norm_ws(n.partition_bound)):
                # Plain DETACH, not CONCURRENTLY: the concurrent form leaves a CHECK copy of the bound
                # behind, so the table would not match the desired schema.
                self.emit(DROP_CONSTRAINTS, f"ALTER TABLE {r.sql_of_qualified(o.partition_of)} DETACH PARTITION {r.qname(n)}",
                          f"detach partition {c.parent} from {o.partition_of}",
                          [hz.lock("brief ACCESS EXCLUSIVE lock on the parent while detaching")])
            for p in o.inherits:
                if p not in n.inherits:
                    self.emit(DROP_CONSTRAINTS, f"ALTER TABLE {r.qname(n)} NO INHERIT {r.sql_of_qualified(p)}",
                              f"{c.parent} no longer inherits {p}")

    def _parent_view_dropped(self, qn: str | None) -> bool:
        return qn in self.views_to_drop

    def on_sql(self, qn: str | None) -> str:
        return self.table_sql(qn or "")

    def drop_index(self, qn: str, idx, *, invalid: bool = False) -> None:
        name = qualify(r.split_qualified(qn)[0], idx.name)
        what = (f"drop INVALID index {idx.name} (left by a failed or interrupted build; built again below)"
                if invalid else f"drop index {idx.name}")
        if qn in self.partitioned:
            self.emit(DROP_CONSTRAINTS, f"DROP INDEX {'IF EXISTS ' if invalid else ''}{name}", what,
                      [hz.lock("partitioned index: dropped with an ACCESS EXCLUSIVE lock (no CONCURRENTLY)")])
        else:
            # IF EXISTS: a copy of the database made by pg_dump (verification, fix's dry run) has no
            # INVALID index, which pg_dump leaves out.
            self.emit(DROP_CONSTRAINTS, f"DROP INDEX CONCURRENTLY IF EXISTS {name}", what, transactional=False)

    def types(self) -> None:
        for c in self.of(ch.AddEnum):
            self.emit(TYPES, g.create_enum_sql(c.new), f"add enum {c.name}")
            self.type_extras("TYPE", c.new)
        for c in self.of(ch.AlterEnum):
            adds = _enum_additions(c.old.values, c.new.values)
            if adds:
                for value, where, anchor in adds:
                    pos = f" {where} {quote_literal(anchor)}" if anchor is not None else ""
                    # In the plan's transaction (PostgreSQL 12+); what uses the value waits for the commit.
                    self.emit(TYPES, f"ALTER TYPE {r.qname(c.new)} ADD VALUE IF NOT EXISTS {quote_literal(value)}{pos}",
                              f"add value {value!r} to enum {c.name}")
            else:
                self.rebuild_enum(c)
        for c in self.of(ch.AddDomain):
            for i, stmt in enumerate(self.gen.domain_statements(c.new, sep=" ")):
                self.emit(TYPES, stmt, f"add domain {c.name}" if i == 0 else "")
            self.type_extras("DOMAIN", c.new)
        for c in self.of(ch.AlterDomain):
            self.alter_domain(c)
        for c in self.of(ch.AddCompositeType):
            self.emit(TYPES, self.gen.composite_sql(c.new), f"add type {c.name}")
            self.type_extras("TYPE", c.new)
        for c in self.of(ch.AlterCompositeType):
            self.alter_composite(c)
        for c in self.of(ch.AddSequence):
            if self._sequence_waits_for_identity_drop(c):
                self.deferred_seq.add(id(c))
                self.pending_seq.append(c)
            else:
                self.emit(TYPES, self.gen.sequence_sql(c.new), f"add sequence {c.name}")
            self.type_extras("SEQUENCE", c.new)
            if c.new.owned_by:
                self.emit(TRIGGERS, f"ALTER SEQUENCE {r.qname(c.new)} OWNED BY {_owned_by_sql(c.new.owned_by)}",
                          f"sequence {c.name} owned by {c.new.owned_by}")
        for c in self.of(ch.AlterSequence):
            o, n = c.old, c.new
            if any(getattr(o, f) != getattr(n, f) for f in ("increment", "min_value", "max_value", "cache", "cycle",
                                                             "start")) or norm_type(o.type) != norm_type(n.type):
                if n.min_value is not None and (o.min_value is None or n.min_value > o.min_value):
                    # ALTER refuses a MINVALUE above the current value: move the value up first.
                    self.emit(TYPES, f"SELECT setval({quote_literal(r.qname(n))}, greatest(last_value, {n.min_value}), "
                                     f"last_value >= {n.min_value} AND is_called) FROM {r.qname(n)}",
                              f"sequence {c.name}: current value brought up to the new MINVALUE")
                self.emit(TYPES, r.alter_sequence_sql(n), f"alter sequence {c.name}")
            if o.owned_by != n.owned_by:
                target = _owned_by_sql(n.owned_by) if n.owned_by else "NONE"
                self.emit(TRIGGERS, f"ALTER SEQUENCE {r.qname(n)} OWNED BY {target}",
                          f"sequence {c.name} owned by {n.owned_by or 'nothing'}")

    def type_extras(self, kind: str, obj) -> None:
        name = r.qname(obj)
        if obj.comment:
            self.emit(COMMENTS, r.comment_sql(kind, name, obj.comment))
        self.new_object_grants(kind, name, obj)

    def _sequence_waits_for_identity_drop(self, c: Change) -> bool:
        for ac in self.of(ch.AlterColumn):
            name = ac.old.identity_options.get("sequence_name") if ac.old.identity and not ac.new.identity else None
            if name and f"{c.new.schema}.{c.new.name}" in (name, f"public.{name}"):
                return True
        return False

    def rebuild_enum(self, c: Change) -> None:
        o, n = c.old, c.new
        removed = [v for v in o.values if v not in n.values]
        tmp = f"{n.name}__aishell_old"
        hzs = [hz.rewrite("rebuilds the enum: every column of this type is rewritten")]
        if removed:
            hzs.append(hz.may_fail(f"values removed ({', '.join(removed)}): rows holding them make this fail",
                                   unsafe=True))
        self.emit(TYPES, f"ALTER TYPE {r.qname(o)} RENAME TO {quote_ident(tmp)}",
                  f"rebuild enum {c.name} (values removed or reordered)", hzs)
        self.emit(TYPES, g.create_enum_sql(n))
        new_sql = r.qname(n)
        for t, col in _columns_of_type(self.a, o):
            bt = self.b_tables.get(t.qualified_name)
            bc = bt.column(col.name) if bt else None
            if bc is None or norm_type(bc.type).rstrip("[]") != norm_type(col.type).rstrip("[]"):
                continue  # dropped or changed to another type by its own change
            tsql = r.qname(t)
            is_array = norm_type(col.type).endswith("[]")
            target = new_sql + ("[]" if is_array else "")
            via = "text[]" if is_array else "text"
            if col.default is not None:
                self.emit(TYPES, f"ALTER TABLE {tsql} ALTER COLUMN {quote_ident(col.name)} DROP DEFAULT")
            s = self.emit(TYPES, f"ALTER TABLE {tsql} ALTER COLUMN {quote_ident(col.name)} TYPE {target} "
                                 f"USING {quote_ident(col.name)}::{via}::{target}",
                          f"move {t.qualified_name}.{col.name} to the rebuilt enum",
                          [hz.rewrite()], squawk_ignore=[("changing-column-type", "the enum is rebuilt; the column must follow")])
            if removed:
                s.checks.append(dc.enum_values(tsql, quote_ident(col.name), removed, is_array,
                                               f"{t.qualified_name}.{col.name}"))
            if bc.default is not None:
                self.emit(TYPES, f"ALTER TABLE {tsql} ALTER COLUMN {quote_ident(col.name)} SET DEFAULT {bc.default}")
        self.emit(TYPES, f"DROP TYPE {qualify(n.schema, tmp)}", f"drop the old enum {c.name}")

    def alter_domain(self, c: Change) -> None:
        o, n = c.old, c.new
        dsql = r.qname(n)
        if norm_type(o.type) != norm_type(n.type) or (o.collation or None) != (n.collation or None):
            self.emit(DROP_OBJECTS, f"DROP DOMAIN {dsql}", f"recreate domain {c.name}",
                      [hz.data_loss("a domain's base type cannot change in place: columns using it are dropped")])
            for stmt in self.gen.domain_statements(n, sep=" "):
                self.emit(DROP_OBJECTS, stmt)
            return
        if norm_default(o.default) != norm_default(n.default):
            self.emit(TYPES, f"ALTER DOMAIN {dsql} " + (f"SET DEFAULT {n.default}" if n.default is not None else "DROP DEFAULT"),
                      f"domain {c.name} default")
        if o.not_null != n.not_null:
            self.emit(TYPES, f"ALTER DOMAIN {dsql} {'SET' if n.not_null else 'DROP'} NOT NULL", f"domain {c.name} not null",
                      [hz.scan("checks every column of this domain")] if n.not_null else [])
        oc = {(x.name, norm_ws(x.definition or x.expression)): x for x in o.checks}
        nc = {(x.name, norm_ws(x.definition or x.expression)): x for x in n.checks}
        for k, x in oc.items():
            if k not in nc:
                self.emit(TYPES, f"ALTER DOMAIN {dsql} DROP CONSTRAINT {quote_ident(x.name)}", f"domain {c.name} drop check")
        for k, x in nc.items():
            if k not in oc:
                self.emit(TYPES, f"ALTER DOMAIN {dsql} ADD {r.domain_check_sql(x)} NOT VALID", f"domain {c.name} add check")
                self.emit(TYPES, f"ALTER DOMAIN {dsql} VALIDATE CONSTRAINT {quote_ident(x.name)}",
                          hazards=[hz.scan("checks every value of the domain")], long_running=True)

    def alter_composite(self, c: Change) -> None:
        o, n = c.old, c.new
        tsql = r.qname(n)
        oa = {a.name: a for a in o.attributes}
        na = {a.name: a for a in n.attributes}
        for name, a in oa.items():
            if name not in na:
                self.emit(TYPES, f"ALTER TYPE {tsql} DROP ATTRIBUTE {quote_ident(name)}", f"type {c.name}: drop {name}",
                          [hz.data_loss("drops an attribute of a composite type")])
        for name, a in na.items():
            if name not in oa:
                self.emit(TYPES, f"ALTER TYPE {tsql} ADD ATTRIBUTE {quote_ident(name)} {a.type}", f"type {c.name}: add {name}")
            elif norm_type(oa[name].type) != norm_type(a.type):
                self.emit(TYPES, f"ALTER TYPE {tsql} ALTER ATTRIBUTE {quote_ident(name)} TYPE {a.type}",
                          f"type {c.name}: {name} type")

    def functions(self) -> None:
        late_b = _late_functions(self.b)
        self.late_a = _late_functions(self.a)

        def phase(f) -> int:
            # A routine taking or returning a table's row type can only exist once the table does.
            return LATE_FUNCTIONS if f.signature in late_b else FUNCTIONS

        for c in self.recreated_functions:
            kind = g.function_keyword(c.old)
            self.emit(DROP_VIEWS, f"DROP {kind} {function_sql_name(c.old)}",
                      f"recreate {kind.lower()} {c.old.signature} (its signature or return type changes)")
            self.emit(phase(c.new), g.create_function_sql(c.new), f"create {kind.lower()} {c.new.signature}")
            self.function_extras(c.new)
        for c in self.of(ch.AlterFunction):
            if c in self.recreated_functions:
                continue
            self.emit(phase(c.new), g.create_function_sql(c.new), f"replace {g.function_keyword(c.new).lower()} {c.new.signature}")
        self.after_base_types: list = []
        waits = _waits_for_base_type(self.of(ch.AddBaseType))
        for c in sorted(self.of(ch.AddFunction), key=lambda c: c.new.kind == "aggregate"):
            if waits(c.new):
                self.after_base_types.append(c.new)  # created once the base type it takes is complete
                continue
            self.emit(phase(c.new), g.create_function_sql(c.new), f"add {g.function_keyword(c.new).lower()} {c.new.signature}")
            self.function_extras(c.new)

    def function_extras(self, f) -> None:
        kind = g.function_keyword(f)
        name = function_sql_name(f)
        if f.comment:
            self.emit(COMMENTS, r.comment_sql(kind, name, f.comment))
        self.new_object_grants("FUNCTION" if kind == "AGGREGATE" else kind, name, f)

    def new_object_grants(self, kind: str, name: str, obj) -> None:
        """Grants of an object this plan creates, revoking PUBLIC's default where the model has none."""
        from aishell.diff.differ import DEFAULT_PUBLIC, group_atoms, privilege_atoms

        if not obj.privileges:
            return
        have = privilege_atoms(obj.privileges, obj.owner, kind)
        default = DEFAULT_PUBLIC.get(kind)
        if default and ("PUBLIC", default, False, None) not in have and ("PUBLIC", default, True, None) not in have:
            self.emit(COMMENTS, f"REVOKE {default} ON {kind} {name} FROM PUBLIC", f"revoke default {default} from PUBLIC")
        for p in group_atoms(have):
            if default and p.grantee == "PUBLIC" and p.privileges == [default] and not p.grantable:
                continue
            self.emit(COMMENTS, r.grant_sql(kind, name, p))

    # -- object kinds of format 2 ----------------------------------------------------------------------------
    def catalog_objects(self) -> None:
        """Collations, text search objects, casts, operators, range and base types, foreign data,
        rules, publications, subscriptions, event triggers and default privileges.

        New objects are created where what they use exists: collations, range types and base types'
        shells with the types, the rest right after the routines (base types, then text search, casts,
        operators, families, classes, wrappers, servers, user mappings); rules, publications and
        subscriptions once tables and views are in place; default privileges and event triggers last,
        so that neither touches the migration's own objects. A changed object is dropped early and
        created again in its place, except where PostgreSQL alters it in place (a text search
        configuration's mappings, a rule, default privileges, a publication's tables)."""
        from aishell.dialects.postgres import objects as ob
        from aishell.diff.differ import CATALOG_KINDS

        order = [stem for _attr, stem, _key in CATALOG_KINDS]
        early = {"Collation", "RangeType"}
        late = {"Publication": TRIGGERS, "Subscription": TRIGGERS, "DefaultPrivilege": COMMENTS,
                "EventTrigger": COMMENTS}

        def create(obj: Any, stem: str) -> None:
            if stem == "DefaultPrivilege":
                for stmt in ob.default_privileges_sql(obj, major=self.gen.major or 18):
                    self.emit(COMMENTS, stmt, f"default privileges: {ch.object_name(obj)}")
                return
            if stem == "BaseType":
                self.emit(TYPES, ob.create_shell_type_sql(obj)[0], f"add shell of base type {ch.object_name(obj)}")
            phase = TYPES if stem in early else late.get(stem, FUNCTIONS)
            if stem in ("TextSearchDictionary", "TextSearchConfig") and not (
                    self.of(ch.AddTextSearchParser) or self.of(ch.AddTextSearchTemplate)):
                phase = TYPES  # before routines, whose SQL bodies may name them
            for i, stmt in enumerate(ob.create_sql(obj)):
                self.emit(phase, stmt, f"add {ch.CHANGE_TYPES['Add' + stem].kind} {ch.object_name(obj)}" if i == 0 else "")
            if getattr(obj, "comment", None):
                self.emit(COMMENTS, g.comment_sql(ob.object_target(obj), obj.comment))
            for p in getattr(obj, "privileges", []) or []:
                if stem in ("ForeignDataWrapper", "ForeignServer") and p.grantee != getattr(obj, "owner", None):
                    kind = "FOREIGN DATA WRAPPER" if stem == "ForeignDataWrapper" else "FOREIGN SERVER"
                    self.emit(COMMENTS, r.grant_sql(kind, quote_ident(obj.name), p))

        def drop(obj: Any, stem: str, phase: int) -> None:
            if stem == "DefaultPrivilege":
                for stmt in ob.default_privileges_revoke_sql(obj, major=self.gen.major or 18):
                    self.emit(phase, stmt, f"undo default privileges: {ch.object_name(obj)}")
                return
            hzs = []
            cascade = ""
            if stem == "Subscription":
                # Detached from its replication slot first, so that DROP neither connects to the
                # publisher nor refuses to run in a transaction; the slot there is left alone.
                name = quote_ident(obj.name)
                self.emit(phase, f"ALTER SUBSCRIPTION {name} DISABLE", f"drop subscription {obj.name}",
                          [hz.info("replication-slot", "the publisher's replication slot is not dropped; "
                                                       "drop it there if nothing else uses it")])
                self.emit(phase, f"ALTER SUBSCRIPTION {name} SET (slot_name = NONE)")
                self.emit(phase, f"DROP SUBSCRIPTION {name}")
                return
            if stem == "BaseType":
                cascade = " CASCADE"  # its input and output routines depend on it
                from aishell.dialects.postgres.generate import _support_functions

                support = _support_functions(obj)
                self.cascaded_functions |= {f.signature for f in self.a.functions
                                            if f"{f.schema}.{f.name}" in support}
                hzs.append(hz.data_loss("drops the type with its input/output routines (and columns of it)"))
            self.emit(phase, f"DROP {ob.object_target(obj)}{cascade}",
                      f"drop {ch.CHANGE_TYPES['Drop' + stem].kind} {ch.object_name(obj)}", hzs,
                      squawk_ignore=[("ban-drop-type", _DROP_WHY)])

        # Drops, most dependent first; dropped after tables and views, before routines and types (a
        # base type after the routines that take it: drops() emits it last).
        self.late_type_drops = []
        from aishell.dialects.postgres.generate import _support_functions

        for c in self.of(ch.CHANGE_TYPES["DropBaseType"]):
            support = _support_functions(c.old)
            self.cascaded_functions |= {f.signature for f in self.a.functions if f"{f.schema}.{f.name}" in support}
        for stem in reversed(order):
            for c in self.of(ch.CHANGE_TYPES[f"Drop{stem}"]):
                if stem == "BaseType":
                    self.late_type_drops.append(lambda obj=c.old: drop(obj, "BaseType", DROP_OBJECTS))
                    continue
                drop(c.old, stem, DROP_VIEWS if stem in ("EventTrigger", "Subscription", "Publication")
                     else DROP_OBJECTS)
        def in_place(c: Change, stem: str) -> bool:
            return ((stem == "TextSearchConfig" and c.old.parser == c.new.parser)
                    or (stem == "Publication" and _same_but_members(c.old, c.new)))

        for stem in reversed(order):
            for c in self.of(ch.CHANGE_TYPES[f"Alter{stem}"]):
                if in_place(c, stem):
                    continue
                drop(c.old, stem, COMMENTS if stem == "DefaultPrivilege" else DROP_VIEWS)
        for stem in order:
            for c in self.of(ch.CHANGE_TYPES[f"Add{stem}"]):
                create(c.new, stem)
            if stem == "BaseType":
                for f in self.after_base_types:
                    self.emit(FUNCTIONS, g.create_function_sql(f), f"add {g.function_keyword(f).lower()} {f.signature}")
                    self.function_extras(f)
            for c in self.of(ch.CHANGE_TYPES[f"Alter{stem}"]):
                if stem == "TextSearchConfig" and in_place(c, stem):
                    self.alter_ts_config(c)
                elif stem == "Publication" and in_place(c, stem):
                    self.alter_publication(c)
                else:
                    create(c.new, stem)
        # Rules of tables and views (a view recreated by this plan brings its rules along). Rules of a
        # table being dropped go first too: they may name another table dropped before it.
        gone = [(c.parent, c.old) for c in self.of(ch.DropRule)]
        gone += [(c.old.qualified_name, rule) for c in self.of(ch.DropTable) for rule in c.old.rules]
        for qn, rule in gone:
            if not self._parent_view_dropped(qn):
                self.emit(DROP_TRIGGERS, f"DROP RULE {quote_ident(rule.name)} ON {self.on_sql(qn)}",
                          f"drop rule {rule.name} on {qn}")
        for c in self.of(ch.AddRule) + self.of(ch.AlterRule):
            if self._parent_view_dropped(c.parent):
                continue
            self.create_rule(c.parent, c.new, replace=isinstance(c, ch.AlterRule))
        for v in self.b.views:
            if v.qualified_name in self.views_to_create:
                for rule in v.rules:
                    self.create_rule(v.qualified_name, rule)
        for c in self.of(ch.AddTable):
            for rule in c.new.rules:
                self.create_rule(c.new.qualified_name, rule)

    def extended_statistics(self) -> None:
        """CREATE STATISTICS / DROP STATISTICS (a changed one dropped and created again); those of new
        tables come with the tables."""
        def name(e: dict, qn: str) -> str:
            return qualify(e.get("schema") or r.split_qualified(qn)[0], e["name"])

        for c in self.of(ch.DropStatistics) + self.of(ch.AlterStatistics):
            if c.parent in {x.old.qualified_name for x in self.of(ch.DropTable)}:
                continue
            self.emit(DROP_CONSTRAINTS, f"DROP STATISTICS {name(c.old, c.parent)}",
                      f"drop statistics {c.old['name']} on {c.parent}")
        new = [(c.parent, c.new) for c in self.of(ch.AddStatistics) + self.of(ch.AlterStatistics)]
        new += [(c.new.qualified_name, e) for c in self.of(ch.AddTable)
                for e in c.new.attrs.get("statistics") or [] if isinstance(e, dict) and e.get("definition")]
        for qn, e in new:
            self.emit(INDEXES, g._stmt(str(e["definition"]))[:-1], f"add statistics {e['name']} on {qn}")
            if e.get("comment"):
                self.emit(COMMENTS, r.comment_sql("STATISTICS", name(e, qn), e["comment"]))

    def create_rule(self, qn: str, rule, *, replace: bool = False) -> None:
        from aishell.dialects.postgres import objects as ob

        stmts = ob.create_rule_sql(rule, self.on_sql(qn))
        if replace:
            stmts[0] = re.sub(r"^CREATE RULE\b", "CREATE OR REPLACE RULE", stmts[0])
            if rule.enabled == "O":
                stmts.append(f"ALTER TABLE {self.on_sql(qn)} ENABLE RULE {quote_ident(rule.name)}")
        for i, stmt in enumerate(stmts):
            self.emit(TRIGGERS, stmt, f"{'replace' if replace else 'add'} rule {rule.name} on {qn}" if i == 0 else "")
        if rule.comment:
            self.emit(COMMENTS, r.comment_sql("RULE", f"{quote_ident(rule.name)} ON {self.on_sql(qn)}", rule.comment))

    def alter_ts_config(self, c: Change) -> None:
        """Mappings of a text search configuration, changed in place (an index or column using the
        configuration stays): tokens dropped, added, or mapped to other dictionaries."""
        from aishell.dialects.postgres import objects as ob

        old = {m.token: m.dictionaries for m in c.old.mappings}
        new = {m.token: m.dictionaries for m in c.new.mappings}
        gone = [t for t in old if t not in new]
        if gone:
            self.emit(FUNCTIONS, ob.ts_mapping_sql(c.new, gone, [], "DROP"), f"text search configuration {c.name}: "
                                                                           f"drop mappings")
        for tokens, dicts in ob.ts_mapping_groups(c.new):
            todo = [t for t in tokens if old.get(t) != dicts]
            add = [t for t in todo if t not in old]
            alter = [t for t in todo if t in old]
            if add:
                self.emit(FUNCTIONS, ob.ts_mapping_sql(c.new, add, dicts, "ADD"), f"text search configuration {c.name}: "
                                                                                   "add mappings")
            if alter:
                self.emit(FUNCTIONS, ob.ts_mapping_sql(c.new, alter, dicts, "ALTER"),
                          f"text search configuration {c.name}: change mappings")

    def alter_publication(self, c: Change) -> None:
        from aishell.dialects.postgres import objects as ob

        name = quote_ident(c.new.name)
        old = {t.table: t for t in c.old.tables}
        new = {t.table: t for t in c.new.tables}
        for t, pt in old.items():
            if t not in new or new[t] != pt:
                self.emit(TRIGGERS, f"ALTER PUBLICATION {name} DROP {ob.publication_table_sql(pt).replace(' ONLY', '')}"
                          .split(" (")[0].split(" WHERE ")[0], f"publication {c.new.name}: drop table {t}")
        for t, pt in new.items():
            if t not in old or old[t] != pt:
                self.emit(TRIGGERS, f"ALTER PUBLICATION {name} ADD {ob.publication_table_sql(pt)}",
                          f"publication {c.new.name}: add table {t}")
        for sch in c.old.schemas:
            if sch not in c.new.schemas:
                self.emit(TRIGGERS, f"ALTER PUBLICATION {name} DROP TABLES IN SCHEMA {quote_ident(sch)}")
        for sch in c.new.schemas:
            if sch not in c.old.schemas:
                self.emit(TRIGGERS, f"ALTER PUBLICATION {name} ADD TABLES IN SCHEMA {quote_ident(sch)}")

    # -- tables ---------------------------------------------------------------------------------------------
    def tables(self) -> None:
        for c in self.of(ch.RenameTable):
            self.emit(RENAMES, f"ALTER TABLE {r.qname(c.old)} RENAME TO {quote_ident(c.new.name)}",
                      f"rename table {c.old.qualified_name} to {c.new.name}",
                      [hz.lock("brief ACCESS EXCLUSIVE lock; clients using the old name break")])
        for c in self.of(ch.RenameColumn):
            self.emit(RENAMES, f"ALTER TABLE {self.table_sql(self.final(c.parent))} RENAME COLUMN {quote_ident(c.old.name)} "
                               f"TO {quote_ident(c.new.name)}", f"rename column {c.parent}.{c.old.name} to {c.new.name}",
                      [hz.lock("brief ACCESS EXCLUSIVE lock; clients using the old name break")])
        for c in self.of(ch.RenameConstraint):
            self.emit(RENAMES, f"ALTER TABLE {self.table_sql(self.final(c.parent))} RENAME CONSTRAINT {quote_ident(c.old[1].name)} "
                               f"TO {quote_ident(c.new[1].name)}", f"rename constraint {c.old[1].name} to {c.new[1].name}")
        for c in self.of(ch.RenameIndex):
            schema = r.split_qualified(c.parent)[0]
            self.emit(RENAMES, f"ALTER INDEX {qualify(schema, c.old.name)} RENAME TO {quote_ident(c.new.name)}",
                      f"rename index {c.old.name} to {c.new.name}")
        self.create_tables([c.new for c in self.of(ch.AddTable)])
        self.columns_via_parent = self._columns_via_parent()
        for c in _parents_first(self.of(ch.AddColumn), self.b):
            self.add_column(c)
        for c in self.of(ch.AlterColumn):
            self.alter_column(c)
        for c in self.of(ch.DropColumn):
            if c.old.attrs.get("inherited") and (c.parent, c.old.name) in self.columns_via_parent:
                continue  # goes with the parent's column (a partition's or child's inherited copy)
            s = self.emit(COLUMNS, f"ALTER TABLE {self.table_sql(c.parent)} DROP COLUMN {quote_ident(c.old.name)}",
                          f"drop column {c.parent}.{c.old.name}",
                          [hz.data_loss(f"deletes the data in {c.parent}.{c.old.name}")] + self.rename_hint(c),
                          squawk_ignore=[("ban-drop-column", "the column is gone from the desired schema; allowed with --unsafe")])
            _, osql = self.orig(c.parent)
            ocol = self.orig_column(c.parent, c.old.name)
            if osql and ocol:
                s.checks.append(dc.values_lost(osql, ocol, f"{c.parent}.{c.old.name}"))
        for c in self.of(ch.AlterTable):
            self.alter_table(c)

    def _columns_via_parent(self) -> set[tuple[str, str]]:
        """(table, column) pairs whose column a parent in this plan adds or drops as well: ALTER TABLE on
        the parent reaches partitions and inheritance children (and they refuse it themselves)."""
        changed = {(c.parent, c.obj.name) for c in self.of(ch.AddColumn) + self.of(ch.DropColumn)}
        out: set[tuple[str, str]] = set()
        for tables in (self.a_tables, self.b_tables):
            for qn, t in tables.items():
                parents = [t.partition_of] if t.partition_of else list(t.inherits)
                for col in t.columns:
                    if col.attrs.get("inherited") and any((p, col.name) in changed for p in parents):
                        out.add((qn, col.name))
        return out

    def rename_hint(self, c: Change) -> list[Hazard]:
        out = []
        name = c.old.qualified_name if isinstance(c, ch.DropTable) else f"{c.parent}.{c.old.name}"
        for pr in self.cs.probable_renames:
            if pr.old == name:
                out.append(hz.Hazard("probable-rename", f"looks like a rename to {pr.new}: pass {pr.hint()} to "
                                                        "rename instead of dropping", unsafe=True))
        return out

    def create_tables(self, tables: list[Table]) -> None:
        if not tables:
            return
        new_names = {t.qualified_name for t in tables}
        order, _deferred = creation_order(self.b)
        ordered = [t for t in order if t.qualified_name in new_names]
        created: set[str] = set()
        for t in ordered:
            parent = self.b_tables.get(t.partition_of or "")
            inline, later = [], []
            for tc in foreign_keys(t):
                fk = tc.obj
                ref = f"{fk.ref_schema}.{fk.ref_table}"
                if ref == t.qualified_name or ref in created:
                    if parent is not None and tc.definition in {x.definition for x in foreign_keys(parent)}:
                        continue  # inherited from the partitioned parent
                    inline.append(r.fk_clause(tc.name, tc.definition, not_valid=not tc.valid))
                else:
                    later.append(tc)
            if t.attrs.get("foreign"):
                self.emit(TABLES, self.gen.foreign_table_sql(t).rstrip(";"), f"add foreign table {t.qualified_name}")
            else:
                self.emit(TABLES, r.create_table_sql(self.gen, t, inline, parent), f"add table {t.qualified_name}")
            created.add(t.qualified_name)
            for tc in later:
                self.emit(FKS, f"ALTER TABLE {r.qname(t)} ADD {r.fk_clause(tc.name, tc.definition, not_valid=True)}",
                          f"add foreign key {tc.name} on {t.qualified_name}")
                if tc.valid:
                    self.emit(FKS, f"ALTER TABLE {r.qname(t)} VALIDATE CONSTRAINT {quote_ident(tc.name)}")
            tsql = r.qname(t)
            for idx in t.indexes:
                if idx.constraint or idx.attrs.get("parent_index"):
                    continue  # constraint indexes come with it; partition indexes with the parent's
                self.emit(TABLES, r.index_sql(tsql, idx, if_not_exists=bool(t.partition_of)),
                          f"add index {idx.name} on new table {t.qualified_name}")
            if t.rls_enabled:
                self.emit(TABLES, f"ALTER TABLE {tsql} ENABLE ROW LEVEL SECURITY")
            if t.rls_forced:
                self.emit(TABLES, f"ALTER TABLE {tsql} FORCE ROW LEVEL SECURITY")
            for trg in t.triggers:
                self.create_trigger(t.qualified_name, trg)
            for pol in t.policies:
                self.emit(TRIGGERS, g.create_policy_sql(pol, tsql), f"add policy {pol.name} on {t.qualified_name}")
            self.table_extras(t)

    def table_extras(self, t: Table) -> None:
        tsql = r.qname(t)
        if t.comment:
            self.emit(COMMENTS, r.comment_sql("FOREIGN TABLE" if t.attrs.get("foreign") else "TABLE", tsql, t.comment))
        for col in t.columns:
            if col.comment:
                self.emit(COMMENTS, r.comment_sql("COLUMN", f"{tsql}.{quote_ident(col.name)}", col.comment))
        for tc in table_constraints(t) + foreign_keys(t):
            if tc.comment:
                self.emit(COMMENTS, r.comment_sql("CONSTRAINT", f"{quote_ident(tc.name)} ON {tsql}", tc.comment))
        for idx in t.indexes:
            if idx.comment and not idx.constraint:
                self.emit(COMMENTS, r.comment_sql("INDEX", qualify(t.schema, idx.name), idx.comment))
        for pol in t.policies:
            if pol.comment:
                self.emit(COMMENTS, r.comment_sql("POLICY", f"{quote_ident(pol.name)} ON {tsql}", pol.comment))
        for trg in t.triggers:
            if trg.comment:
                self.emit(COMMENTS, r.comment_sql("TRIGGER", f"{quote_ident(trg.name)} ON {tsql}", trg.comment))
        for p in t.privileges:
            if p.grantee != t.owner:
                self.emit(COMMENTS, r.grant_sql("TABLE", tsql, p))

    def add_column(self, c: Change) -> None:
        col: Column = c.new
        if col.attrs.get("inherited") and (c.parent, col.name) in self.columns_via_parent:
            return  # ADD COLUMN on the parent gives it to its partitions and inheritance children
        tsql = self.table_sql(c.parent)
        hzs: list[Hazard] = []
        ignore = []
        if not col.nullable and col.default is None and not col.identity and not col.generated:
            current = self.current_table(c.parent)
            if current is not None:
                self.add_column_keeping_rows(c, current)
                return
            hzs.append(hz.may_fail("NOT NULL without a default: fails if the table has rows"))
            ignore.append(("adding-required-field", ("the desired schema has it NOT NULL without a default; "
                                                     "this fails loudly on a table with rows")))
        if col.generated or col.identity or (col.default and _volatile(col.default)):
            hzs.append(hz.rewrite("a volatile default, identity or stored generated column rewrites the table"))
        else:
            hzs.append(hz.lock("brief ACCESS EXCLUSIVE lock; no rewrite (no default, or a constant one)"))
        s = self.emit(COLUMNS, f"ALTER TABLE {tsql} ADD COLUMN {self.gen.column_sql(self.desired_table(c.parent), col)}",
                      f"add column {c.parent}.{col.name}", hzs, squawk_ignore=ignore)
        _, osql = self.orig(c.parent)
        if ignore and osql:
            s.checks.append(dc.has_rows(osql, c.parent))
        self.column_comment(c.parent, col)

    def add_column_keeping_rows(self, c: Change, current: Table) -> None:
        """A NOT NULL column without a default on an existing table: added nullable, filled for the rows
        there (a given value, or through a foreign key), then NOT NULL through a validated CHECK."""
        from dataclasses import replace

        from aishell.diff.backfill import fill_statements

        col: Column = c.new
        tsql = self.table_sql(c.parent)
        desired = self.desired_table(c.parent)
        filled = {t.qualified_name for t in self.a.tables if t.column(col.name) is not None}
        filled |= self.filled_columns.get(col.name, set())
        fills = fill_statements(current, desired, col, self.b, given=self.fills.get((c.parent, col.name)),
                                parents_with_column=filled)
        hzs = [hz.lock("brief ACCESS EXCLUSIVE lock; no rewrite")]
        hint = None
        if not fills:
            hint = f"--fill {c.parent.removeprefix('public.')}.{col.name}=VALUE"
            hzs.append(hz.may_fail(f"nothing says what the rows already in {c.parent} hold in {col.name}: "
                                   f"setting NOT NULL fails if the table has rows (give a value with {hint})"))
        s = self.emit(COLUMNS, f"ALTER TABLE {tsql} ADD COLUMN {self.gen.column_sql(desired, replace(col, nullable=True))}",
                      f"add column {c.parent}.{col.name} (nullable first: the table may have rows)", hzs)
        _, osql = self.orig(c.parent)
        if not fills and osql:
            # nothing fills the rows already there: count them first, so the plan stops before any change
            # instead of failing at SET NOT NULL after its transaction committed
            s.checks.append(dc.has_rows(osql, c.parent, fill_hint=hint))
        self.column_comment(c.parent, col)
        for f in fills:
            self.emit(COLUMNS, f.sql, f.description,
                      [hz.info("backfill", "updates existing rows (ROW EXCLUSIVE lock; row locks held per batch)")],
                      transactional=not f.batched, long_running=True)
        if fills:
            self.filled_columns.setdefault(col.name, set()).add(c.parent)
        self.set_not_null(c.parent, col.name)

    def column_comment(self, qn: str, col: Column) -> None:
        if col.comment:
            self.emit(COMMENTS, r.comment_sql("COLUMN", f"{self.table_sql(qn)}.{quote_ident(col.name)}", col.comment),
                      f"comment on column {qn}.{col.name}")

    def alter_column(self, c: Change) -> None:
        o: Column = c.old
        n: Column = c.new
        tsql = self.table_sql(c.parent)
        col = quote_ident(n.name)
        pre = f"ALTER TABLE {tsql} ALTER COLUMN {col}"
        label = f"{c.parent}.{n.name}"
        # generated columns
        if norm_ws(o.generated) != norm_ws(n.generated) or (o.generated and o.generated_kind != n.generated_kind):
            if o.generated and not n.generated:
                self.emit(COLUMNS, f"{pre} DROP EXPRESSION", f"{label} is no longer generated")
                o = Column(**{**o.__dict__, "generated": None, "generated_kind": None})
            else:
                hzs = [hz.rewrite("the column is dropped and added again to change its generation expression")]
                if not o.generated:
                    hzs.append(hz.data_loss(f"the stored values of {label} are replaced by the generated ones"))
                self.emit(COLUMNS, f"ALTER TABLE {tsql} DROP COLUMN {col}", f"recreate generated column {label}", hzs,
                          squawk_ignore=[("ban-drop-column", "a generated column is recreated with its new expression")])
                self.emit(COLUMNS, f"ALTER TABLE {tsql} ADD COLUMN {self.gen.column_sql(self.desired_table(c.parent), n)}")
                t = self.b_tables.get(c.parent)
                if t:  # indexes and constraints on the column went with it
                    for idx in t.indexes:
                        if not idx.constraint and _mentions(r.index_sql(tsql, idx), n.name):
                            self.emit(INDEXES, r.index_sql(tsql, idx, concurrently=True), f"recreate index {idx.name}",
                                      [hz.index_build()], transactional=False, long_running=True)
                return
        type_changed = norm_type(o.type) != norm_type(n.type) or (
            (o.collation or "default") != (n.collation or "default"))
        had_default = o.default is not None and not o.identity
        # serial -> identity and back: defaults go before identity is added
        if had_default and (type_changed or (n.identity and not o.identity)) or (
                had_default and n.default is None and not n.generated):
            hzs = []
            if n.default is None and not n.nullable and not n.identity:
                hzs.append(hz.may_fail(f"drops the default of NOT NULL column {label}: inserts that relied on it fail",
                                       unsafe=True))
            self.emit(COLUMNS, f"{pre} DROP DEFAULT", f"{label}: drop default", hzs)
            o_default_dropped = True
            # serial -> identity: the serial's sequence must go before the identity takes its name.
            m = re.match(r"nextval\('([^']+)'::regclass\)", o.default or "")
            if m and n.identity:
                for sc in self.of(ch.DropSequence):
                    if f"{sc.old.schema}.{sc.old.name}" in (m.group(1), f"public.{m.group(1)}") and id(sc) not in self.deferred_seq:
                        self.deferred_seq.add(id(sc))
                        self.emit(COLUMNS, f"DROP SEQUENCE {r.qname(sc.old)}", f"drop sequence {sc.name}")
        else:
            o_default_dropped = False
        if o.identity and not n.identity:
            hzs = []
            if not n.nullable and n.default is None:
                hzs.append(hz.may_fail(f"drops the identity of NOT NULL column {label}: inserts that relied on it fail",
                                       unsafe=True))
            self.emit(COLUMNS, f"{pre} DROP IDENTITY", f"{label}: drop identity", hzs)
            # A sequence taking the identity sequence's name (identity -> serial) can exist only now.
            seq_name = o.identity_options.get("sequence_name")
            for sc in list(self.pending_seq):
                if seq_name and f"{sc.new.schema}.{sc.new.name}" in (seq_name, f"public.{seq_name}"):
                    self.pending_seq.remove(sc)
                    self.emit(COLUMNS, self.gen.sequence_sql(sc.new), f"add sequence {sc.name}")
        if type_changed:
            safe, rewrites = hz.classify_type_change(o.type, n.type)
            hzs = []
            if rewrites:
                hzs.append(hz.rewrite())
            else:
                hzs.append(hz.lock("catalog-only type change, but takes an ACCESS EXCLUSIVE lock briefly"))
            if not safe:
                hzs.append(hz.may_fail(f"{o.type} → {n.type} narrows or converts the type: values may not fit",
                                       unsafe=True))
            coll = ""
            if n.collation and n.collation != "default":
                coll = f" COLLATE {n.collation if n.collation.startswith(chr(34)) or '.' in n.collation else quote_ident(n.collation)}"
            # No USING where PostgreSQL converts by itself (an assignment cast): a value that does not fit
            # then raises an error, where an explicit cast (USING col::varchar(10)) would cut it. That
            # also keeps a catalog-only change free of a rewrite.
            using = "" if dc.assignment_cast(o.type, n.type) else f" USING {col}::{n.type}"
            if self._is_enum(self.a, o.type) and self._is_enum(self.b, n.type):
                # No cast joins two enum types: go through text (an array through text[]).
                via = "text[]" if norm_type(n.type).endswith("[]") else "text"
                using = f" USING {col}::{via}::{n.type}"
            if not safe:
                guard = dc.lossy_guard_sql(tsql, col, label, o.type, n.type, None)
                if guard:
                    self.emit(COLUMNS, guard, f"{label}: stop if a value would be rounded by the change to {n.type}",
                              [hz.lock("locks the table (the ALTER below would) and reads it once")])
            s = self.emit(COLUMNS, f"{pre} TYPE {n.type}{coll}{using}", f"{label}: {o.type} → {n.type}", hzs,
                          squawk_ignore=[("changing-column-type", "the desired schema changes this column's type; hazards listed above")])
            _, osql = self.orig(c.parent)
            ocol = self.orig_column(c.parent, n.name)
            check = dc.not_fit(osql, ocol, label, o.type, n.type, None) if osql and ocol and not safe else None
            if check:
                s.checks.append(check)
        if n.identity and not o.identity:
            needs = None
            if o.nullable:
                # An identity column must be NOT NULL first.
                needs = self.set_not_null(c.parent, n.name)
                o = Column(**{**o.__dict__, "nullable": False})
            s = self.emit(COLUMNS, f"{pre} ADD {self.gen.identity_sql(self.desired_table(c.parent), n)}",
                          f"{label}: becomes an identity column")
            if needs:
                s.after.append(needs)  # after the SET NOT NULL, which waits for the CHECK's validation
        elif n.identity and o.identity:
            if n.identity != o.identity:
                self.emit(COLUMNS, f"{pre} SET GENERATED {n.identity.upper()}", f"{label}: generated {n.identity}")
            if identity_options_differ(o, n):
                opts = r.identity_alter_sql(n)
                if opts:
                    self.emit(COLUMNS, f"{pre} {opts}", f"{label}: identity options")
        # default
        if not n.identity and not n.generated:
            if n.default is not None and (o_default_dropped or norm_default(o.default) != norm_default(n.default)
                                          or o.identity):
                self.emit(COLUMNS, f"{pre} SET DEFAULT {n.default}", f"{label}: default {n.default}")
        # nullability
        if o.nullable and not n.nullable:
            self.set_not_null(c.parent, n.name)
        elif not o.nullable and n.nullable:
            self.emit(COLUMNS, f"{pre} DROP NOT NULL", f"{label}: allow NULL",
                      [hz.info("constraint-relaxed", "NULLs become possible; readers relying on NOT NULL must cope")])

    @staticmethod
    def _is_enum(schema: Schema, type_text: str) -> bool:
        base = norm_type(type_text).removesuffix("[]")
        return any(base in (norm_type(f"{e.schema}.{e.name}"), norm_type(e.name)) for e in schema.enums)

    def set_not_null(self, qn: str, column: str) -> str:
        """NOT NULL through a validated CHECK; returns the CHECK's name (what comes after depends on it)."""
        tsql = self.table_sql(qn)
        t_name = r.split_qualified(qn)[1]
        # Not <table>_<column>_not_null: PostgreSQL 18 gives that name to the NOT NULL constraint itself.
        cname = quote_ident(f"{t_name}_{column}_nn_check"[:63])
        col = quote_ident(column)
        self.emit(COLUMNS, f"ALTER TABLE {tsql} ADD CONSTRAINT {cname} CHECK ({col} IS NOT NULL) NOT VALID",
                  f"{qn}.{column}: NOT NULL, through a validated CHECK (no long ACCESS EXCLUSIVE scan)")
        v = self.emit(COLUMNS, f"ALTER TABLE {tsql} VALIDATE CONSTRAINT {cname}", hazards=[
            hz.may_fail("fails if the column holds NULLs"), hz.scan("scans the table under SHARE UPDATE EXCLUSIVE")],
            transactional=False, long_running=True)
        _, osql = self.orig(qn)
        ocol = self.orig_column(qn, column)
        if osql and ocol:
            v.checks.append(dc.nulls(osql, [ocol], f"{qn}.{column}"))
        s = self.emit(COLUMNS, f"ALTER TABLE {tsql} ALTER COLUMN {col} SET NOT NULL",
                      squawk_ignore=[("adding-not-nullable-field", "a validated CHECK (col IS NOT NULL) proves it: no scan")])
        s.after.append(f"{t_name}_{column}_nn_check"[:63])
        self.emit(COLUMNS, f"ALTER TABLE {tsql} DROP CONSTRAINT {cname}")
        return f"{t_name}_{column}_nn_check"[:63]

    def alter_table(self, c: Change) -> None:
        o: Table = c.old
        n: Table = c.new
        tsql = r.qname(n)
        # Turned on after the columns are filled: a backfill run by the table's owner under FORCE would
        # see no rows. Turned off first, before anything else touches the rows.
        if o.rls_enabled != n.rls_enabled:
            self.emit(TRIGGERS if n.rls_enabled else COLUMNS,
                      f"ALTER TABLE {tsql} {'ENABLE' if n.rls_enabled else 'DISABLE'} ROW LEVEL SECURITY",
                      f"row level security {'on' if n.rls_enabled else 'off'} for {c.parent}")
        if o.rls_forced != n.rls_forced:
            self.emit(TRIGGERS if n.rls_forced else COLUMNS,
                      f"ALTER TABLE {tsql} {'FORCE' if n.rls_forced else 'NO FORCE'} ROW LEVEL SECURITY")
        if o.unlogged != n.unlogged:
            self.emit(COLUMNS, f"ALTER TABLE {tsql} SET {'UNLOGGED' if n.unlogged else 'LOGGED'}",
                      f"{c.parent} {'unlogged' if n.unlogged else 'logged'}", [hz.rewrite()])
        if sorted(o.options) != sorted(n.options):
            gone = [x.split("=")[0] for x in o.options if x.split("=")[0] not in {y.split("=")[0] for y in n.options}]
            if gone:
                self.emit(COLUMNS, f"ALTER TABLE {tsql} RESET ({', '.join(gone)})")
            if n.options:
                self.emit(COLUMNS, f"ALTER TABLE {tsql} SET ({', '.join(n.options)})", f"storage options of {c.parent}")
        if n.partition_of and (o.partition_of != n.partition_of or norm_ws(o.partition_bound) != norm_ws(n.partition_bound)):
            self.emit(ATTACH, f"ALTER TABLE {r.sql_of_qualified(n.partition_of)} ATTACH PARTITION {tsql} "
                              f"{n.partition_bound or 'DEFAULT'}", f"attach partition {c.parent} to {n.partition_of}",
                      [hz.scan("scans the partition to check its bound (SHARE UPDATE EXCLUSIVE on the parent)")])
        for p in n.inherits:
            if p not in o.inherits:
                self.emit(ATTACH, f"ALTER TABLE {tsql} INHERIT {r.sql_of_qualified(p)}", f"{c.parent} inherits {p}")
        if (o.partition_by or None) != (n.partition_by or None):
            s = self.emit(DROP_TABLES, f"DROP TABLE {tsql}", f"rebuild {c.parent}: partitioning changes",
                          [hz.data_loss("the partitioning of a table cannot change in place: the table is dropped "
                                        "and created again empty")])
            s.checks.append(dc.rows_lost(r.qname(o), c.parent))
            self.create_tables_again(n)

    def create_tables_again(self, t: Table) -> None:
        before = len(self.out)
        self.create_tables([t])
        for s in self.out[before:]:
            if s.phase == TABLES:
                s.phase = DROP_TABLES

    # -- indexes and constraints on existing tables ---------------------------------------------------------------
    def indexes_and_constraints(self) -> None:
        for c in self.of(ch.AddIndex) + self.of(ch.AlterIndex):
            if self._parent_view_dropped(c.parent) and c.parent in self.views_to_create:
                continue
            if c.new.attrs.get("parent_index") and isinstance(c, ch.AddIndex):
                continue  # created by CREATE INDEX on the partitioned parent
            self.create_index(c.parent, c.new)  # an INVALID one was dropped first (drop_dependents)
            if c.new.comment:  # a new or rebuilt index has none until this
                schema = r.split_qualified(c.parent)[0]
                self.emit(COMMENTS, r.comment_sql("INDEX", qualify(schema, c.new.name), c.new.comment),
                          f"comment on index {c.new.name}")
        for c in self.of(ch.AddConstraint):
            self.add_constraint(c.parent, c.new)
        for c in self.of(ch.AlterConstraint):
            if _redefined(c):
                self.add_constraint(c.parent, c.new)
        validate = [c for c in self.of(ch.AlterConstraint) + self.of(ch.AlterForeignKey)
                    if not _redefined(c)]
        for c in validate:
            v = self.emit(FKS, f"ALTER TABLE {self.table_sql(c.parent)} VALIDATE CONSTRAINT {quote_ident(c.new.name)}",
                          f"validate {c.new.kind} {c.new.name}", [hz.scan("checks every row (SHARE UPDATE EXCLUSIVE)")],
                          transactional=False, long_running=True)
            self.check_constraint(v, c.parent, c.new)
        fks = [(c.parent, c.new) for c in self.of(ch.AddForeignKey)] + self.fks_recreated + [
            (c.parent, c.new) for c in self.of(ch.AlterForeignKey) if _redefined(c)]
        for qn, tc in fks:
            tsql = self.table_sql(qn)
            self.emit(FKS, f"ALTER TABLE {tsql} ADD {r.fk_clause(tc.name, tc.definition, not_valid=True)}",
                      f"add foreign key {tc.name} on {qn} (NOT VALID: no long lock)",
                      [hz.lock("brief SHARE ROW EXCLUSIVE lock on both tables")])
            if tc.valid:
                v = self.emit(FKS, f"ALTER TABLE {tsql} VALIDATE CONSTRAINT {quote_ident(tc.name)}",
                              f"validate foreign key {tc.name}", [hz.may_fail("fails if existing rows do not match"),
                                                                  hz.scan("checks every row (SHARE UPDATE EXCLUSIVE)")],
                              transactional=False, long_running=True)
                self.check_constraint(v, qn, tc)

    def create_index(self, qn: str, idx, *, phase: int = INDEXES) -> None:
        tsql = self.table_sql(qn)
        if qn in self.partitioned:
            s = self.emit(phase, r.index_sql(tsql, idx), f"add index {idx.name} on {qn}",
                          [hz.lock("partitioned table: CONCURRENTLY is not possible; writes wait for the build")],
                          squawk_ignore=[("require-concurrent-index-creation",
                                          "PostgreSQL cannot build an index on a partitioned table concurrently")])
        else:
            s = self.emit(phase, r.index_sql(tsql, idx, concurrently=True), f"add index {idx.name} on {qn}",
                          [hz.index_build()], transactional=False, long_running=True)
        if idx.unique and not any(idx.expressions):
            self.check_unique(s, qn, list(idx.columns), f"index {idx.name}", where=idx.where,
                              nulls_distinct=not idx.nulls_not_distinct)
        elif idx.unique:
            self.check_unique_expressions(s, qn, idx)

    def check_unique_expressions(self, s: Statement, qn: str, idx) -> None:
        """Duplicates under a new unique expression index (``lower(email)``), counted before any change.

        The build runs CONCURRENTLY after the plan's transaction has committed, so without this count a
        duplicate would fail it with the rest already applied. Counted only when every column the keys
        and the predicate name exists under the same name today (the query runs on the current table).
        """
        t, osql = self.orig(qn)
        if t is None or self.renamed_columns_in(qn):
            return
        keys: list[str] = []
        for text, is_expr in zip(idx.columns, list(idx.expressions) + [False] * len(idx.columns)):
            if not is_expr:
                if t.column(text) is None:
                    return
                keys.append(quote_ident(text))
                continue
            if not _names_only_columns_of(t, text):
                return
            keys.append(f"({text})")
        if idx.where and not _names_only_columns_of(t, idx.where):
            return
        s.checks.append(dc.duplicates(osql, keys, f"{qn} ({', '.join(idx.columns)}) (index {idx.name})",
                                      where=idx.where, nulls_distinct=not idx.nulls_not_distinct))

    def check_unique(self, s: Statement, qn: str, columns: list[str], what: str, *, where: str | None = None,
                     nulls_distinct: bool = True) -> None:
        _, osql = self.orig(qn)
        cols = self.orig_columns(qn, columns)
        if not osql or cols is None or (where and self.renamed_columns_in(qn)):
            return
        s.checks.append(dc.duplicates(osql, cols, f"{qn} ({', '.join(columns)}) ({what})", where=where,
                                      nulls_distinct=nulls_distinct))

    def check_constraint(self, s: Statement, qn: str, tc: TableConstraint) -> None:
        """Rows that a CHECK or FOREIGN KEY being added or validated on ``qn`` would reject."""
        _, osql = self.orig(qn)
        if not osql:
            return
        if tc.kind == "check":
            expr = getattr(tc.obj, "expression", None) or re.sub(r"(?is)^CHECK\s*|\s+NO INHERIT\s*$", "", tc.definition)
            if self.renamed_columns_in(qn):
                return
            s.checks.append(dc.violations(osql, expr, f"check {tc.name} on {qn}"))
        elif tc.kind == "foreign key" and tc.obj is not None:
            fk = tc.obj
            cols = self.orig_columns(qn, list(fk.columns))
            parent_qn = f"{fk.ref_schema}.{fk.ref_table}"
            _, psql = self.orig(parent_qn)
            refs = self.orig_columns(parent_qn, list(fk.ref_columns)) if psql else [quote_ident(x) for x in fk.ref_columns]
            if cols is None or refs is None:
                return
            s.checks.append(dc.orphans(osql, cols, psql or None, refs, f"foreign key {tc.name} on {qn}"))

    def add_constraint(self, qn: str, tc: TableConstraint) -> None:
        tsql = self.table_sql(qn)
        name = quote_ident(tc.name)
        if tc.kind == "check":
            self.emit(CONSTRAINTS, f"ALTER TABLE {tsql} ADD CONSTRAINT {name} {tc.definition} NOT VALID",
                      f"add check {tc.name} on {qn} (NOT VALID, then VALIDATE)")
            if tc.valid:
                v = self.emit(CONSTRAINTS, f"ALTER TABLE {tsql} VALIDATE CONSTRAINT {name}", f"validate check {tc.name}",
                              [hz.may_fail("fails if existing rows violate it"), hz.scan("checks every row")],
                              transactional=False, long_running=True)
                self.check_constraint(v, qn, tc)
            return
        if tc.kind in ("primary key", "unique") and qn not in self.partitioned:
            d = tc.definition
            m = re.match(r"^(PRIMARY KEY|UNIQUE)\s*(NULLS NOT DISTINCT\s*)?(\(.*?\))(.*)$", d, re.IGNORECASE | re.DOTALL)
            if m:
                rest = m.group(4)
                defer = ""
                dm = re.search(r"\s+(DEFERRABLE.*)$", rest, re.IGNORECASE)
                if dm:
                    defer = " " + dm.group(1)
                    rest = rest[: dm.start()]
                rest = re.sub(r"USING INDEX TABLESPACE \S+", "", rest, flags=re.IGNORECASE)
                nnd = " NULLS NOT DISTINCT" if m.group(2) else ""
                schema = r.split_qualified(qn)[0]
                b = self.emit(CONSTRAINTS, f"CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {tsql} {m.group(3)}{rest.rstrip()}{nnd}",
                              f"add {tc.kind} {tc.name} on {qn}: build its index concurrently first",
                              [hz.index_build(), hz.may_fail("fails if existing rows are not unique")],
                              transactional=False, long_running=True)
                keys = (self.desired_table(qn).primary_key if tc.kind == "primary key"
                        else list(getattr(tc.obj, "columns", None) or []))
                if keys:
                    self.check_unique(b, qn, keys, f"{tc.kind} {tc.name}", nulls_distinct=not nnd)
                    if tc.kind == "primary key":
                        _, osql = self.orig(qn)
                        cols = self.orig_columns(qn, keys)
                        if osql and cols:
                            b.checks.append(dc.nulls(osql, cols, f"{qn} ({', '.join(keys)}) (primary key {tc.name})"))
                hzs = [hz.lock("brief ACCESS EXCLUSIVE lock to attach the index")]
                if tc.kind == "primary key":
                    hzs.append(hz.scan("SET NOT NULL on the key columns scans the table unless they are NOT NULL already"))
                self.emit(CONSTRAINTS, f"ALTER TABLE {tsql} ADD CONSTRAINT {name} {m.group(1).upper()} USING INDEX {name}{defer}",
                          f"attach index {tc.name} as the {tc.kind}", hzs)
                _ = schema
                return
        self.emit(CONSTRAINTS, f"ALTER TABLE {tsql} ADD CONSTRAINT {name} {tc.definition}", f"add {tc.kind} {tc.name} on {qn}",
                  [hz.lock(f"builds the {tc.kind} under a lock that blocks writes")],
                  squawk_ignore=[("disallowed-unique-constraint", ("no concurrent form exists here (partitioned table "
                                                                   "or exclusion constraint)"))]
                  if tc.kind in ("unique", "primary key") else [])

    # -- drops of whole objects ----------------------------------------------------------------------------------
    def drops(self) -> None:
        dropped = [c.old for c in self.of(ch.DropTable)]
        if dropped:
            sub = Schema(tables=dropped)
            order, _ = creation_order(sub)
            for t in reversed(order):
                s = self.emit(DROP_TABLES, f"DROP {'FOREIGN TABLE' if t.attrs.get('foreign') else 'TABLE'} {r.qname(t)}",
                              f"drop table {t.qualified_name}",
                              [hz.data_loss(f"deletes table {t.qualified_name} and all its rows")] + self.rename_hint(
                                  ch.DropTable(old=t)),
                              squawk_ignore=[("ban-drop-table", "the table is gone from the desired schema; allowed with --unsafe")])
                # A partitioned table's rows are its partitions' (counted there); a foreign table's stay remote.
                if not t.partition_by and not t.attrs.get("foreign"):
                    s.checks.append(dc.rows_lost(r.qname(t), t.qualified_name))
        dropped_names = {t.qualified_name for t in dropped}
        dropped_cols = {f"{c.parent}.{c.old.name}" for c in self.of(ch.DropColumn)}
        for c in self.of(ch.DropSequence):
            if id(c) in self.deferred_seq:
                continue
            owner = c.old.owned_by
            if owner and (owner.rsplit(".", 1)[0] in dropped_names or owner in dropped_cols):
                continue  # goes with its table or column
            self.emit(DROP_OBJECTS, f"DROP SEQUENCE {r.qname(c.old)}", f"drop sequence {c.name}",
                      [hz.info("sequence", "its current value is lost")])
        for c in sorted(self.of(ch.DropFunction), key=lambda c: c.old.kind != "aggregate"):
            if c.old.signature in self.cascaded_functions:
                continue  # went with the base type it reads and writes
            kind = g.function_keyword(c.old)
            # One using a table's row type goes before the table does.
            phase = DROP_VIEWS if c.old.signature in self.late_a else DROP_OBJECTS
            self.emit(phase, f"DROP {kind} {function_sql_name(c.old)}", f"drop {kind.lower()} {c.old.signature}")
        for c in self.of(ch.DropDomain):
            self.emit(DROP_OBJECTS, f"DROP DOMAIN {r.qname(c.old)}", f"drop domain {c.name}")
        for c in self.of(ch.DropCompositeType):
            self.emit(DROP_OBJECTS, f"DROP TYPE {r.qname(c.old)}", f"drop type {c.name}")
        for c in self.of(ch.DropEnum):
            self.emit(DROP_OBJECTS, f"DROP TYPE {r.qname(c.old)}", f"drop enum {c.name}")
        for c in self.of(ch.DropExtension):
            self.emit(DROP_OBJECTS, f"DROP EXTENSION {quote_ident(c.old.name)}", f"drop extension {c.old.name}",
                      [hz.data_loss("drops the extension and everything of it (types, functions)")])
        for late_drop in self.late_type_drops:
            late_drop()
        # Schemas last: an extension or a type may live in one.
        for c in self.of(ch.DropSchema):
            self.emit(DROP_OBJECTS, f"DROP SCHEMA {quote_ident(c.old.name)}", f"drop schema {c.old.name}")

    # -- views ----------------------------------------------------------------------------------------------
    def views(self) -> None:
        deps = _views_depending(self.b)
        todo = [v for v in self.b.views if v.qualified_name in self.views_to_create]
        for v in _view_order(todo, deps):
            kind = "materialized view" if v.materialized else "view"
            self.emit(VIEWS, r.view_create_sql(v), f"{'add' if v.qualified_name not in self.views_to_drop else 'recreate'} "
                                                   f"{kind} {v.qualified_name}")
            vsql = r.qname(v)
            for idx in v.indexes:
                self.emit(VIEWS, r.index_sql(vsql, idx), f"add index {idx.name} on {kind} {v.qualified_name}",
                          squawk_ignore=[("require-concurrent-index-creation",
                                          "the materialized view is created by this migration")])
            skind = "MATERIALIZED VIEW" if v.materialized else "VIEW"
            if v.comment:
                self.emit(COMMENTS, r.comment_sql(skind, vsql, v.comment))
            for col, text in v.column_comments.items():
                self.emit(COMMENTS, r.comment_sql("COLUMN", f"{vsql}.{quote_ident(col)}", text))
            for p in v.privileges:
                if p.grantee != v.owner:
                    self.emit(COMMENTS, r.grant_sql("TABLE", vsql, p))
            for trg in v.triggers:
                self.create_trigger(v.qualified_name, trg)

    def create_trigger(self, qn: str, trg) -> None:
        on = r.sql_of_qualified(qn)
        self.emit(TRIGGERS, g.create_trigger_sql(trg, on), f"add trigger {trg.name} on {qn}")
        en = g.trigger_state_sql(trg, on)
        if en:
            self.emit(TRIGGERS, en)
        if trg.comment:
            self.emit(COMMENTS, r.comment_sql("TRIGGER", f"{quote_ident(trg.name)} ON {on}", trg.comment))

    def triggers_policies(self) -> None:
        for c in self.of(ch.AddTrigger) + self.of(ch.AlterTrigger):
            if self._parent_view_dropped(c.parent):
                continue
            if isinstance(c, ch.AlterTrigger) and _trigger_only_enabled(c):
                en = g.trigger_state_sql(c.new, self.on_sql(c.parent)) or \
                    f"ALTER TABLE {self.on_sql(c.parent)} ENABLE TRIGGER {quote_ident(c.new.name)}"
                self.emit(TRIGGERS, en, f"trigger {c.new.name} enabled state")
                continue
            self.create_trigger(c.parent, c.new)
        for qn, trg in self.triggers_recreated:
            t = self.b_tables.get(qn)
            new = next((x for x in t.triggers if x.name == trg.name), None) if t else None
            if new is not None:
                self.create_trigger(qn, new)
        for c in self.of(ch.AddPolicy) + self.of(ch.AlterPolicy):
            self.emit(TRIGGERS, g.create_policy_sql(c.new, self.on_sql(c.parent)), f"add policy {c.new.name} on {c.parent}")
            if c.new.comment:
                self.emit(COMMENTS, r.comment_sql("POLICY", f"{quote_ident(c.new.name)} ON {self.on_sql(c.parent)}",
                                                  c.new.comment), f"comment on policy {c.new.name}")
        for qn, pol in self.policies_recreated:
            t = self.b_tables.get(qn)
            new = next((x for x in t.policies if x.name == pol.name), None) if t else None
            if new is not None:
                self.emit(TRIGGERS, g.create_policy_sql(new, self.table_sql(qn)), f"recreate policy {pol.name} on {qn}")

    def comments_grants(self) -> None:
        for c in self.of(ch.ReplaceComment):
            kind, name = c.target
            if c.parent and c.parent in self.views_to_drop:
                continue
            self.emit(COMMENTS, r.comment_sql(kind, name, c.new), f"comment on {c.label}")
        for c in self.of(ch.Grant):
            g = c.new
            self.emit(COMMENTS, r.grant_sql(g.object_kind, g.sql_name, g.privilege), f"grant on {g.label}")
        for c in self.of(ch.Revoke):
            g = c.old
            if g.label.startswith("view ") and g.label[5:] in self.views_to_drop:
                continue
            self.emit(COMMENTS, r.grant_sql(g.object_kind, g.sql_name, g.privilege, revoke=True), f"revoke on {g.label}")


# -- helpers ---------------------------------------------------------------------------------------------------
def _enum_additions(old: list[str], new: list[str]) -> list[tuple[str, str, str | None]] | None:
    """ADD VALUE steps turning ``old`` into ``new``, or None when that needs a rebuild."""
    if [v for v in new if v in old] != old:
        return None
    steps = []
    for i, v in enumerate(new):
        if v in old:
            continue
        if i > 0:
            steps.append((v, "AFTER", new[i - 1]))
        elif len(new) > 1:
            steps.append((v, "BEFORE", new[1]))
        else:
            steps.append((v, "", None))
    return steps or None


def _columns_of_type(schema: Schema, enum) -> list[tuple[Table, Column]]:
    names = {norm_type(f"{enum.schema}.{enum.name}"), norm_type(enum.name)}
    out = []
    for t in schema.tables:
        for c in t.columns:
            base = norm_type(c.type)
            if base.endswith("[]"):
                base = base.rstrip("[]")
            if base in names:
                out.append((t, c))
    return out


def _function_needs_drop(o, n) -> bool:
    if o.kind != n.kind or o.kind == "aggregate":
        return True
    if norm_ws(o.returns) != norm_ws(n.returns):
        return True
    if norm_ws(o.arguments) != norm_ws(n.arguments):
        return True
    return not (n.definition or "").lstrip().upper().startswith("CREATE OR REPLACE")


def _mentions(text: str, column: str) -> bool:
    return bool(re.search(r'(?<![\w$])"?' + re.escape(column) + r'"?(?![\w$])', text or ""))


def _volatile(default: str) -> bool:
    d = default.lower()
    return any(f in d for f in ("random(", "gen_random_uuid(", "uuid_generate", "clock_timestamp(", "nextval("))


def _owned_by_sql(owned_by: str) -> str:
    parts = owned_by.split(".")
    if len(parts) == 3:
        return f"{qualify(parts[0], parts[1])}.{quote_ident(parts[2])}"
    if len(parts) == 2:
        return f"{quote_ident(parts[0])}.{quote_ident(parts[1])}"
    return owned_by


def _index_only_invalid(c: Change) -> bool:
    from aishell.diff.normalize import index_signature

    return (not c.old.valid and c.new.valid and index_signature("", c.old) == index_signature("", c.new))


def _trigger_only_enabled(c: Change) -> bool:
    from aishell.diff.differ import trigger_key

    return trigger_key(c.old) == trigger_key(c.new) and c.old.enabled != c.new.enabled


__all__ = ["Plan", "Statement", "build_plan", "column_key"]


def _waits_for_base_type(added: list[Change]):
    """A test for routines that take or return a base type this plan adds and are not its own I/O
    routines: PostgreSQL accepts a shell type only in the latter."""
    from aishell.dialects.postgres.generate import _support_functions

    names: set[str] = set()
    support: set[str] = set()
    for c in added:
        names |= {f"{c.new.schema}.{c.new.name}", c.new.name if c.new.schema == "public" else ""}
        support |= _support_functions(c.new)
    names.discard("")

    def waits(f) -> bool:
        if not names or f"{f.schema}.{f.name}" in support:
            return False
        words = set(re.findall(r'[\w."$]+', f"{f.returns or ''} {f.arguments or ''}".replace('"', "")))
        words |= {w.removesuffix("[]") for w in words}
        return bool(words & names)

    return waits


_DROP_WHY = "the desired schema no longer has it, or has it defined differently (created again below)"


def _same_but_members(old, new) -> bool:
    """Two publications that differ only in their tables and schemas (ALTER PUBLICATION does it)."""
    import dataclasses

    return dataclasses.replace(old, tables=[], schemas=[], comment=None, owner=None) == dataclasses.replace(
        new, tables=[], schemas=[], comment=None, owner=None)


def _redefined(c: Change) -> bool:
    """A constraint change that needs DROP + ADD (not only VALIDATE)."""
    from aishell.diff.normalize import constraint_key

    # Un-validating (a NOT VALID constraint wanted where a validated one is) also means DROP + ADD.
    return (constraint_key(c.old) != constraint_key(c.new) or c.old.kind != c.new.kind
            or (c.old.valid and not c.new.valid))


def _parents_first(changes: list[Change], desired: Schema) -> list[Change]:
    """Added columns ordered so that a table referenced by foreign keys comes before the tables that
    reference it: a child's column is filled from its parent's, which must be filled first."""
    order, _ = creation_order(desired)
    rank = {t.qualified_name: i for i, t in enumerate(order)}
    return sorted(changes, key=lambda c: rank.get(c.parent, len(rank)))


def _late_functions(schema: Schema) -> set[str]:
    """Signatures of routines whose arguments or result use a table's or view's row type (and the
    aggregates built on them): they are created after tables and dropped before them."""
    relations = {f"{t.schema}.{t.name}" for t in schema.tables} | {f"{v.schema}.{v.name}" for v in schema.views}
    relations |= {n.split(".", 1)[1] for n in relations if n.startswith("public.")}
    late: set[str] = set()
    for f in schema.functions:
        words = set(re.findall(r'[\w."$]+', f"{f.returns or ''} {f.arguments or ''}".replace('"', "")))
        words |= {w.removesuffix("[]") for w in words}
        if words & relations:
            late.add(f.signature)
    for f in schema.functions:
        if f.kind == "aggregate" and set(f.depends_on) & late:
            late.add(f.signature)
    return late


def _names_only_columns_of(table: Table, expression: str) -> bool:
    """True when ``expression`` parses and every column it names is a column of ``table`` today."""
    from pglast import parse_sql
    from pglast.parser import ParseError
    from pglast.visitors import Visitor

    try:
        parsed = parse_sql(f"SELECT {expression}")
    except ParseError:
        return False
    names: list[list[str]] = []

    class Columns(Visitor):
        def visit_ColumnRef(self, ancestors, node):
            names.append([getattr(f, "sval", "*") for f in node.fields])

    Columns()(parsed)
    return all(len(n) == 1 and table.column(n[0]) is not None for n in names)
