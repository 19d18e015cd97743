"""SOURCE × TARGET → changes → plan, and the proof: the plan tried on a throwaway copy of TARGET.

``compare(source, target)`` reads both (any SOURCE form), diffs them and builds the plan.
``verify(comparison)`` copies TARGET's schema into a temporary database on the embedded server, runs
the plan there, introspects the copy and diffs it against SOURCE again: anything left means the plan is
wrong, and it is reported instead of being shown as if it worked (pg-schema-diff's habit).
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from aishell.errors import EXIT_INTERNAL, AishellError, SourceError, UserError
from aishell.model import Schema
from aishell.sources import Source, load_schema, parse_source, run_sql_text

if TYPE_CHECKING:
    from aishell.diff import ChangeSet, Plan

# aishell.diff is imported inside the functions: compare() loads it while SOURCE and TARGET are read.


@dataclass
class Comparison:
    source: Source | None
    target: Source | None
    desired: Schema
    current: Schema
    changes: ChangeSet
    plan: Plan
    renames: list[str] = field(default_factory=list)

    @property
    def source_name(self) -> str:
        return _label(self.source, self.desired)

    @property
    def target_name(self) -> str:
        return _label(self.target, self.current)


def _label(src: Source | None, schema: Schema) -> str:
    if src is None:
        return schema.name or "schema"
    if src.kind in ("sql", "json"):
        return Path(src.text).name
    return src.display


class VerificationFailed(AishellError):
    """The plan, tried on a copy of TARGET, did not produce SOURCE: a bug in aishell (exit 70)."""

    exit_code = EXIT_INTERNAL


def load_canonical(source: Source | str, *, stats: bool = True) -> Schema:
    """A SOURCE as a model spelled the way PostgreSQL spells it.

    Live databases and ``.sql`` files already are; a model (``.json``, ``design``) is loaded into a
    throwaway database and introspected back, so ``VARCHAR(255)`` and ``price >= 0`` compare equal to
    ``character varying(255)`` and ``(price >= (0)::numeric)``. If that fails, the model is used as is.
    """
    if isinstance(source, str):
        source = parse_source(source)
    if source.kind in ("json", "design"):
        model = load_schema(source)
        try:
            return roundtrip_model(model)
        except AishellError:
            return model
    if source.is_live and not stats:
        # SOURCE's live statistics are never shown: skip reading them.
        from aishell.dialects.postgres.inspect import inspect

        schema = inspect(source.conninfo or "", include_stats=False)
        schema.name = schema.name or source.display
        return schema
    return load_schema(source)


def roundtrip_model(model: Schema) -> Schema:
    from aishell.dialects.postgres.inspect import inspect
    from aishell.dialects.postgres.server import scratch_server

    server = scratch_server()
    with server.temporary_database() as conninfo:
        create_schema_in(conninfo, model)
        out = inspect(conninfo)
    out.name = model.name
    return out


def create_schema_in(conninfo: str, model: Schema) -> None:
    """Create ``model`` in an empty database with our own planner (diff from nothing)."""
    from aishell.migrate.execute import execute_plan

    empty = Schema()
    from aishell.diff import build_plan, diff_schemas

    plan = build_plan(diff_schemas(empty, model), empty, model)
    execute_plan(plan, conninfo)


def compare(source: str | Source | Schema, target: str | Source | Schema, *, renames: list[str] | tuple = (),
            lock_timeout: str | None = None, statement_timeout: str | None = None,
            fills: list[str] | tuple = ()) -> Comparison:
    """Read SOURCE and TARGET, diff them and plan. ``fills`` are ``TABLE.COLUMN=VALUE`` texts: the value
    rows already in TARGET get in a NOT NULL column the plan adds (a literal, quoted as one)."""
    src = parse_source(source) if isinstance(source, str) else (source if isinstance(source, Source) else None)
    tgt = parse_source(target) if isinstance(target, str) else (target if isinstance(target, Source) else None)
    if not isinstance(source, Schema) and not isinstance(target, Schema):
        # The two reads wait mostly on their servers: run them side by side.
        from concurrent.futures import ThreadPoolExecutor

        # Import what the threads use first: two threads importing psycopg at once can deadlock or
        # see a half-initialised module.
        import psycopg.conninfo  # noqa: F401


        if any(x is not None and x.kind in ("json", "design") for x in (src, tgt)):
            # Models are built in a scratch database by our own planner, in the threads.
            pass

        with ThreadPoolExecutor(max_workers=2) as pool:
            f_desired = pool.submit(load_canonical, src, stats=False)  # type: ignore[arg-type]
            f_current = pool.submit(load_canonical, tgt)  # type: ignore[arg-type]
            # Meanwhile, load the differ and PostgreSQL's keyword list for quoting.
            from aishell.dialects.postgres.quote import quote_ident

            quote_ident("user")
            desired, current = f_desired.result(), f_current.result()
    else:
        desired = source if isinstance(source, Schema) else load_canonical(src, stats=False)  # type: ignore[arg-type]
        current = target if isinstance(target, Schema) else load_canonical(tgt)  # type: ignore[arg-type]
    from aishell.diff import build_plan, diff_schemas

    cs = diff_schemas(current, desired, renames)
    kwargs = {}
    if lock_timeout:
        kwargs["lock_timeout"] = lock_timeout
    if statement_timeout:
        kwargs["statement_timeout"] = statement_timeout
    plan = build_plan(cs, current, desired, fills=parse_fills(fills, desired), **kwargs)
    return Comparison(src, tgt, desired, current, cs, plan, list(renames))


def parse_fills(specs: list[str] | tuple, desired: Schema) -> dict[tuple[str, str], str]:
    """``TABLE.COLUMN=VALUE`` (TABLE may be ``schema.table``) → {(qualified table, column): SQL literal}."""
    from aishell.dialects.postgres.quote import quote_literal

    out: dict[tuple[str, str], str] = {}
    for spec in specs:
        where, sep, value = spec.partition("=")
        table, dot, column = where.strip().rpartition(".")
        if not sep or not dot or not table or not column:
            raise UserError(f"invalid --fill {spec!r}: expected TABLE.COLUMN=VALUE, e.g. users.company_id=1")
        t = desired.table(table)
        if t is None or t.column(column) is None:
            raise UserError(f"--fill {spec!r}: the desired schema has no column {table}.{column}")
        out[(t.qualified_name, column)] = quote_literal(value)
    return out


# -- verification --------------------------------------------------------------------------------------
def copy_target_into(target: Source | None, current: Schema, conninfo: str, server) -> bool:
    """Put TARGET's schema into the empty database ``conninfo``. Returns False when grants could not
    be copied (roles missing on the scratch server), so the check must ignore privileges."""
    if target is not None and target.kind == "sql":
        assert target.path is not None
        from aishell.sources import load_sql_into

        load_sql_into(conninfo, target.path)
        return True
    if target is not None and target.is_live:
        for extra in ([], ["--no-privileges"]):
            dump = pg_dump_schema(target.conninfo or "", extra)
            try:
                run_sql_text(conninfo, dump, label="copy of TARGET")
                return not extra
            except SourceError:
                if extra:
                    raise
                _reset_database(conninfo)
        return False
    create_schema_in(conninfo, current)
    return True


def _reset_database(conninfo: str) -> None:
    from aishell.dialects.postgres.connect import connect

    with connect(conninfo, autocommit=True) as conn:
        names = [r[0] for r in conn.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'"
        ).fetchall()]
        for n in names:
            conn.execute(f'DROP SCHEMA "{n}" CASCADE')
        conn.execute("CREATE SCHEMA public")


_RESTRICT = re.compile(r"^\\(un)?restrict \S+$", re.MULTILINE)


def pg_dump_schema(conninfo: str, extra: list[str] | None = None) -> str:
    """``pg_dump --schema-only`` of a live database with a pg_dump able to read its server."""
    from aishell.dialects.postgres.connect import connect
    from aishell.dialects.postgres.server import embedded_bin_dir

    with connect(conninfo) as conn:
        major = int(conn.info.server_version) // 10000
    candidates = [Path(f"/usr/lib/postgresql/{major}/bin/pg_dump"), embedded_bin_dir() / "pg_dump"]
    exe = next((c for c in candidates if c.exists()), None)
    if exe is None:
        raise UserError(f"no pg_dump for PostgreSQL {major} on this machine (needed to verify the plan; "
                        "--no-verify skips it)")
    from aishell.dialects.postgres.client import CONNINFO, run_client
    from aishell.dialects.postgres.connect import mask_url

    proc = run_client([exe, "--schema-only", "--no-owner", "--no-password", *(extra or []), "-d", CONNINFO],
                      conninfo, capture_output=True, timeout=600)
    if proc.returncode != 0:
        raise UserError(f"pg_dump of TARGET failed: {mask_url(proc.stderr.decode(errors='replace').strip()[:300])}")
    return _RESTRICT.sub("", proc.stdout.decode())


@dataclass
class Verification:
    ok: bool
    remaining: ChangeSet
    error: str | None = None

    def describe(self) -> list[str]:
        if self.error:
            return [self.error]
        return [c.describe() for c in self.remaining.changes]


def verify(comp: Comparison) -> Verification:
    """Run the plan on a throwaway copy of TARGET's schema, then diff the copy against SOURCE."""
    from aishell.dialects.postgres.server import scratch_server
    from aishell.diff import ChangeSet

    if not comp.plan.statements:
        return Verification(True, ChangeSet())
    server = scratch_server()
    with _roles_for(server, comp):
        return _verify_on(server, comp)


def _verify_on(server, comp: Comparison) -> Verification:
    from aishell.dialects.postgres.inspect import inspect
    from aishell.diff import ChangeSet, diff_schemas
    from aishell.migrate.execute import MigrationFailed, execute_plan

    with server.temporary_database() as conninfo:
        grants_ok = copy_target_into(comp.target, comp.current, conninfo, server)
        try:
            execute_plan(comp.plan, conninfo)
        except MigrationFailed as exc:
            r = exc.report
            return Verification(False, ChangeSet(), f"the plan failed on a copy of TARGET at `{r.failed.sql if r.failed else ''}`: {r.error}")
        after = inspect(conninfo)
        want = comp.desired
        if _major(want.server_version) not in (None, _major(after.server_version)):
            # SOURCE was read on another PostgreSQL major version, which prints view bodies, defaults and
            # checks its own way: compare with SOURCE as the scratch server reads it.
            with server.temporary_database() as source_copy:
                grants_ok = copy_target_into(comp.source, comp.desired, source_copy, server) and grants_ok
                want = inspect(source_copy)
        left = diff_schemas(after, want, copy_current=False)  # ``after`` is read for this check only
        left.changes = same_views_dropped(conninfo, left.changes)
    if not grants_ok:
        left.changes = [c for c in left.changes if c.kind != "privilege"]
    # pg_dump leaves INVALID indexes out of the copy: an index INVALID on either side is no evidence.
    invalid = _invalid_indexes(comp.current) | _invalid_indexes(comp.desired)
    left.changes = [c for c in left.changes if not (c.kind == "index" and getattr(c.obj, "name", None) in invalid)]
    return Verification(not left.changes, left)


def _invalid_indexes(schema: Schema) -> set[str]:
    return {i.name for t in schema.tables for i in t.indexes if not i.valid}


def same_views_dropped(conninfo: str, changes: list) -> list:
    """``changes`` without the view changes whose two queries PostgreSQL executes alike.

    A view's text is PostgreSQL's deparse of its query tree, and deparsing what was deparsed need not
    give the same text (``NULL::integer`` gains an ``AS int4`` alias in a UNION branch). So both
    definitions are loaded as temporary views on the same server, in a transaction rolled back at
    once, and compared as that server prints them: equal there means the same query tree."""
    from aishell.diff import changes as ch
    from aishell.diff.differ import view_key

    candidates = [c for c in changes if isinstance(c, ch.AlterView)
                  and view_key(c.old)[0::2] == view_key(c.new)[0::2] and view_key(c.old)[3:] == view_key(c.new)[3:]]
    if not candidates:
        return changes
    from aishell.dialects.postgres.connect import connect

    same: set[int] = set()
    with connect(conninfo) as conn:
        for c in candidates:
            try:
                with conn.transaction(force_rollback=True):
                    conn.execute("SELECT pg_catalog.set_config('search_path', '', true)")
                    texts = []
                    for i, v in enumerate((c.old, c.new)):
                        body = (v.definition or "").strip().rstrip(";")
                        conn.execute(f"CREATE TEMPORARY VIEW aishell_view_{i} AS {body}")
                        texts.append(conn.execute(
                            f"SELECT pg_catalog.pg_get_viewdef('pg_temp.aishell_view_{i}'::pg_catalog.regclass)"
                        ).fetchone()[0])
                if texts[0] == texts[1]:
                    same.add(id(c))
            except Exception:  # noqa: BLE001, S112 - a query that does not load here stays a difference
                continue
    return [c for c in changes if id(c) not in same]


@contextlib.contextmanager
def _roles_for(server, comp: Comparison):
    """The roles SOURCE and TARGET name (owners, grantees, policy roles) that the scratch server lacks,
    created there as NOLOGIN roles for the check and dropped after it: a policy ``TO auditor`` exists
    on the user's servers, not on the embedded one."""
    from aishell.dialects.postgres.connect import connect
    from aishell.dialects.postgres.generate import referenced_roles
    from aishell.dialects.postgres.quote import quote_ident

    wanted = sorted(set(referenced_roles(comp.current)) | set(referenced_roles(comp.desired)))
    created: list[str] = []
    if wanted:
        with connect(server.conninfo(), autocommit=True) as conn:
            have = {r[0] for r in conn.execute("SELECT rolname FROM pg_catalog.pg_roles WHERE rolname = ANY (%s)",
                                               (wanted,)).fetchall()}
            for name in wanted:
                if name in have:
                    continue
                with contextlib.suppress(Exception):  # created meanwhile by another check: fine as it is
                    conn.execute(f"CREATE ROLE {quote_ident(name)} NOLOGIN")
                    created.append(name)
    try:
        yield created
    finally:
        if created:
            with contextlib.suppress(Exception), connect(server.conninfo(), autocommit=True) as conn:
                for name in created:
                    with contextlib.suppress(Exception):
                        conn.execute(f"DROP ROLE {quote_ident(name)}")


def _major(version: str | None) -> int | None:
    try:
        return int(str(version).split(".")[0]) if version else None
    except ValueError:
        return None
