"""Every object kind of the fixture schemas, introspected on PostgreSQL 18 (embedded) and 15 (system).

All fixtures except the PostgreSQL 18 one are loaded into one database per server (they use disjoint
names), inspected once, and the tests assert concrete model fields.
"""

from __future__ import annotations

import pytest

from aishell.dialects.postgres.inspect import inspect
from aishell.sources import load_sql_into
from tests.conftest import FIXTURES

OBJECTS = FIXTURES / "objects"
COMMON = ["core.sql", "types.sql", "tables.sql", "views.sql", "routines.sql", "quoting.sql"]


@pytest.fixture(scope="module", params=["embedded", "pg15"])
def model(request):
    server = request.getfixturevalue("sandbox" if request.param == "embedded" else "pg15_server")
    with server.temporary_database(prefix="aishell_test_") as conninfo:
        for name in COMMON:
            load_sql_into(conninfo, OBJECTS / name, server.bin("psql"))
        yield inspect(conninfo)


def by_name(items):
    return {i.name: i for i in items}


def test_namespaces_and_extensions(model):
    names = [n.name for n in model.schemas]
    assert names == sorted(names)
    assert {"app", "inventory", "lib", "public", "reporting", "Quoted Schema", "extensions"} <= set(names)
    ns = by_name(model.schemas)
    assert ns["inventory"].comment == "Stock and warehouses" and ns["inventory"].owner
    assert any(p.grantee == "aishell_fixture_reader" and p.privileges == ["USAGE"] for p in ns["inventory"].privileges)
    assert ns["Quoted Schema"].comment == "It's \"quoted\""
    ext = by_name(model.extensions)
    assert ext["citext"].schema == "extensions" and ext["citext"].version
    assert ext["btree_gist"].comment.startswith("GiST operator classes")
    assert "plpgsql" not in ext
    # Objects that belong to an extension are not listed as the database's own.
    assert not any(f.name.startswith("gbt_") for f in model.functions)
    assert not any(d.name == "citext" for d in model.domains)


def test_enums_domains_composites(model):
    unit = model.enum("unit", "inventory")
    assert unit.values == ["piece", "kg", "litre", "it's odd"] and unit.comment == "Units of measure"
    assert any(p.grantee == "aishell_fixture_reader" for p in unit.privileges)
    assert model.enum("mood").values == []
    assert model.enum("Colour", "Quoted Schema").values == ["red", "it's \"green\"", "bl\\ue", "Ünïcode"]
    doms = {(d.schema, d.name): d for d in model.domains}
    qty = doms[("inventory", "positive_qty")]
    assert (qty.type, qty.default, qty.not_null) == ("numeric(12,3)", "1", True)
    assert qty.checks[0].name == "positive_qty_check" and qty.checks[0].expression == "(VALUE > (0)::numeric)"
    sku = doms[("public", "sku")]
    assert sku.collation == "C" and [c.name for c in sku.checks] == ["sku_format", "sku_length", "sku_not_blank"]
    assert sku.checks[2].valid is False and sku.checks[2].definition.endswith("NOT VALID")
    assert doms[("public", "email")].type == "extensions.citext"
    (dims,) = model.composite_types
    assert (dims.schema, dims.name, dims.comment) == ("inventory", "dimensions", "Box size")
    assert [a.name for a in dims.attributes] == ["width_mm", "height_mm", "depth_mm", "label", "unit"]
    assert dims.attributes[3].collation == "C" and dims.attributes[3].comment == "Printed label"
    assert dims.attributes[4].type == "inventory.unit"
    item = model.table("item", "inventory")
    assert item.column("qty").type == "inventory.positive_qty"
    assert item.column("moods").type == "public.mood[]"


def test_columns_identity_generated_storage(model):
    acc = model.table("account", "app")
    idc = acc.column("id")
    assert idc.identity == "by default"
    assert idc.identity_options == {
        "start": 10, "increment": 2, "min_value": 10, "max_value": 1000000, "cache": 3, "cycle": True,
        "sequence_name": "app.account_id_seq",
    }
    assert acc.column("email").collation == "C"
    gen = acc.column("balance_cents")
    assert gen.generated == "((balance * (100)::numeric))::bigint" and gen.generated_kind == "stored"
    assert gen.default is None
    assert acc.column("settings").default == "'{}'::jsonb"
    assert acc.column("note").attrs == {"statistics": 500, "storage": "EXTERNAL"}
    assert acc.column("display_name").attrs == {"options": ["n_distinct=-0.5"]}
    assert acc.column("balance").comment == "In the account currency"
    assert acc.options == ["fillfactor=80", "autovacuum_enabled=false"]
    assert acc.attrs["replica_identity"] == "FULL"
    assert acc.comment == "Customer accounts; one per tenant and e-mail"
    assert model.table("transfer", "app").column("id").identity == "always"


def test_constraints(model):
    acc = model.table("account", "app")
    uniq = by_name(acc.unique)
    assert uniq["account_tenant_email_key"].include == ["display_name"]
    assert uniq["account_display_name_key"].nulls_not_distinct
    assert uniq["account_display_name_key"].definition == "UNIQUE NULLS NOT DISTINCT (display_name)"
    checks = by_name(acc.checks)
    assert checks["account_balance_check"].no_inherit and checks["account_balance_check"].comment == "Overdraft limit"
    assert checks["account_tenant_positive"].valid is False
    (self_fk,) = acc.foreign_keys
    assert (self_fk.ref_schema, self_fk.ref_table, self_fk.on_delete) == ("app", "account", "SET NULL")
    tr = model.table("transfer", "app")
    fks = by_name(tr.foreign_keys)
    assert fks["transfer_from_fkey"].deferrable and not fks["transfer_from_fkey"].initially_deferred
    assert (fks["transfer_from_fkey"].on_update, fks["transfer_from_fkey"].on_delete) == ("CASCADE", "RESTRICT")
    to = fks["transfer_to_fkey"]
    assert (to.valid, to.match, to.on_delete, to.comment) == (False, "FULL", "SET DEFAULT", "Checked later")
    assert to.definition.endswith("NOT VALID")
    rb = model.table("room_booking", "app")
    (ex,) = rb.exclusions
    assert ex.name == "room_booking_no_overlap" and ex.columns == ["room", "during"]
    assert ex.definition == "EXCLUDE USING gist (room WITH =, during WITH &&) WHERE ((room > 0))"
    assert ex.comment == "One booking per room at a time"
    assert rb.unique[0].deferrable and rb.unique[0].initially_deferred
    idx = by_name(rb.indexes)
    assert idx["room_booking_no_overlap"].constraint == "room_booking_no_overlap"
    assert idx["room_booking_no_overlap"].method == "gist"


def test_indexes(model):
    acc = model.table("account", "app")
    idx = by_name(acc.indexes)
    low = idx["account_lower_email_idx"]
    assert low.unique and low.constraint is None
    assert low.columns == ["tenant_id", "lower(email)"] and low.expressions == [False, True]
    assert low.orders == ["", "DESC NULLS LAST"] and low.options == ["fillfactor=70"]
    assert low.comment == "Case-insensitive login"
    assert idx["account_settings_idx"].opclasses == ["jsonb_path_ops"] and idx["account_settings_idx"].method == "gin"
    assert idx["account_name_hash_idx"].method == "hash"
    note = idx["account_note_idx"]
    assert note.where == "(note IS NOT NULL)" and note.orders == ["NULLS FIRST"]
    assert note.opclasses == ["text_pattern_ops"] and 'COLLATE "C"' in note.definition
    assert idx["account_parent_idx"].orders == ["", "DESC"]
    assert idx["account_tenant_email_key"].include == ["display_name"]
    assert idx["account_display_name_key"].nulls_not_distinct
    assert [i.name for i in acc.indexes] == sorted(i.name for i in acc.indexes)
    brin = by_name(model.table("room_booking", "app").indexes)["room_booking_during_brin"]
    assert brin.method == "brin" and brin.options == ["pages_per_range=32"]


def test_partitions_and_inheritance(model):
    ev = model.table("event", "app")
    assert ev.partition_by == "RANGE (created_at)" and ev.partition_of is None
    assert by_name(ev.indexes)["event_pkey"].definition.startswith("CREATE UNIQUE INDEX event_pkey ON ONLY app.event")
    jan = model.table("event_2024_01", "app")
    assert jan.partition_of == "app.event"
    assert jan.partition_bound == "FOR VALUES FROM ('2024-01-01 00:00:00+00') TO ('2024-02-01 00:00:00+00')"
    assert all(c.attrs.get("inherited") for c in jan.columns)
    assert by_name(jan.indexes)["event_2024_01_pkey"].attrs["parent_index"] == "app.event_pkey"
    assert not jan.checks  # event_kind_check lives on the parent
    feb = model.table("event_2024_02", "app")
    assert feb.partition_by == "LIST (kind)" and feb.partition_of == "app.event"
    assert model.table("event_2024_02_login", "app").partition_bound == "FOR VALUES IN ('login', 'logout')"
    assert model.table("event_2024_02_other", "app").partition_bound == "DEFAULT"
    assert model.table("shard_1", "app").partition_bound == "FOR VALUES WITH (modulus 2, remainder 1)"
    err = model.table("error_log", "app")
    assert err.inherits == ["app.base_log", "app.tagged"] and err.partition_of is None
    assert [c.name for c in err.columns] == ["logged_at", "message", "tags", "severity"]
    assert err.column("tags").attrs.get("inherited") and not err.column("severity").attrs
    assert [c.name for c in err.checks] == ["error_log_severity_check"]
    assert model.table("cache", "app").unlogged and not err.unlogged


def test_triggers_and_policies(model):
    acc = model.table("account", "app")
    trg = by_name(acc.triggers)
    touch = trg["account_touch"]
    assert (touch.timing, touch.events, touch.for_each, touch.function) == (
        "BEFORE", ["INSERT", "UPDATE"], "ROW", "app.touch")
    assert touch.when == "(new.balance IS DISTINCT FROM (0)::numeric)"
    assert "UPDATE OF note, display_name" in touch.definition and touch.comment == "Keeps note non-null"
    audit = trg["account_audit"]
    assert (audit.timing, audit.events, audit.for_each) == ("AFTER", ["DELETE", "TRUNCATE"], "STATEMENT")
    tr = by_name(model.table("transfer", "app").triggers)
    assert tr["transfer_check"].constraint and tr["transfer_check"].definition.startswith("CREATE CONSTRAINT TRIGGER")
    assert tr["transfer_disabled"].enabled == "D"
    assert "REFERENCING NEW TABLE AS inserted" in tr["transfer_new_rows"].definition
    # A trigger on a partitioned table is listed once, on the parent.
    assert [t.name for t in model.table("event", "app").triggers] == ["event_audit"]
    assert not model.table("event_2024_01", "app").triggers
    assert acc.rls_enabled and acc.rls_forced
    tr_table = model.table("transfer", "app")
    assert tr_table.rls_enabled and not tr_table.rls_forced
    pol = by_name(acc.policies)
    assert pol["account_tenant"].command == "ALL" and pol["account_tenant"].roles == ["public"]
    assert pol["account_tenant"].using == "(tenant_id = (current_setting('app.tenant_id'::text))::integer)"
    assert pol["account_tenant"].comment == "Tenants see their own accounts"
    ins = pol["account_insert"]
    assert (ins.command, ins.permissive, ins.using) == ("INSERT", False, None)
    assert ins.roles == ["aishell_fixture_writer", "aishell_fixture_reader"]
    assert ins.with_check == "(balance >= (0)::numeric)"
    assert pol["account_update"].with_check == "(tenant_id > 0)" and pol["account_update"].using == "(tenant_id > 0)"


def test_privileges(model):
    acc = model.table("account", "app")
    privs = [(p.grantee, tuple(p.privileges), p.grantable, tuple(p.columns)) for p in acc.privileges]
    assert ("aishell_fixture_reader", ("SELECT",), False, ()) in privs
    assert ("aishell_fixture_writer", ("INSERT", "UPDATE"), True, ()) in privs
    assert ("aishell_fixture_writer", ("SELECT",), False, ("id",)) in privs
    assert ("aishell_fixture_writer", ("UPDATE",), False, ("display_name",)) in privs
    assert not any(p.grantee == "PUBLIC" for p in acc.privileges)
    bump = next(f for f in model.functions if f.name == "bump")
    assert [p.grantee for p in bump.privileges if p.grantee != bump.owner] == ["aishell_fixture_reader"]
    # Never-granted objects keep their default privileges: nothing listed.
    assert model.table("cache", "app").privileges == []


def test_sequences(model):
    seqs = {(s.schema, s.name): s for s in model.sequences}
    assert ("app", "account_id_seq") not in seqs  # identity sequences live on their column
    q = seqs[("Quoted Schema", "Seq-1")]
    assert (q.type, q.start, q.increment, q.min_value, q.max_value, q.cache, q.cycle, q.owned_by) == (
        "bigint", 1, 1, None, None, 1, False, None)
    assert [(s.schema, s.name) for s in model.sequences] == sorted(seqs)


def test_views(model):
    v = model.view("sale_with_vat", "reporting")
    assert v.options == ["security_barrier=true"] and v.comment == "Sales and their VAT"
    assert v.column_comments == {"vat": "Twenty per cent, rounded"}
    assert v.columns == ["id", "region", "amount", "vat"]
    assert v.depends_on == ["reporting.sale", "reporting.vat(amount numeric)"]
    assert [t.name for t in v.triggers] == ["sale_with_vat_insert"] and v.triggers[0].timing == "INSTEAD OF"
    assert model.view("big_sale", "reporting").options == ["check_option=local"]
    assert model.view("big_sale_north", "reporting").depends_on == ["reporting.big_sale"]
    assert model.view("invoker_view", "reporting").options == ["security_invoker=true"]
    assert "WITH RECURSIVE countdown(n)" in model.view("countdown", "reporting").definition
    mv = model.view("monthly", "reporting")
    assert mv.materialized and mv.with_data and mv.comment == "Refreshed nightly"
    assert [i.name for i in mv.indexes] == ["monthly_month_region_idx", "monthly_total_idx"]
    assert mv.indexes[0].unique and mv.indexes[1].orders == ["DESC"]
    assert mv.column_comments == {"total": "Sum of amounts"}
    snap = model.view("empty_snapshot", "reporting")
    assert snap.materialized and not snap.with_data and snap.options == ["fillfactor=90"]
    assert not model.view("published_post").definition.startswith("CREATE")
    assert any(p.grantee == "aishell_fixture_reader" for p in model.view("region_total", "reporting").privileges)


def test_functions_procedures_aggregates(model):
    fns = {f.signature: f for f in model.functions if f.schema == "lib"}
    add = fns["lib.add(a integer, b integer)"]
    assert add.arguments == "a integer, b integer DEFAULT 1" and add.returns == "integer"
    assert add.volatility == "IMMUTABLE" and add.attrs["parallel"] == "SAFE" and add.comment == "Adds two integers"
    assert add.definition.startswith("CREATE OR REPLACE FUNCTION lib.add(a integer, b integer DEFAULT 1)")
    atomic = fns["lib.counter_value(counter_name text)"]
    assert "BEGIN ATOMIC" in atomic.definition and atomic.depends_on == ["lib.counter"]
    bump = fns["lib.bump(counter_name text, VARIADIC amounts integer[])"]
    assert "SECURITY DEFINER" in bump.definition and "SET search_path" in bump.definition
    assert bump.language == "plpgsql"
    assert fns["lib.counters_above(threshold bigint)"].returns == "TABLE(name text, value bigint)"
    assert fns["lib.series(n integer)"].returns == "SETOF integer"
    proc = fns["lib.reset_counter(IN counter_name text, INOUT old_value bigint)"]
    assert proc.kind == "procedure" and proc.returns is None and proc.comment == "Sets a counter back to zero"
    assert proc.definition.startswith("CREATE OR REPLACE PROCEDURE lib.reset_counter(")
    avg = fns["lib.my_avg(numeric)"]
    assert avg.kind == "aggregate" and avg.comment == "Average, also as a moving aggregate"
    assert avg.definition.startswith("CREATE AGGREGATE lib.my_avg(numeric) (")
    for part in ("SFUNC = lib.avg_step", "STYPE = numeric[]", "INITCOND = '{0,0}'", "FINALFUNC = lib.avg_final",
                 "MSFUNC = lib.avg_step", "MINVFUNC = lib.avg_inverse", "MINITCOND = '{0,0}'", "PARALLEL = SAFE"):
        assert part in avg.definition
    assert "lib.avg_step(state numeric[], value numeric)" in avg.depends_on
    assert "SORTOP = >" in fns["lib.my_max(integer)"].definition
    assert fns["lib.my_count()"].definition.startswith("CREATE AGGREGATE lib.my_count(*) (")
    pick = fns["lib.pick(double precision ORDER BY double precision)"]
    assert "FINALFUNC_EXTRA" in pick.definition and "FINALFUNC_MODIFY" not in pick.definition
    sigs = [(f.schema, f.name, f.identity_args) for f in model.functions]
    assert sigs == sorted(sigs)


def test_quoting_torture(model):
    t = model.table("x; DROP TABLE y; --")
    assert [c.name for c in t.columns] == [
        'we"ird', "order", "user", "select", "café", "Ünïcode", "MixedCase", "with space", "a.b"]
    assert t.primary_key == ['we"ird'] and t.primary_key_name == "x; DROP TABLE y; --_pkey"
    assert t.comment == "Robert'); DROP TABLE students; --"
    assert t.column('we"ird').comment == 'multi\nline "comment" with \\ backslash'
    assert t.column("Ünïcode").type == '"Quoted Schema"."Colour"'
    assert t.column("café").collation == "C"
    assert [c.name for c in t.checks] == ["x; check --"]
    assert t.unique[0].name == 'Unique "names"' and t.unique[0].columns == ["order", "user"]
    idx = by_name(t.indexes)
    assert idx['idx "quoted"'].where == '"MixedCase"'
    order = model.table("Order", "Quoted Schema")
    assert order.foreign_keys[0].ref_table == "x; DROP TABLE y; --"
    assert order.foreign_keys[0].ref_columns == ['we"ird']
    assert order.column("ID").identity_options["sequence_name"] == "Quoted Schema.Order_ID_seq"
    assert by_name(order.indexes)["Order user idx"].columns == ["user", 'lower("user")']
    assert model.table("Ünïcode").primary_key == ["ключ"]
    assert model.table("user").foreign_keys[0].ref_table == "MixedCase"
    f = next(f for f in model.functions if f.schema == "Quoted Schema")
    assert f.name == 'Fn "1"' and f.identity_args == '"in" integer, "Out" text'
    assert model.view("Select", "Quoted Schema").depends_on == ["public.x; DROP TABLE y; --"]


def test_model_is_deterministic_and_serialisable(model):
    import json

    from aishell.model import dumps, loads, to_dict

    text = dumps(model)
    assert dumps(loads(text)) == text
    # the one-pass writer prints exactly what the reference encoder prints
    assert text == json.dumps(to_dict(model), indent=2, ensure_ascii=False)
    keys = [(t.schema, t.name) for t in model.tables]
    assert keys == sorted(keys)
    keys = [(v.schema, v.name) for v in model.views]
    assert keys == sorted(keys)


def test_schema_filter(sandbox):
    with sandbox.temporary_database(prefix="aishell_test_") as conninfo:
        for name in ("core.sql", "tables.sql"):
            load_sql_into(conninfo, OBJECTS / name, sandbox.bin("psql"))
        only = inspect(conninfo, schemas=["app"], include_stats=False)
        assert [n.name for n in only.schemas] == ["app"]
        assert {t.schema for t in only.tables} == {"app"} and only.table("author") is None
        assert all(not t.attrs.get("row_estimate") for t in only.tables)
        from aishell.errors import UserError

        with pytest.raises(UserError, match="no schema named 'nope'"):
            inspect(conninfo, schemas=["nope"])


def test_pg18_features(sandbox):
    with sandbox.temporary_database(prefix="aishell_test_") as conninfo:
        load_sql_into(conninfo, OBJECTS / "pg18.sql", sandbox.bin("psql"))
        m = inspect(conninfo)
    p = m.table("product", "pg18")
    assert p.column("total").generated_kind == "virtual" and p.column("total").generated == "(price * (qty)::numeric)"
    assert p.column("total_stored").generated_kind == "stored"
    assert p.column("id").default == "uuidv7()"
    assert p.column("qty").attrs == {"not_null_name": "product_qty_required"}
    assert p.column("price").attrs == {}  # default NOT NULL constraint name: not recorded
    assert p.column("note").attrs == {"not_null_name": "product_note_nn", "not_null_valid": False}
    (check,) = p.checks
    assert check.attrs == {"enforced": False} and check.definition.endswith("NOT ENFORCED")
    assert check.expression == "(price > (0)::numeric)"
    room = m.table("room", "pg18")
    assert room.attrs["primary_key_definition"] == "PRIMARY KEY (id, valid_at WITHOUT OVERLAPS)"
    fks = by_name(m.table("booking", "pg18").foreign_keys)
    assert fks["booking_room_fkey"].attrs == {"period": True}
    assert fks["booking_room_fkey"].definition == (
        "FOREIGN KEY (room_id, PERIOD valid_at) REFERENCES pg18.room(id, PERIOD valid_at)")
    assert fks["booking_owner_fkey"].attrs == {"enforced": False}


@pytest.mark.parametrize("name", COMMON)
def test_each_fixture_loads_alone(any_server, name):
    """Every fixture file loads by itself on both majors (the round-trip tests load them one by one)."""
    with any_server.temporary_database(prefix="aishell_test_") as conninfo:
        load_sql_into(conninfo, OBJECTS / name, any_server.bin("psql"))
        assert inspect(conninfo, include_stats=False).tables
