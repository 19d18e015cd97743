"""``aishell schema design`` and ``aishell schema requirements``: requirements in plain English → schema."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import click

from aishell.cli.output import console, json_option, print_json
from aishell.errors import UserError


class TextCommand(click.Command):
    """A command whose TEXT may start with "-": a bullet list ("- Support 1M users") is requirements, not an
    option. Such an argument (a dash followed by a space or a line break) is moved after "--"."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        texts = [a for a in args if re.match(r"^\s*[-*•]\s", a) or (a.startswith("-") and "\n" in a)]
        if texts and "--" not in args:
            args = [a for a in args if a not in texts] + ["--", *texts]
        return super().parse_args(ctx, args)


def _read_text(text: str | None, from_file: str | None) -> str | None:
    if text == "-" and not from_file:
        from_file = "-"
    if from_file:
        if from_file == "-":
            return sys.stdin.read()
        path = Path(from_file)
        if not path.exists():
            raise UserError(f"{from_file}: no such file")
        from aishell.sources import read_text_file

        return read_text_file(path)
    return text


def _confirm_click(reading: object, *, pattern: str | None, llm: str | None, config: object) -> object:
    """Show what was understood on the terminal and let the user confirm or correct it."""
    from aishell.design import read_requirements
    from aishell.design.wizard import confirm

    c = console()

    def prompt(text: str, default: str) -> str:
        try:
            return click.prompt(text, default=default, show_default=False)
        except click.exceptions.Abort:
            raise UserError("design cancelled: nothing was built") from None

    def reread(new_text: str) -> object:
        return read_requirements(new_text, pattern=pattern, llm=llm, config=config)

    return confirm(reading, prompt, c.print, reread, None if pattern else reading.full)


def _read_intent(path: str) -> object:
    from aishell.design.intent import Intent, IntentFormatError

    raw = sys.stdin.read() if path == "-" else None
    if raw is None:
        p = Path(path)
        if not p.exists():
            raise UserError(f"{path}: no such file")
        raw = p.read_text(encoding="utf-8")
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise UserError(f"{path}: not JSON (line {exc.lineno} column {exc.colno}: {exc.msg})") from None
    try:
        return Intent.from_dict(data)
    except IntentFormatError as exc:
        raise UserError(f"{path}: {exc}") from None


def _save(doc: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _llm_spec(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from aishell.design.llm import PROVIDERS

    if value is None or value in PROVIDERS or value.startswith("replay:"):
        return value
    raise UserError(f"--llm: unknown provider {value!r} (choose from {', '.join(PROVIDERS)}, or replay:DIR)")


@click.command(cls=TextCommand)
@click.argument("text", required=False)
@click.option(
    "--file", "from_file", metavar="PATH", help="Read the requirements from a file ('-' for stdin)."
)
@click.option(
    "--intent",
    "intent_file",
    metavar="FILE",
    help="Plan a design intent (JSON, docs/design-intent.schema.json) instead of reading text.",
)
@click.option(
    "--pattern",
    "pattern",
    metavar="NAME",
    help="Start from a pattern (e-commerce, social-network, saas-multi-tenant, analytics, event-sourcing, "
    "time-series); TEXT adds to it.",
)
@click.option(
    "--llm",
    metavar="PROVIDER",
    callback=_llm_spec,
    default=None,
    help="Read the text with a language model: openai, anthropic, ollama, vllm, lmstudio, llamacpp, or "
    "replay:DIR (recorded answers, no network). Endpoint/model/key from the environment or aishell.toml "
    "[llm]; falls back to the offline reader on any failure.",
)
@click.option(
    "--no-assumptions",
    is_flag=True,
    help="Leave out everything the design would assume (knowledge-base columns, tables and references "
    "the text does not state).",
)
@click.option(
    "--yes", "-y", "assume_yes", is_flag=True, help="Build without showing what was understood first."
)
@click.option(
    "--uuid-keys", is_flag=True, help="UUID primary keys (gen_random_uuid()) instead of BIGINT identity."
)
@click.option(
    "--output", "-o", "output", metavar="FILE", help="Also write the design document (JSON) to FILE."
)
@click.option("--no-save", is_flag=True, help="Do not save the design as aishell/design.json.")
@click.option("--no-validate", is_flag=True, help="Skip loading the DDL on the embedded PostgreSQL.")
@click.option("--brief", is_flag=True, help="Summary, features and validation only (no per-table listing).")
@click.option(
    "--wizard",
    "force_wizard",
    is_flag=True,
    help="Ask the interactive questions even when standard input is not a terminal.",
)
@json_option
def design(
    text: str | None,
    from_file: str | None,
    intent_file: str | None,
    pattern: str | None,
    llm: str | None,
    no_assumptions: bool,
    assume_yes: bool,
    uuid_keys: bool,
    output: str | None,
    no_save: bool,
    no_validate: bool,
    brief: bool,
    force_wizard: bool,
    as_json: bool,
) -> None:
    """Design a PostgreSQL schema from requirements in plain English, validated on a real server.

    With no TEXT on a terminal, an interactive wizard asks what you are building. The design is saved
    to aishell/design.json, which `aishell schema generate sql` and every SOURCE-reading command use.

    On a terminal, what was understood (entities, relationships, rules, questions) is shown first so
    you can confirm or correct it; --yes, --json or a pipe skip that.

    \b
    Examples:
      aishell schema design "a clinic where patients book appointments with doctors"
      aishell schema design "- Support 1M users
      - Customers place orders"
      aishell schema design --pattern e-commerce "with gift cards; 1M users, 10K orders per day"
      aishell schema design --file requirements.txt --json > design.json
      aishell schema design --llm anthropic --file requirements.txt
      aishell schema design --intent intent.json --no-assumptions
      aishell schema design            # interactive wizard
    """
    from aishell.config import design_path, load_config
    from aishell.design import design as run_design
    from aishell.design import read_requirements
    from aishell.design.planner import PlanOptions
    from aishell.design.review import render

    text = _read_text(text, from_file)
    interactive = False
    intent = None
    if intent_file:
        intent = _read_intent(intent_file)
    elif text is not None and not text.strip() and not pattern:
        raise UserError(
            "empty requirements: describe what you are building, e.g. "
            '"a clinic with patients, doctors and appointments"'
        )
    if intent is None and text is None and not pattern:
        if force_wizard or (sys.stdin.isatty() and not as_json):
            from aishell.design.wizard import run_click

            text, pattern = run_click(err=as_json)
            interactive = not as_json and sys.stdin.isatty()
            # the wizard was the conversation: its answers are built as the tutorial shows, without a
            # second round of questions
            assume_yes = True
        else:
            raise UserError(
                "no requirements given and no terminal for the wizard: pass TEXT, --file, --intent or --pattern"
            )
    config = load_config() if llm else None
    options = PlanOptions(key_type="uuid" if uuid_keys else "bigint")
    reading = None
    if intent is None:
        reading = read_requirements(text, pattern=pattern, llm=llm, config=config)
        if not as_json and not assume_yes and sys.stdin.isatty() and sys.stdout.isatty():
            reading = _confirm_click(reading, pattern=pattern, llm=llm, config=config)
    d = run_design(
        text,
        pattern=pattern,
        validate=not no_validate,
        llm=llm,
        options=options,
        config=config,
        intent=intent,
        reading=reading,
        assumptions=not no_assumptions,
    )
    doc = d.document()
    saved = None
    if not no_save:
        path = design_path()
        _save(doc, path)
        saved = os.path.relpath(path)
    if output:
        _save(doc, Path(output))
    if as_json:
        print_json(doc)
    else:
        c = console()
        for r in render(d, saved_to=saved, show_tables=not brief):
            c.print(r)
    if d.validation is not None and not d.validation.ok:
        failed = [c.name + (f": {c.detail}" if c.detail else "") for c in d.validation.checks if not c.ok]
        raise UserError("design did not validate: " + "; ".join(failed))
    if interactive:
        _options_menu(d)


def _options_menu(d) -> None:
    """The tutorial's closing menu, after a wizard session."""
    from aishell.dialects.postgres.generate import generate

    while True:
        click.echo("")
        click.echo("Options:")
        click.echo("  [1] Generate SQL migration")
        click.echo("  [2] Visualize schema diagram")
        click.echo("  [3] Analyze performance")
        click.echo("  [4] Export schema")
        click.echo("  [5] Done")
        choice = click.prompt("> Choice", default="5", show_default=False).strip()
        if choice == "1":
            click.echo(d.ddl or generate(d.schema))
        elif choice == "2":
            click.echo(
                "Run: aishell schema diagram design --format mermaid   (or --format png -o schema.png)"
            )
        elif choice == "3":
            from aishell.analyze import AnalyzeOptions, analyze_schema

            report = analyze_schema(d.schema, AnalyzeOptions())
            counts = report.counts()
            click.echo(
                f"Analyzer: {counts['critical']} critical, {counts['warning']} warnings, "
                f"{counts['optimization']} optimizations (aishell schema analyze design for details)"
            )
        elif choice == "4":
            target = click.prompt("File", default="schema.json")
            _save(d.document(), Path(target))
            click.echo(f"Wrote {target}")
        else:
            return


@click.command(cls=TextCommand)
@click.argument("text", required=False)
@click.option(
    "--file", "from_file", metavar="PATH", help="Read the requirements from a file ('-' for stdin)."
)
@click.option("--pattern", metavar="NAME", help="Include a pattern's requirements.")
@click.option(
    "--llm",
    metavar="PROVIDER",
    callback=_llm_spec,
    default=None,
    help="Read with a language model (as for `schema design`), or replay:DIR.",
)
@json_option
def requirements(
    text: str | None, from_file: str | None, pattern: str | None, llm: str | None, as_json: bool
) -> None:
    """Show what aishell understands from requirements text: entities, relationships with their
    cardinality, rules, features, scale, and the questions it could not settle (the design intent).

    \b
    Examples:
      aishell schema requirements "Support 1M users; handle 10K orders/day; search across products"
      aishell schema requirements --json "students enroll in courses taught by teachers"
      aishell schema requirements --file notes.md
    """
    from aishell.config import load_config
    from aishell.design import read_requirements
    from aishell.design.review import render_requirements

    text = _read_text(text, from_file)
    if (text is None or not text.strip()) and not pattern:
        raise UserError("empty requirements: pass TEXT, --file or --pattern")
    reading = read_requirements(text or "", pattern=pattern, llm=llm, config=load_config() if llm else None)
    req = reading.intent
    for note in reading.notes:
        req.notes.append(note)
    if as_json:
        print_json(req.to_dict())
        return
    c = console()
    for r in render_requirements(req):
        c.print(r)
