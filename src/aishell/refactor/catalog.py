"""The refactors besides multi-tenant, one small class each (registered by ``@register``).

Each returns the schema after (the model the verification compares the migrated copy with), the
statements up — data steps included — and, where the planner's diff would lose rows (a dropped column
whose values moved, a table folded into another), its own statements down.
"""

from __future__ import annotations

import copy
import re
from dataclasses import replace

from aishell.dialects.postgres import generate as g
from aishell.dialects.postgres.quote import qualify, quote_ident, quote_ident_list, quote_literal
from aishell.diff import hazards as hz
from aishell.diff import render as r
from aishell.diff.backfill import batched_fill
from aishell.errors import UserError
from aishell.model import (
    CheckConstraint,
    Column,
    ForeignKey,
    Function,
    Index,
    Schema,
    Table,
    Trigger,
    UniqueConstraint,
    View,
)
from aishell.refactor.base import (
    Preserve,
    Refactor,
    Refactoring,
    Request,
    find_table,
    knowledge,
    mentioned_columns,
    mentioned_tables,
    register,
    row_estimate,
    stmt,
    user_tables,
)


def _q(t: Table) -> str:
    return qualify(t.schema, t.name)


def _targets(schema: Schema, request: Request, *, at_least: int = 1) -> list[Table]:
    """Tables named as arguments or --table, else those the text mentions."""
    names = list(request.targets) + list(request.option("tables", []))
    if names:
        return [
            find_table(schema, n.split(".")[0] if n.count(".") == 1 and schema.table(n) is None else n)
            for n in names
        ]
    found = mentioned_tables(schema, request.text)
    return found


def _views_using(schema: Schema, t: Table, columns: list[str] | None = None) -> list[View]:
    out = []
    for v in schema.views:
        body = v.definition or ""
        reads = t.qualified_name in v.depends_on or re.search(
            rf"(?<![\w$]){re.escape(t.name)}(?![\w$])", body
        )
        if reads and (
            columns is None or any(re.search(rf"(?<![\w$]){re.escape(c)}(?![\w$])", body) for c in columns)
        ):
            out.append(v)
    return out


def _single_pk(t: Table) -> str:
    if len(t.primary_key) != 1:
        raise UserError(f"{t.name} needs a single-column primary key for this refactor")
    return t.primary_key[0]


def _row_digest(alias_sql: str, exprs: list[str], order: str) -> str:
    """One md5 over rows (an order-independent digest of the listed expressions)."""
    row = "ROW(" + ", ".join(exprs) + ")::text"
    return f"SELECT md5(coalesce(string_agg(md5({row}), '' ORDER BY md5({row})), '')) FROM {alias_sql}"


# ------------------------------------------------------------------------------------------------------------
@register
class SoftDelete(Refactor):
    name = "soft-delete"

    def plan(self, schema: Schema, request: Request) -> Refactoring:
        tables = _targets(schema, request)
        assumed = []
        if not tables:
            lookups = set(knowledge()["lookup_tables"])
            tables = [
                t
                for t in user_tables(schema)
                if t.primary_key
                and t.column("deleted_at") is None
                and t.name not in lookups
                and not t.partition_by
            ]
            assumed.append(
                "no table named: every table with a primary key gets soft delete "
                f"({', '.join(t.name for t in tables)}); name tables to limit it"
            )
        tables = [t for t in tables if t.column("deleted_at") is None]
        if not tables:
            raise UserError("every named table has deleted_at already: nothing to do")
        out = copy.deepcopy(schema)
        up, changes, notes = [], [], []
        for t in tables:
            tsql = _q(t)
            ot = out.table(t.name, t.schema)
            col = Column(
                "deleted_at",
                "timestamp with time zone",
                comment="Soft delete: when the row was deleted; NULL means live",
            )
            ot.columns.append(col)
            up.append(
                stmt(
                    f"ALTER TABLE {tsql} ADD COLUMN deleted_at timestamp with time zone",
                    f"add {t.name}.deleted_at (no default: no rewrite)",
                    hazards=[hz.lock("brief ACCESS EXCLUSIVE")],
                )
            )
            up.append(stmt(g.comment_sql(f"COLUMN {tsql}.deleted_at", col.comment)))
            details = [f"{t.name}.deleted_at timestamptz (NULL = live)"]
            referenced = {
                tuple(fk.ref_columns)
                for x in schema.tables
                for fk in x.foreign_keys
                if fk.ref_table == t.name and fk.ref_schema == t.schema
            }
            for u in list(t.unique):
                if tuple(u.columns) in referenced or u.deferrable:
                    notes.append(
                        f"{t.name}: unique ({', '.join(u.columns)}) stays over every row (a foreign key "
                        "uses it): a deleted row's value cannot be reused"
                    )
                    continue
                name = u.name or f"{t.name}_{'_'.join(u.columns)}_key"
                tmp = name[:58] + "_live"
                idx = Index(
                    name,
                    list(u.columns),
                    unique=True,
                    where="deleted_at IS NULL",
                    nulls_not_distinct=u.nulls_not_distinct,
                    include=list(u.include),
                    comment=f"unique among live rows ({', '.join(u.columns)})",
                )
                up.append(
                    stmt(
                        r.index_sql(tsql, replace(idx, name=tmp), concurrently=True),
                        f"{t.name}: unique ({', '.join(u.columns)}) among live rows only",
                        hazards=[hz.index_build()],
                        transactional=False,
                        long_running=True,
                    )
                )
                up.append(
                    stmt(
                        f"ALTER TABLE {tsql} DROP CONSTRAINT {quote_ident(name)}",
                        f"{t.name}: the unique index replaces constraint {name}",
                    )
                )
                up.append(stmt(f"ALTER INDEX {qualify(t.schema, tmp)} RENAME TO {quote_ident(name)}"))
                up.append(stmt(g.comment_sql(f"INDEX {qualify(t.schema, name)}", idx.comment)))
                ot.unique = [x for x in ot.unique if x.name != u.name]
                ot.indexes.append(idx)
                details.append(
                    f"unique ({', '.join(u.columns)}) among live rows (a deleted row's value can be reused)"
                )
            vname = f"active_{t.name}"[:63]
            if schema.view(vname, t.schema) is None:
                body = f"SELECT * FROM {tsql} WHERE deleted_at IS NULL"
                cols = [c.name for c in ot.columns]
                view = View(
                    vname,
                    t.schema,
                    f" SELECT {', '.join(quote_ident(c) for c in cols)}\n   FROM {tsql}\n"
                    f"  WHERE (deleted_at IS NULL);",
                    columns=cols,
                    comment=f"Live rows of {t.name} (not soft-deleted)",
                    options=["security_invoker=true"] if t.rls_enabled else [],
                )
                out.views.append(view)
                opts = " WITH (security_invoker = true)" if t.rls_enabled else ""
                up.append(
                    stmt(
                        f"CREATE VIEW {qualify(t.schema, vname)}{opts} AS {body}",
                        f"view {vname}: the live rows of {t.name}",
                    )
                )
                up.append(stmt(g.comment_sql(f"VIEW {qualify(t.schema, vname)}", view.comment)))
                details.append(f"view {vname} (live rows)")
            changes.append((f"Soft delete on {t.name}", details))
        return Refactoring(
            name=self.name,
            title="Soft Delete",
            desired=out,
            up=up,
            current_line="Rows are deleted with DELETE (gone for good)",
            target_line=f"Rows are marked deleted (deleted_at) on {len(tables)} table(s)",
            strategy="Add a nullable deleted_at (no rewrite), keep uniqueness among live rows, and a view of the "
            "live rows",
            changes=changes,
            notes=notes,
            assumptions=assumed,
            app_changes=[
                "delete with UPDATE ... SET deleted_at = now() instead of DELETE",
                "read live rows through the active_* views or with WHERE deleted_at IS NULL",
                "ON DELETE CASCADE foreign keys no longer fire on a soft delete: mark children too",
            ],
            params={"tables": [t.name for t in tables]},
        )


# ------------------------------------------------------------------------------------------------------------
AUDIT_FUNCTION = """CREATE OR REPLACE FUNCTION {fn}() RETURNS trigger
LANGUAGE plpgsql
AS $audit$
BEGIN
    INSERT INTO {log} (table_name, action, row_data, old_data, app_user)
    VALUES (TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME, TG_OP,
            CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE to_jsonb(NEW) END,
            CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE to_jsonb(OLD) END,
            NULLIF(current_setting('app.current_user_id', true), ''));
    RETURN NULL;
END
$audit$"""


@register
class AuditTrail(Refactor):
    name = "audit-trail"

    def plan(self, schema: Schema, request: Request) -> Refactoring:
        log_name = request.option("name") or "audit_log"
        tables = [t for t in _targets(schema, request) if t.name != log_name]
        assumed = []
        if not tables:
            tables = [
                t
                for t in user_tables(schema)
                if t.name != log_name and not t.partition_by and not t.name.startswith("audit")
            ]
            assumed.append(f"no table named: every table is audited ({', '.join(t.name for t in tables)})")
        existing = schema.table(log_name)
        if existing is not None and existing.column("row_data") is None:
            raise UserError(f"a table {log_name} exists with other columns: choose another name with --name")
        out = copy.deepcopy(schema)
        up, details = [], []
        fn = f"{log_name}_row"
        log_sql = qualify("public", log_name)
        fn_sql = qualify("public", fn)
        if existing is None:
            log = Table(
                log_name,
                columns=[
                    Column("id", "bigint", nullable=False, identity="always"),
                    Column("table_name", "text", nullable=False, comment="schema.table the row belongs to"),
                    Column("action", "text", nullable=False, comment="INSERT, UPDATE or DELETE"),
                    Column("row_data", "jsonb", comment="The row after the change (NULL for DELETE)"),
                    Column("old_data", "jsonb", comment="The row before the change (NULL for INSERT)"),
                    Column(
                        "changed_by",
                        "text",
                        nullable=False,
                        default="CURRENT_USER",
                        comment="Database role that made the change",
                    ),
                    Column("app_user", "text", comment="The application's user, from app.current_user_id"),
                    Column("changed_at", "timestamp with time zone", nullable=False, default="now()"),
                ],
                primary_key=["id"],
                primary_key_name=f"{log_name}_pkey",
                checks=[
                    CheckConstraint(
                        f"{log_name}_action_check",
                        "action = ANY (ARRAY['INSERT'::text, 'UPDATE'::text, 'DELETE'::text])",
                    )
                ],
                indexes=[Index(f"{log_name}_table_name_changed_at_idx", ["table_name", "changed_at"])],
                comment="Audit trail: one row per insert, update and delete of the audited tables",
            )
            out.tables.append(log)
            gen = g.PostgresGenerator(out)
            up.append(stmt(r.create_table_sql(gen, log, [], None), f"add the audit table {log_name}"))
            up.append(stmt(r.index_sql(log_sql, log.indexes[0]), "index: a table's changes by time"))
            up.append(stmt(g.comment_sql(f"TABLE {log_sql}", log.comment)))
            for c in log.columns:
                if c.comment:
                    up.append(stmt(g.comment_sql(f"COLUMN {log_sql}.{quote_ident(c.name)}", c.comment)))
            details.append(
                f"table {log_name}: table, action, row after, row before, role, application user, time"
            )
        body = AUDIT_FUNCTION.format(fn=fn_sql, log=log_sql)
        if schema.functions and any(f.name == fn for f in schema.functions):
            raise UserError(f"a function {fn} exists already: choose another audit table name with --name")
        out.functions.append(
            Function(
                fn,
                "public",
                "function",
                "",
                "",
                "trigger",
                "plpgsql",
                "VOLATILE",
                body,
                comment="Writes one audit row per changed row (aishell refactor)",
            )
        )
        up.append(stmt(body, f"trigger function {fn}"))
        up.append(
            stmt(
                g.comment_sql(
                    f"FUNCTION {fn_sql}()", "Writes one audit row per changed row (aishell refactor)"
                )
            )
        )
        for t in tables:
            ot = out.table(t.name, t.schema)
            trg = Trigger(
                f"{t.name}_audit"[:63],
                "AFTER",
                ["INSERT", "UPDATE", "DELETE"],
                f"public.{fn}",
                comment=f"Audit trail of {t.name}",
            )
            if any(x.name == trg.name for x in t.triggers):
                continue
            ot.triggers.append(trg)
            up.append(
                stmt(
                    g.create_trigger_sql(trg, _q(t)),
                    f"audit {t.name}",
                    hazards=[hz.lock("SHARE ROW EXCLUSIVE, briefly (writes wait for it)")],
                )
            )
            up.append(stmt(g.comment_sql(f"TRIGGER {quote_ident(trg.name)} ON {_q(t)}", trg.comment)))
            details.append(f"{t.name}: trigger {trg.name} after insert, update, delete")
        return Refactoring(
            name=self.name,
            title="Audit Trail",
            desired=out,
            up=up,
            current_line="Changes leave no trace",
            target_line=f"Every change to {len(tables)} table(s) logged in {log_name}",
            strategy="One audit table and AFTER ... FOR EACH ROW triggers writing the old and new row as jsonb",
            changes=[(f"Audit trail in {log_name}", details)],
            assumptions=assumed,
            app_changes=[
                (
                    "optional: SET app.current_user_id = '<user>' per session so the log names the "
                    "application user, not only the database role"
                )
            ],
            impact=[
                (
                    "every insert, update and delete of an audited table writes one more row (about the row's size "
                    "in jsonb, twice for updates): write-heavy tables pay for it"
                )
            ],
            params={"tables": [t.name for t in tables], "log_table": log_name},
        )


# ------------------------------------------------------------------------------------------------------------
@register
class ExtractLookup(Refactor):
    name = "extract-lookup"

    def plan(self, schema: Schema, request: Request) -> Refactoring:
        spec = request.option("column") or next((x for x in request.targets if "." in x), None)
        t, column = None, None
        if spec:
            tname, _, column = spec.rpartition(".")
            t = find_table(schema, tname)
        else:
            for cand in mentioned_tables(schema, request.text):
                cols = [c for c in mentioned_columns(cand, request.text) if c not in cand.primary_key]
                if cols:
                    t, column = cand, cols[0]
                    break
        if t is None or column is None:
            raise UserError(
                "which column? give TABLE.COLUMN, e.g. aishell schema refactor extract-lookup orders.status"
            )
        col = t.column(column)
        if col is None:
            raise UserError(f"{t.name} has no column {column}")
        if not re.search(r"char|text", col.type, re.IGNORECASE):
            raise UserError(f"{t.name}.{column} is {col.type}: a lookup is extracted from a text column")
        views = _views_using(schema, t, [column])
        if views:
            raise UserError(
                f"view(s) {', '.join(v.name for v in views)} read {t.name}.{column}: change them first"
            )
        as_enum = (request.option("as") == "enum") or (
            request.option("as") is None and "enum" in request.words()
        )
        from aishell.design.parser import plural

        default_name = plural(column) if not column.endswith("s") else f"{column}_values"
        if as_enum:
            default_name = f"{t.name}_{column}"
        name = request.option("name") or default_name
        if as_enum:
            return _extract_enum(schema, t, col, name, request)
        return _extract_table(schema, t, col, name)


def _extract_table(schema: Schema, t: Table, col: Column, name: str) -> Refactoring:
    if schema.table(name) is not None:
        raise UserError(f"a table {name} exists already: choose the lookup's name with --name")
    pk = _single_pk(t)
    out = copy.deepcopy(schema)
    ot = out.table(t.name, t.schema)
    tsql = _q(t)
    lsql = qualify(t.schema, name)
    new_col = f"{col.name}_id"
    if t.column(new_col) is not None:
        raise UserError(f"{t.name} has a column {new_col} already")
    lookup = Table(
        name,
        t.schema,
        columns=[
            Column("id", "bigint", nullable=False, identity="always"),
            Column("name", "text", nullable=False, comment=f"A value of {t.name}.{col.name}"),
        ],
        primary_key=["id"],
        primary_key_name=f"{name}_pkey",
        unique=[UniqueConstraint(f"{name}_name_key", ["name"])],
        comment=f"Lookup: the values of {t.name}.{col.name} (aishell refactor extract-lookup)",
    )
    out.tables.append(lookup)
    gen = g.PostgresGenerator(out)
    up = [
        stmt(r.create_table_sql(gen, lookup, [], None), f"add the lookup table {name}"),
        stmt(g.comment_sql(f"TABLE {lsql}", lookup.comment)),
        stmt(g.comment_sql(f"COLUMN {lsql}.name", lookup.columns[1].comment)),
        stmt(
            f"INSERT INTO {lsql} (name) SELECT DISTINCT {quote_ident(col.name)} FROM {tsql} "
            f"WHERE {quote_ident(col.name)} IS NOT NULL ORDER BY 1",
            f"{name}: every distinct value",
        ),
        stmt(
            f"ALTER TABLE {tsql} ADD COLUMN {quote_ident(new_col)} bigint",
            f"add {t.name}.{new_col}",
            hazards=[hz.lock("brief ACCESS EXCLUSIVE")],
        ),
    ]
    fill = batched_fill(
        t, tsql, quote_ident(new_col), "p.id", (lsql, f"p.name = t.{quote_ident(col.name)}"), "", "fk"
    )
    up.append(
        stmt(
            fill.sql,
            f"fill {t.name}.{new_col} from {name}",
            transactional=not fill.batched,
            long_running=True,
            hazards=[hz.info("backfill", "ROW EXCLUSIVE; row locks per batch")],
        )
    )
    fk_name = f"{t.name}_{new_col}_fkey"[:63]
    up += [
        stmt(
            f"ALTER TABLE {tsql} ADD CONSTRAINT {quote_ident(fk_name)} FOREIGN KEY ({quote_ident(new_col)}) "
            f"REFERENCES {lsql}(id) NOT VALID",
            f"{t.name}.{new_col} references {name}",
        ),
        stmt(
            f"ALTER TABLE {tsql} VALIDATE CONSTRAINT {quote_ident(fk_name)}",
            "",
            long_running=True,
            alone=True,
            hazards=[hz.scan("SHARE UPDATE EXCLUSIVE scan")],
        ),
    ]
    if not col.nullable:
        cname = quote_ident(f"{t.name}_{new_col}_nn_check"[:63])
        up += [
            stmt(
                f"ALTER TABLE {tsql} ADD CONSTRAINT {cname} CHECK ({quote_ident(new_col)} IS NOT NULL) NOT VALID"
            ),
            stmt(f"ALTER TABLE {tsql} VALIDATE CONSTRAINT {cname}", "", long_running=True, alone=True),
            stmt(f"ALTER TABLE {tsql} ALTER COLUMN {quote_ident(new_col)} SET NOT NULL"),
            stmt(f"ALTER TABLE {tsql} DROP CONSTRAINT {cname}"),
        ]
    idx_name = f"{t.name}_{new_col}_idx"[:63]
    index = Index(idx_name, [new_col])
    up.append(
        stmt(
            r.index_sql(tsql, index, concurrently=True),
            f"index {t.name}.{new_col}",
            transactional=False,
            long_running=True,
            hazards=[hz.index_build()],
        )
    )
    # what used the old column goes with it; indexes on it alone move to the new one
    moved = []
    for idx in t.indexes:
        if not idx.constraint and col.name in idx.columns:
            moved.append(idx.name)
    for ck in t.checks:
        if re.search(rf"(?<![\w$]){re.escape(col.name)}(?![\w$])", ck.expression or ck.definition or ""):
            moved.append(ck.name)
    up.append(
        stmt(
            f"ALTER TABLE {tsql} DROP COLUMN {quote_ident(col.name)}",
            f"drop {t.name}.{col.name}: its values now live in {name}",
            hazards=[
                hz.info(
                    "contract",
                    f"the text column goes; every value is in {name}, reached through "
                    f"{new_col} (the verification compares them row by row)",
                )
            ],
        )
    )
    ot.columns = [c for c in ot.columns if c.name != col.name] + [
        Column(new_col, "bigint", nullable=col.nullable, comment=f"The {col.name} (a row of {name})")
    ]
    up.append(
        stmt(g.comment_sql(f"COLUMN {tsql}.{quote_ident(new_col)}", f"The {col.name} (a row of {name})"))
    )
    ot.indexes = [i for i in ot.indexes if i.name not in moved] + [index]
    ot.checks = [c for c in ot.checks if c.name not in moved]
    ot.foreign_keys.append(ForeignKey(fk_name, [new_col], name, ["id"], t.schema))
    down = [
        stmt(f"ALTER TABLE {tsql} ADD COLUMN {quote_ident(col.name)} {col.type}"),
        stmt(
            f"UPDATE {tsql} AS t SET {quote_ident(col.name)} = p.name FROM {lsql} AS p "
            f"WHERE p.id = t.{quote_ident(new_col)}",
            f"{t.name}.{col.name} back from {name}",
        ),
    ]
    if not col.nullable:
        down.append(stmt(f"ALTER TABLE {tsql} ALTER COLUMN {quote_ident(col.name)} SET NOT NULL"))
    if col.default is not None:
        down.append(
            stmt(f"ALTER TABLE {tsql} ALTER COLUMN {quote_ident(col.name)} SET DEFAULT {col.default}")
        )
    if col.comment:
        down.append(stmt(g.comment_sql(f"COLUMN {tsql}.{quote_ident(col.name)}", col.comment)))
    for idx in t.indexes:
        if idx.name in moved:
            down.append(stmt(g.create_index_sql(tsql, idx)))
    for ck in t.checks:
        if ck.name in moved:
            down.append(
                stmt(
                    f"ALTER TABLE {tsql} ADD {g.constraint_sql(ck.name, ck.definition or f'CHECK ({ck.expression})')}"
                )
            )
    down += [stmt(f"ALTER TABLE {tsql} DROP COLUMN {quote_ident(new_col)}"), stmt(f"DROP TABLE {lsql}")]
    k = quote_ident(pk)
    preserve = [
        Preserve(
            f"{t.name}.{col.name} per row",
            _row_digest(tsql, [k, quote_ident(col.name)], k),
            _row_digest(
                f"{tsql} t LEFT JOIN {lsql} p ON p.id = t.{quote_ident(new_col)}", [f"t.{k}", "p.name"], k
            ),
        )
    ]
    n = row_estimate(t)
    return Refactoring(
        name="extract-lookup",
        title="Extract a Lookup Table",
        desired=out,
        up=up,
        down=down,
        current_line=f"{t.name}.{col.name} repeats its values as text in every row",
        target_line=f"Table {name} holds each value once; {t.name}.{new_col} references it",
        strategy="Create the lookup from the distinct values, add and fill the foreign key column in batches, "
        "validate it, then drop the text column",
        changes=[
            (
                f"Lookup table {name}",
                [
                    f"{name}(id, name UNIQUE) filled with SELECT DISTINCT {col.name}",
                    f"{t.name}.{new_col} bigint → {name}(id), filled by matching names"
                    + (f" [~{n:,} rows]" if n else ""),
                    f"{t.name}.{col.name} dropped" + (f"; with it {', '.join(moved)}" if moved else ""),
                ],
            )
        ],
        preserve=[*preserve],
        touched=[t.qualified_name],
        app_changes=[
            (
                f"reads join {name} (or use {new_col}); writes look the value's id up in {name} (new values "
                f"are INSERTed into {name} first)"
            )
        ],
        params={"table": t.name, "column": col.name, "lookup": name, "as": "table"},
    )


def _extract_enum(schema: Schema, t: Table, col: Column, name: str, request: Request) -> Refactoring:
    values = _enum_values(schema, t, col, request.option("_conninfo"))
    if schema.enum(name) is not None:
        raise UserError(f"a type {name} exists already: choose the enum's name with --name")
    out = copy.deepcopy(schema)
    from aishell.model import EnumType

    out.enums.append(EnumType(name, values, t.schema, comment=f"Values of {t.name}.{col.name}"))
    ot = out.table(t.name, t.schema)
    tsql = _q(t)
    esql = qualify(t.schema, name)
    c = quote_ident(col.name)
    up = [
        stmt(g.create_enum_sql(out.enums[-1]), f"enum {name}: {', '.join(values)}"),
        stmt(g.comment_sql(f"TYPE {esql}", f"Values of {t.name}.{col.name}")),
    ]
    if col.default is not None:
        up.append(stmt(f"ALTER TABLE {tsql} ALTER COLUMN {c} DROP DEFAULT"))
    up.append(
        stmt(
            f"ALTER TABLE {tsql} ALTER COLUMN {c} TYPE {esql} USING {c}::text::{esql}",
            f"{t.name}.{col.name} becomes {name}",
            hazards=[hz.rewrite(), hz.may_fail("fails if a value outside the enum arrives before it runs")],
        )
    )
    new_default = None
    if col.default is not None:
        m = re.match(r"^'((?:[^']|'')*)'", col.default)
        if m and m.group(1).replace("''", "'") in values:
            new_default = f"{quote_literal(m.group(1).replace(chr(39) * 2, chr(39)))}::{esql}"
            up.append(stmt(f"ALTER TABLE {tsql} ALTER COLUMN {c} SET DEFAULT {new_default}"))
    i = ot.columns.index(ot.column(col.name))
    ot.columns[i] = replace(
        col, type=f"{t.schema}.{name}" if t.schema != "public" else name, default=new_default
    )
    down = []
    if col.default is not None:
        down.append(stmt(f"ALTER TABLE {tsql} ALTER COLUMN {c} DROP DEFAULT"))
    down.append(stmt(f"ALTER TABLE {tsql} ALTER COLUMN {c} TYPE {col.type} USING {c}::text"))
    if col.default is not None:
        down.append(stmt(f"ALTER TABLE {tsql} ALTER COLUMN {c} SET DEFAULT {col.default}"))
    down.append(stmt(f"DROP TYPE {esql}"))
    key = [quote_ident(x) for x in t.primary_key] or ["ctid"]
    return Refactoring(
        name="extract-lookup",
        title="Extract an Enum",
        desired=out,
        up=up,
        down=down,
        current_line=f"{t.name}.{col.name} is free text",
        target_line=f"{t.name}.{col.name} is enum {name}",
        strategy="Create the enum from the values in use, then change the column's type (one rewrite)",
        changes=[
            (
                f"Enum {name}",
                [
                    f"values: {', '.join(values)}",
                    (f"{t.name}.{col.name}: {col.type} → {name} (rewrites the table under ACCESS EXCLUSIVE)"),
                ],
            )
        ],
        preserve=[
            Preserve(
                f"{t.name}.{col.name} per row",
                _row_digest(tsql, [*key, f"{c}::text"], key[0]),
                _row_digest(tsql, [*key, f"{c}::text"], key[0]),
            )
        ],
        touched=[t.qualified_name],
        notes=[
            (
                "a value written after the plan was made and before it runs, not among the values, makes the "
                "type change fail (nothing is changed then)"
            )
        ],
        app_changes=[f"a new value needs ALTER TYPE {name} ADD VALUE first"],
        params={"table": t.name, "column": col.name, "type": name, "values": values, "as": "enum"},
    )


def _enum_values(schema: Schema, t: Table, col: Column, conninfo: str | None) -> list[str]:
    if conninfo:
        c = quote_ident(col.name)
        rows = _read(
            conninfo,
            f"SELECT {c}, count(*) FROM {_q(t)} WHERE {c} IS NOT NULL GROUP BY 1 ORDER BY 1 LIMIT 1001",
        )
        if len(rows) > 1000:
            raise UserError(f"{t.name}.{col.name} has over 1,000 distinct values: not an enum (--as table)")
        if not rows:
            raise UserError(
                f"{t.name}.{col.name} holds no value yet: nothing says what the enum's values are"
            )
        return [v for v, _ in rows]
    for ck in t.checks:
        text = ck.expression or ck.definition or ""
        if re.search(rf"(?<![\w$]){re.escape(col.name)}(?![\w$])", text):
            found = re.findall(r"'((?:[^']|'')*)'", text)
            if found:
                return list(dict.fromkeys(x.replace("''", "'") for x in found))
    raise UserError(
        f"the values of {t.name}.{col.name} are unknown here: run it with --database (the values in "
        "use are read), or extract a lookup table instead (--as table)"
    )


# ------------------------------------------------------------------------------------------------------------
@register
class SplitTable(Refactor):
    name = "split-table"

    def plan(self, schema: Schema, request: Request) -> Refactoring:
        tables = _targets(schema, request)
        if len(tables) != 1:
            raise UserError(
                "which table? name one, e.g. aishell schema refactor split-table users --columns bio,avatar"
            )
        t = tables[0]
        pk = t.primary_key
        if not pk:
            raise UserError(f"{t.name} has no primary key: the side table would have nothing to share")
        cols = request.option("columns") or [c for c in mentioned_columns(t, request.text) if c not in pk]
        if not cols:
            raise UserError(
                f"which columns move? --columns A,B (columns of {t.name}: "
                f"{', '.join(c.name for c in t.columns if c.name not in pk)})"
            )
        missing = [c for c in cols if t.column(c) is None or c in pk]
        if missing:
            raise UserError(f"{t.name} has no movable column {', '.join(missing)}")
        views = _views_using(schema, t, cols)
        if views:
            raise UserError(f"view(s) {', '.join(v.name for v in views)} read the columns: change them first")
        refs = [
            fk
            for x in schema.tables
            for fk in x.foreign_keys
            if fk.ref_table == t.name and set(cols) & set(fk.ref_columns)
        ]
        if (
            refs
            or any(set(cols) & set(u.columns) for u in t.unique)
            or any(set(cols) & set(fk.columns) for fk in t.foreign_keys)
        ):
            raise UserError("a key or foreign key uses a column to move: split on plain columns only")
        from aishell.design.parser import singular

        name = request.option("name") or f"{singular(t.name)}_details"
        if schema.table(name):
            raise UserError(f"a table {name} exists already: choose one with --name")
        out = copy.deepcopy(schema)
        ot = out.table(t.name, t.schema)
        moved = [t.column(c) for c in cols]
        side = Table(
            name,
            t.schema,
            columns=[
                replace(t.column(k), identity=None, identity_options={}, default=None, generated=None)
                for k in pk
            ]
            + copy.deepcopy(moved),
            primary_key=list(pk),
            primary_key_name=f"{name}_pkey",
            foreign_keys=[
                ForeignKey(
                    f"{name}_{'_'.join(pk)}_fkey"[:63],
                    list(pk),
                    t.name,
                    list(pk),
                    t.schema,
                    on_delete="CASCADE",
                )
            ],
            comment=f"Side table of {t.name} (1:1): {', '.join(cols)} (aishell refactor split-table)",
        )
        moved_idx = [
            i
            for i in t.indexes
            if not i.constraint and set(i.columns) <= set(cols) | set(pk) and set(i.columns) & set(cols)
        ]
        moved_ck = [
            c
            for c in t.checks
            if any(re.search(rf"(?<![\w$]){re.escape(x)}(?![\w$])", c.expression or "") for x in cols)
        ]
        side.indexes = copy.deepcopy(moved_idx)
        for i in side.indexes:
            i.definition = None
        side.checks = copy.deepcopy(moved_ck)
        ot.columns = [c for c in ot.columns if c.name not in cols]
        ot.indexes = [i for i in ot.indexes if i not in moved_idx and not set(i.columns) & set(cols)]
        ot.checks = [c for c in ot.checks if c not in moved_ck]
        out.tables.append(side)
        tsql, ssql = _q(t), qualify(t.schema, name)
        gen = g.PostgresGenerator(out)
        fk = side.foreign_keys[0]
        fk_sql = r.fk_clause(
            fk.name,
            f"FOREIGN KEY ({quote_ident_list(pk)}) REFERENCES {tsql}({quote_ident_list(pk)}) "
            "ON DELETE CASCADE",
        )
        any_value = " OR ".join(f"{quote_ident(c)} IS NOT NULL" for c in cols)
        up = [
            stmt(
                f"LOCK TABLE {tsql} IN SHARE ROW EXCLUSIVE MODE",
                f"writes to {t.name} wait while its rows are copied (reads go on)",
            ),
            stmt(r.create_table_sql(gen, side, [fk_sql], None), f"add the side table {name}"),
            stmt(
                f"INSERT INTO {ssql} ({quote_ident_list(list(pk) + cols)}) SELECT "
                f"{quote_ident_list(list(pk) + cols)} FROM {tsql} WHERE {any_value}",
                f"copy {', '.join(cols)} of every row that has one",
                long_running=True,
            ),
        ]
        for i in side.indexes:
            up.append(stmt(r.index_sql(ssql, i), f"index {i.name} moves to {name}"))
        up.append(
            stmt(
                f"ALTER TABLE {tsql} " + ", ".join(f"DROP COLUMN {quote_ident(c)}" for c in cols),
                f"drop the moved columns from {t.name}",
                hazards=[hz.info("contract", f"the values are in {name} (verified row by row)")],
            )
        )
        up.append(stmt(g.comment_sql(f"TABLE {ssql}", side.comment)))
        for c in moved:
            if c.comment:
                up.append(stmt(g.comment_sql(f"COLUMN {ssql}.{quote_ident(c.name)}", c.comment)))
        down = [stmt(f"LOCK TABLE {ssql} IN SHARE ROW EXCLUSIVE MODE")]
        for c in moved:
            down.append(stmt(f"ALTER TABLE {tsql} ADD COLUMN {gen.column_sql(t, replace(c, nullable=True))}"))
        join = " AND ".join(f"s.{quote_ident(k)} = t.{quote_ident(k)}" for k in pk)
        down.append(
            stmt(
                f"UPDATE {tsql} AS t SET "
                + ", ".join(f"{quote_ident(c)} = s.{quote_ident(c)}" for c in cols)
                + f" FROM {ssql} AS s WHERE {join}",
                f"copy {', '.join(cols)} back",
            )
        )
        for c in moved:
            if not c.nullable:
                down.append(stmt(f"ALTER TABLE {tsql} ALTER COLUMN {quote_ident(c.name)} SET NOT NULL"))
            if c.comment:
                down.append(stmt(g.comment_sql(f"COLUMN {tsql}.{quote_ident(c.name)}", c.comment)))
        for i in moved_idx:
            down.append(stmt(g.create_index_sql(tsql, i)))
        for ck in moved_ck:
            down.append(
                stmt(
                    f"ALTER TABLE {tsql} ADD {g.constraint_sql(ck.name, ck.definition or f'CHECK ({ck.expression})')}"
                )
            )
        down.append(stmt(f"DROP TABLE {ssql}"))
        keys = [f"t.{quote_ident(k)}" for k in pk]
        preserve = Preserve(
            f"{t.name}: {', '.join(cols)} per row",
            _row_digest(f"{tsql} t", keys + [f"t.{quote_ident(c)}" for c in cols], keys[0]),
            _row_digest(
                f"{tsql} t LEFT JOIN {ssql} s ON {join}",
                keys + [f"s.{quote_ident(c)}" for c in cols],
                keys[0],
            ),
        )
        return Refactoring(
            name=self.name,
            title="Split a Wide Table",
            desired=out,
            up=up,
            down=down,
            current_line=f"{t.name} has {len(t.columns)} columns",
            target_line=f"{t.name} keeps {len(ot.columns)}; {name} holds {', '.join(cols)} (1:1)",
            strategy="Copy the columns into a side table sharing the primary key, in one transaction that holds "
            "writes back, then drop them",
            changes=[
                (
                    f"Side table {name}",
                    [
                        (f"{name}({', '.join(pk)} → {t.name}, {', '.join(cols)}), ON DELETE CASCADE"),
                        "rows copied where any moved column has a value",
                        f"{t.name}: {', '.join(cols)} dropped",
                    ],
                )
            ],
            preserve=[preserve],
            touched=[t.qualified_name],
            app_changes=[
                (
                    f"code that reads or writes {', '.join(cols)} goes through {name} (a LEFT JOIN on "
                    f"{', '.join(pk)})"
                )
            ],
            params={"table": t.name, "columns": cols, "side_table": name},
        )


# ------------------------------------------------------------------------------------------------------------
@register
class MergeTables(Refactor):
    name = "merge-tables"

    def plan(self, schema: Schema, request: Request) -> Refactoring:
        tables = _targets(schema, request)
        pair = _one_to_one(schema, tables)
        if pair is None:
            raise UserError(
                "name the two tables of a 1:1 split (the second's primary key references the first's), "
                "e.g. aishell schema refactor merge-tables users user_profiles"
            )
        a, b = pair
        pk = a.primary_key
        cols = [c for c in b.columns if c.name not in b.primary_key]
        clash = [c.name for c in cols if a.column(c.name) is not None]
        if clash:
            raise UserError(f"{a.name} has column(s) {', '.join(clash)} too: rename them first")
        refs = [
            (x, fk) for x in schema.tables for fk in x.foreign_keys if fk.ref_table == b.name and x is not b
        ]
        if refs:
            raise UserError(
                f"{', '.join(x.name for x, _ in refs)} reference {b.name}: point them at {a.name} first"
            )
        views = _views_using(schema, b)
        if views:
            raise UserError(f"view(s) {', '.join(v.name for v in views)} read {b.name}: change them first")
        out = copy.deepcopy(schema)
        oa = out.table(a.name, a.schema)
        out.tables = [t for t in out.tables if t.qualified_name != b.qualified_name]
        added = [replace(c, nullable=True, identity=None, identity_options={}) for c in cols]
        oa.columns += added
        other_fks = [fk for fk in b.foreign_keys if fk.ref_table != a.name]
        oa.foreign_keys += copy.deepcopy(other_fks)
        moved_idx = [replace(i, definition=None) for i in b.indexes if not i.constraint]
        oa.indexes += moved_idx
        oa.checks += copy.deepcopy(b.checks)
        asql, bsql = _q(a), _q(b)
        gen = g.PostgresGenerator(out)
        join = " AND ".join(f"b.{quote_ident(x)} = t.{quote_ident(y)}" for x, y in zip(b.primary_key, pk))
        up = [
            stmt(
                f"LOCK TABLE {bsql} IN SHARE ROW EXCLUSIVE MODE",
                f"writes to {b.name} wait while it is copied",
            )
        ]
        for c in added:
            up.append(
                stmt(f"ALTER TABLE {asql} ADD COLUMN {gen.column_sql(oa, c)}", f"add {a.name}.{c.name}")
            )
        up.append(
            stmt(
                f"UPDATE {asql} AS t SET "
                + ", ".join(f"{quote_ident(c.name)} = b.{quote_ident(c.name)}" for c in cols)
                + f" FROM {bsql} AS b WHERE {join}",
                f"copy {b.name}'s columns into {a.name}",
                long_running=True,
            )
        )
        for fk in other_fks:
            up.append(
                stmt(
                    f"ALTER TABLE {asql} ADD {r.fk_clause(fk.name, fk.definition or _fk_def(fk), not_valid=True)}"
                )
            )
        for ck in b.checks:
            up.append(
                stmt(
                    f"ALTER TABLE {asql} ADD {g.constraint_sql(ck.name, ck.definition or f'CHECK ({ck.expression})')} NOT VALID"
                )
            )
        up.append(
            stmt(
                f"DROP TABLE {bsql}",
                f"drop {b.name}: its rows are in {a.name} now",
                hazards=[hz.info("contract", f"every value is in {a.name} (verified row by row)")],
            )
        )
        for i in moved_idx:
            up.append(
                stmt(
                    r.index_sql(asql, i, concurrently=True),
                    f"index {i.name} on {a.name}",
                    transactional=False,
                    long_running=True,
                )
            )
        for fk in other_fks:
            up.append(
                stmt(
                    f"ALTER TABLE {asql} VALIDATE CONSTRAINT {quote_ident(fk.name)}",
                    alone=True,
                    long_running=True,
                )
            )
        for ck in b.checks:
            up.append(
                stmt(
                    f"ALTER TABLE {asql} VALIDATE CONSTRAINT {quote_ident(ck.name)}",
                    alone=True,
                    long_running=True,
                )
            )
        for c in cols:
            if c.comment:
                up.append(stmt(g.comment_sql(f"COLUMN {asql}.{quote_ident(c.name)}", c.comment)))
        gen_b = g.PostgresGenerator(schema)
        fks_b = [r.fk_clause(fk.name or "", fk.definition or _fk_def(fk)) for fk in b.foreign_keys]
        down = [
            stmt(r.create_table_sql(gen_b, b, fks_b, None)),
            stmt(
                f"INSERT INTO {bsql} ({quote_ident_list(b.primary_key + [c.name for c in cols])}) "
                f"{'OVERRIDING SYSTEM VALUE ' if any(c.identity == 'always' for c in b.columns) else ''}"
                f"SELECT {quote_ident_list(pk + [c.name for c in cols])} FROM {asql} WHERE "
                + " OR ".join(f"{quote_ident(c.name)} IS NOT NULL" for c in cols)
            ),
        ]
        for i in b.indexes:
            if not i.constraint:
                down.append(stmt(g.create_index_sql(bsql, i)))
        if b.comment:
            down.append(stmt(g.comment_sql(f"TABLE {bsql}", b.comment)))
        for c in b.columns:
            if c.comment:
                down.append(stmt(g.comment_sql(f"COLUMN {bsql}.{quote_ident(c.name)}", c.comment)))
        down.append(
            stmt(f"ALTER TABLE {asql} " + ", ".join(f"DROP COLUMN {quote_ident(c.name)}" for c in cols))
        )
        keys = [f"t.{quote_ident(k)}" for k in pk]
        bjoin = " AND ".join(f"b.{quote_ident(x)} = t.{quote_ident(y)}" for x, y in zip(b.primary_key, pk))
        preserve = Preserve(
            f"{b.name}'s columns per {a.name} row",
            _row_digest(
                f"{asql} t LEFT JOIN {bsql} b ON {bjoin}",
                keys + [f"b.{quote_ident(c.name)}" for c in cols],
                keys[0],
            ),
            _row_digest(f"{asql} t", keys + [f"t.{quote_ident(c.name)}" for c in cols], keys[0]),
        )
        return Refactoring(
            name=self.name,
            title="Merge a 1:1 Split",
            desired=out,
            up=up,
            down=down,
            current_line=f"{b.name} is a 1:1 extension of {a.name}",
            target_line=f"{a.name} holds {b.name}'s columns",
            strategy="Add the columns to the main table (nullable), copy them over while writes to the side table "
            "wait, then drop the side table",
            changes=[
                (
                    f"Fold {b.name} into {a.name}",
                    [
                        (
                            f"{a.name} + {', '.join(c.name for c in cols)} (nullable: a "
                            f"{a.name} row may have had no {b.name} row)"
                        ),
                        f"{b.name} dropped after its rows are copied",
                    ],
                )
            ],
            preserve=[preserve],
            touched=[a.qualified_name, b.qualified_name],
            app_changes=[f"code that reads or writes {b.name} uses {a.name}'s columns"],
            params={"into": a.name, "merged": b.name, "columns": [c.name for c in cols]},
        )


def _fk_def(fk: ForeignKey) -> str:
    from aishell.diff.normalize import fk_definition

    return fk_definition(fk)


def _one_to_one(schema: Schema, named: list[Table]) -> tuple[Table, Table] | None:
    def is_pair(a: Table, b: Table) -> bool:
        return bool(b.primary_key) and any(
            fk.ref_table == a.name
            and fk.ref_schema == a.schema
            and sorted(fk.columns) == sorted(b.primary_key)
            and sorted(fk.ref_columns) == sorted(a.primary_key)
            for fk in b.foreign_keys
        )

    cands = named if len(named) >= 2 else user_tables(schema)
    for a in cands:
        for b in cands:
            if (
                a is not b
                and is_pair(a, b)
                and (len(named) < 2 or {a.name, b.name} == {x.name for x in named[:2]})
            ):
                return a, b
    return None


# ------------------------------------------------------------------------------------------------------------
@register
class Rename(Refactor):
    name = "rename"

    def plan(self, schema: Schema, request: Request) -> Refactoring:
        names = list(request.targets) + list(request.option("tables", []))
        if request.option("name"):
            names.append(request.option("name"))
        if len(names) < 2:
            m = re.search(
                r"\b([a-z_][a-z0-9_]*)\s+(?:to|as|into)\s+([a-z_][a-z0-9_]*)\b", request.text, re.IGNORECASE
            )
            if m:
                names = [m.group(1), m.group(2)]
        if len(names) < 2:
            raise UserError("rename what to what? e.g. aishell schema refactor rename customers clients")
        t = find_table(schema, names[0])
        new = names[1]
        if schema.table(new, t.schema) or schema.view(new, t.schema):
            raise UserError(f"{new} exists already")
        out = copy.deepcopy(schema)
        ot = out.table(t.name, t.schema)
        ot.name = new
        for i in ot.indexes:  # their definition text names the old table
            i.definition = None
        for trg in ot.triggers:
            trg.definition = None
        for x in out.tables:
            for fk in x.foreign_keys:
                if fk.ref_table == t.name and fk.ref_schema == t.schema:
                    fk.ref_table = new
                    fk.definition = None
        old_sql, new_sql = _q(t), qualify(t.schema, new)
        cols = [c.name for c in t.columns]
        view = View(
            t.name,
            t.schema,
            f" SELECT {', '.join(quote_ident(c) for c in cols)}\n   FROM {new_sql};",
            columns=cols,
            comment=f"Compatibility view: {t.name} was renamed {new}; drop it once no client "
            "uses the old name",
            options=["security_invoker=true"] if t.rls_enabled else [],
        )
        out.views.append(view)
        opts = " WITH (security_invoker = true)" if t.rls_enabled else ""
        up = [
            stmt(
                f"ALTER TABLE {old_sql} RENAME TO {quote_ident(new)}",
                f"rename {t.name} to {new}",
                hazards=[hz.lock("brief ACCESS EXCLUSIVE")],
            ),
            stmt(
                f"CREATE VIEW {old_sql}{opts} AS SELECT {', '.join(quote_ident(c) for c in cols)} FROM {new_sql}",
                f"view {t.name}: the old name keeps working (reads, and writes: a simple view is updatable)",
            ),
            stmt(g.comment_sql(f"VIEW {old_sql}", view.comment)),
        ]
        down = [stmt(f"DROP VIEW {old_sql}"), stmt(f"ALTER TABLE {new_sql} RENAME TO {quote_ident(t.name)}")]
        return Refactoring(
            name=self.name,
            title="Rename with a Compatibility View",
            desired=out,
            up=up,
            down=down,
            current_line=f"table {t.name}",
            target_line=f"table {new}, and a view {t.name} for old clients",
            strategy="Rename in a brief lock; an updatable view under the old name serves clients until they move",
            changes=[
                (
                    f"{t.name} → {new}",
                    [
                        f"ALTER TABLE {t.name} RENAME TO {new}",
                        f"CREATE VIEW {t.name} AS SELECT ... FROM {new} (auto-updatable)",
                        "constraint, index and sequence names keep their old spelling",
                    ],
                )
            ],
            renamed_tables={t.qualified_name: f"{t.schema}.{new}"},
            touched=[],
            app_changes=[f"move clients to {new}, then drop the view {t.name}"],
            params={"from": t.name, "to": new},
        )


# ------------------------------------------------------------------------------------------------------------
_STEP = {
    "day": ("1 day", "YYYYMMDD"),
    "week": ("7 days", "YYYYMMDD"),
    "month": ("1 month", "YYYYMM"),
    "quarter": ("3 months", "YYYYMM"),
    "year": ("1 year", "YYYY"),
}


@register
class Partition(Refactor):
    name = "partition"

    def plan(self, schema: Schema, request: Request) -> Refactoring:
        tables = _targets(schema, request)
        if len(tables) != 1:
            raise UserError("which table? e.g. aishell schema refactor partition orders --by created_at")
        t = tables[0]
        if t.partition_by:
            raise UserError(f"{t.name} is partitioned already")
        by = request.option("by") or next(
            (
                c
                for c in mentioned_columns(t, request.text)
                if re.search(r"time|date", t.column(c).type, re.IGNORECASE)
            ),
            None,
        )
        if by is None:
            by = next(
                (
                    c.name
                    for c in t.columns
                    if c.name in ("created_at", "occurred_at", "recorded_at", "ts")
                    and re.search(r"time|date", c.type, re.IGNORECASE)
                ),
                None,
            )
        col = t.column(by) if by else None
        if col is None or not re.search(r"time|date", col.type, re.IGNORECASE):
            raise UserError(f"partition {t.name} by which date or timestamp column? --by COLUMN")
        if col.nullable:
            raise UserError(
                f"{t.name}.{by} allows NULL: a row without it has no partition; make it NOT NULL first"
            )
        if not t.primary_key:
            raise UserError(f"{t.name} has no primary key")
        refs = [
            x.name for x in schema.tables for fk in x.foreign_keys if fk.ref_table == t.name and x is not t
        ]
        if refs:
            raise UserError(
                f"{', '.join(sorted(set(refs)))} reference {t.name}: a key of a partitioned table must "
                f"include {by}, so those foreign keys could not stay; partition a table nothing "
                "references (events, logs, facts)"
            )
        if any(by not in u.columns for u in t.unique):
            raise UserError(
                f"{t.name} has unique constraints without {by}: PostgreSQL cannot enforce them across "
                "partitions"
            )
        views = _views_using(schema, t)
        if views or t.triggers or t.policies:
            raise UserError(
                f"{t.name} has views, triggers or policies over it: recreate them after partitioning "
                "(not automated yet)"
            )
        words = set(request.words())
        spoken = next(
            (
                k
                for k, ws in (
                    ("day", {"day", "daily"}),
                    ("week", {"week", "weekly"}),
                    ("quarter", {"quarter", "quarterly"}),
                    ("year", {"year", "yearly", "annual"}),
                    ("month", {"month", "monthly"}),
                )
                if ws & words
            ),
            None,
        )
        interval = request.option("interval") or spoken or "month"
        step, _fmt = _STEP[interval]
        bounds = _bounds(request, t, by, step)
        out = copy.deepcopy(schema)
        new = copy.deepcopy(t)
        new.partition_by = f"RANGE ({quote_ident(by)})"
        if by not in new.primary_key:
            new.primary_key = [*new.primary_key, by]
        new.indexes = [replace(i, definition=None) for i in new.indexes if not i.constraint]
        for fk in new.foreign_keys:
            fk.definition = fk.definition or _fk_def(fk)
        for c in new.columns:
            if c.identity:
                c.identity_options = {k: v for k, v in c.identity_options.items() if k != "sequence_name"}
        for ck in new.checks:
            ck.definition = None
        parts = []
        for lo, hi, label in bounds:
            parts.append(
                Table(
                    f"{t.name}_p{label}"[:63],
                    t.schema,
                    partition_of=t.qualified_name,
                    partition_bound=f"FOR VALUES FROM ({quote_literal(lo)}) TO ({quote_literal(hi)})",
                )
            )
        parts.append(
            Table(
                f"{t.name}_default"[:63], t.schema, partition_of=t.qualified_name, partition_bound="DEFAULT"
            )
        )
        i = out.tables.index(out.table(t.name, t.schema))
        out.tables[i : i + 1] = [new, *parts]
        up = _rebuild(t, new, parts, schema, "partitioned") + []
        down = _rebuild(new, _plain(t), [], out, "plain")
        n = row_estimate(t)
        return Refactoring(
            name=self.name,
            title="Partition a Large Table",
            desired=out,
            up=up,
            down=down,
            current_line=f"{t.name}: one heap" + (f" (~{n:,} rows)" if n else ""),
            target_line=f"{t.name} partitioned by RANGE ({by}), {interval}ly: {len(parts) - 1} partitions + DEFAULT",
            strategy="Build the partitioned table beside the old one, move every row across in one transaction "
            "that holds writes back (reads go on), then swap the names",
            changes=[
                (
                    f"Partition {t.name} by {by}",
                    [
                        f"partitions {parts[0].name} … {parts[-2].name} ({interval}), and {parts[-1].name} for the rest",
                        f"primary key ({', '.join(new.primary_key)}): a partitioned table's keys include the partition key",
                        "rows moved: INSERT ... SELECT under SHARE ROW EXCLUSIVE (writes wait, reads go on)"
                        + (f" [~{n:,} rows]" if n else ""),
                        "indexes, checks and foreign keys recreated on the partitioned table",
                    ],
                )
            ],
            touched=[t.qualified_name],
            notes=[
                (
                    f"add future partitions before their time comes (the DEFAULT partition takes rows beyond "
                    f"{bounds[-1][1]}), e.g. with pg_partman or a monthly job"
                )
            ],
            app_changes=[
                (
                    f"queries that filter on {by} read only the partitions they need; primary key lookups by "
                    f"{', '.join(t.primary_key)} alone visit every partition"
                )
            ],
            params={"table": t.name, "by": by, "interval": interval, "partitions": [p.name for p in parts]},
        )


def _plain(t: Table) -> Table:
    return copy.deepcopy(t)


def _bounds(request: Request, t: Table, by: str, step: str) -> list[tuple[str, str, str]]:
    """[(from, to, label)]: the range of the rows there (live), and three steps ahead."""
    fmt = {
        "1 day": "YYYYMMDD",
        "7 days": "YYYYMMDD",
        "1 month": "YYYYMM",
        "3 months": "YYYYMM",
        "1 year": "YYYY",
    }[step]
    unit = {"1 day": "day", "7 days": "week", "1 month": "month", "3 months": "quarter", "1 year": "year"}[
        step
    ]
    sql = (
        f"SELECT to_char(b, 'YYYY-MM-DD'), to_char(b + interval '{step}', 'YYYY-MM-DD'), to_char(b, '{fmt}') "
        f"FROM generate_series(date_trunc('{unit}', coalesce((SELECT min({quote_ident(by)}) FROM {_q(t)}), now())), "
        f"date_trunc('{unit}', greatest(coalesce((SELECT max({quote_ident(by)}) FROM {_q(t)}), now()), now())) "
        f"+ interval '{step}' * 3, interval '{step}') AS b"
    )
    conninfo = request.option("_conninfo")
    if conninfo is None:
        sql = sql.replace(f"(SELECT min({quote_ident(by)}) FROM {_q(t)})", "NULL::timestamptz").replace(
            f"(SELECT max({quote_ident(by)}) FROM {_q(t)})", "NULL::timestamptz"
        )
        from aishell.dialects.postgres.server import scratch_server

        with scratch_server().temporary_database() as db:
            rows = _read(db, sql)
    else:
        rows = _read(conninfo, sql)
    if len(rows) > 400:
        raise UserError(f"{len(rows)} partitions: choose a longer --interval")
    return [tuple(r) for r in rows]


def _read(conninfo: str, sql: str) -> list:
    from aishell.dialects.postgres.connect import connect

    with connect(conninfo, autocommit=True) as conn, conn.transaction():
        conn.execute("SET TRANSACTION READ ONLY")
        return conn.execute(sql).fetchall()


def _rebuild(old: Table, new: Table, parts: list[Table], schema: Schema, kind: str) -> list:
    """Statements that replace table ``old`` by ``new`` (same name, same columns), moving its rows, in one
    transaction: writes wait for the copy, reads go on until the final swap."""
    suffix = "__new"
    tmp = replace(
        new,
        name=f"{new.name}{suffix}"[:63],
        primary_key_name=f"{new.primary_key_name or new.name + '_pkey'}{suffix}"[:63],
        partition_of=None,
        indexes=[],
        comment=None,
    )
    tmp.unique = [replace(u, name=f"{u.name}{suffix}"[:63]) for u in new.unique]
    tmp.columns = [
        replace(
            c,
            comment=None,
            identity_options={k: v for k, v in c.identity_options.items() if k != "sequence_name"},
        )
        for c in new.columns
    ]
    oq, nq = _q(old), qualify(new.schema, tmp.name)
    gen = g.PostgresGenerator(Schema(tables=[tmp]))
    fks = [r.fk_clause(fk.name or "", fk.definition or _fk_def(fk)) for fk in new.foreign_keys]
    cols = quote_ident_list([c.name for c in old.columns if not c.generated])
    always = any(c.identity == "always" for c in new.columns)
    out = [
        stmt(
            f"LOCK TABLE {oq} IN SHARE ROW EXCLUSIVE MODE",
            f"writes to {old.name} wait while its rows move (reads go on)",
            hazards=[hz.lock("SHARE ROW EXCLUSIVE: writes wait for the whole copy")],
        ),
        stmt(
            r.create_table_sql(gen, replace(tmp, foreign_keys=[]), fks, None), f"build the {kind} {new.name}"
        ),
    ]
    for p in parts:
        out.append(
            stmt(
                f"CREATE TABLE {qualify(p.schema, p.name)} PARTITION OF {nq} {p.partition_bound}",
                f"partition {p.name}",
            )
        )
    for i in [x for x in new.indexes if not x.constraint]:
        out.append(
            stmt(
                r.index_sql(nq, replace(i, name=f"{i.name}{suffix}"[:63], definition=None)), f"index {i.name}"
            )
        )
    out.append(
        stmt(
            f"INSERT INTO {nq} ({cols}) {'OVERRIDING SYSTEM VALUE ' if always else ''}SELECT {cols} FROM {oq}",
            f"move every row of {old.name}",
            long_running=True,
        )
    )
    for c in old.columns:
        if c.identity:
            seq = c.identity_options.get("sequence_name") or f"{old.name}_{c.name}_seq"
            seq_sql = (
                seq
                if "." in seq and seq.split(".")[0] in (old.schema, '"' + old.schema + '"')
                else qualify(old.schema, seq.split(".")[-1])
            )
            out.append(
                stmt(
                    f"SELECT setval(pg_get_serial_sequence({quote_literal(nq)}, {quote_literal(c.name)}), "
                    f"s.last_value, s.is_called) FROM {seq_sql} s",
                    f"{new.name}.{c.name} goes on from the old identity's value",
                )
            )
    out.append(
        stmt(
            f"DROP TABLE {oq}",
            f"drop the old {old.name} (its rows were copied above)",
            hazards=[
                hz.info(
                    "swap",
                    "ACCESS EXCLUSIVE for the swap only; the backup and the verification cover the rows",
                )
            ],
        )
    )
    out.append(
        stmt(f"ALTER TABLE {nq} RENAME TO {quote_ident(new.name)}", f"{tmp.name} takes the name {new.name}")
    )
    final = qualify(new.schema, new.name)
    if new.primary_key:
        out.append(
            stmt(
                f"ALTER TABLE {final} RENAME CONSTRAINT {quote_ident(tmp.primary_key_name)} TO "
                f"{quote_ident(new.primary_key_name or new.name + '_pkey')}"
            )
        )
    for u in new.unique:
        out.append(
            stmt(
                f"ALTER TABLE {final} RENAME CONSTRAINT {quote_ident(u.name + suffix)} TO {quote_ident(u.name)}"
            )
        )
    for i in new.indexes:
        if i.constraint:
            continue
        out.append(
            stmt(
                f"ALTER INDEX {qualify(new.schema, f'{i.name}{suffix}'[:63])} RENAME TO {quote_ident(i.name)}"
            )
        )
    for c in new.columns:
        if c.identity:
            out.append(
                stmt(
                    f"ALTER SEQUENCE {qualify(new.schema, f'{tmp.name}_{c.name}_seq'[:63])} RENAME TO "
                    f"{quote_ident(f'{new.name}_{c.name}_seq'[:63])}"
                )
            )
    if new.comment:
        out.append(stmt(g.comment_sql(f"TABLE {final}", new.comment)))
    for c in new.columns:
        if c.comment:
            out.append(stmt(g.comment_sql(f"COLUMN {final}.{quote_ident(c.name)}", c.comment)))
    return out
