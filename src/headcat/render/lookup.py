"""headcat's own search files (render stage): exact lookups, and the options of long facets.

**Exact lookups.** A reader who pastes an identifier wants that paper, not papers that share a few digits with it.
The home page's script reduces what was typed to keys and looks them up here before any word search:

    arxiv:2404.15574          an arXiv id without its version (from `arxiv`, or an arxiv.org link)
    doi:10.18653/v1/p19-1580  a DOI, in lowercase (DOIs ignore case; from `doi`, or a doi.org or publisher link)
    openreview:aN4Jf6Cx69     an OpenReview forum id, as written (from an openreview.net link)
    acl:2021.eacl-srw.2       an ACL Anthology id, in lowercase (from an aclanthology.org link)
    paper:retrieval-head-...  a paper id
    title:retrievalheadmechanisticallyexplains...   a title's letters and digits, lowercase, without accents

Each key gives the numbers of the papers it names (their places in the catalog's order, render/browse.py).
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
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from headcat.catalog import facets, urls
from headcat.catalog.catalog import Catalog, CatalogPaper, paper_numbers
from headcat.catalog.facets import FacetOption
from headcat.render.outputs import Output

if TYPE_CHECKING:
    from headcat.render.context import RenderContext

PAPERS_PER_FILE = 512
"""About how many papers' keys one lookup file holds at most (each paper has two to five keys: a few tens of KB)."""

_NOT_ASCII_WORD = re.compile(r"[^a-z0-9]+")
_IDENTIFIER_URL = re.compile(
    r"arxiv\.org/(?:abs|pdf|html)/(?P<arxiv>.+?)(?:v\d+)?(?:\.pdf)?/?$"
    r"|(?:doi\.org/|/doi/(?:abs/|full/|pdf/)?)(?P<doi>10\.\d{4,9}/[^?#\s]+?)/?$"
    r"|openreview\.net/(?:forum|pdf)\?(?:[^#]*&)?id=(?P<openreview>[A-Za-z0-9_-]+)"
    r"|aclanthology\.org/(?P<acl>[A-Za-z0-9.-]+?)(?:\.pdf)?/?$", re.IGNORECASE)
"""The identifier a link's address holds, named by its kind (the script's parseIdentifier reads the same)."""


def lookup_key_of_title(title: str) -> str:
    """A title as the script reduces it: decomposed, without combining marks, lowercase, letters and digits only."""
    if title.isascii():  # the letters and digits of ASCII text are a-z, A-Z and 0-9
        return "title:" + _NOT_ASCII_WORD.sub("", title.lower())
    decomposed = unicodedata.normalize("NFKD", title)
    kept = (char for char in decomposed.lower() if unicodedata.category(char)[0] in "LN")
    return "title:" + "".join(kept)


def lookup_keys(entry: CatalogPaper) -> tuple[str, ...]:
    """Every key that names the paper, each once: its id, its title, and the identifier in each of its links (its
    arXiv id and DOI are among them: typed_links adds their pages)."""
    keys = [f"paper:{entry.id}", lookup_key_of_title(entry.paper.title)]
    for link in entry.typed_links:
        found = _IDENTIFIER_URL.search(link.url)
        if found is not None:
            kind = found.lastgroup
            value = found.group(kind)  # type: ignore[arg-type]  # a match has a last group
            keys.append(f"{kind}:{value if kind == 'openreview' else value.lower()}")
    return tuple(dict.fromkeys(keys))


def key_hash(key: str) -> int:
    """CRC-32 (zlib's) of the key's UTF-8 bytes: which lookup file holds it (the script computes the same)."""
    return zlib.crc32(key.encode("utf-8"))


def lookup_file_count(paper_count: int) -> int:
    """How many files the lookup table is split in: a power of two, so that no file holds the keys of many more than
    PAPERS_PER_FILE papers (known before any key is made: the home page says it)."""
    return 1 << max(0, math.ceil(math.log2(max(1, paper_count) / PAPERS_PER_FILE)))


@dataclass(frozen=True)
class EveryPaper:
    """Every paper of the catalog as one value that every lookup file shares: its digest is worked out once (a
    frozen dataclass keeps it), not once per file."""

    entries: tuple[CatalogPaper, ...]


@dataclass(frozen=True, slots=True)
class LookupInputs:
    """One lookup file: which of how many, and every paper (any paper can have a key in any file). A rebuild with
    no paper changed keeps the files without making a key; when one changed, the files are made again from each
    paper's keys, which the fragment store keeps in chunks (only the changed paper's chunk is made again)."""

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
    for number in range(count):  # heavy jobs: the build's own process makes them, and the table once
        yield Output(urls.lookup_file(number), render_lookup_file, LookupInputs(number, count, papers),
                     weight=max(1, len(catalog.papers)))
    for facet in facets.FACETS:
        if facet.shown is not None:
            yield Output(urls.facet_options(facets.public_param(facet.param, catalog.taxonomy.words)),
                         render_options_file, OptionsInputs(facet.options_of(catalog)))


def render_lookup_file(inputs: LookupInputs, context: RenderContext) -> bytes:
    made = context.memo.get(LOOKUP_MEMO)  # (the papers, each file's text): made once for all the files
    if made is None or made[0] is not inputs.papers or len(made[1]) != inputs.count:
        files: list[dict[str, list[int]]] = [{} for _ in range(inputs.count)]
        number_of = paper_numbers(inputs.papers.entries)
        lines = "".join(context.run_of_parts("lookup", "lookup", render_key_lines, inputs.papers.entries, None, ""))
        for line in lines.splitlines():
            key, paper_id = line.split("\t")
            files[key_hash(key) % inputs.count].setdefault(key, []).append(number_of[paper_id])
        made = context.memo[LOOKUP_MEMO] = (inputs.papers, [json_text(keys) for keys in files])
    return made[1][inputs.number].encode("utf-8")


LOOKUP_MEMO = "lookup files"


def render_key_lines(entry: CatalogPaper, shared: None, context: RenderContext) -> str:
    """A paper's keys, a line each: 'KEY<tab>PAPER-ID' (no key holds a tab or a line break: titles are reduced to
    letters and digits, identifiers come from addresses)."""
    return "".join(f"{key}\t{entry.id}\n" for key in lookup_keys(entry))


def render_options_file(inputs: OptionsInputs, context: RenderContext) -> bytes:
    options = [[option.value, option.label, option.count, option.path] for option in inputs.options]
    return json_text(options).encode("utf-8")


def json_text(value: object) -> str:
    """A value as the site's JSON data files write it: compact, keys sorted, on one line."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n"
