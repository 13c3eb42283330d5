"""The template environment: output escaping gives exactly markupsafe's characters, without its Markup objects."""

from __future__ import annotations

from pathlib import Path

import pytest
from markupsafe import Markup, escape

from headcat.render.environment import _BIBTEX_SPECIAL, bibtex_filter, escape_output, escape_text, make_environment


class Shown:
    def __str__(self) -> str:
        return "<b>5 & 6</b>"


class Safe:
    def __html__(self) -> str:
        return "<em>kept</em>"


@pytest.mark.parametrize("value", ["plain", "a & b < c > d 'e' \"f\"", "&amp; already", "", Markup("<i>x</i>"), 42,
                                   3.5, None, Shown(), Safe()])
def test_escape_output_gives_what_markupsafe_gives(value: object) -> None:
    assert escape_output(value) == str(escape(value))


@pytest.mark.parametrize("text", ["plain", "a & b < c > d 'e' \"f\"", "&amp; already", "", "<<&&>>", "é & ü"])
def test_the_python_escape_gives_what_markupsafe_gives(text: str) -> None:
    """The fallback for a markupsafe without its inner function."""
    assert escape_text(text) == str(escape(text))


def test_templates_escape_their_output_and_keep_markup(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text("{{ text }}|{{ safe }}|{% set block %}<p>{{ text }}</p>{% endset %}"
                                        "{{ block }}|{{ text | upper }}", encoding="utf-8")
    template = make_environment(tmp_path).get_template("page.html")
    assert template.root_render_func.__globals__["escape"] is escape_output  # the fast path is the one in use
    page = template.render(text="<a & 'b'>", safe=Markup("<br>"))
    assert page == ("&lt;a &amp; &#39;b&#39;&gt;|<br>|<p>&lt;a &amp; &#39;b&#39;&gt;</p>|"
                    "&lt;A &amp; &#39;B&#39;&gt;")


def test_single_line_joins_a_list_into_one_line_escaped_once(tmp_path: Path) -> None:
    (tmp_path / "names.md").write_text('{{ names | join(", ") | single_line }}', encoding="utf-8")
    template = make_environment(tmp_path).get_template("names.md")
    assert template.render(names=["Lee <b>Bold</b>", "Ada\n   Lovelace", "O'Brien & Co"]) == \
        "Lee &lt;b&gt;Bold&lt;/b&gt;, Ada Lovelace, O&#39;Brien &amp; Co"


@pytest.mark.parametrize("special", sorted(map(chr, _BIBTEX_SPECIAL)))
def test_bibtex_escapes_each_special_character_alone(special: str) -> None:
    """Text without specials skips the escaping: each special must still be found when it is the only one."""
    assert bibtex_filter(f"50 {special} 60") == f"50 {special} 60".translate(_BIBTEX_SPECIAL) != f"50 {special} 60"


def test_bibtex_text_without_specials_is_kept_on_one_line() -> None:
    text = "Plain  title:\n a (sub) title, 'quoted' \"too\""
    assert bibtex_filter(text) == "Plain title: a (sub) title, 'quoted' \"too\""
