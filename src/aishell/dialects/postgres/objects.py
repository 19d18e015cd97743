"""PostgreSQL DDL for the object kinds of model format 2: collations, text search objects, casts,
operators and their classes and families, range and base types, rules, event triggers, publications,
subscriptions, default privileges, foreign-data wrappers, servers and user mappings.

Each ``create_<kind>_sql`` returns the statements (without trailing semicolons) that create one object
as the model describes it, composed the way pg_dump composes them from the same catalog rows; the DDL
generator (``generate.py``) orders them and the migration planner (``aishell.diff.plan``) reuses them.
``comment_target``/``owner_target`` name an object as COMMENT ON and ALTER ... OWNER TO take it.
"""

from __future__ import annotations

from typing import Any

from aishell.dialects.postgres.quote import qualify, quote_ident, quote_literal
from aishell.model.schema import (
    BaseType,
    Cast,
    Collation,
    DefaultPrivilege,
    EventTrigger,
    ForeignDataWrapper,
    ForeignServer,
    Operator,
    OperatorClass,
    OperatorFamily,
    Publication,
    RangeType,
    Rule,
    Subscription,
    TextSearchConfig,
    TextSearchDictionary,
    TextSearchParser,
    TextSearchTemplate,
    UserMapping,
)


def _choice(value: str, allowed: set[str], what: str) -> str:
    """A keyword the model gives as text (a provider, an alignment): one of ``allowed``, never pasted."""
    if value not in allowed:
        from aishell.errors import UserError

        raise UserError(f"{what} {value!r} is not one of {', '.join(sorted(allowed))}")
    return value


def options_sql(options: list[str]) -> str:
    """``OPTIONS (key 'value', ...)`` from ``key=value`` strings; empty when there are none."""
    if not options:
        return ""
    parts = []
    for opt in options:
        key, _, value = opt.partition("=")
        parts.append(f"{quote_ident(key)} {quote_literal(value)}")
    return " OPTIONS (\n    " + ",\n    ".join(parts) + "\n)"


def operator_ref(text: str) -> str:
    """``OPERATOR(schema.op)`` for an operator name as inspect keeps it (bare in pg_catalog)."""
    return f"OPERATOR({text if '.' in text else 'pg_catalog.' + text})"


def operator_name(schema: str, name: str) -> str:
    return f"{quote_ident(schema)}.{name}"


# -- one object, its statements ---------------------------------------------------------------------------
def create_collation_sql(c: Collation) -> list[str]:
    opts = [f"provider = {_choice(c.provider, {'libc', 'icu', 'builtin'}, 'collation provider')}"]
    if not c.deterministic:
        opts.append("deterministic = false")
    if c.locale is not None:
        opts.append(f"locale = {quote_literal(c.locale)}")
    else:
        if c.lc_collate is not None:
            opts.append(f"lc_collate = {quote_literal(c.lc_collate)}")
        if c.lc_ctype is not None:
            opts.append(f"lc_ctype = {quote_literal(c.lc_ctype)}")
    if c.rules:
        opts.append(f"rules = {quote_literal(c.rules)}")
    return [f"CREATE COLLATION {qualify(c.schema, c.name)} ({', '.join(opts)})"]


def create_ts_parser_sql(p: TextSearchParser) -> list[str]:
    opts = [f"START = {p.start}", f"GETTOKEN = {p.gettoken}", f"END = {p.end}", f"LEXTYPES = {p.lextypes}"]
    if p.headline:
        opts.append(f"HEADLINE = {p.headline}")
    return [f"CREATE TEXT SEARCH PARSER {qualify(p.schema, p.name)} (\n    " + ",\n    ".join(opts) + "\n)"]


def create_ts_template_sql(t: TextSearchTemplate) -> list[str]:
    opts = ([f"INIT = {t.init}"] if t.init else []) + [f"LEXIZE = {t.lexize}"]
    return [f"CREATE TEXT SEARCH TEMPLATE {qualify(t.schema, t.name)} (\n    " + ",\n    ".join(opts) + "\n)"]


def create_ts_dictionary_sql(d: TextSearchDictionary) -> list[str]:
    opts = [f"TEMPLATE = {d.template}"] + ([d.options] if d.options else [])
    return [f"CREATE TEXT SEARCH DICTIONARY {qualify(d.schema, d.name)} (\n    " + ",\n    ".join(opts) + "\n)"]


def ts_mapping_groups(c: TextSearchConfig) -> list[tuple[list[str], list[str]]]:
    """Tokens that map to the same dictionaries, grouped in the order they come."""
    groups: list[tuple[list[str], list[str]]] = []
    for m in c.mappings:
        for tokens, dicts in groups:
            if dicts == m.dictionaries:
                tokens.append(m.token)
                break
        else:
            groups.append(([m.token], list(m.dictionaries)))
    return groups


def ts_mapping_sql(c: TextSearchConfig, tokens: list[str], dictionaries: list[str], verb: str = "ADD") -> str:
    name = qualify(c.schema, c.name)
    head = f"ALTER TEXT SEARCH CONFIGURATION {name}\n    {verb} MAPPING FOR {', '.join(tokens)}"
    if verb == "DROP":
        return head
    return f"{head} WITH {', '.join(dictionaries)}"


def create_ts_config_sql(c: TextSearchConfig) -> list[str]:
    out = [f"CREATE TEXT SEARCH CONFIGURATION {qualify(c.schema, c.name)} (\n    PARSER = {c.parser}\n)"]
    out += [ts_mapping_sql(c, tokens, dicts) for tokens, dicts in ts_mapping_groups(c) if dicts]
    return out


def create_cast_sql(c: Cast) -> list[str]:
    head = f"CREATE CAST ({c.source} AS {c.target})"
    if c.method == "binary":
        how = "WITHOUT FUNCTION"
    elif c.method == "inout":
        how = "WITH INOUT"
    else:
        how = f"WITH FUNCTION {c.function}"
    tail = {"assignment": " AS ASSIGNMENT", "implicit": " AS IMPLICIT"}.get(c.context, "")
    return [f"{head} {how}{tail}"]


def create_operator_sql(o: Operator) -> list[str]:
    opts = [f"FUNCTION = {o.function}"]
    if o.left:
        opts.append(f"LEFTARG = {o.left}")
    if o.right:
        opts.append(f"RIGHTARG = {o.right}")
    if o.commutator:
        opts.append(f"COMMUTATOR = {operator_ref(o.commutator)}")
    if o.negator:
        opts.append(f"NEGATOR = {operator_ref(o.negator)}")
    if o.restrict:
        opts.append(f"RESTRICT = {o.restrict}")
    if o.join:
        opts.append(f"JOIN = {o.join}")
    if o.hashes:
        opts.append("HASHES")
    if o.merges:
        opts.append("MERGES")
    return [f"CREATE OPERATOR {operator_name(o.schema, o.name)} (\n    " + ",\n    ".join(opts) + "\n)"]


def operator_signature_sql(o: Operator) -> str:
    return f"{operator_name(o.schema, o.name)} ({o.left or 'NONE'}, {o.right or 'NONE'})"


def create_operator_family_sql(f: OperatorFamily) -> list[str]:
    name = f"{qualify(f.schema, f.name)} USING {quote_ident(f.method)}"
    out = [f"CREATE OPERATOR FAMILY {name}"]
    members = [*f.operators, *f.functions]
    if members:
        out.append(f"ALTER OPERATOR FAMILY {name} ADD\n    " + ",\n    ".join(members))
    return out


def create_operator_class_sql(c: OperatorClass) -> list[str]:
    family = c.family or qualify(c.schema, c.name)
    items = [*c.operators, *c.functions]
    if c.storage:
        items.append(f"STORAGE {c.storage}")
    head = (f"CREATE OPERATOR CLASS {qualify(c.schema, c.name)}{' DEFAULT' if c.default else ''} "
            f"FOR TYPE {c.type} USING {quote_ident(c.method)} FAMILY {family} AS\n    ")
    return [head + ",\n    ".join(items)]


def create_range_type_sql(r: RangeType) -> list[str]:
    opts = [f"subtype = {r.subtype}"]
    if r.subtype_opclass:
        opts.append(f"subtype_opclass = {r.subtype_opclass}")
    if r.collation:
        opts.append(f"collation = {r.collation}")
    if r.canonical:
        opts.append(f"canonical = {r.canonical}")
    if r.subtype_diff:
        opts.append(f"subtype_diff = {r.subtype_diff}")
    if r.multirange:
        opts.append(f"multirange_type_name = {r.multirange}")
    return [f"CREATE TYPE {qualify(r.schema, r.name)} AS RANGE (\n    " + ",\n    ".join(opts) + "\n)"]


def create_shell_type_sql(b: BaseType) -> list[str]:
    return [f"CREATE TYPE {qualify(b.schema, b.name)}"]


def create_base_type_sql(b: BaseType) -> list[str]:
    opts = [f"INPUT = {b.input}", f"OUTPUT = {b.output}"]
    for key, value in (("RECEIVE", b.receive), ("SEND", b.send), ("TYPMOD_IN", b.typmod_in),
                       ("TYPMOD_OUT", b.typmod_out), ("ANALYZE", b.analyze), ("SUBSCRIPT", b.subscript)):
        if value:
            opts.append(f"{key} = {value}")
    opts.append(f"INTERNALLENGTH = {'VARIABLE' if b.internal_length < 0 else b.internal_length}")
    if b.passed_by_value:
        opts.append("PASSEDBYVALUE")
    opts.append(f"ALIGNMENT = {_choice(b.alignment, {'char', 'int2', 'int4', 'double'}, 'alignment')}")
    opts.append(f"STORAGE = {_choice(b.storage, {'plain', 'external', 'extended', 'main'}, 'storage')}")
    if b.category and b.category != "U":
        opts.append(f"CATEGORY = {quote_literal(b.category)}")
    if b.preferred:
        opts.append("PREFERRED = true")
    if b.default is not None:
        opts.append(f"DEFAULT = {quote_literal(b.default)}")
    if b.element:
        opts.append(f"ELEMENT = {b.element}")
    if b.delimiter and b.delimiter != ",":
        opts.append(f"DELIMITER = {quote_literal(b.delimiter)}")
    if b.collatable:
        opts.append("COLLATABLE = true")
    return [f"CREATE TYPE {qualify(b.schema, b.name)} (\n    " + ",\n    ".join(opts) + "\n)"]


def create_fdw_sql(w: ForeignDataWrapper) -> list[str]:
    sql = f"CREATE FOREIGN DATA WRAPPER {quote_ident(w.name)}"
    if w.handler:
        sql += f" HANDLER {w.handler}"
    if w.validator:
        sql += f" VALIDATOR {w.validator}"
    return [sql + options_sql(w.options)]


def create_server_sql(s: ForeignServer) -> list[str]:
    sql = f"CREATE SERVER {quote_ident(s.name)}"
    if s.type is not None:
        sql += f" TYPE {quote_literal(s.type)}"
    if s.version is not None:
        sql += f" VERSION {quote_literal(s.version)}"
    return [sql + f" FOREIGN DATA WRAPPER {quote_ident(s.wrapper)}" + options_sql(s.options)]


def user_mapping_user_sql(m: UserMapping) -> str:
    return "PUBLIC" if m.user.lower() == "public" else quote_ident(m.user)


def create_user_mapping_sql(m: UserMapping) -> list[str]:
    return [f"CREATE USER MAPPING FOR {user_mapping_user_sql(m)} SERVER {quote_ident(m.server)}"
            + options_sql(m.options)]


_ENABLE = {"D": "DISABLE", "R": "ENABLE REPLICA", "A": "ENABLE ALWAYS"}


def create_event_trigger_sql(e: EventTrigger) -> list[str]:
    sql = f"CREATE EVENT TRIGGER {quote_ident(e.name)} ON {quote_ident(e.event)}"
    if e.tags:
        sql += f"\n    WHEN TAG IN ({', '.join(quote_literal(t) for t in e.tags)})"
    fn = e.function if e.function.endswith(")") else e.function + "()"
    out = [sql + f"\n    EXECUTE FUNCTION {fn}"]
    if e.enabled in _ENABLE:
        out.append(f"ALTER EVENT TRIGGER {quote_ident(e.name)} {_ENABLE[e.enabled]}")
    return out


def create_rule_sql(rule: Rule, on_sql: str) -> list[str]:
    out = [rule.definition.strip().rstrip(";").rstrip()]
    if rule.enabled in _ENABLE:
        out.append(f"ALTER TABLE {on_sql} {_ENABLE[rule.enabled]} RULE {quote_ident(rule.name)}")
    return out


_DEFAULT_PUBLISH = ["insert", "update", "delete", "truncate"]


def create_publication_sql(p: Publication, *, with_members: bool = True) -> list[str]:
    sql = f"CREATE PUBLICATION {quote_ident(p.name)}"
    if p.all_tables:
        sql += " FOR ALL TABLES"
    opts = []
    if sorted(p.publish) != sorted(_DEFAULT_PUBLISH):
        opts.append(f"publish = {quote_literal(', '.join(p.publish))}")
    if p.via_root:
        opts.append("publish_via_partition_root = true")
    if p.attrs.get("publish_generated_columns"):
        gen = _choice(str(p.attrs["publish_generated_columns"]), {"stored", "none"}, "publish_generated_columns")
        opts.append(f"publish_generated_columns = {gen}")
    if opts:
        sql += f" WITH ({', '.join(opts)})"
    out = [sql]
    if with_members:
        out += publication_members_sql(p)
    return out


def publication_table_sql(t: Any) -> str:
    from aishell.dialects.postgres.generate import _paren

    schema, name = _split_qualified_dotted(t.table)
    sql = f"TABLE ONLY {qualify(schema, name)}"
    if t.columns:
        sql += f" ({', '.join(quote_ident(c) for c in t.columns)})"
    if t.where:
        sql += f" WHERE {_paren(t.where)}"
    return sql


def _split_qualified_dotted(text: str) -> tuple[str, str]:
    schema, _, name = text.partition(".")
    return (schema, name) if name else ("public", schema)


def publication_members_sql(p: Publication) -> list[str]:
    name = quote_ident(p.name)
    out = [f"ALTER PUBLICATION {name} ADD {publication_table_sql(t)}" for t in p.tables]
    out += [f"ALTER PUBLICATION {name} ADD TABLES IN SCHEMA {quote_ident(s)}" for s in p.schemas]
    return out


def create_subscription_sql(s: Subscription) -> list[str]:
    """CREATE SUBSCRIPTION that never connects (``connect = false``): no slot is made, nothing is
    copied, the subscription starts disabled, as pg_dump restores it."""
    opts = ["connect = false"]
    slot = s.options.get("slot_name", s.name)
    opts.append("slot_name = NONE" if slot == "NONE" else f"slot_name = {quote_literal(slot)}")
    for key, value in s.options.items():
        if key in ("slot_name", "connect", "enabled", "create_slot", "copy_data"):
            continue
        opts.append(f"{quote_ident(key)} = {quote_literal(str(value))}")
    pubs = ", ".join(quote_ident(p) for p in s.publications)
    head = f"CREATE SUBSCRIPTION {quote_ident(s.name)} CONNECTION {quote_literal(s.connection)} "
    return [f"{head}PUBLICATION {pubs} WITH ({', '.join(opts)})"]


# -- default privileges ---------------------------------------------------------------------------------
_DEFACL_PRIVS = {
    "TABLES": ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"],
    "SEQUENCES": ["SELECT", "UPDATE", "USAGE"],
    "FUNCTIONS": ["EXECUTE"],
    "TYPES": ["USAGE"],
    "SCHEMAS": ["USAGE", "CREATE"],
    "LARGE OBJECTS": ["SELECT", "UPDATE"],
}


_PRIVILEGE_WORDS = {"SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER", "MAINTAIN",
                    "EXECUTE", "USAGE", "CREATE"}


def default_privileges_sql(d: DefaultPrivilege, *, major: int = 18) -> list[str]:
    """ALTER DEFAULT PRIVILEGES turning the built-in defaults into exactly ``d``'s ACL: without a
    schema the ACL replaces them (revoke what it lacks, grant what it adds); in a schema it adds."""
    from aishell.dialects.postgres.generate import _acl_items, _AclItem, role_sql

    head = f"ALTER DEFAULT PRIVILEGES FOR ROLE {quote_ident(d.role)}"
    if d.schema:
        head += f" IN SCHEMA {quote_ident(d.schema)}"
    _choice(d.object_type, set(_DEFACL_PRIVS), "default privileges object type")
    items = _acl_items(d.privileges)
    defaults: list[_AclItem] = []
    if not d.schema:
        privs = set(_DEFACL_PRIVS.get(d.object_type, []))
        if d.object_type == "TABLES" and major >= 17:
            privs.add("MAINTAIN")
        defaults.append(_AclItem(d.role, d.role, frozenset(privs), frozenset()))
        if d.object_type in ("FUNCTIONS", "TYPES"):
            defaults.append(_AclItem("PUBLIC", d.role, frozenset(_DEFACL_PRIVS[d.object_type]), frozenset()))
    out = []
    for item in defaults:
        if item not in items:
            out.append(f"{head} REVOKE ALL ON {d.object_type} FROM {role_sql(item.grantee)}")
    for item in items:
        if item in defaults:
            continue
        for privs, option in ((item.plain, False), (item.with_option, True)):
            if privs:
                names = ", ".join(_choice(x, _PRIVILEGE_WORDS, "privilege") for x in sorted(privs))
                out.append(f"{head} GRANT {names} ON {d.object_type} TO {role_sql(item.grantee)}"
                           + (" WITH GRANT OPTION" if option else ""))
    return out


def default_privileges_revoke_sql(d: DefaultPrivilege, *, major: int = 18) -> list[str]:
    """Statements that undo ``d``: back to the built-in defaults."""
    from aishell.dialects.postgres.generate import _acl_items, role_sql

    head = f"ALTER DEFAULT PRIVILEGES FOR ROLE {quote_ident(d.role)}"
    if d.schema:
        head += f" IN SCHEMA {quote_ident(d.schema)}"
    out = []
    for item in _acl_items(d.privileges):
        out.append(f"{head} REVOKE ALL ON {d.object_type} FROM {role_sql(item.grantee)}")
    if not d.schema:
        privs = ", ".join(_DEFACL_PRIVS.get(d.object_type, []))
        out.append(f"{head} GRANT {privs} ON {d.object_type} TO {quote_ident(d.role)}")
        if d.object_type in ("FUNCTIONS", "TYPES"):
            out.append(f"{head} GRANT {_DEFACL_PRIVS[d.object_type][0]} ON {d.object_type} TO PUBLIC")
    return out


# -- naming for COMMENT ON, ALTER ... OWNER TO, DROP ---------------------------------------------------------
def object_target(obj: Any) -> str:
    """How COMMENT ON, ALTER ... OWNER TO and DROP name the object (``COLLATION public.c``)."""
    if isinstance(obj, Collation):
        return f"COLLATION {qualify(obj.schema, obj.name)}"
    if isinstance(obj, TextSearchConfig):
        return f"TEXT SEARCH CONFIGURATION {qualify(obj.schema, obj.name)}"
    if isinstance(obj, TextSearchDictionary):
        return f"TEXT SEARCH DICTIONARY {qualify(obj.schema, obj.name)}"
    if isinstance(obj, TextSearchParser):
        return f"TEXT SEARCH PARSER {qualify(obj.schema, obj.name)}"
    if isinstance(obj, TextSearchTemplate):
        return f"TEXT SEARCH TEMPLATE {qualify(obj.schema, obj.name)}"
    if isinstance(obj, Cast):
        return f"CAST ({obj.source} AS {obj.target})"
    if isinstance(obj, Operator):
        return f"OPERATOR {operator_signature_sql(obj)}"
    if isinstance(obj, OperatorFamily):
        return f"OPERATOR FAMILY {qualify(obj.schema, obj.name)} USING {quote_ident(obj.method)}"
    if isinstance(obj, OperatorClass):
        return f"OPERATOR CLASS {qualify(obj.schema, obj.name)} USING {quote_ident(obj.method)}"
    if isinstance(obj, (RangeType, BaseType)):
        return f"TYPE {qualify(obj.schema, obj.name)}"
    if isinstance(obj, EventTrigger):
        return f"EVENT TRIGGER {quote_ident(obj.name)}"
    if isinstance(obj, Publication):
        return f"PUBLICATION {quote_ident(obj.name)}"
    if isinstance(obj, Subscription):
        return f"SUBSCRIPTION {quote_ident(obj.name)}"
    if isinstance(obj, ForeignDataWrapper):
        return f"FOREIGN DATA WRAPPER {quote_ident(obj.name)}"
    if isinstance(obj, ForeignServer):
        return f"SERVER {quote_ident(obj.name)}"
    if isinstance(obj, UserMapping):
        return f"USER MAPPING FOR {user_mapping_user_sql(obj)} SERVER {quote_ident(obj.server)}"
    raise TypeError(f"no SQL name for {type(obj).__name__}")


# Kinds, in the order their creation runs (a kind may use the ones before it), with how each is made.
CREATORS = {
    Collation: create_collation_sql,
    RangeType: create_range_type_sql,
    BaseType: create_base_type_sql,
    TextSearchParser: create_ts_parser_sql,
    TextSearchTemplate: create_ts_template_sql,
    TextSearchDictionary: create_ts_dictionary_sql,
    TextSearchConfig: create_ts_config_sql,
    Cast: create_cast_sql,
    Operator: create_operator_sql,
    OperatorFamily: create_operator_family_sql,
    OperatorClass: create_operator_class_sql,
    ForeignDataWrapper: create_fdw_sql,
    ForeignServer: create_server_sql,
    UserMapping: create_user_mapping_sql,
    EventTrigger: create_event_trigger_sql,
    Publication: create_publication_sql,
    Subscription: create_subscription_sql,
}


def create_sql(obj: Any) -> list[str]:
    return CREATORS[type(obj)](obj)
