"""Rendering a schema for people: Markdown and HTML documentation, ER diagrams, a simplified view.

* :mod:`aishell.render.facts` — facts derived from the model that every renderer shows (keys, FKs in
  and out, sizes), computed once per schema;
* :mod:`aishell.render.simplify` — a smaller view of a large schema (junctions, lookups, top tables);
* :mod:`aishell.render.erd` — the diagram graph (tables, columns, relationships, clusters) and its
  dot / Mermaid / DBML / SVG / PNG writers;
* :mod:`aishell.render.markdown`, :mod:`aishell.render.html` — the documentation writers (HTML from
  the Jinja2 templates in ``templates/`` with the CSS and script in ``static/``);
* :mod:`aishell.render.document` — picks the diagram to embed and writes one document or a site.

Nothing here reads a database or a file of the user's: the CLI loads the SOURCE and hands over a model.
"""
