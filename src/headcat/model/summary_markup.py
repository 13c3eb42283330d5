"""Summary Markdown: the one definition of what a summary part may contain and how it becomes HTML.

A summary part is inline Markdown (emphasis, code, links). Raw HTML, images and links that are not http(s),
mailto or relative are refused when a paper is loaded, and can never be produced when it is rendered.
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

_ALLOWED_SCHEMES = ("http", "https", "mailto", "")


def is_safe_link(url: str) -> bool:
    """http(s), mailto or relative; never javascript:, data: or other schemes that can run or embed content."""
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return False
    return scheme in _ALLOWED_SCHEMES and not any(ord(character) < 32 for character in url)


@cache
def _renderer() -> MarkdownIt:
    """Made on first use, as markdown-it is: most summaries take the fast paths below (25 ms of start-up saved)."""
    from markdown_it import MarkdownIt

    markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    markdown.disable("image")
    markdown.validateLink = is_safe_link  # type: ignore[method-assign]
    return markdown


@cache
def _inspector() -> MarkdownIt:
    """Sees raw HTML, images and every link as what they are, so that they can be reported."""
    from markdown_it import MarkdownIt

    markdown = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False})
    markdown.validateLink = lambda url: True  # type: ignore[method-assign]
    return markdown


# Characters that can start inline Markdown syntax; text without any of them renders as escaped text (the fast path
# below; a test checks it against markdown-it on generated text).
# (A regex finds one of them in a few hundred characters twice as fast as a set's isdisjoint.)
_SYNTAX_CHARACTER = re.compile(r"[\\`*_\[\]<>!&\n\r]")
# Most summaries are prose with a few `code` spans and *emphasized words*: text made only of those and of plain runs
# has a second fast path. Each piece is accepted only where markdown-it cannot read it any other way: an underscore
# inside a word (never emphasis), a code span between single backticks, one asterisk each side of words that it
# opens after a space or '(' and closes before a space, '.', ',', ';', ':' or ')'.
_SIMPLE_TEXT = re.compile(
    r"(?:[^\\`*_\[\]<>!&\n\r\x00]++"  # plain run
    r"|(?<=[A-Za-z0-9])_(?=[A-Za-z0-9])"  # underscore inside a word
    r"|(?<!`)`[^`\n\r\x00]+`(?!`)"  # code span
    r"|(?<![^ (])\*[A-Za-z0-9](?:[^\\`*_\[\]<>!&\n\r\x00]*[A-Za-z0-9])?\*(?![^ .,;:)])"  # emphasis
    r")*+")


def find_markup_problem(text: str) -> str | None:
    """Why this summary part cannot be accepted, or None."""
    if "<" not in text and "[" not in text:  # raw HTML, images and links all need one of them
        return None
    for block in _inspector().parseInline(text):
        for token in block.children or ():
            if token.type == "html_inline":
                return f"raw HTML {token.content!r} is not allowed; use Markdown (*emphasis*, `code`, [text](url))"
            if token.type == "image":
                return "images are not allowed in a summary; link to the figure instead"
            if token.type == "link_open" and not is_safe_link(str(token.attrs.get("href", ""))):
                return f"the link {token.attrs.get('href')!r} is not allowed; use an http(s) or relative address"
    return None


def render_inline(text: str) -> str:
    """HTML for a summary part: escaped text, emphasis, code and safe links only."""
    if _SYNTAX_CHARACTER.search(text) is None:
        return text.replace('"', "&quot;")  # what markdown-it makes of plain text: '&', '<', '>' cannot occur here
    html = _render_simple_text(text)
    return _renderer().renderInline(text) if html is None else html


def _render_simple_text(text: str) -> str | None:
    """The HTML markdown-it makes of text with only plain runs, code spans and *emphasis*; None for other text."""
    if not _SIMPLE_TEXT.fullmatch(text):
        return None
    html = []
    for index, piece in enumerate(text.split("`")):  # pieces at odd places are code spans
        if index % 2:
            code = piece[1:-1] if piece.startswith(" ") and piece.endswith(" ") and piece.strip(" ") else piece
            html.append(f"<code>{_escape_html(code)}</code>")  # one space each side stripped, as CommonMark does
        else:
            html += (f"<em>{_escape_html(part)}</em>" if place % 2 else _escape_html(part)
                     for place, part in enumerate(piece.split("*")))
    return "".join(html)


def _escape_html(text: str) -> str:
    """As markdown-it escapes text: '&', '<', '>' and '"', not "'"."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
