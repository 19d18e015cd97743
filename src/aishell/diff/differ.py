"""The one generic differ: compare two Schema models, object kind by object kind, into changes.

``diff_schemas(current, desired)`` says what must change in ``current`` (TARGET, the database to
change) to make it equal ``desired`` (SOURCE). It matches objects by key (schema and name; a
function by its signature), compares them field by field on canonical forms
(``aishell.diff.normalize``), ignores live statistics and notes in ``attrs``, and finds renames of
indexes and constraints (same definition, new name). Table and column renames are only *suspected*
(``ProbableRename``); they become renames when the caller confirms them (``renames``).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from typing import Any

from aishell.dialects.postgres.quote import qualify, quote_ident
from aishell.diff import changes as ch
from aishell.diff.changes import (
    Change,
    ChangeSet,
    GrantTarget,
    ProbableRename,
    ReplaceComment,
    TableConstraint,
)
from aishell.diff.normalize import (
    constraint_key,
    foreign_keys,
    index_signature,
    norm_def,
    norm_default,
    norm_type,
    norm_ws,
    table_constraints,
)
from aishell.errors import UserError
from aishell.model import Column, DefaultPrivilege, Function, Privilege, Schema, Table, View
from aishell.model.schema import AISHELL_TABLES as IGNORED_TABLES


def diff_schemas(current: Schema, desired: Schema, renames: Iterable[str] = (), *,
                 copy_current: bool = True) -> ChangeSet:
    """Changes that turn ``current`` into ``desired``. ``renames`` are ``old:new`` confirmations.

    The changes hold a deep copy of ``current`` (renames are applied to it); ``copy_current=False``
    skips the copy (a third of the diff's time on 375 tables) for a model nobody uses afterwards."""
    if copy_current or renames:
        current = copy.deepcopy(current)
    else:
        current = copy.copy(current)
    current.tables = [t for t in current.tables if (t.schema, t.name) not in IGNORED_TABLES]
    if any((t.schema, t.name) in IGNORED_TABLES for t in desired.tables):
        desired = copy.copy(desired)
        desired.tables = [t for t in desired.tables if (t.schema, t.name) not in IGNORED_TABLES]
    result = ChangeSet()
    for spec in renames:
        result.changes.append(_apply_rename(current, desired, spec))
    d = _Differ(current, desired, result)
    d.run()
    return result


# -- renames ------------------------------------------------------------------------------------------
def _find_table(schema: Schema, name: str) -> Table | None:
    if "." in name:
        s, n = name.split(".", 1)
        t = schema.table(n, s)
        if t:
            return t
    return schema.table(name, "public") or schema.table(name)


def _apply_rename(current: Schema, desired: Schema, spec: str) -> Change:
    """Apply ``old:new`` to ``current`` (a copy) and return the Rename change."""
    if ":" not in spec:
        raise UserError(f"--rename {spec!r}: expected OLD:NEW (a table, or table.column)")
    old, new = (p.strip() for p in spec.split(":", 1))
    table = _find_table(current, old)
    new_name = new.split(".")[-1]
    if table is not None and desired.table(new_name, table.schema) is not None:
        old_table = copy.deepcopy(table)
        _rename_table(current, table, new_name)
        return ch.RenameTable(old=old_table, new=copy.deepcopy(table))
    if table is not None and "." not in old:
        raise UserError(f"--rename {spec}: no table {new!r} in SOURCE")
    if "." not in old:
        raise UserError(f"--rename {spec}: no table {old!r} in TARGET (for a column give table.column)")
    tname, col = old.rsplit(".", 1)
    table = _find_table(current, tname)
    if table is None or table.column(col) is None:
        raise UserError(f"--rename {spec}: no column {old!r} in TARGET")
    new_col = new.rsplit(".", 1)[-1]
    dt = desired.table(table.name, table.schema)
    if dt is None or dt.column(new_col) is None:
        raise UserError(f"--rename {spec}: no column {table.name}.{new_col} in SOURCE")
    column = table.column(col)
    assert column is not None
    before = copy.deepcopy(column)
    _rename_column(table, col, new_col)
    return ch.RenameColumn(old=before, new=copy.deepcopy(column), parent=table.qualified_name)


def _replace_ident(text: str | None, old: str, new: str) -> str | None:
    if text is None:
        return None
    pattern = r'(?<![\w"])(' + re.escape(old) + r'|"' + re.escape(old) + r'")(?![\w"])'
    return re.sub(pattern, quote_ident(new), text)


def _rename_table(schema: Schema, table: Table, new: str) -> None:
    old = table.name
    table.name = new
    for t in schema.tables:
        for fk in t.foreign_keys:
            if fk.ref_table == old and fk.ref_schema == table.schema:
                fk.ref_table = new
                fk.definition = _replace_ident(fk.definition, old, new)
        if t.partition_of == f"{table.schema}.{old}":
            t.partition_of = f"{table.schema}.{new}"
        t.inherits = [f"{table.schema}.{new}" if p == f"{table.schema}.{old}" else p for p in t.inherits]
    for trg in table.triggers:
        trg.definition = _replace_ident(trg.definition, old, new)
    for idx in table.indexes:
        idx.definition = _replace_ident(idx.definition, old, new)


def _rename_column(table: Table, old: str, new: str) -> None:
    col = table.column(old)
    assert col is not None
    col.name = new
    table.primary_key = [new if c == old else c for c in table.primary_key]
    for fk in table.foreign_keys:
        fk.columns = [new if c == old else c for c in fk.columns]
        fk.definition = _replace_ident(fk.definition, old, new)
    for u in table.unique:
        u.columns = [new if c == old else c for c in u.columns]
        u.definition = _replace_ident(u.definition, old, new)
    for c in table.checks:
        c.expression = _replace_ident(c.expression, old, new) or ""
        c.definition = _replace_ident(c.definition, old, new)
    for x in table.exclusions:
        x.definition = _replace_ident(x.definition, old, new) or ""
    for idx in table.indexes:
        idx.columns = [new if c == old else c for c in idx.columns]
        idx.definition = _replace_ident(idx.definition, old, new)
    for trg in table.triggers:
        trg.definition = _replace_ident(trg.definition, old, new)
    for p in table.policies:
        p.using = _replace_ident(p.using, old, new)
        p.with_check = _replace_ident(p.with_check, old, new)


# -- the differ ---------------------------------------------------------------------------------------
def _by(items: Iterable[Any], key) -> dict[Any, Any]:
    return {key(i): i for i in items}


# What PUBLIC may do with an object whose ACL was never changed (an empty privilege list).
DEFAULT_PUBLIC = {"FUNCTION": "EXECUTE", "PROCEDURE": "EXECUTE", "AGGREGATE": "EXECUTE", "TYPE": "USAGE",
                  "DOMAIN": "USAGE"}


def privilege_atoms(privs: list[Privilege], owner: str | None = None, kind: str = "") -> set[tuple]:
    out = set()
    if not privs and kind in DEFAULT_PUBLIC:
        return {("PUBLIC", DEFAULT_PUBLIC[kind], False, None)}
    for p in privs:
        if owner and p.grantee == owner:
            continue
        for priv in p.privileges:
            cols = tuple(p.columns) or (None,)
            for c in cols:
                out.add((p.grantee, priv.upper(), bool(p.grantable), c))
    return out


def group_atoms(atoms: set[tuple]) -> list[Privilege]:
    groups: dict[tuple, list[str]] = {}
    for grantee, priv, grantable, col in sorted(atoms, key=lambda a: tuple(str(x) for x in a)):
        groups.setdefault((grantee, grantable, col), []).append(priv)
    return [Privilege(grantee=g, privileges=p, grantable=gr, columns=[c] if c else [])
            for (g, gr, c), p in groups.items()]


class _Differ:
    def __init__(self, current: Schema, desired: Schema, result: ChangeSet):
        self.a = current
        self.b = desired
        self.out = result

    def add(self, change: Change) -> None:
        self.out.changes.append(change)

    def run(self) -> None:
        self.namespaces()
        self.extensions()
        self.enums()
        self.domains()
        self.composites()
        self.sequences()
        self.functions()
        self.tables()
        self.views()
        self.catalog_objects()

    # helpers
    def comment(self, old: str | None, new: str | None, sql_kind: str, sql_name: str, label: str,
                parent: str | None = None) -> None:
        if (old or None) != (new or None):
            self.add(ReplaceComment(old=old, new=new, parent=parent, target=(sql_kind, sql_name), label=label))

    def grants(self, old_obj: Any, new_obj: Any, sql_kind: str, sql_name: str, label: str) -> None:
        owner = getattr(new_obj, "owner", None) or getattr(old_obj, "owner", None)
        a = privilege_atoms(old_obj.privileges, owner, sql_kind)
        b = privilege_atoms(new_obj.privileges, owner, sql_kind)
        for p in group_atoms(b - a):
            self.add(ch.Grant(new=GrantTarget(sql_kind, sql_name, label, p)))
        for p in group_atoms(a - b):
            self.add(ch.Revoke(old=GrantTarget(sql_kind, sql_name, label, p)))

    def pair(self, olds: Iterable[Any], news: Iterable[Any], key):
        a, b = _by(olds, key), _by(news, key)
        added = [b[k] for k in b if k not in a]
        dropped = [a[k] for k in a if k not in b]
        both = [(a[k], b[k]) for k in a if k in b]
        return added, dropped, both

    # object kinds
    def namespaces(self) -> None:
        added, dropped, both = self.pair(self.a.schemas, self.b.schemas, lambda n: n.name)
        used_b = {t.schema for t in self.b.tables} | {v.schema for v in self.b.views}
        for n in added:
            if n.name == "public":  # every database has it
                continue
            self.add(ch.AddSchema(new=n))
        for n in dropped:
            if n.name != "public" and n.name not in used_b:
                self.add(ch.DropSchema(old=n))
        for o, n in both:
            self.comment(o.comment, n.comment, "SCHEMA", quote_ident(n.name), f"schema {n.name}")
            self.grants(o, n, "SCHEMA", quote_ident(n.name), f"schema {n.name}")
        # Schemas the desired objects live in but the model does not list (designs): create them.
        have = {n.name for n in self.a.schemas} | {"public"} | {t.schema for t in self.a.tables}
        listed = {n.name for n in self.b.schemas}
        from aishell.model import Namespace

        for s in sorted(used_b - have - listed):
            self.add(ch.AddSchema(new=Namespace(name=s)))

    def extensions(self) -> None:
        added, dropped, both = self.pair(self.a.extensions, self.b.extensions, lambda e: e.name)
        for e in added:
            self.add(ch.AddExtension(new=e))
        for e in dropped:
            self.add(ch.DropExtension(old=e))
        for o, n in both:
            if n.version and o.version and n.version != o.version:
                self.add(ch.AlterExtension(old=o, new=n))

    def enums(self) -> None:
        added, dropped, both = self.pair(self.a.enums, self.b.enums, lambda e: (e.schema, e.name))
        for e in added:
            self.add(ch.AddEnum(new=e))
        for e in dropped:
            self.add(ch.DropEnum(old=e))
        for o, n in both:
            if o.values != n.values:
                self.add(ch.AlterEnum(old=o, new=n))
            sql = qualify(n.schema, n.name)
            self.comment(o.comment, n.comment, "TYPE", sql, f"type {n.schema}.{n.name}")
            self.grants(o, n, "TYPE", sql, f"type {n.schema}.{n.name}")

    def domains(self) -> None:
        added, dropped, both = self.pair(self.a.domains, self.b.domains, lambda e: (e.schema, e.name))
        for e in added:
            self.add(ch.AddDomain(new=e))
        for e in dropped:
            self.add(ch.DropDomain(old=e))
        for o, n in both:
            if (norm_type(o.type) != norm_type(n.type) or norm_default(o.default) != norm_default(n.default)
                    or o.not_null != n.not_null or _checks_of(o) != _checks_of(n)
                    or (o.collation or None) != (n.collation or None)):
                self.add(ch.AlterDomain(old=o, new=n))
            sql = qualify(n.schema, n.name)
            self.comment(o.comment, n.comment, "DOMAIN", sql, f"domain {n.schema}.{n.name}")
            self.grants(o, n, "DOMAIN", sql, f"domain {n.schema}.{n.name}")

    def composites(self) -> None:
        added, dropped, both = self.pair(self.a.composite_types, self.b.composite_types,
                                         lambda e: (e.schema, e.name))
        for e in added:
            self.add(ch.AddCompositeType(new=e))
        for e in dropped:
            self.add(ch.DropCompositeType(old=e))
        for o, n in both:
            if [(c.name, norm_type(c.type)) for c in o.attributes] != [(c.name, norm_type(c.type))
                                                                         for c in n.attributes]:
                self.add(ch.AlterCompositeType(old=o, new=n))
            sql = qualify(n.schema, n.name)
            self.comment(o.comment, n.comment, "TYPE", sql, f"type {n.schema}.{n.name}")

    def sequences(self) -> None:
        added, dropped, both = self.pair(self.a.sequences, self.b.sequences, lambda e: (e.schema, e.name))
        for e in added:
            self.add(ch.AddSequence(new=e))
        for e in dropped:
            self.add(ch.DropSequence(old=e))
        for o, n in both:
            fields = ("increment", "min_value", "max_value", "cache", "cycle", "start", "owned_by")
            if any(getattr(o, f) != getattr(n, f) for f in fields) or norm_type(o.type) != norm_type(n.type):
                self.add(ch.AlterSequence(old=o, new=n))
            sql = qualify(n.schema, n.name)
            self.comment(o.comment, n.comment, "SEQUENCE", sql, f"sequence {n.schema}.{n.name}")
            self.grants(o, n, "SEQUENCE", sql, f"sequence {n.schema}.{n.name}")

    def functions(self) -> None:
        added, dropped, both = self.pair(self.a.functions, self.b.functions, lambda f: f.signature)
        for f in added:
            self.add(ch.AddFunction(new=f))
        for f in dropped:
            self.add(ch.DropFunction(old=f))
        for o, n in both:
            if norm_def(o.definition) != norm_def(n.definition) or o.kind != n.kind:
                self.add(ch.AlterFunction(old=o, new=n))
            sql = function_sql_name(n)
            kind = "PROCEDURE" if n.kind == "procedure" else ("AGGREGATE" if n.kind == "aggregate" else "FUNCTION")
            self.comment(o.comment, n.comment, kind, sql, f"function {n.signature}")
            self.grants(o, n, kind if kind != "AGGREGATE" else "FUNCTION", sql, f"function {n.signature}")

    def tables(self) -> None:
        added, dropped, both = self.pair(self.a.tables, self.b.tables, lambda t: (t.schema, t.name))
        self._suspect_table_renames(added, dropped)
        for t in added:
            self.add(ch.AddTable(new=t))
        for t in dropped:
            self.add(ch.DropTable(old=t))
        for o, n in both:
            self.table(o, n)

    def _suspect_table_renames(self, added: list[Table], dropped: list[Table]) -> None:
        def shape(t: Table) -> tuple:
            return tuple(sorted((c.name, norm_type(c.type)) for c in t.columns))

        for d in dropped:
            matches = [a for a in added if a.schema == d.schema and shape(a) == shape(d)]
            if len(matches) == 1:
                self.out.probable_renames.append(ProbableRename("table", d.qualified_name, matches[0].name))

    def table(self, o: Table, n: Table) -> None:
        qn = n.qualified_name
        tsql = qualify(n.schema, n.name)
        # columns
        added, dropped, both = self.pair(o.columns, n.columns, lambda c: c.name)
        for c in dropped:
            matches = [a for a in added if norm_type(a.type) == norm_type(c.type)]
            if len(matches) == 1:
                self.out.probable_renames.append(ProbableRename("column", f"{qn}.{c.name}", matches[0].name))
        for c in added:
            self.add(ch.AddColumn(new=c, parent=qn))
        for c in dropped:
            self.add(ch.DropColumn(old=c, parent=qn))
        for oc, nc in both:
            if column_differs(oc, nc):
                self.add(ch.AlterColumn(old=oc, new=nc, parent=qn))
            self.comment(oc.comment, nc.comment, "COLUMN", f"{tsql}.{quote_ident(nc.name)}",
                         f"column {qn}.{nc.name}", parent=qn)
        # table-level properties
        if table_props(o) != table_props(n):
            self.add(ch.AlterTable(old=o, new=n, parent=qn))
        self.comment(o.comment, n.comment, "TABLE", tsql, f"table {qn}", parent=qn)
        self.grants(o, n, "TABLE", tsql, f"table {qn}")
        # constraints
        self.constraints(table_constraints(o), table_constraints(n), qn, ch.AddConstraint, ch.DropConstraint,
                         ch.AlterConstraint, tsql)
        self.constraints(foreign_keys(o), foreign_keys(n), qn, ch.AddForeignKey, ch.DropForeignKey,
                         ch.AlterForeignKey, tsql)
        # indexes (those backing constraints come with the constraint)
        self.indexes(o, n, qn, tsql)
        # triggers, rules and policies
        self.triggers(o.triggers, n.triggers, qn)
        self.rules(o, n, qn)
        self.statistics(o, n, qn)
        added_p, dropped_p, both_p = self.pair(o.policies, n.policies, lambda p: p.name)
        for p in added_p:
            self.add(ch.AddPolicy(new=p, parent=qn))
        for p in dropped_p:
            self.add(ch.DropPolicy(old=p, parent=qn))
        for op, np_ in both_p:
            if policy_key(op) != policy_key(np_):
                self.add(ch.AlterPolicy(old=op, new=np_, parent=qn))
            self.comment(op.comment, np_.comment, "POLICY", f"{quote_ident(np_.name)} ON {tsql}",
                         f"policy {np_.name} on {qn}", parent=qn)

    def constraints(self, olds: list[TableConstraint], news: list[TableConstraint], qn: str, add, drop, alter,
                    tsql: str) -> None:
        added, dropped, both = self.pair(olds, news, lambda c: c.name)
        # Same definition under another name: a rename.
        for d in list(dropped):
            match = next((a for a in added if constraint_key(a) == constraint_key(d) and a.kind == d.kind), None)
            if match is not None:
                added.remove(match)
                dropped.remove(d)
                self.add(ch.RenameConstraint(old=(qn, d), new=(qn, match), parent=qn))
                both.append((d, match))
        for c in added:
            self.add(add(new=c, parent=qn))
        for c in dropped:
            self.add(drop(old=c, parent=qn))
        for o, n in both:
            if constraint_key(o) != constraint_key(n) or o.kind != n.kind or o.valid != n.valid:
                self.add(alter(old=o, new=n, parent=qn))
            if o.name == n.name and (o.comment or None) != (n.comment or None):
                self.comment(o.comment, n.comment, "CONSTRAINT", f"{quote_ident(n.name)} ON {tsql}",
                             f"constraint {n.name} on {qn}", parent=qn)

    def indexes(self, o: Table | View, n: Table | View, qn: str, tsql: str) -> None:
        olds = [i for i in o.indexes if not i.constraint]
        news = [i for i in n.indexes if not i.constraint]
        added, dropped, both = self.pair(olds, news, lambda i: i.name)
        for d in list(dropped):
            sig = index_signature(tsql, d)
            match = next((a for a in added if index_signature(tsql, a) == sig), None)
            if match is not None:
                added.remove(match)
                dropped.remove(d)
                self.add(ch.RenameIndex(old=d, new=match, parent=qn))
                both.append((d, match))
        for i in added:
            self.add(ch.AddIndex(new=i, parent=qn))
        for i in dropped:
            self.add(ch.DropIndex(old=i, parent=qn))
        for oi, ni in both:
            if index_signature(tsql, oi) != index_signature(tsql, ni) or not oi.valid and ni.valid:
                self.add(ch.AlterIndex(old=oi, new=ni, parent=qn))
            self.comment(oi.comment if oi.name == ni.name else ni.comment, ni.comment, "INDEX",
                         qualify(n.schema, ni.name), f"index {ni.name}", parent=qn)

    def triggers(self, olds, news, qn: str) -> None:
        added, dropped, both = self.pair(olds, news, lambda t: t.name)
        for t in added:
            self.add(ch.AddTrigger(new=t, parent=qn))
        for t in dropped:
            self.add(ch.DropTrigger(old=t, parent=qn))
        for o, n in both:
            if trigger_key(o) != trigger_key(n) or o.enabled != n.enabled:
                self.add(ch.AlterTrigger(old=o, new=n, parent=qn))

    def catalog_objects(self) -> None:
        """The object kinds of format 2: matched by key, equal when every field but the comment (and
        the owner, which the differ leaves to the database) is equal."""
        from aishell.dialects.postgres import objects as ob

        for attr, cls_name, key in CATALOG_KINDS:
            added, dropped, both = self.pair(getattr(self.a, attr), getattr(self.b, attr), key)
            for o in added:
                self.add(ch.CHANGE_TYPES[f"Add{cls_name}"](new=o))
            for o in dropped:
                self.add(ch.CHANGE_TYPES[f"Drop{cls_name}"](old=o))
            for o, n in both:
                if catalog_key(o) != catalog_key(n):
                    self.add(ch.CHANGE_TYPES[f"Alter{cls_name}"](old=o, new=n))
                if hasattr(n, "comment"):
                    target = ob.object_target(n)
                    kind, _, name = _split_target(target)
                    self.comment(o.comment, n.comment, kind, name, f"{ch.object_name(n)}")
                if hasattr(n, "privileges") and not isinstance(n, DefaultPrivilege) and catalog_key(o) == catalog_key(n):
                    if cls_name in ("ForeignDataWrapper", "ForeignServer"):
                        kind = "FOREIGN DATA WRAPPER" if cls_name == "ForeignDataWrapper" else "FOREIGN SERVER"
                        self.grants(o, n, kind, quote_ident(n.name), ch.object_name(n))
                    else:
                        self.grants(o, n, "TYPE", qualify(n.schema, n.name), ch.object_name(n))

    def statistics(self, o: Table, n: Table, qn: str) -> None:
        """Extended statistics objects (``CREATE STATISTICS``), kept on their table's attrs."""
        def entries(t: Table) -> list[dict]:
            return [e for e in t.attrs.get("statistics") or [] if isinstance(e, dict) and e.get("definition")]

        added, dropped, both = self.pair(entries(o), entries(n), lambda e: (e.get("schema") or "", e.get("name")))
        for e in added:
            self.add(ch.AddStatistics(new=e, parent=qn))
        for e in dropped:
            self.add(ch.DropStatistics(old=e, parent=qn))
        for a, b in both:
            if norm_def(a["definition"]) != norm_def(b["definition"]):
                self.add(ch.AlterStatistics(old=a, new=b, parent=qn))
            if (a.get("comment") or None) != (b.get("comment") or None):
                self.comment(a.get("comment"), b.get("comment"), "STATISTICS",
                             qualify(b.get("schema") or n.schema, b["name"]), f"statistics {b['name']}", parent=qn)

    def rules(self, o: Table | View, n: Table | View, qn: str) -> None:
        added, dropped, both = self.pair(o.rules, n.rules, lambda r: r.name)
        for r in added:
            self.add(ch.AddRule(new=r, parent=qn))
        for r in dropped:
            self.add(ch.DropRule(old=r, parent=qn))
        for a, b in both:
            if norm_def(a.definition) != norm_def(b.definition) or a.enabled != b.enabled:
                self.add(ch.AlterRule(old=a, new=b, parent=qn))
            self.comment(a.comment, b.comment, "RULE", f"{quote_ident(b.name)} ON {qualify(*_split_qn(qn))}",
                         f"rule {b.name} on {qn}", parent=qn)

    def views(self) -> None:
        added, dropped, both = self.pair(self.a.views, self.b.views, lambda v: (v.schema, v.name))
        for v in added:
            self.add(ch.AddView(new=v))
        for v in dropped:
            self.add(ch.DropView(old=v))
        for o, n in both:
            if view_key(o) != view_key(n):
                self.add(ch.AlterView(old=o, new=n))
                continue  # recreated whole: comments, grants, indexes and triggers come with it
            qn = n.qualified_name
            vsql = qualify(n.schema, n.name)
            kind = "MATERIALIZED VIEW" if n.materialized else "VIEW"
            self.comment(o.comment, n.comment, kind, vsql, f"view {qn}", parent=qn)
            for col in sorted(set(o.column_comments) | set(n.column_comments)):
                self.comment(o.column_comments.get(col), n.column_comments.get(col), "COLUMN",
                             f"{vsql}.{quote_ident(col)}", f"column {qn}.{col}", parent=qn)
            self.grants(o, n, "TABLE", vsql, f"view {qn}")
            self.indexes(o, n, qn, vsql)
            self.triggers(o.triggers, n.triggers, qn)
            self.rules(o, n, qn)


def _checks_of(domain) -> list[tuple]:
    return sorted((c.name or "", norm_ws(c.definition or c.expression)) for c in domain.checks)


def column_differs(o: Column, n: Column) -> bool:
    return column_key(o) != column_key(n)


def column_key(c: Column) -> tuple:
    opts = {k: v for k, v in c.identity_options.items() if k != "sequence_name"}
    default = None if (c.identity or c.generated) else norm_default(c.default)
    return (norm_type(c.type), bool(c.nullable), default, c.identity, opts if c.identity else {},
            norm_ws(c.generated), (c.generated_kind or "stored") if c.generated else None,
            c.collation if c.collation not in (None, "default") else None)


def identity_options_differ(o: Column, n: Column) -> bool:
    a = {k: v for k, v in o.identity_options.items() if k != "sequence_name"}
    b = {k: v for k, v in n.identity_options.items() if k != "sequence_name"}
    return bool(a and b and a != b)


def table_props(t: Table) -> tuple:
    return (t.rls_enabled, t.rls_forced, t.unlogged, sorted(t.options), t.partition_by and norm_ws(t.partition_by),
            t.partition_of, norm_ws(t.partition_bound), sorted(t.inherits))


def policy_key(p) -> tuple:
    return (p.command.upper(), p.permissive, sorted(p.roles), norm_ws(p.using), norm_ws(p.with_check))


def trigger_key(t) -> tuple:
    if t.definition:
        return (norm_def(t.definition),)
    return (t.timing, tuple(t.events), t.function, t.for_each, norm_ws(t.when))


def view_key(v: View) -> tuple:
    return (v.materialized, norm_def(v.definition), sorted(v.options), v.with_data if v.materialized else True)


def function_sql_name(f: Function) -> str:
    return f"{qualify(f.schema, f.name)}({f.identity_args})"


# The format-2 kinds: (Schema attribute, change class stem, key).
CATALOG_KINDS = [
    ("collations", "Collation", lambda o: (o.schema, o.name)),
    ("range_types", "RangeType", lambda o: (o.schema, o.name)),
    ("base_types", "BaseType", lambda o: (o.schema, o.name)),
    ("text_search_parsers", "TextSearchParser", lambda o: (o.schema, o.name)),
    ("text_search_templates", "TextSearchTemplate", lambda o: (o.schema, o.name)),
    ("text_search_dictionaries", "TextSearchDictionary", lambda o: (o.schema, o.name)),
    ("text_search_configs", "TextSearchConfig", lambda o: (o.schema, o.name)),
    ("casts", "Cast", lambda o: (o.source, o.target)),
    ("operators", "Operator", lambda o: o.signature),
    ("operator_families", "OperatorFamily", lambda o: (o.schema, o.name, o.method)),
    ("operator_classes", "OperatorClass", lambda o: (o.schema, o.name, o.method)),
    ("foreign_data_wrappers", "ForeignDataWrapper", lambda o: o.name),
    ("foreign_servers", "ForeignServer", lambda o: o.name),
    ("user_mappings", "UserMapping", lambda o: (o.user, o.server)),
    ("publications", "Publication", lambda o: o.name),
    ("subscriptions", "Subscription", lambda o: o.name),
    ("event_triggers", "EventTrigger", lambda o: o.name),
    ("default_privileges", "DefaultPrivilege", lambda o: (o.role, o.schema or "", o.object_type)),
]


def catalog_key(o: Any) -> tuple:
    """Every field but comment, owner and privileges (compared on their own), live notes left out."""
    import dataclasses

    out = []
    for f in dataclasses.fields(o):
        if f.name in ("comment", "owner", "attrs") or (f.name == "privileges" and not isinstance(o, DefaultPrivilege)):
            continue
        value = getattr(o, f.name)
        if f.name == "privileges":
            value = sorted(privilege_atoms(value))
        out.append((f.name, repr(value)))
    return tuple(out)


def _split_target(target: str) -> tuple[str, str, str]:
    """``TEXT SEARCH CONFIGURATION public.x`` into its kind words and the name, as ReplaceComment wants."""
    for kind in ("TEXT SEARCH CONFIGURATION", "TEXT SEARCH DICTIONARY", "TEXT SEARCH PARSER",
                 "TEXT SEARCH TEMPLATE", "FOREIGN DATA WRAPPER", "OPERATOR FAMILY", "OPERATOR CLASS",
                 "EVENT TRIGGER", "USER MAPPING"):
        if target.startswith(kind + " "):
            return kind, " ", target[len(kind) + 1:]
    kind, _, name = target.partition(" ")
    return kind, " ", name


def _split_qn(qn: str) -> tuple[str, str]:
    schema, _, name = qn.partition(".")
    return schema, name
