"""HTML documentation: a self-contained offline site (or one page on stdout), from Jinja2 templates.

The site is ``index.html`` (search box filtering the tables, the ER diagram as inline SVG whose boxes
link to the tables), ``tables/<table>.html`` (everything about one table, links to related tables, a
neighbourhood diagram) and ``objects.html`` (views, types, functions), with CSS and JavaScript in
``assets/``. Nothing is loaded from the network.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aishell.model.schema import Schema, Table
from aishell.render import erd
from aishell.render.facts import SchemaFacts, Slugger, human_bytes, human_count, plural, ref_name, table_stats
from aishell.render.simplify import fold_partitions, simplified_info, summarize_rules

if TYPE_CHECKING:
    from aishell.render.document import DocResult

_HERE = Path(__file__).resolve().parent
# Neighbourhood diagrams on table pages: up to this many tables in the schema (one dot process for all).
NEIGHBOURHOOD_MAX_SCHEMA = 400
NEIGHBOURHOOD_MAX_TABLES = 16


def _env():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(_HERE / "templates")),
        autoescape=True, trim_blocks=False, lstrip_blocks=False, keep_trailing_newline=True,
    )


def _asset(name: str) -> str:
    return (_HERE / "static" / name).read_text(encoding="utf-8")


def _anchor(q: str) -> str:
    return "t-" + "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in q)


def write_html(schema: Schema, view: Schema | None, out_dir: Path | None, res: DocResult, *,
               simplified: bool, max_tables: int | None, diagram: bool) -> None:
    from aishell.render.document import _write_files, overview_graph

    facts = SchemaFacts(schema)
    slug = Slugger()
    for t in schema.tables:
        slug(t.qualified_name)
    single = out_dir is None
    anchor = lambda q: "t-" + slug(q)
    several = len({t.schema for t in schema.tables}) > 1

    def page_link(q: str) -> str | None:
        """href of a table from a table page (or within the single page)."""
        if q not in facts.tables:
            return None
        return f"#{anchor(q)}" if single else f"{slug(q)}.html"

    dot_ok = diagram and bool(erd.have_dot()) and bool(schema.tables)
    site_diagram = None
    diagram_note = None
    neighbourhoods: dict[str, str] = {}
    if dot_ok:
        href = (lambda q: f"#{anchor(q)}") if single else (lambda q: f"tables/{slug(q)}.html")
        g = overview_graph(schema, simplified=simplified, max_tables=max_tables, href=href)
        res.diagram_tables = len(g.tables)
        res.notes += g.notes
        sources = [erd.layout_dot(g)]
        keys: list[str] = []
        if not single and len(schema.tables) <= NEIGHBOURHOOD_MAX_SCHEMA:
            # A partitioned parent's neighbours are those of its partitions (keys are often declared
            # there): look at parents in the folded schema, at partitions in the schema as it is.
            folded, _ = fold_partitions(schema)
            ffacts = SchemaFacts(folded)
            for t in schema.tables:
                q = t.qualified_name
                partition = t.partition_of in facts.tables
                src, sfacts = (schema, facts) if partition else (folded, ffacts)
                if not sfacts.neighbours.get(q):
                    continue
                # Build on the neighbourhood alone: linear overall, not quadratic in the schema.
                near = {q} | sfacts.neighbours[q]
                sub = dataclasses.replace(src, tables=[x for x in src.tables if x.qualified_name in near])
                ng = erd.build_erd(sub, table=q, depth=1, max_tables=NEIGHBOURHOOD_MAX_TABLES,
                                   columns="keys" if len(near) > 7 else "all", clusters="none",
                                   partitions=True, href=lambda other: f"{slug(other)}.html")
                ng.title = q
                if len(ng.tables) > 6:
                    # A busy neighbourhood reads better as a star: only the keys of this table.
                    ng.edges = [e for e in ng.edges if q in (e.child, e.parent)]
                    erd.stagger(ng, q)
                keys.append(q)
                sources.append(erd.to_dot(ng))
        svgs = erd.dot_to_svgs(sources)
        site_diagram = erd.inline_svg(svgs[0])
        neighbourhoods = {q: erd.inline_svg(s) for q, s in zip(keys, svgs[1:])}
        res.diagram = "svg"
        if g.notes:
            diagram_note = "Every table is listed below. In the diagram: " + "; ".join(g.notes) + "."
    elif diagram and schema.tables:
        res.notes.append("no diagram embedded: Graphviz 'dot' not found (apt-get install graphviz)")

    tables = [_table_doc(facts, t, page_link, several, anchor(t.qualified_name)) for t in schema.tables]
    children: dict[str, list[Table]] = {}
    for t in schema.tables:
        if t.partition_of in facts.tables:
            children.setdefault(t.partition_of, []).append(t)
    for td in tables:
        parts = children.get(td["q"], [])
        td["partitions"] = [{"name": c.qualified_name, "href": page_link(c.qualified_name),
                             "bound": c.partition_bound} for c in parts]
        td["is_partition"] = td["q"] in {c.qualified_name for cs in children.values() for c in cs}
    for td in tables:
        td["href"] = f"{slug(td['q'])}.html"
        td["diagram"] = neighbourhoods.get(td["q"])
    info = simplified_info(view) if view is not None else None
    counts = [
        ("tables", len(schema.tables)), ("columns", sum(len(t.columns) for t in schema.tables)),
        ("foreign keys", sum(len(t.foreign_keys) for t in schema.tables)),
        ("indexes", sum(len(t.indexes) for t in schema.tables)), ("views", len(schema.views)),
        ("enums", len(schema.enums)), ("functions", len(schema.functions)),
    ]
    site = {
        "title": schema.name or "Schema",
        "summary": " · ".join(plural(n, k) for k, n in counts[:3]),
        "counts": [(k, n) for k, n in counts if n],
        "has_stats": any("row_estimate" in t.attrs for t in schema.tables),
        "diagram": site_diagram, "diagram_note": diagram_note,
        "rules": summarize_rules(info["rules"]) if info else [],
        "has_objects": bool(schema.views or schema.enums or schema.domains or schema.composite_types
                            or schema.functions),
    }
    objects = _objects(schema, page_link if single else (lambda q: f"tables/{slug(q)}.html" if q in facts.tables else None))
    env = _env()
    common = {"site": site, "o": objects}
    if single:
        html = env.get_template("single.html.j2").render(
            **common, tables=tables, page_title=site["title"], inline_assets=True, css=_asset("site.css"),
            js=_asset("site.js").replace("</", "<\\/"), root="", index_href="#", views_href="",
        )
        res.text = html
        return
    files: dict[str, str | bytes] = {}
    files["index.html"] = env.get_template("index.html.j2").render(
        **common, tables=tables, page_title=site["title"], inline_assets=False, root="", index_href="index.html")
    page = env.get_template("table.html.j2")
    for td in tables:
        files[f"tables/{td['href']}"] = page.render(
            **common, td=td, page_title=f"{td['q']} · {site['title']}", inline_assets=False, root="../", views_href="../objects.html",
            index_href="../index.html")
    if site["has_objects"]:
        files["objects.html"] = env.get_template("objects.html.j2").render(
            **common, page_title=f"Objects · {site['title']}", inline_assets=False, root="",
            index_href="index.html")
    data = [{"n": td["q"], "h": td["href"], "c": td["first_line"], **({"p": 1} if td["is_partition"] else {})}
            for td in tables]
    files["assets/tables.js"] = ("window.AISHELL_TABLES = "
                                 + json.dumps(data, ensure_ascii=False).replace("</", "<\\/") + ";\n")
    files["assets/site.css"] = _asset("site.css")
    files["assets/site.js"] = _asset("site.js")
    _write_files(out_dir, files, res)


def _table_doc(facts: SchemaFacts, t: Table, link: Callable[[str], str | None], several: bool,
               anchor: str) -> dict[str, Any]:
    q = t.qualified_name
    pk = set(t.primary_key)
    fk_of: dict[str, list[str]] = {}
    for fk in t.foreign_keys:
        for c in fk.columns:
            fk_of.setdefault(c, []).append(ref_name(fk))
    uniques = facts.unique_columns(t)
    columns = []
    for c in t.columns:
        default = c.default
        if c.identity:
            default = f"identity ({c.identity})"
        if c.generated:
            default = f"generated ({c.generated_kind or 'stored'}): {c.generated}"
        columns.append({
            "name": c.name, "type": c.type, "nullable": c.nullable and c.name not in pk, "default": default,
            "pk": c.name in pk, "unique": c.name in uniques, "comment": c.comment,
            "fks": [{"name": r, "href": link(r)} for r in fk_of.get(c.name, [])],
        })
    kind = []
    if t.partition_by:
        kind.append({"text": f"partitioned by {t.partition_by}"})
    if t.partition_of:
        kind.append({"text": "partition of", "target": t.partition_of, "href": link(t.partition_of),
                     "extra": t.partition_bound})
    for parent in t.inherits:
        kind.append({"text": "inherits", "target": parent, "href": link(parent)})
    if t.unlogged:
        kind.append({"text": "unlogged"})
    if t.rls_enabled:
        kind.append({"text": "row-level security" + (" (forced)" if t.rls_forced else "")})
    for k in kind:
        if "href" in k and not k["href"]:
            k["text"] = f"{k['text']} {k['target']}"
            k.pop("href")
    indexes = []
    for i in t.indexes:
        notes = []
        if i.constraint:
            notes.append(f"backs constraint {i.constraint}")
        if i.reason:
            notes.append(i.reason)
        if i.comment:
            notes.append(i.comment)
        if i.attrs.get("scans") is not None:
            notes.append(f"scans: {human_count(i.attrs['scans'])}")
        if i.attrs.get("bytes") is not None:
            notes.append(f"size: {human_bytes(i.attrs['bytes'])}")
        if not i.valid:
            notes.append("INVALID")
        definition = i.definition or (f"{'UNIQUE ' if i.unique else ''}{i.method} ({', '.join(i.columns)})"
                                      + (f" WHERE {i.where}" if i.where else ""))
        indexes.append({"name": i.name, "definition": definition, "notes": "; ".join(notes)})
    constraints = [("unique", u.name, u.definition or f"UNIQUE ({', '.join(u.columns)})") for u in t.unique]
    constraints += [("check", c.name, c.definition or f"CHECK ({c.expression})") for c in t.checks]
    constraints += [("exclude", e.name, e.definition) for e in t.exclusions]
    first = (t.comment or "").strip().splitlines()[0] if t.comment and t.comment.strip() else ""
    return {
        "q": q, "label": q if several or t.schema != "public" else t.name, "anchor": anchor,
        "search": f"{q} {t.name} {first}".lower(),
        "comment": t.comment, "first_line": first[:160], "kind": kind, "stats": table_stats(t),
        "rows": human_count(t.attrs.get("row_estimate")), "size": human_bytes(t.attrs.get("total_bytes")),
        "rows_raw": _number(t.attrs.get("row_estimate")), "size_raw": _number(t.attrs.get("total_bytes")),
        "columns": columns, "pk": t.primary_key, "pk_name": t.primary_key_name,
        "fks_out": [{
            "name": fk.name, "columns": ", ".join(fk.columns), "ref": ref_name(fk), "href": link(ref_name(fk)),
            "ref_columns": ", ".join(fk.ref_columns), "on_delete": fk.on_delete, "on_update": fk.on_update,
            "valid": fk.valid,
        } for fk in t.foreign_keys],
        "fks_in": [{"table": o.qualified_name, "href": link(o.qualified_name), "columns": ", ".join(fk.columns),
                    "name": fk.name} for o, fk in facts.incoming.get(q, [])],
        "constraints": constraints, "indexes": indexes,
        "views": [{"name": v, "anchor": "v-" + _anchor(v)[2:]} for v in facts.views_of.get(q, [])],
        "triggers": [{"name": tr.name, "when": f"{tr.timing} {' OR '.join(tr.events)} FOR EACH {tr.for_each}",
                      "function": tr.function, "definition": tr.definition} for tr in t.triggers],
        "policies": [{"name": p.name, "command": p.command + ("" if p.permissive else " (restrictive)"),
                      "roles": ", ".join(p.roles), "using": p.using, "with_check": p.with_check}
                     for p in t.policies],
    }


def _number(value: object) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else -1.0


def _objects(schema: Schema, link: Callable[[str], str | None]) -> dict[str, Any]:
    views = [{
        "q": v.qualified_name, "anchor": "v-" + _anchor(v.qualified_name)[2:],
        "kind": "materialized view" if v.materialized else "view", "comment": v.comment, "columns": v.columns,
        "depends_on": [{"name": d, "href": link(d)} for d in v.depends_on], "definition": v.definition.strip(),
    } for v in schema.views]
    enums = [{"q": f"{e.schema}.{e.name}", "anchor": "e-" + _anchor(f"{e.schema}.{e.name}")[2:],
              "comment": e.comment, "labels": e.values} for e in schema.enums]
    domains = []
    for d in schema.domains:
        bits = [f"over {d.type}"]
        if d.not_null:
            bits.append("NOT NULL")
        if d.default:
            bits.append(f"default {d.default}")
        bits += [c.definition or f"CHECK ({c.expression})" for c in d.checks]
        domains.append({"q": f"{d.schema}.{d.name}", "comment": d.comment, "text": "; ".join(bits)})
    composites = [{"q": f"{c.schema}.{c.name}", "attributes": [(a.name, a.type) for a in c.attributes]}
                  for c in schema.composite_types]
    functions = []
    for f in schema.functions:
        bits = [f.kind]
        if f.returns:
            bits.append(f"returns {f.returns}")
        bits.append(f"language {f.language}")
        if f.volatility:
            bits.append(f.volatility.lower())
        functions.append({"signature": f"{f.schema}.{f.name}({f.identity_args or f.arguments})",
                          "comment": f.comment, "summary": ", ".join(bits), "definition": f.definition})
    return {"views": views, "enums": enums, "domains": domains, "composites": composites, "functions": functions}
