"""Evaluate ``aishell schema design`` on varied domain texts: recall, precision, load success.

Each case in ``benchmarks/design_eval/*.json`` holds a requirements text and the tables and relationships
a database engineer would expect from it. A relationship [a, b] is found when the designed schema links
the tables matched for a and b directly (a foreign key either way, a self-reference when a == b) or
through a junction table. The DDL of every design is loaded on the scratch PostgreSQL.

Precision: a case may list what a reviewer would strike out (``must_not``: ``tables``, and ``columns`` per
expected table); the report counts those that appear. It also counts duplicate-meaning columns in every
designed table: two non-key columns of one table that mean the same (``start_time`` and ``starts_at``,
``pickup_location`` and ``origin``; ``aishell.design.kb.meaning``).

    python benchmarks/design_eval.py            # table + totals
    python benchmarks/design_eval.py --json     # machine-readable
    python benchmarks/design_eval.py --verbose  # misses per case
"""

from __future__ import annotations

import sys
from pathlib import Path

# benchmarks/ holds scripts named like stdlib modules (inspect.py): keep it off the import path
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse
import json
import time

HERE = Path(__file__).resolve().parent
CASES = HERE / "design_eval"


def _forms(name: str) -> set[str]:
    from aishell.design.parser import plural, singular

    last = name.rsplit("_", 1)[-1]
    return {name, singular(name), plural(singular(name)), last, singular(last)}


def match_table(expected: str, tables: list[str]) -> str | None:
    """The designed table that stands for an expected one: same name (any number), or one ending in it."""
    from aishell.design.parser import plural, singular

    exp_forms = {expected, plural(singular(expected)), singular(expected)}
    for t in tables:
        if t in exp_forms:
            return t
    for t in tables:
        if any(t.endswith("_" + f) for f in exp_forms) or any(f.endswith("_" + t) for f in exp_forms):
            return t
    return None


def links(schema) -> set[frozenset[str]]:
    out: set[frozenset[str]] = set()
    for t in schema.tables:
        if t.partition_of:
            continue
        refs = [fk.ref_table for fk in t.foreign_keys]
        for r in refs:
            out.add(frozenset((t.name, r)))
        # link tables (junctions, and likes/bookmarks/enrollments-style tables of two references)
        if t.attrs.get("design", {}).get("kind") in ("junction", "junction_entity") and len(refs) >= 2:
            out.add(frozenset((refs[0], refs[1])))
    return out


def duplicate_meaning_columns(schema) -> list[str]:
    """Pairs of columns of one table that mean the same (foreign keys, keys and bookkeeping aside)."""
    from aishell.design import kb

    skip = {"id", "created_at", "updated_at", "deleted_at"}
    out = []
    for t in schema.tables:
        if t.partition_of:
            continue
        fk_cols = {c for fk in t.foreign_keys for c in fk.columns}
        seen: dict[str, str] = {}
        for c in t.columns:
            if c.name in skip or c.name in fk_cols:
                continue
            m = kb.meaning(c.name)
            if m in seen:
                out.append(f"{t.name}.{seen[m]}~{c.name}")
            else:
                seen[m] = c.name
    return out


def evaluate(case: dict, *, validate: bool = True) -> dict:
    from aishell.design import design

    start = time.perf_counter()
    d = design(case["text"], validate=validate)
    seconds = time.perf_counter() - start
    tables = [t.name for t in d.schema.tables if not t.partition_of]
    found_e, missed_e = [], []
    mapping: dict[str, str | None] = {}
    for e in case["entities"]:
        m = match_table(e, tables)
        mapping[e] = m
        (found_e if m else missed_e).append(e)
    # precision: designed entity tables (not junctions, not tables the knowledge base implied) that match
    own = [
        t.name
        for t in d.schema.tables
        if not t.partition_of
        and t.attrs.get("design", {}).get("kind") != "junction"
        and t.attrs.get("design", {}).get("provenance") == "stated"
    ]
    matched = {m for m in mapping.values() if m}
    extra = [t for t in own if t not in matched]
    must_not = case.get("must_not", {})
    bad_tables = [t for t in must_not.get("tables", []) if t in tables]
    bad_columns = []
    for exp_table, cols in must_not.get("columns", {}).items():
        m = mapping.get(exp_table) or match_table(exp_table, tables)
        t = d.schema.table(m) if m else None
        for c in cols:
            if t is not None and t.column(c) is not None:
                bad_columns.append(f"{m}.{c}")
    dup = duplicate_meaning_columns(d.schema)
    lk = links(d.schema)
    found_r, missed_r = [], []
    for a, b in case["relationships"]:
        ta, tb = mapping.get(a) or match_table(a, tables), mapping.get(b) or match_table(b, tables)
        ok = bool(ta and tb and frozenset((ta, tb)) in lk)
        (found_r if ok else missed_r).append(f"{a}-{b}")
    return {
        "name": case["name"],
        "tables": len(tables),
        "entity_recall": len(found_e) / len(case["entities"]),
        "relationship_recall": len(found_r) / len(case["relationships"]),
        "entities_expected": len(case["entities"]),
        "entities_found": len(found_e),
        "relationships_expected": len(case["relationships"]),
        "relationships_found": len(found_r),
        "loaded": d.validation.loaded if d.validation is not None else None,
        "validation_ok": d.validation.ok if d.validation is not None else None,
        "error": d.validation.error if d.validation is not None else None,
        "missed_entities": missed_e,
        "missed_relationships": missed_r,
        "seconds": round(seconds, 3),
        "text_tables": len(own),
        "extra_tables": extra,
        "must_not_listed": len(must_not.get("tables", []))
        + sum(len(v) for v in must_not.get("columns", {}).values()),
        "must_not_tables_found": bad_tables,
        "must_not_columns_found": bad_columns,
        "duplicate_meaning_columns": dup,
        "columns": sum(len(t.columns) for t in d.schema.tables if not t.partition_of),
        "designed_tables": tables,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--verbose", "-v", action="store_true")
    ap.add_argument("--no-validate", action="store_true", help="skip loading the DDL")
    args = ap.parse_args(argv)
    cases = [json.loads(p.read_text()) for p in sorted(CASES.glob("*.json"))]
    results = [evaluate(c, validate=not args.no_validate) for c in cases]
    ent_exp = sum(r["entities_expected"] for r in results)
    ent_found = sum(r["entities_found"] for r in results)
    rel_exp = sum(r["relationships_expected"] for r in results)
    rel_found = sum(r["relationships_found"] for r in results)
    loaded = sum(1 for r in results if r["loaded"])
    own_total = sum(r["text_tables"] for r in results)
    extra_total = sum(len(r["extra_tables"]) for r in results)
    listed = sum(r["must_not_listed"] for r in results)
    struck = sum(len(r["must_not_tables_found"]) + len(r["must_not_columns_found"]) for r in results)
    dups = sum(len(r["duplicate_meaning_columns"]) for r in results)
    summary = {
        "cases": len(results),
        "entity_recall": round(ent_found / ent_exp, 3),
        "relationship_recall": round(rel_found / rel_exp, 3),
        "load_success": f"{loaded}/{len(results)}",
        "table_precision": round((own_total - extra_total) / own_total, 3) if own_total else None,
        "must_not_listed": listed,
        "must_not_found": struck,
        "must_not_precision": round(1 - struck / listed, 3) if listed else None,
        "duplicate_meaning_columns": dups,
        "columns": sum(r["columns"] for r in results),
        "entity_recall_macro": round(sum(r["entity_recall"] for r in results) / len(results), 3),
        "relationship_recall_macro": round(sum(r["relationship_recall"] for r in results) / len(results), 3),
    }
    if args.json:
        print(json.dumps({"summary": summary, "cases": results}, indent=2))
    else:
        print(f"{'case':22} {'tables':>6} {'entities':>9} {'relations':>10} {'loaded':>7} {'s':>6}")
        for r in results:
            print(
                f"{r['name']:22} {r['tables']:6d} {r['entities_found']:4d}/{r['entities_expected']:<4d} "
                f"{r['relationships_found']:5d}/{r['relationships_expected']:<4d} "
                f"{'yes' if r['loaded'] else 'NO':>7} {r['seconds']:6.2f}"
            )
            if args.verbose and (r["missed_entities"] or r["missed_relationships"] or r["error"]):
                if r["missed_entities"]:
                    print(f"    missed entities: {', '.join(r['missed_entities'])}")
                if r["missed_relationships"]:
                    print(f"    missed relationships: {', '.join(r['missed_relationships'])}")
                if r["error"]:
                    print(f"    error: {r['error']}")
            if args.verbose and (r["must_not_tables_found"] or r["must_not_columns_found"]):
                print(
                    f"    should not exist: {', '.join(r['must_not_tables_found'] + r['must_not_columns_found'])}"
                )
            if args.verbose and r["duplicate_meaning_columns"]:
                print(f"    same meaning twice: {', '.join(r['duplicate_meaning_columns'])}")
            if args.verbose and r["extra_tables"]:
                print(f"    tables not expected: {', '.join(r['extra_tables'])}")
                print(f"    tables: {', '.join(r['designed_tables'])}")
        print()
        print(f"entity recall       {summary['entity_recall']:.3f}  ({ent_found}/{ent_exp}; goal ≥ 0.90)")
        print(
            f"relationship recall {summary['relationship_recall']:.3f}  ({rel_found}/{rel_exp}; goal ≥ 0.85)"
        )
        print(f"load success        {summary['load_success']}")
        print(
            f"table precision     {summary['table_precision']:.3f}  (tables named from the text that were "
            f"expected; {extra_total} of {own_total} were not)"
        )
        print(
            f"must-not precision  {summary['must_not_precision']:.3f}  ({struck} of {listed} tables/columns a "
            f"reviewer would strike out were designed)"
        )
        print(f"same meaning twice  {dups} column pairs (of {summary['columns']} columns)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
