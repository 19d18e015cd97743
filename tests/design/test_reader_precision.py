"""The offline reader keeps what the text states and invents nothing: values, units, negated nouns,
verbs, definitions and roles never become tables of their own, and listed values stay enums in the user's
words. Texts written for these tests, in domains outside the evaluation sets."""

from __future__ import annotations

from aishell.design import design
from aishell.design.parser import parse


def _tables(text: str) -> set[str]:
    return {t.table for t in parse(text).entities.values()}


def _attr(text: str, entity: str, name: str):
    ent = parse(text).entities.get(entity)
    assert ent is not None, f"no {entity} in {sorted(parse(text).entities)}"
    attr = ent.attribute(name)
    assert attr is not None, f"{entity}.{name} missing: {[a.name for a in ent.attributes]}"
    return attr


# ---- values and units ------------------------------------------------------------------------------


def test_units_listed_after_a_dash_are_an_enum_with_those_words():
    text = (
        "Kitchen pantry: ingredients have a name. Each recipe line has a quantity and a unit - ml, cup or tbsp "
        "- and belongs to one recipe."
    )
    req = parse(text)
    assert "units" not in _tables(text) and "cups" not in _tables(text)
    unit = next(a for e in req.entities.values() for a in e.attributes if a.name == "unit")
    assert unit.enum == ["ml", "cup", "tbsp"]


def test_values_after_a_colon_keep_the_users_words():
    text = "Bike workshop. Each repair has a date and a condition: good, worn, needs repair, scrapped."
    assert _attr(text, "repair", "condition").enum == ["good", "worn", "needs repair", "scrapped"]


def test_values_after_an_enum_word_without_punctuation():
    text = "Library of seeds: each packet has a weight and a packet size small, medium or large."
    assert _attr(text, "packet", "packet_size").enum == ["small", "medium", "large"]


def test_one_of_gives_the_values_of_the_attribute_before_it():
    text = (
        "Sled dog races: each race has a distance and a trail rating, which is one of easy, moderate or "
        "expert. Mushers enter races."
    )
    assert _attr(text, "race", "trail_rating").enum == ["easy", "moderate", "expert"]


def test_a_type_said_before_for_each_belongs_to_that_thing():
    text = "Greenhouse log. Benches hold trays. Soil mix for each tray: peat, coir, loam."
    assert _attr(text, "tray", "soil_mix").enum == ["peat", "coir", "loam"]


def test_a_compound_attribute_names_its_owner():
    text = "Visitors buy passes for an exhibition, pass type adult, student or senior."
    assert _attr(text, "pass", "pass_type").enum == ["adult", "student", "senior"]


def test_a_unit_of_measure_is_not_a_table_but_a_stored_meter_is():
    assert "grams" not in _tables("Beekeepers weigh each hive; log each weighing with a weight in grams.")
    assert "meters" in _tables("Readings are taken from meters. Each meter has a serial number.")


def test_shared_head_gives_one_column_per_modifier():
    text = "Ferry crossings: each crossing has a vessel, departure and arrival times."
    req = parse(text)
    names = {a.name for a in req.entities["crossing"].attributes}
    assert {"departure_time", "arrival_time"} <= names
    assert "arrivals" not in _tables(text) and "departures" not in _tables(text)


# ---- verbs and idioms ------------------------------------------------------------------------------


def test_check_in_and_log_as_verbs_do_not_become_tables():
    text = (
        "Hostel: guests check in at the desk and stay in beds. Log each stay with a start date and an end "
        "date. Nobody logs in to anything."
    )
    tables = _tables(text)
    assert "logs" not in tables and "checks" not in tables and "nobody_logs" not in tables
    assert {"guests", "beds", "stays"} <= tables


def test_a_gerund_before_an_article_is_a_verb():
    tables = _tables("building a rota app for our choir. singers attend rehearsals.")
    assert "buildings" not in tables and "rota_apps" not in tables
    assert {"singers", "rehearsals"} <= tables


def test_counted_and_quoted_words_are_not_things():
    text = (
        "Puzzle hunts: teams solve puzzles; for each solve we store the time and the number of clues used. "
        "Each puzzle has a difficulty tag like 'warmup' or 'finale'."
    )
    tables = _tables(text)
    assert "clues" not in tables and "finales" not in tables and "warmups" not in tables
    assert {"teams", "puzzles"} <= tables


def test_words_about_the_database_itself_are_not_tables():
    text = (
        "Stamp club: members own stamps. A stamp may be traded to a dealer (who may not be in our members "
        "table). Don't bother with countries as a table, a text field is fine."
    )
    tables = _tables(text)
    assert not {"tables", "fields", "countries"} & tables
    assert {"members", "stamps"} <= tables


# ---- what the text says to leave out ---------------------------------------------------------------


def test_negated_nouns_and_leave_it_out_are_not_designed():
    text = (
        "Orchard: each tree has a variety. Each picking has a tree, a date and the kilos picked. There is no "
        "shop. Workers are paid weekly but the accountant handles that elsewhere, so leave it out. Pickers "
        "are volunteers, not system users."
    )
    tables = _tables(text)
    assert not {"shops", "system_users", "accountants"} & tables
    assert "pickings" in tables


def test_a_clause_that_says_to_ignore_something():
    tables = _tables(
        "Climbing wall: routes are set on walls by setters. Membership tiers are handled by our booking "
        "app, ignore those."
    )
    assert "membership_tiers" not in tables and "booking_apps" not in tables
    assert {"routes", "walls"} <= tables


def test_an_aside_in_parentheses_speaks_only_of_its_own_words():
    tables = _tables(
        "Pawn shop: customers have accounts (an account here is a ledger balance, not a login, don't model "
        "logins). Each customer has a name and pawns items."
    )
    assert "logins" not in tables
    assert {"customers", "accounts"} <= tables


# ---- definitions and roles -------------------------------------------------------------------------


def test_a_definition_names_one_table_not_two():
    text = (
        "Birding club. Each outing is a guided excursion. Each outing goes to one reserve, led by a member. "
        "Members record sightings on outings."
    )
    tables = _tables(text)
    assert "guided_excursions" not in tables and "excursions" not in tables
    assert {"outings", "reserves", "members", "sightings"} <= tables


def test_apposition_makes_a_role_of_a_stored_person():
    text = (
        "Sailing school: each lesson has a skipper and an optional assistant (both are members) and one "
        "boat. Each boat has an owner (a member)."
    )
    req = parse(text)
    tables = {e.table for e in req.entities.values()}
    assert not {"skippers", "assistants", "owners"} & tables
    assert {"lessons", "members", "boats"} <= tables
    roles = {(r.source, r.target, r.role) for r in req.relationships}
    assert ("boat", "member", "owner") in roles


def test_people_said_to_be_just_members():
    tables = _tables(
        "Drama society: plays have roles. Every role is cast with one actor. Actors, stagehands and "
        "directors are all just society members. Each member has a name."
    )
    assert not {"actors", "directors"} & tables
    assert "members" in tables


# ---- the design keeps its words --------------------------------------------------------------------


def test_listed_values_stay_verbatim_in_the_design():
    d = design(
        "Allotments: plots are rented by tenants; each plot has a number and a soil - clay, loam or sand - "
        "and each tenancy has a start date.",
        validate=False,
    )
    plots = next(t for t in d.schema.tables if t.name == "plots")
    soil = plots.column("soil")
    assert soil is not None
    enum = next(e for e in d.schema.enums if e.name == soil.type.split(".")[-1])
    assert list(enum.values) == ["clay", "loam", "sand"]
    assert "soils" not in {t.name for t in d.schema.tables}


def test_what_the_users_call_a_thing_is_one_table():
    tables = _tables(
        "Quiz society. We meet every Monday; we call each meeting a round. For each round we store the "
        "date and the host, and teams score points in rounds."
    )
    assert "rounds" in tables and "meetings" not in tables


def test_listed_values_said_as_nouns_are_not_tables():
    tables = _tables(
        "Every rower rows one side - port or starboard - although a few ports can row starboard too. "
        "Rowers join crews."
    )
    assert "ports" not in tables and "starboards" not in tables
    assert {"rowers", "crews"} <= tables


def test_a_whether_clause_is_a_yes_or_no():
    tables = _tables(
        "Choir: for each rehearsal we mark which singers came, and whether they paid subs. Singers have a "
        "name."
    )
    assert "subs" not in tables and "sub" not in tables
    assert {"rehearsals", "singers"} <= tables


def test_a_plural_attribute_said_unique_belongs_to_its_owner():
    req = parse("Kayak rental: log each hire with the kayak and the renter. Kayak hull numbers are unique.")
    assert "hull_numbers" not in {e.table for e in req.entities.values()}
    assert req.entities["kayak"].attribute("hull_number") is not None


def test_an_opening_title_is_not_a_table():
    tables = _tables("Kennel operator, 3 sites and 40 runs. Each run belongs to a site; dogs stay in runs.")
    assert "operators" not in tables and "kennel_operators" not in tables
    assert {"sites", "runs", "dogs"} <= tables
    # a list after a comma without a number is not a title: its first noun stays
    assert "inventory_items" in _tables("Track inventory, orders and suppliers. Each order has lines.")


def test_a_login_is_designed_only_when_the_text_speaks_of_one():
    def columns(text: str, table: str) -> set[str]:
        d = design(text, validate=False)
        return {c.name for c in next(t for t in d.schema.tables if t.name == table).columns}

    club = columns("Bowls club: members play matches on rinks; each match has a date.", "members")
    assert not {"password_hash", "last_login_at", "email_verified"} & club
    app = columns("Members log in to book rinks; each booking has a date.", "members")
    assert {"password_hash", "last_login_at"} <= app


def test_append_only_for_audit_is_the_trail_itself():
    d = design(
        "Lifeguard log: incidents have a time and a pool. Incidents are append-only for audit.",
        validate=False,
    )
    assert "audit_logs" not in {t.name for t in d.schema.tables}
    assert "incidents" in {t.name for t in d.schema.tables}


def test_a_type_in_parentheses_makes_a_column_not_a_table():
    assert "tags" not in _tables("Vet: pets: name, species, tags (free text). Each visit has a pet.")
    tables = _tables(
        "Fossil club: each find has a layer, a depth, a matrix (short description, free text) and if it is "
        "kept for the museum. Layers have a code. Members record finds."
    )
    assert "matrices" not in tables and "museums" not in tables
    assert {"finds", "layers", "members"} <= tables


def test_an_optional_plural_is_a_column():
    tables = _tables("Dive log: each dive has a site + depth + optional photos. Sites have a name.")
    assert "photos" not in tables
    assert {"dives", "sites"} <= tables


def test_a_unit_after_an_attribute_stays_in_its_name():
    d = design("Anglers log catches. Each catch has a species and a weight in grams.", validate=False)
    catches = next(t for t in d.schema.tables if t.name == "catches")
    weight = catches.column("weight_grams")
    assert weight is not None and weight.type.startswith("NUMERIC")
    assert "grams" not in {t.name for t in d.schema.tables}


def test_a_bare_word_in_a_list_of_columns_is_a_column():
    text = (
        "Berry farm planner\n- bushes: name, variety (for pollination)\n- sprayings per bush: product, date, dose\n"
        "- orders: customer, date"
    )
    req = parse(text)
    tables = {e.table for e in req.entities.values()}
    assert "varieties" not in tables and "products" not in tables
    assert {"bushes", "sprayings"} <= tables
    assert req.entities["spraying"].attribute("product") is not None
    assert "customers" in tables  # a person in the list is someone to refer to


def test_singular_nouns_in_men_are_not_plurals_of_man():
    from aishell.design.words import plural, singular

    assert singular("specimen") == "specimen" and plural("specimen") == "specimens"
    assert singular("regimens") == "regimen" and singular("firemen") == "fireman"
    assert plural("cafe") == "cafes" and plural("knife") == "knives"


def test_a_negation_ends_at_its_noun_phrase():
    tables = _tables(
        "Dog daycare: owners register dogs; each dog has a name. No payments here, the till does that. "
        "Walkers are staff, not users of this system."
    )
    assert "payments" not in tables and "users" not in tables
    assert {"owners", "dogs"} <= tables


def test_a_currency_is_a_unit_and_a_date_range_is_one_range_column():
    d = design(
        "Tool rental: customers rent tools; each rental is for one tool and a date range, with a deposit in "
        "euros. Tools have a serial number.",
        validate=False,
    )
    tables = {t.name: t for t in d.schema.tables}
    assert "euros" not in tables and "date_ranges" not in tables
    rentals = tables["rentals"]
    assert rentals.column("date_range") is not None and rentals.column("date_range").type == "DATERANGE"
    assert rentals.column("deposit_euros") is not None


def test_the_one_who_does_what_a_person_does_is_that_person():
    tables = _tables(
        "Toy library: families borrow toys; each toy has a name and an age range. We phone each borrower "
        "when a toy is overdue."
    )
    assert "borrowers" not in tables
    assert {"families", "toys"} <= tables


def test_what_we_just_count_is_a_number():
    tables = _tables(
        "Cider mill: each pressing has a date and a volume; a vat can hold one pressing at a time. Bottles we "
        "just count per pressing."
    )
    assert "bottles" not in tables
    assert "pressings" in tables


def test_a_measure_of_something_is_one_column():
    d = design("Stud farm: each horse has a name, a year of birth and a place of birth.", validate=False)
    horses = next(t for t in d.schema.tables if t.name == "horses")
    assert horses.column("year_of_birth").type == "INTEGER"
    assert horses.column("place_of_birth") is not None
    assert "births" not in {t.name for t in d.schema.tables}
