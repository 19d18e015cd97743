"""Entities and attributes the offline reader keeps: things defined as a sum of parts, acts repeated per
period, people named by a count ("one tuner"), and the columns said in lists ("received time", "year
planted", "drop off time", "duration in seconds"). Texts written for these tests, in domains outside the
evaluation sets."""

from __future__ import annotations

import psycopg
import pytest

from aishell.design import design
from aishell.design.parser import parse
from aishell.dialects.postgres.generate import generate


def _attrs(text: str, entity: str) -> list[str]:
    req = parse(text)
    ent = req.entities.get(entity)
    assert ent is not None, f"no {entity} in {sorted(req.entities)}"
    return [a.name for a in ent.attributes]


def _refs(text: str) -> set[tuple[str, str]]:
    return {(r.source, r.target) for r in parse(text).relationships if r.kind in ("many_to_one", "one_to_one")}


# ---- "X = A + B + C" -------------------------------------------------------------------------------


def test_a_sum_of_parts_makes_a_table_with_references_and_columns():
    text = (
        "Our brewery tracks kegs and brewers. A refill = keg + brewer + filled at time + volume in litres. "
        "Each keg has a serial number."
    )
    req = parse(text)
    assert "refill" in req.entities
    assert {("refill", "keg"), ("refill", "brewer")} <= _refs(text)
    cols = _attrs(text, "refill")
    assert "volume_litres" in cols and any(c.startswith("filled_at") for c in cols)
    assert "keg" not in cols and "brewer" not in cols  # references, not text columns


def test_a_sum_keeps_listed_values_and_leaves_rules_to_the_clause():
    text = "Anglers log catches. A catch = angler + length (> 0) + bait (worm, fly or lure)."
    req = parse(text)
    bait = req.entities["catch"].attribute("bait")
    assert bait is not None and bait.enum == ["worm", "fly", "lure"]
    assert req.entities["catch"].attribute("length") is not None


def test_an_equals_sign_with_a_value_is_no_table():
    text = "Darts league: players have a name; a perfect leg = 9 darts. Players play matches."
    assert "leg" not in parse(text).entities


# ---- acts repeated per period ------------------------------------------------------------------------


def test_a_pairing_once_per_period_is_an_act_with_the_period(scratch_db):
    text = (
        "Allotment society: beds have a number; a grower may rent at most one bed per year, and a bed has at "
        "most one grower per year."
    )
    req = parse(text)
    assert "rental" in req.entities
    assert {("rental", "grower"), ("rental", "bed")} <= _refs(text)
    assert req.entities["rental"].attribute("year") is not None
    assert not any({r.source, r.target} == {"grower", "bed"} for r in req.relationships)
    uniques = [set(r.columns + r.scope) for r in req.rules if r.kind == "unique" and r.entity == "rental"]
    assert {"grower", "year"} in uniques and {"year"} not in uniques  # never "one rental per year" overall
    d = design(text, validate=False)
    with psycopg.connect(scratch_db, autocommit=True) as conn:
        conn.execute(generate(d.schema, header=False))
        g = conn.execute("INSERT INTO growers (first_name, last_name) VALUES ('A', 'B') RETURNING id").fetchone()[0]
        b1 = conn.execute("INSERT INTO beds (number) VALUES ('1') RETURNING id").fetchone()[0]
        b2 = conn.execute("INSERT INTO beds (number) VALUES ('2') RETURNING id").fetchone()[0]
        ins = "INSERT INTO rentals (grower_id, bed_id, year) VALUES (%s, %s, %s)"
        conn.execute(ins, (g, b1, 2030))
        conn.execute(ins, (g, b2, 2031))  # another year: allowed
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute(ins, (g, b2, 2030))  # a second bed the same year


def test_a_verb_whose_act_is_a_person_word_names_the_pair_instead():
    text = "Teams bowl on lanes. Lanes have a number. A lane can only host one team per night."
    req = parse(text)
    assert "host" not in req.entities
    assert any(e.endswith("team") or e.endswith("lane") for e in req.entities if e not in ("lane", "team"))


def test_the_same_words_without_a_period_stay_a_reference():
    text = "Each driver drives one truck per route. Routes have a name. Trucks have a plate."
    assert "driving" not in parse(text).entities


# ---- things counted with "one" ---------------------------------------------------------------------


def test_one_before_a_noun_counts_a_thing():
    text = (
        "Chimney sweeping: clients have chimneys. Each sweep is for one chimney, done by one sweeper. "
        "One sweeper can not have two sweeps at the same time."
    )
    req = parse(text)
    assert "sweeper" in req.entities
    assert ("sweep", "sweeper") in _refs(text)


def test_one_person_per_event_puts_the_key_on_the_event():
    text = "Bands book rehearsals in rooms, one technician per rehearsal."
    assert ("rehearsal", "technician") in _refs(text)
    assert ("technician", "rehearsal") not in _refs(text)


def test_roles_said_to_be_all_one_kind_of_person_share_its_table():
    text = "Each canoe has one steerer. Steerers and paddlers are all members."
    req = parse(text)
    assert "steerer" not in req.entities
    assert any(r.source == "canoe" and r.role == "steerer" for r in req.relationships)


def test_a_thing_said_to_be_our_customers_is_one_table():
    text = "Schools are our customers; each school can have several contacts. Contacts have an email."
    req = parse(text)
    assert "customer" not in req.entities and "school" in req.entities


# ---- columns said in lists -----------------------------------------------------------------------------


def test_a_participle_between_article_and_noun_is_part_of_the_column():
    text = "Each parcel has a weight, a received time and a scanned barcode."
    assert {"weight", "received_time", "scanned_barcode"} <= set(_attrs(text, "parcel"))


def test_each_with_a_countable_generic_noun_makes_it_a_table():
    text = "Our makerspace lends tools. Each tool has a name and a barcode."
    assert {"name", "barcode"} <= set(_attrs(text, "tool"))


def test_phrasal_verbs_and_trailing_participles_name_one_column():
    text = (
        "Laundry: each bag has a tag. Bag has drop off time and pick up time.\n"
        "- Hives: name, colony strength, weight in kilograms, year installed"
    )
    assert {"drop_off_time", "pick_up_time"} <= set(_attrs(text, "bag"))
    hive = set(_attrs(text, "hive"))
    assert {"name", "year_installed", "weight_kilograms"} <= hive


def test_a_list_item_verb_before_a_column_word_is_part_of_it():
    text = "Each lecture has a title, record time, duration in minutes, and a room."
    cols = set(_attrs(text, "lecture"))
    assert {"title", "record_time", "duration_minutes"} <= cols


def test_a_bare_word_in_a_list_is_a_column_even_if_known_as_a_thing():
    text = "Collectors have guitars. Guitar has brand, serial number, year of making."
    req = parse(text)
    assert "brand" not in req.entities
    assert {"brand", "serial_number"} <= set(_attrs(text, "guitar"))


def test_a_sentence_ends_after_a_unit_written_in_capitals():
    text = "Each pump has a flow in kW. A pump reading = pump + pressure + read time."
    req = parse(text)
    assert "pump_reading" in req.entities or "reading" in req.entities


# ---- template columns ------------------------------------------------------------------------------


def test_a_denied_login_leaves_out_login_columns():
    d = design("Members borrow tools. Members don't log in, the desk does everything.", validate=False)
    members = next(t for t in d.schema.tables if t.name == "members")
    cols = {c.name for c in members.columns}
    assert not {"password_hash", "last_login_at", "email_verified"} & cols
    d2 = design("Members log in and borrow tools.", validate=False)
    members2 = next(t for t in d2.schema.tables if t.name == "members")
    assert "password_hash" in {c.name for c in members2.columns}


def test_a_pure_link_act_gets_no_assumed_name_column():
    d = design("Trucks and routes: a truck does one route per day.", validate=False)
    link = next(t for t in d.schema.tables if {"truck_id", "route_id"} <= {c.name for c in t.columns})
    assert "name" not in {c.name for c in link.columns}
    assert "day" in {c.name for c in link.columns}


def test_what_a_thing_records_are_its_columns_and_people_keep_their_records():
    text = "Kilns are fired. Each firing records loaded, started and cooled times."
    assert {"loaded_time", "started_time", "cooled_time"} <= set(_attrs(text, "firing"))
    people = "Each nurse records observations. Observations have a value."
    assert ("observation", "nurse") in _refs(people)  # a person's records are rows, not her columns


def test_negated_auxiliaries_are_never_names():
    text = "Each trip has a departure and an arrival, and arrival can't be before departure."
    assert set(_attrs(text, "trip")) == {"departure", "arrival"}
    text = "Each locker has a code which of course can't belong to two lockers. Renters dont log in."
    req = parse(text)
    assert "course" not in req.entities and "renter" in req.entities


def test_what_things_are_grouped_into_is_a_thing():
    text = "Shelves have a label and are grouped into regions."
    req = parse(text)
    assert "region" in req.entities and ("shelf", "region") in _refs(text)
    assert "region" not in parse("Shelves have a label and a region.").entities  # a column here


def test_an_unknown_noun_said_three_times_as_a_subject_is_a_thing():
    text = (
        "Every week each crew rows a heat. A heat has a lane, a start time and a finish time. "
        "A heat is three laps."
    )
    assert {"lane", "start_time", "finish_time"} <= set(_attrs(text, "heat"))


def test_a_time_slot_is_when_not_a_table_and_a_sum_counts_one_of_each():
    text = "Players book courts for a time slot. Each lesson = 1 player + 1 coach + a court."
    req = parse(text)
    assert "time_slot" not in req.entities
    assert {("lesson", "player"), ("lesson", "coach"), ("lesson", "court")} <= _refs(text)


# ---- a list of words makes an enum, whatever number the column's name suggests ----------------------


def test_an_enum_column_named_like_a_measure_takes_no_numeric_check(scratch_db):
    # "size" and "level" are numbers in the knowledge base (CHECK >= 0); here the text lists words, so the
    # columns are enums of those words and a numeric CHECK would not load
    text = (
        "A poster shop. Posters have a title and a size (A2, A1, A0). "
        "Climbing routes have a name and a difficulty level (easy, medium, hard)."
    )
    d = design(text)
    posters = next(t for t in d.schema.tables if t.name == "posters")
    size = posters.column("size")
    assert size is not None and size.type.lower() not in ("integer", "numeric")
    assert not any("size" in c.expression for c in posters.checks)
    enum_values = {v for e in d.schema.enums for v in e.values}
    assert {"A2", "A1", "A0"} <= enum_values or {"a2", "a1", "a0"} <= enum_values
    with psycopg.connect(scratch_db, autocommit=True) as conn:
        conn.execute(generate(d.schema, header=False))
