"""Rendering the website (render stage): every page of the site as an output file in memory.

Each page is one template rendered with the values it needs, passed explicitly; `root` is the relative path
from the page back to the site's top ('../../'), so every link works under any base path and from disk.
"""

from __future__ import annotations

from jinja2 import Environment

from headcat.catalog import Catalog
from headcat.output import OutputFile


def render_site(catalog: Catalog, environment: Environment) -> list[OutputFile]:
    files = [_page(environment, "site/index.html", "index.html", catalog=catalog)]
    for entry in catalog.papers:
        files.append(_page(environment, "site/paper.html", f"papers/{entry.id}/index.html", catalog=catalog,
                           entry=entry))
    return files


def _page(environment: Environment, template: str, path: str, **values: object) -> OutputFile:
    root = "../" * path.count("/")
    html = environment.get_template(template).render(root=root, page_path=path, **values)
    return OutputFile(path, html.encode("utf-8"))
