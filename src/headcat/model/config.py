"""The site settings: `[tool.headcat]` in the catalog's pyproject.toml (loaded by the load stage).

Every setting is optional; a catalog without a pyproject.toml builds with the defaults.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints
from pydantic_core import PydanticCustomError

from headcat.model.fields import FileModel, Text, WebUrl
from headcat.model.paper import ArxivId

_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")
"""A language tag as BCP 47 writes the common ones: a language, then subtags (en, pt-BR, zh-Hant-TW)."""


def _check_language_tag(value: str) -> str:
    if not _LANGUAGE_TAG.fullmatch(value):
        raise PydanticCustomError("language_tag", "{value} is not a language tag; write one such as en, de or pt-BR",
                                  {"value": repr(value)})
    return value


LanguageTag = Annotated[Text, AfterValidator(_check_language_tag)]
"""What the pages' lang attribute, the feeds and the search index take (English words are searched by their stem)."""


BibtexKey = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_:.-]+$")]
"""A BibTeX key: letters, digits and _:.- only."""
Year = Annotated[int, Field(ge=1000, le=9999)]


class Citation(FileModel):
    """The work a reader should cite with the catalog (such as the survey it accompanies): the about page gives it
    with its BibTeX, and every page's footer links there."""

    key: BibtexKey = Field(description="Its BibTeX key, e.g. zheng2025attention.")
    title: Text
    authors: tuple[Text, ...] = Field(min_length=1, description="In order, 'First Last'.")
    year: Year
    journal: Text | None = Field(None, description="Where it was published, when it was.")
    publisher: Text | None = None
    arxiv: ArxivId | None = Field(None, description="Its arXiv id, when it has one.")
    url: WebUrl | None = Field(None, description="Where to read it.")


class Config(FileModel):
    title: Text = Field("Paper catalog", description="The site's name, shown on every page and in the feeds.")
    description: Text = Field(
        "A curated catalog of research papers.", description="One or two sentences for the home page and the feeds."
    )
    base_url: WebUrl | None = Field(
        None, description="Where the site is published, e.g. https://example.org/catalog/ (feeds, sitemap, README)."
    )
    repository: WebUrl | None = Field(
        None, description="The catalog's source repository, e.g. https://github.com/owner/name ('edit this file')."
    )
    branch: Text = Field("main", description="The repository branch that 'edit this file' links point to.")
    page_size: int = Field(
        50, ge=1, le=1000,
        description="The most papers a list page shows (the home page, a topic's, a year's...); longer lists go on "
                    "to page 2, 3... so that no page grows with the catalog.")
    language: LanguageTag = Field("en", description="The language of the site's pages (an HTML lang value).")
    citation: Citation | None = Field(None, description="The work to cite with the catalog ([tool.headcat.citation]).")
