"""`headcat import FILE...`: paper files from an existing list, a bibliography or a reference manager's export.

Reads BibTeX (`.bib`, with bibtexparser), CSL-JSON (`.json`: Zotero, Better BibTeX) and awesome-list Markdown
(`.md`: bullets, pipe tables and HTML tables with links; headings and badges that name a head type of taxonomy.yaml
give the papers under them their head types). Each entry becomes one paper file in the catalog's layout (`headcat
new`'s), with what the source states and TODO where a person must write (the summary always; the date, the head
types or a link when the source lacks them), and a comment naming the entry it came from. Nothing is guessed: a
date without its day is left for the contributor, with the month and year the source gives.

Nothing is written when a source cannot be read or parsed; a paper the catalog already has (same arXiv id or title)
or a file that exists is skipped, never overwritten. Every entry reports what it could not map, at its file and line.
"""

from __future__ import annotations

import html
import json
import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from headcat.commands.new_paper import (
    NewPaperUsageError,
    PaperDraft,
    derive_paper_id,
    normalize_arxiv_id,
    render_paper_file,
)
from headcat.load.identities import ARXIV_URL, CatalogIdentities, read_catalog_identities, title_key
from headcat.load.settings import load_taxonomy
from headcat.model.paper import Links
from headcat.model.problems import Problem, ProblemsFound
from headcat.model.taxonomy import Taxonomy, Words

FORMATS = {".bib": "bibtex", ".bibtex": "bibtex", ".json": "csl-json", ".md": "markdown", ".markdown": "markdown"}

LINK_KINDS = tuple(Links.model_fields)
"""The kinds of link a paper file has: paper, code, project, data, demo, poster, video, slides, blog, openreview."""
GENERIC_LINK_TEXT = re.compile(r"^\W*(paper|pdf|arxiv|abs|code|github|project( page)?|page|website|data(set)?|demo|"
                               r"poster|blog( post)?|slides|video|openreview|link|html)\W*$", re.IGNORECASE)
LINK_TEXT_KINDS = tuple((kind, re.compile(rf"\b({words})\b", re.IGNORECASE)) for kind, words in (
    ("code", "code|github|gitlab|implementation"), ("project", "project|page|website|homepage"),
    ("data", "data|dataset|benchmark"), ("demo", "demo"), ("poster", "poster"), ("video", "video|youtube|talk"),
    ("slides", "slides"), ("blog", "blog|post")))
"""What a link's text says it is, word by word ('Encoder' is not 'code')."""
DOI = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>]+)")
DAY = re.compile(r"\b((?:19|20)\d\d)[-./](0[1-9]|1[0-2])[-./](0[1-9]|[12]\d|3[01])\b")
VENUE = re.compile(r"\b((?:Findings of )?(?:ICLR|ICML|NeurIPS|NIPS|ACL|EMNLP|NAACL|EACL|COLING|COLM|AAAI|IJCAI|CVPR|"
                   r"ICCV|ECCV|TACL|TMLR|JMLR|KDD|WWW|SIGIR|BlackboxNLP|arXiv))[\s'’]*((?:19|20)\d\d|\d\d)\b")
MONTHS = {name: number for number, names in enumerate(
    (("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
     ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
     ("dec", "december")), start=1) for name in names}


@dataclass
class Entry:
    """One paper as a source states it; `missing` says what it does not state."""

    source: str
    line: int
    title: str
    day: date | None = None
    partial_date: str | None = None
    """A date without its day ('2017-06', '2017'), for the contributor's note."""
    authors: tuple[str, ...] = ()
    authors_incomplete: bool = False
    venue: str | None = None
    arxiv: str | None = None
    doi: str | None = None
    links: dict[str, str] = field(default_factory=dict)
    heads: tuple[str, ...] = ()
    extra_links: list[str] = field(default_factory=list)
    """Addresses of a kind the entry has already (a second paper address): reported, not written."""
    label: str = ""
    """How the source names the entry: a BibTeX key, a CSL id, a list line."""


@dataclass(frozen=True)
class ImportReport:
    written: tuple[Path, ...]
    skipped: tuple[str, ...]
    """One line for each entry not written: why, and where it came from."""
    notes: tuple[str, ...]
    """SOURCE:LINE: what an entry lacked and which file to complete."""


def import_papers(root: Path, sources: Sequence[Path], today: date) -> ImportReport:
    """Read every source, then write one paper file per new entry into ROOT/papers/."""
    taxonomy = load_taxonomy(root)
    entries: list[Entry] = []
    problems: list[Problem] = []
    for source in sources:
        try:
            entries += read_source(source, taxonomy)
        except ProblemsFound as found:
            problems += found.problems
    if problems:
        raise ProblemsFound(problems)
    folder = root / "papers"
    folder.mkdir(exist_ok=True)
    known = read_catalog_identities(folder)
    written: list[Path] = []
    skipped: list[str] = []
    notes: list[str] = []
    for entry in entries:
        where = f"{entry.source}:{entry.line}"
        existing = _known_path(entry, known)
        if existing is not None:
            skipped.append(f"{where}: '{entry.title}' is in the catalog already ({existing}); skipped")
            continue
        try:
            paper_id = derive_paper_id(entry.title)
        except NewPaperUsageError:
            skipped.append(f"{where}: no paper id can be made from the title '{entry.title}'; skipped")
            continue
        path = folder / f"{paper_id}.yaml"
        draft = _draft(entry, today)
        try:
            with path.open("x", encoding="utf-8", newline="\n") as file:
                file.write(render_paper_file(draft, taxonomy))
        except FileExistsError:
            skipped.append(f"{where}: {path} exists already and was left as it is; skipped")
            continue
        written.append(path)
        known.path_by_title[title_key(entry.title)] = path
        if entry.arxiv:
            known.path_by_arxiv[entry.arxiv] = path
        notes += [f"{where}: {note} in {path}" for note in _to_fill(entry, taxonomy.words)]
    return ImportReport(tuple(written), tuple(skipped), tuple(notes))


def read_source(path: Path, taxonomy: Taxonomy) -> list[Entry]:
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise ProblemsFound([Problem(str(path), 0, 0, f"unknown kind of file '{path.suffix}'; import reads BibTeX "
                                                      "(.bib), CSL-JSON (.json) and Markdown (.md)")])
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
        raise ProblemsFound([Problem(str(path), 0, 0, f"cannot be read: {reason}")]) from None
    if kind == "bibtex":
        return read_bibtex(str(path), text, taxonomy)
    if kind == "csl-json":
        return read_csl_json(str(path), text, taxonomy)
    return read_markdown(str(path), text, taxonomy)


# BibTeX ---------------------------------------------------------------------------------------------------------

def read_bibtex(source: str, text: str, taxonomy: Taxonomy) -> list[Entry]:
    from bibtexparser import middlewares  # only this command needs it
    from bibtexparser.entrypoint import parse_string

    logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)  # its complaints are reported as problems below
    library = parse_string(text, append_middleware=[
        middlewares.LatexDecodingMiddleware(), middlewares.SeparateCoAuthors(), middlewares.SplitNameParts()])
    if library.failed_blocks:
        raise ProblemsFound([Problem(source, (block.start_line or 0) + 1, 1, "this BibTeX entry cannot be read (an "
                                     "unclosed brace or quote?); fix it and import again")
                             for block in library.failed_blocks])
    entries = []
    for record in library.entries:
        fields = {name.lower(): value for name, value in record.fields_dict.items()}
        title = _text(fields.get("title"))
        if not title:
            continue
        names = fields["author"].value if "author" in fields else []
        authors = tuple(" ".join([*name.first, *name.von, *name.last, *name.jr]) for name in names
                        if [*name.first, *name.von, *name.last] != ["others"])
        entry = Entry(source, (record.start_line or 0) + 1, title, authors=authors,
                      authors_incomplete=any(name.last == ["others"] and not name.first for name in names),
                      label=f"entry {record.key}")
        year, month, day = _text(fields.get("year")), _text(fields.get("month")), _text(fields.get("day"))
        _set_date(entry, year, month, day, _text(fields.get("date")))
        for key in ("eprint", "arxiv", "arxivid"):
            if _text(fields.get(key)) and (_text(fields.get("archiveprefix")) or "arxiv").lower() == "arxiv":
                entry.arxiv = _arxiv_id(_text(fields.get(key)))
        doi = DOI.search(_text(fields.get("doi")))
        entry.doi = doi.group(1) if doi else None
        _add_link(entry, _text(fields.get("url")))
        venue = _text(fields.get("booktitle")) or _text(fields.get("journal"))
        entry.venue = short_venue(venue, year) if venue else None
        entry.heads = _heads(taxonomy, re.split(r"[,;]", _text(fields.get("keywords"))))
        entries.append(entry)
    return entries


def _text(value: object) -> str:
    """A field's value as text, without BibTeX's protective braces and runs of spaces."""
    raw = getattr(value, "value", value)
    return " ".join(str(raw or "").replace("{", "").replace("}", "").split())


# CSL-JSON -------------------------------------------------------------------------------------------------------

def read_csl_json(source: str, text: str, taxonomy: Taxonomy) -> list[Entry]:
    try:
        items = json.loads(text)
    except json.JSONDecodeError as error:
        raise ProblemsFound([Problem(source, error.lineno, error.colno, f"not JSON: {error.msg}")]) from None
    if isinstance(items, dict) and isinstance(items.get("items"), list):
        items = items["items"]
    if not isinstance(items, list):
        raise ProblemsFound([Problem(source, 1, 1, "CSL-JSON is a list of items; this file holds something else")])
    entries = []
    for item in items:
        if not isinstance(item, dict) or not str(item.get("title") or "").strip():
            continue
        label = str(item.get("id", ""))
        line = _line_of(text, f'"{label}"') if label else 1
        authors = tuple(" ".join(part for part in (str(person.get("given") or ""), str(person.get("family") or ""))
                                 if part) or str(person.get("literal") or "")
                        for person in item.get("author") or [] if isinstance(person, dict))
        entry = Entry(source, line, " ".join(str(item["title"]).split()), authors=tuple(a for a in authors if a),
                      label=f"item {label}" if label else "item")
        parts = ((item.get("issued") or {}).get("date-parts") or [[]])[0] if isinstance(item.get("issued"), dict) \
            else []
        year, month, day = (str(part) for part in [*parts, "", "", ""][:3])
        _set_date(entry, year, month, day, "")
        doi = DOI.search(str(item.get("DOI") or ""))
        entry.doi = doi.group(1) if doi else None
        for key in ("number", "archive_location"):
            value = str(item.get(key) or "")
            if re.fullmatch(r"(arXiv:)?\d{4}\.\d{4,5}(v\d+)?", value, re.IGNORECASE):
                entry.arxiv = _arxiv_id(value)
        _add_link(entry, str(item.get("URL") or ""))
        container = str(item.get("container-title") or "")
        year = str(parts[0]) if parts else ""
        entry.venue = short_venue(container, year) if container else None
        entry.heads = _heads(taxonomy, [str(keyword) for keyword in item.get("keyword", "").split(",")]
                             if isinstance(item.get("keyword"), str) else [])
        entries.append(entry)
    return entries


def _line_of(text: str, needle: str) -> int:
    at = text.find(needle)
    return text.count("\n", 0, at) + 1 if at >= 0 else 1


# Markdown -------------------------------------------------------------------------------------------------------

MARKDOWN_LINK = re.compile(r"(!?)\[((?:[^\[\]]|\[[^\]]*\])*)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HTML_LINK = re.compile(r"<a\s[^>]*href=\"([^\"]+)\"[^>]*>(.*?)</a>", re.IGNORECASE | re.DOTALL)
BOLD = re.compile(r"\*\*(.+?)\*\*|__(.+?)__|<strong>(.+?)</strong>|<b>(.+?)</b>", re.IGNORECASE | re.DOTALL)
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(.*)$")
TAG = re.compile(r"<[^>]+>")
IMAGE_ALT = re.compile(r"!\[([^\[\]]*)\]\(")
"""The alternative text of an image (a badge that names a head type: ![Induction Head](https://img.shields...))."""


def read_markdown(source: str, text: str, taxonomy: Taxonomy) -> list[Entry]:
    """Bullets and table rows that link somewhere; the heading above an item names its head type when it is one."""
    entries = []
    heading_heads: tuple[str, ...] = ()
    for line_number, item in _markdown_items(text):
        heading = HEADING.match(item)
        if heading:
            heading_heads = _heads(taxonomy, [_plain(heading.group(2))])
            continue
        entry = _markdown_entry(source, line_number, item, taxonomy)
        if entry is not None:
            entry.heads = entry.heads or heading_heads
            entries.append(entry)
    return entries


def _markdown_items(text: str) -> Iterator[tuple[int, str]]:
    """Headings, list items, pipe-table rows and HTML table rows (<tr>...</tr>, which may span lines), each with
    the line it starts on."""
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        start = index + 1
        if re.match(r"^\s*<tr\b", line, re.IGNORECASE):
            row = [line]
            while "</tr>" not in row[-1].lower() and index + 1 < len(lines):
                index += 1
                row.append(lines[index])
            yield start, "\n".join(row)
        elif HEADING.match(line) or line.lstrip().startswith("|") or ITEM.match(line):
            yield start, line
        index += 1


def _markdown_entry(source: str, line: int, item: str, taxonomy: Taxonomy) -> Entry | None:
    if re.match(r"^\s*\|?[\s:|-]+\|?\s*$", item):  # a table's separator row
        return None
    cells = _cells(item)
    links = [(url, _plain(label)) for bang, label, url in MARKDOWN_LINK.findall(item) if not bang] + \
            [(html.unescape(url), _plain(label)) for url, label in HTML_LINK.findall(item)]
    links = [(url, label) for url, label in links if url.startswith(("http://", "https://"))]
    if not links:
        return None
    bold = next((_plain(next(group for group in match if group)) for match in BOLD.findall(item)), "")
    named = next((label for _, label in links if label and not GENERIC_LINK_TEXT.match(label)), "")
    title = bold or named or _unlinked_text(item)
    if not title:
        return None
    entry = Entry(source, line, title, label="list item")
    found_day = DAY.search(item)
    if found_day:
        _set_date(entry, found_day.group(1), found_day.group(2), found_day.group(3), "")
    for url, label in sorted(links, key=lambda link: link[1].lower() not in LINK_KINDS):  # named kinds first
        _add_link(entry, url, label)
    badges = [_plain(alt) for alt in IMAGE_ALT.findall(item)]
    badges += re.findall(r"<img\s[^>]*alt=\"([^\"]+)\"", item, re.IGNORECASE)
    heads_cell = [part for cell in cells for part in re.split(r",|<br>", cell, flags=re.IGNORECASE)]
    entry.heads = _heads(taxonomy, [*badges, *(_plain(part) for part in heads_cell)])
    row_venue = re.search(r"</strong></a>(?:<br>[^<]*)?<br><em>(.*?)</em>", item)
    venue = VENUE.search(_plain(item))
    if row_venue:  # headcat's README table writes the venue as the catalog has it
        entry.venue = _plain(row_venue.group(1))
    elif venue:
        entry.venue = f"{venue.group(1)} {_full_year(venue.group(2))}".replace("NIPS", "NeurIPS")
    entry.authors = _row_authors(item)
    return entry


def _unlinked_text(item: str) -> str:
    """What an item says besides its links (a title written out with only 'paper' and 'code' links after it)."""
    text = _plain(HTML_LINK.sub(" ", MARKDOWN_LINK.sub(" ", ITEM.sub(r"\1", item))))
    text = text.strip(" -–—:·|,;")
    return text if len(text.split()) >= 2 else ""


def _cells(item: str) -> list[str]:
    """The cells of a table row (pipe or HTML); one cell for a list item."""
    if re.search(r"<td\b", item, re.IGNORECASE):
        return re.findall(r"<td\b[^>]*>(.*?)</td>", item, re.IGNORECASE | re.DOTALL)
    if item.lstrip().startswith("|"):
        return [cell.strip() for cell in item.strip().strip("|").split("|")]
    return [item]


def _row_authors(item: str) -> tuple[str, ...]:
    """Authors where a row gives them as headcat's README table does: the line after the title in its cell."""
    found = re.search(r"</strong></a><br>([^<]+)<br>", item)
    if not found:
        return ()
    names = tuple(name.strip() for name in html.unescape(found.group(1)).split(","))
    return names if all(1 <= len(name.split()) <= 6 for name in names) else ()


def _plain(text: str) -> str:
    """Text without Markdown emphasis, HTML tags or entities, with single spaces."""
    text = TAG.sub(" ", text)
    text = re.sub(r"[*_`]{1,3}", "", text)
    return " ".join(html.unescape(text).split())


# Shared ---------------------------------------------------------------------------------------------------------

def _set_date(entry: Entry, year: str, month: str, day: str, iso: str) -> None:
    """The date when the source gives its day; otherwise what it gives, for the contributor's note."""
    if iso:
        match = re.fullmatch(r"(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?", iso.strip())
        if match:
            year, month, day = match.group(1), match.group(2) or "", match.group(3) or ""
    if not re.fullmatch(r"\d{4}", year.strip()):
        return
    number = MONTHS.get(month.strip().lower().rstrip("."), int(month) if month.strip().isdigit() else 0)
    if 1 <= number <= 12 and day.strip().isdigit():
        try:
            entry.day = date(int(year), number, int(day))
            return
        except ValueError:
            pass
    entry.partial_date = f"{year}-{number:02d}" if 1 <= number <= 12 else year.strip()


def _arxiv_id(text: str) -> str | None:
    try:
        return normalize_arxiv_id(text)
    except NewPaperUsageError:
        return None


def _add_link(entry: Entry, url: str, label: str = "") -> None:
    """File an address under its kind: arXiv and DOI addresses also give the id; the first other paper address is
    the paper link; code hosts and link texts name the rest."""
    url = url.strip()
    if not url.startswith(("http://", "https://")):
        return
    arxiv = ARXIV_URL.search(url)
    doi = DOI.search(url) if "doi.org/" in url else None
    if arxiv:
        entry.arxiv = entry.arxiv or _arxiv_id(arxiv.group(1))
    if doi:
        entry.doi = entry.doi or doi.group(1)
    if url in entry.links.values():
        return
    if label.lower() in LINK_KINDS:  # a list that names its links by kind, as headcat's README table does
        kind = label.lower()
    elif re.match(r"https?://(www\.)?(github\.com|gitlab\.com|huggingface\.co/spaces)/", url):
        kind = "code"
    else:
        kind = next((name for name, pattern in LINK_TEXT_KINDS if label and pattern.search(label)), "paper")
    if kind == "paper" and "paper" in entry.links and "openreview.net/" in url:
        kind = "openreview"
    if kind not in entry.links:
        entry.links[kind] = url
    elif not ((arxiv and entry.arxiv) or (doi and entry.doi)):  # an arXiv or DOI address lives on as the id
        entry.extra_links.append(url)


LONG_VENUES = (
    ("Findings of EMNLP", re.compile(r"Findings of the Association for Computational Linguistics:? EMNLP", re.I)),
    ("Findings of ACL", re.compile(r"Findings of the Association for Computational Linguistics", re.I)),
    ("BlackboxNLP", re.compile(r"BlackboxNLP", re.I)),
    ("NAACL", re.compile(r"North American Chapter of the Association for Computational Linguistics", re.I)),
    ("EACL", re.compile(r"European Chapter of the Association for Computational Linguistics", re.I)),
    ("EMNLP", re.compile(r"Empirical Methods in Natural Language Processing", re.I)),
    ("ACL", re.compile(r"Annual Meeting of the Association for Computational Linguistics", re.I)),
    ("ICLR", re.compile(r"International Conference on Learning Representations", re.I)),
    ("ICML", re.compile(r"International Conference on Machine Learning", re.I)),
    ("NeurIPS", re.compile(r"Neural Information Processing Systems", re.I)),
    ("TACL", re.compile(r"Transactions of the Association for Computational Linguistics", re.I)),
    ("TMLR", re.compile(r"Transactions on Machine Learning Research", re.I)),
)
"""Venues that bibliographies write out in full, with the short name the catalog uses; the first that matches wins
(so 'Findings of the ACL: EMNLP' is not read as ACL)."""


def short_venue(venue: str, year: str) -> str:
    """A venue as the catalog writes it ('ICLR 2024') when the name is a known one written out or holds a known
    acronym, else as the source gives it, with the year."""
    short = next((name for name, pattern in LONG_VENUES if pattern.search(venue)), None)
    if short and year:
        return f"{short} {year}"
    found = VENUE.search(f"{venue} {year}")
    if found:
        return f"{found.group(1)} {_full_year(found.group(2))}".replace("NIPS", "NeurIPS")
    return f"{venue} {year}".strip() if year and year not in venue else venue


def _full_year(year: str) -> str:
    return year if len(year) == 4 else f"20{year}"


def _heads(taxonomy: Taxonomy, names: Sequence[str]) -> tuple[str, ...]:
    """The head types these names (keywords, headings, badges) name, by name or alias, in a plural too."""
    found: list[str] = []
    for name in names:
        name = " ".join(name.replace("_", " ").split())
        if not name:
            continue
        head = taxonomy.resolve_head_type(name) or (taxonomy.resolve_head_type(name[:-1])
                                                     if name.lower().endswith("s") else None)
        if head is not None and head.name not in found:
            found.append(head.name)
    return tuple(found)


def _known_path(entry: Entry, known: CatalogIdentities) -> Path | None:
    if entry.arxiv and entry.arxiv in known.path_by_arxiv:
        return known.path_by_arxiv[entry.arxiv]
    return known.path_by_title.get(title_key(entry.title))


def _draft(entry: Entry, today: date) -> PaperDraft:
    paper_link = entry.links.get("paper")
    if paper_link is None and entry.arxiv:
        paper_link = f"https://arxiv.org/abs/{entry.arxiv}"
    comments = [f"imported from {Path(entry.source).name}, line {entry.line} ({entry.label})"]
    if entry.partial_date:
        comments.append(f"the source dates it {entry.partial_date} without the day: write the first public version's")
    other = tuple((kind, url) for kind, url in entry.links.items() if kind != "paper" and kind in LINK_KINDS)
    draft = PaperDraft(title=entry.title, date=entry.day, added=today, authors=entry.authors, venue=entry.venue,
                       arxiv=entry.arxiv, heads=entry.heads, paper_link=paper_link, doi=entry.doi,
                       other_links=other, comments=tuple(comments))
    if entry.authors_incomplete and entry.authors:
        draft = replace(draft, authors_incomplete="the source's author list ends with 'and others'")
    return draft


def _to_fill(entry: Entry, words: Words) -> list[str]:
    """What the contributor must still write, for the report."""
    notes = []
    if entry.day is None:
        given = f" (the source says {entry.partial_date})" if entry.partial_date else ""
        notes.append(f"no date with its day{given}: write it")
    if not entry.heads:
        notes.append(f"no {words.topic.one}: list one from taxonomy.yaml under heads")
    if not entry.authors:
        notes.append("no authors: add them")
    if not (entry.links.get("paper") or entry.arxiv or entry.doi):
        notes.append("no address of the paper: add links.paper, arxiv or doi")
    notes += [f"another address, not kept: {url}" for url in entry.extra_links]
    notes.append("the summary: write it in your own words")
    return notes
