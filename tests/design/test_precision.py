"""Precision rules on texts that are not in the evaluation set: what a reviewer would strike out is not
designed (archetype columns the text restates in its own words, tables for plain attribute lists, review
columns on a rating, references the text never implies)."""

from __future__ import annotations

import pytest

from aishell.design import design, kb
from aishell.design.parser import parse


def _tables(text):
    d = design(text, validate=False)
    return {t.name: t for t in d.schema.tables if not t.partition_of}


def _cols(t):
    return {c.name for c in t.columns}


@pytest.mark.parametrize(
    ("stated", "archetype_column"),
    [
        ("start_time", "starts_at"),
        ("starting_time", "starts_at"),
        ("begin_date", "starts_at"),
        ("end_time", "ends_at"),
        ("pickup_location", "origin"),
        ("dropoff_address", "destination"),
        ("departure_time", "starts_at"),
        ("return_date", "ends_at"),
        ("fare", "amount"),
        ("plate", "license_plate"),
        ("handover_notes", "notes"),
    ],
)
def test_same_meaning(stated, archetype_column):
    assert kb.same_meaning(stated, archetype_column)


@pytest.mark.parametrize(
    ("a", "b"),
    [("start_time", "origin"), ("unit_price", "amount"), ("sale_price", "price"), ("notes", "status")],
)
def test_different_meaning(a, b):
    assert not kb.same_meaning(a, b)


def test_stated_times_replace_archetype_times_and_keep_their_checks():
    t = _tables(
        "Teams schedule meetings in rooms. Each meeting has a starting time, an ending time and an agenda."
    )["meetings"]
    assert {"starting_time", "ending_time"} <= _cols(t)
    assert not {"starts_at", "ends_at"} & _cols(t)
    assert t.column("starting_time").type == "TIMESTAMPTZ" and not t.column("starting_time").nullable
    assert "ending_time IS NULL OR ending_time > starting_time" in [c.expression for c in t.checks]


def test_stated_places_replace_origin_and_destination():
    t = _tables(
        "Airlines operate flights. A flight has a flight number, a departure time, an arrival time, "
        "a departure location and an arrival location."
    )["flights"]
    cols = _cols(t)
    assert {"departure_time", "arrival_time", "departure_location", "arrival_location"} <= cols
    assert not {"starts_at", "ends_at", "origin", "destination"} & cols


def test_bare_plural_in_an_attribute_list_is_a_column():
    tables = _tables("Hikers log hikes. Each hike has a distance, a difficulty and hazards.")
    assert "hazards" not in tables
    assert tables["hikes"].column("hazards").type == "TEXT"


def test_plural_with_attributes_of_its_own_stays_a_table():
    tables = _tables(
        "Hikers log hikes. Each hike has a distance and waypoints. Waypoints have a latitude and a longitude."
    )
    assert "waypoints" in tables
    assert any(fk.ref_table == "hikes" for fk in tables["waypoints"].foreign_keys)


def test_plural_of_a_strong_archetype_stays_a_table():
    req = parse("Each listing has a title, a price and photos. Sellers publish listings.")
    assert "photo" in req.entities


def test_event_phrase_attaches_the_event_and_rating_is_a_rating():
    tables = _tables("Guests stay in apartments owned by hosts. Guests rate hosts after each stay.")
    r = tables["ratings"]
    assert {fk.ref_table for fk in r.foreign_keys} == {"guests", "hosts", "stays"}
    assert {"score", "comment"} <= _cols(r)
    assert not {"title", "body", "is_verified"} & _cols(r)
    assert ["guest_id", "stay_id"] in [u.columns for u in r.unique]  # one rating per guest and stay
    assert "score BETWEEN 1 AND 5" in [c.expression for c in r.checks]


def test_during_each_attaches_the_recorded_thing():
    tables = _tables("Coaches train players. Medics record injuries for players during each match.")
    assert "match_id" in _cols(tables["injuries"])


def test_reviews_and_ratings_are_still_one_table():
    req = parse("Customers review products. Product reviews and ratings.")
    assert "review" in req.entities and "rating" not in req.entities


def test_required_references_never_form_a_ring():
    tables = _tables(
        "Each restaurant has a menu of items with a name and a price. Every order contains several menu "
        "items. Customers place orders from a restaurant."
    )
    required = {
        (t.name, fk.ref_table)
        for t in tables.values()
        for fk in t.foreign_keys
        if fk.ref_table != t.name and not t.column(fk.columns[0]).nullable
    }
    graph: dict[str, set[str]] = {}
    for a, b in required:
        graph.setdefault(a, set()).add(b)

    def reaches(a, b, seen=()):
        return any(n == b or (n not in seen and reaches(n, b, (*seen, n))) for n in graph.get(a, ()))

    assert not any(reaches(n, n) for n in graph)


def test_no_reference_the_text_never_implies():
    # who reviews and what is reviewed are both said: the knowledge base adds no rooms reference
    reviews = _tables("Patients review doctors. Doctors work at clinics. Clinics have rooms.")["reviews"]
    assert {fk.ref_table for fk in reviews.foreign_keys} == {"patients", "doctors"}


def test_people_are_never_the_event_of_a_clause():
    walkers = _tables(
        "Dog walking: owners book walks for their dogs with walkers. Owners tip walkers after each walk."
    )["walkers"]
    assert "walk_id" not in _cols(walkers)


def test_rating_unique_per_author_and_event_whatever_the_event_is():
    ratings = _tables(
        "Tutoring platform: tutors teach students in lessons. Students rate tutors after each lesson."
    )["ratings"]
    assert ["student_id", "lesson_id"] in [u.columns for u in ratings.unique]
    assert ["student_id", "tutor_id"] not in [u.columns for u in ratings.unique]


def test_identifier_of_another_thing_is_not_unique_on_an_event_table():
    tables = _tables(
        "Parking app: drivers reserve parking spots in garages. A reservation has an arrival time, "
        "a departure time, a plate number and a price. Drivers own vehicles with a plate number."
    )
    assert not any("plate_number" in u.columns for u in tables["reservations"].unique)
    assert ["plate_number"] in [u.columns for u in tables["vehicles"].unique]
    assert "license_plate" not in _cols(tables["vehicles"])


def test_domain_specific_archetype_columns_only_in_their_domain():
    office = _tables("Employees book rooms for meetings. Each room has a capacity.")
    assert "nightly_price" not in _cols(office["rooms"])
    hotel = _tables("A hotel has rooms. Guests book rooms for a number of nights.")
    assert "nightly_price" in _cols(hotel["rooms"])
    school = _tables("Schools organise trips. Each trip has a destination and a cost. Students join trips.")
    assert not {"fare", "distance_km"} & _cols(school["trips"])


def test_things_acted_on_are_not_events():
    pets = _tables("Owners register pets. Vets examine pets during each visit.")["pets"]
    assert "visit_id" not in _cols(pets)


def test_stated_title_replaces_archetype_name_and_start_date_the_start():
    events = _tables("Organizers create events; each event has a title, a start date and a venue.")["events"]
    assert {"title", "start_date"} <= _cols(events)
    assert not {"name", "starts_at"} & _cols(events)


def test_requirements_summary_prints_bracketed_attribute_lists():
    from tests.conftest import run_cli

    r = run_cli(
        "schema", "requirements", "Patients book appointments. An appointment has a start time and notes."
    )
    assert r.returncode == 0, r.stderr
    assert "[start_time, notes]" in r.stdout  # printed as text, not swallowed as Rich markup
