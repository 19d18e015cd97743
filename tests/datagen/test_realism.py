"""Test data shaped like the real thing, asserted on the loaded rows: volumes from the design's stated
scale, values within their meaning and CHECK ranges, every partition hit, skewed fan-out, the schema
restored exactly after the indexes were rebuilt, and a benchmark that exercises the table that matters."""

from __future__ import annotations

import json

import pytest

from tests.conftest import run_cli

BIKES = ("A bike-share system: 800 stations, 12K bikes and 60K trips/day. Riders unlock a bike at a station "
         "and return it at another; each trip records start and end station, start and end time, distance "
         "and fare. Bikes report battery level; maintenance tickets track repairs.")
SHOP = ("I need a database for an e-commerce site with:\n- Users with profiles and multiple addresses\n"
        "- Products with categories and variants\n- Shopping carts and wishlist\n- Orders with multiple items\n"
        "- Payments and refunds\n- Product reviews and ratings\n- Inventory tracking")


def _design(text: str, work) -> object:
    r = run_cli("schema", "design", text, "--json", cwd=work)
    assert r.returncode == 0, r.stderr
    return work / "aishell" / "design.json"


def _build(server, conninfo: str, design) -> None:
    from aishell.dialects.postgres.generate import generate
    from aishell.sources import load_model_file
    from aishell.sources import run_sql_text

    run_sql_text(conninfo, generate(load_model_file(design)), server.bin("psql"), label="design")


def _fill(conninfo: str, total: int, design, seed: int):
    from aishell.datagen.load import load_data, plan_data
    from aishell.datagen.volumes import load_hints

    hints = load_hints(design)
    _schema, plans, existing, ctx = plan_data(conninfo, total, seed=seed, hints=hints)
    # as schema test loads its throwaway database: table by table, rebuilt on other connections
    return load_data(conninfo, plans, ctx, throwaway=True, existing=existing, total=total, disposable=True)


def _q(conninfo: str, sql: str):
    from aishell.dialects.postgres.connect import connect

    with connect(conninfo) as conn:
        return conn.execute(sql).fetchall()


@pytest.fixture(scope="module")
def bikes(pg_server, tmp_path_factory):
    from aishell.dialects.postgres.inspect import inspect

    design = _design(BIKES, tmp_path_factory.mktemp("bikes"))
    with pg_server.temporary_database(prefix="aishell_test_dg_") as ci:
        _build(pg_server, ci, design)
        before = inspect(ci, include_stats=False)
        report = _fill(ci, 30000, design, seed=4)
        yield ci, report, design, before


@pytest.fixture(scope="module")
def shop(pg_server, tmp_path_factory):
    design = _design(SHOP, tmp_path_factory.mktemp("shop"))
    with pg_server.temporary_database(prefix="aishell_test_dg_") as ci:
        _build(pg_server, ci, design)
        report = _fill(ci, 20000, design, seed=9)
        yield ci, report


def test_volumes_follow_the_stated_scale(bikes):
    ci, report, _design_path, _before = bikes
    c = report.counts
    assert report.rows == 30000 and not [t for t in report.tables if t.skipped]
    # "800 stations, 12K bikes": stock kept at its stated size; "60K trips/day" takes the rest of N
    assert c["public.stations"] == 800 and c["public.bikes"] == 12000
    assert c["public.trips"] == max(c.values())
    # riders derived from the trips they take (25 per rider), not one per trip nor one per station
    assert c["public.trips"] / 40 < c["public.riders"] < c["public.trips"] / 10


def test_lookups_stay_small_and_children_scale_with_parents(shop):
    ci, report = shop
    c = report.counts
    assert c["public.categories"] <= 40
    assert 2 <= c["public.order_items"] / c["public.orders"] <= 4
    assert c["public.refunds"] < c["public.payments"] / 5
    assert c["public.orders"] > 2 * c["public.users"]
    # a profile per user at most (its user_id is unique)
    assert c["public.profiles"] <= c["public.users"]


def test_fan_out_is_skewed_and_optional_links_are_sometimes_empty(bikes, shop):
    ci, _report, _d, _b = bikes
    (top10, total, busiest, avg), = _q(ci, """
        SELECT sum(n) FILTER (WHERE r <= cnt / 10), sum(n), max(n), avg(n) FROM (
          SELECT count(t.id) n, row_number() OVER (ORDER BY count(t.id) DESC) r, count(*) OVER () cnt
          FROM riders x LEFT JOIN trips t ON t.rider_id = x.id GROUP BY x.id) s""")
    assert top10 / total > 0.3  # the busiest tenth of riders take more than a third of the trips
    assert busiest > 5 * avg
    sci, _ = shop
    (share,), = _q(sci, "SELECT avg((shipping_address_id IS NULL)::int) FROM orders")
    assert 0.05 < share < 0.3  # an optional link is sometimes empty
    (busiest, avg), = _q(sci, "SELECT max(n), avg(n) FROM (SELECT count(*) n FROM orders GROUP BY user_id) s")
    assert busiest > 5 * avg


def test_values_follow_meaning_and_check_ranges(bikes):
    ci, _report, _d, _b = bikes
    (lo, hi), = _q(ci, "SELECT min(battery_level), max(battery_level) FROM bikes")
    assert 0 <= lo and hi <= 100  # the CHECK only says >= 0; a level is a percentage
    (dmin, dmax, fmax, mins, maxs), = _q(ci, """
        SELECT min(distance_km), max(distance_km), max(fare), min(extract(epoch FROM ends_at - starts_at) / 60),
               max(extract(epoch FROM ends_at - starts_at) / 60) FROM trips""")
    assert 0.3 <= dmin and dmax <= 25 and fmax <= 45
    assert 3 <= mins and maxs <= 90  # a bike trip lasts minutes, not weeks
    (lat_spread, lon_spread), = _q(ci, "SELECT max(latitude) - min(latitude), max(longitude) - min(longitude) "
                                       "FROM stations")
    assert lat_spread < 1 and lon_spread < 1  # one city, not the whole globe
    names = [r[0] for r in _q(ci, "SELECT name FROM stations LIMIT 50")]
    assert all(" & " in n for n in names), names[:5]  # "Elm Street & Oak Avenue"
    (dupes,), = _q(ci, "SELECT count(*) - count(DISTINCT email) FROM riders")
    assert dupes == 0
    statuses = _q(ci, "SELECT status::text, count(*) FROM trips GROUP BY 1 ORDER BY 2 DESC")
    assert statuses[0][0] == "completed"
    (bad,), = _q(ci, "SELECT count(*) FROM trips WHERE updated_at < created_at")
    assert bad == 0
    (bad,), = _q(ci, "SELECT count(*) FROM riders WHERE updated_at < created_at")
    assert bad == 0


def test_every_partition_gets_rows_and_the_default_none(bikes):
    ci, report, _d, _b = bikes
    parts = dict(_q(ci, "SELECT tableoid::regclass::text, count(*) FROM trips GROUP BY 1"))
    names = [r[0] for r in _q(ci, "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                                  "WHERE i.inhparent = 'trips'::regclass")]
    ranged = [n for n in names if n != "trips_default"]
    assert len(ranged) >= 2
    for n in ranged:
        assert parts.get(n, 0) > report.counts["public.trips"] / (2 * len(ranged)), parts
    assert parts.get("trips_default", 0) == 0
    # Rows arrive as in a real table, ids rising with time, so each partition was complete (and handed
    # to the rebuilding sessions) before the next one began.
    (back,), = _q(ci, "SELECT count(*) FROM (SELECT starts_at < lag(starts_at) OVER (ORDER BY id) AS b "
                      "FROM trips) s WHERE b")
    assert back == 0


def test_rebuilt_indexes_and_constraints_are_exactly_the_originals(bikes):
    from aishell.diff import diff_schemas
    from aishell.dialects.postgres.inspect import inspect

    ci, report, _d, before = bikes
    assert report.restored_exactly and report.rebuilt["indexes"] > 0 and report.rebuilt["foreign_keys"] > 0
    after = inspect(ci, include_stats=False)
    changes = diff_schemas(before, after)
    assert not changes, [str(c) for c in changes.changes][:5]


def test_benchmark_exercises_the_trips_table(bikes):
    ci, _report, design, _b = bikes
    r = run_cli("schema", "benchmark", "--database", ci, "--duration", "1", "--clients", "1", "--seed", "2",
                "--json", timeout=180)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    trips = [q for q in data["queries"] if " trips" in q["sql"] or "trips " in q["sql"]]
    assert trips and all(q["count"] > 0 and q["failed"] == 0 for q in trips)
    by_rider = next(q for q in trips if q["name"] == "trips by rider_id")
    assert by_rider["index"] == "idx_trips_rider_id"
    assert all(q["p50_ms"] <= q["p95_ms"] <= q["p99_ms"] and q["per_second"] > 0 for q in data["queries"])
    # the design's stated access patterns come first when the design says them
    from aishell.datagen.bench import derive_workload
    from aishell.datagen.volumes import DesignHints
    from aishell.dialects.postgres.connect import connect
    from aishell.dialects.postgres.inspect import inspect

    hints = DesignHints({**json.loads(design.read_text()), "intent": {"access_patterns": [
        {"name": "a rider's recent trips", "table": "trips", "columns": ["rider_id"], "order_by": "starts_at"},
        "trips by status"]}})
    schema = inspect(ci, include_stats=False)
    with connect(ci, autocommit=True) as conn:
        counts = {t.qualified_name: 1 for t in schema.tables}
        workload = derive_workload(conn, schema, counts, hints=hints)
    assert workload[0].name == "stated: a rider's recent trips" and "ORDER BY starts_at DESC" in workload[0].sql
    assert workload[1].name == "stated: trips by status" and "status =" in workload[1].sql
