"""The catalog's words come from the catalog: a flat taxonomy (topics only) and a two-level one (groups of topics),
each in its own words, build complete sites that hold none of this catalog's words; the words' own rules; and the
shape rules of the three kinds of taxonomy."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from pydantic import ValidationError

from headcat.catalog import facets, urls
from headcat.commands.cli import main
from headcat.commands.init_catalog import NewCatalog, init_catalog, level_words
from headcat.model.problems import ProblemsFound
from headcat.model.taxonomy import RESERVED_FOLDERS, RESERVED_PARAMS, Taxonomy, Words, find_taxonomy_conflicts
from headcat.pipeline import build, check
from test_site import parse

TODAY = date(2026, 1, 15)

THIS_CATALOGS_WORDS = re.compile(
    r"(?i:head[ -]?types?|\bstages?\b|sub-?categor|framework|survey|four-stage|knowledge recalling|latent reasoning|"
    r"expression preparation|in-context identification)|\bInnovation\b|\bTasks\b|\bResult\b")
"""Words of the attention-heads catalog (its levels, its map, its survey, its stages, its summary labels) that
another catalog's site must not hold. The summary labels are matched with their capital, as a label shows them:
the paper file's keys (heads, innovation, tasks, result) are the format, which the about page and the forms name."""

FORMAT_FILES = {"catalog.json"}
"""Files whose keys are the paper file's and taxonomy.yaml's own (stage_ids, stages, heads): the format, not words."""

SHAPES = {
    1: NewCatalog("Awesome Techniques", "Papers on techniques.", 1, topic=level_words("technique/techniques")),
    2: NewCatalog("Open Questions", "Papers by the question they ask.", 2, topic=level_words("question/questions"),
                  group=level_words("theme/themes")),
}


def words_in(site: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sorted(site.rglob("*")):
        if path.is_file() and path.name not in FORMAT_FILES and path.suffix in {".html", ".xml", ".opml", ".js",
                                                                                  ".css", ".json", ".txt", ".svg"}:
            text = path.read_text(encoding="utf-8")
            if path.suffix == ".html":
                text = parse(path).text + " " + " ".join(value for _, _, value in parse(path).links())
            hits = sorted({match.group(0) for match in THIS_CATALOGS_WORDS.finditer(text)})
            if hits:
                found[path.relative_to(site).as_posix()] = hits
    return found


def broken_links(site: Path) -> list[str]:
    broken = []
    for path in sorted(site.rglob("*.html")):
        for tag, attribute, address in parse(path).links():
            if urlsplit(address).scheme:
                continue
            target = Path(unquote(urlsplit(urljoin(path.as_uri(), address)).path))
            if address.endswith("/") or not target.suffix:
                target = target / "index.html"
            if not target.is_file():
                broken.append(f"{path.relative_to(site)}: <{tag} {attribute}={address!r}>")
    return broken


@pytest.mark.parametrize("levels", sorted(SHAPES))
def test_a_catalog_of_another_shape_builds_a_complete_site_in_its_own_words(tmp_path: Path, levels: int) -> None:
    catalog = SHAPES[levels]
    init_catalog(tmp_path, catalog, TODAY)
    assert check(tmp_path, TODAY) == 1
    build(tmp_path, tmp_path / "site", TODAY)
    site = tmp_path / "site"

    topics = catalog.topic.folder
    expected = ["index.html", f"{topics}/index.html", f"{topics}/self-attention/index.html",
                "papers/attention-is-all-you-need/index.html", "stats/index.html", "about/index.html"]
    if levels == 2:
        expected += [f"{catalog.group.folder}/index.html", f"{catalog.group.folder}/arch/index.html"]
    assert [path for path in expected if not (site / path).is_file()] == []
    assert broken_links(site) == []
    assert words_in(site) == {}

    home = parse(site / "index.html")
    navigation = home.text
    assert catalog.topic.many.capitalize() in navigation
    assert (catalog.group.many.capitalize() in navigation) == (levels == 2)
    assert (f'name="{catalog.topic.param}"' in (site / "index.html").read_text(encoding="utf-8"))
    if levels == 1:
        assert not (site / "areas").exists()  # no map and no group pages without groups


@pytest.mark.parametrize("levels", sorted(SHAPES))
def test_the_issue_forms_and_readme_speak_the_catalogs_words(tmp_path: Path, levels: int) -> None:
    catalog = SHAPES[levels]
    init_catalog(tmp_path, catalog, TODAY)
    forms = tmp_path / ".github" / "ISSUE_TEMPLATE"
    assert (forms / f"new-{catalog.topic.param}.yml").is_file()
    for path in [*forms.glob("*.yml"), tmp_path / "README.md"]:
        text = path.read_text(encoding="utf-8")
        assert THIS_CATALOGS_WORDS.findall(re.sub(r"Summary: (innovation|tasks|result)", "", text)) == [], path
    assert catalog.topic.many.capitalize() in (forms / "add-paper.yml").read_text(encoding="utf-8")


def test_init_takes_the_words_and_the_shape_from_the_command_line(tmp_path: Path) -> None:
    assert main(["init", str(tmp_path), "--levels", "2", "--topic", "dataset", "--group", "modality/modalities"]) == 0
    taxonomy = (tmp_path / "taxonomy.yaml").read_text(encoding="utf-8")
    assert 'topic: {one: "dataset", many: "datasets", folder: datasets, param: dataset}' in taxonomy
    assert 'group: {one: "modality", many: "modalities", folder: modalities, param: modality}' in taxonomy
    assert "subcategories" not in taxonomy
    assert main(["build", str(tmp_path), "-q"]) == 0
    assert (tmp_path / "site" / "modalities" / "arch" / "index.html").is_file()


def test_init_refuses_words_a_level_cannot_use(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", str(tmp_path), "--topic", "year/years"]) == 2
    assert "topic.folder: 'years' is a folder of the site already" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("words", "message"), [
    ({"topic": {"one": "paper", "many": "papers"}}, "topic.folder: 'papers' is a folder of the site already"),
    ({"topic": {"one": "area", "many": "areas"}}, "topic.folder and group.folder are both 'areas'"),
    ({"group": {"one": "method", "many": "group methods"}}, "group.param: 'method' names another filter"),
    ({"subgroup": {"one": "topic", "many": "sub-topics"}}, "subgroup.param: 'topic' names another filter, of topic"),
    ({"topic": {"one": "x", "many": "xs", "folder": "Not A Slug"}}, "String should match pattern"),
])
def test_words_that_would_clash_are_refused(words: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(message)):
        Words.model_validate(words)


def test_a_levels_folder_and_filter_name_default_to_its_words() -> None:
    level = Words.model_validate({"topic": {"one": "research question", "many": "research questions"}}).topic
    assert (level.folder, level.param) == ("research-questions", "research-question")


HEAD = {"name": "Copying", "description": "Copies tokens."}
STAGE = {"id": "ARCH", "name": "Architectures", "description": "Models."}


@pytest.mark.parametrize(("taxonomy", "conflict"), [
    ({"heads": [HEAD]}, None),
    ({"heads": [{**HEAD, "stage": "ARCH"}]}, "this taxonomy has no stages"),
    ({"heads": [{**HEAD, "placement": "survey"}]}, "this taxonomy has no stages"),
    ({"stages": [STAGE], "heads": [{**HEAD, "stage": "ARCH", "placement": "survey"}]}, None),
    ({"stages": [STAGE], "heads": [{**HEAD, "stage": "ARCH"}]}, "needs a placement"),
    ({"stages": [STAGE], "heads": [{**HEAD, "stage": "ARCH", "subcategory": "X", "placement": "survey"}]},
     "ARCH has no subcategories"),
    ({"stages": [{**STAGE, "subcategories": [{"name": "X", "description": "x"}]}],
      "heads": [{**HEAD, "stage": "ARCH", "placement": "survey"}]}, "a subcategory is needed"),
])
def test_each_shape_of_taxonomy_has_its_placement_rules(taxonomy: dict[str, object], conflict: str | None) -> None:
    conflicts = [message for _, message in find_taxonomy_conflicts(Taxonomy.model_validate(taxonomy))]
    if conflict is None:
        assert conflicts == []
    else:
        assert len(conflicts) == 1 and conflict in conflicts[0]


def test_a_taxonomy_problem_in_another_catalog_is_told_in_its_words(tmp_path: Path) -> None:
    init_catalog(tmp_path, SHAPES[1], TODAY)
    paper = tmp_path / "papers" / "attention-is-all-you-need.yaml"
    paper.write_text(paper.read_text(encoding="utf-8").replace("[Self-Attention]", "[Self-Atention]"),
                     encoding="utf-8")
    with pytest.raises(ProblemsFound) as found:
        check(tmp_path, TODAY)
    message = found.value.problems[0].message
    assert "unknown technique 'Self-Atention'" in message and "head type" not in message


def test_the_reserved_names_are_every_folder_and_filter_of_the_site() -> None:
    """A level's folder or filter name cannot be one the site uses already: the lists in model/taxonomy.py hold
    every top folder of catalog/urls.py and every facet's name but the levels' own."""
    paths = [value for name, value in vars(urls).items() if name.isupper() and isinstance(value, str)]
    paths += [urls.paper_page("x"), urls.year_page(2024), urls.venue_page("x"), urls.model_family_page("x"),
              urls.method_page("x"), urls.author_page("x"), urls.listing_page(urls.HOME, 2), urls.lookup_file(0)]
    folders = {path.split("/")[0] for path in paths if "/" in path}
    assert folders <= set(RESERVED_FOLDERS), folders - set(RESERVED_FOLDERS)
    params = {facet.param for facet in facets.FACETS if facet.param not in facets.LEVEL_OF_FACET}
    assert params <= set(RESERVED_PARAMS), params - set(RESERVED_PARAMS)
    assert {"q", "sort", "view"} <= set(RESERVED_PARAMS)  # the search box, the order and the view (site.js)
