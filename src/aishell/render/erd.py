"""ER diagrams: pick the tables, lay out what to show, and write dot, Mermaid, DBML, SVG or PNG.

:func:`build_erd` turns a schema (and the user's selection: schemas, a table's neighbourhood,
``max_tables``, the simplified view) into an :class:`ErGraph`; the writers below only format it.
SVG and PNG are laid out by Graphviz ``dot`` and PNG is rasterised from that SVG by ``vl-convert``
(a self-contained wheel), so the two always match.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from aishell.errors import AishellError, UserError
from aishell.model.schema import Schema, Table
from aishell.render.facts import SchemaFacts, ref_name
from aishell.render.simplify import fold_partitions, simplified_info, simplify, summarize_rules

FORMATS = ("png", "svg", "mermaid", "dot", "dbml")
COLUMN_MODES = ("auto", "all", "keys", "none")
CLUSTER_MODES = ("auto", "schema", "community", "none")
# Above this many tables a diagram shows key columns only (``--columns auto``).
AUTO_ALL_COLUMNS_MAX = 40
# Above this many, table names only.
AUTO_KEYS_MAX = 100
MAX_COLUMNS_PER_TABLE = 24
MAX_PNG_PIXELS = 100_000_000
PNG_TARGET_PIXELS = 16_000_000
# Liberation Sans ships inside vl-convert (so PNGs have text on a bare machine); browsers fall back.
FONT = "Liberation Sans,Arial,Helvetica,sans-serif"

DOT_MISSING = (
    "Graphviz 'dot' is needed for png and svg diagrams and was not found: install it "
    "(Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz) or use --format mermaid, dot or dbml"
)


@dataclass
class ErColumn:
    name: str
    type: str
    pk: bool = False
    fk: bool = False
    unique: bool = False
    nullable: bool = True
    ref: str | None = None  # "→ table" note for an FK whose target is drawn elsewhere (a lookup group)


@dataclass
class ErNode:
    id: str  # schema-qualified table name, or "group:<name>"
    schema: str
    name: str
    columns: list[ErColumn] = field(default_factory=list)
    hidden: int = 0  # columns not shown
    kind: str = "table"  # table | group
    members: list[tuple[str, str]] = field(default_factory=list)  # group: (qualified name, summary)
    comment: str | None = None
    rows: str | None = None
    href: str | None = None
    note: str | None = None  # e.g. "12 partitions"


@dataclass
class ErEdge:
    child: str
    parent: str
    child_columns: list[str]
    parent_columns: list[str]
    name: str = ""
    optional: bool = False  # child may have no parent (nullable FK)
    one_to_one: bool = False  # FK columns unique: at most one child per parent
    identifying: bool = False  # FK columns are part of the child's key
    kind: str = "fk"  # fk | m2m
    label: str = ""
    minlen: int = 1  # dot rank distance; >1 staggers the boxes of a wide star


@dataclass
class ErGraph:
    nodes: list[ErNode]
    edges: list[ErEdge]
    clusters: list[tuple[str, list[str]]] = field(default_factory=list)
    # For each cluster, the schema frame it is drawn in when a large schema is split (else None).
    cluster_parents: list[str | None] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    omitted: list[str] = field(default_factory=list)
    focus: str | None = None
    title: str | None = None
    schema: Schema | None = None  # the (possibly simplified) schema the graph was drawn from

    @property
    def tables(self) -> list[ErNode]:
        return [n for n in self.nodes if n.kind == "table"]

    def node(self, node_id: str) -> ErNode | None:
        return next((n for n in self.nodes if n.id == node_id), None)


# -- building -------------------------------------------------------------------------------------

def build_erd(
    schema: Schema,
    *,
    schemas: list[str] | None = None,
    table: str | None = None,
    depth: int = 1,
    max_tables: int | None = None,
    simplified: bool = False,
    columns: str = "auto",
    clusters: str = "auto",
    href: Callable[[str], str | None] | None = None,
    partitions: bool = False,
) -> ErGraph:
    """Select the tables to draw and describe them; raises UserError for unknown names.

    Partitions are folded into their parent unless ``partitions`` is true.
    """
    if columns not in COLUMN_MODES:
        raise UserError(f"unknown --columns value {columns!r} (choose from {', '.join(COLUMN_MODES)})")
    if clusters not in CLUSTER_MODES:
        raise UserError(f"unknown --cluster value {clusters!r} (choose from {', '.join(CLUSTER_MODES)})")
    if max_tables is not None and max_tables < 1:
        raise UserError("--max-tables must be at least 1")
    if depth < 0:
        raise UserError("--depth must be 0 or more")
    notes: list[str] = []
    if schemas:
        known = {t.schema for t in schema.tables} | {n.name for n in schema.schemas}
        for s in schemas:
            if s not in known:
                raise UserError(f"no schema {s!r} in the source (schemas: {', '.join(sorted(known)) or 'none'})")
        schema = _only_schemas(schema, set(schemas))
    focus: str | None = None
    if table is not None:
        t = schema.table(table)
        if t is None:
            raise UserError(f"no table {table!r} in the source{_did_you_mean(schema, table)}")
        focus = t.qualified_name
    if focus is not None and not partitions:
        parent = schema.table(focus)
        while parent is not None and parent.partition_of and schema.table(parent.partition_of):
            parent = schema.table(parent.partition_of)
        focus = parent.qualified_name if parent else focus
    if simplified:
        schema = simplify(schema, max_tables, keep=[focus] if focus else None)
    elif not partitions:
        schema, folded = fold_partitions(schema)
        notes += summarize_rules(folded)
    info = simplified_info(schema) or {}
    facts = SchemaFacts(schema)
    m2m = [e for e in info.get("m2m", []) if e["left"] in facts.tables and e["right"] in facts.tables]
    lookup_members = {
        name: g["name"] for g in info.get("groups", []) for name in g["tables"] if name in facts.tables
    }

    adjacency: dict[str, set[str]] = {q: set(facts.neighbours.get(q, ())) for q in facts.tables}
    for e in m2m:
        adjacency[e["left"]].add(e["right"])
        adjacency[e["right"]].add(e["left"])

    selected = list(facts.tables)
    if focus is not None:
        reach = {focus: 0}
        queue = deque([focus])
        while queue:
            cur = queue.popleft()
            if reach[cur] >= depth:
                continue
            for nb in sorted(adjacency.get(cur, ())):
                if nb not in reach:
                    reach[nb] = reach[cur] + 1
                    queue.append(nb)
        selected = [q for q in selected if q in reach]
        lookup_members = {k: v for k, v in lookup_members.items() if k in reach}

    omitted: list[str] = list(info.get("omitted", []))
    core = [q for q in selected if q not in lookup_members]
    if max_tables is not None and len(core) > max_tables:
        degree = {q: len(adjacency.get(q, ())) + facts.degree(q) for q in core}
        ranked = sorted(core, key=lambda q: (q != focus, -degree[q], q))
        keep = set(ranked[:max_tables])
        dropped = [q for q in core if q not in keep]
        omitted += dropped
        core = [q for q in core if q in keep]
        lookup_members = {
            k: v for k, v in lookup_members.items()
            if any(u.qualified_name in keep for u, _ in facts.incoming.get(k, []))
        }
    if omitted:
        notes.append(f"{len(omitted)} table(s) not shown")
    shown = set(core)

    mode = columns
    if mode == "auto":
        mode = "all" if len(core) <= AUTO_ALL_COLUMNS_MAX else "keys" if len(core) <= AUTO_KEYS_MAX else "none"

    nodes: list[ErNode] = []
    for q in core:
        t = facts.tables[q]
        nodes.append(_table_node(facts, t, mode, lookup_members, href))
    groups: dict[str, ErNode] = {}
    for member, gname in lookup_members.items():
        t = facts.tables[member]
        node = groups.get(gname)
        if node is None:
            node = groups[gname] = ErNode(id=f"group:{gname}", schema=t.schema, name=gname, kind="group")
        node.members.append((member, _lookup_summary(t)))
    nodes += groups.values()

    edges: list[ErEdge] = []
    for q in core:
        t = facts.tables[q]
        for fk in t.foreign_keys:
            parent = ref_name(fk)
            if parent not in shown:
                continue
            edges.append(ErEdge(
                child=q, parent=parent, child_columns=list(fk.columns), parent_columns=list(fk.ref_columns),
                name=fk.name or "", optional=facts.fk_optional(t, fk), one_to_one=facts.fk_one_to_one(t, fk),
                identifying=facts.fk_identifying(t, fk), label=fk.name or "",
            ))
    for e in m2m:
        if e["left"] in shown and e["right"] in shown:
            edges.append(ErEdge(
                child=e["left"], parent=e["right"], child_columns=[], parent_columns=[], kind="m2m",
                name=e["junction"], label=f"via {e['junction'].split('.', 1)[1]}",
            ))

    cluster_list, cluster_parents = _clusters(nodes, edges, clusters)
    graph = ErGraph(nodes=nodes, edges=edges)
    if focus is not None and depth == 1 and len(core) > 7:
        stagger(graph, focus)
    notes += summarize_rules(info.get("rules", []))
    return ErGraph(nodes=nodes, edges=edges, clusters=cluster_list, cluster_parents=cluster_parents,
                   notes=notes, omitted=omitted,
                   focus=focus, title=schema.name, schema=schema)


def _only_schemas(schema: Schema, names: set[str]) -> Schema:
    import dataclasses

    return dataclasses.replace(schema, tables=[t for t in schema.tables if t.schema in names])


def _did_you_mean(schema: Schema, name: str) -> str:
    import difflib

    names = [t.name for t in schema.tables] + [t.qualified_name for t in schema.tables]
    close = difflib.get_close_matches(name, names, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _table_node(facts: SchemaFacts, t: Table, mode: str, lookup_members: dict[str, str],
                href: Callable[[str], str | None] | None) -> ErNode:
    pk = set(t.primary_key)
    fk_ref: dict[str, str] = {}
    for fk in t.foreign_keys:
        for c in fk.columns:
            fk_ref.setdefault(c, ref_name(fk))
    uniques = facts.unique_columns(t)
    cols: list[ErColumn] = []
    for c in t.columns:
        ref = fk_ref.get(c.name)
        cols.append(ErColumn(
            name=c.name, type=short_type(c.type), pk=c.name in pk, fk=ref is not None,
            unique=c.name in uniques, nullable=c.nullable and c.name not in pk,
            ref=(ref.split(".", 1)[1] if ref in lookup_members else None) if ref else None,
        ))
    total = len(cols)
    if mode == "keys":
        cols = [c for c in cols if c.pk or c.fk]
    elif mode == "none":
        cols = []
    elif len(cols) > MAX_COLUMNS_PER_TABLE:
        keyed = [c for c in cols if c.pk or c.fk]
        rest = [c for c in cols if not (c.pk or c.fk)]
        cols = keyed + rest[: max(0, MAX_COLUMNS_PER_TABLE - len(keyed))]
        order = {c.name: i for i, c in enumerate(t.columns)}
        cols.sort(key=lambda c: order[c.name])

    return ErNode(
        id=t.qualified_name, schema=t.schema, name=t.name, columns=cols, hidden=total - len(cols),
        comment=t.comment, rows=_rows(t),
        href=href(t.qualified_name) if href else None,
        note=(f"partitioned · {t.attrs['partitions']} partitions" if t.attrs.get("partitions")
              else "partitioned" if t.partition_by else None),
    )


def _rows(t: Table) -> str | None:
    """Row estimate worth printing on a box: only a live table's positive estimate."""
    from aishell.render.facts import human_count

    est = t.attrs.get("row_estimate")
    return human_count(est) if isinstance(est, (int, float)) and est > 0 else None


def _lookup_summary(t: Table) -> str:
    from aishell.render.simplify import _is_bookkeeping

    payload = [c.name for c in t.columns if c.name not in t.primary_key and not _is_bookkeeping(t, c.name)][:2]
    return ", ".join(payload)


_TYPE_SHORT = [
    (re.compile(r"^character varying"), "varchar"),
    (re.compile(r"^character\b"), "char"),
    (re.compile(r"^timestamp\((\d)\) with time zone"), r"timestamptz(\1)"),
    (re.compile(r"^timestamp with time zone"), "timestamptz"),
    (re.compile(r"^timestamp without time zone"), "timestamp"),
    (re.compile(r"^time with time zone"), "timetz"),
    (re.compile(r"^time without time zone"), "time"),
    (re.compile(r"^double precision"), "float8"),
    (re.compile(r"^bit varying"), "varbit"),
    (re.compile(r"^public\."), ""),
]


def short_type(type_text: str) -> str:
    """A diagram-friendly spelling of a column type (``varchar(255)``, ``timestamptz``)."""
    out = type_text.strip()
    for pattern, repl in _TYPE_SHORT:
        out = pattern.sub(repl, out)
    return out if len(out) <= 32 else out[:31] + "…"


def _clusters(nodes: list[ErNode], edges: list[ErEdge], mode: str
              ) -> tuple[list[tuple[str, list[str]]], list[str | None]]:
    """Clusters and, per cluster, the schema frame it belongs to (large schemas split by community)."""
    tables = [n for n in nodes if n.kind == "table"]
    schemas = sorted({n.schema for n in nodes})
    if mode == "auto":
        if len(schemas) > 1:
            mode = "schema"
        elif len(tables) > 30:
            mode = "community"
        else:
            mode = "none"
    if mode == "none":
        return [], []
    links = [(e.child, e.parent) for e in edges]
    if mode == "community":
        found = communities([n.id for n in tables], links)
        return found, [None] * len(found)
    out: list[tuple[str, list[str]]] = []
    parents: list[str | None] = []
    large = len(tables) > AUTO_KEYS_MAX
    for s in schemas:
        members = [n.id for n in nodes if n.schema == s]
        if not large or len(members) <= 30:
            out.append((f"schema {s}", members))
            parents.append(None)
            continue
        inside = set(members)
        found = communities([m for m in members if not m.startswith("group:")],
                            [(a, b) for a, b in links if a in inside and b in inside])
        covered = {m for _, ms in found for m in ms}
        rest = [m for m in members if m not in covered]
        if rest:
            found.append(("other tables", rest))
        for name, ms in found:
            out.append((f"{s}: {name}", ms))
            parents.append(f"schema {s}")
    return out, parents


def _community_name(members: list[str], degree: dict[str, int]) -> str:
    """``billing_*`` when most tables share a name prefix, else ``around <most connected table>``."""
    prefixes = Counter(m.split(".", 1)[-1].split("_", 1)[0] for m in members if "_" in m.split(".", 1)[-1])
    if prefixes:
        prefix, n = prefixes.most_common(1)[0]
        if n >= max(2, 0.6 * len(members)):
            return f"{prefix}_*"
        top = prefixes.most_common(3)
        if len(top) >= 2 and sum(c for _, c in top) >= 0.8 * len(members) and top[-1][1] >= 2:
            return ", ".join(f"{p}_*" for p, _ in top)
    hub = min(members, key=lambda m: (-degree[m], m))
    return f"around {hub.split('.', 1)[-1]}"


def communities(node_ids: list[str], links: list[tuple[str, str]], max_rounds: int = 30
                ) -> list[tuple[str, list[str]]]:
    """Foreign-key communities by deterministic label propagation; singletons are left out.

    Each community is named after its most connected table.
    """
    nbrs: dict[str, list[str]] = {n: [] for n in node_ids}
    for a, b in links:
        if a in nbrs and b in nbrs and a != b:
            nbrs[a].append(b)
            nbrs[b].append(a)
    degree = {n: len(v) for n, v in nbrs.items()}
    order = sorted(node_ids, key=lambda n: (-degree[n], n))
    label = {n: n for n in node_ids}
    for _ in range(max_rounds):
        changed = False
        for n in order:
            if not nbrs[n]:
                continue
            counts = Counter(label[m] for m in nbrs[n])
            best = max(counts.values())
            # Ties go to the label of the most connected table, then by name: stable across runs.
            choice = min((lab for lab, c in counts.items() if c == best), key=lambda lab: (-degree[lab], lab))
            if counts.get(label[n], 0) == best:
                continue
            if choice != label[n]:
                label[n] = choice
                changed = True
        if not changed:
            break
    groups: dict[str, list[str]] = {}
    for n in node_ids:
        groups.setdefault(label[n], []).append(n)
    out = []
    for members in groups.values():
        if len(members) < 2:
            continue
        out.append((_community_name(members, degree), members))
    out.sort(key=lambda c: (-len(c[1]), c[0]))
    return out


# -- dot ------------------------------------------------------------------------------------------

_HEADER_BG = "#2f5d8a"
_GROUP_BG = "#6b7b8c"
_FOCUS_BG = "#b5530f"  # the table a neighbourhood diagram is drawn around
_CLUSTER_BG = "#f4f7fb"


def _html(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("]", "&#93;").replace("[", "&#91;"))


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def to_dot(g: ErGraph, *, font: str = FONT, grid_columns: int | None = None, header: bool = True,
           cluster_titles: list[str] | None = None, compact: bool | None = None) -> str:
    """Graphviz source: HTML-label tables, PK/FK markers, crow's-foot edges, clusters.

    ``grid_columns`` > 1 arranges the clusters (and loose tables) in that many columns with invisible
    rank constraints, so a large diagram is not one very tall strip.
    """
    ports: dict[str, dict[str, str]] = {}
    many = len(g.tables) > AUTO_ALL_COLUMNS_MAX if compact is None else compact
    lines = [
        "digraph schema {",
        f'  graph [rankdir=LR, fontname="{font}", fontsize=12, nodesep={0.18 if many else 0.4}, '
        f'ranksep={0.5 if many else 0.9}, pad={0.15 if many else 0.3}, bgcolor="white", newrank=true'
        + (", label=" + _graph_label(g) + ", labelloc=t, labeljust=l" if header else "")
        + "];",
        f'  node [shape=plain, fontname="{font}", fontsize=11];',
        f'  edge [fontname="{font}", fontsize=9, color="#5a6b7d", arrowsize=0.9, penwidth=1.1];',
    ]
    clustered: set[str] = set()
    body: dict[str, str] = {}
    for n in g.nodes:
        label, node_ports = _node_label(n, focus=n.id == g.focus)
        ports[n.id] = node_ports
        attrs = [f"label=<{label}>", f"id={_q(_dom_id(n.id))}", f"tooltip={_q(n.comment or n.id)}"]
        if n.href:
            attrs.append(f"URL={_q(n.href)}")
            attrs.append('target="_top"')
        body[n.id] = f"  {_q(n.id)} [{', '.join(attrs)}];"
    cluster_of = {m: i for i, (_, members) in enumerate(g.clusters) for m in members}
    summarise = _summarise(g)
    titles = cluster_titles or _cluster_titles(g)
    for i, (name, members) in enumerate(g.clusters):
        label = titles[i]
        lines.append(f"  subgraph cluster_{i} {{")
        lines.append(f'    graph [label={label}, style="rounded,filled", fillcolor="{_CLUSTER_BG}", '
                     f'color="#c5d0dc", fontsize=13, fontcolor="#40566e", margin=14, labeljust=l];')
        for m in members:
            if m in body and m not in clustered:
                lines.append("  " + body[m])
                clustered.add(m)
        lines.append("  }")
    for n in g.nodes:
        if n.id not in clustered:
            lines.append(body[n.id])
    grid = bool(grid_columns and grid_columns > 1)
    for e in g.edges:
        a, b = cluster_of.get(e.child), cluster_of.get(e.parent)
        if summarise and a is not None and b is not None and a != b:
            continue
        edge = _dot_edge(e, ports)
        if grid and cluster_of.get(e.child, -1) != cluster_of.get(e.parent, -2):
            # Between clusters in a grid, an edge must not pull ranks against the columns.
            edge = edge[:-2] + ", constraint=false];"
        lines.append("  " + edge)
    if grid:
        lines += _grid_constraints(g, grid_columns)
    lines.append("}")
    return "\n".join(lines) + "\n"


def _grid_constraints(g: ErGraph, columns: int) -> list[str]:
    """Invisible spacer nodes that push each column of clusters to ranks right of the previous one."""
    in_cluster = {m for _, members in g.clusters for m in members}
    chunks = [list(members) for _, members in g.clusters]
    loose = [n.id for n in g.nodes if n.id not in in_cluster]
    chunks += [loose[i:i + 8] for i in range(0, len(loose), 8)]
    heights = {n.id: 1 + len(n.columns) + len(n.members) + (1 if n.hidden else 0) for n in g.nodes}
    chunks.sort(key=lambda c: -sum(heights.get(m, 1) for m in c))
    load = [0] * columns
    cols: list[list[str]] = [[] for _ in range(columns)]
    for chunk in chunks:
        j = min(range(columns), key=lambda k: load[k])
        cols[j] += chunk
        load[j] += sum(heights.get(m, 1) for m in chunk)
    cols = [c for c in cols if c]
    out = []
    for j in range(len(cols) - 1):
        spacer = _q(f"__column_{j}")
        out.append(f"  {spacer} [shape=point, style=invis, width=0, height=0, label=\"\"];")
        out += [f"  {_q(m)} -> {spacer} [style=invis, weight=0];" for m in cols[j]]
        out += [f"  {spacer} -> {_q(m)} [style=invis, weight=0];" for m in cols[j + 1]]
    return out


def _summarise(g: ErGraph) -> bool:
    """In a very large diagram, foreign keys between clusters are listed in the clusters' titles
    instead of drawn: hundreds of long edges across the page would hide everything else."""
    return bool(g.clusters) and len(g.tables) > AUTO_KEYS_MAX


def _cluster_titles(g: ErGraph) -> list[str]:
    """dot labels of the clusters, with the clusters each one references when edges are summarised."""
    between: dict[int, Counter] = {}
    if _summarise(g):
        cluster_of = {m: i for i, (_, members) in enumerate(g.clusters) for m in members}
        for e in g.edges:
            a, b = cluster_of.get(e.child), cluster_of.get(e.parent)
            if a is not None and b is not None and a != b:
                between.setdefault(a, Counter())[b] += 1
    titles = []
    br = '<BR ALIGN="LEFT"/>'
    for i, (name, _) in enumerate(g.clusters):
        if not between.get(i):
            titles.append(_q(name))
            continue
        refs = ", ".join(f"{g.clusters[j][0]} ({n})" for j, n in sorted(between[i].items(), key=lambda x: -x[1]))
        text = _html(_wrap("references " + refs, 80)).replace("\n", br)
        titles.append(f'<<B>{_html(name)}</B>{br}<FONT POINT-SIZE="10">{text}</FONT>{br}>')
    return titles


def _wrap(text: str, width: int) -> str:
    """Break a long line at ', ' into lines of about ``width`` characters (dot HTML line breaks)."""
    out, line = [], ""
    for part in text.split(", "):
        if line and len(line) + len(part) + 2 > width:
            out.append(line + ",")
            line = part
        else:
            line = f"{line}, {part}" if line else part
    out.append(line)
    return "\n".join(out)


def _graph_label(g: ErGraph) -> str:
    """An HTML graph label: title, what is not shown, and a one-line legend."""
    head = _html(g.title or "schema")
    extra = []
    if g.focus:
        extra.append(f"around {g.focus}")
    extra.append(f"{len(g.tables)} tables")
    if g.omitted:
        extra.append(f"{len(g.omitted)} more not shown")
    legend = "PK primary key · FK foreign key · UQ unique · grey column: nullable · dashed: many-to-many"
    if g.clusters and len(g.tables) > AUTO_KEYS_MAX:
        legend += " · keys between groups are listed under each group's title"
    return (f'<<FONT POINT-SIZE="18"><B>{head}</B></FONT><BR ALIGN="LEFT"/>'
            f'<FONT POINT-SIZE="10" COLOR="#55606b">{_html(" · ".join(extra))}<BR ALIGN="LEFT"/>'
            f'{_html(legend)}</FONT><BR ALIGN="LEFT"/>>')


def _dom_id(qualified: str) -> str:
    """The SVG id of a table's box (letters, digits and _ only, so dot does not escape it)."""
    return "tbl_" + re.sub(r"[^A-Za-z0-9_]", "_", qualified)


def _node_label(n: ErNode, *, focus: bool = False) -> tuple[str, dict[str, str]]:
    ports: dict[str, str] = {}
    if n.kind == "group":
        rows = [f'<TR><TD BGCOLOR="{_GROUP_BG}" COLSPAN="2"><FONT COLOR="white"><B>{_html(n.name)}</B></FONT></TD></TR>']
        for member, summary in n.members:
            rows.append(
                f'<TR><TD ALIGN="LEFT">{_html(member.split(".", 1)[1])}</TD>'
                f'<TD ALIGN="LEFT"><FONT COLOR="#6b7785">{_html(summary)}</FONT></TD></TR>'
            )
        return _table_html(rows), ports
    title = f"<B>{_html(n.name)}</B>"
    sub = []
    if n.schema != "public":
        sub.append(n.schema)
    if n.rows is not None:
        sub.append(f"≈{n.rows} rows")
    if n.note:
        sub.append(n.note)
    if sub:
        title += f'<BR/><FONT POINT-SIZE="9" COLOR="#dbe6f2">{_html(" · ".join(sub))}</FONT>'
    head_bg = _FOCUS_BG if focus else _HEADER_BG
    rows = [f'<TR><TD BGCOLOR="{head_bg}" COLSPAN="3" CELLPADDING="5"><FONT COLOR="white">{title}</FONT></TD></TR>']
    for i, c in enumerate(n.columns):
        port = f"c{i}"
        ports[c.name] = port
        marks = []
        if c.pk:
            marks.append("PK")
        if c.fk:
            marks.append("FK")
        if c.unique and not c.pk:
            marks.append("UQ")
        mark = ",".join(marks)
        name = _html(c.name)
        if c.pk:
            name = f"<B>{name}</B>"
        elif c.nullable:
            name = f'<FONT COLOR="#55606b">{name}</FONT>'
        typ = _html(c.type)
        if c.ref:
            typ += f' <FONT COLOR="#6b7785">→ {_html(c.ref)}</FONT>'
        mark_cell = f'<FONT POINT-SIZE="8" COLOR="#8a5a00"><B>{mark}</B></FONT>' if mark else " "
        rows.append(
            f'<TR><TD ALIGN="LEFT" PORT="{port}w">{mark_cell}</TD><TD ALIGN="LEFT">{name}</TD>'
            f'<TD ALIGN="LEFT" PORT="{port}e"><FONT COLOR="#3d5a80">{typ}</FONT></TD></TR>'
        )
    if n.hidden:
        word = "column" if n.hidden == 1 else "columns"
        more = f"+ {n.hidden} more {word}" if n.columns else f"{n.hidden} {word}"
        rows.append(f'<TR><TD COLSPAN="3" ALIGN="LEFT"><FONT POINT-SIZE="9" COLOR="#7b8794"><I>{_html(more)}</I></FONT></TD></TR>')
    return _table_html(rows), ports


def _table_html(rows: list[str]) -> str:
    return ('<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3" COLOR="#8da2b8" BGCOLOR="white">'
            + "".join(rows) + "</TABLE>")


def _dot_edge(e: ErEdge, ports: dict[str, dict[str, str]]) -> str:
    if e.kind == "m2m":
        return (f"{_q(e.child)} -> {_q(e.parent)} [dir=both, arrowhead=crowodot, arrowtail=crowodot, "
                f'style=dashed, color="#7a5195", label={_q(e.label)}, fontcolor="#7a5195"];')
    cp = ports.get(e.child, {}).get(e.child_columns[0]) if e.child_columns else None
    pp = ports.get(e.parent, {}).get(e.parent_columns[0]) if e.parent_columns else None
    # Drawn parent -> child so referenced tables sit left of the tables that point at them.
    src = _q(e.parent) + (f":{pp}e:e" if pp else "")
    dst = _q(e.child) + (f":{cp}w:w" if cp else "")
    if e.child == e.parent:
        src, dst = _q(e.child), _q(e.parent)
    head = "teeodot" if e.one_to_one else "crowodot"
    tail = "teeodot" if e.optional else "teetee"
    tip = f"{e.name}: {e.child}({', '.join(e.child_columns)}) → {e.parent}({', '.join(e.parent_columns)})"
    extra = f", minlen={e.minlen}" if e.minlen > 1 else ""
    return f"{src} -> {dst} [dir=both, arrowtail={tail}, arrowhead={head}, tooltip={_q(tip)}{extra}];"


# -- Graphviz, SVG and PNG ------------------------------------------------------------------------

def find_dot() -> str:
    """Graphviz ``dot``: ``$AISHELL_DOT`` when set (any dot binary, e.g. a static build), else PATH."""
    import os

    override = os.environ.get("AISHELL_DOT")
    if override:
        path = shutil.which(override)
        if not path:
            raise UserError(f"AISHELL_DOT={override}: not an executable Graphviz dot")
        return path
    path = shutil.which("dot")
    if not path:
        raise UserError(DOT_MISSING)
    return path


def have_dot() -> bool:
    try:
        find_dot()
    except UserError:
        return False
    return True


def dot_to_svgs(sources: list[str], timeout: float = 300) -> list[str]:
    """Lay out several graphs with few ``dot`` processes (one per graph costs far more): one per
    core when there are many graphs, each taking a contiguous share of them."""
    if not sources:
        return []
    import os
    from concurrent.futures import ThreadPoolExecutor

    dot = find_dot()
    workers = max(1, min(os.cpu_count() or 1, 4, len(sources) // 20))
    if workers == 1:
        return _dot_batch(dot, sources, timeout)
    total = sum(len(x) for x in sources)
    batches: list[list[str]] = [[]]
    size = 0
    for src in sources:
        if size >= total / workers * len(batches) and len(batches) < workers:
            batches.append([])
        batches[-1].append(src)
        size += len(src)
    with ThreadPoolExecutor(len(batches)) as pool:
        results = list(pool.map(lambda b: _dot_batch(dot, b, timeout), batches))
    return [svg for r in results for svg in r]


def _dot_batch(dot: str, sources: list[str], timeout: float) -> list[str]:
    proc = subprocess.run(
        [dot, "-Tsvg"], input="\n".join(sources).encode(), capture_output=True, timeout=timeout, check=False,
    )
    if proc.returncode != 0:
        err = proc.stderr.decode(errors="replace").strip().splitlines()
        raise AishellError(f"graphviz dot failed: {err[0] if err else 'no message'}")
    text = proc.stdout.decode("utf-8", errors="replace")
    parts = [p for p in re.split(r"(?=<\?xml )", text) if p.strip()]
    if len(parts) != len(sources):
        raise AishellError(f"graphviz dot returned {len(parts)} drawings for {len(sources)} graphs")
    return parts


def stagger(g: ErGraph, focus: str, per_column: int = 5) -> None:
    """Spread the tables around ``focus`` over several columns (as Graphviz's unflatten does), so
    a table with many neighbours is not drawn as one very tall column."""
    for side in ("child", "parent"):
        edges = [e for e in g.edges if getattr(e, "parent" if side == "child" else "child") == focus
                 and getattr(e, side) != focus]
        columns = -(-len(edges) // per_column)
        for i, e in enumerate(edges):
            e.minlen = 1 + i % columns if columns > 1 else 1


def to_svg(g: ErGraph) -> str:
    if _summarise(g):
        return _packed_svg(g)
    return dot_to_svgs([layout_dot(g)])[0]


def _packed_svg(g: ErGraph, gap: float = 24.0) -> str:
    """Lay out each cluster on its own (no edge crosses clusters here) and pack the drawings in
    rows, largest first: compact, and much faster than one huge layout."""
    titles = _cluster_titles(g)
    by_id = {n.id: n for n in g.nodes}
    sources = [(f'digraph header {{ graph [label={_graph_label(g)}, labelloc=t, labeljust=l, pad=0.2, '
                f'fontname="{FONT}"]; }}')]
    clustered = set()
    for i, (name, members) in enumerate(g.clusters):
        ms = set(members)
        clustered |= ms
        sub = ErGraph(nodes=[by_id[m] for m in members if m in by_id],
                      edges=[e for e in g.edges if e.child in ms and e.parent in ms],
                      clusters=[(name, members)])
        sources.append(to_dot(sub, header=False, cluster_titles=[titles[i]], compact=True))
    for n in g.nodes:
        if n.id not in clustered:
            sources.append(to_dot(ErGraph(nodes=[n], edges=[e for e in g.edges if e.child == n.id == e.parent]),
                                  header=False, compact=True))
    svgs = dot_to_svgs(sources)
    head, parts = svgs[0], svgs[1:]
    hw, hh = svg_size(head)
    # Chunks 0..len(clusters)-1 are the clusters, then the loose tables.
    parents = list(g.cluster_parents) + [None] * (len(parts) - len(g.cluster_parents))
    items: list[tuple[float, float, str]] = []
    frames: dict[str, list[int]] = {}
    for k, parent in enumerate(parents):
        if parent is None:
            w, h = svg_size(parts[k])
            items.append((w, h, _nested(parts[k], k + 1, 0.0, 0.0)))
        else:
            frames.setdefault(parent, []).append(k)
    for title, ks in frames.items():
        inner = [(svg_size(parts[k])[0], svg_size(parts[k])[1], _nested(parts[k], k + 1, 0.0, 0.0)) for k in ks]
        w, h, body = _pack(inner, gap, top=34.0, pad=12.0)
        frame = (f'<rect x="1" y="1" width="{w - 2:.2f}" height="{h - 2:.2f}" rx="10" fill="none" '
                 f'stroke="#8da2b8" stroke-width="1.5"/>'
                 f'<text x="14" y="24" font-family="{FONT}" font-size="17" font-weight="bold" '
                 f'fill="#2f5d8a">{_html(title)}</text>')
        items.append((w, h, (f'<svg x="0" y="0" width="{w:.2f}" height="{h:.2f}" viewBox="0 0 {w:.2f} {h:.2f}">'
                             f"{frame}{body}</svg>")))
    total_w, total_h, body = _pack(items, gap, top=hh, min_width=hw)
    out = ['<?xml version="1.0" encoding="UTF-8" standalone="no"?>',
           (f'<svg width="{total_w:.0f}pt" height="{total_h:.0f}pt" viewBox="0 0 {total_w:.2f} {total_h:.2f}" '
            'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'),
           f'<rect x="0" y="0" width="{total_w:.2f}" height="{total_h:.2f}" fill="white"/>',
           _nested(head, 0, 0.0, 0.0), body, "</svg>"]
    return "\n".join(out) + "\n"


def _pack(items: list[tuple[float, float, str]], gap: float, *, top: float = 0.0, pad: float = 0.0,
          min_width: float = 0.0) -> tuple[float, float, str]:
    """Shelf-pack nested <svg> fragments (tallest first) into rows about as wide as the total area
    suggests for a landscape result; returns the width, the height and the placed fragments."""
    if not items:
        return max(min_width, 2 * pad), top + pad, ""
    area = sum(w * h for w, h, _ in items)
    width = max([min_width - 2 * pad] + [w for w, _, _ in items] + [(area * 1.5) ** 0.5])
    order = sorted(range(len(items)), key=lambda k: (-items[k][1], -items[k][0]))
    x, y, row_h, right = 0.0, 0.0, 0.0, 0.0
    placed = []
    for k in order:
        w, h, frag = items[k]
        if x > 0 and x + w > width:
            x, y, row_h = 0.0, y + row_h + gap, 0.0
        placed.append(re.sub(r'^<svg x="[\d.]+" y="[\d.]+"', f'<svg x="{pad + x:.2f}" y="{top + y:.2f}"', frag,
                             count=1))
        right = max(right, x + w)
        x += w + gap
        row_h = max(row_h, h)
    return max(min_width, right + 2 * pad), top + y + row_h + pad, "\n".join(placed)


def _nested(svg: str, index: int, x: float, y: float) -> str:
    """An SVG document as a nested <svg> placed at (x, y), its generated ids made unique."""
    body = inline_svg(svg)
    body = re.sub(r'\bid="(?!tbl_|a_tbl_)([^"]*)"', rf'id="p{index}_\1"', body)
    return re.sub(r'<svg([^>]*?)\swidth="([\d.]+)pt"\s+height="([\d.]+)pt"[^>]*?(viewBox="[^"]*")',
                  rf'<svg x="{x:.2f}" y="{y:.2f}" width="\2" height="\3" \4', body, count=1)


def layout_dot(g: ErGraph) -> str:
    """The dot source to draw: for a large clustered diagram, laid out once to measure it and then
    arranged in enough columns to come out roughly landscape."""
    text = to_dot(g)
    if not g.clusters or len(g.nodes) <= 30 or not have_dot():
        return text
    w, h = svg_size(dot_to_svgs([text])[0])
    columns = 1
    for _ in range(3):
        if not w or not h or h / w < 0.9:
            break
        columns = max(columns + 1, min(len(g.clusters) + 1, round(columns * (1.4 * h / w) ** 0.5)))
        text = to_dot(g, grid_columns=columns)
        w, h = svg_size(dot_to_svgs([text])[0])
    return text


def svg_to_png(svg: str, *, scale: float | None = None) -> bytes:
    """Rasterise with vl-convert (a self-contained wheel: no system libraries, fonts included).

    The default scale is 1.5 (crisp text) for ordinary diagrams and shrinks for very large ones so
    the image stays near ``PNG_TARGET_PIXELS`` (memory and time), never below 1.0 unless the drawing
    would exceed ``MAX_PNG_PIXELS`` even then.
    """
    import vl_convert

    if scale is None:
        w, h = svg_size(svg)
        area = (w * h) or 1.0
        scale = min(1.5, (PNG_TARGET_PIXELS / area) ** 0.5)
        scale = max(scale, min(1.0, (MAX_PNG_PIXELS / area) ** 0.5))
    return vl_convert.svg_to_png(svg, scale=scale)


def svg_size(svg: str) -> tuple[float, float]:
    m = re.search(r'<svg[^>]*\bwidth="([\d.]+)pt"[^>]*\bheight="([\d.]+)pt"', svg)
    if not m:
        return 0.0, 0.0
    return float(m.group(1)), float(m.group(2))


def inline_svg(svg: str) -> str:
    """An SVG document made fit for embedding in HTML: no XML prolog, scales to its container."""
    svg = re.sub(r"<\?xml[^>]*\?>", "", svg)
    svg = re.sub(r"<!DOCTYPE[^>]*>", "", svg, flags=re.DOTALL)
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.DOTALL)
    svg = re.sub(r'(<svg[^>]*?)\swidth="([\d.]+)pt"\s+height="([\d.]+)pt"',
                 r'\1 width="\2pt" height="\3pt" style="max-width:100%;height:auto"', svg, count=1)
    return svg.strip()


# -- Mermaid --------------------------------------------------------------------------------------

_MERMAID_WORD = re.compile(r"[^A-Za-z0-9_\-\[\](),]")


def _mermaid_ids(g: ErGraph) -> dict[str, str]:
    ids: dict[str, str] = {}
    taken: set[str] = set()
    for n in g.nodes:
        base = re.sub(r"[^A-Za-z0-9_]", "_", n.id.replace("group:", "group_").replace(".", "__"))
        if not base or not base[0].isalpha():
            base = "t_" + base
        cand, i = base, 1
        while cand in taken:
            i += 1
            cand = f"{base}_{i}"
        taken.add(cand)
        ids[n.id] = cand
    return ids


def _mermaid_word(text: str, fallback: str) -> str:
    """A Mermaid attribute word; a type keeps the commas of ``numeric(12,2)``, a name does not."""
    if fallback != "type":
        text = text.replace(",", "_")
    word = _MERMAID_WORD.sub("_", text.replace(" ", "_"))
    if not word or not (word[0].isalpha() or word[0] == "_"):
        word = fallback + "_" + word
    return word


def _mermaid_str(text: str) -> str:
    """A quoted Mermaid label. Mermaid renders labels as HTML, so ``<`` ``>`` ``&`` become its entity
    codes (``#lt;``), written after ``#`` is dropped so that no name can spell one of its own."""
    text = text.replace('"', "'").replace("\n", " ").replace("#", "").replace(";", ",")
    return text.replace("&", "#amp;").replace("<", "#lt;").replace(">", "#gt;")


def to_mermaid(g: ErGraph) -> str:
    """A Mermaid ``erDiagram``: entities with aliases, typed attributes with PK/FK/UK, crow's feet."""
    ids = _mermaid_ids(g)
    out = ["erDiagram"]
    for n in g.nodes:
        label = n.name if n.kind == "group" else n.id
        out.append(f'  {ids[n.id]}["{_mermaid_str(label)}"] {{')
        if n.kind == "group":
            for member, summary in n.members:
                out.append(f'    lookup {_mermaid_word(member.split(".", 1)[1], "t")} "{_mermaid_str(summary)}"')
        for c in n.columns:
            keys = [k for k, on in (("PK", c.pk), ("FK", c.fk), ("UK", c.unique and not c.pk)) if on]
            name = _mermaid_word(c.name, "col")
            notes = []
            if name != c.name:
                notes.append(c.name)
            if not c.nullable and not c.pk:
                notes.append("not null")
            if c.ref:
                notes.append(f"→ {c.ref}")
            line = f"    {_mermaid_word(c.type, 'type')} {name}"
            if keys:
                line += " " + ", ".join(keys)
            if notes:
                line += f' "{_mermaid_str("; ".join(notes))}"'
            out.append(line)
        if n.hidden:
            out.append(f'    more {"columns" if n.hidden > 1 else "column"} "{n.hidden} not shown"')
        out.append("  }")
    for e in g.edges:
        a, b = ids[e.parent], ids[e.child]
        if e.kind == "m2m":
            out.append(f'  {ids[e.child]} }}o--o{{ {ids[e.parent]} : "{_mermaid_str(e.label)}"')
            continue
        left = "|o" if e.optional else "||"
        right = "o|" if e.one_to_one else "o{"
        line = "--" if e.identifying else ".."
        label = e.name or ", ".join(e.child_columns)
        out.append(f'  {a} {left}{line}{right} {b} : "{_mermaid_str(label)}"')
    return "\n".join(out) + "\n"


# -- DBML -----------------------------------------------------------------------------------------

_DBML_ACTIONS = {"CASCADE": "cascade", "RESTRICT": "restrict", "SET NULL": "set null",
                 "SET DEFAULT": "set default", "NO ACTION": "no action"}


def _dq(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _sq(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", " ") + "'"


def _dbml_type(type_text: str) -> str:
    t = type_text.strip()
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*(\([0-9, ]*\))?(\[\])*", t):
        return t.replace(" ", "")
    return _dq(t)


def to_dbml(g: ErGraph) -> str:
    """DBML (dbdiagram.io) for the tables drawn: full columns, keys, indexes, refs, enums, groups."""
    assert g.schema is not None
    facts = SchemaFacts(g.schema)
    names = [n.id for n in g.nodes if n.kind == "table"]
    for n in g.nodes:
        if n.kind == "group":
            names += [m for m, _ in n.members]
    included = set(names)
    out: list[str] = []
    if g.schema.name:
        out += [f"Project {_dq(g.schema.name)} {{", "  database_type: 'PostgreSQL'", "}", ""]
    used_types = {c.type for q in names for c in facts.tables[q].columns}
    for e in g.schema.enums:
        q = f"{e.schema}.{e.name}"
        if not any(t == q or t == e.name or t.endswith(f".{e.name}") for t in used_types):
            continue
        out.append(f"Enum {_dq(e.schema)}.{_dq(e.name)} {{")
        out += [f"  {_dq(v)}" for v in e.values]
        out.append("}")
        out.append("")
    enum_types: dict[str, str] = {}
    for e in g.schema.enums:
        ref = f"{_dq(e.schema)}.{_dq(e.name)}"
        enum_types[f"{e.schema}.{e.name}"] = ref
        enum_types.setdefault(e.name, ref)
    for q in names:
        t = facts.tables[q]
        out += _dbml_table(facts, t, enum_types)
        out.append("")
    for q in names:
        t = facts.tables[q]
        for fk in t.foreign_keys:
            parent = ref_name(fk)
            if parent not in included:
                continue
            p = facts.tables[parent]
            rel = "-" if facts.fk_one_to_one(t, fk) else ">"
            src = _dbml_cols(t, fk.columns)
            dst = _dbml_cols(p, fk.ref_columns)
            settings = []
            if fk.on_delete and fk.on_delete.upper() != "NO ACTION":
                settings.append(f"delete: {_DBML_ACTIONS.get(fk.on_delete.upper(), 'no action')}")
            if fk.on_update and fk.on_update.upper() != "NO ACTION":
                settings.append(f"update: {_DBML_ACTIONS.get(fk.on_update.upper(), 'no action')}")
            name = f" {_dq(fk.name)}" if fk.name else ""
            suffix = f" [{', '.join(settings)}]" if settings else ""
            out.append(f"Ref{name}: {src} {rel} {dst}{suffix}")
    for n in g.nodes:
        if n.kind == "group":
            out.append("")
            out.append(f"TableGroup {_dq(n.name)} {{")
            for m, _ in n.members:
                s, name = m.split(".", 1)
                out.append(f"  {_dq(s)}.{_dq(name)}")
            out.append("}")
    return "\n".join(out).rstrip() + "\n"


def _dbml_cols(t: Table, cols: list[str]) -> str:
    prefix = f"{_dq(t.schema)}.{_dq(t.name)}"
    if len(cols) == 1:
        return f"{prefix}.{_dq(cols[0])}"
    return f"{prefix}.({', '.join(_dq(c) for c in cols)})"


def _dbml_table(facts: SchemaFacts, t: Table, enum_types: dict[str, str]) -> list[str]:
    out = [f"Table {_dq(t.schema)}.{_dq(t.name)} {{"]
    single_pk = t.primary_key[0] if len(t.primary_key) == 1 else None
    uniques = facts.unique_columns(t)
    for c in t.columns:
        settings = []
        if c.name == single_pk:
            settings.append("pk")
        if c.identity or (c.default or "").startswith("nextval("):
            settings.append("increment")
        if not c.nullable and c.name != single_pk:
            settings.append("not null")
        if c.name in uniques:
            settings.append("unique")
        if c.default and not (c.default or "").startswith("nextval("):
            settings.append(f"default: `{c.default.replace('`', chr(39))}`")
        if c.comment:
            settings.append(f"note: {_sq(c.comment)}")
        tail = f" [{', '.join(settings)}]" if settings else ""
        typ = enum_types.get(c.type) or _dbml_type(c.type)
        out.append(f"  {_dq(c.name)} {typ}{tail}")
    idx_lines = []
    if len(t.primary_key) > 1:
        idx_lines.append(f"    ({', '.join(_dq(c) for c in t.primary_key)}) [pk]")
    for i in t.indexes:
        if i.constraint and i.constraint == t.primary_key_name:
            continue
        if not i.columns or any(i.expressions):
            continue
        if len(i.columns) == 1 and i.unique and i.columns[0] in uniques:
            continue  # already marked [unique] on the column
        settings = [f"name: {_sq(i.name)}"]
        if i.unique:
            settings.append("unique")
        if i.method == "hash":
            settings.append("type: hash")
        cols = i.columns
        key = _dq(cols[0]) if len(cols) == 1 else f"({', '.join(_dq(c) for c in cols)})"
        idx_lines.append(f"    {key} [{', '.join(settings)}]")
    if idx_lines:
        out.append("")
        out.append("  indexes {")
        out += idx_lines
        out.append("  }")
    if t.comment:
        out.append(f"  Note: {_sq(t.comment)}")
    out.append("}")
    return out
