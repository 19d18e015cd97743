"""Score ``aishell schema design`` on a blind held-out set (``benchmarks/design_heldout/<round>/*.json``).

The cases were written by someone who had not read the design engine (see the set's README); their
format is documented in ``benchmarks/design_heldout/FORMAT.md``. Each text is designed through the
command line exactly as a user would run it (``aishell schema design --json TEXT`` in a scratch folder,
which also loads the DDL on the sandbox PostgreSQL), and the saved model is compared with what the case
expects. The scorer reads only the model JSON, never the engine's internals, so it scores any version
of the engine the same way.

What is measured, per case and in total:

* entity recall: expected tables (or one of their aliases) found among the designed tables;
* tables nobody asked for: designed tables that match no expected entity and are not a junction of an
  expected many-to-many link, as a share of all designed tables;
* relationship recall: a many-to-one/one-to-one found when the "from" table holds a foreign key to the
  "to" table; a many-to-many when the two are linked directly or through a table with keys to both;
  FK direction errors (the key is only on the wrong side); optionality agreement (NOT NULL where
  "required": true, nullable where false); role names (a foreign-key column named after the role);
* stated attributes kept (a column of that name, or one of its ``a|b`` alternatives);
* enums: the column's allowed values (enum type or ``IN (...)`` CHECK) equal to the user's words
  (case, spaces, ``_`` and ``-`` folded); the case names the column, but the user stated only the
  values, so any column of the table with exactly those values counts;
* rules enforced: unique (a unique constraint, unique index or primary key over exactly those columns),
  exclude (an EXCLUDE constraint on the table), check (a CHECK naming every listed column), not_null,
  append_only (no updated_at/deleted_at and a trigger refusing UPDATE or DELETE), cross_row (a
  constraint trigger on the table);
* must-not items that appear, and whether the DDL loaded.

    python benchmarks/design_heldout.py round1            # table + totals
    python benchmarks/design_heldout.py round1 --json     # machine-readable
    python benchmarks/design_heldout.py PATH/TO/SET -v    # misses per case
    python benchmarks/design_heldout.py tests/design/replay --llm replay:tests/design/replay
                                                          # recorded model answers and their ``expect``

A foreign key nobody asked for is a reference between two tables that stand for expected entities that
no expected relationship explains.
"""

from __future__ import annotations

import sys
from pathlib import Path

# benchmarks/ holds scripts named like stdlib modules (inspect.py): keep it off the import path
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse
import json
import os
import re
import subprocess
import tempfile
import time

import inflection

HERE = Path(__file__).resolve().parent
SETS = HERE / "design_heldout"
CONVENTION_COLUMNS = {"id", "created_at", "updated_at", "deleted_at"}


def _forms(name: str) -> set[str]:
    name = name.strip().lower()
    sing = inflection.singularize(name)
    return {name, sing, inflection.pluralize(sing)}


def match_table(names: list[str], tables: list[str]) -> str | None:
    """The designed table that stands for an expected entity (any of its names): same name in either
    number, else a designed table whose last words are the name (``order_items`` for ``items``) or the
    other way round."""
    forms = set().union(*(_forms(n) for n in names))
    for t in tables:
        if t in forms:
            return t
    for t in tables:
        if any(t.endswith("_" + f) or f.endswith("_" + t) for f in forms):
            return t
    return None


def _alternatives(spec: str) -> list[str]:
    return [s.strip().lower() for s in spec.split("|") if s.strip()]


def find_column(table: dict | None, spec: str) -> str | None:
    if table is None:
        return None
    names = {c["name"] for c in table.get("columns", [])}
    for alt in _alternatives(spec):
        for form in (alt, inflection.singularize(alt), inflection.pluralize(alt)):
            if form in names:
                return form
    return None


def _fold(word: str) -> str:
    return re.sub(r"[\s_\-]+", " ", str(word).strip().lower())


def allowed_values(model: dict, table: dict, column: str) -> list[str] | None:
    col = next(c for c in table["columns"] if c["name"] == column)
    type_name = col["type"].split(".")[-1].strip('"')
    for e in model.get("enums", []):
        if e["name"] == type_name:
            return list(e["values"])
    for chk in table.get("checks", []):
        expr = chk.get("expression") or chk.get("definition") or ""
        if not re.search(r"\b" + re.escape(column) + r"\b", expr):
            continue
        vals = re.findall(r"'((?:[^']|'')*)'", expr)
        if vals and re.search(r"\bIN\b|ANY\s*\(|ARRAY\[", expr, re.IGNORECASE):
            return [v.replace("''", "'") for v in vals]
    return None


def _fk_targets(table: dict) -> list[tuple[str, list[str]]]:
    return [(fk["ref_table"], fk["columns"]) for fk in table.get("foreign_keys", [])]


def _column_nullable(table: dict, name: str) -> bool:
    col = next((c for c in table["columns"] if c["name"] == name), None)
    if col is None:
        return True
    if name in table.get("primary_key", []):
        return False
    return col.get("nullable", True)


def _unique_sets(table: dict) -> list[set[str]]:
    out = []
    if table.get("primary_key"):
        out.append(set(table["primary_key"]))
    out += [set(u["columns"]) for u in table.get("unique", [])]
    out += [set(i["columns"]) for i in table.get("indexes", []) if i.get("unique")]
    return out


def _trigger_events(table: dict) -> list[tuple[set[str], bool]]:
    return [
        ({e.upper() for e in t.get("events", [])}, bool(t.get("constraint")))
        for t in table.get("triggers", [])
    ]


def design_case(text: str, timeout: float = 300, llm: str | None = None) -> dict:
    """Run the CLI as a user would; on a usage error (text read as options), again after ``--``."""
    with tempfile.TemporaryDirectory(prefix="aishell-heldout-") as cwd:
        env = dict(os.environ)
        env.pop("AISHELL_DEBUG", None)
        cmd = [sys.executable, "-m", "aishell.cli.main", "schema", "design", "--json"]
        if llm:
            cmd += ["--llm", llm]
        start = time.perf_counter()
        proc = subprocess.run(
            [*cmd, text], cwd=cwd, capture_output=True, text=True, env=env, timeout=timeout, check=False
        )
        cli_rejected = False
        if proc.returncode != 0 and "no such option" in proc.stderr.lower():
            cli_rejected = True
            proc = subprocess.run(
                [*cmd, "--", text],
                cwd=cwd,
                capture_output=True,
                text=True,
                env=env,
                timeout=timeout,
                check=False,
            )
        seconds = time.perf_counter() - start
        model = None
        saved = Path(cwd) / "aishell" / "design.json"
        if saved.exists():
            model = json.loads(saved.read_text())
        elif proc.returncode == 0 and proc.stdout.strip().startswith("{"):
            model = json.loads(proc.stdout)
        return {
            "model": model,
            "exit": proc.returncode,
            "stderr": proc.stderr.strip()[-300:],
            "cli_rejected": cli_rejected,
            "seconds": round(seconds, 2),
        }


def evaluate(case: dict, run: dict) -> dict:
    model = run["model"]
    r: dict = {
        "name": case["name"],
        "style": case.get("style"),
        "exit": run["exit"],
        "cli_rejected": run["cli_rejected"],
        "seconds": run["seconds"],
    }
    tables_by_name = {}
    if model is not None:
        tables_by_name = {t["name"]: t for t in model.get("tables", []) if not t.get("partition_of")}
    names = list(tables_by_name)
    validation = (model or {}).get("validation") or {}
    r["loaded"] = bool(validation.get("loaded"))
    r["error"] = run["stderr"] if model is None else validation.get("error")
    aliases = case.get("aliases", {})
    mapping = {e: match_table([e, *aliases.get(e, [])], names) for e in case["entities"]}
    r["entities_expected"] = len(case["entities"])
    r["missed_entities"] = [e for e, m in mapping.items() if not m]

    def resolve(name: str) -> str | None:
        return mapping.get(name) or match_table([name, *aliases.get(name, [])], names)

    # relationships
    rels = case.get("relationships", [])
    found, missed, direction_errors, opt_checked, opt_ok, role_checked, role_ok = [], [], [], 0, 0, 0, 0
    junction_tables: set[str] = set()
    for rel in rels:
        a, b, kind = resolve(rel["from"]), resolve(rel["to"]), rel.get("kind", "many_to_one")
        label = f"{rel['from']}->{rel['to']}" + (f" ({rel['role']})" if rel.get("role") else "")
        if not a or not b:
            missed.append(label)
            continue
        ta, tb = tables_by_name[a], tables_by_name[b]
        if kind == "many_to_many":
            direct = any(t == b for t, _ in _fk_targets(ta)) or any(t == a for t, _ in _fk_targets(tb))
            via = [
                n
                for n, t in tables_by_name.items()
                if n not in (a, b) or a == b
                for refs in [[x for x, _ in _fk_targets(t)]]
                if (a == b and refs.count(a) >= 2) or (a != b and a in refs and b in refs)
            ]
            if direct or via:
                found.append(label)
                junction_tables.update(via)
            else:
                missed.append(label)
            continue
        fks = [cols for t, cols in _fk_targets(ta) if t == b]
        if not fks:
            if kind == "one_to_one" and any(t == a for t, _ in _fk_targets(tb)):
                found.append(label)
                continue
            if any(t == a for t, _ in _fk_targets(tb)):
                direction_errors.append(label)
            missed.append(label)
            continue
        found.append(label)
        chosen = fks
        if rel.get("role"):
            role_checked += 1
            role_words = _fold(rel["role"]).split()
            named = [cols for cols in fks if all(w in _fold(" ".join(cols)) for w in role_words)]
            if named:
                role_ok += 1
                chosen = named
        if rel.get("required") is not None:
            opt_checked += 1
            not_null = all(not _column_nullable(ta, c) for c in chosen[0])
            opt_ok += int(not_null == bool(rel["required"]))
    r.update(
        relationships_expected=len(rels),
        relationships_found=len(found),
        missed_relationships=missed,
        direction_errors=direction_errors,
        optionality_checked=opt_checked,
        optionality_ok=opt_ok,
        roles_checked=role_checked,
        roles_ok=role_ok,
    )

    # foreign keys nobody asked for: between two tables that stand for expected entities, a reference
    # that no expected relationship explains (in either direction)
    expected_pairs = set()
    for rel in rels:
        a, b = resolve(rel["from"]), resolve(rel["to"])
        if a and b:
            expected_pairs.add(frozenset((a, b)))
    matched_tables = {m for m in mapping.values() if m}
    unasked_fks = [
        f"{n}({', '.join(cols)})->{ref}"
        for n in matched_tables
        for ref, cols in _fk_targets(tables_by_name[n])
        if ref in matched_tables and frozenset((n, ref)) not in expected_pairs
    ]
    r.update(unasked_fks=unasked_fks)

    # tables nobody asked for
    matched = {m for m in mapping.values() if m}
    extra = [n for n in names if n not in matched and n not in junction_tables]
    r.update(tables=len(names), extra_tables=extra)

    # attributes
    attr_total, attr_missed = 0, []
    stated: dict[str, set[str]] = {}
    for exp_table, specs in case.get("attributes", {}).items():
        m = resolve(exp_table)
        for spec in specs:
            attr_total += 1
            col = find_column(tables_by_name.get(m) if m else None, spec)
            if col:
                stated.setdefault(m, set()).add(col)
            else:
                attr_missed.append(f"{exp_table}.{spec}")
    r.update(attributes_expected=attr_total, missed_attributes=attr_missed)

    # columns beyond what was stated and the conventions (keys, timestamps, foreign keys)
    beyond = 0
    for n in matched:
        t = tables_by_name[n]
        fk_cols = {c for fk in t.get("foreign_keys", []) for c in fk["columns"]}
        for c in t["columns"]:
            if c["name"] in CONVENTION_COLUMNS or c["name"] in fk_cols or c["name"] in stated.get(n, set()):
                continue
            if c["name"] in t.get("primary_key", []):
                continue
            beyond += 1
    r.update(matched_tables=len(matched), columns_beyond_stated=beyond)

    # enums
    enum_total, enum_ok, enum_wrong = 0, 0, []
    for key, words in case.get("enums", {}).items():
        enum_total += 1
        exp_table, _, spec = key.partition(".")
        m = resolve(exp_table)
        t = tables_by_name.get(m) if m else None
        want = {_fold(w) for w in words}
        col = find_column(t, spec)
        vals = allowed_values(model, t, col) if col else None
        if (vals is None or {_fold(v) for v in vals} != want) and t is not None:
            # the writer chose the column's name; the user stated only the values: any column of the
            # table whose allowed values are exactly these counts
            for c in t["columns"]:
                other = allowed_values(model, t, c["name"])
                if other is not None and {_fold(v) for v in other} == want:
                    vals = other
                    break
        if vals is not None and {_fold(v) for v in vals} == want:
            enum_ok += 1
        else:
            enum_wrong.append(f"{key}: {vals}")
    r.update(enums_expected=enum_total, enums_verbatim=enum_ok, wrong_enums=enum_wrong)

    # rules
    rule_total, rule_ok, rule_missed = 0, 0, []
    for rule in case.get("rules", []):
        rule_total += 1
        m = resolve(rule["table"])
        t = tables_by_name.get(m) if m else None
        cols = [find_column(t, c) for c in rule.get("columns", [])]
        kind = rule["kind"]
        ok = False
        if t is not None:
            if kind == "unique":
                ok = all(cols) and set(cols) in _unique_sets(t)
            elif kind == "exclude":
                ok = bool(t.get("exclusions"))
            elif kind == "check":
                exprs = [c.get("expression") or c.get("definition") or "" for c in t.get("checks", [])]
                ok = all(cols) and any(
                    all(re.search(r"\b" + re.escape(c) + r"\b", e) for c in cols) for e in exprs
                )
            elif kind == "not_null":
                ok = all(cols) and all(not _column_nullable(t, c) for c in cols)
            elif kind == "append_only":
                names_ = {c["name"] for c in t["columns"]}
                ok = not ({"updated_at", "deleted_at"} & names_) and any(
                    ev & {"UPDATE", "DELETE"} and not constraint
                    for ev, constraint in _trigger_events(t)
                    if "INSERT" not in ev
                )
            elif kind == "cross_row":
                ok = any(constraint for _, constraint in _trigger_events(t))
        rule_ok += int(ok)
        if not ok:
            rule_missed.append(f"{kind} {rule['table']}({', '.join(rule.get('columns', []))})")
    r.update(rules_expected=rule_total, rules_enforced=rule_ok, missed_rules=rule_missed)

    # must-not
    must_not = case.get("must_not", {})
    bad = [t for t in must_not.get("tables", []) if match_table([t], names) in _forms(t)]
    for exp_table, cols in must_not.get("columns", {}).items():
        m = resolve(exp_table)
        t = tables_by_name.get(m) if m else None
        bad += [f"{m}.{c}" for c in cols if t is not None and any(x["name"] == c for x in t["columns"])]
    r.update(
        must_not_listed=len(must_not.get("tables", []))
        + sum(len(v) for v in must_not.get("columns", {}).values()),
        must_not_found=bad,
    )
    return r


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 3) if b else None


def summarize(results: list[dict]) -> dict:
    s = lambda k: sum(r[k] for r in results)
    n = lambda k: sum(len(r[k]) for r in results)
    return {
        "cases": len(results),
        "designed": sum(1 for r in results if r["exit"] == 0),
        "cli_rejected_text": sum(1 for r in results if r["cli_rejected"]),
        "loaded": sum(1 for r in results if r["loaded"]),
        "entity_recall": _ratio(s("entities_expected") - n("missed_entities"), s("entities_expected")),
        "relationship_recall": _ratio(s("relationships_found"), s("relationships_expected")),
        "fk_direction_errors": n("direction_errors"),
        "fks_nobody_asked_for": n("unasked_fks"),
        "optionality_agreement": _ratio(s("optionality_ok"), s("optionality_checked")),
        "role_names": _ratio(s("roles_ok"), s("roles_checked")),
        "tables_nobody_asked_for": _ratio(n("extra_tables"), s("tables")),
        "attributes_kept": _ratio(
            s("attributes_expected") - n("missed_attributes"), s("attributes_expected")
        ),
        "columns_beyond_stated_per_table": _ratio(s("columns_beyond_stated"), s("matched_tables")),
        "enums_verbatim": _ratio(s("enums_verbatim"), s("enums_expected")),
        "rules_enforced": _ratio(s("rules_enforced"), s("rules_expected")),
        "must_not_found": n("must_not_found"),
        "must_not_listed": s("must_not_listed"),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("set", help="a round under benchmarks/design_heldout (e.g. round1) or a folder of cases")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--verbose", "-v", action="store_true")
    ap.add_argument(
        "--llm", help="design through a model reader, e.g. replay:tests/design/replay (recorded answers)"
    )
    args = ap.parse_args(argv)
    folder = Path(args.set) if Path(args.set).is_dir() else SETS / args.set
    cases = []
    for p in sorted(folder.glob("*.json")):
        data = json.loads(p.read_text())
        if "expect" in data:  # a recorded model answer (tests/design/replay): its expectations
            data = {**data["expect"], "name": data["name"], "text": data["text"], "style": data.get("model")}
        cases.append(data)
    if not cases:
        print(f"no cases in {folder}", file=sys.stderr)
        return 1
    results = []
    for i, case in enumerate(cases, 1):
        print(f"[{i}/{len(cases)}] {case['name']}", file=sys.stderr)
        results.append(evaluate(case, design_case(case["text"], llm=args.llm)))
    summary = summarize(results)
    if args.json:
        print(json.dumps({"set": str(folder), "summary": summary, "cases": results}, indent=1))
        return 0
    print(
        f"{'case':26} {'style':15} {'ent':>7} {'rel':>7} {'attr':>7} {'enum':>5} {'rule':>5} {'extra':>5} {'load':>5}"
    )
    for r in results:
        ent = f"{r['entities_expected'] - len(r['missed_entities'])}/{r['entities_expected']}"
        rel = f"{r['relationships_found']}/{r['relationships_expected']}"
        att = f"{r['attributes_expected'] - len(r['missed_attributes'])}/{r['attributes_expected']}"
        print(
            f"{r['name']:26} {r['style']!s:15} {ent:>7} {rel:>7} {att:>7} "
            f"{r['enums_verbatim']}/{r['enums_expected']:<3} {r['rules_enforced']}/{r['rules_expected']:<3} "
            f"{len(r['extra_tables']):5d} {'yes' if r['loaded'] else 'NO':>5}"
        )
        if args.verbose:
            for key in (
                "missed_entities",
                "missed_relationships",
                "direction_errors",
                "extra_tables",
                "missed_attributes",
                "wrong_enums",
                "missed_rules",
                "must_not_found",
            ):
                if r[key]:
                    print(f"    {key}: {', '.join(map(str, r[key]))}")
            if r["error"]:
                print(f"    error: {r['error']}")
    print()
    for k, v in summary.items():
        print(f"{k:34} {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
