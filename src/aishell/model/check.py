"""Every field of a model read from a file is parsed as what it claims to be, and refused otherwise.

A ``.json`` model (a SOURCE, the saved design, a version snapshot) is hostile until checked: the
PostgreSQL generator pastes types, defaults, CHECK and index expressions, view bodies and whole
``definition`` statements into DDL that the sandbox runs as a superuser. So before any DDL is made,
``check_schema`` parses each such field with pglast (PostgreSQL's own parser) inside the context it
claims (a type in ``SELECT NULL::<type>``, an expression in ``SELECT (<expr>)``, an index definition
as one ``CREATE INDEX`` ...) and requires exactly that: one statement of the expected kind, nothing
around it. On top of that the text itself must hold no comment, no ``;`` and no parenthesis closing
what it did not open, so that it cannot end the clause it is pasted into.

What a file may not ask for even when it parses (see docs/inspect.md, "Hostile model files"):

* functions that reach outside the database or run SQL given as text (``pg_read_file``, ``lo_export``,
  ``dblink``, ``query_to_xml``, ``set_config``, ...), anywhere: expressions, view bodies, function
  bodies, operator/cast/type support functions;
* statements other than queries inside function bodies and rules when they load code or reach the
  host (``COPY``, ``LOAD``, ``DO``, ``CREATE FUNCTION``/``LANGUAGE``/``EXTENSION``, ``ALTER SYSTEM``,
  role changes, subscriptions);
* functions in languages other than sql, plpgsql, the trusted plperl/pltcl, ``internal`` and ``c``
  from ``$libdir`` (an untrusted language or a library path is code run on the host);
* dynamic SQL (``EXECUTE``) built at run time in a PL/pgSQL function that aishell may run by itself:
  one a trigger or an event trigger calls, or that an expression, view, rule or another such function
  calls. (A function nothing calls is only created, never run: Pagila's ``rewards_report`` keeps its
  ``EXECUTE``; a fixed statement, ``format('INSERT INTO %I ...')`` included, is checked and kept.)
* the ``program`` option (file_fdw) on any foreign object.

Names (of tables, columns, schemas, roles ...) are only required to be strings without NUL: the
generator quotes every one of them.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

from aishell.model.schema import (
    BaseType,
    Cast,
    CheckConstraint,
    Collation,
    Column,
    DefaultPrivilege,
    Domain,
    EventTrigger,
    ExclusionConstraint,
    ForeignDataWrapper,
    ForeignKey,
    ForeignServer,
    Function,
    Index,
    Operator,
    OperatorClass,
    OperatorFamily,
    Policy,
    Privilege,
    Publication,
    PublicationTable,
    RangeType,
    Rule,
    Schema,
    Sequence,
    Table,
    TextSearchConfig,
    TextSearchDictionary,
    TextSearchParser,
    TextSearchTemplate,
    Trigger,
    UniqueConstraint,
    View,
)
from aishell.model.serialize import ModelFormatError


class UnsafeModelError(ModelFormatError):
    """A field of a model file is not what it claims to be, or asks for something aishell never runs."""


# -- what is refused even when it parses -------------------------------------------------------------------
DENIED_FUNCTIONS = frozenset({
    # the server's files and directories
    "pg_read_file", "pg_read_binary_file", "pg_stat_file", "pg_file_write", "pg_file_rename",
    "pg_file_unlink", "pg_file_sync", "pg_logdir_ls", "pg_import_system_collations",
    # SQL given as text, run by the function
    "query_to_xml", "query_to_xmlschema", "query_to_xml_and_xmlschema", "cursor_to_xml",
    "cursor_to_xmlschema", "ts_stat", "ts_rewrite",
    # the server itself, other sessions, settings
    "set_config", "pg_terminate_backend", "pg_cancel_backend", "pg_reload_conf", "pg_rotate_logfile",
    "pg_promote", "pg_switch_wal", "pg_create_restore_point", "pg_log_backend_memory_contexts",
    "pg_create_physical_replication_slot", "pg_create_logical_replication_slot", "pg_drop_replication_slot",
    "pg_copy_physical_replication_slot", "pg_copy_logical_replication_slot", "pg_logical_emit_message",
    "pg_sleep", "pg_sleep_for", "pg_sleep_until", "pg_backup_start", "pg_backup_stop",
    "pg_execute_server_program",
})
# Families: large objects (lo_import/lo_export touch files), dblink (connects out), directory listings,
# replication origins and slots, statistics resets.
DENIED_PREFIXES = ("lo_", "dblink", "pg_ls_", "pg_read_", "pg_file_", "pg_replication_origin_",
                   "pg_logical_slot_", "pg_replication_slot_", "pg_stat_reset")
# Statements that load code, reach the host or change the cluster: never inside a body or a rule.
DENIED_STATEMENTS = frozenset({
    "CopyStmt", "LoadStmt", "DoStmt", "CreateFunctionStmt", "CreatePLangStmt", "CreateExtensionStmt",
    "AlterExtensionStmt", "AlterExtensionContentsStmt", "AlterSystemStmt", "CreateRoleStmt", "AlterRoleStmt",
    "AlterRoleSetStmt", "DropRoleStmt", "GrantRoleStmt", "CreateSubscriptionStmt", "AlterSubscriptionStmt",
    "CreateEventTrigStmt", "CreateFdwStmt", "AlterFdwStmt", "CreateForeignServerStmt",
    "AlterForeignServerStmt",
    "CreateUserMappingStmt", "AlterUserMappingStmt", "ImportForeignSchemaStmt", "CreateForeignTableStmt",
    "CreatedbStmt", "DropdbStmt", "AlterDatabaseStmt", "AlterDatabaseSetStmt", "CreateTableSpaceStmt",
    "AlterTableSpaceOptionsStmt", "DropTableSpaceStmt", "CheckPointStmt", "ClusterStmt", "ReindexStmt",
    "VacuumStmt", "CreateConversionStmt", "CreateCastStmt", "DefineStmt",
})
DENIED_SETTINGS = frozenset({
    "session_preload_libraries", "local_preload_libraries", "shared_preload_libraries",
    "dynamic_library_path",
    "archive_command", "restore_command", "archive_cleanup_command", "recovery_end_command",
    "ssl_passphrase_command",
})
DENIED_OPTIONS = frozenset({"program"})
LANGUAGES = frozenset({"sql", "plpgsql", "plperl", "pltcl", "internal", "c"})
# Statements a rule's actions may be (what CREATE RULE itself allows).
RULE_ACTIONS = frozenset({"SelectStmt", "InsertStmt", "UpdateStmt", "DeleteStmt", "NotifyStmt"})
# Data-changing statements: never inside an expression, a view body or a statistics object.
DML = frozenset({"InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt"})

PRIVILEGE_WORDS = frozenset({"SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER",
                             "MAINTAIN", "EXECUTE", "USAGE", "CREATE", "CONNECT", "TEMPORARY", "TEMP", "ALL",
                             "ALL PRIVILEGES", "SET", "ALTER SYSTEM"})
FK_ACTIONS = frozenset({"NO ACTION", "RESTRICT", "CASCADE", "SET NULL", "SET DEFAULT"})
_OPERATOR = re.compile(r"^[+\-*/<>=~!@#%^&|`?]{1,63}$")
_IDENT = r'(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*|"(?:[^"\x00]|"")+")'
_OPERATOR_REF = re.compile(rf"^(?:{_IDENT}\.)?[+\-*/<>=~!@#%^&|`?]{{1,63}}$")
_WORD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_INDEX_ORDER = re.compile(r"^(?:(?:ASC|DESC)(?:\s+NULLS\s+(?:FIRST|LAST))?|NULLS\s+(?:FIRST|LAST))?$", re.I)
_KEY_WITH_ORDER = re.compile(
    r"^(.*?)\s+((?:ASC|DESC)(?:\s+NULLS\s+(?:FIRST|LAST))?|NULLS\s+(?:FIRST|LAST))\s*$", re.I | re.S)


def denied_function(name: str) -> bool:
    n = name.lower()
    return n in DENIED_FUNCTIONS or n.startswith(DENIED_PREFIXES)


def denied_symbol(symbol: str) -> bool:
    """A C symbol a LANGUAGE internal or c function binds to: the server's symbols carry suffixes and
    prefixes of their own (``pg_read_file_off_len``, ``pg_stat_file_1arg``, ``set_config_by_name``,
    ``be_lo_import``), so a denied name anywhere at the start counts."""
    n = symbol.lower().removeprefix("be_")
    return denied_function(n) or any(n.startswith(d) for d in DENIED_FUNCTIONS)


# -- parsing -----------------------------------------------------------------------------------------------
class _Refused(Exception):
    """Why one field is refused (the caller adds the file and the path)."""


def _parse(sql: str) -> list[dict[str, Any]]:
    from pglast import parser

    try:
        tree = json.loads(parser.parse_sql_json(sql))
    except parser.ParseError as exc:
        raise _Refused(f"does not parse ({str(exc).split(chr(10))[0]})") from None
    return [s["stmt"] for s in tree.get("stmts", [])]


def _tokens(text: str, *, allow_commas: bool = True, statement: bool = False) -> None:
    """No comment, no ``;``, no parenthesis closing what the text did not open (and, for an expression
    or a type, no comma outside parentheses): the text cannot end the clause it is pasted into."""
    from pglast import parser

    if "\x00" in text:
        raise _Refused("holds a NUL character")
    try:
        tokens = parser.scan(text)
    except parser.ParseError as exc:
        raise _Refused(f"does not parse ({str(exc).split(chr(10))[0]})") from None
    depth = 0
    for tok in tokens:
        if tok.name in ("SQL_COMMENT", "C_COMMENT"):
            raise _Refused("holds an SQL comment")
        piece = text[tok.start:tok.end + 1]
        if piece == ";" and not statement:  # a whole statement is parsed and counted instead
            raise _Refused("holds a ';' (more than one statement)")
        if piece in ("(", "["):
            depth += 1
        elif piece in (")", "]"):
            depth -= 1
            if depth < 0:
                raise _Refused("closes a parenthesis it did not open")
        elif piece == "," and depth == 0 and not allow_commas:
            raise _Refused("is a list, not one value")
    if depth:
        raise _Refused("leaves a parenthesis open")


def _one(text: str, wrapper: str, node: str | tuple[str, ...]) -> dict[str, Any]:
    stmts = _parse(wrapper.replace("\x01", text))
    if len(stmts) != 1:
        raise _Refused(f"is {len(stmts)} statements")
    ((kind, body),) = stmts[0].items()
    wanted = (node,) if isinstance(node, str) else node
    if kind not in wanted:
        raise _Refused(f"is a {kind}, not a {' or '.join(wanted)}")
    return body


_PLAIN_SELECT = {"targetList", "limitOption", "op"}  # what a SELECT of one target and nothing else holds


class _Walk:
    """What a parsed tree calls, holds and sets."""

    def __init__(self) -> None:
        self.calls: set[str] = set()
        self.nodes: set[str] = set()
        self.problems: list[str] = []

    def visit(self, tree: Any) -> _Walk:
        stack = [tree]
        while stack:
            x = stack.pop()
            if isinstance(x, list):
                stack.extend(x)
                continue
            if not isinstance(x, dict):
                continue
            for key, value in x.items():
                if key[:1].isupper() and isinstance(value, dict):
                    self._node(key, value)
                stack.append(value)
        return self

    def _node(self, kind: str, body: dict[str, Any]) -> None:
        self.nodes.add(kind)
        if kind == "FuncCall":
            name = _last_name(body.get("funcname"))
            if name:
                self.calls.add(name.lower())
                if denied_function(name):
                    self.problems.append(f"calls {name}()")
        elif kind in DENIED_STATEMENTS:
            self.problems.append(f"holds a {_statement_word(kind)} statement")
        elif kind == "VariableSetStmt" and str(body.get("name", "")).lower() in DENIED_SETTINGS:
            self.problems.append(f"sets {body['name']}")
        elif kind == "DefElem" and str(body.get("defname", "")).lower() in DENIED_OPTIONS:
            self.problems.append(f"sets the {body['defname']} option")
        elif kind in ("ObjectWithArgs", "CreateOpClassItem"):
            name = _last_name(body.get("objname") or (body.get("name") or {}).get("objname"))
            if name and denied_function(name):
                self.problems.append(f"names {name}")

    def raise_problems(self) -> None:
        if self.problems:
            raise _Refused(self.problems[0])


def _statement_word(kind: str) -> str:
    words = {"CopyStmt": "COPY", "LoadStmt": "LOAD", "DoStmt": "DO", "AlterSystemStmt": "ALTER SYSTEM"}
    return words.get(kind, kind.removesuffix("Stmt"))


def _last_name(names: Any) -> str | None:
    if not isinstance(names, list) or not names:
        return None
    last = names[-1]
    if isinstance(last, dict) and "String" in last:
        return str(last["String"].get("sval", ""))
    return None


def _walk(tree: Any) -> _Walk:
    w = _Walk().visit(tree)
    w.raise_problems()
    return w


# -- one check per kind of field: each returns the names of the functions the text calls ---------------------
@lru_cache(maxsize=65536)
def check_type(text: str) -> frozenset[str]:
    """A type name (``SELECT NULL::<type>``), constant modifiers only."""
    _tokens(text, allow_commas=False)
    body = _one(text, "SELECT NULL::\x01", "SelectStmt")
    targets = body.get("targetList") or []
    if set(body) - _PLAIN_SELECT or len(targets) != 1:
        raise _Refused("is not a type name")
    val = targets[0]["ResTarget"].get("val", {})
    cast = val.get("TypeCast")
    if not cast or not cast.get("arg", {}).get("A_Const", {}).get("isnull"):
        raise _Refused("is not a type name")
    for mod in cast.get("typeName", {}).get("typmods") or []:
        if "A_Const" not in mod and "ColumnRef" not in mod:
            raise _Refused("has a type modifier that is not a constant")
    return frozenset()


def _expression(text: str, *, sublinks: bool) -> frozenset[str]:
    _tokens(text, allow_commas=False)
    body = _one(text, "SELECT (\x01)", "SelectStmt")
    targets = body.get("targetList") or []
    if set(body) - _PLAIN_SELECT or len(targets) != 1 or targets[0]["ResTarget"].get("name"):
        raise _Refused("is not one expression")
    w = _walk(targets[0])
    if not sublinks and "SubLink" in w.nodes:
        raise _Refused("holds a subquery")
    if w.nodes & DML:
        raise _Refused("changes data")
    return frozenset(w.calls)


@lru_cache(maxsize=65536)
def check_expression(text: str) -> frozenset[str]:
    """A default, CHECK, generated column, index key or WHERE, trigger WHEN: one scalar expression."""
    return _expression(text, sublinks=False)


@lru_cache(maxsize=4096)
def check_policy_expression(text: str) -> frozenset[str]:
    """A policy's USING / WITH CHECK: one expression, subqueries allowed."""
    return _expression(text, sublinks=True)


@lru_cache(maxsize=4096)
def check_view_body(text: str) -> frozenset[str]:
    """A view's query, or (a design's) whole CREATE [MATERIALIZED] VIEW statement."""
    text = _strip_semicolons(text)
    _tokens(text, statement=True)
    stmts = _parse(text)
    if len(stmts) != 1:
        raise _Refused(f"is {len(stmts)} statements, not one query")
    ((kind, body),) = stmts[0].items()
    if kind == "ViewStmt":
        body = body.get("query", {})
    elif kind == "CreateTableAsStmt" and body.get("objtype") == "OBJECT_MATVIEW":
        body = body.get("query", {})
    elif kind == "SelectStmt":
        body = {"SelectStmt": body}
    else:
        raise _Refused(f"is a {kind}, not a query")
    if "SelectStmt" not in body:
        raise _Refused("is not a query")
    if body["SelectStmt"].get("intoClause"):
        raise _Refused("is SELECT INTO, not a query")
    w = _walk(body)
    if w.nodes & DML:
        raise _Refused("changes data")
    return frozenset(w.calls)


def _strip_semicolons(text: str) -> str:
    text = text.strip()
    while text.endswith(";"):
        text = text[:-1].rstrip()
    return text


def _statement(text: str, node: str | tuple[str, ...]) -> tuple[dict[str, Any], frozenset[str]]:
    text = _strip_semicolons(text)
    _tokens(text, statement=True)
    body = _one(text, "\x01", node)
    w = _walk(body)
    return body, frozenset(w.calls)


@lru_cache(maxsize=16384)
def check_index_definition(text: str) -> frozenset[str]:
    return _statement(text, "IndexStmt")[1]


@lru_cache(maxsize=4096)
def check_trigger_definition(text: str) -> frozenset[str]:
    body, calls = _statement(text, "CreateTrigStmt")
    name = _last_name(body.get("funcname"))
    return calls | ({name.lower()} if name else set())


@lru_cache(maxsize=4096)
def check_statistics_definition(text: str) -> frozenset[str]:
    return _statement(text, "CreateStatsStmt")[1]


@lru_cache(maxsize=4096)
def check_rule_definition(text: str) -> frozenset[str]:
    text = _strip_semicolons(text)
    _tokens_outside_rule_actions(text)
    body = _one(text, "\x01", "RuleStmt")
    for action in body.get("actions") or []:
        (kind,) = action
        if kind not in RULE_ACTIONS:
            raise _Refused(f"has a {kind} action")
    return frozenset(_walk(body).calls)


def _tokens_outside_rule_actions(text: str) -> None:
    """A rule's actions (``DO INSTEAD (a; b)``) may hold ``;`` inside their parentheses, and only there."""
    from pglast import parser

    if "\x00" in text:
        raise _Refused("holds a NUL character")
    try:
        tokens = parser.scan(text)
    except parser.ParseError as exc:
        raise _Refused(f"does not parse ({exc})") from None
    depth = 0
    for tok in tokens:
        piece = text[tok.start:tok.end + 1]
        if tok.name in ("SQL_COMMENT", "C_COMMENT"):
            raise _Refused("holds an SQL comment")
        if piece == "(":
            depth += 1
        elif piece == ")":
            depth -= 1
            if depth < 0:
                raise _Refused("closes a parenthesis it did not open")
        elif piece == ";" and depth == 0:
            raise _Refused("holds a ';' (more than one statement)")
    if depth:
        raise _Refused("leaves a parenthesis open")


@lru_cache(maxsize=16384)
def check_constraint_definition(text: str) -> frozenset[str]:
    """``CHECK (...)``, ``UNIQUE (...)``, ``PRIMARY KEY (...)``, ``FOREIGN KEY ... REFERENCES ...``,
    ``EXCLUDE USING ...`` as pg_get_constraintdef writes them (NOT VALID included)."""
    _tokens(text)
    body = _one(text, "ALTER TABLE x ADD \x01", "AlterTableStmt")
    cmds = body.get("cmds") or []
    if len(cmds) != 1 or cmds[0]["AlterTableCmd"].get("subtype") != "AT_AddConstraint":
        raise _Refused("is not one constraint")
    con = cmds[0]["AlterTableCmd"].get("def", {}).get("Constraint")
    if con is None:
        raise _Refused("is not one constraint")
    w = _walk(con)
    if "SubLink" in w.nodes:
        raise _Refused("holds a subquery")
    return frozenset(w.calls)


@lru_cache(maxsize=4096)
def check_function_reference(text: str) -> frozenset[str]:
    """A routine named by text (``public.f``, ``public.f(integer, text)``, ``pg_catalog.textin``)."""
    _tokens(text, allow_commas=False)
    body = _one(text, "DROP ROUTINE \x01", "DropStmt")
    objects = body.get("objects") or []
    if len(objects) != 1:
        raise _Refused("is not one routine name")
    name = _last_name(objects[0].get("ObjectWithArgs", {}).get("objname"))
    if not name:
        raise _Refused("is not one routine name")
    if denied_function(name):
        raise _Refused(f"names {name}")
    return frozenset({name.lower()})


@lru_cache(maxsize=4096)
def check_trigger_function(text: str) -> frozenset[str]:
    """A trigger's function as CREATE TRIGGER calls it: ``public.f``, ``public.f()``, ``f('arg', ...)``."""
    call = text if text.rstrip().endswith(")") else text + "()"
    _tokens(text, allow_commas=False)
    wrapper = "CREATE TRIGGER t AFTER INSERT ON x FOR EACH ROW EXECUTE FUNCTION \x01"
    body = _one(call, wrapper, "CreateTrigStmt")
    name = _last_name(body.get("funcname")) or ""
    if denied_function(name):
        raise _Refused(f"names {name}")
    return frozenset({name.lower()})


@lru_cache(maxsize=4096)
def check_argument_list(text: str) -> frozenset[str]:
    """A routine's argument list (``a integer, b text DEFAULT 'x'``)."""
    _tokens(text)
    try:
        wrapper = "CREATE FUNCTION f(\x01) RETURNS int LANGUAGE sql AS 'SELECT 1'"
        body = _one(text, wrapper, "CreateFunctionStmt")
    except _Refused:  # an aggregate's: ``*``, ``double precision ORDER BY double precision``
        body = _one(text, "DROP AGGREGATE f(\x01)", "DropStmt")
        return frozenset(_walk(body).calls)
    return frozenset(_walk(body.get("parameters") or []).calls)


@lru_cache(maxsize=4096)
def check_returns(text: str) -> frozenset[str]:
    _tokens(text, allow_commas=False)
    _one(text, "CREATE FUNCTION f() RETURNS \x01 LANGUAGE sql AS 'SELECT 1'", "CreateFunctionStmt")
    return frozenset()


@lru_cache(maxsize=4096)
def check_collation_name(text: str) -> frozenset[str]:
    if text == "default" or "\"" not in text and "." not in text:
        if "\x00" in text:
            raise _Refused("holds a NUL character")
        return frozenset()  # a bare name: the generator quotes it
    _tokens(text, allow_commas=False)
    body = _one(text if '"' in text else _quote_dotted(text), "SELECT a COLLATE \x01", "SelectStmt")
    targets = body.get("targetList") or []
    if len(targets) != 1 or "CollateClause" not in targets[0]["ResTarget"].get("val", {}):
        raise _Refused("is not a collation name")
    return frozenset()


def _quote_dotted(text: str) -> str:
    return ".".join('"' + p.replace('"', '""') + '"' for p in text.split("."))


@lru_cache(maxsize=4096)
def check_storage_option(text: str) -> frozenset[str]:
    """One ``key=value`` storage parameter pasted into ``WITH (...)``."""
    _tokens(text, allow_commas=False)
    body = _one(text, "CREATE TABLE x (a int) WITH (\x01)", "CreateStmt")
    if len(body.get("options") or []) != 1:
        raise _Refused("is not one storage parameter")
    return frozenset(_walk(body).calls)


_FK_SET_COLUMNS = re.compile(rf"^SET\s+(?:NULL|DEFAULT)\s*\(\s*{_IDENT}(?:\s*,\s*{_IDENT})*\s*\)$", re.I)


def check_fk_action(text: str) -> frozenset[str]:
    """``CASCADE``, ``SET NULL``, ... or, since PostgreSQL 15, ``SET NULL (col, ...)``."""
    if " ".join(text.split()).upper() in FK_ACTIONS or _FK_SET_COLUMNS.match(text.strip()):
        return frozenset()
    raise _Refused(f"is not one of {', '.join(sorted(FK_ACTIONS))} (or SET NULL/SET DEFAULT (columns))")


@lru_cache(maxsize=4096)
def check_relation_reference(text: str) -> frozenset[str]:
    """A table named by text (``schema.name`` written bare, which the generator quotes part by part, or
    with quotes as SQL writes it)."""
    if '"' not in text and "(" not in text:
        return check_name(text)
    _tokens(text, allow_commas=False)
    body = _one(text, "SELECT * FROM \x01", "SelectStmt")
    source = body.get("fromClause") or []
    if len(source) != 1 or "RangeVar" not in source[0] or set(body) - _PLAIN_SELECT - {"fromClause"}:
        raise _Refused("is not a table name")
    return frozenset()


def check_foreign_option(text: str) -> frozenset[str]:
    """One ``key=value`` option of a foreign object (quoted on output); never file_fdw's program."""
    if "\x00" in text:
        raise _Refused("holds a NUL character")
    key = text.partition("=")[0].strip().lower()
    if key in DENIED_OPTIONS:
        raise _Refused(f"sets the {key} option (a command the server would run)")
    return frozenset()


@lru_cache(maxsize=1024)
def check_partition_by(text: str) -> frozenset[str]:
    _tokens(text, allow_commas=False)
    body = _one(text, "CREATE TABLE x (a int) PARTITION BY \x01", "CreateStmt")
    return frozenset(_walk(body.get("partspec")).calls)


@lru_cache(maxsize=4096)
def check_partition_bound(text: str) -> frozenset[str]:
    _tokens(text, allow_commas=False)
    body = _one(text, "CREATE TABLE x PARTITION OF y \x01", "CreateStmt")
    w = _walk(body.get("partbound"))
    if "SubLink" in w.nodes:
        raise _Refused("holds a subquery")
    return frozenset(w.calls)


def check_operator_name(text: str) -> frozenset[str]:
    if not _OPERATOR.match(text) or "--" in text or "/*" in text:
        raise _Refused("is not an operator name")
    return frozenset()


def check_operator_reference(text: str) -> frozenset[str]:
    if not _OPERATOR_REF.match(text) or "--" in text or "/*" in text:
        raise _Refused("is not an operator name")
    return frozenset()


@lru_cache(maxsize=4096)
def check_opfamily_member(text: str) -> frozenset[str]:
    _tokens(text, allow_commas=False)
    body = _one(text, "ALTER OPERATOR FAMILY x USING btree ADD \x01", "AlterOpFamilyStmt")
    if len(body.get("items") or []) != 1:
        raise _Refused("is not one member")
    return frozenset(_walk(body).calls | _member_functions(body))


@lru_cache(maxsize=4096)
def check_opclass_member(text: str) -> frozenset[str]:
    _tokens(text, allow_commas=False)
    body = _one(text, "CREATE OPERATOR CLASS x FOR TYPE int USING btree AS \x01", "CreateOpClassStmt")
    if len(body.get("items") or []) != 1:
        raise _Refused("is not one member")
    return frozenset(_walk(body).calls | _member_functions(body))


def _member_functions(body: dict[str, Any]) -> set[str]:
    out = set()
    for item in body.get("items") or []:
        it = item.get("CreateOpClassItem", {})
        if it.get("itemtype") == 2:
            name = _last_name((it.get("name") or {}).get("objname"))
            if name:
                out.add(name.lower())
    return out


@lru_cache(maxsize=1024)
def check_ts_mapping(tokens: tuple[str, ...], dictionaries: tuple[str, ...]) -> frozenset[str]:
    text = (f"ALTER TEXT SEARCH CONFIGURATION x ADD MAPPING FOR {', '.join(tokens)} "
            f"WITH {', '.join(dictionaries)}")
    for part in (*tokens, *dictionaries):
        _tokens(part, allow_commas=False)
    body = _one(text, "\x01", "AlterTSConfigurationStmt")
    if len(body.get("tokentype") or []) != len(tokens) or len(body.get("dicts") or []) != len(dictionaries):
        raise _Refused("is not a list of token types and dictionaries")
    return frozenset()


@lru_cache(maxsize=1024)
def check_ts_dictionary_options(text: str) -> frozenset[str]:
    _tokens(text)
    body = _one(text, "CREATE TEXT SEARCH DICTIONARY x (TEMPLATE = simple, \x01)", "DefineStmt")
    return frozenset(_walk(body).calls)


def check_ts_object_reference(text: str) -> frozenset[str]:
    """A text search parser, template or dictionary named by text (``pg_catalog.simple``)."""
    _tokens(text, allow_commas=False)
    _one(text, "CREATE TEXT SEARCH DICTIONARY x (TEMPLATE = \x01)", "DefineStmt")
    return frozenset()


def keyword(allowed: Iterable[str], *, upper: bool = True) -> Callable[[str], frozenset[str]]:
    words = frozenset(allowed)

    def check(text: str) -> frozenset[str]:
        value = " ".join(text.split())
        if (value.upper() if upper else value) not in words:
            raise _Refused(f"is not one of {', '.join(sorted(words))}")
        return frozenset()

    return check


def check_name(text: str) -> frozenset[str]:
    """A name: any string; the generator quotes it. Only a NUL byte, which no name can hold, is refused."""
    if "\x00" in text:
        raise _Refused("holds a NUL character")
    return frozenset()


def check_word(text: str) -> frozenset[str]:
    """A bare word the generator writes as it is (an index method, a token type)."""
    if not _WORD.match(text):
        raise _Refused("is not a plain word")
    return frozenset()


# -- functions -------------------------------------------------------------------------------------------
@dataclasses.dataclass
class _Routine:
    names: frozenset[str]
    calls: frozenset[str]
    dynamic: bool


def check_function(f: Function) -> _Routine:
    """A routine's definition (inspect's whole CREATE, or a design's body with the structured fields)."""
    text = (f.definition or "").strip()
    if re.match(r"(?is)^\s*CREATE\s", text):
        full = _strip_semicolons(text)
    else:
        language = f.language or "sql"
        keyword_ = "PROCEDURE" if f.kind == "procedure" else "FUNCTION"
        returns = "" if keyword_ == "PROCEDURE" else f" RETURNS {f.returns or 'void'}"
        full = (f"CREATE {keyword_} f({f.arguments or f.identity_args}){returns} LANGUAGE {language} "
                f"AS {_dollar_quote(text)}")
    _tokens(full, statement=True)
    stmts = _parse(full)
    if len(stmts) != 1:
        raise _Refused(f"is {len(stmts)} statements, not one CREATE FUNCTION")
    ((kind, body),) = stmts[0].items()
    if kind == "DefineStmt" and body.get("kind") == "OBJECT_AGGREGATE":
        w = _walk(body)
        names = {_last_name((a.get("DefElem", {}).get("arg", {}).get("TypeName") or {}).get("names"))
                 for a in body.get("definition") or []}
        support = {n.lower() for n in names if n}
        for n in support:
            if denied_function(n):
                raise _Refused(f"names {n}")
        return _Routine(frozenset({f.name.lower()}), frozenset(w.calls | support), False)
    if kind != "CreateFunctionStmt":
        raise _Refused(f"is a {kind}, not a CREATE FUNCTION")
    options = {o["DefElem"]["defname"]: o["DefElem"].get("arg") for o in body.get("options") or []}
    language = (options.get("language") or {}).get("String", {}).get("sval", "sql").lower()
    if language not in LANGUAGES:
        raise _Refused(f"is in language {language} (aishell loads sql, plpgsql, plperl, pltcl, internal, "
                       "and c from $libdir only)")
    as_arg = options.get("as") or {}
    as_parts = [p.get("String", {}).get("sval", "") for p in as_arg.get("List", {}).get("items", [])]
    outer = _Walk().visit({k: v for k, v in body.items() if k != "sql_body"} | {"options": [
        o for o in body.get("options") or [] if o["DefElem"]["defname"] != "as"]})
    outer.raise_problems()
    calls = set(outer.calls)
    dynamic = False
    if language == "c":
        if not as_parts or not re.match(r"^\$libdir/[A-Za-z0-9_.-]+$", as_parts[0]) or ".." in as_parts[0]:
            raise _Refused("loads a C library from outside $libdir")
        if len(as_parts) > 1 and denied_symbol(as_parts[1]):
            raise _Refused(f"links to {as_parts[1]}")
    elif language == "internal":
        if as_parts and denied_symbol(as_parts[0]):
            raise _Refused(f"links to {as_parts[0]}")
    elif language == "sql":
        if body.get("sql_body") is not None:
            w = _walk(body["sql_body"])
        else:
            w = _walk(_parse(as_parts[0]) if as_parts and as_parts[0].strip() else [])
        calls |= w.calls
    elif language == "plpgsql":
        calls_pl, dynamic = _plpgsql(full)
        calls |= calls_pl
    else:  # trusted perl/tcl: cannot reach the host; their bodies are not SQL
        pass
    return _Routine(frozenset({f.name.lower()}), frozenset(calls), dynamic)


def _dollar_quote(body: str) -> str:
    tag = "body"
    n = 0
    while f"${tag}$" in body:
        n += 1
        tag = f"body{n}"
    return f"${tag}$\n{body}\n${tag}$"


# PL/pgSQL statements that run SQL text, and the key of that text's expression in each.
_DYNAMIC = {"PLpgSQL_stmt_dynexecute": "query", "PLpgSQL_stmt_dynfors": "query",
            "PLpgSQL_stmt_open": "dynquery", "PLpgSQL_stmt_return_query": "dynquery"}


def _plpgsql(create_text: str) -> tuple[set[str], bool]:
    """The functions a PL/pgSQL body calls and whether it runs SQL text it builds at run time (dynamic SQL
    whose statement cannot be known here); refuses what it may not hold."""
    import pglast
    from pglast import parser

    try:
        tree = pglast.parse_plpgsql(create_text)
    except parser.ParseError as exc:
        try:  # pglast's PL/pgSQL compiler cannot type a VARIADIC parameter: read the body without it
            tree = pglast.parse_plpgsql(_without_variadic(create_text))
        except Exception:
            raise _Refused(f"body does not parse as PL/pgSQL ({str(exc).splitlines()[0]})") from None
    calls: set[str] = set()
    dynamic = False
    stack: list[Any] = [tree]
    while stack:
        x = stack.pop()
        if isinstance(x, list):
            stack.extend(x)
            continue
        if not isinstance(x, dict):
            continue
        for key, value in x.items():
            if key in _DYNAMIC and isinstance(value, dict):
                expr = (value.get(_DYNAMIC[key]) or {}).get("PLpgSQL_expr")
                if expr is not None:
                    known = _known_dynamic_statement(expr.get("query", ""))
                    if known is None:
                        dynamic = True
                    else:
                        calls |= known
            if key == "PLpgSQL_expr" and isinstance(value, dict):
                calls |= _plpgsql_expr(value.get("query", ""), value.get("parseMode", 0))
            else:
                stack.append(value)
    return calls, dynamic


_FORMAT_SPEC = re.compile(r"%(?:(\d+)\$)?(-?\d*)([sIL%])")


def _known_dynamic_statement(query: str) -> set[str] | None:
    """The calls of the statement an ``EXECUTE`` runs when its text is fixed: a string constant, or
    ``format('<text>', ...)`` whose text takes only identifiers (``%I``) and literals (``%L``), the
    statement checked as any other in a body. None when the text is built otherwise (``%s``, variables,
    concatenation): what it runs cannot be known here."""
    try:
        stmts = _parse(f"SELECT {query}")
    except _Refused:
        return None
    if len(stmts) != 1 or "SelectStmt" not in stmts[0]:
        return None
    targets = stmts[0]["SelectStmt"].get("targetList") or []
    if len(targets) != 1:
        return None
    val = targets[0]["ResTarget"].get("val", {})
    text = val.get("A_Const", {}).get("sval", {}).get("sval")
    if text is None and "FuncCall" in val:
        call = val["FuncCall"]
        args = call.get("args") or []
        if (_last_name(call.get("funcname")) or "").lower() != "format" or not args:
            return None
        template = args[0].get("A_Const", {}).get("sval", {}).get("sval")
        if template is None:
            return None
        text = template
        for m in _FORMAT_SPEC.finditer(template):
            if m.group(3) == "s":
                return None
        text = _FORMAT_SPEC.sub(lambda m: {"I": "x", "L": "'x'", "%": "%"}[m.group(3)], template)
    if text is None:
        return None
    try:
        statements = _parse(text)
    except _Refused:
        return None  # not SQL as written here (it fails when run): nothing known
    return set(_walk(statements).calls)


def _without_variadic(create_text: str) -> str:
    from pglast import ast, enums, parse_sql
    from pglast.stream import RawStream

    stmt = parse_sql(create_text)[0].stmt
    params = []
    for p in stmt.parameters or ():
        if p.mode == enums.FunctionParameterMode.FUNC_PARAM_VARIADIC:
            p = ast.FunctionParameter(name=p.name, argType=p.argType, defexpr=p.defexpr,
                                      mode=enums.FunctionParameterMode.FUNC_PARAM_IN)
        params.append(p)
    stmt.parameters = tuple(params)
    return RawStream()(stmt)


def _plpgsql_expr(query: str, mode: int) -> set[str]:
    if mode == 0:
        return set(_walk(_parse(query)).calls)
    # An expression, or an assignment (``target := expression``): check the expression part.
    m = re.match(r"(?s)^\s*[^:=]*?:?=\s*(.*)$", query) if mode >= 3 else None
    expr = m.group(1) if m else query
    try:
        return set(_walk(_parse(f"SELECT {expr}")).calls)
    except _Refused as exc:
        if str(exc).startswith("does not parse"):
            return set(_walk(_parse(f"SELECT {query}")).calls)
        raise


# -- walking a model ---------------------------------------------------------------------------------------
Check = Callable[[str], frozenset[str]]

# (class, field) -> check; a field of a listed class not named here is a name (quoted on output) or data.
FIELDS: dict[type, dict[str, Check]] = {
    Column: {"type": check_type, "default": check_expression, "generated": check_expression,
             "identity": keyword({"ALWAYS", "BY DEFAULT"}), "generated_kind": keyword({"STORED", "VIRTUAL"}),
             "collation": check_collation_name},
    ForeignKey: {"on_delete": check_fk_action, "on_update": keyword(FK_ACTIONS),
                 "match": keyword({"SIMPLE", "FULL", "PARTIAL", "NONE"}),
                 "definition": check_constraint_definition},
    CheckConstraint: {"expression": lambda t: check_expression(re.sub(r"(?is)^\s*CHECK\s*(?=\()", "", t)),
                      "definition": check_constraint_definition},
    UniqueConstraint: {"definition": check_constraint_definition},
    ExclusionConstraint: {"definition": check_constraint_definition},
    Index: {"method": check_word, "where": check_expression, "definition": check_index_definition,
            "orders": lambda t: _index_order(t), "opclasses": lambda t: _opclass(t),
            "options": check_storage_option},
    Trigger: {"timing": keyword({"BEFORE", "AFTER", "INSTEAD OF"}),
              "events": keyword({"INSERT", "UPDATE", "DELETE", "TRUNCATE"}),
              "function": check_trigger_function, "for_each": keyword({"ROW", "STATEMENT"}),
              "when": check_expression, "definition": check_trigger_definition,
              "enabled": keyword({"O", "D", "R", "A"})},
    Policy: {"command": keyword({"ALL", "SELECT", "INSERT", "UPDATE", "DELETE"}),
             "using": check_policy_expression, "with_check": check_policy_expression},
    Table: {"partition_by": check_partition_by, "partition_bound": check_partition_bound,
            "inherits": check_relation_reference, "partition_of": check_relation_reference,
            "options": check_storage_option},
    View: {"definition": check_view_body, "options": check_storage_option},
    Sequence: {"type": check_type},
    Domain: {"type": check_type, "default": check_expression, "collation": check_collation_name},
    Privilege: {"privileges": keyword(PRIVILEGE_WORDS)},
    Function: {"identity_args": check_argument_list, "arguments": check_argument_list,
               "returns": check_returns, "language": lambda t: keyword(LANGUAGES, upper=False)(t.lower()),
               "volatility": keyword({"IMMUTABLE", "STABLE", "VOLATILE"}),
               "kind": keyword({"function", "procedure", "aggregate", "window"}, upper=False)},
    Rule: {"definition": check_rule_definition, "event": keyword({"SELECT", "INSERT", "UPDATE", "DELETE"})},
    Collation: {"provider": keyword({"libc", "icu", "builtin"}, upper=False)},
    TextSearchParser: {"start": check_function_reference, "gettoken": check_function_reference,
                       "end": check_function_reference, "lextypes": check_function_reference,
                       "headline": check_function_reference},
    TextSearchTemplate: {"lexize": check_function_reference, "init": check_function_reference},
    TextSearchDictionary: {"template": check_ts_object_reference, "options": check_ts_dictionary_options},
    TextSearchConfig: {"parser": check_ts_object_reference},
    Cast: {"source": check_type, "target": check_type, "function": check_function_reference,
           "method": keyword({"function", "binary", "inout"}, upper=False),
           "context": keyword({"explicit", "assignment", "implicit"}, upper=False)},
    Operator: {"name": check_operator_name, "function": check_function_reference, "left": check_type,
               "right": check_type, "commutator": check_operator_reference,
               "negator": check_operator_reference,
               "restrict": check_function_reference, "join": check_function_reference},
    OperatorFamily: {"method": check_name, "operators": check_opfamily_member,
                     "functions": check_opfamily_member},
    OperatorClass: {"method": check_name, "type": check_type, "family": check_ts_object_reference,
                    "storage": check_type, "operators": check_opclass_member,
                    "functions": check_opclass_member},
    RangeType: {"subtype": check_type, "subtype_opclass": check_ts_object_reference,
                "collation": check_ts_object_reference, "canonical": check_function_reference,
                "subtype_diff": check_function_reference, "multirange": check_ts_object_reference},
    BaseType: {"input": check_function_reference, "output": check_function_reference,
               "receive": check_function_reference, "send": check_function_reference,
               "typmod_in": check_function_reference, "typmod_out": check_function_reference,
               "analyze": check_function_reference, "subscript": check_function_reference,
               "element": check_type},
    ForeignDataWrapper: {"handler": check_function_reference, "validator": check_function_reference,
                         "options": check_foreign_option},
    ForeignServer: {"options": check_foreign_option},
    EventTrigger: {"function": check_trigger_function, "enabled": keyword({"O", "D", "R", "A"})},
    PublicationTable: {"where": check_expression},
    DefaultPrivilege: {"object_type": keyword({"TABLES", "SEQUENCES", "FUNCTIONS", "ROUTINES", "TYPES",
                                               "SCHEMAS", "LARGE OBJECTS"})},
}
# Which of those calls something aishell may run by itself (a trigger fires, a view is filled, a default
# is evaluated when rows are generated): their callees may not run dynamic SQL.
_RUNS = {check_expression, check_policy_expression, check_view_body, check_trigger_definition,
         check_trigger_function, check_index_definition, check_rule_definition, check_constraint_definition,
         check_statistics_definition, check_function_reference, check_opfamily_member, check_opclass_member}


def _index_order(text: str) -> frozenset[str]:
    if not _INDEX_ORDER.match(text.strip()):
        raise _Refused("is not ASC, DESC, NULLS FIRST or NULLS LAST")
    return frozenset()


def _opclass(text: str) -> frozenset[str]:
    if not text:
        return frozenset()
    _tokens(text, allow_commas=False)
    body = _one(text, "CREATE INDEX i ON t (a \x01)", "IndexStmt")
    params = body.get("indexParams") or []
    allowed = {"name", "opclass", "ordering", "nulls_ordering", "opclassopts"}
    if len(params) != 1 or set(params[0]["IndexElem"]) - allowed:
        raise _Refused("is not an operator class")
    return frozenset(_walk(params).calls)


def _label(obj: Any, index: int) -> str:
    if isinstance(obj, (Privilege,)):
        return f"[{index}]"
    schema = getattr(obj, "schema", None)
    name = getattr(obj, "name", None)
    if isinstance(obj, Function) and name:
        return f"{schema}.{name}({obj.identity_args})" if schema else name
    if isinstance(name, str) and name:
        return f"{schema}.{name}" if isinstance(schema, str) and schema else name
    if isinstance(obj, Cast):
        return f"({obj.source} AS {obj.target})"
    if isinstance(obj, PublicationTable):
        return obj.table
    return f"[{index}]"


class _Checker:
    def __init__(self, schema: Schema, origin: str):
        self.schema = schema
        self.origin = origin
        self.run_calls: set[str] = set()
        self.columns: set[str] = set()
        self.routines: list[tuple[str, _Routine]] = []

    def fail(self, path: str, why: str) -> None:
        where = f"{self.origin}: " if self.origin else ""
        raise UnsafeModelError(f"{where}{path}: {why}")

    def field(self, path: str, text: str, check: Check, name: str = "") -> None:
        """Check one string; ``path`` + ``name`` is where it is (joined only to report a refusal)."""
        if check is check_name:
            if "\x00" in text:
                self.fail(_join(path, name), "holds a NUL character")
            return
        try:
            calls = check(text)
        except _Refused as exc:
            self.fail(_join(path, name), f"{exc}: {_shown(text)}")
            return
        if calls and (check in _RUNS or getattr(check, "__name__", "") == "<lambda>"):
            self.run_calls |= calls

    def walk(self, obj: Any, path: str) -> None:
        if type(obj) is Table:
            self.columns = {c.name for c in obj.columns}  # an index key naming one is quoted, not parsed
        elif type(obj) is View:
            self.columns = set(obj.columns)
        for name, check, special in _plan(type(obj)):
            value = getattr(obj, name)
            if value is None or value is True or value is False or special == "skip":
                continue
            if special:
                getattr(self, special)(obj, value, _join(path, name))
                continue
            kind = type(value)
            if kind is str:
                self.field(path, value, check or check_name, name)
            elif kind is list:
                for i, item in enumerate(value):
                    if type(item) is str:
                        self.field(path, item, check or check_name, f"{name}[{i}]")
                    elif hasattr(item, "__dataclass_fields__"):
                        self.walk(item, f"{_join(path, name)}.{_label(item, i)}")
            elif kind is dict:
                for k, v in value.items():
                    if type(v) is str:
                        self.field(path, v, check_name, f"{name}.{k}")
            elif hasattr(value, "__dataclass_fields__"):
                self.walk(value, _join(path, name))
        if type(obj) is Function:
            self.function(obj, path)
        elif type(obj) is Index and obj.definition is None:
            self.index_keys(obj, path)

    def function(self, f: Function, path: str) -> None:
        if not f.definition:
            return
        try:
            routine = check_function(f)
        except _Refused as exc:
            self.fail(f"{path}.definition", str(exc))
            return
        self.routines.append((path, routine))

    def index_keys(self, ix: Index, path: str) -> None:
        for i, key in enumerate(ix.columns):
            here = f"{path}.columns[{i}]"
            if "\x00" in key:
                self.fail(here, "holds a NUL character")
            is_expr = ix.expressions[i] if i < len(ix.expressions) else (
                key not in self.columns and not re.match(r"^[\w$]+$", key))
            if not is_expr:
                continue  # a column name: quoted on output
            try:
                self.run_calls |= check_expression(key)
            except _Refused as exc:
                m = _KEY_WITH_ORDER.match(key)
                try:
                    if not m:
                        raise exc
                    self.run_calls |= check_expression(m.group(1))
                except _Refused as exc2:
                    self.fail(here, f"{exc2}: {_shown(key)}")

    def mappings(self, c: TextSearchConfig, _mappings: Any, path: str) -> None:
        for i, m in enumerate(c.mappings):
            here = f"{path}[{i}]"
            try:
                check_word(m.token)
                check_ts_mapping((m.token,), tuple(m.dictionaries) or ("simple",))
            except _Refused as exc:
                self.fail(here, f"{exc}: {_shown(m.token + ' ' + ', '.join(m.dictionaries))}")

    def attrs(self, obj: Any, attrs: dict[str, Any], path: str) -> None:
        """The open ``attrs`` the PostgreSQL generator reads; other keys are data it never pastes."""
        def each(key: str, check: Check) -> None:
            value = attrs.get(key)
            if value is None:
                return
            items = value if isinstance(value, list) else [value]
            for i, item in enumerate(items):
                here = f"{path}.{key}" + (f"[{i}]" if isinstance(value, list) else "")
                if not isinstance(item, str):
                    if isinstance(item, (int, float, bool)):
                        continue
                    self.fail(here, f"expected a string, got {type(item).__name__}")
                self.field(here, item, check)

        if isinstance(obj, Column):
            each("options", check_storage_option)
            each("storage", keyword({"PLAIN", "EXTERNAL", "EXTENDED", "MAIN", "DEFAULT"}))
            each("fdw_options", check_foreign_option)
            each("compression", check_name)
            each("not_null_name", check_name)
            if attrs.get("statistics") is not None and not isinstance(attrs["statistics"], int):
                self.fail(f"{path}.statistics", "expected an integer")
        elif isinstance(obj, Table):
            each("foreign_options", check_foreign_option)
            each("foreign_server", check_name)
            each("primary_key_definition", check_constraint_definition)
            each("replica_identity", check_name)
            stats = attrs.get("statistics") or []
            if not isinstance(stats, list):
                self.fail(f"{path}.statistics", "expected a list")
            for i, st in enumerate(stats):
                if isinstance(st, dict) and st.get("definition") is not None:
                    here = f"{path}.statistics[{i}].definition"
                    if not isinstance(st["definition"], str):
                        self.fail(here, "expected a string")
                    self.field(here, st["definition"], check_statistics_definition)
        elif isinstance(obj, View):
            each("access_method", check_name)
        elif isinstance(obj, Publication):
            each("publish_generated_columns", keyword({"stored", "none"}, upper=False))
        for key, value in attrs.items():
            if isinstance(value, str) and "\x00" in value:
                self.fail(f"{path}.{key}", "holds a NUL character")

    def filled_from_foreign_tables(self) -> None:
        """A materialized view filled at load (WITH DATA) may not read a foreign table, even through
        views: filling it would reach another server (or run file_fdw's reader) from the sandbox."""
        foreign = {t.name.lower() for t in self.schema.tables if t.attrs.get("foreign")}
        if not foreign:
            return
        reads = {v.name.lower(): relations_read(v.definition) for v in self.schema.views if v.definition}
        reaching = set(foreign)
        changed = True
        while changed:
            changed = False
            for name, rels in reads.items():
                if name not in reaching and rels & reaching:
                    reaching.add(name)
                    changed = True
        for v in self.schema.views:
            if v.materialized and v.with_data and reads.get(v.name.lower(), set()) & reaching:
                self.fail(f"views.{v.schema}.{v.name}.definition", "is filled at load from a foreign table "
                          "(set with_data to false to keep it empty)")

    def dynamic_sql(self) -> None:
        """Refuse dynamic SQL in a routine aishell may run: one something it runs calls, transitively."""
        reach = set(self.run_calls)
        for et in self.schema.event_triggers:
            name = _call_name(et.function)
            if name:
                reach.add(name)
        changed = True
        while changed:
            changed = False
            for _path, r in self.routines:
                if r.names & reach and not r.calls <= reach:
                    reach |= r.calls
                    changed = True
        for path, r in self.routines:
            if r.dynamic and r.names & reach:
                self.fail(f"{path}.definition", "runs dynamic SQL (EXECUTE) and is called by a trigger, "
                          "view, default, check or index that aishell may run")


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path and name else path or name


_PLANS: dict[type, list[tuple[str, Check | None, str]]] = {}
_SPECIAL = {(Function, "definition"): "skip", (TextSearchConfig, "mappings"): "mappings"}


def _plan(cls: type) -> list[tuple[str, Check | None, str]]:
    """(field, its check, the method that takes it whole) per field of a model class, made once."""
    plan = _PLANS.get(cls)
    if plan is None:
        checks = FIELDS.get(cls, {})
        plan = [(f.name, checks.get(f.name),
                 "attrs" if f.name == "attrs" else _SPECIAL.get((cls, f.name), ""))
                for f in dataclasses.fields(cls)]
        _PLANS[cls] = plan
    return plan


def _call_name(text: str) -> str | None:
    m = re.match(r'^\s*(?:(?:"[^"]*"|[^."(]+)\.)?("(?:[^"]|"")*"|[^."(\s]+)', text or "")
    return m.group(1).strip('"').lower() if m else None


def _shown(text: str, limit: int = 60) -> str:
    one = " ".join(text.split())
    return repr(one if len(one) <= limit else one[: limit - 3] + "...")


def check_schema(schema: Schema, *, origin: str = "") -> None:
    """Every model's expressions are PostgreSQL's (other dialects are generated from them) and every
    model is loaded into the PostgreSQL sandbox, whatever its ``dialect`` key says: all are checked.

    Refuse (``UnsafeModelError``: one line, the field's path and why) a model with any field that is
    not what it claims to be; ``origin`` names the file in the message."""
    checker = _Checker(schema, origin)
    for f in dataclasses.fields(schema):
        value = getattr(schema, f.name)
        if isinstance(value, list):
            for i, item in enumerate(value):
                if dataclasses.is_dataclass(item):
                    checker.walk(item, f"{f.name}.{_label(item, i)}")
        elif isinstance(value, str):
            checker.field(f.name, value, check_name)
        elif f.name == "attrs" and isinstance(value, dict):
            checker.attrs(schema, value, "attrs")
    checker.dynamic_sql()
    checker.filled_from_foreign_tables()


def relations_read(text: str) -> set[str]:
    """The relation names (last part, lower case) a checked view body reads."""
    found: set[str] = set()
    stack: list[Any] = [_parse(_strip_semicolons(text))]
    while stack:
        x = stack.pop()
        if isinstance(x, list):
            stack.extend(x)
        elif isinstance(x, dict):
            for key, value in x.items():
                if key == "RangeVar" and isinstance(value, dict) and value.get("relname"):
                    found.add(str(value["relname"]).lower())
                stack.append(value)
    return found


__all__ = ["UnsafeModelError", "check_schema", "denied_function"]
