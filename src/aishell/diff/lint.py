"""Squawk (https://squawkhq.com) rules our migration files knowingly trip, each with the reason.

The files must pass ``squawk`` with no violation left unexplained. Where a statement is what the
desired schema asks for (a DROP the user allowed with ``--unsafe``, a view dropped to be recreated) the
file carries ``-- squawk-ignore <rule>`` right before it, preceded by a comment saying why. Column
type preferences (``prefer-bigint-over-int``, ``prefer-text-field``, ...) concern the schema's design,
not the migration: they are ignored for the whole file with that explanation.
"""

from __future__ import annotations

import re

# Rules about the design's choice of types: reported by `aishell schema analyze`, not the migration's business.
TYPE_RULES = {
    "prefer-bigint-over-int": r"\b(integer|int|int4|serial)\b",
    "prefer-bigint-over-smallint": r"\b(smallint|int2|smallserial)\b",
    "prefer-text-field": r"\b(character varying|varchar)\s*\(",
    "ban-char-field": r"\bcharacter\s*\(|\bchar\s*\(",
    "prefer-timestamptz": r"\btimestamp without time zone\b|\btimestamp\b(?! with)",
    "prefer-identity": r"\bserial\b|\bbigserial\b",
}
TYPE_RULES_WHY = ("column types come from the desired schema; the migration reproduces them and never "
                  "picks types on its own (`aishell schema analyze` reviews type choices)")

_RULES: list[tuple[str, str, str]] = [
    (r"^DROP (MATERIALIZED )?VIEW", "ban-drop-view",
     "the view is gone from the desired schema, or is dropped only to be recreated below around a change it depends on"),
    (r"\bDROP CONSTRAINT\b", "ban-drop-constraint",
     "the desired schema drops or redefines this constraint (a redefined one is added back below)"),
    (r"\bDROP DEFAULT\b", "ban-drop-default",
     "the desired schema changes this default (a new one, if any, is set below)"),
    (r"\bDROP NOT NULL\b", "ban-drop-not-null", "the desired schema allows NULL here"),
    (r"^DROP TYPE\b", "ban-drop-type", "the type is gone from the desired schema (or replaced by its rebuilt version)"),
    (r"^DROP (FUNCTION|PROCEDURE|AGGREGATE)\b", "ban-drop-function",
     "the routine is gone from the desired schema, or is recreated below with its new signature"),
    (r"^DROP DOMAIN\b", "ban-drop-domain", "the domain is gone from, or redefined in, the desired schema"),
    (r"^CREATE DOMAIN\b.*\bCHECK\b", "ban-create-domain-with-constraint",
     "the desired schema defines this domain with a CHECK"),
    (r"^ALTER DOMAIN\b.*\bADD\b", "ban-alter-domain-with-add-constraint",
     "the desired schema adds this CHECK; it is added NOT VALID and validated separately"),
    (r"^DROP EXTENSION\b", "ban-drop-extension", "the extension is gone from the desired schema (allowed with --unsafe)"),
    (r"^DROP SCHEMA\b", "ban-drop-schema", "the schema is gone from the desired schema and is empty by now"),
    (r"^DROP SEQUENCE\b", "ban-drop-sequence", "the sequence is gone from the desired schema"),
    (r"\bDROP COLUMN\b|\bDROP ATTRIBUTE\b", "ban-drop-column",
     "the desired schema no longer has this column (allowed with --unsafe), or it is recreated below"),
    (r"^DROP TABLE\b", "ban-drop-table", "the table is gone from the desired schema (allowed with --unsafe)"),
    (r"^ALTER TABLE \S+ RENAME TO\b", "renaming-table", "a rename confirmed with --rename"),
    (r"\bRENAME (TO|CONSTRAINT)\b", "renaming-object", ("a rename the desired schema asks for (--rename, or a "
                                                         "same-definition index/constraint), or an enum rebuild")),
    (r"\bRENAME COLUMN\b", "renaming-column", "a rename confirmed with --rename"),
    (r"\bADD COLUMN\b.*\b(GENERATED ALWAYS AS \(|DEFAULT\b.*\b(random|gen_random_uuid|uuid_generate|clock_timestamp|nextval)\s*\()",
     "adding-field-with-default", ("the desired schema has a volatile default or a stored generated column here: "
                                  "the table is rewritten (see the hazard above)")),
    (r"\bADD GENERATED\b|\bSET GENERATED\b|\bDROP IDENTITY\b|\bALTER COLUMN \S+ (SET|RESTART)\b.*\b(INCREMENT|START|CACHE|CYCLE|MINVALUE|MAXVALUE)\b",
     "ban-alter-identity", "the desired schema changes this identity column"),
    (r"\bADD CONSTRAINT \S+ EXCLUDE\b", "constraint-missing-not-valid",
     "an EXCLUDE constraint cannot be added NOT VALID"),
    (r"^DROP INDEX (?!CONCURRENTLY)", "require-concurrent-index-deletion",
     "an index on a partitioned table cannot be dropped concurrently"),
    (r"\bDETACH PARTITION\b(?!.*CONCURRENTLY)", "require-concurrent-partition-detach",
     ("DETACH ... CONCURRENTLY would leave a CHECK copy of the partition bound on the table, which the desired "
     "schema does not have; the plain form holds its lock only briefly")),
    (r"^CREATE (UNIQUE )?INDEX (?!CONCURRENTLY)", "require-concurrent-index-creation",
     "the index is built on a table this migration creates, or on a partitioned table (no concurrent form)"),
    (r"\bALTER COLUMN \S+ TYPE\b", "changing-column-type",
     "the desired schema changes this column's type; the hazards above say what it costs"),
    (r"\bADD CONSTRAINT \S+ (UNIQUE|PRIMARY KEY) \(", "disallowed-unique-constraint",
     "no concurrent form exists here (partitioned table)"),
]


def _keyword(pattern: str) -> str:
    """A plain word every match of ``pattern`` contains, to skip the regex cheaply."""
    if "|" in pattern:  # alternatives: no single word is sure to be there
        return ""
    words = re.findall(r"[A-Z]{4,}", pattern)
    return words[0] if words else ""


_COMPILED = [(re.compile(p, re.IGNORECASE | re.DOTALL), rule, why, _keyword(p)) for p, rule, why in _RULES]
_TYPE_COMPILED = {rule: re.compile(p, re.IGNORECASE) for rule, p in TYPE_RULES.items()}
_TYPED_STATEMENT = re.compile(r"^\s*(CREATE (UNLOGGED )?TABLE|ALTER TABLE|CREATE TYPE|CREATE DOMAIN|ALTER TYPE|"
                              r"CREATE SEQUENCE|ALTER SEQUENCE)", re.IGNORECASE)


def statement_rules(sql: str) -> list[tuple[str, str]]:
    """The squawk rules this statement trips, with the reason it is still right."""
    first = sql.strip()
    if first.upper().startswith(("CREATE TABLE", "COMMENT ON", "GRANT ", "CREATE VIEW", "CREATE FUNCTION",
                                 "CREATE OR REPLACE", "CREATE TRIGGER", "CREATE POLICY")):
        return []  # nothing squawk flags, and the commonest statements by far
    upper = first.upper()
    return [(rule, why) for pattern, rule, why, word in _COMPILED if word in upper and pattern.search(first)]


def type_rules_in(sqls: list[str]) -> list[str]:
    text = "\n".join(s for s in sqls if _TYPED_STATEMENT.match(s))
    lower = text.lower()
    cheap = {"prefer-bigint-over-int": ("int", "serial"), "prefer-bigint-over-smallint": ("smallint", "int2", "smallserial"),
             "prefer-text-field": ("varying", "varchar"), "ban-char-field": ("char",), "prefer-timestamptz": ("timestamp",),
             "prefer-identity": ("serial",)}
    return [rule for rule, pat in _TYPE_COMPILED.items()
            if any(w in lower for w in cheap[rule]) and pat.search(text)]
