"""`headcat refresh [PAPER...]`: the records of papers with an arXiv id or a DOI, asked again, and the updates
they support proposed as a diff; `--write` applies them.

Sources: the arXiv API (authors, the DOI of a published version), Crossref for a DOI (authors, the journal or
proceedings, the year) and DBLP by title for a preprint (a published version's venue, year and DOI; DBLP's "CoRR"
is arXiv itself and is passed over). Proposed: authors when the paper has none or a source lists others, a venue
when the paper's is a preprint server and a published version is known, a DOI when it has none, and the OpenReview
page of a published version as `links.openreview`; the paper link stays (the preprint's, as the catalog keeps it).
`--write` edits the files with ruamel.yaml, which keeps their comments, key order and quoting; only the changed
values change.

Offline (no source answers), it says so and changes nothing. The addresses of the sources come from
HEADCAT_ARXIV_API, HEADCAT_CROSSREF_API and HEADCAT_DBLP_API when set, so that tests replay recorded answers from a
local server.
"""

from __future__ import annotations

import difflib
import io
import json
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.parse import quote, urlencode
from urllib.request import Request, urlopen
from xml.etree import ElementTree

from headcat import __version__
from headcat.commands.import_papers import short_venue
from headcat.load.identities import title_key
from headcat.load.yaml_source import SourceError, parse_yaml, read_yaml_text

SOURCES = {"arxiv": ("HEADCAT_ARXIV_API", "https://export.arxiv.org/api/query"),
           "crossref": ("HEADCAT_CROSSREF_API", "https://api.crossref.org/works"),
           "dblp": ("HEADCAT_DBLP_API", "https://dblp.org/search/publ/api")}
TIMEOUT = 20.0
MAX_BYTES = 2_000_000
_ATOM = "{http://www.w3.org/2005/Atom}"
_ARXIV = "{http://arxiv.org/schemas/atom}"
PREPRINT_VENUE = re.compile(r"^(arxiv|biorxiv|medrxiv|openreview|preprint|corr)\b", re.IGNORECASE)

Fetch = Callable[[str], bytes]


class Offline(Exception):
    """No source could be reached: nothing is proposed and nothing changed."""


@dataclass
class Proposal:
    """A paper file and the values its records support, with where each came from."""

    path: Path
    changes: dict[str, object] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def source_urls(environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    return {name: environ.get(variable) or default for name, (variable, default) in SOURCES.items()}


def fetcher(timeout: float = TIMEOUT) -> Fetch:
    def fetch(url: str) -> bytes:
        request = Request(url, headers={"User-Agent": f"headcat/{__version__} (refresh; "  # noqa: S310
                                                      "+https://pypi.org/project/headcat/)"})
        with urlopen(request, timeout=timeout) as response:  # noqa: S310  # the sources' (or a test server's)
            return bytes(response.read(MAX_BYTES))
    return fetch


def propose(root: Path, paper_ids: Sequence[str], fetch: Fetch, urls: Mapping[str, str]) -> list[Proposal]:
    """What each paper's records support (all papers with an arXiv id or DOI when no id is given). Raises Offline
    when not one request is answered."""
    paths = [root / "papers" / f"{paper_id}.yaml" for paper_id in paper_ids] or \
        sorted((root / "papers").glob("*.yaml"))
    asked = answered = 0
    proposals = []
    for path in paths:
        try:
            data = parse_yaml(read_yaml_text(path))
        except (SourceError, OSError) as error:
            proposals.append(Proposal(path, notes=[f"cannot be read ({error}); run headcat check"]))
            continue
        if not isinstance(data, dict) or not (data.get("arxiv") or data.get("doi")):
            continue
        proposal = Proposal(path)
        records = []
        applicable = {"arxiv": bool(data.get("arxiv")), "crossref": bool(data.get("doi")),
                      "dblp": bool(data.get("title")) and not data.get("doi")}
        for source, ask in (("arxiv", _arxiv), ("crossref", _crossref), ("dblp", _dblp)):
            if not applicable[source]:
                continue
            asked += 1
            try:
                record = ask(data, fetch, urls[source])
                answered += 1
            except (URLError, HTTPError, TimeoutError, OSError) as error:
                proposal.notes.append(f"{source}: no answer ({getattr(error, 'reason', error)})")
                continue
            except ValueError as error:
                answered += 1
                proposal.notes.append(f"{source}: {error}")
                continue
            if record:
                records.append((source, record))
        _decide(data, records, proposal)
        proposals.append(proposal)
    if asked and not answered:
        raise Offline("no source answered (arXiv, Crossref, DBLP); check the network connection")
    return proposals


def _decide(data: dict[str, object], records: list[tuple[str, dict[str, object]]], proposal: Proposal) -> None:
    by_source = dict(records)
    authors_from = "crossref" if by_source.get("crossref", {}).get("authors") else "arxiv"
    authors = by_source.get(authors_from, {}).get("authors")
    if authors and list(authors) != list(data.get("authors") or []):  # type: ignore[call-overload]
        proposal.changes["authors"] = list(authors)  # type: ignore[call-overload]
        proposal.sources["authors"] = authors_from
    venue = str(data.get("venue") or "")
    if not venue or PREPRINT_VENUE.match(venue):
        for source in ("crossref", "dblp"):
            published = by_source.get(source, {}).get("venue")
            if published and published != venue:
                proposal.changes["venue"] = published
                proposal.sources["venue"] = source
                break
    links = data.get("links")
    present = list(links.values()) if isinstance(links, dict) else []
    openreview = by_source.get("dblp", {}).get("openreview")
    if openreview and openreview not in present:
        proposal.changes["links"] = {"openreview": openreview}
        proposal.sources["links"] = "dblp"
    if not data.get("doi"):
        for source in ("arxiv", "crossref", "dblp"):
            doi = by_source.get(source, {}).get("doi")
            if doi and not str(doi).lower().startswith("10.48550/"):  # arXiv's own DOI names the preprint
                proposal.changes["doi"] = doi
                proposal.sources["doi"] = source
                break


def _arxiv(data: Mapping[str, object], fetch: Fetch, api: str) -> dict[str, object] | None:
    arxiv = data.get("arxiv")
    if not arxiv:
        return None
    try:
        feed = ElementTree.fromstring(fetch(f"{api}?{urlencode({'id_list': str(arxiv)}, safe='/')}"))  # noqa: S314
        # arXiv's answer, at most MAX_BYTES; expat refuses entity expansion bombs
    except ElementTree.ParseError:
        raise ValueError("arXiv's answer is not XML") from None
    entry = next(iter(feed.iter(f"{_ATOM}entry")), None)
    if entry is None or entry.find(f"{_ATOM}title") is None:
        raise ValueError(f"arXiv knows no paper {arxiv}")
    authors = [" ".join((author.findtext(f"{_ATOM}name") or "").split()) for author in entry.iter(f"{_ATOM}author")]
    doi = (entry.findtext(f"{_ARXIV}doi") or "").strip()
    return {"authors": [name for name in authors if name], "doi": doi or None}


def _crossref(data: Mapping[str, object], fetch: Fetch, api: str) -> dict[str, object] | None:
    doi = data.get("doi")
    if not doi:
        return None
    message = json.loads(fetch(f"{api}/{quote(str(doi), safe='/')}")).get("message", {})
    authors = [" ".join(part for part in (person.get("given", ""), person.get("family", "")) if part)
               for person in message.get("author", []) if isinstance(person, dict)]
    container = (message.get("container-title") or [""])[0]
    parts = ((message.get("published") or message.get("issued") or {}).get("date-parts") or [[None]])[0]
    year = str(parts[0]) if parts and parts[0] else ""
    venue = short_venue(container, year) if container and message.get("type") != "posted-content" else None
    return {"authors": [name for name in authors if name], "venue": venue, "doi": message.get("DOI")}


def _dblp(data: Mapping[str, object], fetch: Fetch, api: str) -> dict[str, object] | None:
    title = str(data.get("title") or "")
    if not title or data.get("doi"):
        return None
    result = json.loads(fetch(f"{api}?{urlencode({'q': title, 'format': 'json', 'h': '10'})}"))
    hits = ((result.get("result") or {}).get("hits") or {}).get("hit") or []
    for hit in hits:
        info = hit.get("info") or {}
        venue = info.get("venue")
        venue = " ".join(venue) if isinstance(venue, list) else str(venue or "")
        if title_key(str(info.get("title") or "")) != title_key(title) or not venue or venue == "CoRR":
            continue
        found = info.get("ee")
        addresses = found if isinstance(found, list) else [found]
        openreview = next((str(url) for url in addresses if "openreview.net/forum" in str(url or "")), None)
        return {"venue": short_venue(venue, str(info.get("year") or "")), "doi": info.get("doi"),
                "openreview": openreview}
    return None


def updated_text(path: Path, changes: Mapping[str, object]) -> tuple[str, str]:
    """The file's text as it is and with the changes, edited so that its comments, key order and quoting stay."""
    from ruamel.yaml import YAML  # only this command needs it
    from ruamel.yaml.comments import CommentedSeq

    text = path.read_text(encoding="utf-8")
    editor = YAML()
    editor.preserve_quotes = True
    editor.width = 4096
    document = editor.load(text)
    order = ["title", "date", "added", "authors", "authors_incomplete", "venue", "arxiv", "doi", "heads"]
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(document.get(key), dict):  # links: added beside the others
            for name, item in value.items():
                document[key][name] = item
            continue
        if isinstance(value, list):
            value = CommentedSeq(value)
            value.fa.set_flow_style()
        if key in document:
            document[key] = value
        else:
            after = [name for name in order[:order.index(key)] if name in document]
            position = list(document).index(after[-1]) + 1 if after else len(document)
            document.insert(position, key, value)
    out = io.StringIO()
    editor.dump(document, out)
    return text, out.getvalue()


def diff(path: Path, before: str, after: str) -> str:
    return "".join(difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                        f"a/{path.name}", f"b/{path.name}"))
