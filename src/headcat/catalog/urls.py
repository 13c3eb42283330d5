"""Every path of the site, spelled once (catalog stage): pages, feeds and exports, relative to the site's top. The
taxonomy's levels have the folders the catalog's words give them (`level_page`).

Renderers and templates take paths from here (templates get this module as `urls`, and the catalog's groups carry
their page's path), so moving a page is one change. A page path names its file ('heads/x/index.html'), which is
what works when the site is opened from disk; `folder_of` gives the address a server shows for it ('heads/x/').
"""

from __future__ import annotations

HOME = "index.html"
YEARS = "years/index.html"
VENUES = "venues/index.html"
MODELS = "models/index.html"
METHODS = "methods/index.html"
CODE = "code/index.html"
STATS = "stats/index.html"
ABOUT = "about/index.html"
CONTRIBUTE = "about/index.html#contribute"
CITE = "about/index.html#cite"
NOT_FOUND = "404.html"
ROBOTS = "robots.txt"
SITEMAP = "sitemap.xml"
FEEDS_OPML = "feeds.opml"
CATALOG_JSON = "catalog.json"
PAPERS_BIB = "papers.bib"
PAPERS_CSL = "papers.csl.json"
STYLESHEET = "assets/style.css"
SCRIPT = "assets/site.js"
FAVICON = "favicon.svg"
LOOKUP_FOLDER = "search/"
"""headcat's own search files: the exact-lookup tables and each long facet's options (render/lookup.py), the data
the home page lists, filters and sorts the catalog with (render/browse.py), and the word index (render/search.py)."""
RSS_FILE = "feed.xml"
ATOM_FILE = "atom.xml"


def paper_folder(paper_id: str) -> str:
    return f"papers/{paper_id}/"


def paper_page(paper_id: str) -> str:
    return f"papers/{paper_id}/index.html"


def level_index(folder: str) -> str:
    """The page of a level of the taxonomy (its words give the folder: 'heads', 'stages'): every entry of it."""
    return f"{folder}/index.html"


def level_folder(folder: str, slug: str) -> str:
    return f"{folder}/{slug}/"


def level_page(folder: str, slug: str) -> str:
    """The page of one entry of a level: a head type's, 'heads/induction-head/index.html'; a stage's."""
    return f"{folder}/{slug}/index.html"


def subgroup_place(folder: str, group_slug: str, subgroup_slug: str) -> str:
    """A sub-group's part of its group's page (a sub-category's, of its stage's)."""
    return f"{folder}/{group_slug}/index.html#{subgroup_slug}"


def year_page(year: int | str) -> str:
    return f"years/{year}/index.html"


def venue_page(slug: str) -> str:
    return f"venues/{slug}/index.html"


def model_family_folder(slug: str) -> str:
    return f"models/{slug}/"


def model_family_page(slug: str) -> str:
    return f"models/{slug}/index.html"


def method_folder(slug: str) -> str:
    return f"methods/{slug}/"


def method_page(slug: str) -> str:
    return f"methods/{slug}/index.html"


def author_page(slug: str) -> str:
    return f"authors/{slug}/index.html"


def lookup_file(number: int) -> str:
    """One file of the exact-lookup table (render/lookup.py)."""
    return f"{LOOKUP_FOLDER}lookup-{number}.json"


def record_file(number: int) -> str:
    """One file of the papers' records the home page's script shows (render/browse.py)."""
    return f"{LOOKUP_FOLDER}papers-{number}.json"


def summary_file(number: int) -> str:
    """The summaries of the papers of record file `number` (render/browse.py)."""
    return f"{LOOKUP_FOLDER}summaries-{number}.json"


def facet_file(param: str, number: int) -> str:
    """One file of a facet's lists of papers (render/browse.py)."""
    return f"{LOOKUP_FOLDER}facet-{param}-{number}.json"


def order_file(name: str) -> str:
    """The papers in another order than the catalog's (render/browse.py)."""
    return f"{LOOKUP_FOLDER}order-{name}.json"


def facet_options(param: str) -> str:
    """Every option of a facet the home page lists in part."""
    return f"{LOOKUP_FOLDER}{param}-options.json"


def facet_page(param: str, value: str) -> str:
    """The page that lists the papers of one option of a facet that has no page of its own elsewhere."""
    return f"{param}/{value}/index.html"


def listing_page(base: str, number: int) -> str:
    """Page `number` of the listing whose first page is at `base`: 'years/2024/index.html' ->
    'years/2024/page/2/index.html' (catalog/paging.py)."""
    if number == 1:
        return base
    return f"{folder_of(base)}page/{number}/index.html"


def folder_of(path: str) -> str:
    """The address a web server gives a page: 'heads/x/index.html' -> 'heads/x/', 'index.html' -> ''."""
    return path.removesuffix("index.html")


def root_of(path: str) -> str:
    """The way back from the page at `path` to the site's top: '../../' for 'papers/x/index.html'."""
    return "../" * path.count("/")


def absolute(base_url: str | None, path: str) -> str | None:
    """The published address of a site path, or None when the settings give no base URL."""
    if base_url is None:
        return None
    return base_url.rstrip("/") + "/" + path
