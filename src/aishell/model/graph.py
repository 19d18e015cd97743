"""Foreign-key dependency graph of a schema: creation order and cycles."""

from __future__ import annotations

from aishell.model.schema import Schema, Table


def table_dependencies(schema: Schema) -> dict[str, set[str]]:
    """Map each table's qualified name to the qualified names it references (FKs, partition parent,
    inheritance parents), self-references excluded."""
    names = {t.qualified_name for t in schema.tables}
    deps: dict[str, set[str]] = {t.qualified_name: set() for t in schema.tables}
    for t in schema.tables:
        for fk in t.foreign_keys:
            ref = f"{fk.ref_schema}.{fk.ref_table}"
            if ref != t.qualified_name and ref in names:
                deps[t.qualified_name].add(ref)
        for parent in [t.partition_of, *t.inherits]:
            if parent and parent in names:
                deps[t.qualified_name].add(parent)
    return deps


def creation_order(schema: Schema) -> tuple[list[Table], set[tuple[str, str]]]:
    """Tables ordered so each comes after what it references, plus the FK edges that close a cycle.

    Order is stable: among tables that are ready at the same time, the model's order is kept.
    Edges in the returned set (table, referenced table) cannot be satisfied by ordering alone; the
    generator adds those foreign keys after all tables exist. Partition and inheritance edges never
    form cycles in a valid schema.
    """
    by_name = {t.qualified_name: t for t in schema.tables}
    deps = table_dependencies(schema)
    remaining = {name: set(d) for name, d in deps.items()}
    order: list[Table] = []
    deferred: set[tuple[str, str]] = set()
    position = {t.qualified_name: i for i, t in enumerate(schema.tables)}
    while remaining:
        ready = sorted((n for n, d in remaining.items() if not d), key=position.__getitem__)
        if not ready:
            # A cycle: break it at the table whose unmet FK dependencies are fewest.
            victim = min(remaining, key=lambda n: (len(remaining[n]), position[n]))
            hard = _hard_dependencies(by_name[victim])
            for ref in list(remaining[victim]):
                if ref not in hard:
                    deferred.add((victim, ref))
                    remaining[victim].discard(ref)
            if remaining[victim]:  # only partition/inheritance edges left: defer nothing more
                remaining[victim].clear()
            continue
        for name in ready:
            order.append(by_name[name])
            del remaining[name]
        for d in remaining.values():
            d.difference_update(ready)
    return order, deferred


def _hard_dependencies(table: Table) -> set[str]:
    return {p for p in [table.partition_of, *table.inherits] if p}
