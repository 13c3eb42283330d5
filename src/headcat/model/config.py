"""The site settings: `[tool.headcat]` in the catalog's pyproject.toml (loaded by the load stage).

Every setting is optional; a catalog without a pyproject.toml builds with the defaults.
"""

from __future__ import annotations

from pydantic import Field

from headcat.model.fields import FileModel, Text, WebUrl


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
    language: Text = Field("en", description="The language of the site's pages (an HTML lang value).")
