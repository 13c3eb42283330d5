"""The template environment shared by every renderer (render stage).

Autoescaping is on for HTML and XML, an undefined variable is an error rather than an empty string, and the
only ways content becomes markup are the filters defined here.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from headcat.summary_markup import render_inline


def make_environment(templates_dir: Path) -> Environment:
    environment = Environment(
        loader=FileSystemLoader(templates_dir),
        autoescape=select_autoescape(enabled_extensions=("html", "xml", "svg", "opml"), default_for_string=True),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["markdown"] = markdown_filter
    return environment


def markdown_filter(text: str) -> Markup:
    """A summary part as HTML: Markdown rendered with raw HTML off and only safe links (see summary_markup)."""
    return Markup(render_inline(text))
