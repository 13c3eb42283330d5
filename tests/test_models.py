"""The model rules of the load stage: the paper model with its context, summary Markdown, and the YAML reader.

Papers are validated with `Paper.model_validate(data, context=PaperContext(...))` on data shaped like what the
YAML reader returns (dates as text), with the fixture catalog's taxonomy and a fixed "today".
"""

from __future__ import annotations

import pickle
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from headcat.load.settings import load_taxonomy
from headcat.load.yaml_source import SourceError, compose_yaml, locate, parse_yaml, read_yaml_text, source_text_at
from headcat.model.paper import SUMMARY_PART_MAX_CHARS, Paper, PaperContext
from headcat.model.summary_markup import find_markup_problem, is_safe_link, render_inline

CATALOG = Path(__file__).parent / "fixtures" / "catalog"
TODAY = date(2025, 1, 1)


@pytest.fixture(scope="module")
def context() -> PaperContext:
    return PaperContext(taxonomy=load_taxonomy(CATALOG), today=TODAY)


def paper_data(**changes: Any) -> dict[str, Any]:
    """A valid paper as the YAML reader returns it, with some keys replaced (None removes a key)."""
    data: dict[str, Any] = {
        "title": "Induction Heads in Small Models",
        "date": "2024-01-10",
        "added": "2024-02-01",
        "heads": ["Induction Head"],
        "links": {"paper": "https://example.org/papers/induction"},
        "summary": {
            "innovation": "Finds heads that copy earlier tokens.",
            "tasks": "Traces attention in a small model.",
            "result": "Two heads do most of the copying.",
        },
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def summary_with(**parts: str) -> dict[str, str]:
    return {**paper_data()["summary"], **parts}


def validate(context: PaperContext, **changes: Any) -> Paper:
    return Paper.model_validate(paper_data(**changes), context=context)


def only_error(context: PaperContext, **changes: Any) -> tuple[tuple[str | int, ...], str, str]:
    """The single validation error for these changes: (location, type, message)."""
    with pytest.raises(ValidationError) as raised:
        validate(context, **changes)
    errors = raised.value.errors(include_url=False)
    assert len(errors) == 1, errors
    return tuple(errors[0]["loc"]), errors[0]["type"], errors[0]["msg"]


# Head types and stages


def test_valid_paper_data_makes_a_paper(context: PaperContext) -> None:
    paper = validate(context)

    assert paper.title == "Induction Heads in Small Models"
    assert (paper.date, paper.added) == (date(2024, 1, 10), date(2024, 2, 1))
    assert paper.heads == ("Induction Head",)


def test_head_alias_resolves_to_its_canonical_name(context: PaperContext) -> None:
    assert validate(context, heads=["Previous Head"]).heads == ("Previous Token Head",)


def test_head_names_ignore_case_and_runs_of_spaces(context: PaperContext) -> None:
    assert validate(context, heads=["induction   HEAD", "previous head"]).heads == (
        "Induction Head",
        "Previous Token Head",
    )


def test_unknown_head_type_suggests_the_closest_name(context: PaperContext) -> None:
    assert only_error(context, heads=["Induction Head", "Retreival Head"]) == (
        ("heads", 1),
        "unknown_head",
        "unknown head type 'Retreival Head' (did you mean 'Retrieval Head'?)",
    )


def test_unknown_head_type_with_no_close_name_says_where_head_types_are_defined(context: PaperContext) -> None:
    assert only_error(context, heads=["Induction Head", "Banana Head"])[2] == (
        "unknown head type 'Banana Head'; add it to taxonomy.yaml if it is a new head type"
    )


def test_head_named_twice_through_an_alias_is_refused(context: PaperContext) -> None:
    location, kind, message = only_error(context, heads=["Previous Token Head", "Previous Head"])

    assert location == ("heads",)
    assert kind == "repeated_head"
    assert "'Previous Token Head' is listed twice" in message


def test_models_and_methods_resolve_to_their_canonical_names(context: PaperContext) -> None:
    paper = validate(context, models=["gpt-2 SMALL", "Llama 2 7B"], methods=["path-patching"])
    assert (paper.models, paper.methods) == (("GPT-2 Small", "Llama-2-7B"), ("Path Patching",))


@pytest.mark.parametrize(("field", "names", "kind"), [
    ("models", ["GPT-2 Small", "GPT-2 small"], "repeated_model"),
    ("methods", ["Path Patching", "path-patching"], "repeated_method")])
def test_a_model_or_method_named_twice_through_an_alias_is_refused(context: PaperContext, field: str,
                                                                   names: list[str], kind: str) -> None:
    location, found, message = only_error(context, **{field: names})
    assert (location, found) == ((field,), kind)
    assert f"'{names[0]}' is listed twice" in message


def test_empty_heads_list_is_refused(context: PaperContext) -> None:
    assert only_error(context, heads=[])[:2] == (("heads",), "too_short")


def test_stages_resolve_by_id_or_name_to_ids(context: PaperContext) -> None:
    assert validate(context, stages=["lr", "Expression Preparation", "ICI"]).stages == ("LR", "EP", "ICI")


def test_unknown_stage_lists_the_stages(context: PaperContext) -> None:
    assert only_error(context, stages=["Output Shaping"]) == (
        ("stages", 0),
        "unknown_stage",
        "unknown stage 'Output Shaping'; use one of KR (Knowledge Recalling), ICI (In-Context Identification), "
        "LR (Latent Reasoning), EP (Expression Preparation)",
    )


def test_validating_a_paper_without_its_context_is_a_programming_error() -> None:
    with pytest.raises(TypeError, match="PaperContext"):
        Paper.model_validate(paper_data())


# Identifiers: arXiv id, DOI, and a way to reach the paper


@pytest.mark.parametrize("arxiv", ["2404.15574", "0704.0001", "cs/0112017", "hep-th/9901001", "math.GT/0309136"])
def test_arxiv_id_formats_are_accepted(context: PaperContext, arxiv: str) -> None:
    assert validate(context, arxiv=arxiv).arxiv == arxiv


@pytest.mark.parametrize(
    "arxiv", ["2404.155", "2410.10", "arXiv:2404.15574", "https://arxiv.org/abs/2404.15574", "cs/01120", "CS/0112017"]
)
def test_malformed_arxiv_ids_are_refused(context: PaperContext, arxiv: str) -> None:
    assert only_error(context, arxiv=arxiv) == (
        ("arxiv",),
        "arxiv_id",
        f"'{arxiv}' is not an arXiv id like \"2404.15574\" or \"cs/0112017\"",
    )


@pytest.mark.parametrize(("arxiv", "bare"), [("2404.15574v2", "2404.15574"), ("cs/0112017v1", "cs/0112017")])
def test_arxiv_id_with_a_version_suffix_is_refused_with_the_bare_id(
    context: PaperContext, arxiv: str, bare: str
) -> None:
    assert only_error(context, arxiv=arxiv)[2] == f"'{arxiv}' has a version suffix; write the id without it: \"{bare}\""


def test_arxiv_id_read_as_a_number_asks_for_quotes(context: PaperContext) -> None:
    location, kind, message = only_error(context, arxiv=2404.15574)

    assert (location, kind) == (("arxiv",), "arxiv_number")
    assert message == '2404.15574 was read as a number; write the arXiv id in quotes: arxiv: "2404.15574"'


def test_doi_must_look_like_a_doi(context: PaperContext) -> None:
    assert validate(context, doi="10.18653/v1/P19-1580").doi == "10.18653/v1/P19-1580"
    assert only_error(context, doi="doi.org/10.1/x") == (
        ("doi",),
        "doi",
        "'doi.org/10.1/x' is not a DOI like \"10.18653/v1/P19-1580\"",
    )


@pytest.mark.parametrize(
    "identity", [{"arxiv": "2404.15574"}, {"doi": "10.18653/v1/P19-1580"}, {"links": {"paper": "https://e.org/p"}}]
)
def test_any_one_of_paper_link_arxiv_or_doi_is_a_way_to_reach_the_paper(
    context: PaperContext, identity: dict[str, Any]
) -> None:
    data = paper_data(links={"code": "https://github.com/example/code"})
    data.update(identity)

    assert Paper.model_validate(data, context=context).title


def test_paper_with_no_way_to_reach_it_is_refused(context: PaperContext) -> None:
    assert only_error(context, links={"code": "https://github.com/example/code"}) == (
        (),
        "unreachable",
        "no way to reach the paper: add links.paper, arxiv or doi",
    )


# Web addresses


@pytest.mark.parametrize(
    "url",
    ["https://example.org/a?b=1&c=<2>", "http://example.org", "HTTPS://EXAMPLE.ORG/x", "https://example.org:8080/"],
)
def test_http_and_https_addresses_are_accepted(context: PaperContext, url: str) -> None:
    assert validate(context, links={"paper": url}).links.paper == url


def test_address_is_kept_as_written_without_surrounding_spaces(context: PaperContext) -> None:
    assert validate(context, links={"paper": "  https://example.org/p  "}).links.paper == "https://example.org/p"


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "JavaScript:alert(1)", "ftp://example.org/f", "data:text/html,x", "papers/p.html",
            "//example.org/p", "mailto:a@example.org"]
)
def test_addresses_that_are_not_http_or_https_are_refused(context: PaperContext, url: str) -> None:
    assert only_error(context, links={"paper": url}) == (
        ("links", "paper"),
        "web_url",
        f"'{url}' is not a web address; links must start with https:// or http://",
    )


@pytest.mark.parametrize("url", ["https://", "https:///path", "https://exa mple.org", "https://example.org/\x00"])
def test_addresses_without_a_host_or_with_spaces_are_refused(context: PaperContext, url: str) -> None:
    location, kind, message = only_error(context, links={"code": url})

    assert (location, kind) == (("links", "code"), "web_url")
    assert message.endswith("is not a valid web address (no host, or spaces or control characters in it)")


def test_unknown_link_kind_is_refused(context: PaperContext) -> None:
    assert only_error(context, links={"paper": "https://e.org/p", "cod": "https://e.org/c"})[:2] == (
        ("links", "cod"),
        "extra_forbidden",
    )


# Dates


def test_impossible_date_is_refused(context: PaperContext) -> None:
    assert only_error(context, date="2024-02-30") == (("date",), "iso_date", "'2024-02-30' is not a real calendar date")


@pytest.mark.parametrize("written", ["2024-2-3", "10 January 2024", "2024/01/10", "20240110", "2024-01-10T12:00"])
def test_dates_not_written_yyyy_mm_dd_are_refused(context: PaperContext, written: str) -> None:
    assert only_error(context, date=written)[1:] == ("iso_date", f"expected a date written YYYY-MM-DD, got '{written}'")


def test_date_read_as_a_number_is_refused(context: PaperContext) -> None:
    assert only_error(context, added=20240201)[1:] == ("iso_date", "expected a date written YYYY-MM-DD, got 20240201")


def test_date_after_today_is_refused(context: PaperContext) -> None:
    assert only_error(context, added="2025-01-02") == (
        ("added",),
        "future_date",
        "2025-01-02 is in the future (today is 2025-01-01)",
    )


def test_today_itself_is_not_in_the_future(context: PaperContext) -> None:
    assert validate(context, date="2025-01-01", added="2025-01-01").added == TODAY


def test_date_objects_are_accepted_as_well_as_text(context: PaperContext) -> None:
    assert validate(context, date=date(2024, 1, 10)).date == date(2024, 1, 10)


# Summary Markdown


def test_summary_allows_emphasis_code_and_safe_links(context: PaperContext) -> None:
    summary = summary_with(
        innovation="*New* heads and **bold** claims with `<script>` in code.",
        tasks="See [the notes](https://example.org/notes), [a page](notes.html) or [mail](mailto:a@example.org).",
        result="A literal | pipe, a < b, and &lt;b&gt; stay text.",
    )

    assert validate(context, summary=summary).summary.model_dump() == summary


RAW_HTML = "raw HTML {!r} is not allowed; use Markdown (*emphasis*, `code`, [text](url))"
UNSAFE_LINK = "the link {!r} is not allowed; use an http(s) or relative address"


@pytest.mark.parametrize(
    ("part", "message"),
    [
        ("Copies <b>earlier</b> tokens.", RAW_HTML.format("<b>")),
        ("A <!-- hidden --> note.", RAW_HTML.format("<!-- hidden -->")),
        ("See ![map](https://example.org/map.png).", "images are not allowed in a summary; link to the figure instead"),
        ("See [x](javascript:alert(1)).", UNSAFE_LINK.format("javascript:alert(1)")),
        ("See [x](JaVaScRiPt:alert(1)).", UNSAFE_LINK.format("JaVaScRiPt:alert(1)")),
        ("See <javascript:alert(1)>.", UNSAFE_LINK.format("javascript:alert(1)")),
        ("See [x](data:text/html,hi).", UNSAFE_LINK.format("data:text/html,hi")),
    ],
)
def test_summary_markup_that_could_run_or_embed_content_is_refused(
    context: PaperContext, part: str, message: str
) -> None:
    assert find_markup_problem(part) == message
    assert only_error(context, summary=summary_with(tasks=part)) == (("summary", "tasks"), "summary_markup", message)


def test_summary_part_may_be_exactly_the_length_limit(context: PaperContext) -> None:
    part = "x" * SUMMARY_PART_MAX_CHARS

    assert validate(context, summary=summary_with(result=part)).summary.result == part


def test_summary_part_over_the_length_limit_is_refused(context: PaperContext) -> None:
    assert only_error(context, summary=summary_with(result="x" * (SUMMARY_PART_MAX_CHARS + 1)))[:2] == (
        ("summary", "result"),
        "string_too_long",
    )


def test_missing_summary_part_is_refused(context: PaperContext) -> None:
    summary = summary_with()
    del summary["result"]

    assert only_error(context, summary=summary)[:2] == (("summary", "result"), "missing")


def test_rendered_summary_escapes_text_and_never_links_to_script() -> None:
    assert is_safe_link("https://example.org") and is_safe_link("notes.html") and not is_safe_link("javascript:x")
    assert render_inline("a < b & [x](javascript:alert(1)) *em*") == (
        "a &lt; b &amp; [x](javascript:alert(1)) <em>em</em>"
    )


# Keys and types


def test_unknown_top_level_key_is_refused(context: PaperContext) -> None:
    assert only_error(context, autors=["Ada Lovelace"])[:2] == (("autors",), "extra_forbidden")


def test_missing_title_is_refused(context: PaperContext) -> None:
    assert only_error(context, title=None)[:2] == (("title",), "missing")


def test_empty_title_is_refused(context: PaperContext) -> None:
    assert only_error(context, title="   ")[:2] == (("title",), "string_too_short")


@pytest.mark.parametrize(
    ("key", "value", "kind"),
    [("title", 42, "string_type"), ("heads", "Induction Head", "tuple_type"), ("authors", {"a": "b"}, "tuple_type"),
     ("summary", "Finds heads.", "model_type")],
)
def test_values_of_the_wrong_type_are_refused(context: PaperContext, key: str, value: object, kind: str) -> None:
    assert only_error(context, **{key: value})[:2] == ((key,), kind)


def test_paper_cannot_be_changed_after_loading(context: PaperContext) -> None:
    paper = validate(context)

    with pytest.raises(ValidationError):
        paper.title = "Another Title"  # type: ignore[misc]


# The YAML reader


def test_parse_yaml_returns_plain_data_and_keeps_dates_as_text() -> None:
    assert parse_yaml("title: T\ndate: 2024-01-10\narxiv: 2410.10\nheads: [A, B]\nlinks: {paper: x}\n") == {
        "title": "T",
        "date": "2024-01-10",
        "arxiv": 2410.1,
        "heads": ["A", "B"],
        "links": {"paper": "x"},
    }


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ("title: !!python/object/apply:os.system ['echo hi']\n", 1, 8,
         "the YAML tag '!!python/object/apply:os.system' is not allowed; write plain text, lists and mappings"),
        ("title: T\nvenue: !!python/name:os.system ''\n", 2, 8,
         "the YAML tag '!!python/name:os.system' is not allowed; write plain text, lists and mappings"),
        ("title: !custom x\n", 1, 8, "the YAML tag '!custom' is not allowed; write plain text, lists and mappings"),
        ("date: !!timestamp 2024-01-10\n", 1, 7,
         "the YAML tag '!!timestamp' is not allowed; write plain text, lists and mappings"),
    ],
)
def test_parse_yaml_refuses_tags_at_their_position(text: str, line: int, column: int, message: str) -> None:
    with pytest.raises(SourceError) as raised:
        parse_yaml(text)

    assert raised.value == SourceError(line, column, message)


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("title: &t T\nvenue: *t\n", 2, 8),
        ("base: &b {a: 1}\nother:\n  <<: *b\n", 3, 7),
        ("heads: &h [A]\nmore: [B, *h]\n", 2, 11),
    ],
)
def test_parse_yaml_refuses_aliases_at_their_position(text: str, line: int, column: int) -> None:
    with pytest.raises(SourceError) as raised:
        parse_yaml(text)

    assert raised.value == SourceError(line, column, "YAML aliases (*name) are not allowed; write the value out")


def test_parse_yaml_accepts_an_anchor_that_nothing_refers_to() -> None:
    assert parse_yaml("title: &t T\nvenue: V\n") == {"title": "T", "venue": "V"}


@pytest.mark.parametrize(
    ("text", "line", "column", "key", "first"),
    [("title: A\nvenue: V\ntitle: B\n", 3, 1, "title", 1), ("links:\n  paper: a\n  paper: b\n", 3, 3, "paper", 2)],
)
def test_parse_yaml_refuses_duplicate_keys_naming_the_first(
    text: str, line: int, column: int, key: str, first: int
) -> None:
    with pytest.raises(SourceError) as raised:
        parse_yaml(text)

    assert raised.value == SourceError(
        line, column, f"duplicate key '{key}' (first written on line {first}); keep only one"
    )


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ('title: "Unclosed\ndate: 2024-01-10\nheads: [A]\n', 1, 8,
         "invalid YAML: a quote opened here is never closed; add the closing quote"),
        ("title: T\nheads: [A, B\ndate: 2024-01-10\n", 2, 8,
         "invalid YAML: a '[' opened here is not closed properly; check the ']' and the commas"),
        ("links:\n\tpaper: x\n", 2, 1, "invalid YAML: a tab character; indent YAML with spaces only"),
        ("title: a\x07b\n", 1, 9, "the control character U+0007 is not allowed in YAML text; delete it"),
        ("title: A\n---\ntitle: B\n", 2, 1,
         "invalid YAML: the file holds more than one YAML document ('---'); keep only one"),
        ("1: a\n", 1, 1, "a key must be plain text"),
    ],
)
def test_parse_yaml_locates_syntax_problems_where_they_must_be_edited(
    text: str, line: int, column: int, message: str
) -> None:
    with pytest.raises(SourceError) as raised:
        parse_yaml(text)

    assert raised.value == SourceError(line, column, message)


def test_read_yaml_text_refuses_bytes_that_are_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin.yaml"
    path.write_bytes(b"title: ok\nvenue: Caf\xe9\n")

    with pytest.raises(SourceError) as raised:
        read_yaml_text(path)

    assert raised.value == SourceError(2, 11, "byte 0xe9 is not valid UTF-8; save the file as UTF-8")


@pytest.mark.parametrize("content", [b"", b"\n  \n", b"# only a comment\n", b"---\n...\n"])
def test_read_yaml_text_refuses_files_without_data(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.yaml"
    path.write_bytes(content)

    with pytest.raises(SourceError) as raised:
        read_yaml_text(path)

    assert (raised.value.line, raised.value.column) == (1, 1)


def test_read_yaml_text_accepts_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes("\ufefftitle: T\n".encode())

    assert parse_yaml(read_yaml_text(path)) == {"title": "T"}


LOCATE_TEXT = """\
title: T
arxiv: 2410.10
heads:
  - Induction Head
  - Previous Head
links:
  paper: https://example.org/p
summary:
  result: R
"""


@pytest.mark.parametrize(
    ("location", "at_key", "position"),
    [
        (("title",), False, (1, 8)),
        (("title",), True, (1, 1)),
        (("heads", 1), False, (5, 5)),
        (("links", "paper"), False, (7, 10)),
        (("links", "paper"), True, (7, 3)),
        (("summary", "innovation"), True, (8, 1)),
        (("links", "cod"), True, (6, 1)),
        (("heads", 7), False, (4, 3)),
        ((), False, (1, 1)),
    ],
)
def test_locate_gives_the_position_of_a_value_or_its_key(
    location: tuple[str | int, ...], at_key: bool, position: tuple[int, int]
) -> None:
    assert locate(compose_yaml(LOCATE_TEXT), location, at_key=at_key) == position


def test_source_text_at_gives_a_number_exactly_as_written() -> None:
    root = compose_yaml(LOCATE_TEXT)

    assert source_text_at(root, ("arxiv",)) == "2410.10"
    assert source_text_at(root, ("links",)) is None
    assert source_text_at(root, ("doi",)) is None


def test_the_libyaml_fast_path_is_used_when_pyyaml_has_it() -> None:
    import yaml

    from headcat.load import yaml_source

    assert yaml.__with_libyaml__, "this machine's PyYAML lacks libyaml; install the wheel that bundles it"
    assert yaml_source._FastLoader is not None


def test_the_fast_and_the_locating_parser_read_every_repository_paper_alike() -> None:
    from headcat.load import yaml_source

    for path in sorted((Path(__file__).resolve().parents[1] / "papers").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        fast = yaml_source._load(yaml_source._FastLoader, text)
        assert fast == yaml_source._load(yaml_source._LocatingLoader, text), path.name


def test_summary_markdown_fast_path_renders_exactly_like_markdown_it() -> None:
    import random

    from headcat.model import summary_markup

    generator = random.Random(5)
    alphabet = "abc XYZ 0123 .,;:'\"()-+=%$#@~^{}|/?\\`*_[]<>!&\t"
    samples = ["".join(generator.choice(alphabet) for _ in range(generator.randint(0, 40))) for _ in range(3000)]
    samples += [part for path in sorted((Path(__file__).resolve().parents[1] / "papers").glob("*.yaml"))
                for part in yaml.safe_load(path.read_text(encoding="utf-8"))["summary"].values()]
    for text in samples:
        assert summary_markup.render_inline(text) == summary_markup._renderer().renderInline(text), repr(text)
        if "<" not in text and "[" not in text:  # the check's fast path: nothing to refuse can be in such text
            kinds = {token.type for block in summary_markup._inspector().parseInline(text)
                     for token in block.children or ()}
            assert not kinds & {"html_inline", "image", "link_open"}, repr(text)


def test_summary_markdown_code_and_emphasis_fast_path_renders_exactly_like_markdown_it() -> None:
    import random

    from headcat.model import summary_markup

    # Code spans and *emphasis* with all kinds of neighbours and inner edges: some take the fast path, the others
    # must be refused by it, and both must come out as markdown-it renders them.
    generator = random.Random(7)
    edges = ["", " ", " ", " ", " ", "(", ")", ".", ",", "a", "_", "*", "`", "&lt;", "[", "](u)", "\\", "\n", "\u00a0"]

    def words() -> str:
        return " ".join(generator.choice(("a", "Z9", "head", "é", "W_QK", "x_", "_y", "_b a_"))
                        for _ in range(generator.randint(1, 3)))

    def piece() -> str:
        before, after, inside = generator.choice(edges), generator.choice(edges), generator.choice(edges)
        text = words()
        return generator.choice((f"{before}*{text}*{after}", f"{before}*{inside}{text}*{after}",
                                 f"{before}*{text}{inside}*{after}", f"{before}`{text}`{after}",
                                 f"{before}`{inside}{text}{inside}`{after}", f" {text} {inside}"))

    samples = ["".join(piece() for _ in range(generator.randint(1, 3))) for _ in range(10000)]
    assert sum(summary_markup._render_simple_text(text) is not None for text in samples) > 500  # the path is taken
    for text in samples:
        assert summary_markup.render_inline(text) == summary_markup._renderer().renderInline(text), repr(text)


def test_a_paper_added_before_its_date_is_refused_at_added(context: PaperContext) -> None:
    location, kind, message = only_error(context, date="2024-03-05", added="2024-01-01")
    assert (location, kind) == (("added",), "added_before_date")
    assert message == ("2024-01-01 is before the paper's date 2024-03-05: a paper enters the catalog after it first "
                       "appeared; correct whichever of the two is wrong")


@pytest.mark.parametrize("link", ["https://arxiv.org/abs/2404.15575", "https://arxiv.org/pdf/2404.15575v2.pdf",
                                  "http://export.arxiv.org/html/2404.15575v1"])
def test_an_arxiv_id_that_disagrees_with_the_arxiv_paper_link_is_refused(context: PaperContext, link: str) -> None:
    location, kind, message = only_error(context, arxiv="2404.15574", links={"paper": link})
    assert (location, kind) == (("links",), "arxiv_link_disagrees")
    assert "arXiv 2404.15575, but arxiv says 2404.15574" in message


def test_an_arxiv_id_that_agrees_with_its_link_in_any_form_is_accepted(context: PaperContext) -> None:
    for link in ("https://arxiv.org/abs/2404.15574v3", "https://arxiv.org/pdf/2404.15574", "https://example.org/x"):
        assert validate(context, arxiv="2404.15574", links={"paper": link}).arxiv == "2404.15574"


def test_an_author_list_marked_incomplete_needs_its_reason(context: PaperContext) -> None:
    assert validate(context, authors=["Ada Lovelace"], authors_incomplete="The paper lists 40 authors.") \
        .authors_incomplete == "The paper lists 40 authors."
    assert only_error(context, authors=["Ada Lovelace"], authors_incomplete="")[1] == "string_too_short"


def test_papers_given_the_same_fields_share_one_record_of_them(context: PaperContext) -> None:
    first, second = validate(context), validate(context, title="Another Title", date="2023-05-02")
    unpickled = pickle.loads(pickle.dumps(second))  # as a helper that parsed it sends it
    assert first.model_fields_set is second.model_fields_set is unpickled.model_fields_set
    assert first.summary.model_fields_set is second.summary.model_fields_set
    # As the paper store loads them: from JSON with every field written, so every field given.
    stored = [Paper.model_validate_json(paper.model_dump_json(), context=context) for paper in (first, second)]
    assert stored[0].model_fields_set is stored[1].model_fields_set == set(Paper.model_fields)
    assert unpickled == second and stored == [first, second]

    more = validate(context, venue="ICLR")  # another set of fields given: a record of its own
    assert "venue" in more.model_fields_set and "venue" not in first.model_fields_set


def test_a_copy_with_changes_has_its_own_record_of_fields(context: PaperContext) -> None:
    first, second = validate(context), validate(context)
    copied = first.model_copy(update={"venue": "ICLR"})
    assert copied.venue == "ICLR" and "venue" in copied.model_fields_set
    assert "venue" not in first.model_fields_set and "venue" not in second.model_fields_set
