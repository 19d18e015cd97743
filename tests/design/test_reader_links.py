"""The offline reader on cardinality words, roles, values and rules said in shorthand (issue 11). The texts
are written for these tests, in domains neither evaluation set uses."""

from __future__ import annotations

from aishell.design.parser import parse


def _refs(req):
    return {(r.kind, r.source, r.target, r.role): r for r in req.relationships}


def _attr(req, entity, name):
    return req.entities[entity].attribute(name)


def test_each_is_made_by_exactly_one_then_more_references_of_the_same_subject():
    req = parse(
        "Rentals: kayaks, renters, docks. each rental is made by exactly one renter for one kayak, "
        "from one dock."
    )
    refs = _refs(req)
    assert refs[("many_to_one", "rental", "renter", None)].required is True
    assert ("many_to_one", "rental", "kayak", None) in refs
    assert ("many_to_one", "rental", "dock", None) in refs
    assert not any({r.source, r.target} == {"renter", "kayak"} for r in req.relationships)


def test_which_x_which_y_is_many_to_many():
    req = parse("Festival: volunteers and tents. We track which volunteer staffed which tent.")
    assert any(
        r.kind == "many_to_many" and {r.source, r.target} == {"volunteer", "tent"} for r in req.relationships
    )


def test_between_a_home_x_and_an_away_x_gives_two_roles_and_no_table_for_the_role():
    req = parse("rugby league: clubs, fixtures between a home club and an away club, referees")
    roles = {r.role for r in req.relationships if r.source == "fixture" and r.target == "club"}
    assert roles == {"home_club", "away_club"}
    assert "home_club" not in req.entities


def test_heading_then_one_x_in_one_y_reads_the_heading_as_subject():
    req = parse("- rooms: number, floor\n- guests: name\n- stays: one guest in one room")
    refs = _refs(req)
    assert ("many_to_one", "stay", "guest", None) in refs
    assert ("many_to_one", "stay", "room", None) in refs
    assert not any({r.source, r.target} == {"guest", "room"} for r in req.relationships)


def test_values_in_shorthand_are_enums_booleans_and_unique_attributes_never_tables():
    req = parse(
        "- tickets (title, priority: low/normal/high, code - unique, archived yes/no)\n"
        "- each review has one ticket, verdict accept / reject / revise"
    )
    assert _attr(req, "ticket", "priority").enum == ["low", "normal", "high"]
    assert _attr(req, "ticket", "code").unique
    assert _attr(req, "ticket", "archived").type == "boolean"
    assert _attr(req, "review", "verdict").enum == ["accept", "reject", "revise"]
    for word in ("normal", "accept", "verdict", "archived", "yes"):
        assert word not in req.entities


def test_colon_list_after_status_of_x_is_that_entitys_enum():
    req = parse(
        "Permits: applications and inspectors. status of application: submitted, under review, approved."
    )
    assert _attr(req, "application", "status").enum == ["submitted", "under review", "approved"]


def test_unique_per_scope_links_to_the_scope():
    req = parse("Library: branches, shelves. shelf code unique per branch.")
    assert ("many_to_one", "shelf", "branch", None) in _refs(req)
    rule = next(r for r in req.rules if r.kind == "unique" and r.entity == "shelf")
    assert rule.columns == ["code"] and rule.scope == ["branch"]


def test_a_parenthesised_remark_is_a_clause_not_an_attribute_list():
    req = parse(
        "Gym: members, classes (a class here is a group session, not a school class), trainers. "
        "each class is led by one trainer."
    )
    assert any(k[:3] == ("many_to_one", "class", "trainer") for k in _refs(req))
    assert not any(a.name.startswith("class_here") for a in req.entities["class"].attributes)
    assert "group" not in req.entities and "session" not in req.entities


def test_rule_shorthand_unique_and_bounds():
    req = parse(
        "Lab: freezers (serial # unique), racks, samples. a rack has a barcode thats unique. "
        "samples: volume, each sample sits in one rack, volume > 0, weight ≥ 1. "
        "racks: shelves (max 8)."
    )
    rules = {(r.kind, r.entity, tuple(r.columns)) for r in req.rules}
    assert ("unique", "freezer", ("serial_number",)) in rules
    assert ("unique", "rack", ("barcode",)) in rules
    assert "barcode_that" not in req.entities and "tag" not in req.entities
    volume = req.entities["sample"].attribute("volume")
    assert volume.exclusive_min == 0
    assert req.entities["sample"].attribute("weight").min == 1


def test_a_unique_identifier_in_a_list_is_a_column_not_a_table():
    req = parse("guild: crafters (gamer tag unique), workshops")
    assert req.entities["crafter"].attribute("tag").unique
    assert "tag" not in req.entities


def test_queries_name_no_new_tables_and_measures_are_columns():
    req = parse(
        "Kayak rentals: kayaks, renters, rentals. each rental is for one kayak. a kayak has min and max "
        "paddlers. Queries: weekly utilisation rates per kayak, peak-hour forecasts per renter."
    )
    assert {"kayak", "renter", "rental"} <= set(req.entities)
    for name in ("utilisation_rate", "peak_hour_forecast", "forecast", "max_paddler", "kayak_max_paddler"):
        assert name not in req.entities


def test_max_one_is_optional_and_plural_things_against_a_parent():
    req = parse(
        "Banquet: guests, seats (max 12 per table), tables, menus. each guest sits at max one table. "
        "Kitchen: orders, menus. cooks prepare orders against a menu."
    )
    refs = _refs(req)
    assert refs[("many_to_one", "guest", "table", None)].required is False
    assert ("many_to_one", "order", "menu", None) in refs


def test_a_role_of_a_stored_thing_is_a_reference_by_role_not_a_table():
    req = parse(
        "Clinic: staff, shifts. a supervisor who is also a staff member signs off each shift. "
        "Market: users, trades. buyers and sellers are users; each trade has a buyer and a seller."
    )
    assert "buyer" not in req.entities and "seller" not in req.entities
    roles = {r.role for r in req.relationships if r.source == "trade" and r.target == "user"}
    assert roles == {"buyer", "seller"}


def test_what_is_said_with_a_many_to_many_link_belongs_to_the_link():
    req = parse("Football: players join teams with a jersey number.")
    link = next(r for r in req.relationships if r.kind == "many_to_many")
    assert [a.name for a in link.attributes] == ["jersey_number"]
    assert req.entities["team"].attribute("jersey_number") is None


def test_a_self_reference_is_named_by_its_role():
    req = parse("Choir: singers have a voice part. each singer may be coached by another singer.")
    assert {(r.kind, r.role) for r in req.relationships if r.source == "singer" == r.target} == {
        ("self", "coach")
    }
    req = parse("Guild: crafters have a name; some crafters are apprentices of other crafters.")
    assert "apprentice" not in req.entities
    assert any(r.kind == "self" and r.role == "apprentice" for r in req.relationships)


def test_a_bare_singular_subject_in_non_native_english_is_a_thing():
    req = parse(
        "System for kennel club. Breeder has licence number. Breeder can register many litter. "
        "Litter have birth date."
    )
    assert "breeder" in req.entities
    assert req.entities["breeder"].attribute("licence_number") is not None


def test_a_list_of_kinds_after_a_plural_is_a_type_column_not_tables():
    req = parse(
        "Festival: suppliers (florist, DJ, photographer, caterer...) hired per stage with a fee. stages have a name"
    )
    assert req.entities["supplier"].attribute("supplier_type").enum == [
        "florist",
        "DJ",
        "photographer",
        "caterer",
    ]
    assert "photographer" not in req.entities and "dj" not in req.entities


def test_double_booking_a_thing_is_a_no_overlap_on_what_books_it():
    req = parse(
        "- lanes: number\n- a session is booked by one swimmer for one lane, from start time to end time\n"
        "- a lane can't be double-booked"
    )
    rule = next(r for r in req.rules if r.kind == "no_overlap")
    assert rule.entity == "session" and rule.per == ["lane"]
    req = parse(
        "Brewery: tanks, batches. each batch is in one tank. a tank can only hold one batch at a time."
    )
    assert any(r.kind == "no_overlap" and r.entity == "batch" for r in req.rules)


def test_comparisons_are_rules_on_the_listed_thing_and_never_words_to_store():
    req = parse(
        "Depot: shipments, parcels. parcels: weight, quantity. 40K shipments a day: parcel, carrier code, "
        "quantity > 0, bays ≥ 1. a permit has a valid_from and a valid_to, valid_to >= valid_from. "
        "permits are issued to depots."
    )
    assert req.entities["shipment"].attribute("quantity").exclusive_min == 0
    assert req.entities["parcel"].attribute("quantity").exclusive_min is None
    assert req.entities["shipment"].attribute("bays").min == 1
    assert "bay" not in req.entities
    assert {"valid_from", "valid_to"} <= {a.name for a in req.entities["permit"].attributes}
    assert any(
        r.kind == "compare" and (r.left, r.op, r.right) == ("valid_to", ">=", "valid_from") for r in req.rules
    )


def test_examples_after_a_dash_volumes_and_just_a_name_are_not_tables():
    req = parse(
        "Charity shop: donations, stores, partners. we pass goods to partners — shelters, hospices, "
        "sometimes a school. A driver collects some donations, but that's just a name written on the "
        "donation. 3K donations/returns a week."
    )
    for name in ("shelter", "hospice", "school", "driver", "return"):
        assert name not in req.entities
    assert req.entities["donation"].attribute("driver_name") is not None
