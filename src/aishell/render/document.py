"""Schema documentation: choose the diagram to embed and write Markdown or HTML, one file or a site."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from aishell.errors import UserError
from aishell.model.schema import Schema
from aishell.render import erd
from aishell.render.simplify import simplify

FORMATS = ("markdown", "html")
# The overview diagram embedded in docs keeps at most this many tables (most connected first).
DIAGRAM_MAX_TABLES = 80


@dataclass
class DocResult:
    """What a documentation run produced: files written (or one text for stdout) and counts."""

    format: str
    files: list[str] = field(default_factory=list)
    text: str | None = None
    tables: int = 0
    views: int = 0
    enums: int = 0
    functions: int = 0
    diagram: str | None = None  # "svg", "mermaid" or None
    diagram_tables: int = 0
    notes: list[str] = field(default_factory=list)

    def as_dict(self, output: str | None) -> dict:
        return {
            "format": self.format, "output": output, "files": self.files, "tables": self.tables,
            "views": self.views, "enums": self.enums, "functions": self.functions,
            "diagram": self.diagram, "diagram_tables": self.diagram_tables, "notes": self.notes,
        }


def overview_graph(schema: Schema, *, simplified: bool, max_tables: int | None, href=None) -> erd.ErGraph:
    """The diagram a doc embeds: the whole schema, or its simplified / most connected part when large."""
    limit = max_tables or (DIAGRAM_MAX_TABLES if len(schema.tables) > DIAGRAM_MAX_TABLES else None)
    auto_simplify = simplified or len(schema.tables) > DIAGRAM_MAX_TABLES
    return erd.build_erd(schema, simplified=auto_simplify, max_tables=limit, href=href)


def write_docs(schema: Schema, fmt: str, output: str | None, *, simplified: bool = False,
               max_tables: int | None = None, diagram: bool = True) -> DocResult:
    if fmt not in FORMATS:
        raise UserError(f"unknown --format {fmt!r} (choose from {', '.join(FORMATS)})")
    view = simplify(schema, max_tables) if simplified else None
    res = DocResult(format=fmt, tables=len(schema.tables), views=len(schema.views), enums=len(schema.enums),
                    functions=len(schema.functions))
    out_dir = None
    if output is not None and output != "-":
        out_dir = Path(output)
        if out_dir.exists() and not out_dir.is_dir():
            raise UserError(f"{output}: exists and is not a directory (--output takes a directory)")
    if fmt == "markdown":
        _markdown(schema, view, out_dir, res, simplified=simplified, max_tables=max_tables, diagram=diagram)
    else:
        from aishell.render.html import write_html

        write_html(schema, view, out_dir, res, simplified=simplified, max_tables=max_tables, diagram=diagram)
    return res


def _markdown(schema: Schema, view: Schema | None, out_dir: Path | None, res: DocResult, *,
              simplified: bool, max_tables: int | None, diagram: bool) -> None:
    from aishell.render.markdown import MERMAID_MAX_TABLES, MarkdownWriter

    mermaid = None
    image = None
    svg = None
    if diagram and schema.tables:
        g = overview_graph(schema, simplified=simplified, max_tables=max_tables)
        res.diagram_tables = len(g.tables)
        if out_dir is not None and erd.have_dot():
            svg = erd.to_svg(g)
            image = "diagram.svg"
            res.diagram = "svg"
        elif len(g.tables) <= MERMAID_MAX_TABLES:
            mermaid = erd.to_mermaid(g)
            res.diagram = "mermaid"
        else:
            res.notes.append(f"no diagram embedded: {len(g.tables)} tables is too many for Mermaid "
                             "(install Graphviz and use --output DIR for an SVG)")
        res.notes += g.notes
    writer = MarkdownWriter(schema, mermaid=mermaid, diagram_image=image, simplified_view=view)
    if out_dir is None:
        res.text = writer.single()
        return
    files = writer.site()
    if svg is not None:
        files["diagram.svg"] = svg
    _write_files(out_dir, files, res)


def _write_files(out_dir: Path, files: dict[str, str | bytes], res: DocResult) -> None:
    try:
        for rel, content in files.items():
            path = out_dir / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
            res.files.append(str(path))
    except OSError as exc:
        raise UserError(f"{out_dir}: cannot write ({exc.strerror})") from None
