"""The rule reference of docs/analyze.md, generated from the rules' own docstrings.

``python -m aishell.analyze.docs`` rewrites the section between the markers; a test fails when the
page and the code disagree.
"""

from __future__ import annotations

import inspect as _inspect
import sys
from pathlib import Path

BEGIN, END = "<!-- rules:begin -->", "<!-- rules:end -->"


def rules_markdown() -> str:
    from aishell.analyze.registry import all_rules

    lines = [BEGIN, "", "| id | severity | categories | needs | runs |", "|---|---|---|---|---|"]
    rules = all_rules()
    for r in rules.values():
        needs = ", ".join(sorted(r.needs)) or "schema only"
        runs = "default" if r.default else "`--deep` or `--rule`"
        if "workload" in r.needs:
            runs = "`--with-query-patterns`"
        groups = f" ({', '.join('--check-' + g for g in sorted(r.groups))})" if r.groups else ""
        lines.append(
            f"| [`{r.id}`](#{r.id}) | {r.severity} | {', '.join(r.categories)} | {needs} | {runs}{groups} |"
        )
    lines.append("")
    for r in rules.values():
        doc = _inspect.cleandoc(r.__doc__ or "")
        lines += [f"### {r.id}", "", f"**{r.heading()}.** " + doc, ""]
    lines.append(END)
    return "\n".join(lines)


def update(path: Path) -> bool:
    text = path.read_text()
    new = text[: text.index(BEGIN)] + rules_markdown() + text[text.index(END) + len(END) :]
    if new != text:
        path.write_text(new)
        return True
    return False


if __name__ == "__main__":  # pragma: no cover
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/analyze.md")
    print("updated" if update(target) else "up to date")
