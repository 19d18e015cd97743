"""Versioned migrations: files on disk, a history table in the database, checksums, apply and rollback.

Layout of the migrations folder (``migrations/`` by default)::

    V1.0.0__initial_schema.up.sql       what applying 1.0.0 runs
    V1.0.0__initial_schema.down.sql     what rolling it back runs
    .aishell/V1.0.0.json                the schema model after 1.0.0 (the base of the next diff)

Names follow Flyway's ``V<version>__<description>`` so Flyway and dbmate users can read them; every
file is plain SQL psql runs as is. The up file's header carries what ``version list`` shows (date,
message, table and index counts) and the hazards that make a file need ``--unsafe``.

The database records what it has applied in ``aishell_schema_versions`` with the SHA-256 of each file:
a file edited after it was applied is caught by ``version status`` and refused by ``apply``/``rollback``.
A file runs in recorded steps (``migrate/runfile.py``): each transaction of the file commits together
with its history row, so a run killed at any point leaves the history true, and the next ``apply`` (or
``rollback``) resumes at the first step not recorded. One run at a time: ``apply`` and ``rollback``
hold aishell's advisory lock on the database (``migrate/lock.py``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from aishell.diff import build_plan, diff_schemas
from aishell.errors import AishellError, UnsafeError, UserError
from aishell.migrate.runfile import split_statements  # noqa: F401 - kept importable from here
from aishell.model import ModelFormatError, Schema, dumps, loads
from aishell.model.schema import HISTORY_TABLE

DEFAULT_DIR = "migrations"
SNAPSHOT_DIR = ".aishell"
_FILE = re.compile(r"^V(?P<version>\d+(?:\.\d+)*)__(?P<slug>[A-Za-z0-9_]*)\.(?P<dir>up|down)\.sql$")
_META = re.compile(r"^-- aishell:(?P<key>[a-z_]+) (?P<value>.*)$", re.MULTILINE)

HISTORY_DDL = f"""
CREATE TABLE IF NOT EXISTS public.{HISTORY_TABLE} (
    version text PRIMARY KEY,
    description text NOT NULL,
    script text NOT NULL,
    checksum text NOT NULL,
    down_checksum text,
    applied_at timestamp with time zone NOT NULL DEFAULT now(),
    applied_by text NOT NULL DEFAULT current_user,
    execution_ms integer NOT NULL DEFAULT 0,
    tables integer,
    indexes integer,
    state text NOT NULL DEFAULT 'applied',
    steps_done integer,
    steps_total integer
)
"""
# A history table written by an earlier aishell gets the columns that record steps.
HISTORY_UPGRADE = (f"ALTER TABLE public.{HISTORY_TABLE} ADD COLUMN IF NOT EXISTS state text NOT NULL DEFAULT 'applied', "
                   "ADD COLUMN IF NOT EXISTS steps_done integer, ADD COLUMN IF NOT EXISTS steps_total integer")
APPLIED, PARTIAL, ROLLING_BACK = "applied", "partial", "rolling-back"


class ChecksumMismatch(AishellError):
    """An applied migration file was edited afterwards."""


@dataclass
class Version:
    version: str
    slug: str
    up: Path
    down: Path | None
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> tuple[int, ...]:
        return version_key(self.version)

    @property
    def message(self) -> str:
        return self.meta.get("message", self.slug.replace("_", " "))

    @property
    def created(self) -> str:
        return self.meta.get("created", "")

    @property
    def checksum(self) -> str:
        return checksum(self.up)

    @property
    def down_checksum(self) -> str | None:
        return checksum(self.down) if self.down and self.down.exists() else None

    def hazards(self, direction: str) -> list[str]:
        key = "hazards" if direction == "up" else "down_hazards"
        value = self.meta.get(key, "none")
        return [] if value in ("", "none") else [h.strip() for h in value.split(",")]

    def counts(self) -> tuple[int | None, int | None]:
        def num(k: str) -> int | None:
            v = self.meta.get(k)
            return int(v) if v and v.isdigit() else None

        return num("tables"), num("indexes")


def version_key(v: str) -> tuple[int, ...]:
    return tuple(int(x) for x in v.lstrip("vV").split("."))


def normalize_version(v: str) -> str:
    v = v.strip().lstrip("vV")
    if not re.fullmatch(r"\d+(\.\d+)*", v):
        raise UserError(f"invalid version {v!r}: expected numbers separated by dots, e.g. 1.2.0")
    return v


def checksum(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def slugify(message: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "_", message.strip().lower()).strip("_")
    return slug[:60] or "migration"


# -- the folder -----------------------------------------------------------------------------------------
def versions_in(folder: Path) -> list[Version]:
    if not folder.is_dir():
        raise UserError(f"no migrations folder {folder}: run `aishell schema version init` first")
    ups: dict[str, Version] = {}
    downs: dict[str, Path] = {}
    for p in folder.iterdir():
        m = _FILE.match(p.name)
        if not m:
            continue
        if m["dir"] == "up":
            text = p.read_text(encoding="utf-8")
            meta = {mm["key"]: mm["value"].strip() for mm in _META.finditer(text)}
            if m["version"] in ups:
                raise UserError(f"two up files for version {m['version']} in {folder}")
            ups[m["version"]] = Version(m["version"], m["slug"], p, None, meta)
        else:
            downs[m["version"]] = p
    for v, path in downs.items():
        if v in ups:
            ups[v].down = path
    return sorted(ups.values(), key=lambda v: v.key)


def snapshot_path(folder: Path, version: str) -> Path:
    return folder / SNAPSHOT_DIR / f"V{version}.json"


def load_snapshot(folder: Path, version: str) -> Schema:
    path = snapshot_path(folder, version)
    if not path.exists():
        raise UserError(f"{path} is missing: the schema after version {version} is unknown")
    try:
        return loads(path.read_text(encoding="utf-8"))
    except ModelFormatError as exc:
        raise UserError(f"{path}: {exc}") from None


def next_version(existing: list[Version]) -> str:
    if not existing:
        return "1.0.0"
    parts = list(version_key(existing[-1].version)) + [0, 0]
    major, minor = parts[0], parts[1]
    return f"{major}.{minor + 1}.0"


def count_objects(schema: Schema) -> tuple[int, int]:
    tables = [t for t in schema.tables if t.name != HISTORY_TABLE]
    return len(tables), sum(len(t.indexes) for t in tables) + sum(len(v.indexes) for v in schema.views)


@dataclass
class Created:
    version: str
    up: Path
    down: Path
    changes: int
    unsafe_up: list[str]
    unsafe_down: list[str]


def create_version(folder: Path, desired: Schema, message: str, *, version: str | None = None,
                   renames: list[str] | tuple = (), verify: bool = True) -> Created:
    """Diff ``desired`` against the last version's snapshot and write the up and down files."""
    if not message or not message.strip():
        raise UserError('give the version a message: aishell schema version create "add user preferences"')
    existing = versions_in(folder)
    previous = load_snapshot(folder, existing[-1].version) if existing else Schema()
    desired = strip_history(desired)
    cs = diff_schemas(previous, desired, renames)
    if not cs.changes:
        last = existing[-1].version if existing else "nothing"
        raise UserError(f"no changes since version {last}: the schema already matches")
    version = normalize_version(version) if version else next_version(existing)
    if any(v.version == version for v in existing):
        raise UserError(f"version {version} exists already")
    if existing and version_key(version) <= existing[-1].key:
        raise UserError(f"version {version} is not after the last one ({existing[-1].version})")
    up = build_plan(cs, previous, desired)
    down = build_plan(cs.reverse(), desired, previous)
    if verify:
        verify_version(previous, desired, up, down)
    tables, indexes = count_objects(desired)
    ptables, pindexes = count_objects(previous)
    slug = slugify(message)
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    unsafe_up = sorted({h.code for s in up.unsafe_statements for h in s.hazards if h.unsafe})
    unsafe_down = sorted({h.code for s in down.unsafe_statements for h in s.hazards if h.unsafe})
    meta = [
        f"aishell:version {version}", f"aishell:message {message.strip()}", f"aishell:created {now}",
        f"aishell:tables {tables}", f"aishell:indexes {indexes}",
        f"aishell:delta {tables - ptables:+d} tables, {indexes - pindexes:+d} indexes",
        f"aishell:hazards {', '.join(unsafe_up) or 'none'}",
        f"aishell:down_hazards {', '.join(unsafe_down) or 'none'}",
    ]
    up_header = "\n".join([f"Version {version}: {message.strip()} (up)",
                           "Applied by `aishell schema version apply`; plain SQL for psql, Flyway or dbmate.", ""] + meta)
    down_header = "\n".join([f"Version {version}: {message.strip()} (down: undoes the up file)",
                             "Run by `aishell schema version rollback`.", "",
                             f"aishell:version {version}", f"aishell:hazards {', '.join(unsafe_down) or 'none'}"])
    folder.mkdir(parents=True, exist_ok=True)
    up_path = folder / f"V{version}__{slug}.up.sql"
    down_path = folder / f"V{version}__{slug}.down.sql"
    up_path.write_text(up.sql(up_header), encoding="utf-8")
    down_path.write_text(down.sql(down_header), encoding="utf-8")
    snap = snapshot_path(folder, version)
    snap.parent.mkdir(parents=True, exist_ok=True)
    snap.write_text(dumps(desired), encoding="utf-8")
    return Created(version, up_path, down_path, len(cs.changes), unsafe_up, unsafe_down)


def strip_history(schema: Schema) -> Schema:
    if any(t.name == HISTORY_TABLE for t in schema.tables):
        import copy

        schema = copy.copy(schema)
        schema.tables = [t for t in schema.tables if t.name != HISTORY_TABLE]
    return schema


def verify_version(previous: Schema, desired: Schema, up, down) -> None:
    """Apply up then down on a scratch copy of the previous version: each must land exactly."""
    from aishell.dialects.postgres.inspect import inspect
    from aishell.dialects.postgres.server import scratch_server
    from aishell.migrate.compare import VerificationFailed, create_schema_in
    from aishell.migrate.execute import MigrationFailed, execute_plan

    server = scratch_server()
    with server.temporary_database() as conninfo:
        create_schema_in(conninfo, previous)
        for plan, want, what in ((up, desired, "up"), (down, previous, "down")):
            try:
                execute_plan(plan, conninfo)
            except MigrationFailed as exc:
                raise VerificationFailed(f"the {what} migration fails on a scratch copy: {exc.report.error}",
                                         hint="--no-verify writes the files anyway") from None
            got = inspect(conninfo)
            if _major(want.server_version) not in (None, _major(got.server_version)):
                # read on another PostgreSQL major version: compare as this server prints it
                with server.temporary_database() as other:
                    create_schema_in(other, want)
                    want = inspect(other)
            left = diff_schemas(got, want)
            if left.changes:
                detail = "; ".join(c.describe() for c in left.changes[:5])
                raise VerificationFailed(f"after the {what} migration the scratch copy still differs: {detail}")


def _major(version: str | None) -> int | None:
    try:
        return int(str(version).split(".")[0]) if version else None
    except ValueError:
        return None


# -- the database ---------------------------------------------------------------------------------------
def ensure_history(conninfo: str) -> None:
    from aishell.dialects.postgres.connect import connect

    with connect(conninfo, autocommit=True) as conn, conn.transaction():
        ensure_history_on(conn)


def ensure_history_on(conn) -> None:
    """Create (or bring up to date) the history table, in the caller's transaction."""
    conn.execute(HISTORY_DDL)
    missing = conn.execute(
        "SELECT count(*) FROM pg_attribute WHERE attrelid = %s::regclass AND attname = ANY(%s) AND NOT attisdropped",
        (f"public.{HISTORY_TABLE}", ["state", "steps_done", "steps_total"])).fetchone()[0] < 3
    if missing:
        conn.execute(HISTORY_UPGRADE)


def history(conninfo: str) -> dict[str, dict]:
    """Applied versions recorded in the database (empty when the table does not exist yet)."""
    from aishell.dialects.postgres.connect import connect

    with connect(conninfo, autocommit=True) as conn:
        exists = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (f"public.{HISTORY_TABLE}",)).fetchone()[0]
        if not exists:
            return {}
        cur = conn.execute(f"SELECT * FROM public.{HISTORY_TABLE}")
        cols = [d.name for d in cur.description]
        out = {}
        for r in cur.fetchall():
            row = dict(zip(cols, r))
            row.setdefault("state", APPLIED)
            out[row["version"]] = row
        return out


@dataclass
class StatusRow:
    version: str
    message: str
    state: str  # applied | pending | modified | missing-file | partial | rolling-back
    applied_at: str | None = None
    detail: str = ""
    steps_done: int | None = None
    steps_total: int | None = None


def status(folder: Path, conninfo: str) -> list[StatusRow]:
    files = {v.version: v for v in versions_in(folder)}
    applied = history(conninfo)
    rows = []
    for ver in sorted(set(files) | set(applied), key=version_key):
        v, h = files.get(ver), applied.get(ver)
        if v and h:
            state, detail = h["state"], ""
            done, total = h.get("steps_done"), h.get("steps_total")
            if h["checksum"] != v.checksum:
                state, detail = "modified", f"{v.up.name} was edited after it was applied"
            elif h.get("down_checksum") and v.down_checksum and h["down_checksum"] != v.down_checksum:
                state, detail = "modified", f"{v.down.name} was edited after it was applied"
            elif state == PARTIAL:
                detail = (f"applying stopped after step {done} of {total} (interrupted or failed): "
                          f"`aishell schema version apply` resumes at step {(done or 0) + 1}")
            elif state == ROLLING_BACK:
                detail = (f"rolling back stopped after step {done} of {total} of {v.down.name if v.down else 'its down file'}: "
                          f"`aishell schema version rollback` again resumes it")
            rows.append(StatusRow(ver, v.message, state, str(h["applied_at"])[:19], detail, done, total))
        elif v:
            rows.append(StatusRow(ver, v.message, "pending"))
        else:
            rows.append(StatusRow(ver, h["description"], "missing-file", str(h["applied_at"])[:19],
                                  f"applied as {h['script']}, no such file now"))
    return rows


_DRIFT_KINDS = {"schema", "table", "column", "index", "foreign key", "enum", "sequence"}


def disagreements(folder: Path, conninfo: str, rows: list[StatusRow]) -> list[str]:
    """Where the history and the database disagree, each with what to do: a version applied or rolled
    back only in part, an INVALID index, a schema that is not the last applied version's."""
    from aishell.dialects.postgres.connect import connect

    out = [f"v{r.version} {r.state}: {r.detail}" for r in rows if r.state in (PARTIAL, ROLLING_BACK)]
    resumable = any(r.state in (PARTIAL, ROLLING_BACK) for r in rows)
    with connect(conninfo, autocommit=True) as conn:
        invalid = conn.execute(
            "SELECT n.nspname, c.relname, t.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE NOT i.indisvalid AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
            "AND n.nspname NOT LIKE 'pg\\_%%' ORDER BY 1, 2").fetchall()
    for schema, name, table in invalid:
        what = ("the next `aishell schema version apply` drops and builds it again" if resumable else
                f"no version records it as unfinished: rebuild it (REINDEX INDEX CONCURRENTLY {schema}.{name}, or "
                "`aishell schema fix --rule invalid-index`) or drop it")
        out.append(f"index {schema}.{name} on {table} is INVALID (a CREATE INDEX CONCURRENTLY that failed or was "
                    f"interrupted): it is not what any version describes; {what}")
    applied = [r.version for r in rows if r.state == APPLIED]
    if resumable or not applied or any(r.state in ("modified", "missing-file") for r in rows):
        return out
    try:
        want = strip_history(load_snapshot(folder, applied[-1]))
    except UserError:
        return out
    from aishell.dialects.postgres.inspect import inspect

    have = strip_history(inspect(conninfo, include_stats=False))
    kinds = set(_DRIFT_KINDS)
    if _major(want.server_version) in (None, _major(have.server_version)):
        kinds.add("constraint")  # deparsed texts compare only within one major version
    invalid_names = {name for _, name, _ in invalid}
    drift = [c for c in diff_schemas(have, want).changes if c.kind in kinds
             and not (c.kind == "index" and getattr(c.old, "name", None) in invalid_names)]
    if drift:
        shown = "; ".join(c.describe() for c in drift[:5]) + (f"; ... {len(drift) - 5} more" if len(drift) > 5 else "")
        out.append(f"the database is not the schema of v{applied[-1]}, the last version the history records "
                   f"({len(drift)} difference(s), as changes that would make it so: {shown}); it was changed outside "
                   "`version apply`: add a version for that change, or undo it")
    return out


def check_checksums(rows: list[StatusRow]) -> None:
    bad = [r for r in rows if r.state in ("modified", "missing-file")]
    if bad:
        raise ChecksumMismatch("; ".join(f"{r.version}: {r.detail}" for r in bad),
                               hint="restore the files as they were applied, or add a new version instead")


@dataclass
class RunResult:
    version: str
    direction: str
    steps: int
    seconds: float
    resumed_from: int | None = None  # the step an earlier, interrupted run stopped before


def apply_versions(folder: Path, conninfo: str, *, to: str | None = None, unsafe: bool = False,
                   on_statement=None, wait: float = 5.0) -> list[RunResult]:
    """Apply the pending versions (resuming one an earlier run left partial), holding the lock."""
    from aishell.migrate.lock import database_lock
    from aishell.testpoints import pause

    with database_lock(conninfo, wait=wait, what="version apply"):
        pause("locked")
        return _apply_versions(folder, conninfo, to=to, unsafe=unsafe, on_statement=on_statement)


def _apply_versions(folder: Path, conninfo: str, *, to: str | None, unsafe: bool, on_statement) -> list[RunResult]:
    from aishell.migrate.runfile import run_steps, steps_of

    rows = status(folder, conninfo)
    check_checksums(rows)
    rolling = [r for r in rows if r.state == ROLLING_BACK]
    if rolling:
        raise UserError(f"version {rolling[0].version} is partly rolled back ({rolling[0].detail})",
                        hint="finish it with `aishell schema version rollback` first")
    files = {v.version: v for v in versions_in(folder)}
    target = normalize_version(to) if to else None
    if target and target not in files:
        raise UserError(f"no version {target} in {folder}")
    pending = [files[r.version] for r in rows if r.state in ("pending", PARTIAL)
               and (target is None or version_key(r.version) <= version_key(target))]
    partial = {r.version: r.steps_done or 0 for r in rows if r.state == PARTIAL}
    applied_keys = [version_key(r.version) for r in rows if r.state == APPLIED]
    if pending and applied_keys and pending[0].key < max(applied_keys):
        raise UserError(f"version {pending[0].version} is older than the last applied one; "
                        "it was added out of order (give it a newer version number)")
    unsafe_ones = [v for v in pending if v.hazards("up")]
    if unsafe_ones and not unsafe:
        raise UnsafeError("destructive migration(s): " + ", ".join(f"{v.version} ({', '.join(v.hazards('up'))})"
                                                                  for v in unsafe_ones),
                          hint="review them and pass --unsafe", statements=[str(v.up) for v in unsafe_ones])
    results = []
    for v in pending:
        total = len(steps_of(v.up.read_text(encoding="utf-8")))
        done = partial.get(v.version, 0)
        ensured: list[bool] = []

        def write(conn, steps_done: int, seconds: float, v=v, total=total, ensured=ensured) -> None:
            if not ensured:
                ensure_history_on(conn)
                ensured.append(True)
            record_on(conn, v, seconds, state=APPLIED if steps_done >= total else PARTIAL, steps_done=steps_done,
                      steps_total=total)

        if total == 0:
            from aishell.dialects.postgres.connect import connect

            with connect(conninfo, autocommit=True) as conn, conn.transaction():
                write(conn, 0, 0.0)
            n, secs = 0, 0.0
        else:
            n, secs = run_steps(conninfo, v.up, what=f"version {v.version}", start_after=done, record=write,
                                on_statement=on_statement)
        results.append(RunResult(v.version, "up", n, secs, resumed_from=done + 1 if done else None))
    return results


def record(conninfo: str, v: Version, seconds: float) -> None:
    """Record ``v`` as applied (the baseline of ``init``)."""
    from aishell.dialects.postgres.connect import connect
    from aishell.migrate.runfile import steps_of

    total = len(steps_of(v.up.read_text(encoding="utf-8")))
    with connect(conninfo, autocommit=True) as conn, conn.transaction():
        ensure_history_on(conn)
        record_on(conn, v, seconds, state=APPLIED, steps_done=total, steps_total=total)


def record_on(conn, v: Version, seconds: float, *, state: str, steps_done: int, steps_total: int) -> None:
    """Insert or advance ``v``'s history row, in the caller's transaction."""
    tables, indexes = v.counts()
    conn.execute(
        f"INSERT INTO public.{HISTORY_TABLE} AS h (version, description, script, checksum, down_checksum, execution_ms, "
        f"tables, indexes, state, steps_done, steps_total) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
        f"ON CONFLICT (version) DO UPDATE SET state = EXCLUDED.state, steps_done = EXCLUDED.steps_done, "
        f"steps_total = EXCLUDED.steps_total, execution_ms = h.execution_ms + EXCLUDED.execution_ms, "
        f"applied_at = now()",
        (v.version, v.message, v.up.name, v.checksum, v.down_checksum, int(seconds * 1000), tables, indexes, state,
         steps_done, steps_total))


def rollback_versions(folder: Path, conninfo: str, to: str, *, unsafe: bool = False,
                      on_statement=None, wait: float = 5.0) -> list[RunResult]:
    """Undo every applied version after ``to`` (which stays applied), newest first, holding the lock."""
    from aishell.migrate.lock import database_lock
    from aishell.testpoints import pause

    with database_lock(conninfo, wait=wait, what="version rollback"):
        pause("locked")
        return _rollback_versions(folder, conninfo, to, unsafe=unsafe, on_statement=on_statement)


def _rollback_versions(folder: Path, conninfo: str, to: str, *, unsafe: bool, on_statement) -> list[RunResult]:
    from aishell.migrate.runfile import run_steps, steps_of

    target = normalize_version(to)
    rows = status(folder, conninfo)
    check_checksums(rows)
    partial = [r for r in rows if r.state == PARTIAL]
    if partial:
        raise UserError(f"version {partial[0].version} is partly applied ({partial[0].detail})",
                        hint="finish it with `aishell schema version apply`, then roll back")
    files = {v.version: v for v in versions_in(folder)}
    rolling = {r.version: r.steps_done or 0 for r in rows if r.state == ROLLING_BACK}
    applied = [r.version for r in rows if r.state in (APPLIED, ROLLING_BACK)]
    if target not in applied and target not in ("0", "0.0.0"):
        raise UserError(f"version {target} is not applied here (applied: {', '.join(applied) or 'none'})")
    undo = [files[v] for v in sorted(applied, key=version_key, reverse=True) if version_key(v) > version_key(target)]
    if not undo:
        raise UserError(f"nothing to roll back: {target} is the latest applied version")
    missing = [v.version for v in undo if v.down is None]
    if missing:
        raise UserError(f"no down file for version(s) {', '.join(missing)}")
    unsafe_ones = [v for v in undo if v.hazards("down")]
    if unsafe_ones and not unsafe:
        raise UnsafeError("rolling back deletes data: " + ", ".join(f"{v.version} ({', '.join(v.hazards('down'))})"
                                                                    for v in unsafe_ones),
                          hint="review the down files and pass --unsafe", statements=[str(v.down) for v in unsafe_ones])
    ensure_history(conninfo)  # a table of an earlier aishell gets its step columns (after every refusal)
    results = []
    for v in undo:
        assert v.down is not None
        total = len(steps_of(v.down.read_text(encoding="utf-8")))
        done = rolling.get(v.version, 0)

        def write(conn, steps_done: int, seconds: float, v=v, total=total) -> None:
            # The last step removes the version's row in the same transaction; before, it says how far.
            if steps_done >= total:
                conn.execute(f"DELETE FROM public.{HISTORY_TABLE} WHERE version = %s", (v.version,))
            else:
                conn.execute(f"UPDATE public.{HISTORY_TABLE} SET state = %s, steps_done = %s, steps_total = %s "
                             f"WHERE version = %s", (ROLLING_BACK, steps_done, total, v.version))

        if total == 0:
            from aishell.dialects.postgres.connect import connect

            with connect(conninfo, autocommit=True) as conn, conn.transaction():
                write(conn, 0, 0.0)
            n, secs = 0, 0.0
        else:
            n, secs = run_steps(conninfo, v.down, what=f"rolling back version {v.version}", start_after=done,
                                record=write, on_statement=on_statement)
        results.append(RunResult(v.version, "down", n, secs, resumed_from=done + 1 if done else None))
    return results


def init(folder: Path, conninfo: str | None, schema: Schema | None) -> Created | None:
    """Create the folder (and the history table). A database that already has tables becomes the
    baseline version 1.0.0, recorded as applied."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / SNAPSHOT_DIR).mkdir(exist_ok=True)
    readme = folder / "README.md"
    if not readme.exists():
        readme.write_text(
            "# Schema migrations\n\nWritten by `aishell schema version create`. Each version has an up and a "
            "down file (`V<version>__<name>.up.sql` / `.down.sql`), plain SQL for psql, Flyway or dbmate. "
            "`.aishell/` keeps the schema after each version. Do not edit an applied file: its checksum is "
            "recorded in the `aishell_schema_versions` table.\n", encoding="utf-8")
    if conninfo is None:
        return None
    ensure_history(conninfo)
    schema = strip_history(schema) if schema is not None else None
    if schema is None or not (schema.tables or schema.views or schema.functions or schema.enums):
        return None
    if versions_in(folder):
        return None
    created = create_version(folder, schema, "Initial schema", verify=False)
    v = next(x for x in versions_in(folder) if x.version == created.version)
    record(conninfo, v, 0.0)
    return created


def history_json(folder: Path, conninfo: str | None) -> list[dict]:
    rows = {r.version: r for r in status(folder, conninfo)} if conninfo else {}
    out = []
    prev = (None, None)
    for v in versions_in(folder):
        tables, indexes = v.counts()
        entry = {"version": v.version, "created": v.created, "message": v.message, "tables": tables,
                 "indexes": indexes, "up": v.up.name, "down": v.down.name if v.down else None,
                 "hazards": v.hazards("up"), "down_hazards": v.hazards("down")}
        if prev[0] is not None and tables is not None:
            entry["delta_tables"] = tables - prev[0]
            entry["delta_indexes"] = (indexes or 0) - (prev[1] or 0)
        if conninfo:
            r = rows.get(v.version)
            entry["state"] = r.state if r else "pending"
            entry["applied_at"] = r.applied_at if r else None
        out.append(entry)
        prev = (tables, indexes)
    return out


def to_json_text(data) -> str:
    return json.dumps(data, indent=2, default=str)
