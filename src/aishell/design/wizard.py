"""The interactive designer (``aishell schema design`` with no text, on a terminal).

It asks the tutorial's questions — what are you building, then the pattern's scale and feature
questions — and turns the answers into requirements text for the same engine as free text. The
questions come from the pattern files (``kb/patterns/*.json``, key ``wizard``).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from aishell.design import kb
from aishell.errors import UserError

MENU = [
    ("e-commerce", "E-commerce platform"),
    ("social-network", "Social network"),
    ("saas-multi-tenant", "SaaS application"),
    ("analytics", "Analytics system"),
    ("time-series", "Time-series / IoT"),
    ("event-sourcing", "Event sourcing"),
]

_NUMBER = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*([kKmMbB]|thousand|million|billion)?\+?\s*$")


def _yes(answer: str) -> bool | None:
    a = answer.strip().lower()
    if a in ("y", "yes", "true", "1", "sure", "ok", "yeah"):
        return True
    if a in ("n", "no", "false", "0", "nope", "none"):
        return False
    return None


def run(prompt: Callable[..., str], echo: Callable[[str], None]) -> tuple[str | None, str | None]:
    """Ask the questions; return (requirements text, pattern name). ``prompt(text, default)`` reads one answer."""
    echo("✨ Schema Designer")
    echo("━" * 50)
    echo("")
    echo("Let's design your database schema!")
    echo("")
    echo("What are you building?")
    echo("")
    for n, (_, label) in enumerate(MENU, 1):
        echo(f"[{n}] {label}")
    custom = len(MENU) + 1
    echo(f"[{custom}] Custom (describe your needs)")
    echo("")
    while True:
        raw = prompt("> Choice", "1").strip()
        if raw.isdigit() and 1 <= int(raw) <= custom:
            choice = int(raw)
            break
        data = kb.resolve_pattern(raw)
        if data is not None:
            choice = (
                [m[0] for m in MENU].index(data["name"]) + 1
                if data["name"] in [m[0] for m in MENU]
                else custom
            )
            break
        echo(f"Please answer 1-{custom}.")
    lines: list[str] = []
    pattern: str | None = None
    if choice == custom:
        echo("")
        text = ""
        while not text.strip():
            text = prompt("Describe what you are building (entities and how they relate)", "")
        lines.append(text)
        questions = [
            {"ask": "Expected number of users?", "kind": "number", "text": "{value} users"},
            {"ask": "Need soft delete?", "kind": "yesno", "yes": "Soft delete for records"},
            {"ask": "Need an audit trail?", "kind": "yesno", "yes": "Audit trail of changes"},
        ]
        removals: list[str] = []
    else:
        pattern = MENU[choice - 1][0]
        data = kb.patterns()[pattern]
        echo("")
        echo(f"Great! I'll help you design {_article(data['title'])} {data['title'].lower()} database.")
        questions = data.get("wizard", [])
        removals = []
    if questions:
        echo("")
        echo("Tell me about your requirements:")
    for q in questions:
        if q["kind"] == "number":
            while True:
                ans = prompt(f"- {q['ask']}", "").strip()
                if not ans:
                    break
                if _NUMBER.match(ans):
                    lines.append(q["text"].replace("{value}", ans.replace(" ", "")))
                    break
                echo("  (a number such as 5000, 100K or 1M; Enter to skip)")
        else:
            while True:
                ans = prompt(f"- {q['ask']}", "yes")
                yes = _yes(ans)
                if yes is not None:
                    break
                echo("  (yes or no)")
            if yes and q.get("yes"):
                lines.append(q["yes"])
            if not yes and q.get("no_remove"):
                rm = q["no_remove"]
                removals += rm if isinstance(rm, list) else [rm]
    echo("")
    echo("🤖 Analyzing requirements...")
    echo("")
    if pattern and removals:
        # the pattern's text minus the parts the user said no to
        text = "\n".join(
            line
            for line in kb.patterns()[pattern]["text"].splitlines()
            if line.strip() not in {r.strip() for r in removals}
        )
        return "\n".join([text, *lines]), None
    return ("\n".join(lines) or None), pattern


def _article(title: str) -> str:
    return "an" if title[:1].lower() in "aeiou" else "a"


def run_click(*, err: bool = False) -> tuple[str | None, str | None]:
    """Run the wizard with click's prompts; ``err`` sends questions to stderr (when stdout carries --json)."""
    import click

    def prompt(text: str, default: str) -> str:
        try:
            return click.prompt(text, default=default or "", show_default=bool(default), err=err)
        except click.exceptions.Abort:
            raise UserError("wizard aborted") from None

    return run(prompt, lambda line: click.echo(line, err=err))
