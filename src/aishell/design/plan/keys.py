"""Plan stage 3 — keys: foreign keys from relationships (direction, NOT NULL, ON DELETE), junction tables,
self-references and the tenant key of multi-tenant designs."""

from __future__ import annotations

from aishell.design.intent import Relationship
from aishell.design.plan.base import (
    _Ent,
    ident,
)
from aishell.design.words import singular
from aishell.model import (
    CheckConstraint,
    Column,
    ForeignKey,
    Policy,
    Table,
    UniqueConstraint,
)


class KeyStage:
    # -- relationships → columns ------------------------------------------------------------------------
    def _fk_column_name(self, src: _Ent, tgt: _Ent, role: str | None, table: Table) -> str:
        base = role or singular(tgt.table)
        base = base.removesuffix("_id")
        name = f"{base}_id"
        if table.column(name) is not None:
            name = f"{base}_{tgt.entity.name}_id" if role else f"related_{base}_id"
        return name

    def _on_delete(self, src: _Ent, tgt: _Ent, rel: Relationship, required: bool) -> tuple[str, str]:
        if rel.on_delete:
            reason = {
                "CASCADE": f"{src.table} rows belong to their {singular(tgt.table)} and go with it",
                "RESTRICT": f"keeps {src.table} history: a {singular(tgt.table)} with {src.table} cannot be deleted",
                "SET NULL": f"the {singular(tgt.table)} is optional for {src.table}",
            }.get(rel.on_delete, "")
            return rel.on_delete, reason
        if not required:
            return (
                "SET NULL",
                f"the {singular(tgt.table)} is optional; {src.table} rows stay when it is deleted",
            )
        if src.kind in ("dependent", "line", "profile", "translation", "junction_entity") or (
            src.entity.owner == tgt.name
        ):
            return "CASCADE", f"{src.table} are part of their {singular(tgt.table)}"
        if src.kind in ("transaction", "movement", "booking", "log", "timeseries") or tgt.kind in (
            "classifier",
        ):
            return (
                "RESTRICT",
                f"{src.table} are records to keep: deleting a referenced {singular(tgt.table)} is refused",
            )
        if src.kind in ("content",) and tgt.kind in ("content", "thing"):
            return "CASCADE", f"{src.table} about a {singular(tgt.table)} go with it"
        return (
            "RESTRICT",
            f"a {singular(tgt.table)} still referenced by {src.table} cannot be deleted by accident",
        )

    def _foreign_keys(self) -> None:
        seen: set[tuple[str, str, str | None]] = set()
        for rel in self.req.relationships:
            if rel.kind not in ("many_to_one", "one_to_one"):
                continue
            src, tgt = self.ents.get(rel.source), self.ents.get(rel.target)
            if src is None or tgt is None or src.name == tgt.name:
                continue
            key = (src.name, tgt.name, rel.role)
            if key in seen:
                continue
            seen.add(key)
            table = self._t(src)
            col = self._fk_column_name(src, tgt, rel.role, table)
            if rel.required is None:
                required = True
                # optional when the text or knowledge base says so; an item of a container is always required
                required = not (rel.role in ("shipping_address", "billing_address"))
                if tgt.kind in ("classifier",) and src.kind not in ("dependent",):
                    required = False
                if rel.role is not None and rel.role in ("assignee", "manager", "parent"):
                    required = False
            else:
                required = rel.required
            on_delete, reason = self._on_delete(src, tgt, rel, required)
            if on_delete == "SET NULL":
                required = False
            # put the FK column right after the key columns
            pos = len(table.primary_key) if table.primary_key == ["id"] else 0
            while pos < len(table.columns) and table.columns[pos].name.endswith("_id"):
                pos += 1
            table.columns.insert(
                pos,
                Column(
                    col,
                    tgt.key_type,
                    nullable=not required,
                    comment=(
                        f"The {singular(tgt.table)} this row belongs to"
                        if required and not rel.role
                        else f"{rel.role.replace('_', ' ').capitalize()} ({singular(tgt.table)})"
                        if rel.role
                        else None
                    ),
                    attrs={"provenance": rel.provenance},
                ),
            )
            fk = ForeignKey(
                name=ident(table.name, col, "fkey"),
                columns=[col],
                ref_table=tgt.table,
                ref_columns=["id"],
                on_delete=on_delete,
                attrs={"reason": reason, "relationship": rel.kind, "provenance": rel.provenance},
            )
            if rel.evidence and rel.evidence != "language model":
                fk.attrs["evidence"] = rel.evidence
            if rel.role:
                fk.attrs["role"] = rel.role
            table.foreign_keys.append(fk)
            if rel.kind == "one_to_one":
                table.unique.append(
                    UniqueConstraint(
                        name=ident(table.name, col, "key"),
                        columns=[col],
                        attrs={
                            "provenance": rel.provenance,
                            "reason": f"one {singular(table.name)} per {col[:-3]}",
                        },
                    )
                )
            src.fks.append(
                {"column": col, "target": tgt.name, "required": required, "event": bool(rel.event)}
            )
        self._break_required_cycles()
        # unique pairs: one review per user per product, one application per job per person (knowledge
        # base rules: only for entities the text says nothing about, and never against a stated rule)
        for e in self.ents.values():
            if e.entity.stated_attributes or self._repeats_allowed(e):
                continue
            if e.arch and e.arch.get("unique_refs") and len(e.fks) >= 2:
                cols = [f["column"] for f in e.fks[:2]]
                event = next((f for f in e.fks if f.get("event")), None) or next(
                    (
                        f
                        for f in e.fks
                        if self.ents.get(f["target"]) is not None
                        and self.ents[f["target"]].kind in ("booking", "transaction")
                    ),
                    None,
                )
                about_thing = any(
                    f is not event
                    and self.ents.get(f["target"]) is not None
                    and (self.ents[f["target"]].kind == "thing" or "catalog" in self.ents[f["target"]].flags)
                    for f in e.fks
                )
                if e.arch.get("unique_per_event") and event is not None and not about_thing:
                    # "riders rate drivers after each trip": one rating per rider and trip
                    cols = [e.fks[0]["column"], event["column"]]
                t = self._t(e)
                if not any(u.columns == cols for u in t.unique):
                    t.unique.append(
                        UniqueConstraint(
                            name=ident(t.name, *cols, "key"),
                            columns=cols,
                            attrs={
                                "reason": f"one {singular(t.name)} per " + " and ".join(c[:-3] for c in cols),
                                "provenance": "assumed",
                            },
                        )
                    )
            if e.arch and e.arch.get("unique_with_parent") and e.fks:
                cols = [e.fks[0]["column"], *e.arch.get("unique_with_parent")]
                t = self._t(e)
                if all(t.column(c) for c in cols) and not any(u.columns == cols for u in t.unique):
                    t.unique.append(
                        UniqueConstraint(
                            name=ident(t.name, *cols, "key"), columns=cols, attrs={"provenance": "assumed"}
                        )
                    )
            if e.arch and e.arch.get("composite_pk") and len(e.fks) >= 2:
                t = self._t(e)
                cols = [f["column"] for f in e.fks[:2]]
                t.columns = [c for c in t.columns if c.name != "id"]
                t.primary_key = cols
                for c in t.columns:
                    if c.name in cols:
                        c.nullable = False

    def _repeats_allowed(self, e: _Ent) -> bool:
        """Whether the text lets the same pair happen twice (a retake, a second request): no unique pair."""
        for rel in self.req.relationships:
            if rel.unique is False and e.name in (rel.source, rel.target, rel.via):
                return True
        return False

    def _break_required_cycles(self) -> None:
        """A ring of NOT NULL foreign keys (a -> b -> ... -> a) admits no first row: the reference
        added last (the knowledge base's before the text's) becomes optional."""
        while True:
            edges: dict[str, list[tuple[Table, ForeignKey]]] = {}
            for t in self.schema.tables:
                for fk in t.foreign_keys:
                    if fk.ref_table == t.name or len(fk.columns) != 1:
                        continue
                    c = t.column(fk.columns[0])
                    if c is not None and not c.nullable:
                        edges.setdefault(t.name, []).append((t, fk))
            cycle = _find_cycle(edges)
            if not cycle:
                return
            t, fk = max(enumerate(cycle), key=lambda x: (x[1][1].attrs.get("provenance") == "assumed", x[0]))[
                1
            ]
            col = t.column(fk.columns[0])
            col.nullable = True
            col.comment = None
            if fk.on_delete in ("CASCADE", "RESTRICT", None):
                fk.on_delete = "SET NULL"
            fk.attrs["reason"] = (
                "optional: a required reference here would close a ring of required references"
            )
            ent = next((e for e in self.ents.values() if e.table == t.name), None)
            for f in ent.fks if ent else []:
                if f["column"] == fk.columns[0]:
                    f["required"] = False

    def _junction_name(self, a: _Ent, b: _Ent, via: str | None) -> str:
        if via:
            return via
        return f"{a.entity.name}_{b.table}"

    def _junctions(self) -> None:
        from aishell.design.intent import Entity
        from aishell.design.plan.base import _Ent

        done: set[str] = set()
        for rel in self.req.relationships:
            if rel.kind != "many_to_many":
                continue
            a, b = self.ents.get(rel.source), self.ents.get(rel.target)
            if a is None or b is None:
                continue
            name = self._junction_name(a, b, rel.via)
            if self.schema.table(name) is not None or name in done:
                if name in done:
                    continue
                name = f"{a.entity.name}_{b.table}"
                if self.schema.table(name) is not None:
                    continue
            done.add(name)
            rel.via = name
            prov = rel.provenance
            t = Table(name=name, primary_key_name=ident(name, "pkey"))
            t.attrs["design"] = {"entity": None, "kind": "junction", "provenance": prov, "append_only": False}
            t.attrs["provenance"] = prov
            if rel.evidence and rel.evidence != "language model":
                t.attrs["evidence"] = rel.evidence
            if a.name == b.name:
                ca, cb = _self_junction_columns(a.entity.name, rel.role)
            else:
                ca, cb = f"{a.entity.name}_id", f"{b.entity.name}_id"
            if rel.source_role:
                ca = f"{rel.source_role.removesuffix('_id')}_id"
            if rel.target_role:
                cb = f"{rel.target_role.removesuffix('_id')}_id"
            if ca == cb:
                cb = f"related_{cb}"
            repeats = rel.unique is False  # "a student may retake a course": the pair is not a key
            if repeats:
                if self.opt.key_type == "uuid":
                    t.columns.append(
                        Column(
                            "id",
                            "UUID",
                            nullable=False,
                            default="gen_random_uuid()",
                            attrs={"provenance": "convention"},
                        )
                    )
                else:
                    t.columns.append(
                        Column(
                            "id",
                            "BIGINT",
                            nullable=False,
                            identity="always",
                            attrs={"provenance": "convention"},
                        )
                    )
            for col, ent in ((ca, a), (cb, b)):
                t.columns.append(Column(col, ent.key_type, nullable=False, attrs={"provenance": prov}))
                t.foreign_keys.append(
                    ForeignKey(
                        name=ident(name, col, "fkey"),
                        columns=[col],
                        ref_table=ent.table,
                        ref_columns=["id"],
                        on_delete="CASCADE",
                        attrs={
                            "reason": f"a link row means nothing without its {singular(ent.table)}",
                            "relationship": "many_to_many",
                            "provenance": prov,
                        },
                    )
                )
            if rel.attributes:
                # the link's own columns: an enrolment's grade, a prescription's dose
                link = _Ent(
                    entity=Entity(
                        name=singular(name), table=name, noun=singular(name), attributes=rel.attributes
                    ),
                    arch=None,
                    table=name,
                    kind="junction",
                )
                for attr in rel.attributes:
                    self._column_from_spec(link, self._attribute_spec(attr), t)
            t.columns.append(
                Column(
                    "created_at",
                    "TIMESTAMPTZ",
                    nullable=False,
                    default="now()",
                    attrs={"provenance": "convention"},
                )
            )
            t.primary_key = ["id"] if repeats else [ca, cb]
            if a.name == b.name:
                t.checks.append(
                    CheckConstraint(
                        name=ident(name, "no_self", "check"),
                        expression=f"{ca} <> {cb}",
                        attrs={"provenance": "inferred"},
                    )
                )
            t.comment = (
                f"Links {a.table} and {b.table} (many-to-many)"
                if a.name != b.name
                else f"{a.table.capitalize()} linked to other {a.table} ({rel.role or cb[:-3]})"
            ) + ("; the same pair may occur more than once" if repeats else "")
            self.schema.tables.append(t)

    def _self_refs(self) -> None:
        for rel in self.req.relationships:
            if rel.kind != "self":
                continue
            e = self.ents.get(rel.source)
            if e is None:
                continue
            t = self._t(e)
            role = (rel.role or "parent").removesuffix("_id")
            col = f"parent_{singular(t.name)}_id" if role == "parent" else f"{role}_id"
            if t.column(col) is not None or (
                role == "parent" and any(fk.ref_table == t.name for fk in t.foreign_keys)
            ):
                continue
            on_delete = (e.arch.get("self_ref_on_delete") if e.arch else None) or (
                "CASCADE" if e.kind in ("content", "task") and role == "parent" else "SET NULL"
            )
            if rel.on_delete:
                on_delete = rel.on_delete
            pos = 1 if t.primary_key == ["id"] else 0
            t.columns.insert(
                pos,
                Column(
                    col,
                    e.key_type,
                    nullable=True,
                    comment=f"Parent {singular(t.name)} (NULL for a top-level one)"
                    if role == "parent"
                    else f"{role.replace('_', ' ').capitalize()} (another {singular(t.name)})",
                    attrs={"provenance": rel.provenance},
                ),
            )
            t.foreign_keys.append(
                ForeignKey(
                    name=ident(t.name, col, "fkey"),
                    columns=[col],
                    ref_table=t.name,
                    ref_columns=["id"],
                    on_delete=on_delete,
                    attrs={
                        "reason": "children go with their parent"
                        if on_delete == "CASCADE"
                        else "children become top-level when their parent is deleted"
                        if role == "parent"
                        else f"the {role.replace('_', ' ')} is cleared when that {singular(t.name)} is deleted",
                        "relationship": "self",
                        "provenance": rel.provenance,
                    },
                )
            )
            t.checks.append(
                CheckConstraint(
                    name=ident(t.name, col, "not_self", "check"),
                    expression=f"{col} <> id",
                    attrs={"provenance": "inferred"},
                )
            )
        for e in self.ents.values():
            if e.entity.stated_attributes:
                continue  # a tree the text does not describe is not assumed for an entity it does
            if "self_ref" in e.flags and e.arch and e.arch.id == "category":
                t = self._t(e)
                pcol = f"parent_{singular(t.name)}_id"
                if t.column(pcol) is None and not any(fk.ref_table == t.name for fk in t.foreign_keys):
                    self.req.relationships.append(
                        Relationship(
                            "self",
                            e.name,
                            e.name,
                            role="parent",
                            provenance="assumed",
                            evidence=f"{t.name} form a tree",
                        )
                    )
                    t.columns.insert(
                        1,
                        Column(
                            pcol,
                            e.key_type,
                            nullable=True,
                            comment=f"Parent {singular(t.name)} (NULL for a top-level one)",
                            attrs={"provenance": "assumed"},
                        ),
                    )
                    t.foreign_keys.append(
                        ForeignKey(
                            name=ident(t.name, pcol, "fkey"),
                            columns=[pcol],
                            ref_table=t.name,
                            ref_columns=["id"],
                            on_delete="SET NULL",
                            attrs={
                                "reason": "sub-categories become top-level when their parent is deleted",
                                "relationship": "self",
                                "provenance": "assumed",
                            },
                        )
                    )
                    t.checks.append(
                        CheckConstraint(
                            name=ident(t.name, pcol, "not_self", "check"),
                            expression=f"{pcol} <> id",
                            attrs={"provenance": "assumed"},
                        )
                    )

    def _tenant(self) -> _Ent | None:
        if self.req.tenancy is not None and self.req.tenancy.tenant in self.ents:
            return self.ents[self.req.tenancy.tenant]
        if "multi_tenant" not in self.req.features:
            return None
        return self._find("@org")

    def _tenant_scoped(self, tt: Table) -> list[Table]:
        """The tables that carry the tenant key: the intent's list (and links between them), or all."""
        listed = set(self.req.tenancy.entities) if self.req.tenancy is not None else set()
        listed_tables = {self.ents[n].table for n in listed if n in self.ents}
        out = []
        for t in self.schema.tables:
            if t.name == tt.name or t.partition_of:
                continue
            design = t.attrs.get("design", {})
            if design.get("kind") in ("classifier", "tag") and design.get("archetype") in ("role",):
                continue
            if listed_tables:
                refs = {fk.ref_table for fk in t.foreign_keys if fk.ref_table != t.name}
                if t.name not in listed_tables and not (
                    design.get("kind") == "junction" and refs and refs <= listed_tables
                ):
                    continue
            out.append(t)
        return out

    def _multi_tenant(self) -> None:
        tenant = self._tenant()
        if tenant is None:
            return
        tt = self._t(tenant)
        col = f"{tenant.entity.name}_id"
        setting = f"app.current_{tenant.entity.name}_id"
        cast = tenant.key_type.lower()
        prov = self.req.tenancy.provenance if self.req.tenancy is not None else "inferred"
        self.schema.attrs.setdefault("design", {})["tenant"] = {
            "table": tt.name,
            "column": col,
            "setting": setting,
        }
        scoped = self._tenant_scoped(tt)
        scoped_names = {t.name for t in scoped}
        for t in scoped:
            if t.column(col) is None:
                pos = 1 if t.primary_key == ["id"] else 0
                t.columns.insert(
                    pos,
                    Column(
                        col,
                        tenant.key_type,
                        nullable=False,
                        comment=f"Owning {tenant.entity.name} (row-level security key)",
                        attrs={"provenance": "inferred"},
                    ),
                )
                t.foreign_keys.append(
                    ForeignKey(
                        name=ident(t.name, col, "fkey"),
                        columns=[col],
                        ref_table=tt.name,
                        ref_columns=["id"],
                        on_delete="CASCADE",
                        attrs={
                            "reason": f"a {tenant.entity.name}'s data goes with it",
                            "relationship": "many_to_one",
                            "provenance": "inferred",
                        },
                    )
                )
                self.req.relationships.append(
                    Relationship(
                        "many_to_one",
                        t.attrs["design"].get("entity") or t.name,
                        tenant.name,
                        provenance="inferred",
                        evidence="multi-tenant isolation",
                    )
                )
            else:
                c = t.column(col)
                assert c is not None
                c.nullable = False
                for fk in t.foreign_keys:
                    if fk.columns == [col]:
                        fk.on_delete = "CASCADE"
                        fk.attrs["reason"] = f"a {tenant.entity.name}'s data goes with it"
            # uniqueness is per tenant
            for u in t.unique:
                if col not in u.columns:
                    u.columns = [col, *u.columns]
                    u.name = ident(t.name, *u.columns, "key")
            t.rls_enabled = True
            expr = f"({col} = (NULLIF(current_setting('{setting}', true), ''))::{cast})"
            t.policies.append(
                Policy(
                    name=ident(t.name, "tenant_isolation"),
                    command="ALL",
                    using=expr,
                    with_check=expr,
                    comment=f"Rows of the {tenant.entity.name} named by {setting} only",
                    attrs={"provenance": prov},
                )
            )
        # references between a tenant's tables carry the tenant key: a row can only point at a row of
        # its own tenant (the referenced table gets UNIQUE (tenant, id) for it)
        for t in scoped:
            for fk in t.foreign_keys:
                if fk.ref_table == tt.name or fk.ref_table not in scoped_names or len(fk.columns) != 1:
                    continue
                if fk.columns == [col]:
                    continue
                ref = self.schema.table(fk.ref_table)
                if ref is None or ref.primary_key != ["id"]:
                    continue
                fk.columns = [col, fk.columns[0]]
                fk.ref_columns = [col, "id"]
                fk.name = ident(t.name, fk.columns[1], "fkey")
                if fk.on_delete == "SET NULL":
                    fk.on_delete = f"SET NULL ({fk.columns[1]})"  # PostgreSQL 15+: keep the tenant key
                fk.attrs["tenant_scoped"] = True
                if not any(set(u.columns) == {col, "id"} for u in ref.unique):
                    ref.unique.append(
                        UniqueConstraint(
                            name=ident(ref.name, col, "id", "key"),
                            columns=[col, "id"],
                            attrs={
                                "provenance": "inferred",
                                "reason": f"target of {tenant.entity.name}-scoped foreign keys",
                            },
                        )
                    )


def _self_junction_columns(entity: str, verb: str | None) -> tuple[str, str]:
    pairs = {
        "follow": ("follower", "followed"),
        "friend": (entity, "friend"),
        "befriend": (entity, "friend"),
        "block": ("blocker", "blocked"),
        "mention": ("mentioner", "mentioned"),
        "depend": (entity, "depends_on"),
        "require": (entity, "prerequisite"),
        "like": (entity, "liked"),
        "know": (entity, "known"),
        "refer": ("referrer", "referred"),
        "mentor": ("mentor", "mentee"),
    }
    a, b = pairs.get(verb or "", (entity, f"related_{entity}"))
    return f"{a}_id" if not a.endswith("_id") else a, f"{b}_id"


def _find_cycle(edges: dict[str, list[tuple[Table, ForeignKey]]]) -> list[tuple[Table, ForeignKey]]:
    """One cycle of the graph table -> referenced table, as its edges (empty when there is none)."""
    state: dict[str, int] = {}
    path: list[tuple[Table, ForeignKey]] = []

    def visit(node: str) -> list[tuple[Table, ForeignKey]]:
        state[node] = 1
        for t, fk in edges.get(node, []):
            nxt = fk.ref_table
            path.append((t, fk))
            if state.get(nxt) == 1:
                start = next(i for i, (tt, _) in enumerate(path) if tt.name == nxt)
                return path[start:]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
            path.pop()
        state[node] = 2
        return []

    for node in sorted(edges):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return []
