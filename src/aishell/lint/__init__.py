"""Migration linting: ``lint_text`` / ``lint_paths`` check migration SQL (files aishell wrote with
``version``, or any hand-written ones) for statements that lock, rewrite, lose data or fail on a live
database; ``aishell.lint.fixer`` rewrites them into their safe forms.

The rules (``aishell.lint.rules``) cover squawk's and add a few; each violation can carry the row count
of its table when a database is given, so "index without CONCURRENTLY" on a 12M-row table reads
differently from the same on an empty one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from aishell.errors import UserError
from aishell.lint.rules import ERROR, RULES, Rule, Violation, by_squawk_name
from aishell.lint.statements import ParsedFile, parse_file, read_sql_file

SYNTAX_ERROR = Rule(
    "syntax-error",
    ERROR,
    "The file does not parse",
    "PostgreSQL would reject it",
    ("syntax-error",),
    lambda s, f: (),
)
RULES.setdefault(SYNTAX_ERROR.id, SYNTAX_ERROR)


@dataclass
class FileReport:
    path: str
    violations: list[Violation] = field(default_factory=list)
    statements: int = 0

    def to_dict(self) -> dict:
        return {
            "path": self.path,
            "statements": self.statements,
            "violations": [v.to_dict() for v in self.violations],
        }


def lint_parsed(
    f: ParsedFile, rules: list[str] | None = None, exclude: list[str] | None = None
) -> FileReport:
    report = FileReport(f.path, statements=len(f.statements))
    if f.error:
        report.violations.append(
            Violation("syntax-error", ERROR, f.error, f.path, f.error_line or 1, "", squawk=("syntax-error",))
        )
        return report
    squawk_to_ours = by_squawk_name()
    wanted = [r for r in RULES.values() if (not rules or r.id in rules) and r.id not in (exclude or [])]

    def ignored(names: set[str], r: Rule) -> bool:
        return r.id in names or any(squawk_to_ours.get(n) == r.id or n in r.squawk for n in names)

    for s in f.statements:
        first = s.text.splitlines()[0] if s.text else ""
        for r in wanted:
            if ignored(f.ignored_file, r) or ignored(s.ignored, r):
                continue
            for message, table in r.check(s, f):
                report.violations.append(
                    Violation(r.id, r.severity, message, f.path, s.line, first[:200], table, squawk=r.squawk)
                )
    return report


def lint_text(text: str, path: str = "<sql>", **kw) -> FileReport:
    return lint_parsed(parse_file(text, path), **kw)


def migration_files(target: str | None, folder: Path) -> list[Path]:
    """FILE, DIR (its .sql files, the up files of a migrations folder) or VERSION (``1.2.0``, ``v1.2.0``)."""
    import re

    if target is None:
        if not folder.is_dir():
            raise UserError(
                f"nothing to analyze: no migrations folder {folder} (give a FILE, DIR or VERSION)"
            )
        target_path = folder
    else:
        target_path = Path(target)
        if not target_path.exists():
            if re.fullmatch(r"[vV]?\d+(\.\d+)*", target):
                from aishell.migrate.versions import normalize_version, versions_in

                v = normalize_version(target)
                found = [x for x in versions_in(folder) if x.version == v]
                if not found:
                    raise UserError(f"no version {v} in {folder}")
                return [found[0].up]
            raise UserError(f"{target}: no such file, directory or version")
    if target_path.is_dir():
        files = sorted(target_path.glob("*.sql"))
        ups = [p for p in files if p.name.endswith(".up.sql")]
        files = ups or [p for p in files if not p.name.endswith(".down.sql")]
        if not files:
            raise UserError(f"{target_path}: no .sql files")
        return files
    return [target_path]


def lint_paths(paths: list[Path], **kw) -> list[FileReport]:
    return [lint_text(read_sql_file(p), str(p), **kw) for p in paths]


def add_row_counts(reports: list[FileReport], conninfo: str) -> None:
    """Row counts of the tables the violations name: exact below 1M estimated rows, else the planner's
    estimate (pg_class.reltuples), labelled as such."""
    from aishell.dialects.postgres.connect import connect
    from aishell.dialects.postgres.quote import qualify

    tables = sorted({v.table for r in reports for v in r.violations if v.table})
    if not tables:
        return
    counts: dict[str, tuple[int | None, str | None]] = {}
    with connect(conninfo, autocommit=True) as conn:
        conn.execute("SET statement_timeout = '30s'")
        for t in tables:
            schema, name = t.split(".", 1)
            row = conn.execute(
                "SELECT c.reltuples::bigint FROM pg_class c JOIN pg_namespace n ON n.oid = "
                "c.relnamespace WHERE n.nspname = %s AND c.relname = %s",
                (schema, name),
            ).fetchone()
            if row is None:
                counts[t] = (None, None)
            elif row[0] < 1_000_000:  # -1: never analyzed; count it
                counts[t] = (
                    conn.execute(f"SELECT count(*) FROM {qualify(schema, name)}").fetchone()[0],
                    "exact",
                )
            else:
                counts[t] = (max(row[0], 0), "estimated")
    for r in reports:
        for v in r.violations:
            if v.table in counts:
                v.rows, v.rows_kind = counts[v.table]


__all__ = [
    "RULES",
    "FileReport",
    "Violation",
    "add_row_counts",
    "lint_parsed",
    "lint_paths",
    "lint_text",
    "migration_files",
    "parse_file",
]
