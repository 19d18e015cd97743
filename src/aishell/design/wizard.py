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


# -- confirming what was understood ----------------------------------------------------------------------


def drop_entity(intent: object, name: str) -> None:
    """Forget an entity the user says is not something to store, and everything that pointed at it."""
    intent.entities.pop(name, None)
    intent.relationships = [r for r in intent.relationships if name not in (r.source, r.target)]
    intent.rules = [r for r in intent.rules if r.entity != name]
    intent.access_patterns = [p for p in intent.access_patterns if p.entity != name]
    intent.questions = [q for q in intent.questions if q.about != name]
    for s in intent.scale:
        if s.entity == name:
            s.entity = None


def confirm(
    reading: object,
    prompt: Callable[..., str],
    echo: Callable[[object], None],
    reread: Callable[[str], object],
    text: str | None,
) -> object:
    """Show what was understood, ask the reader's questions, and let the user build, edit or stop.

    ``prompt(text, default)`` reads one answer; ``reread(new_text)`` reads corrected requirements.
    Returns the reading to build (possibly corrected)."""
    from aishell.design.review import render_requirements

    while True:
        intent = reading.intent
        for line in render_requirements(intent):
            echo(line)
        for q in list(intent.questions):
            if q.kind != "entity" or q.about not in intent.entities:
                continue
            while True:
                ans = _yes(prompt(f"? {q.question} [y/n]", "y"))
                if ans is not None:
                    break
            if not ans:
                drop_entity(intent, q.about)
                echo(f"  left out: {q.about}")
            else:
                intent.questions.remove(q)
        echo("")
        choice = prompt("Build this design? [Y]es / [e]dit the requirements / [q]uit", "y").strip().lower()
        if choice in ("", "y", "yes"):
            return reading
        if choice in ("q", "quit", "n", "no"):
            raise UserError("design cancelled: nothing was built")
        if choice in ("e", "edit"):
            edited = _edit(text or intent.text)
            if edited is not None and edited.strip():
                text = edited
                reading = reread(edited)
            continue
        echo("  (y, e or q)")


def _edit(text: str) -> str | None:
    import click

    return click.edit(text, extension=".md")
