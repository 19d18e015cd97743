"""The schema model: plain typed data describing a relational schema.

Model objects never write SQL and never talk to a database; generators (``aishell.dialects``) and
inspectors produce and consume them. Engine-specific detail that has no field of its own goes in the
open ``attrs`` dict every object carries (as Atlas does with ``Attrs``), so the core stays small.

Conventions
-----------
* Names are stored unquoted, exactly as the database spells them (``we"ird`` is the string ``we"ird``).
* ``schema`` is the namespace (PostgreSQL schema); ``"public"`` by default.
* Types are stored as PostgreSQL's ``format_type()`` spells them (``character varying(255)``,
  ``integer[]``, ``timestamp with time zone``); a design may also use the common SQL spelling
  (``VARCHAR(255)``, ``BIGINT``), which every generator accepts.
* Expressions (defaults, checks, WHERE clauses, view bodies) are kept as SQL text in the source's
  dialect: PostgreSQL is the parser, not us.
* ``definition`` fields, where present, hold the database's own canonical text for the object
  (``pg_get_indexdef``, ``pg_get_constraintdef``, ``pg_get_viewdef``, ``pg_get_functiondef``,
  ``pg_get_triggerdef``). Generators prefer them when the target dialect is the source's, which is what
  makes an exact round trip possible; the structured fields beside them serve every other consumer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

FORMAT_VERSION = 2
# Keys (on Schema, Table, View) that only format 2 has: a format 1 document holding them is refused.
FORMAT_2_KEYS = frozenset({
    "collations", "range_types", "base_types", "text_search_parsers", "text_search_templates",
    "text_search_dictionaries", "text_search_configs", "casts", "operators", "operator_families",
    "operator_classes", "foreign_data_wrappers", "foreign_servers", "user_mappings", "publications",
    "subscriptions", "event_triggers", "default_privileges", "rules",
})

# Tables aishell itself keeps in a user's database (the migration history of `schema version`): they are
# bookkeeping, never part of the schema being designed, diffed or judged.
HISTORY_TABLE = "aishell_schema_versions"
AISHELL_TABLES = frozenset({("public", HISTORY_TABLE)})


def is_aishell_table(schema: str, name: str) -> bool:
    return (schema, name) in AISHELL_TABLES


@dataclass
class Privilege:
    """One grant: ``grantee`` (a role name, or ``PUBLIC``) holds ``privileges`` on the object.

    ``columns`` is set for column-level grants. Equal when every field is equal.
    """

    grantee: str
    privileges: list[str]
    grantable: bool = False
    columns: list[str] = field(default_factory=list)
    grantor: str | None = None


@dataclass
class Column:
    name: str
    type: str
    nullable: bool = True
    default: str | None = None
    # 'always' | 'by default' for identity columns, None otherwise.
    identity: str | None = None
    # Sequence options of an identity column: start, increment, min_value, max_value, cache, cycle.
    identity_options: dict[str, Any] = field(default_factory=dict)
    # Generation expression of a generated column, and 'stored' or 'virtual'.
    generated: str | None = None
    generated_kind: str | None = None
    collation: str | None = None
    comment: str | None = None
    # Statistics target, storage mode, compression and similar per-column settings.
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass
class ForeignKey:
    """A foreign key from ``columns`` to ``ref_columns`` of ``ref_schema.ref_table``.

    Two foreign keys are equal when every field is equal; the differ compares them by
    (columns, ref_schema, ref_table, ref_columns) to find renames.
    """

    name: str | None
    columns: list[str]
    ref_table: str
    ref_columns: list[str]
    ref_schema: str = "public"
    on_delete: str = "NO ACTION"
    on_update: str = "NO ACTION"
    match: str = "SIMPLE"
    deferrable: bool = False
    initially_deferred: bool = False
    valid: bool = True
    comment: str | None = None
    definition: str | None = None
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass
class CheckConstraint:
    name: str | None
    expression: str
    valid: bool = True
    no_inherit: bool = False
    comment: str | None = None
    definition: str | None = None
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass
class UniqueConstraint:
    name: str | None
    columns: list[str]
    nulls_not_distinct: bool = False
    deferrable: bool = False
    initially_deferred: bool = False
    include: list[str] = field(default_factory=list)
    comment: str | None = None
    definition: str | None = None
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass
class ExclusionConstraint:
    """An EXCLUDE constraint; ``definition`` is its full text after the constraint name."""

    name: str | None
    definition: str
    columns: list[str] = field(default_factory=list)
    comment: str | None = None
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass
class Index:
    """An index. ``columns`` lists the key parts: a column name, or an expression's text.

    ``orders`` holds per-key ``"DESC"``/``"ASC"`` plus ``"NULLS FIRST"``/``"NULLS LAST"`` where not the
    default (empty string otherwise); ``opclasses`` the non-default operator class per key (or "").
    ``expressions`` flags which entries of ``columns`` are expressions rather than plain columns.
    ``constraint`` names the constraint this index backs (PK, UNIQUE, EXCLUDE); such indexes are
    created by their constraint, not by CREATE INDEX.
    """

    name: str
    columns: list[str]
    unique: bool = False
    method: str = "btree"
    where: str | None = None
    include: list[str] = field(default_factory=list)
    orders: list[str] = field(default_factory=list)
    opclasses: list[str] = field(default_factory=list)
    expressions: list[bool] = field(default_factory=list)
    nulls_not_distinct: bool = False
    valid: bool = True
    constraint: str | None = None
    tablespace: str | None = None
    options: list[str] = field(default_factory=list)
    comment: str | None = None
    definition: str | None = None
    # Why the designer or analyzer proposes this index (shown in reviews and docs).
    reason: str | None = None
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass
class Trigger:
    name: str
    timing: str  # BEFORE | AFTER | INSTEAD OF
    events: list[str]  # INSERT, UPDATE, DELETE, TRUNCATE (UPDATE OF cols kept in definition)
    function: str  # schema-qualified function name called
    for_each: str = "ROW"  # ROW | STATEMENT
    when: str | None = None
    enabled: str = "O"  # pg_trigger.tgenabled: O origin, D disabled, R replica, A always
    constraint: bool = False
    comment: str | None = None
    definition: str | None = None
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass
class Policy:
    """A row-level security policy."""

    name: str
    command: str = "ALL"  # ALL | SELECT | INSERT | UPDATE | DELETE
    permissive: bool = True
    roles: list[str] = field(default_factory=lambda: ["public"])
    using: str | None = None
    with_check: str | None = None
    comment: str | None = None
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass
class Table:
    name: str
    schema: str = "public"
    columns: list[Column] = field(default_factory=list)
    primary_key: list[str] = field(default_factory=list)
    primary_key_name: str | None = None
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    indexes: list[Index] = field(default_factory=list)
    checks: list[CheckConstraint] = field(default_factory=list)
    unique: list[UniqueConstraint] = field(default_factory=list)
    exclusions: list[ExclusionConstraint] = field(default_factory=list)
    triggers: list[Trigger] = field(default_factory=list)
    policies: list[Policy] = field(default_factory=list)
    rls_enabled: bool = False
    rls_forced: bool = False
    unlogged: bool = False
    # "RANGE (created_at)" on a partitioned parent.
    partition_by: str | None = None
    # Schema-qualified parent of a partition and its bound ("FOR VALUES FROM (...) TO (...)", "DEFAULT").
    partition_of: str | None = None
    partition_bound: str | None = None
    # Schema-qualified parents for traditional inheritance.
    inherits: list[str] = field(default_factory=list)
    # Storage parameters, e.g. ["fillfactor=70"].
    options: list[str] = field(default_factory=list)
    tablespace: str | None = None
    access_method: str | None = None
    owner: str | None = None
    comment: str | None = None
    privileges: list[Privilege] = field(default_factory=list)
    # Rewrite rules (format 2).
    rules: list[Rule] = field(default_factory=list)
    # Live-database facts (row estimate, sizes) when introspected; design notes when designed.
    attrs: dict[str, Any] = field(default_factory=dict)

    @property
    def qualified_name(self) -> str:
        return f"{self.schema}.{self.name}"

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)


@dataclass
class View:
    name: str
    schema: str = "public"
    definition: str = ""
    materialized: bool = False
    columns: list[str] = field(default_factory=list)
    # Column comments keyed by column name.
    column_comments: dict[str, str] = field(default_factory=dict)
    indexes: list[Index] = field(default_factory=list)
    # e.g. ["security_barrier=true", "check_option=local"]
    options: list[str] = field(default_factory=list)
    with_data: bool = True
    tablespace: str | None = None
    owner: str | None = None
    comment: str | None = None
    privileges: list[Privilege] = field(default_factory=list)
    triggers: list[Trigger] = field(default_factory=list)
    # Schema-qualified names of the relations and functions this view reads.
    depends_on: list[str] = field(default_factory=list)
    # Rewrite rules other than the view's own _RETURN (format 2).
    rules: list[Rule] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)

    @property
    def qualified_name(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass
class Sequence:
    name: str
    schema: str = "public"
    type: str = "bigint"
    start: int = 1
    increment: int = 1
    min_value: int | None = None
    max_value: int | None = None
    cache: int = 1
    cycle: bool = False
    # "schema.table.column" that owns the sequence.
    owned_by: str | None = None
    owner: str | None = None
    comment: str | None = None
    privileges: list[Privilege] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass
class EnumType:
    name: str
    values: list[str]
    schema: str = "public"
    owner: str | None = None
    comment: str | None = None
    privileges: list[Privilege] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass
class Domain:
    name: str
    type: str
    schema: str = "public"
    default: str | None = None
    not_null: bool = False
    collation: str | None = None
    checks: list[CheckConstraint] = field(default_factory=list)
    owner: str | None = None
    comment: str | None = None
    privileges: list[Privilege] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass
class CompositeType:
    name: str
    attributes: list[Column] = field(default_factory=list)
    schema: str = "public"
    owner: str | None = None
    comment: str | None = None
    privileges: list[Privilege] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass
class Function:
    """A function, procedure or aggregate; its body is kept as the database's own text.

    ``identity_args`` is the argument list that identifies it (``pg_get_function_identity_arguments``),
    so ``name(identity_args)`` is unique within a schema.
    """

    name: str
    schema: str = "public"
    kind: str = "function"  # function | procedure | aggregate | window
    identity_args: str = ""
    arguments: str = ""
    returns: str | None = None
    language: str = "sql"
    volatility: str | None = None  # IMMUTABLE | STABLE | VOLATILE
    definition: str = ""
    owner: str | None = None
    comment: str | None = None
    privileges: list[Privilege] = field(default_factory=list)
    depends_on: list[str] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)

    @property
    def signature(self) -> str:
        return f"{self.schema}.{self.name}({self.identity_args})"


@dataclass
class Extension:
    name: str
    schema: str | None = None
    version: str | None = None
    comment: str | None = None
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass
class Namespace:
    """A PostgreSQL schema (namespace)."""

    name: str
    owner: str | None = None
    comment: str | None = None
    privileges: list[Privilege] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)

# -- object kinds beyond tables and routines (issue 14) -------------------------------------------------
# Each is plain data from which the PostgreSQL generator composes the CREATE statement (as pg_dump does
# from the same catalog rows). Names of types, functions and operators are kept as PostgreSQL prints
# them with an empty search_path: schema-qualified unless they live in pg_catalog
# (``public.my_type``, ``integer``, ``public.lower_unaccent(text)``, ``pg_catalog."default"``).
# Options of foreign-data objects are ``key=value`` strings, as the catalog stores them.


@dataclass
class Collation:
    """A collation. ``provider`` is ``libc``, ``icu`` or ``builtin``; ``locale`` is set when the
    provider takes one locale (ICU, builtin, or libc with equal collate and ctype), ``lc_collate``
    and ``lc_ctype`` otherwise."""

    name: str
    schema: str = "public"
    provider: str = "libc"
    locale: str | None = None
    lc_collate: str | None = None
    lc_ctype: str | None = None
    deterministic: bool = True
    # ICU tailoring rules (PostgreSQL 16+).
    rules: str | None = None
    owner: str | None = None
    comment: str | None = None
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass
class TextSearchMapping:
    """``ALTER TEXT SEARCH CONFIGURATION ... ADD MAPPING FOR <token> WITH <dictionaries>``."""

    token: str
    dictionaries: list[str] = field(default_factory=list)


@dataclass
class TextSearchConfig:
    name: str
    parser: str
    schema: str = "public"
    mappings: list[TextSearchMapping] = field(default_factory=list)
    owner: str | None = None
    comment: str | None = None
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass
class TextSearchDictionary:
    """``options`` is the option text as PostgreSQL keeps it (``stopwords = 'english'``)."""

    name: str
    template: str
    schema: str = "public"
    options: str | None = None
    owner: str | None = None
    comment: str | None = None
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass
class TextSearchParser:
    name: str
    start: str
    gettoken: str
    end: str
    lextypes: str
    schema: str = "public"
    headline: str | None = None
    comment: str | None = None
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass
class TextSearchTemplate:
    name: str
    lexize: str
    schema: str = "public"
    init: str | None = None
    comment: str | None = None
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass
class Cast:
    """``CREATE CAST (source AS target)``: ``method`` is ``function`` (``function`` names it with its
    argument types), ``binary`` (WITHOUT FUNCTION) or ``inout``; ``context`` is ``explicit``,
    ``assignment`` or ``implicit``."""

    source: str
    target: str
    method: str = "function"
    function: str | None = None
    context: str = "explicit"
    comment: str | None = None
    attrs: dict[str, Any] = field(default_factory=dict)

    @property
    def signature(self) -> str:
        return f"({self.source} AS {self.target})"


@dataclass
class Operator:
    """An operator; ``left`` is None for a prefix operator. Referenced operators are written
    ``OPERATOR(schema.name)``-ready as ``schema.name`` (or bare in pg_catalog)."""

    name: str
    function: str
    schema: str = "public"
    left: str | None = None
    right: str | None = None
    commutator: str | None = None
    negator: str | None = None
    restrict: str | None = None
    join: str | None = None
    hashes: bool = False
    merges: bool = False
    owner: str | None = None
    comment: str | None = None
    attrs: dict[str, Any] = field(default_factory=dict)

    @property
    def signature(self) -> str:
        return f"{self.schema}.{self.name}({self.left or 'NONE'},{self.right})"


@dataclass
class OperatorFamily:
    """An operator family; ``operators``/``functions`` are its members that belong to no class,
    written as ``ALTER OPERATOR FAMILY ... ADD`` takes them (``OPERATOR 1 public.<(integer,integer)``,
    ``FUNCTION 1 (integer, integer) public.cmp(integer,integer)``)."""

    name: str
    method: str
    schema: str = "public"
    operators: list[str] = field(default_factory=list)
    functions: list[str] = field(default_factory=list)
    owner: str | None = None
    comment: str | None = None
    attrs: dict[str, Any] = field(default_factory=dict)

    @property
    def signature(self) -> str:
        return f"{self.schema}.{self.name} USING {self.method}"


@dataclass
class OperatorClass:
    """An operator class; ``family`` is set when it is not the family of the same name."""

    name: str
    method: str
    type: str
    schema: str = "public"
    default: bool = False
    family: str | None = None
    storage: str | None = None
    operators: list[str] = field(default_factory=list)
    functions: list[str] = field(default_factory=list)
    owner: str | None = None
    comment: str | None = None
    attrs: dict[str, Any] = field(default_factory=dict)

    @property
    def signature(self) -> str:
        return f"{self.schema}.{self.name} USING {self.method}"


@dataclass
class EventTrigger:
    """``enabled`` as pg_event_trigger.evtenabled: O origin, D disabled, R replica, A always."""

    name: str
    event: str
    function: str
    tags: list[str] = field(default_factory=list)
    enabled: str = "O"
    owner: str | None = None
    comment: str | None = None
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass
class Rule:
    """A rewrite rule of a table or view other than a view's own ``_RETURN``; ``definition`` is
    ``pg_get_ruledef`` text (``CREATE RULE ... AS ON INSERT TO public.t DO INSTEAD ...;``)."""

    name: str
    event: str
    definition: str
    enabled: str = "O"
    comment: str | None = None
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass
class PublicationTable:
    """One table of a publication: ``table`` is ``schema.name``; ``columns`` empty means all."""

    table: str
    columns: list[str] = field(default_factory=list)
    where: str | None = None


@dataclass
class Publication:
    name: str
    all_tables: bool = False
    tables: list[PublicationTable] = field(default_factory=list)
    # TABLES IN SCHEMA (PostgreSQL 15+).
    schemas: list[str] = field(default_factory=list)
    publish: list[str] = field(default_factory=lambda: ["insert", "update", "delete", "truncate"])
    via_root: bool = False
    owner: str | None = None
    comment: str | None = None
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass
class Subscription:
    """A subscription's definition. ``connection`` never holds a password: inspect leaves secret
    options out (``attrs.secret_options`` names them), and aishell re-creates a subscription with
    ``connect = false``, as pg_dump does, so it never connects to the publisher."""

    name: str
    connection: str
    publications: list[str] = field(default_factory=list)
    enabled: bool = False
    # slot_name, binary, streaming, synchronous_commit, ... where not the default, as CREATE takes them.
    options: dict[str, str] = field(default_factory=dict)
    owner: str | None = None
    comment: str | None = None
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass
class DefaultPrivilege:
    """``ALTER DEFAULT PRIVILEGES FOR ROLE role [IN SCHEMA schema]``: the privileges objects of
    ``object_type`` (TABLES, SEQUENCES, FUNCTIONS, TYPES, SCHEMAS) get when ``role`` creates them.
    Without a schema the list replaces PostgreSQL's built-in defaults; in a schema it adds to them."""

    role: str
    object_type: str
    schema: str | None = None
    privileges: list[Privilege] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass
class RangeType:
    name: str
    subtype: str
    schema: str = "public"
    subtype_opclass: str | None = None
    collation: str | None = None
    canonical: str | None = None
    subtype_diff: str | None = None
    # The multirange type's schema-qualified name when it is not the one PostgreSQL derives.
    multirange: str | None = None
    owner: str | None = None
    comment: str | None = None
    privileges: list[Privilege] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass
class BaseType:
    """A base type (``CREATE TYPE name (INPUT = ..., OUTPUT = ...)``): its functions are named with
    schema; ``internal_length`` -1 is VARIABLE. Created as a shell type before its functions."""

    name: str
    input: str
    output: str
    schema: str = "public"
    receive: str | None = None
    send: str | None = None
    typmod_in: str | None = None
    typmod_out: str | None = None
    analyze: str | None = None
    subscript: str | None = None
    internal_length: int = -1
    passed_by_value: bool = False
    alignment: str = "int4"
    storage: str = "plain"
    category: str = "U"
    preferred: bool = False
    default: str | None = None
    element: str | None = None
    delimiter: str = ","
    collatable: bool = False
    owner: str | None = None
    comment: str | None = None
    privileges: list[Privilege] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass
class ForeignDataWrapper:
    name: str
    handler: str | None = None
    validator: str | None = None
    options: list[str] = field(default_factory=list)
    owner: str | None = None
    comment: str | None = None
    privileges: list[Privilege] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass
class ForeignServer:
    """A foreign server; secret options (``password``) are never read (``attrs.secret_options``)."""

    name: str
    wrapper: str
    type: str | None = None
    version: str | None = None
    options: list[str] = field(default_factory=list)
    owner: str | None = None
    comment: str | None = None
    privileges: list[Privilege] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass
class UserMapping:
    """``CREATE USER MAPPING FOR user SERVER server``; ``user`` is a role or ``public``. Secret
    options (``password``) are never read: ``attrs.secret_options`` names the ones left out."""

    user: str
    server: str
    options: list[str] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass
class Schema:
    """A whole database schema. ``dialect`` names the engine its expressions are written for."""

    format_version: int = FORMAT_VERSION
    name: str | None = None
    dialect: str = "postgres"
    server_version: str | None = None
    schemas: list[Namespace] = field(default_factory=list)
    extensions: list[Extension] = field(default_factory=list)
    enums: list[EnumType] = field(default_factory=list)
    domains: list[Domain] = field(default_factory=list)
    composite_types: list[CompositeType] = field(default_factory=list)
    sequences: list[Sequence] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    views: list[View] = field(default_factory=list)
    functions: list[Function] = field(default_factory=list)
    # Format 2 (issue 14): every other kind of object a PostgreSQL database holds.
    collations: list[Collation] = field(default_factory=list)
    range_types: list[RangeType] = field(default_factory=list)
    base_types: list[BaseType] = field(default_factory=list)
    text_search_parsers: list[TextSearchParser] = field(default_factory=list)
    text_search_templates: list[TextSearchTemplate] = field(default_factory=list)
    text_search_dictionaries: list[TextSearchDictionary] = field(default_factory=list)
    text_search_configs: list[TextSearchConfig] = field(default_factory=list)
    casts: list[Cast] = field(default_factory=list)
    operators: list[Operator] = field(default_factory=list)
    operator_families: list[OperatorFamily] = field(default_factory=list)
    operator_classes: list[OperatorClass] = field(default_factory=list)
    foreign_data_wrappers: list[ForeignDataWrapper] = field(default_factory=list)
    foreign_servers: list[ForeignServer] = field(default_factory=list)
    user_mappings: list[UserMapping] = field(default_factory=list)
    publications: list[Publication] = field(default_factory=list)
    subscriptions: list[Subscription] = field(default_factory=list)
    event_triggers: list[EventTrigger] = field(default_factory=list)
    default_privileges: list[DefaultPrivilege] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)

    # -- lookups -------------------------------------------------------------------------------
    def table(self, name: str, schema: str | None = None) -> Table | None:
        """Find a table by ``name`` (or ``schema.name``); ``schema=None`` matches any schema."""
        if schema is None and "." in name and not any(t.name == name for t in self.tables):
            schema, name = name.split(".", 1)
        return next(
            (t for t in self.tables if t.name == name and (schema is None or t.schema == schema)), None
        )

    def view(self, name: str, schema: str | None = None) -> View | None:
        return next(
            (v for v in self.views if v.name == name and (schema is None or v.schema == schema)), None
        )

    def enum(self, name: str, schema: str | None = None) -> EnumType | None:
        return next(
            (e for e in self.enums if e.name == name and (schema is None or e.schema == schema)), None
        )

    @property
    def all_indexes(self) -> list[tuple[Table, Index]]:
        return [(t, i) for t in self.tables for i in t.indexes]

    @property
    def all_foreign_keys(self) -> list[tuple[Table, ForeignKey]]:
        return [(t, fk) for t in self.tables for fk in t.foreign_keys]
