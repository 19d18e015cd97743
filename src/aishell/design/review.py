"""The design review printed by ``aishell schema design`` (the tutorial's screens), as Rich renderables.

Every number and every ✓ line is computed from the model, the parsed requirements or the validation
run; a feature the design does not have is not claimed.
"""

from __future__ import annotations

from typing import Any

from aishell.design.advisor import human, human_bytes
from aishell.model import Schema, Table

RULE = "━" * 50

FEATURE_LABELS = {
    "soft_delete": "soft delete",
    "audit_trail": "audit trail",
    "multi_tenant": "multi-tenancy",
    "multi_currency": "multiple currencies",
    "multi_language": "multiple languages",
    "inventory": "inventory",
    "reviews": "reviews and ratings",
    "full_text_search": "search",
    "fuzzy_search": "fuzzy search",
    "uuid_keys": "UUID keys",
    "event_sourcing": "event sourcing",
    "time_series": "time series",
    "analytics": "analytics",
    "read_heavy": "read-heavy workload",
}


def rel_counts(schema: Schema) -> dict[str, int]:
    """Relationships as the model holds them: FKs between tables (junction tables count once as M:N)."""
    one_to_many = many_to_many = self_refs = one_to_one = 0
    for t in schema.tables:
        if t.partition_of:
            continue
        kind = t.attrs.get("design", {}).get("kind")
        if kind == "junction":
            many_to_many += 1
            continue
        for fk in t.foreign_keys:
            if fk.ref_table == t.name:
                self_refs += 1
            elif fk.attrs.get("relationship") == "one_to_one" or any(
                u.columns == fk.columns for u in t.unique
            ):
                one_to_one += 1
            else:
                one_to_many += 1
    return {
        "one_to_many": one_to_many,
        "many_to_many": many_to_many,
        "self": self_refs,
        "one_to_one": one_to_one,
        "total": one_to_many + many_to_many + self_refs + one_to_one,
    }


def _constraints(t: Table, col) -> str:
    parts = []
    if col.name in t.primary_key:
        parts.append("PRIMARY KEY" if len(t.primary_key) == 1 else "PK (composite)")
    if col.identity:
        parts.append("IDENTITY")
    for fk in t.foreign_keys:
        if fk.columns and fk.columns[0] == col.name:
            parts.append(f"FK → {fk.ref_table}.{fk.ref_columns[0]} ({fk.on_delete})")
    for u in t.unique:
        if u.columns == [col.name]:
            parts.append("UNIQUE")
        elif col.name in u.columns and u.columns[-1] == col.name:
            parts.append(f"UNIQUE ({', '.join(u.columns)})")
    if not col.nullable and col.name not in t.primary_key:
        parts.append("NOT NULL")
    if col.default is not None:
        parts.append(f"DEFAULT {col.default}")
    for ck in t.checks:
        expr = ck.expression
        if col.name in expr.replace("(", " ").replace(")", " ").split() and len(expr) <= 48:
            if (
                all(
                    w == col.name
                    or not w.isidentifier()
                    or w.upper() == w
                    or w in ("and", "or", "is", "null", "not")
                    for w in expr.replace("(", " ").replace(")", " ").split()
                )
                or expr.split()[0] == col.name
            ):
                parts.append(f"CHECK ({expr})")
        elif "~*" in expr and expr.split()[0] == col.name:
            parts.append("CHECK (email format)")
    if col.name == "deleted_at":
        parts.append("NULL = live (soft delete)")
    return ", ".join(parts)


def _index_line(t: Table, i) -> str:
    kind = []
    if i.unique:
        kind.append("unique")
    if i.method != "btree":
        kind.append(i.method.upper())
    if i.where:
        kind.append("partial")
    tag = f" ({', '.join(kind)})" if kind else ""
    return f"{i.name}{tag} - {i.reason or ''}".rstrip(" -")


def _index_sql(t: Table, i) -> str | None:
    if i.constraint or not (i.where or any(i.expressions) or i.method != "btree"):
        return None
    cols = []
    for k, c in enumerate(i.columns):
        order = i.orders[k] if k < len(i.orders) and i.orders[k] else ""
        op = i.opclasses[k] if k < len(i.opclasses) and i.opclasses[k] else ""
        expr = f"({c})" if k < len(i.expressions) and i.expressions[k] else c
        cols.append(" ".join(x for x in (expr, op, order) if x))
    using = f" USING {i.method.upper()}" if i.method != "btree" else ""
    where = f" WHERE {i.where}" if i.where else ""
    return (
        f"CREATE {'UNIQUE ' if i.unique else ''}INDEX {i.name} ON {t.name}{using} ({', '.join(cols)}){where}"
    )


def _relationships(schema: Schema, t: Table) -> list[str]:
    lines = []
    for other in schema.tables:
        if other.partition_of or other.name == t.name:
            continue
        for fk in other.foreign_keys:
            if fk.ref_table != t.name:
                continue
            if other.attrs.get("design", {}).get("kind") == "junction":
                peer = next((f.ref_table for f in other.foreign_keys if f is not fk), t.name)
                lines.append(f"↔ {peer} (many-to-many via {other.name})")
            elif any(u.columns == fk.columns for u in other.unique):
                lines.append(f"→ {other.name} (one-to-one, {fk.columns[0]})")
            else:
                lines.append(f"→ {other.name} (one-to-many, {fk.columns[0]})")
    for fk in t.foreign_keys:
        if fk.ref_table == t.name:
            lines.append(f"↺ {t.name} (self-reference, {fk.columns[0]})")
        elif t.attrs.get("design", {}).get("kind") != "junction":
            lines.append(f"← {fk.ref_table} (many-to-one, {fk.columns[0]})")
    return list(dict.fromkeys(lines))


def assumed_items(schema: Schema) -> dict[str, Any]:
    """What the design assumed (knowledge-base guesses the text neither says nor implies), by kind."""

    def assumed(obj: Any) -> bool:
        return getattr(obj, "attrs", {}).get("provenance") == "assumed"

    base = [t for t in schema.tables if not t.partition_of]
    tables = [t.name for t in base if assumed(t)]
    columns: dict[str, list[str]] = {}
    references: list[str] = []
    rules: list[str] = []
    for t in base:
        if t.name in tables:
            continue
        fk_cols = {c for fk in t.foreign_keys for c in fk.columns}
        cols = [c.name for c in t.columns if assumed(c) and c.name not in fk_cols]
        if cols:
            columns[t.name] = cols
        for fk in t.foreign_keys:
            if assumed(fk):
                references.append(f"{t.name}.{', '.join(fk.columns)} → {fk.ref_table}")
        for u in t.unique:
            if assumed(u) and not set(u.columns) & set(cols):
                rules.append(f"{t.name}: UNIQUE ({', '.join(u.columns)})")
        for c in t.checks:
            if assumed(c) and not any(x in c.expression for x in cols):
                rules.append(f"{t.name}: CHECK ({c.expression})")
    values = [f"{e.name}: {', '.join(e.values)}" for e in schema.enums if assumed(e)]
    return {
        "tables": tables,
        "columns": columns,
        "references": references,
        "rules": rules,
        "values": values,
        "count": len(tables)
        + sum(len(v) for v in columns.values())
        + len(references)
        + len(rules)
        + len(values),
    }


def feature_lines(design: Any) -> list[str]:
    """The 'Schema Features' list: each line computed from the model."""
    s: Schema = design.schema
    base = [t for t in s.tables if not t.partition_of]
    lines = []
    nf, problems = design.normal_form
    if nf == "3NF":
        lines.append("Normalized to 3NF (checked: atomic columns, no partial-key or copied columns)")
    else:
        lines.append(f"Normal form {nf}: {'; '.join(problems[:3])}")
    idx = design.estimates.get("indexes", 0)
    fk_idx = sum(1 for t in base for i in t.indexes if i.reason and i.reason.startswith("foreign key"))
    lines.append(f"{idx} indexes (every foreign key leads one; {fk_idx} dedicated FK indexes)")
    gin = [f"{t.name}" for t in base for i in t.indexes if i.method == "gin" and any(i.expressions)]
    if gin:
        lines.append(f"Full-text search enabled ({', '.join(gin)}: GIN on to_tsvector)")
    soft = [t.name for t in base if t.column("deleted_at") is not None]
    if soft:
        lines.append(
            f"Soft delete support ({len(soft)} tables with deleted_at, partial indexes on live rows)"
        )
    trig = [t.name for t in base if any(tr.name.endswith("updated_at") for tr in t.triggers)]
    audit = [t.name for t in base if t.attrs.get("design", {}).get("archetype") == "audit_log"]
    if trig:
        lines.append(
            f"Audit trail: created_at/updated_at on {len(trig)} tables (trigger keeps updated_at)"
            + (f", {audit[0]} table" if audit else "")
        )
    fks = design.estimates.get("foreign_keys", 0)
    if fks:
        lines.append(f"Referential integrity ({fks} foreign keys with deliberate ON DELETE actions)")
    checks = design.estimates.get("check_constraints", 0)
    if checks:
        lines.append(f"Check constraints for data quality ({checks})")
    if s.enums:
        lines.append(f"{len(s.enums)} enum types for statuses and kinds")
    rls = [t.name for t in base if t.rls_enabled]
    if rls:
        lines.append(f"Multi-tenancy: row-level security on {len(rls)} tables")
    parts = [t.name for t in base if t.partition_by]
    if parts:
        n = len([t for t in s.tables if t.partition_of])
        lines.append(f"Partitioned by time: {', '.join(parts)} ({n} partitions incl. DEFAULT)")
    mv = [v.name for v in s.views if v.materialized]
    if mv:
        lines.append(f"Materialized views: {', '.join(mv)} (unique index, REFRESH CONCURRENTLY)")
    views = [v.name for v in s.views if not v.materialized]
    if views:
        lines.append(f"Views: {', '.join(views)}")
    biggest = max((s_.count for s_ in design.requirements.scale if s_.entity and not s_.period), default=0)
    big_name = next((s_ for s_ in design.requirements.scale if s_.count == biggest and s_.entity), None)
    if big_name is not None and biggest >= 1_000_000:
        lines.append(
            f"Sized for {human(biggest)}+ {big_name.noun}s (keys, partitioning and indexes chosen "
            "from the stated figures)"
        )
    return lines


def render(design: Any, *, saved_to: str | None = None, show_tables: bool = True) -> list[Any]:
    """Rich renderables for the whole review, in the tutorial's order."""
    from rich import box
    from rich.table import Table as RTable
    from rich.text import Text

    req = design.requirements
    s: Schema = design.schema
    out: list[Any] = []
    base = [t for t in s.tables if not t.partition_of]
    rc = rel_counts(s)
    ents = list(req.entities.values())
    from_text = [e for e in ents if e.provenance == "stated"]
    implied = [
        t.name
        for t in base
        if t.attrs.get("design", {}).get("provenance") not in ("stated",)
        and t.attrs.get("design", {}).get("kind") != "junction"
    ]
    out.append(
        Text(
            "🔎 Schema Analysis" + (f" ({design.engine})" if design.engine != "offline" else ""), style="bold"
        )
    )
    out.append(RULE)
    out.append("")
    out.append(Text("Requirements Summary:", style="bold"))
    out.append(f"  ✓ {len(from_text)} entities identified: {', '.join(e.table for e in from_text)}")
    if implied:
        out.append(f"  ✓ {len(implied)} more tables implied: {', '.join(implied)}")
    out.append(
        f"  ✓ {rc['total']} relationships ({rc['one_to_many']} one-to-many, {rc['one_to_one']} one-to-one, "
        f"{rc['self']} self-references)"
    )
    out.append(
        f"  ✓ {rc['many_to_many']} many-to-many relationships"
        + (
            f" ({', '.join(t.name for t in base if t.attrs.get('design', {}).get('kind') == 'junction')})"
            if rc["many_to_many"]
            else ""
        )
    )
    for p in design.patterns:
        out.append(f"  ✓ {p} pattern {'applied' if p in design.applied_patterns else 'recognized'}")
    feats = [FEATURE_LABELS.get(f, f) for f in req.features]
    if feats:
        out.append(f"  ✓ Features: {', '.join(feats)}")
    if req.scale:
        out.append(
            "  ✓ Scale: "
            + ", ".join(
                f"{human(x.count)} {x.noun.replace('_', ' ')}s" + (f" per {x.period}" if x.period else "")
                for x in req.scale
            )
        )
    for e in ents:
        if e.attributes:
            out.append(f"  · {e.table}: " + ", ".join(a.name for a in e.attributes))
    for note in design.notes:
        out.append(f"  ! {note}")
    for q in getattr(req, "questions", []):
        out.append(Text(f"  ? {q.question}"))
    problems = s.attrs.get("design", {}).get("problems", [])
    for p in problems:
        out.append(Text(f"  ! not used: {p}"))
    out.append("")
    left_out = s.attrs.get("design", {}).get("left_out")
    items = assumed_items(s)
    if left_out is not None:
        out.append(Text(f"Assumptions left out (--no-assumptions): {len(left_out)} items", style="bold"))
        out.append("")
    elif items["count"]:
        out.append(
            Text(
                f"Assumed ({items['count']} items the text does not state; --no-assumptions leaves them out):",
                style="bold",
            )
        )
        if items["tables"]:
            out.append(Text(f"  tables: {', '.join(items['tables'])}"))
        for table, cols in items["columns"].items():
            out.append(Text(f"  {table}: {', '.join(cols)}"))
        if items["references"]:
            out.append(Text(f"  references: {'; '.join(items['references'])}"))
        for r in items["rules"][:12]:
            out.append(Text(f"  {r}"))
        if len(items["rules"]) > 12:
            out.append(Text(f"  ... and {len(items['rules']) - 12} more constraints"))
        for v in items["values"]:
            out.append(Text(f"  values of {v}"))
        out.append("")
    out.append(Text("Recommended Architecture:", style="bold"))
    server = design.validation.server if design.validation is not None and design.validation.server else None
    out.append("  Database: PostgreSQL 15+" + (f" (DDL validated on {server})" if server else ""))
    out.append(f"  Normalization: {design.normal_form[0]}")
    keys = sorted({(t.column("id").type if t.column("id") else None) for t in base} - {None})
    out.append(
        f"  Primary keys: {', '.join(keys)} identity" if "UUID" not in keys else "  Primary keys: UUID"
    )
    est = design.estimates
    out.append(
        f"  Tables: {est['tables']}"
        + (f" (+{est['partitions']} partitions)" if est.get("partitions") else "")
        + f" | Indexes: {est['indexes']} | Foreign keys: {est['foreign_keys']} | Enum types: {len(s.enums)}"
    )
    if est.get("estimated_total_bytes"):
        out.append(
            f"  Estimated size: {human_bytes(est['estimated_total_bytes'])} for the stated figures "
            "(see estimates)"
        )
    out.append("")
    title = (s.name or (design.patterns[0] if design.patterns else "design")).replace("-", " ").title()
    out.append(Text(f"📋 Generated Schema: {title}", style="bold"))
    out.append(RULE)
    out.append(f"Tables: {est['tables']} | Relationships: {rc['total']} | Indexes: {est['indexes']}")
    out.append("")
    if show_tables:
        for n, t in enumerate(base, 1):
            head = f"{n}. {t.name}"
            if t.partition_by:
                head += f"  (partitioned: {t.partition_by})"
            if t.comment:
                head += f"  — {t.comment}"
            out.append(Text(head, style="bold"))
            grid = RTable(box=box.SQUARE, show_header=True, header_style="bold", pad_edge=True)
            grid.add_column("Column", no_wrap=True)
            grid.add_column("Type", no_wrap=True)
            grid.add_column("Constraints")
            grid.add_column("From", no_wrap=True)
            for c in t.columns:
                grid.add_row(c.name, c.type, _constraints(t, c), c.attrs.get("provenance", ""))
            out.append(grid)
            multi_checks = [
                ck
                for ck in t.checks
                if not any(_constraints(t, c).count(ck.expression) for c in t.columns)
                and not ("~*" in ck.expression and ck.expression.split()[0].endswith("email"))
            ]
            if multi_checks:
                out.append("Checks:")
                for ck in multi_checks:
                    out.append(f"  ✓ {ck.name}: CHECK ({ck.expression})")
            if t.indexes:
                out.append("Indexes:")
                for i in t.indexes:
                    out.append(f"  ✓ {_index_line(t, i)}")
                    sql = _index_sql(t, i)
                    if sql:
                        out.append(f"    {sql}")
            rels = _relationships(s, t)
            if rels:
                out.append("Relationships:")
                for r in rels:
                    out.append(f"  {r}")
            if t.policies:
                out.append("Row-level security:")
                for p in t.policies:
                    out.append(f"  ✓ {p.name}: USING {p.using}")
            if t.triggers:
                out.append("Triggers: " + ", ".join(tr.name for tr in t.triggers))
            out.append("")
        for v in s.views:
            out.append(
                Text(
                    f"{'Materialized view' if v.materialized else 'View'} {v.name}"
                    + (f" — {v.comment}" if v.comment else ""),
                    style="bold",
                )
            )
            out.append("  columns: " + ", ".join(v.columns))
            for i in v.indexes:
                out.append(f"  ✓ {i.name} ({'unique' if i.unique else ''}) - {i.reason}")
        if s.functions:
            out.append(Text("Functions: ", style="bold") + Text(", ".join(f.name for f in s.functions)))
        if s.extensions:
            out.append(Text("Extensions: ", style="bold") + Text(", ".join(e.name for e in s.extensions)))
        out.append("")
    out.append(RULE)
    out.append("")
    out.append(Text("🎯 Schema Features:", style="bold"))
    for line in feature_lines(design):
        out.append(f"  ✓ {line}")
    out.append("")
    if design.recommendations:
        out.append(Text("💡 Recommendations:", style="bold"))
        for n, r in enumerate(design.recommendations, 1):
            status = " [done in this design]" if r.applied else ""
            out.append(Text(f"  {n}. {r.title}{status}"))  # Text: the brackets are not markup
            out.append(f"     why: {r.reason}")
            if r.numbers:
                out.append(f"     numbers: {r.numbers}")
        out.append("")
    per = [p for p in est.get("per_table", []) if p.get("rows")]
    out.append(Text("📐 Estimates:", style="bold"))
    out.append(
        f"  {est['tables']} tables, {est['indexes']} indexes, {est['foreign_keys']} foreign keys, "
        f"{est['check_constraints']} checks, {est['unique_constraints']} unique constraints"
    )
    for p in per[:8]:
        out.append(
            Text(
                f"  {p['table']}: {human(p['rows'])} rows × ({p['row_bytes']} B row + "
                f"{p['index_bytes_per_row']} B indexes) ≈ {human_bytes(p['estimated_bytes'])}"
                f" [{p['rows_origin']}]"
            )
        )
    if not per:
        widths = ", ".join(f"{p['table']} {p['row_bytes']} B" for p in est.get("per_table", [])[:6])
        out.append(f"  bytes per row (heap): {widths}{' …' if len(est.get('per_table', [])) > 6 else ''}")
    out.append(f"  ({est['method']})")
    out.append("")
    val = design.validation
    if val is not None:
        out.append(Text("✅ Validation:" if val.ok else "❌ Validation:", style="bold"))
        for c in val.checks:
            out.append(
                f"  {'✓' if c.ok else '✗'} {c.name}"
                + (f": {c.detail}" if c.detail else "")
                + (f" ({val.seconds:.2f} s)" if c.name.startswith("DDL loads") and val.seconds else "")
            )
        if val.loaded is None:
            out.append("  · DDL not executed (--no-validate)")
        out.append("")
    if saved_to:
        out.append(
            f"Saved to {saved_to}. Next: aishell schema generate sql   (or: generate sql --sample-data 10)"
        )
    return out


def relationship_line(r: Any) -> str:
    """One relationship as a person reads it: "each order → one customer (required)"."""
    if r.kind == "many_to_many":
        extra = []
        if r.via:
            extra.append(f"via {r.via}")
        if r.attributes:
            extra.append("with " + ", ".join(a.name for a in r.attributes))
        if r.unique is False:
            extra.append("the same pair may repeat")
        return f"{r.source} ↔ {r.target} (many-to-many{', ' + ', '.join(extra) if extra else ''})"
    if r.kind == "self":
        return f"{r.source} ↺ {r.role or 'parent'} (self-reference, optional)"
    need = {True: "exactly one", False: "at most one", None: "one"}[r.required]
    role = f" as {r.role}" if r.role else ""
    many = "at most one" if r.kind == "one_to_one" else "many"
    return f"each {r.source} → {need} {r.target}{role}; a {r.target} has {many} {r.source}"


def _count(v: Any) -> str:
    return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)


def rule_line(r: Any) -> str:
    if r.kind == "unique":
        scope = f" per {', '.join(r.scope)}" if r.scope else ""
        return f"{r.entity}: {', '.join(r.columns)} unique{scope}" + (f" where {r.where}" if r.where else "")
    if r.kind == "no_overlap":
        per = f" per {', '.join(r.per)}" if r.per else ""
        return f"{r.entity}: {r.start}..{r.end} never overlap{per}"
    if r.kind == "balanced":
        total = f"{r.max:g}" if r.amount and r.max is not None else "0"
        what = (
            f"sum({r.amount}) = {total}"
            if r.amount
            else f"sum({r.debit or 'debit'}) = sum({r.credit or 'credit'})"
        )
        return f"{r.entity}: {what} for each {r.group_by or r.entity}"
    if r.kind == "exclusive":
        return (
            f"{r.entity}: {'at most' if r.mode == 'at_most_one' else 'exactly'} one of {', '.join(r.columns)}"
        )
    if r.kind == "range":
        return f"{r.entity}: {r.column} between {r.min} and {r.max}"
    if r.kind == "compare":
        return f"{r.entity}: {r.left} {r.op} {r.right}"
    if r.kind == "append_only":
        return f"{r.entity}: never updated or deleted"
    if r.kind == "immutable_when":
        return f"{r.entity}: locked once {r.column} is {' or '.join(r.values)}"
    if r.kind == "max_count":
        least = f"at least {_count(r.min)} and " if r.min and r.min > 1 else ""
        which = f" where {r.where}" if r.where else ""
        return f"{r.entity}: {least}at most {_count(r.max)}{which} per {', '.join(r.per)}"
    return f"{r.entity}: {r.expression}"


def render_requirements(req: Any) -> list[Any]:
    """What was understood (``aishell schema requirements``, and the confirmation before a design)."""
    from rich.text import Text

    out: list[Any] = [Text("📝 Requirements understood", style="bold"), RULE]
    if req.domain:
        out.append(f"Domain: {req.domain}")
    if req.patterns:
        out.append(f"Patterns recognized: {', '.join(req.patterns)}")
    out.append(f"Entities ({len(req.entities)}):")
    for e in req.entities.values():
        attrs = (
            f" [{', '.join(a.name + (' (' + '|'.join(a.enum) + ')' if a.enum else '') for a in e.attributes)}]"
            if e.attributes
            else ""
        )
        arch = f" ({e.archetype})" if e.archetype else " (new)"
        flags = " append-only" if e.append_only else ""
        origin = "" if e.provenance == "stated" else f" [{e.provenance}]"
        out.append(Text(f"  • {e.name}{arch}{attrs}{flags}{origin}"))  # Text: "[a, b]" is not markup
    out.append(f"Relationships ({len(req.relationships)}):")
    for r in req.relationships:
        line = "  • " + relationship_line(r)
        if r.provenance != "stated":
            line += f" [{r.provenance}]"
        out.append(Text(line))  # Text: "[inferred]" is not markup
    if req.rules:
        out.append(f"Rules ({len(req.rules)}):")
        for r in req.rules:
            out.append(
                Text("  • " + rule_line(r) + ("" if r.provenance == "stated" else f" [{r.provenance}]"))
            )
    if req.access_patterns:
        out.append(f"Queries ({len(req.access_patterns)}):")
        for p in req.access_patterns:
            what = p.description or " and ".join(x for x in (", ".join(p.filter), p.range or "") if x)
            out.append(Text(f"  • {p.entity}: " + (f"search {', '.join(p.search)}" if p.search else what)))
    if req.tenancy is not None:
        out.append(f"Tenancy: each {req.tenancy.tenant}'s rows are kept apart")
    out.append(
        "Features: "
        + (", ".join(f'{FEATURE_LABELS.get(k, k)} ("{v}")' for k, v in req.features.items()) or "none stated")
    )
    if req.scale:
        out.append("Scale:")
        for s in req.scale:
            out.append(
                f"  • {s.text}: {human(s.count)} {s.noun}"
                + (f" per {s.period}" if s.period else "")
                + (f" → {s.entity}" if s.entity else " (no matching entity)")
                + (f", kept {s.retention}" if s.retention else "")
            )
    else:
        out.append("Scale: none stated")
    if req.questions:
        out.append("Not sure:")
        for q in req.questions:
            out.append(Text(f"  ? {q.question}"))
    for n in req.notes:
        out.append(Text(f"  ! {n}"))
    return out
