"""Score the planner against recorded model answers: does the design keep what the model said?

Each recording (``tests/design/replay/**/*.json``: ``text``, ``answer`` — the format is in
docs/design-intent.md) is designed through the replay reader (``--llm replay:FILE``, no network) and the
schema model is compared with the answer itself:

* stated attributes kept: every attribute the answer gives (not marked assumed) is a column of its
  entity's table, under the same name;
* extra columns per table: columns beyond the stated attributes, the reference columns and the
  conventions (id, created_at, updated_at, deleted_at, the tenant key), per table of an entity;
* foreign keys nobody asked for: references no relationship of the answer (nor its tenancy) explains;
* enum words verbatim: attributes with values get an enum type with exactly those values, same order;
* many-to-one links: each many_to_one / one_to_one of the answer is a foreign key from the right table,
  to the right table, in a column named after its role (``home_team_id``) or its target;
* rules enforced: each rule of the answer is a constraint, index or trigger in the model;
* the DDL loads on PostgreSQL.

The ``expect`` block of a recording (what a reviewer wants from the text, in the held-out format) is
scored by ``python benchmarks/design_heldout.py tests/design/replay/blind --llm replay:tests/design/replay/blind``.

    python benchmarks/llm_replay.py                       # every recording under tests/design/replay
    python benchmarks/llm_replay.py tests/design/replay/dev -v
    python benchmarks/llm_replay.py --json
"""

from __future__ import annotations

import sys
from pathlib import Path

# benchmarks/ holds scripts named like stdlib modules (inspect.py): keep it off the import path
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse
import json

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "tests" / "design" / "replay"
CONVENTIONS = {"id", "created_at", "updated_at", "deleted_at"}


def score(path: Path, *, validate: bool = True) -> dict:
    from aishell.design import design
    from aishell.design.llm import normalize

    rec = json.loads(path.read_text())
    d = design(rec["text"], llm=f"replay:{path}", validate=validate)
    answer = normalize(
        rec.get("answers", [rec.get("answer")])[-1] if rec.get("answers") else rec["answer"], rec["text"]
    )
    schema = d.schema
    by_entity = {t.attrs.get("design", {}).get("entity"): t for t in schema.tables if not t.partition_of}
    tables = {t.name: t for t in schema.tables if not t.partition_of}
    tenant = schema.attrs.get("design", {}).get("tenant") or {}
    r: dict = {"name": rec.get("name", path.stem), "engine": d.engine, "loaded": bool(d.validation.loaded)}
    # attributes
    kept, total, missed = 0, 0, []
    for e in answer.entities.values():
        t = by_entity.get(e.name)
        for a in e.attributes:
            if a.provenance == "assumed":
                continue
            total += 1
            name = "password_hash" if a.name == "password" else a.name
            if t is not None and t.column(name) is not None:
                kept += 1
            else:
                missed.append(f"{e.name}.{a.name}")
    r.update(attributes=total, attributes_kept=kept, missed_attributes=missed)
    # extra columns and foreign keys nobody asked for
    asked: set[tuple[str, str]] = set()
    for rel in answer.relationships:
        src, tgt = by_entity.get(rel.source), by_entity.get(rel.target)
        if src is None or tgt is None:
            continue
        asked.add((src.name, tgt.name))
        if rel.kind == "many_to_many" and rel.via in tables:
            asked |= {(rel.via, src.name), (rel.via, tgt.name)}
    extra_cols, unasked = [], []
    entity_tables = [t for name, t in by_entity.items() if name in answer.entities]
    for e in answer.entities.values():
        t = by_entity.get(e.name)
        if t is None:
            continue
        fk_cols = {c for fk in t.foreign_keys for c in fk.columns}
        stated = {"password_hash" if a.name == "password" else a.name for a in e.attributes}
        for c in t.columns:
            if c.name not in CONVENTIONS | fk_cols | stated and c.name != tenant.get("column"):
                extra_cols.append(f"{t.name}.{c.name}")
    for t in tables.values():
        for fk in t.foreign_keys:
            if fk.ref_table == t.name or (t.name, fk.ref_table) in asked:
                continue
            if fk.ref_table == tenant.get("table") and fk.columns == [tenant.get("column")]:
                continue
            unasked.append(f"{t.name}({', '.join(fk.columns)}) → {fk.ref_table}")
    r.update(tables=len(entity_tables), extra_columns=extra_cols, unasked_fks=unasked)
    # enums
    enums = {en.name: en.values for en in schema.enums}
    ok, total_e, wrong = 0, 0, []
    for e in answer.entities.values():
        t = by_entity.get(e.name)
        for a in e.attributes:
            if not a.enum:
                continue
            total_e += 1
            col = t.column(a.name) if t is not None else None
            if col is not None and enums.get(col.type) == a.enum:
                ok += 1
            else:
                wrong.append(f"{e.name}.{a.name}: {enums.get(col.type) if col is not None else None}")
    r.update(enums=total_e, enums_verbatim=ok, wrong_enums=wrong)
    # many-to-one links with direction and role
    links, found, missing = 0, 0, []
    for rel in answer.relationships:
        if rel.kind not in ("many_to_one", "one_to_one"):
            continue
        links += 1
        src, tgt = by_entity.get(rel.source), by_entity.get(rel.target)
        col = f"{rel.role or rel.target}_id"
        ok_link = (
            src is not None
            and tgt is not None
            and any(fk.ref_table == tgt.name and fk.columns[-1] == col for fk in src.foreign_keys)
        )
        found += int(ok_link)
        if not ok_link:
            missing.append(f"{rel.source}.{col} → {rel.target}")
    r.update(links=links, links_found=found, missed_links=missing)
    # rules
    seen: set[int] = set()
    for t in tables.values():
        objs = [*t.checks, *t.unique, *t.indexes, *t.exclusions, *t.triggers]
        seen |= {o.attrs["rule_id"] for o in objs if "rule_id" in o.attrs}
        seen |= set(t.attrs.get("design", {}).get("rule_ids", []))
        if any(tr.name.endswith("append_only") for tr in t.triggers):
            seen |= set(t.attrs.get("design", {}).get("rule_ids", []))
    r.update(
        rules=len(answer.rules),
        rules_enforced=len([n for n in range(len(answer.rules)) if n in seen]),
        missed_rules=[f"{x.kind} on {x.entity}" for n, x in enumerate(answer.rules) if n not in seen],
        problems=schema.attrs.get("design", {}).get("problems", []),
    )
    return r


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="*", help="recordings or folders (default: tests/design/replay)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--verbose", "-v", action="store_true")
    ap.add_argument("--no-validate", action="store_true", help="do not load the DDL on PostgreSQL")
    args = ap.parse_args(argv)
    files: list[Path] = []
    for p in [Path(x) for x in args.paths] or [DEFAULT]:
        files += [p] if p.is_file() else sorted(p.rglob("*.json"))
    files = [
        f for f in files if "answer" in json.loads(f.read_text()) or "answers" in json.loads(f.read_text())
    ]
    results = [score(f, validate=not args.no_validate) for f in files]

    def total(key: str) -> int:
        return sum(r[key] if isinstance(r[key], int) else len(r[key]) for r in results)

    summary = {
        "recordings": len(results),
        "stated_attributes_kept": round(total("attributes_kept") / max(1, total("attributes")), 3),
        "extra_columns_per_table": round(total("extra_columns") / max(1, total("tables")), 3),
        "fks_nobody_asked_for": total("unasked_fks"),
        "enum_words_verbatim": round(total("enums_verbatim") / max(1, total("enums")), 3),
        "many_to_one_links_with_role": round(total("links_found") / max(1, total("links")), 3),
        "rules_enforced": round(total("rules_enforced") / max(1, total("rules")), 3),
        "loaded": f"{sum(1 for r in results if r['loaded'])}/{len(results)}",
    }
    if args.json:
        print(json.dumps({"summary": summary, "recordings": results}, indent=2))
        return 0
    print(
        f"{'recording':28} {'attrs':>7} {'extra':>5} {'fk?':>4} {'enums':>6} {'links':>6} {'rules':>6} load"
    )
    for r in results:
        print(
            f"{r['name']:28} {r['attributes_kept']:3d}/{r['attributes']:<3d} {len(r['extra_columns']):5d} "
            f"{len(r['unasked_fks']):4d} {r['enums_verbatim']:2d}/{r['enums']:<3d} {r['links_found']:2d}/{r['links']:<3d} "
            f"{r['rules_enforced']:2d}/{r['rules']:<3d} {'yes' if r['loaded'] else 'NO'}"
        )
        if args.verbose:
            for key in (
                "missed_attributes",
                "extra_columns",
                "unasked_fks",
                "wrong_enums",
                "missed_links",
                "missed_rules",
                "problems",
            ):
                if r[key]:
                    print(f"    {key}: {', '.join(r[key])}")
    print()
    for k, v in summary.items():
        print(f"{k:30} {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
