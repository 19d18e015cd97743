"""Markdown documentation of a schema: one document (stdout) or an index plus a page per table.

Every table, column and foreign key of the schema appears (tests check it); live statistics appear
when the source was a database. Links between tables use explicit anchors in the single document and
relative file links in the multi-page form.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from aishell.model.schema import Function, Schema, Table, View
from aishell.render.facts import SchemaFacts, Slugger, human_bytes, human_count, plural, ref_name, table_stats
from aishell.render.simplify import simplified_info, summarize_rules

MERMAID_MAX_TABLES = 40


_MARKUP = re.compile(r"[\\`*\[\]|~#!]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")


def _text(text: object) -> str:
    """Names and comments as literal inline text: no HTML (``& < >`` as entities), no Markdown
    (emphasis, links, images, code, table pipes, heading marks backslash-escaped). An underscore
    between letters or digits (``order_items``) cannot start emphasis and is left as it is."""
    if text is None:
        return ""
    s = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKUP.sub(lambda m: "\\" + m.group(0), s)


def _cell(text: object) -> str:
    if text is None:
        return ""
    return "<br>".join(_text(line) for line in str(text).replace("\r", "").split("\n"))


def _code(text: object) -> str:
    if text is None or text == "":
        return ""
    s = str(text).replace("|", "\\|").replace("\n", " ")
    ticks = "``" if "`" in s else "`"
    pad = " " if ticks == "``" else ""
    return f"{ticks}{pad}{s}{pad}{ticks}"


def _block(text: str, lang: str = "sql") -> list[str]:
    fence = "````" if "```" in text else "```"
    return [f"{fence}{lang}", text.rstrip(), fence]


def anchor(qualified: str) -> str:
    """The anchor id of a table's section in the single document."""
    return "table-" + "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in qualified.lower())


class MarkdownWriter:
    """Renders the sections; ``link(qualified)`` gives the href of a table from the current page."""

    def __init__(self, schema: Schema, *, mermaid: str | None = None, diagram_image: str | None = None,
                 simplified_view: Schema | None = None):
        self.schema = schema
        self.facts = SchemaFacts(schema)
        self.mermaid = mermaid
        self.diagram_image = diagram_image
        self.simplified_view = simplified_view
        self.partitions: dict[str, list[Table]] = {}
        for t in schema.tables:
            if t.partition_of in self.facts.tables:
                self.partitions.setdefault(t.partition_of, []).append(t)
        self.slug = Slugger()
        for t in schema.tables:
            self.slug(t.qualified_name)

    # -- whole documents ---------------------------------------------------------------------------
    def single(self) -> str:
        """One document holding everything, tables linked by anchors."""
        link = lambda q: f"#{anchor(q)}"
        out = self._index(link, single=True)
        for t in self.schema.tables:
            out.append("")
            out += self._table(t, link, level=2)
        out += self._others(level=2)
        return "\n".join(out).rstrip() + "\n"

    def site(self) -> dict[str, str]:
        """``index.md``, ``tables/<table>.md`` and ``objects.md`` (views, types, functions)."""
        files: dict[str, str] = {}
        index = self._index(lambda q: f"tables/{self.slug(q)}.md", single=False)
        files["index.md"] = "\n".join(index).rstrip() + "\n"
        for t in self.schema.tables:
            page = ["[← index](../index.md)", ""]
            page += self._table(t, lambda q: f"{self.slug(q)}.md", level=1)
            files[f"tables/{self.slug(t.qualified_name)}.md"] = "\n".join(page).rstrip() + "\n"
        others = self._others(level=1)
        if others:
            files["objects.md"] = "\n".join(["[← index](index.md)", "", *others]).rstrip() + "\n"
        return files

    # -- index ---------------------------------------------------------------------------------------
    def _index(self, link: Callable[[str], str], *, single: bool) -> list[str]:
        s = self.schema
        title = s.name or "Schema"
        out = [f"# {_text(title)}", ""]
        counts = [
            ("tables", len(s.tables)), ("columns", sum(len(t.columns) for t in s.tables)),
            ("foreign keys", sum(len(t.foreign_keys) for t in s.tables)),
            ("indexes", sum(len(t.indexes) for t in s.tables)),
            ("views", len(s.views)), ("enums", len(s.enums)), ("functions", len(s.functions)),
        ]
        out.append(" · ".join(plural(n, k) for k, n in counts if n) or "An empty schema.")
        if s.server_version:
            out.append(f"\nPostgreSQL {s.server_version}.")
        out.append("")
        if self.diagram_image:
            out += ["## Diagram", "", f"![ER diagram]({self.diagram_image})", ""]
        elif self.mermaid:
            out += ["## Diagram", "", *_block(self.mermaid, "mermaid"), ""]
        info = simplified_info(self.simplified_view) if self.simplified_view is not None else None
        if info:
            out += ["## Simplified view", "",
                    f"{info['tables']} of {info['source_tables']} tables shown in the diagram. Rules applied:", ""]
            out += [f"- {_cell(line)}" for line in summarize_rules(info["rules"])] or ["- none"]
            out.append("")
        has_stats = any("row_estimate" in t.attrs for t in s.tables)
        several = len({t.schema for t in s.tables}) > 1
        out += ["## Tables", ""]
        if s.tables:
            head = "| Table | Columns | FKs out | FKs in | Description |"
            rule = "|---|---:|---:|---:|---|"
            if has_stats:
                head = "| Table | Columns | FKs out | FKs in | Rows (est.) | Size | Description |"
                rule = "|---|---:|---:|---:|---:|---:|---|"
            out += [head, rule]
            for t in s.tables:
                q = t.qualified_name
                if t.partition_of in self.facts.tables:
                    continue  # listed on its parent's page
                name = q if several or t.schema != "public" else t.name
                row = [f"[{_cell(name)}]({link(q)})", str(len(t.columns)), str(len(t.foreign_keys)),
                       str(len(self.facts.incoming.get(q, [])))]
                if has_stats:
                    row += [human_count(t.attrs.get("row_estimate")) or "",
                            human_bytes(t.attrs.get("total_bytes")) or ""]
                n_parts = len(self.partitions.get(q, []))
                row.append((f"partitioned, {plural(n_parts, 'partitions')}; " if n_parts else "")
                           + _cell(_first_line(t.comment)))
                out.append("| " + " | ".join(row) + " |")
        else:
            out.append("No tables.")
        out.append("")
        other = [("Views", len(s.views)), ("Enums", len(s.enums)), ("Domains", len(s.domains)),
                 ("Composite types", len(s.composite_types)), ("Functions", len(s.functions))]
        if any(n for _, n in other):
            where = "" if single else " (see [objects.md](objects.md))"
            out.append("Also: " + ", ".join(f"{n} {k.lower()}" for k, n in other if n) + where + ".")
            out.append("")
        return out

    # -- one table -----------------------------------------------------------------------------------
    def _table(self, t: Table, link: Callable[[str], str], *, level: int) -> list[str]:
        h = "#" * level
        q = t.qualified_name
        facts = self.facts
        out = [f'<a id="{anchor(q)}"></a>', "", f"{h} {_text(q)}", ""]
        kind = []
        if t.partition_by:
            kind.append(f"partitioned by {_code(t.partition_by)}")
        if t.partition_of:
            kind.append(f"partition of [{_text(t.partition_of)}]({link(t.partition_of)}) {_code(t.partition_bound)}"
                        if t.partition_of in facts.tables else f"partition of {_text(t.partition_of)}")
        if t.inherits:
            kind.append("inherits " + ", ".join(_text(p) for p in t.inherits))
        if t.unlogged:
            kind.append("unlogged")
        if t.rls_enabled:
            kind.append("row-level security" + (" (forced)" if t.rls_forced else ""))
        if t.comment:
            out += [_quote(t.comment), ""]
        if kind:
            out += ["*" + "; ".join(kind) + "*", ""]
        stats = table_stats(t)
        if stats:
            out += [" · ".join(f"{k}: **{v}**" for k, v in stats.items()), ""]

        pk = set(t.primary_key)
        fk_of: dict[str, list[str]] = {}
        for fk in t.foreign_keys:
            for c in fk.columns:
                fk_of.setdefault(c, []).append(ref_name(fk))
        uniques = facts.unique_columns(t)
        out += [f"{h}# Columns", "", "| Column | Type | Nullable | Default | Key | Comment |",
                "|---|---|---|---|---|---|"]
        for c in t.columns:
            keys = []
            if c.name in pk:
                keys.append("PK")
            for ref in fk_of.get(c.name, []):
                keys.append(f"FK → [{_text(ref)}]({link(ref)})" if ref in facts.tables else f"FK → {_text(ref)}")
            if c.name in uniques:
                keys.append("unique")
            default = c.default
            if c.identity:
                default = f"identity ({c.identity})"
            if c.generated:
                default = f"generated ({c.generated_kind or 'stored'}): {c.generated}"
            out.append("| " + " | ".join([
                f"**{_cell(c.name)}**" if c.name in pk else _cell(c.name), _code(c.type),
                "yes" if c.nullable and c.name not in pk else "no", _code(default),
                "<br>".join(keys), _cell(c.comment),
            ]) + " |")
        out.append("")
        if t.primary_key:
            name = f" ({_code(t.primary_key_name)})" if t.primary_key_name else ""
            out += [f"**Primary key**{name}: " + ", ".join(_code(c) for c in t.primary_key), ""]
        parts = self.partitions.get(q, [])
        if parts:
            out += [f"{h}# Partitions", "", "| Partition | Bound |", "|---|---|"]
            out += [f"| [{_text(p.qualified_name)}]({link(p.qualified_name)}) | {_code(p.partition_bound)} |"
                    for p in parts]
            out.append("")
        if t.foreign_keys:
            out += [f"{h}# Foreign keys", "", "| Name | Columns | References | On delete | On update |",
                    "|---|---|---|---|---|"]
            for fk in t.foreign_keys:
                ref = ref_name(fk)
                target = f"[{_text(ref)}]({link(ref)})" if ref in facts.tables else _text(ref)
                out.append("| " + " | ".join([
                    _code(fk.name), _names(fk.columns), f"{target} ({_names(fk.ref_columns)})",
                    _text(fk.on_delete), _text(fk.on_update)]) + (" |" if fk.valid else " (not valid) |"))
            out.append("")
        incoming = facts.incoming.get(q, [])
        if incoming:
            out += [f"{h}# Referenced by", "", "| Table | Columns | Constraint |", "|---|---|---|"]
            for other, fk in incoming:
                oq = other.qualified_name
                out.append(f"| [{_text(oq)}]({link(oq)}) | {_names(fk.columns)} | {_code(fk.name)} |")
            out.append("")
        views = facts.views_of.get(q, [])
        if views:
            where = "#" if link(q).startswith("#") else "../objects.md#"
            out += ["**Read by views**: " + ", ".join(f"[{_text(v)}]({where}{_view_anchor(v)})" for v in views), ""]
        cons = []
        for u in t.unique:
            cons.append(("unique", u.name, u.definition or f"UNIQUE ({', '.join(u.columns)})"))
        for ck in t.checks:
            cons.append(("check", ck.name, ck.definition or f"CHECK ({ck.expression})"))
        for ex in t.exclusions:
            cons.append(("exclude", ex.name, ex.definition))
        if cons:
            out += [f"{h}# Constraints", "", "| Kind | Name | Definition |", "|---|---|---|"]
            out += [f"| {k} | {_code(n)} | {_code(d)} |" for k, n, d in cons]
            out.append("")
        if t.indexes:
            out += [f"{h}# Indexes", "", "| Name | Definition | Notes |", "|---|---|---|"]
            for i in t.indexes:
                definition = i.definition or (
                    f"{'UNIQUE ' if i.unique else ''}{i.method} ({', '.join(i.columns)})"
                    + (f" WHERE {i.where}" if i.where else ""))
                notes = []
                if i.constraint:
                    notes.append(f"backs constraint {_code(i.constraint)}")
                if i.reason:
                    notes.append(_cell(i.reason))
                if i.comment:
                    notes.append(_cell(i.comment))
                for key, label in (("scans", "scans"), ("bytes", "size")):
                    v = i.attrs.get(key)
                    if v is not None:
                        notes.append(f"{label}: {human_bytes(v) if key == 'bytes' else human_count(v)}")
                if not i.valid:
                    notes.append("INVALID")
                out.append(f"| {_code(i.name)} | {_code(definition)} | {'; '.join(notes)} |")
            out.append("")
        if t.triggers:
            out += [f"{h}# Triggers", "", "| Name | When | Function | Definition |", "|---|---|---|---|"]
            for tr in t.triggers:
                when = f"{tr.timing} {' OR '.join(tr.events)} FOR EACH {tr.for_each}"
                out.append(f"| {_code(tr.name)} | {_text(when)} | {_code(tr.function)} | {_code(tr.definition)} |")
            out.append("")
        if t.policies:
            out += [f"{h}# Policies", "", "| Name | Command | Roles | Using | With check |", "|---|---|---|---|---|"]
            for p in t.policies:
                kind = p.command + ("" if p.permissive else " (restrictive)")
                out.append(f"| {_code(p.name)} | {_text(kind)} | {_names(p.roles)} | {_code(p.using)} | "
                           f"{_code(p.with_check)} |")
            out.append("")
        return out

    # -- views, types, functions -------------------------------------------------------------------
    def _others(self, *, level: int) -> list[str]:
        s = self.schema
        h = "#" * level
        out: list[str] = []
        if s.views:
            out += ["", f"{h} Views", ""]
            for v in s.views:
                out += self._view(v, h + "#")
        if s.enums or s.domains or s.composite_types:
            out += ["", f"{h} Types", ""]
            for e in s.enums:
                out += [f"{h}# {_text(f'{e.schema}.{e.name}')} (enum)", ""]
                if e.comment:
                    out += [_quote(e.comment), ""]
                out += ["Values: " + ", ".join(_code(v) for v in e.values), ""]
            for d in s.domains:
                out += [f"{h}# {_text(f'{d.schema}.{d.name}')} (domain)", ""]
                if d.comment:
                    out += [_quote(d.comment), ""]
                bits = [f"over {_code(d.type)}"]
                if d.not_null:
                    bits.append("NOT NULL")
                if d.default:
                    bits.append(f"default {_code(d.default)}")
                bits += [_code(c.definition or f"CHECK ({c.expression})") for c in d.checks]
                out += ["; ".join(bits), ""]
            for ct in s.composite_types:
                out += [f"{h}# {_text(f'{ct.schema}.{ct.name}')} (composite type)", ""]
                out += ["| Attribute | Type |", "|---|---|"]
                out += [f"| {_cell(a.name)} | {_code(a.type)} |" for a in ct.attributes]
                out.append("")
        if s.functions:
            out += ["", f"{h} Functions", ""]
            for f in s.functions:
                out += self._function(f, h + "#")
        return out

    def _view(self, v: View, h: str) -> list[str]:
        kind = "materialized view" if v.materialized else "view"
        out = [f'<a id="{_view_anchor(v.qualified_name)}"></a>', "", f"{h} {_text(v.qualified_name)} ({kind})", ""]
        if v.comment:
            out += [_quote(v.comment), ""]
        if v.columns:
            out += ["| Column | Comment |", "|---|---|"]
            out += [f"| {_cell(c)} | {_cell(v.column_comments.get(c))} |" for c in v.columns]
            out.append("")
        if v.depends_on:
            out += ["Reads: " + ", ".join(_code(d) for d in v.depends_on), ""]
        if v.definition:
            out += _block(v.definition.strip()) + [""]
        return out

    def _function(self, f: Function, h: str) -> list[str]:
        out = [f"{h} {_text(f'{f.schema}.{f.name}({f.identity_args or f.arguments})')}", ""]
        if f.comment:
            out += [_quote(f.comment), ""]
        bits = [_text(f.kind)]
        if f.returns:
            bits.append(f"returns {_code(f.returns)}")
        bits.append(f"language {_text(f.language)}")
        if f.volatility:
            bits.append(_text(f.volatility.lower()))
        out += [", ".join(bits), ""]
        if f.definition:
            out += ["<details><summary>Definition</summary>", "", *_block(f.definition), "", "</details>", ""]
        return out


def _view_anchor(qualified: str) -> str:
    return "view-" + "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in qualified.lower())


def _quote(text: str) -> str:
    """A comment as a block quote of literal text: no HTML, no Markdown links or formatting."""
    return "\n".join("> " + _text(line) for line in text.strip().splitlines())


def _names(names: list[str]) -> str:
    return ", ".join(_text(n) for n in names)


def _first_line(text: str | None) -> str:
    if not text:
        return ""
    line = text.strip().splitlines()[0]
    return line if len(line) <= 120 else line[:117] + "..."
