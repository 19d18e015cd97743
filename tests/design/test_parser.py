"""The requirements parser on phrasing patterns (no database): entities, relationships, attributes, scale."""

from __future__ import annotations

import pytest

from aishell.design.parser import find_scale, parse, plural, singular


def rels(text):
    req = parse(text)
    out = set()
    for r in req.relationships:
        out.add((r.kind, r.source, r.target))
    return req, out


def test_each_x_has_several_y():
    req, r = rels("Each project has several tasks. A task belongs to one project.")
    assert ("many_to_one", "task", "project") in r
    assert set(req.entities) == {"project", "task"}


@pytest.mark.parametrize(
    "text",
    [
        "Authors can have multiple books.",
        "An author has many books.",
        "Each author writes one or more books.",
        "Books belong to authors.",
        "There is a list of books per author.",
    ],
)
def test_one_to_many_phrasings(text):
    req, r = rels(text)
    assert ("many_to_one", "book", "author") in r, r


def test_many_to_many_by_verb_and_junction_name():
    req, r = rels("Students enroll in courses. Members borrow books.")
    kinds = {(x.kind, x.source, x.target, x.via) for x in req.relationships}
    assert ("many_to_many", "student", "course", "enrollments") in kinds
    # a loan is a booking in the knowledge base: its own table with both references
    assert ("many_to_one", "loan", "member", None) in kinds and ("many_to_one", "loan", "book", None) in kinds


def test_explicit_many_to_many_and_between():
    _, r = rels("Doctors and hospitals are many-to-many. Messages between users.")
    assert ("many_to_many", "doctor", "hospital") in r
    req = parse("Messages between users.")
    roles = {x.role for x in req.relationships if x.source == "message"}
    assert roles == {"sender", "recipient"}


def test_attributes_are_typed_columns_and_status_values_are_kept():
    req = parse("Tasks have a title, a due date and a status (open, in progress, done).")
    task = req.entities["task"]
    names = {a.name: a for a in task.attributes}
    assert {"title", "due_date", "status"} <= set(names)
    assert names["status"].enum == ["open", "in progress", "done"]  # the user's words


def test_self_references():
    req = parse("Tasks can have subtasks. Comments have threaded replies. Users follow other users.")
    assert req.entities["task"].self_ref == "parent"
    assert req.entities["comment"].self_ref == "parent"
    assert "subtask" not in req.entities and "reply" not in req.entities
    assert any(x.kind == "many_to_many" and x.source == x.target == "user" for x in req.relationships)


def test_unknown_nouns_still_become_entities():
    req, r = rels(
        "Beekeepers own apiaries; each apiary has several hives; inspections record the health of a hive."
    )
    assert {"beekeeper", "apiary", "hive", "inspection"} <= set(req.entities)
    assert ("many_to_one", "hive", "apiary") in r


def test_domain_words_examples_and_idioms_are_not_tables():
    req = parse(
        "A clinic: patients have appointments. Activities such as calls and meetings are logged. "
        "Agents list properties for sale."
    )
    assert "clinic" not in req.entities
    assert "call" not in req.entities and "meeting" not in req.entities
    assert "sale" not in req.entities


def test_compounds_and_knowledge_base_names():
    req, r = rels(
        "Products with categories and variants. Orders with multiple items. Product reviews and ratings."
    )
    assert {"product", "category", "variant", "order", "item", "review"} <= set(req.entities)
    assert "rating" not in req.entities  # the same archetype as reviews: merged
    assert ("many_to_one", "product", "category") in r and ("many_to_one", "review", "product") in r


def test_nominalised_verbs_become_tables():
    req, r = rels("Users comment on posts. Users like posts. Riders rate drivers.")
    assert ("many_to_one", "comment", "user") in r and ("many_to_one", "comment", "post") in r
    assert ("many_to_one", "like", "post") in r
    assert ("many_to_one", "rating", "driver") in r


def test_features_and_scale():
    req = parse(
        "Support 1M users. Handle 10K orders per day. Need search across products. "
        "Must support multiple currencies and languages. Need an audit trail and soft delete. Multi-tenant."
    )
    assert {"full_text_search", "multi_currency", "audit_trail", "soft_delete", "multi_tenant"} <= set(
        req.features
    )
    figures = {(s.noun, s.count, s.period) for s in req.scale}
    assert ("user", 1e6, None) in figures and ("order", 1e4, "day") in figures


@pytest.mark.parametrize(
    "text,expected",
    [
        ("2M events/day", (2e6, "event", "day")),
        ("10k orders a day", (1e4, "order", "day")),
        ("5,000 sensors", (5e3, "sensor", None)),
        ("300 requests per second", (300, "request", "second")),
        ("1.5 million users and 20K products", (1.5e6, "user", None)),
    ],
)
def test_scale_figures(text, expected):
    s = find_scale(text)[0]
    assert (s.count, s.noun, s.period) == expected


def test_inflection_helpers():
    assert [plural(w) for w in ("category", "address", "person", "order_item", "status")] == [
        "categories",
        "addresses",
        "people",
        "order_items",
        "statuses",
    ]
    assert [singular(w) for w in ("menus", "statuses", "campuses", "analyses", "addresses")] == [
        "menu",
        "status",
        "campus",
        "analysis",
        "address",
    ]


def test_never_special_cases_text_order_or_case():
    a = parse("PATIENTS BOOK APPOINTMENTS WITH DOCTORS.")
    b = parse("patients book appointments with doctors")
    assert set(a.entities) == set(b.entities) == {"patient", "appointment", "doctor"}


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Each shelf can be associated with many books.", ("many_to_many", "shelf", "book")),
        ("An invoice is created for each shipment.", ("many_to_one", "invoice", "shipment")),
        ("Playlists consist of songs.", ("many_to_one", "song", "playlist")),
        ("A warehouse contains zero or more pallets.", ("many_to_one", "pallet", "warehouse")),
        ("Students are taught by teachers.", ("many_to_one", "student", "teacher")),
        ("Customers may have several loyalty cards.", ("many_to_one", "loyalty_card", "customer")),
        ("Each employee is managed by one manager.", ("many_to_one", "employee", "manager")),
        ("Readings are taken from meters.", ("many_to_one", "reading", "meter")),
        ("Owners register their dogs.", ("many_to_one", "dog", "owner")),
        ("Transfers go between two accounts.", ("many_to_one", "transfer", "account")),
        ("The students' attempts are scored.", ("many_to_one", "attempt", "student")),
    ],
)
def test_more_phrasings(text, expected):
    _, r = rels(text)
    assert expected in r, r


def test_headings_and_attribute_lists():
    req = parse(
        "# Gym\n## Entities\n- Members: name, email, date of birth, membership status (active, frozen)"
    )
    assert list(req.entities) == ["member"]
    attrs = {a.name: a for a in req.entities["member"].attributes}
    assert {"name", "email", "date_of_birth", "membership_status"} <= set(attrs)
    assert attrs["membership_status"].enum == ["active", "frozen"]
    assert list(parse("Hotel booking: hotels have many rooms.").entities) == ["hotel", "room"]
