"""The JSON format of the model: round trip, defaults omitted, strict loading with a path in errors."""

from __future__ import annotations

import json

import pytest

from aishell.model import (
    Column,
    ForeignKey,
    Index,
    ModelFormatError,
    Schema,
    Table,
    dumps,
    from_dict,
    loads,
    to_dict,
)


def _sample() -> Schema:
    users = Table("users", columns=[Column("id", "bigint", nullable=False, identity="always"),
                                    Column("email", "character varying(255)", nullable=False)],
                  primary_key=["id"], indexes=[Index("users_email_key", ["email"], unique=True)])
    orders = Table("orders", columns=[Column("id", "bigint", nullable=False), Column("user_id", "bigint")],
                   primary_key=["id"],
                   foreign_keys=[ForeignKey("orders_user_id_fkey", ["user_id"], "users", ["id"],
                                            on_delete="CASCADE")])
    return Schema(tables=[users, orders])


def test_round_trip_is_lossless():
    schema = _sample()
    assert loads(dumps(schema)) == schema


def test_documented_field_names_and_defaults_omitted():
    data = to_dict(_sample())
    assert data["format_version"] == 1
    users = data["tables"][0]
    assert set(users) >= {"name", "columns", "primary_key", "indexes"}
    assert "schema" not in users  # default 'public' is left out
    fk = data["tables"][1]["foreign_keys"][0]
    assert {"name", "columns", "ref_table", "ref_columns", "on_delete"} <= set(fk)
    assert "on_update" not in fk  # default


@pytest.mark.parametrize(
    "doc, message",
    [
        ("[]", "must be a JSON object"),
        ('{"hello": 1}', "not a schema model"),
        ('{"format_version": 99, "tables": []}', "unsupported format_version"),
        ('{"tables": [{"name": "t", "columns": [{"name": "a", "type": "int", "nullable": "no"}]}]}',
         "tables[0].columns[0].nullable: expected true or false"),
        ('{"tables": [{"name": "t", "colums": []}]}', "tables[0]: unknown key 'colums'"),
        ('{"tables": [{"columns": []}]}', "tables[0]: missing required key 'name'"),
        ('{"tables": {"name": "t"}}', "tables: expected a list"),
        ("{not json", "invalid JSON at line 1"),
    ],
)
def test_wrongly_shaped_json_names_the_path(doc, message):
    with pytest.raises(ModelFormatError) as exc:
        loads(doc)
    assert message in str(exc.value)


def test_design_extras_are_ignored_when_loading():
    data = to_dict(_sample())
    data["requirements"] = {"entities": ["users"]}
    data["validation"] = {"loaded": True}
    assert loads(json.dumps(data)) == _sample()
    with pytest.raises(ModelFormatError):
        from_dict(data)  # strict by default


def test_one_pass_writer_matches_the_reference_encoder():
    schema = _sample()
    schema.tables[0].comment = 'Ünïcode "quoted" \\ back\nslash'
    schema.tables[0].attrs = {"row_estimate": 12.5, "nested": {"a": [1, None, True]}, "empty": {}}
    schema.attrs = {"nan_free": 0.1}
    assert dumps(schema) == json.dumps(to_dict(schema), indent=2, ensure_ascii=False)
    assert dumps(schema, indent=None) == json.dumps(to_dict(schema), ensure_ascii=False)
