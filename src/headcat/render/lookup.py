"""headcat's own search files (render stage): exact lookups, and the options of long facets.

**Exact lookups.** A reader who pastes an identifier wants that paper, not papers that share a few digits with it.
The home page's script reduces what was typed to keys and looks them up here before any word search:

    arxiv:2404.15574          an arXiv id without its version (from `arxiv`, or an arxiv.org link)
    doi:10.18653/v1/p19-1580  a DOI, in lowercase (DOIs ignore case; from `doi`, or a doi.org or publisher link)
    openreview:aN4Jf6Cx69     an OpenReview forum id, as written (from an openreview.net link)
    acl:2021.eacl-srw.2       an ACL Anthology id, in lowercase (from an aclanthology.org link)
    paper:retrieval-head-...  a paper id
    title:retrievalheadmechanisticallyexplains...   a title's letters and digits, lowercase, without accents

`lookup_key_of_title` and the script's `titleKey` must agree: both decompose the text (NFKD), drop combining marks,
lowercase it and keep letters and digits. The table is split in 2**k files by the CRC-32 of the key, so that a
lookup in a catalog of 100,000 papers reads one file of a few tens of KB; the home page says how many there are.

**Long facets.** A facet with `shown` lists only its first options on the home page; all of them are in one file
the script reads when the reader types in the facet's box.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from headcat.catalog import facets, urls
from headcat.catalog.catalog import Catalog, CatalogPaper
from headcat.catalog.facets import FacetOption
from headcat.render.outputs import Output

if TYPE_CHECKING:
    from headcat.render.context import RenderContext

PAPERS_PER_FILE = 512
"""About how many papers' keys one lookup file holds at most (each paper has two to five keys: a few tens of KB)."""

_NOT_ASCII_WORD = re.compile(r"[^a-z0-9]+")
_OPENREVIEW_URL = re.compile(r"openreview\.net/(?:forum|pdf)\?(?:[^#]*&)?id=([A-Za-z0-9_-]+)")
_ACL_URL = re.compile(r"aclanthology\.org/([A-Za-z0-9.-]+?)(?:\.pdf)?/?$", re.IGNORECASE)
_DOI_URL = re.compile(r"(?:doi\.org/|/doi/(?:abs/|full/|pdf/)?)(10\.\d{4,9}/[^?#\s]+?)/?$", re.IGNORECASE)
_ARXIV_URL = re.compile(r"arxiv\.org/(?:abs|pdf|html)/(.+?)(?:v\d+)?(?:\.pdf)?/?$", re.IGNORECASE)


def lookup_key_of_title(title: str) -> str:
    """A title as the script reduces it: decomposed, without combining marks, lowercase, letters and digits only."""
    if title.isascii():  # the letters and digits of ASCII text are a-z, A-Z and 0-9
        return "title:" + _NOT_ASCII_WORD.sub("", title.lower())
    decomposed = unicodedata.normalize("NFKD", title)
    kept = (char for char in decomposed.lower() if unicodedata.category(char)[0] in "LN")
    return "title:" + "".join(kept)


def lookup_keys(entry: CatalogPaper) -> tuple[str, ...]:
    """Every key that names the paper, each once."""
    paper = entry.paper
    keys = [f"paper:{entry.id}", lookup_key_of_title(paper.title)]
    links = [url for url in paper.links.model_dump().values() if url]
    arxiv_ids = [paper.arxiv] if paper.arxiv else []
    arxiv_ids += [found.group(1) for url in links if (found := _ARXIV_URL.search(url))]
    keys += [f"arxiv:{arxiv_id.lower()}" for arxiv_id in arxiv_ids]
    dois = [paper.doi] if paper.doi else []
    dois += [found.group(1) for url in links if (found := _DOI_URL.search(url))]
    keys += [f"doi:{doi.lower()}" for doi in dois]
    keys += [f"openreview:{found.group(1)}" for url in links if (found := _OPENREVIEW_URL.search(url))]
    keys += [f"acl:{found.group(1).lower()}" for url in links if (found := _ACL_URL.search(url))]
    return tuple(dict.fromkeys(keys))


def key_hash(key: str) -> int:
    """CRC-32 (zlib's) of the key's UTF-8 bytes: which lookup file holds it (the script computes the same)."""
    return zlib.crc32(key.encode("utf-8"))


def lookup_file_count(paper_count: int) -> int:
    """How many files the lookup table is split in: a power of two, so that no file holds the keys of many more than
    PAPERS_PER_FILE papers (known before any key is made: the home page says it)."""
    return 1 << max(0, math.ceil(math.log2(max(1, paper_count) / PAPERS_PER_FILE)))


LookupTable = dict[str, tuple[str, ...]]
"""Every key of the catalog with the ids of the papers it names (one, unless two titles differ only in accents)."""


def lookup_table(entries: Iterable[CatalogPaper]) -> LookupTable:
    found: dict[str, list[str]] = {}
    for entry in entries:
        for key in lookup_keys(entry):
            found.setdefault(key, []).append(entry.id)
    return {key: tuple(paper_ids) for key, paper_ids in found.items()}


@dataclass(frozen=True)
class EveryPaper:
    """Every paper of the catalog, as one value that every lookup file shares: its digest is worked out once (a
    frozen dataclass keeps it), not once per file."""

    entries: tuple[CatalogPaper, ...]


@dataclass(frozen=True, slots=True)
class LookupInputs:
    """One lookup file: which of how many, and every paper (any paper can have a key in any file). The table is
    made only when a file is rendered, once per process (the files are heavy jobs: the build's own process renders
    them)."""

    number: int
    count: int
    papers: EveryPaper


@dataclass(frozen=True, slots=True)
class OptionsInputs:
    """A long facet's options: value, label, paper count and page of each."""

    options: tuple[FacetOption, ...]


def lookup_outputs(catalog: Catalog) -> Iterator[Output]:
    """The lookup files, then the options file of every facet the home page lists in part."""
    count = lookup_file_count(len(catalog.papers))
    papers = EveryPaper(catalog.papers)
    for number in range(count):
        yield Output(urls.lookup_file(number), render_lookup_file, LookupInputs(number, count, papers),
                     weight=max(1, len(catalog.papers)))
    for facet in facets.FACETS:
        if facet.shown is not None:
            yield Output(urls.facet_options(facet.param), render_options_file, OptionsInputs(facet.options_of(catalog)))


def render_lookup_file(inputs: LookupInputs, context: RenderContext) -> bytes:
    made = context.memo.get("lookup files")  # (the papers, the files' tables): the papers are one value
    if made is None or made[0] is not inputs.papers or len(made[1]) != inputs.count:
        split: list[dict[str, list[str]]] = [{} for _ in range(inputs.count)]
        for key, paper_ids in lookup_table(inputs.papers.entries).items():
            split[key_hash(key) % inputs.count][key] = list(paper_ids)
        made = context.memo["lookup files"] = (inputs.papers, split)
    return _json(made[1][inputs.number]).encode("utf-8")


def render_options_file(inputs: OptionsInputs, context: RenderContext) -> bytes:
    return _json([[option.value, option.label, option.count, option.path] for option in inputs.options]).encode("utf-8")


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n"
