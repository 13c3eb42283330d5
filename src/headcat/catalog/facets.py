"""The facets (catalog stage): the ways a reader narrows the list of papers, each declared once here.

A facet's declaration drives everything made of it: the catalog groups the papers by its values (layout.py), every
paper card carries them as a data attribute named after the facet (`data-head="induction-head"`), the home page's
filter form lists its options with their counts, each option links to a static page that lists the same papers
(for browsing without JavaScript), and the site's script reads the facets from the form.

Adding a facet is one entry in FACETS: its parameter, legend, `values_of` (a paper's values as slugs, worked out
from the catalog paper alone: that is what lets the build cache key the layout by them), `options_of` (usually
`options_by_frequency`) and a `Listing` for its pages. Nothing else changes; tests/test_incremental.py adds one
to show that such a facet is built incrementally like the others.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from headcat.catalog import urls
from headcat.model.taxonomy import Level, Words

if TYPE_CHECKING:
    from headcat.catalog.catalog import Catalog
    from headcat.catalog.entries import CatalogPaper


@dataclass(frozen=True)
class FacetOption:
    value: str
    label: str
    count: int
    path: str
    """The static page that lists the same papers, for browsing without JavaScript."""


@dataclass(frozen=True)
class Listing:
    """The static pages of a facet whose options have no page of their own elsewhere: one per option, listing its
    papers."""

    title: str
    """The page's title, with {label} for the option's label: 'Papers from {label}'."""
    section: str
    """The navigation entry the pages belong to."""


@dataclass(frozen=True)
class Facet:
    param: str
    """The facet's name: the query-string name, checkbox name and card data attribute (?year=2024,
    data-year="2024"), except for the taxonomy's levels, whose names in the site the catalog's words give
    (`public_param`): ?stage=LR here, from the facet "stage"."""
    legend: str
    """What the filter form calls it; a taxonomy level's is its name in the catalog's words."""
    is_open: bool
    """Whether the home page shows its options before the reader opens it."""
    values_of: Callable[[CatalogPaper], tuple[str, ...]]
    """A paper's values, each a slug (no spaces: a card's data attribute holds them separated by spaces)."""
    options_of: Callable[[Catalog], tuple[FacetOption, ...]]
    """The options the filter form offers, in the order it shows them."""
    listing: Listing | None = None
    narrow: bool = False
    """Whether the form offers a box to type part of an option's name: for long lists (head types, authors)."""
    shown: int | None = None
    """At most how many options the form lists (the first ones); the reader finds the others by typing, in the
    facet's options file (render/lookup.py). None: every option."""


def _stage_options(catalog: Catalog) -> tuple[FacetOption, ...]:
    return tuple(FacetOption(group.stage.id, group.stage.name, len(group.paper_ids), group.path)
                 for group in catalog.stages)


def _subcategory_options(catalog: Catalog) -> tuple[FacetOption, ...]:
    return tuple(FacetOption(subcategory.slug, subcategory.subcategory.name, len(subcategory.paper_ids),
                             subcategory.path)
                 for group in catalog.stages for subcategory in group.subcategories if subcategory.paper_ids)


def _head_options(catalog: Catalog) -> tuple[FacetOption, ...]:
    """Most studied first."""
    studied = sorted((group for group in catalog.heads if group.paper_ids),
                     key=lambda group: (-len(group.paper_ids), group.head_type.name.casefold()))
    return tuple(FacetOption(group.slug, group.head_type.name, len(group.paper_ids), group.path) for group in studied)


def _year_options(catalog: Catalog) -> tuple[FacetOption, ...]:
    return tuple(FacetOption(str(group.year), str(group.year), len(group.paper_ids), group.path)
                 for group in catalog.years)


def _venue_options(catalog: Catalog) -> tuple[FacetOption, ...]:
    return tuple(FacetOption(group.slug, group.venue, len(group.paper_ids), group.path) for group in catalog.venues)


def _model_options(catalog: Catalog) -> tuple[FacetOption, ...]:
    """Model families, most papers first."""
    return options_by_frequency(catalog, "model", lambda entry, slug: next(
        label.family.name for label in entry.models if label.slug == slug), urls.model_family_page)


def _method_options(catalog: Catalog) -> tuple[FacetOption, ...]:
    """Methods, most papers first."""
    return options_by_frequency(catalog, "method", lambda entry, slug: next(
        label.method.name for label in entry.methods if label.slug == slug), urls.method_page)


def _code_options(catalog: Catalog) -> tuple[FacetOption, ...]:
    return (FacetOption(HAS_CODE, "Has code", len(catalog.paper_ids_with("code", HAS_CODE)), urls.CODE),)


def options_by_frequency(catalog: Catalog, param: str, label_of: Callable[[CatalogPaper, str], str],
                         page_of: Callable[[str], str] | None = None) -> tuple[FacetOption, ...]:
    """A facet's options, most papers first, then by label; each labelled by `label_of(its newest paper, value)` and
    listed on `page_of(value)` (by default urls.facet_page)."""
    options = [FacetOption(value, label_of(catalog.paper(paper_ids[0]), value), len(paper_ids),
                           page_of(value) if page_of else urls.facet_page(param, value))
               for value, paper_ids in catalog.facet_groups(param).items()]
    return tuple(sorted(options, key=lambda option: (-option.count, option.label.casefold(), option.value)))


def _author_options(catalog: Catalog) -> tuple[FacetOption, ...]:
    """Most papers first, then by name; each named as their newest paper spells them, linking to their page."""
    options = []
    for slug, paper_ids in catalog.facet_groups("author").items():
        label = catalog.paper(paper_ids[0]).author(slug)
        options.append(FacetOption(slug, label.name, len(paper_ids), label.path))
    return tuple(sorted(options, key=lambda option: (-option.count, option.label.casefold(), option.value)))


LEVEL_OF_FACET = {"stage": "group", "sub": "subgroup", "head": "topic"}
"""The facets of the taxonomy's levels: their parameter and legend in the site are the catalog's words for the level
(taxonomy.yaml's `words:`)."""


def public_param(param: str, words: Words) -> str:
    """The name a facet goes by in the site: in addresses, form fields, data attributes and search files."""
    level = LEVEL_OF_FACET.get(param)
    return param if level is None else _level(words, level).param


def legend_of(facet: Facet, words: Words) -> str:
    level = LEVEL_OF_FACET.get(facet.param)
    return facet.legend if level is None else _level(words, level).one.capitalize()


def _level(words: Words, level: str) -> Level:
    return {"group": words.group, "subgroup": words.subgroup, "topic": words.topic}[level]


HAS_CODE = "yes"
AUTHORS_SHOWN = 12
"""The author facet lists the most prolific authors; any other is a few letters away (Facet.shown)."""
MODELS_SHOWN = 12
METHODS_SHOWN = 12
VENUES_SHOWN = 12
"""The venue facet lists the venues with most papers (a large catalog has hundreds: a venue a year)."""

FACETS: tuple[Facet, ...] = (
    Facet("stage", "", True, lambda entry: tuple(label.stage.id for label in entry.stages), _stage_options),
    Facet("sub", "", False,
          lambda entry: tuple(dict.fromkeys(label.subcategory_slug for label in entry.heads
                                            if label.subcategory_slug)),
          _subcategory_options),
    Facet("head", "", False, lambda entry: entry.head_slugs, _head_options,
          narrow=True),
    Facet("year", "Year", True, lambda entry: (str(entry.paper.date.year),), _year_options,
          Listing("Papers from {label}", "years")),
    Facet("venue", "Venue", False, lambda entry: (entry.venue.slug,) if entry.venue else (), _venue_options,
          Listing("Papers from {label}", "venues"), narrow=True, shown=VENUES_SHOWN),
    Facet("model", "Model family", False, lambda entry: entry.model_family_slugs, _model_options,
          Listing("Papers on {label} models", "models"), narrow=True, shown=MODELS_SHOWN),
    Facet("method", "Method", False, lambda entry: entry.method_slugs, _method_options,
          Listing("Papers using {label}", "methods"), narrow=True, shown=METHODS_SHOWN),
    Facet("code", "Code", True, lambda entry: (HAS_CODE,) if entry.has_code else (), _code_options,
          Listing("Papers with code", "papers")),
    Facet("author", "Author", False, lambda entry: entry.author_slugs,
          _author_options, narrow=True, shown=AUTHORS_SHOWN),
)
"""Every facet, in the order the home page shows them."""

