"""Findings → an ordered plan of steps.

One step per finding that has fix SQL at a chosen priority. Steps are ordered so that what others
rely on comes first: keys (primary keys, unique) before CHECK/NOT NULL constraints, constraints before
new indexes, new indexes before dropping old ones, rewrites and drops later, maintenance (VACUUM,
ANALYZE, REINDEX) last. A statement already planned by an earlier step is not repeated; a step left
with nothing of its own is merged into the earlier one. A new index on foreign-key columns that a
primary key or unique index planned earlier would already lead with runs only if that step does not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aishell.analyze.findings import SEVERITY_RANK, Finding
from aishell.fix.classify import Statement, classify

# Step status values
PLANNED = "planned"
REFUSED = "refused"  # destructive, rule not in --allow
MANUAL = "manual"  # fix SQL has a placeholder or cannot be parsed: a person must write it
MERGED = "merged"  # every statement already planned by an earlier step

ORDER = [  # (rank, kinds that put a step in this class)
    (10, {"add-primary-key", "add-unique"}),
    (20, {"add-check", "set-not-null", "validate", "add-foreign-key", "add-constraint"}),
    (30, {"create-index", "create-extension", "create-matview"}),
    (40, {"drop-index", "drop-constraint"}),
    (50, {"alter-sequence", "alter-table", "comment", "select", "reindex"}),
    (60, {"alter-type", "set-logged", "add-column", "cluster", "vacuum-full"}),
    (70, {"drop-column", "drop", "delete", "update", "truncate", "insert"}),
    (80, {"vacuum", "analyze"}),
]


@dataclass
class Step:
    rule: str
    severity: str
    table: str | None
    message: str
    statements: list[Statement]
    safe: bool = True
    notes: list[str] = field(default_factory=list)
    object: str | None = None
    columns: list[str] = field(default_factory=list)
    atomic: bool = False  # the fix wrapped its statements in BEGIN ... COMMIT
    status: str = PLANNED
    reason: str | None = None
    number: int = 0
    covered_by: int | None = None  # run only if step N did not apply (it adds a key leading with these columns)
    merged_into: int | None = None
    finding: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        own = [s.label for s in self.statements if s.label and s.kind not in ("validate", "drop-constraint")]
        first = own[0] if own else (self.statements[0].label if self.statements else self.message)
        if self.rule == "missing-primary-key":
            first = (f"Adding primary key ({', '.join(self.columns)}) to {self.table}" if self.columns
                     else f"Adding a surrogate primary key (id) to {self.table}")
        elif self.rule == "data-quality" and any(s.kind == "set-not-null" for s in self.statements):
            first = f"Setting {self.table}.{', '.join(self.columns)} NOT NULL"
        return first

    @property
    def hazards(self) -> list[str]:
        return list(dict.fromkeys(h for s in self.statements for h in s.hazards))

    @property
    def destructive(self) -> bool:
        return not self.safe or any(s.destructive or "unknown" in s.hazards for s in self.statements)

    @property
    def tables(self) -> list[str]:
        out = [self.table] if self.table else []
        out += [s.qualified for s in self.statements if s.qualified]
        return list(dict.fromkeys(out))

    @property
    def touches_data(self) -> bool:
        return any(s.destructive for s in self.statements)

    def to_dict(self) -> dict[str, Any]:
        return {
            "step": self.number,
            "rule": self.rule,
            "severity": self.severity,
            "table": self.table,
            "object": self.object,
            "label": self.label,
            "message": self.message,
            "status": self.status,
            "reason": self.reason,
            "statements": [s.to_dict() for s in self.statements],
            "hazards": self.hazards,
            "destructive": self.destructive,
            "covered_by": self.covered_by,
            "merged_into": self.merged_into,
            "notes": self.notes,
        }


@dataclass
class Plan:
    steps: list[Step]
    priorities: list[str]
    allow: list[str]
    advice_only: int = 0  # findings at the chosen priorities with notes but no SQL

    def active(self) -> list[Step]:
        return [s for s in self.steps if s.status == PLANNED]

    def by_status(self, status: str) -> list[Step]:
        return [s for s in self.steps if s.status == status]


def _rank(step: Step) -> int:
    kinds = {s.kind for s in step.statements}
    for rank, group in ORDER:
        if kinds & group:
            best = rank
            break
    else:
        best = 55
    # A destructive step goes after every safe step of a lower class, whatever else it holds.
    if any(s.destructive for s in step.statements):
        best = max(best, 60 if not any("data-loss" in s.hazards for s in step.statements) else 70)
    return best


def build_plan(findings: list[Finding], *, priorities: list[str], rules: list[str] | None = None,
               allow: list[str] | None = None) -> Plan:
    allow = list(allow or [])
    chosen = [f for f in findings if f.severity in priorities and (not rules or f.rule in rules)]
    steps: list[Step] = []
    advice = 0
    for f in chosen:
        if f.fix is None or not f.fix.sql:
            advice += 1
            continue
        stmts = [classify(sql) for sql in f.fix.sql if sql and sql.strip()]
        atomic = any(s.kind == "begin" for s in stmts)
        stmts = [s for s in stmts if s.kind not in ("begin", "commit", "transaction")]
        if not atomic:
            stmts = [x for s in stmts for x in online(s)]
        step = Step(rule=f.rule, severity=f.severity, table=f.table, message=f.message, statements=stmts,
                    safe=f.fix.safe, notes=list(f.fix.notes), object=f.object, columns=list(f.columns),
                    atomic=atomic, finding=f.to_dict())
        if any(s.placeholder for s in stmts):
            step.status = MANUAL
            step.reason = "the fix SQL has a placeholder ('...'): write the text yourself"
        elif any(s.kind == "unparsed" for s in stmts):
            step.status = MANUAL
            step.reason = "the fix SQL could not be parsed: " + next(s.label for s in stmts if s.kind == "unparsed")
        elif step.destructive and f.rule not in allow:
            step.status = REFUSED
            why = sorted({h for s in stmts for h in s.hazards if h in ("data-loss", "rewrite", "unknown")})
            what = {"data-loss": "removes data", "rewrite": "rewrites the table",
                    "unknown": "is not a statement aishell knows"}
            words = [what[h] for h in why] or ["is marked unsafe by the analyzer"]
            step.reason = f"{' and '.join(words)}: pass --allow {f.rule} to apply it"
        steps.append(step)
    steps.sort(key=lambda s: (_rank(s), SEVERITY_RANK[s.severity], s.table or "", s.rule))
    for i, s in enumerate(steps, 1):
        s.number = i
    _dedupe(steps)
    _coverage(steps)
    return Plan(steps=steps, priorities=priorities, allow=allow, advice_only=advice)


def online(s: Statement) -> list[Statement]:
    """The online form of a statement the analyzer wrote in its blocking form: CREATE INDEX gets
    CONCURRENTLY; ADD CONSTRAINT CHECK/FOREIGN KEY becomes ``NOT VALID`` followed by ``VALIDATE``."""
    import re

    if s.kind == "create-index" and s.transactional:
        sql = re.sub(r"^CREATE\s+(UNIQUE\s+)?INDEX\s+", lambda m: f"CREATE {m.group(1) or ''}INDEX CONCURRENTLY ",
                     s.sql, count=1, flags=re.IGNORECASE)
        new = classify(sql)
        return [new] if new.kind == "create-index" and not new.transactional else [s]
    if s.kind in ("add-check", "add-foreign-key") and s.name and any(h.startswith(("scans", "checks every"))
                                                                       for h in s.hazards):
        first = classify(s.sql.rstrip(";") + " NOT VALID;")
        if first.kind != s.kind or any(h.startswith(("scans", "checks every")) for h in first.hazards):
            return [s]
        from aishell.dialects.postgres.quote import quote_ident

        return [first, classify(f"ALTER TABLE {s.relation} VALIDATE CONSTRAINT {quote_ident(s.name)};")]
    return [s]


def _dedupe(steps: list[Step]) -> None:
    seen: dict[str, int] = {}
    for step in steps:
        if step.status != PLANNED:
            continue
        own = []
        first_dup = None
        for s in step.statements:
            if s.sql in seen:
                first_dup = first_dup or seen[s.sql]
                continue
            own.append(s)
        if not own and first_dup is not None:
            step.status = MERGED
            step.merged_into = first_dup
            step.reason = f"every statement is already in step {first_dup}"
            continue
        step.statements = own
        for s in own:
            seen[s.sql] = step.number


def _coverage(steps: list[Step]) -> None:
    """FK-index steps whose columns a key planned earlier on the same table leads with."""
    keys: list[tuple[int, str, list[str]]] = []
    for step in steps:
        if step.status != PLANNED:
            continue
        for s in step.statements:
            if s.precheck and s.precheck[0] == "unique" and s.qualified:
                keys.append((step.number, s.qualified, list(s.precheck[1])))
        if step.rule == "missing-fk-index" and step.columns:
            n = len(step.columns)
            for num, table, cols in keys:
                if num < step.number and table == step.table and set(cols[:n]) == set(step.columns):
                    step.covered_by = num
                    break
