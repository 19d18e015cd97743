"""Running SQL text without psql: the checked loader for ``.sql`` SOURCEs, and the runner for our own text.

A ``.sql`` file a user names is hostile until checked (docs/inspect.md, "What a .sql SOURCE may hold"):

* psql meta-commands (a backslash outside strings, comments and quoted names) are not SQL. pg_dump's
  ``\\restrict KEY`` / ``\\unrestrict KEY`` (PostgreSQL 17.6+) and ``\\connect`` are skipped (we stay in
  the throwaway database); every other one (``\\!``, ``\\copy``, ``\\i``, ``\\o``, ``\\gexec`` ...) is refused.
* Statements are parsed with pglast and checked against an allow-list (schema DDL, COMMENT, GRANT,
  SET, INSERT/UPDATE/DELETE of rows, CREATE EXTENSION of a known list, pg_dump's ``set_config`` and
  ``setval`` calls); everything else (COPY, DO, functions in other languages than sql and plpgsql, ALTER
  SYSTEM, LOAD, roles, ...) is refused, as is any call of a function that reads files, large objects
  or other servers, wherever it appears (defaults, views, SQL function bodies).
* The statements then run through psycopg, logged in as a role made for the load: no superuser, owner
  of the throwaway database, member of nothing. Allowed extensions are created by the server's
  administrator at their place in the file, and ``ALTER ... OWNER TO`` / ``ALTER DEFAULT PRIVILEGES FOR
  ROLE`` run after the load (the objects pass to the administrator first, as when psql loaded them).

The first refusal ends the load with one line: ``FILE:LINE: refused WHAT (WHY)``; a PostgreSQL error
with ``FILE: line N: MESSAGE``.

``run_trusted`` runs text we wrote or dumped ourselves (generated DDL, pg_dump output) the same way
(psycopg, meta-commands refused, ``COPY ... FROM stdin`` data fed to the server) but as the connection's
own user and without the allow-list.
"""

from __future__ import annotations

import contextlib
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from aishell.errors import SourceError
from aishell.model.check import denied_function

# Meta-commands pg_dump itself writes, which change nothing in the database we load into.
SKIPPED_META = ("restrict", "unrestrict", "connect", "c")

# Extensions a .sql SOURCE may create: contrib modules that define types, operators and functions and
# reach neither files, programs nor other servers (no dblink, file_fdw, postgres_fdw, adminpack,
# pageinspect, ...). The administrator creates them on the file's behalf.
ALLOWED_EXTENSIONS = frozenset({
    "plpgsql", "pgcrypto", "citext", "uuid-ossp", "btree_gist", "btree_gin", "pg_trgm", "hstore",
    "unaccent", "ltree", "intarray", "cube", "earthdistance", "tablefunc", "fuzzystrmatch",
    "pg_stat_statements", "isn", "seg", "lo", "tcn", "tsm_system_rows", "tsm_system_time", "dict_int",
    "bloom", "vector", "postgis", "postgis_topology", "pg_partman",
})

ALLOWED_LANGUAGES = frozenset({"sql", "plpgsql"})

# Statement kinds (pglast node names) a schema file may hold, beyond those checked one by one below.
_ALLOWED = frozenset({
    "CreateStmt", "CreateSchemaStmt", "CreateSeqStmt", "AlterSeqStmt", "ViewStmt", "IndexStmt",
    "CreateTableAsStmt", "AlterTableStmt", "AlterOwnerStmt", "AlterObjectSchemaStmt", "RenameStmt",
    "DropStmt", "CommentStmt", "CreateEnumStmt", "AlterEnumStmt", "CompositeTypeStmt", "CreateDomainStmt",
    "AlterDomainStmt", "CreateRangeStmt", "DefineStmt", "CreateFunctionStmt", "AlterFunctionStmt",
    "CreateTrigStmt", "CreatePolicyStmt", "AlterPolicyStmt", "RuleStmt", "CreateCastStmt",
    "CreateOpClassStmt", "CreateOpFamilyStmt", "AlterOpFamilyStmt", "CreateConversionStmt",
    "CreateStatsStmt", "AlterStatsStmt", "AlterTSDictionaryStmt", "AlterTSConfigurationStmt",
    "CreatePublicationStmt", "AlterPublicationStmt", "CreateForeignTableStmt", "CreateForeignServerStmt",
    "AlterForeignServerStmt", "CreateUserMappingStmt", "AlterUserMappingStmt", "DropUserMappingStmt",
    "GrantStmt", "GrantRoleStmt", "AlterDefaultPrivilegesStmt", "VariableSetStmt", "VariableShowStmt",
    "TransactionStmt", "CreateExtensionStmt", "SelectStmt", "InsertStmt", "UpdateStmt", "DeleteStmt",
    "RefreshMatViewStmt", "VacuumStmt", "ConstraintsSetStmt", "AlterCollationStmt", "AlterTypeStmt",
    "AlterOperatorStmt", "CreatePLangStmt", "DiscardStmt", "ReindexStmt", "ClusterStmt",
})

# Why a statement kind is refused, when there is more to say than "not schema DDL".
_WHY = {
    "CopyStmt": "COPY reads or writes server files and runs programs; a .sql SOURCE holds no COPY",
    "DoStmt": "anonymous code blocks are not schema",
    "CallStmt": "procedure calls are not schema",
    "AlterSystemStmt": "changes the server's configuration",
    "LoadStmt": "loads a shared library into the server",
    "CreateRoleStmt": "roles are server-wide, not part of a schema",
    "AlterRoleStmt": "roles are server-wide, not part of a schema",
    "AlterRoleSetStmt": "roles are server-wide, not part of a schema",
    "DropRoleStmt": "roles are server-wide, not part of a schema",
    "CreatedbStmt": "databases are not part of a schema",
    "DropdbStmt": "databases are not part of a schema",
    "AlterDatabaseStmt": "databases are not part of a schema",
    "AlterDatabaseSetStmt": "databases are not part of a schema",
    "CreateTableSpaceStmt": "tablespaces are directories on the server",
    "CreateSubscriptionStmt": "connects to another server",
    "AlterSubscriptionStmt": "connects to another server",
    "ImportForeignSchemaStmt": "connects to another server",
    "CreateEventTrigStmt": "event triggers need a superuser",
    "CreateFdwStmt": "foreign-data wrappers need a superuser",
    "CreateAmStmt": "access methods need a superuser",
    "ExplainStmt": "EXPLAIN ANALYZE runs its query",
    "AlterExtensionStmt": "extensions are created from the known list only",
    "AlterExtensionContentsStmt": "extensions are created from the known list only",
}


@dataclass
class Statement:
    """One statement of a file: its text, the 1-based line it starts on, and how it is run."""

    text: str
    line: int
    node: Any
    run_as: str = "loader"  # loader | admin (allowed extensions) | after (owners, default privileges)
    copy_data: str | None = None  # the rows of COPY ... FROM stdin (our own dumps only)


@dataclass
class Script:
    label: str
    statements: list[Statement] = field(default_factory=list)


class Refused(SourceError):
    """A statement or meta-command a .sql SOURCE may not hold."""


# -- reading ---------------------------------------------------------------------------------------
def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


_DOLLAR_TAG = re.compile(r"\$([A-Za-z_\x80-\uffff][A-Za-z0-9_\x80-\uffff]*)?\$")
_COPY_FROM_STDIN = re.compile(r"^(?:\s|--[^\n]*(?:\n|$)|/\*.*?\*/)*COPY\b.*\bFROM\s+STDIN\b", re.I | re.S)


def _scan(text: str, label: str) -> tuple[str, dict[int, str], Refused | None, int]:
    """Blank out psql meta-commands (and COPY data) so pglast sees SQL only, keeping every offset.

    Returns the SQL text; per offset of a COPY ... FROM stdin statement's end, its data; and the
    refusal of the first meta-command that is not one pg_dump writes harmlessly, with its line.
    """
    refused: Refused | None = None
    refused_line = 0
    out = list(text)
    data: dict[int, str] = {}
    i, n = 0, len(text)
    stmt_start = 0

    def blank(a: int, b: int) -> None:
        for k in range(a, b):
            if out[k] != "\n":
                out[k] = " "

    while i < n:
        c = text[i]
        if c == "-" and text.startswith("--", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif c == "/" and text.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if text.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif text.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    i += 1
        elif c == "'":
            escapes = i > 0 and text[i - 1] in "eE" and (i < 2 or not (text[i - 2].isalnum() or text[i - 2] == "_"))
            i += 1
            while i < n:
                if escapes and text[i] == "\\":
                    i += 2
                elif text[i] == "'":
                    if text.startswith("''", i):
                        i += 2
                    else:
                        break
                else:
                    i += 1
            i += 1
        elif c == '"':
            j = text.find('"', i + 1)
            while j >= 0 and text.startswith('""', j):
                j = text.find('"', j + 2)
            i = n if j < 0 else j + 1
        elif c == "$" and not (i > 0 and (text[i - 1].isalnum() or text[i - 1] in "_$")):
            m = _DOLLAR_TAG.match(text, i)
            if m:
                j = text.find(m.group(0), m.end())
                i = n if j < 0 else j + len(m.group(0))
            else:
                i += 1
        elif c == "\\":
            j = text.find("\n", i)
            end = n if j < 0 else j
            command = text[i:end].split(None, 1)[0] if text[i:end].split() else "\\"
            name = command[1:]
            if name not in SKIPPED_META and refused is None:
                refused = Refused(
                    f"{label}:{_line_of(text, i)}: refused psql meta-command {command} (a .sql SOURCE is run "
                    "as SQL, without psql; meta-commands can run programs and read files)"
                )
                refused_line = _line_of(text, i)
            blank(i, end)
            i = end
            stmt_start = i
        elif c == ";":
            i += 1
            if _COPY_FROM_STDIN.match(text[stmt_start:i]):
                # The rows follow on the next line, up to a line holding only \. (psql's COPY protocol).
                start = text.find("\n", i)
                start = n if start < 0 else start + 1
                m = re.compile(r"^\\\.\r?$", re.M).search(text, start)
                end = n if m is None else m.end()
                data[i] = text[start:m.start() if m else n]
                blank(i, end)
                i = end
            stmt_start = i
        else:
            i += 1
    return "".join(out), data, refused, refused_line


def read_script(text: str, label: str, *, checked: bool = True) -> Script:
    """Split ``text`` into statements (pglast), refusing meta-commands and, when ``checked``, every
    statement a .sql SOURCE may not hold."""
    from pglast.parser import ParseError, parse_sql

    sql, copy_data, meta_refused, meta_line = _scan(text, label)
    try:
        raw = parse_sql(sql)
    except ParseError as exc:
        if meta_refused is not None:
            raise meta_refused from None
        # pglast's ParseError: (message, 1-based character position)
        where = exc.args[1] if len(exc.args) > 1 else None
        line = _line_of(sql, where - 1) if isinstance(where, int) and where > 0 else None
        msg = str(exc.args[0]) if exc.args else str(exc)
        raise SourceError(f"{label}: line {line}: {msg}" if line else f"{label}: {msg}") from None
    script = Script(label)
    for r in raw:
        start = r.stmt_location
        end = start + r.stmt_len if r.stmt_len else len(sql)
        body = sql[start:end]
        lead = re.match(r"(\s|--[^\n]*\n?|/\*.*?\*/)*", body, re.S)
        offset = start + (lead.end() if lead else 0)
        stmt = Statement(sql[offset:end].strip(), _line_of(sql, offset), r.stmt)
        if meta_refused is not None and stmt.line >= meta_line:
            raise meta_refused  # the first refusal in the file is reported (a meta-command wins its line)
        if not checked:
            semicolon = sql.find(";", end) + 1 if end < len(sql) else end
            stmt.copy_data = copy_data.get(semicolon)
        else:
            why = refusal(stmt)
            if why:
                raise Refused(f"{label}:{stmt.line}: refused {why}")
        script.statements.append(stmt)
    if meta_refused is not None:
        raise meta_refused
    return script


# -- checking --------------------------------------------------------------------------------------
def _walk(node: Any) -> Iterator[Any]:
    from pglast import ast

    if isinstance(node, (list, tuple)):
        for item in node:
            yield from _walk(item)
    elif isinstance(node, ast.Node):
        yield node
        for name in node:
            yield from _walk(getattr(node, name))


def _names(parts: Any) -> list[str]:
    return [getattr(p, "sval", "") for p in parts or ()]


def _summary(stmt: Statement) -> str:
    words = " ".join(stmt.text.split())
    return words[:60] + ("..." if len(words) > 60 else "")


def refusal(stmt: Statement) -> str | None:
    """Why a .sql SOURCE may not hold ``stmt`` (``WHAT (WHY)``), or None; sets ``stmt.run_as``."""
    from pglast import ast, enums

    node = stmt.node
    kind = type(node).__name__
    what = f"`{_summary(stmt)}`"
    if kind not in _ALLOWED:
        why = _WHY.get(kind, "not schema DDL")
        return f"{what} ({why})"
    if isinstance(node, ast.VariableSetStmt) and node.name in ("role", "session_authorization"):
        return f"{what} (the load runs as one unprivileged role)"
    if isinstance(node, ast.TransactionStmt) and node.kind in (
        enums.TransactionStmtKind.TRANS_STMT_PREPARE, enums.TransactionStmtKind.TRANS_STMT_COMMIT_PREPARED,
        enums.TransactionStmtKind.TRANS_STMT_ROLLBACK_PREPARED,
    ):
        return f"{what} (two-phase commit is not schema)"
    if isinstance(node, ast.CreateExtensionStmt):
        if node.extname not in ALLOWED_EXTENSIONS:
            return (f"{what} (extension {node.extname!r} is not on the list a .sql SOURCE may create: "
                    f"{', '.join(sorted(ALLOWED_EXTENSIONS))})")
        stmt.run_as = "admin"
    if isinstance(node, ast.CommentStmt) and node.objtype == enums.ObjectType.OBJECT_EXTENSION:
        stmt.run_as = "admin"  # the administrator owns the extension; a comment is all this does
    if isinstance(node, ast.CreatePLangStmt) and node.plname not in ALLOWED_LANGUAGES:
        return f"{what} (language {node.plname!r}: only sql and plpgsql)"
    if isinstance(node, ast.SelectStmt):
        calls = [t.val for t in node.targetList or ()]
        plain = not (node.fromClause or node.whereClause or node.withClause or node.intoClause
                     or node.larg or node.valuesLists)
        if not (plain and calls and all(
            isinstance(c, ast.FuncCall) and _names(c.funcname)[-1] in ("set_config", "setval")
            and all(isinstance(a, ast.A_Const) or _is_regclass_const(a) for a in c.args or ())
            for c in calls
        )):
            return f"{what} (a query: a .sql SOURCE may only call set_config() and setval() as pg_dump does)"
    if isinstance(node, ast.CreateFunctionStmt):
        language = next((o.arg.sval for o in node.options or () if o.defname == "language"), None)
        if language is not None and language.lower() not in ALLOWED_LANGUAGES:
            return f"{what} (language {language}: functions may be written in sql or plpgsql only)"
        if (language or "").lower() == "sql":
            for o in node.options or ():
                if o.defname == "as":
                    denied = _denied_call_in_sql(" ".join(_names(o.arg)))
                    if denied:
                        return f"{what} (calls {denied}(), which reaches files or other servers)"
    if isinstance(node, ast.AlterOwnerStmt) or (
        isinstance(node, ast.AlterTableStmt) and node.cmds
        and all(c.subtype == enums.AlterTableType.AT_ChangeOwner for c in node.cmds)
    ) or (isinstance(node, ast.AlterDefaultPrivilegesStmt)
          and any(o.defname == "roles" for o in node.options or ())):
        stmt.run_as = "after"
    # pg_dump's own top-level SELECT set_config(...) passed the query check above; nothing else may call it
    pg_dump_select = isinstance(node, ast.SelectStmt)
    for sub in _walk(node):
        if isinstance(sub, ast.FuncCall) and denied_function(name := _names(sub.funcname)[-1]) and not (
                pg_dump_select and name == "set_config"):
            return f"{what} (calls {name}(), which reaches files or other servers)"
        if isinstance(sub, ast.DefElem) and sub.defname == "language" and isinstance(sub.arg, ast.String) \
                and sub.arg.sval.lower() not in ALLOWED_LANGUAGES:
            return f"{what} (language {sub.arg.sval}: only sql and plpgsql)"
    return None


def _is_regclass_const(node: Any) -> bool:
    from pglast import ast

    return isinstance(node, ast.TypeCast) and isinstance(node.arg, ast.A_Const)


def _denied_call_in_sql(body: str) -> str | None:
    from pglast import ast
    from pglast.parser import ParseError, parse_sql

    try:
        statements = parse_sql(body)
    except ParseError:
        return None  # PostgreSQL checks the body when the function is created
    for sub in _walk([r.stmt for r in statements]):
        if isinstance(sub, ast.FuncCall) and denied_function(_names(sub.funcname)[-1]):
            return _names(sub.funcname)[-1]
    return None


# -- running ---------------------------------------------------------------------------------------
def _pg_message(exc: Exception) -> str:
    diag = getattr(exc, "diag", None)
    msg = (getattr(diag, "message_primary", None) or str(exc).strip().splitlines()[0]) if diag else str(exc)
    detail = getattr(diag, "message_detail", None) if diag else None
    return f"{msg} ({detail})" if detail else msg


def _execute(conn: Any, script: Script, stmt: Statement) -> None:
    import psycopg

    try:
        if stmt.copy_data is not None:
            with conn.cursor() as cur, cur.copy(stmt.text) as copy:
                copy.write(stmt.copy_data.encode())
        else:
            conn.execute(stmt.text, prepare=False)
    except psycopg.Error as exc:
        raise SourceError(f"{script.label}: line {stmt.line}: {_pg_message(exc)}") from None


def run_trusted(conninfo: str, text: str, *, label: str = "SQL") -> None:
    """Run text we wrote or dumped ourselves, statement by statement, as the connection's user."""
    from aishell.dialects.postgres.connect import connect

    script = read_script(text, label, checked=False)
    with connect(conninfo, autocommit=True) as conn:
        for stmt in script.statements:
            _execute(conn, script, stmt)


def load_checked(conninfo: str, text: str, *, label: str) -> None:
    """Check ``text`` as a .sql SOURCE and load it into the (empty, throwaway) database ``conninfo``
    as an unprivileged role made for the load; ``conninfo`` must be an administrator's.

    Afterwards the objects belong to the administrator and the role is gone: a database made to be read
    (inspect, diff, validate) shows the owners psql run by the administrator would have left, so a
    pg_dump file round-trips byte for byte. Nothing may run the file's code in it afterwards (a
    SECURITY DEFINER function now runs as the administrator): a database aishell writes rows into
    comes from ``load_owned``."""
    script = read_script(text, label, checked=True)
    from psycopg import sql

    from aishell.dialects.postgres.connect import connect

    with connect(conninfo, autocommit=True) as admin, _load_role(admin) as owner:
        after = _run_as(owner, admin, conninfo, script)
        # Hand what the role made to the administrator (as psql, run by it, left things), then apply
        # the file's own ownership statements.
        admin.execute(sql.SQL("REASSIGN OWNED BY {} TO CURRENT_USER").format(sql.Identifier(owner.name)))
        for stmt in after:
            _execute(admin, script, stmt)


@dataclass(frozen=True)
class LoadRole:
    """The unprivileged login role a file was loaded as (its password is random and never shown)."""

    name: str
    password: str = field(repr=False)

    def conninfo(self, admin_conninfo: str, *, with_password: bool = True) -> str:
        """``admin_conninfo`` (same server and database) logged in as this role instead."""
        from psycopg.conninfo import conninfo_to_dict, make_conninfo

        params = {k: v for k, v in conninfo_to_dict(admin_conninfo).items() if k != "password"}
        params["user"] = self.name
        if with_password:
            params["password"] = self.password
        return make_conninfo("", **{k: str(v) for k, v in params.items() if v is not None})


def load_owned(conninfo: str, text: str, *, label: str) -> LoadRole:
    """Load like ``load_checked``, but the role stays: it owns the database and everything the file made,
    for as long as the database lives. Everything that runs the file's code afterwards (test rows firing
    its triggers, defaults and CHECKs; a benchmark) logs in as that role (``LoadRole.conninfo``): never
    as the administrator, and not by ``SET ROLE`` from an administrator's session either, which a
    function could undo with ``RESET ROLE``. The file's ``ALTER ... OWNER TO`` and ``ALTER DEFAULT
    PRIVILEGES FOR ROLE`` statements are skipped (an owner other than the role could be a superuser,
    whose SECURITY DEFINER functions would be the file's way up). The caller drops the database first,
    then the role (``drop_load_role``)."""
    script = read_script(text, label, checked=True)
    from aishell.dialects.postgres.connect import connect

    with connect(conninfo, autocommit=True) as admin:
        owner = _create_load_role(admin)
        try:
            _run_as(owner, admin, conninfo, script)
        except BaseException:
            _discard_role(admin, owner.name)
            raise
    return owner


def drop_load_role(admin_conninfo: str, role: str) -> None:
    """Drop a role ``load_owned`` made, once its database is dropped (what it owns elsewhere goes too)."""
    from aishell.dialects.postgres.connect import connect

    with connect(admin_conninfo, autocommit=True) as admin:
        _discard_role(admin, role)


def _run_as(owner: LoadRole, admin: Any, conninfo: str, script: Script) -> list[Statement]:
    """Run ``script`` logged in as ``owner`` (allowed extensions as the administrator); returns the
    ownership statements, which the caller runs (or not) afterwards."""
    from aishell.dialects.postgres.connect import connect

    after = []
    with connect(owner.conninfo(conninfo), autocommit=True) as conn:
        for stmt in script.statements:
            if stmt.run_as == "admin":
                _execute(admin, script, stmt)
            elif stmt.run_as == "after":
                after.append(stmt)
            else:
                _execute(conn, script, stmt)
    return after


@contextlib.contextmanager
def _load_role(admin: Any) -> Iterator[LoadRole]:
    """A load role for the length of the block, dropped afterwards with what it still owns."""
    owner = _create_load_role(admin)
    try:
        yield owner
    finally:
        _discard_role(admin, owner.name)


def _create_load_role(admin: Any) -> LoadRole:
    """A login role for one load: no superuser, no CREATEDB/CREATEROLE, owner of the database (so it
    may create trusted objects in it), with a random password (in case the server asks for one)."""
    from psycopg import sql

    owner = LoadRole(f"aishell_load_{secrets.token_hex(6)}", secrets.token_urlsafe(24))
    admin.execute(sql.SQL(
        "CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD {}"
    ).format(sql.Identifier(owner.name), sql.Literal(owner.password)))
    try:
        db = admin.execute("SELECT current_database()").fetchone()[0]
        admin.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(sql.Identifier(db), sql.Identifier(owner.name)))
        if admin.info.server_version < 150000:  # before 15 the public schema is the superuser's
            admin.execute(sql.SQL("GRANT ALL ON SCHEMA public TO {}").format(sql.Identifier(owner.name)))
    except BaseException:
        _discard_role(admin, owner.name)
        raise
    return owner


def _discard_role(admin: Any, role: str) -> None:
    """Drop ``role``: what it owns in the administrator's database passes to the administrator (the
    database itself among them) and its other objects there are dropped; then the role."""
    from psycopg import sql

    with contextlib.suppress(Exception):
        admin.execute(sql.SQL("REASSIGN OWNED BY {} TO CURRENT_USER").format(sql.Identifier(role)))
        admin.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
    with contextlib.suppress(Exception):
        # Its session may still be closing.
        admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
