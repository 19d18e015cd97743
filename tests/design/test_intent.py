"""The design intent: its JSON Schema as committed in docs/, strict reading, and the round trip."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from aishell.design.intent import INTENT_SCHEMA, Intent, IntentFormatError
from aishell.design.parser import parse

DOCS_SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "design-intent.schema.json"


def test_committed_schema_is_the_one_the_code_uses():
    assert json.loads(DOCS_SCHEMA.read_text()) == INTENT_SCHEMA
    jsonschema.Draft202012Validator.check_schema(INTENT_SCHEMA)


@pytest.mark.parametrize(
    "text",
    [
        "Customers place orders; each order has a status (new, paid) and several items. Support 1M users.",
        "Students enroll in courses taught by teachers. Tasks can have subtasks. Multi-tenant, per company.",
    ],
)
def test_reader_output_matches_the_schema_and_round_trips(text):
    intent = parse(text)
    data = json.loads(json.dumps(intent.to_dict()))
    jsonschema.validate(data, INTENT_SCHEMA)
    assert Intent.from_dict(data, text=text).to_dict() == data


def test_full_intent_round_trips():
    data = {
        "intent_version": 1,
        "domain": "double-entry ledger",
        "entities": [
            {"name": "company", "attributes": [{"name": "name", "required": True}]},
            {
                "name": "account",
                "kind": "record",
                "attributes": [
                    {"name": "code", "required": True},
                    {"name": "type", "values": ["Asset", "Liability", "Equity", "Income", "Expense"]},
                ],
            },
            {"name": "journal_entry", "attributes": [{"name": "entry_date", "type": "date"}]},
            {
                "name": "journal_line",
                "append_only": True,
                "attributes": [{"name": "debit", "type": "money", "exclusive_min": 0}],
            },
        ],
        "relationships": [
            {"kind": "many_to_one", "from": "account", "to": "company", "required": True},
            {"kind": "many_to_one", "from": "journal_line", "to": "journal_entry", "on_delete": "cascade"},
            {"kind": "many_to_one", "from": "journal_line", "to": "account"},
        ],
        "rules": [
            {"kind": "unique", "entity": "account", "columns": ["code"], "scope": ["company"]},
            {"kind": "balanced", "entity": "journal_line", "group_by": "journal_entry", "debit": "debit"},
        ],
        "access_patterns": [{"entity": "journal_line", "filter": ["account"], "include": ["debit"]}],
        "scale": [{"count": 2000000, "entity": "journal_line", "period": "day", "retention": "7 years"}],
        "tenancy": {"tenant": "company"},
        "questions": [{"about": "fiscal period", "question": "Do you close periods?"}],
    }
    jsonschema.validate(data, INTENT_SCHEMA)
    intent = Intent.from_dict(data, text="t")
    assert intent.entities["account"].attribute("type").enum[0] == "Asset"  # verbatim
    assert intent.relationships[1].on_delete == "CASCADE"
    again = Intent.from_dict(json.loads(json.dumps(intent.to_dict())), text="t")
    assert again.to_dict() == intent.to_dict()
    jsonschema.validate(intent.to_dict(), INTENT_SCHEMA)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"entities": [{"name": "a", "colour": 1}]}, "entities[0]: unknown key 'colour'"),
        ({"entities": [{"name": "Bad Name"}]}, "is not a snake_case name"),
        (
            {"entities": [{"name": "a", "attributes": [{"name": "x", "required": "yes"}]}]},
            "entities[0].attributes[0]: required: expected true or false",
        ),
        (
            {"entities": [{"name": "a"}], "relationships": [{"kind": "many_to_one", "from": "a", "to": "b"}]},
            "'b'",
        ),
        ({"entities": [{"name": "a"}], "rules": [{"kind": "teleport", "entity": "a"}]}, "teleport"),
    ],
)
def test_strict_reading_names_the_bad_path(data, message):
    with pytest.raises(IntentFormatError, match=message.replace("[", r"\[").replace("]", r"\]")):
        Intent.from_dict(data, text="")
