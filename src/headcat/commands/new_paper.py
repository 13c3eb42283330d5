"""`headcat new`: one new paper file, from an arXiv id or from a title, with marked places for what a person writes.

Not a build stage: it reads the taxonomy (to resolve head names) and the existing paper files (to refuse a paper
the catalog holds), asks the arXiv API for title, authors and date, and writes one file under papers/, never over
an existing one. Failures are typed errors (`NewPaperUsageError`, `NewPaperError`); the CLI formats them.
"""

from __future__ import annotations

import http.client
import os
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode, urlsplit
from urllib.request import Request, urlopen
from xml.etree import ElementTree

import yaml

from headcat import __version__
from headcat.load.identities import ARXIV_URL, CatalogIdentities, read_catalog_identities, title_key
from headcat.load.settings import load_taxonomy
from headcat.load.yaml_source import parse_yaml
from headcat.model.paper import ARXIV_ID, PAPER_ID, PLACEHOLDER_MARKER, Summary
from headcat.model.problems import did_you_mean
from headcat.model.taxonomy import Taxonomy, Words
from headcat.render.forms import form_labels

Day = date
"""A calendar date (PaperDraft has a field named date, which hides the type inside the class)."""
DEFAULT_ARXIV_API = "https://export.arxiv.org/api/query"
DEFAULT_ARXIV_TIMEOUT = 15.0
MAX_RESPONSE_BYTES = 1_000_000
"""An answer about one paper is a few kilobytes; more is not an answer about one paper."""

PAPER_ID_MAX_WORDS = 6
PAPER_ID_MAX_CHARS = 50
_STOP_WORDS = frozenset(
    "a an and are as at be by can do does for from how in into is it its of on or our that the their these this "
    "those to toward towards via we what when where which why with".split()
)
_SCHEMA_LINE = "# yaml-language-server: $schema=../schema/paper.schema.json"
_ATOM = "{http://www.w3.org/2005/Atom}"
_NO_WRAP = 1_000_000


class NewPaperUsageError(Exception):
    """The options cannot make a paper file (an unknown head type, a malformed id or date): exit status 2."""


class NewPaperError(Exception):
    """The paper file was not written (the catalog holds the paper, the file exists, arXiv failed): exit status 1."""


class ArxivLookupError(NewPaperError):
    """The arXiv API could not be reached, failed, or knows no such paper."""


@dataclass(frozen=True)
class NewPaperRequest:
    """What the contributor asked for: an arXiv id or a title, and optionally head names, a date and a paper id."""

    arxiv: str | None = None
    title: str | None = None
    heads: tuple[str, ...] = ()
    date: str | None = None
    paper_id: str | None = None
    issue: str | None = None
    """The text of an issue opened with the new-paper form (`--from-issue`)."""


@dataclass(frozen=True)
class ArxivApi:
    """Where the arXiv API is and how long to wait for it (HEADCAT_ARXIV_API, HEADCAT_ARXIV_TIMEOUT)."""

    url: str = DEFAULT_ARXIV_API
    timeout: float = DEFAULT_ARXIV_TIMEOUT

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> ArxivApi:
        url = environ.get("HEADCAT_ARXIV_API") or DEFAULT_ARXIV_API
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise NewPaperUsageError(f"HEADCAT_ARXIV_API: '{url}' is not an http(s) address of the arXiv API")
        timeout_text = environ.get("HEADCAT_ARXIV_TIMEOUT") or str(DEFAULT_ARXIV_TIMEOUT)
        try:
            timeout = float(timeout_text)
        except ValueError:
            timeout = 0.0
        if not 0 < timeout < float("inf"):
            raise NewPaperUsageError(f"HEADCAT_ARXIV_TIMEOUT: '{timeout_text}' is not a number of seconds above 0")
        return cls(url, timeout)


@dataclass(frozen=True)
class ArxivPaper:
    """What the arXiv API says about one paper."""

    arxiv: str
    title: str
    authors: tuple[str, ...]
    published: date


@dataclass(frozen=True)
class PaperDraft:
    """The values of a new paper file; None marks a place the contributor must fill in."""

    title: str
    date: Day | None
    added: Day
    authors: tuple[str, ...]
    venue: str | None
    arxiv: str | None
    heads: tuple[str, ...]
    paper_link: str | None
    doi: str | None = None
    other_links: tuple[tuple[str, str], ...] = ()
    """Links besides the paper's, as (kind, address): ('code', 'https://github.com/...')."""
    authors_incomplete: str | None = None
    comments: tuple[str, ...] = ()
    """Lines for a comment at the top of the file: where its values came from (`headcat import`)."""
    models: tuple[str, ...] = ()
    methods: tuple[str, ...] = ()
    summary: tuple[tuple[str, str], ...] = ()
    """Summary parts the contributor wrote already (an issue's form), as (part, text)."""


@dataclass(frozen=True)
class NewPaperFile:
    """The file written, and what the contributor must still do to it, in order."""

    path: Path
    next_steps: tuple[str, ...]


def create_paper_file(root: Path, request: NewPaperRequest, today: date, api: ArxivApi) -> NewPaperFile:
    """Check the request, ask arXiv when it names an arXiv id, and write ROOT/papers/<paper-id>.yaml."""
    taxonomy = load_taxonomy(root)
    heads = resolve_heads(taxonomy, request.heads)
    first_date = _parse_date_option(request.date, today)
    folder = _papers_folder(root)
    catalog = read_catalog_identities(folder)
    if request.paper_id is not None:
        _refuse_existing_file(folder / f"{_check_paper_id(request.paper_id, folder)}.yaml")
    if request.issue is not None:
        draft = draft_from_issue(request.issue, taxonomy, today)
        if draft.arxiv and draft.arxiv in catalog.path_by_arxiv:
            raise NewPaperError(f"{catalog.path_by_arxiv[draft.arxiv]} already holds arXiv {draft.arxiv}; edit that "
                                "file instead")
    elif request.arxiv is not None:
        draft = _draft_from_arxiv(request.arxiv, catalog, api, heads, first_date, today)
    else:
        draft = _draft_from_title(request.title or "", heads, first_date, today)
    same_title = catalog.path_by_title.get(title_key(draft.title))
    if same_title is not None:
        raise NewPaperError(f"{same_title} already holds a paper titled '{draft.title}'; edit that file instead")
    path = folder / f"{request.paper_id or derive_paper_id(draft.title)}.yaml"
    text = render_paper_file(draft, taxonomy)
    _check_round_trip(text, draft)
    _write_new_file(path, text)
    return NewPaperFile(path, _next_steps(draft, taxonomy.words))


def _draft_from_arxiv(written_id: str, catalog: CatalogIdentities, api: ArxivApi, heads: tuple[str, ...],
                      first_date: date | None, today: date) -> PaperDraft:
    arxiv_id = normalize_arxiv_id(written_id)
    if arxiv_id in catalog.path_by_arxiv:
        raise NewPaperError(f"{catalog.path_by_arxiv[arxiv_id]} already holds arXiv {arxiv_id}; edit that file instead")
    found = fetch_arxiv_paper(arxiv_id, api)
    return PaperDraft(found.title, first_date or found.published, today, found.authors,
                      f"arXiv {found.published.year}", found.arxiv, heads, f"https://arxiv.org/abs/{found.arxiv}")


def split_choices(answer: str, options: Sequence[str]) -> tuple[str, ...]:
    """The choices of a multiple-choice answer, which GitHub joins with ', ' (a choice may itself hold one, as
    'BERT-style encoder, trained by the authors' does): the longest option that starts at each place, else the text
    up to the next ', ' (an unknown name, which check reports)."""
    by_length = sorted(options, key=len, reverse=True)
    chosen: list[str] = []
    rest = answer.strip()
    while rest:
        option = next((option for option in by_length
                       if rest == option or rest.startswith(option + ", ")), None)
        taken = option if option is not None else rest.split(", ", 1)[0]
        if taken.strip():
            chosen.append(taken.strip())
        rest = rest[len(taken):].removeprefix(",").strip()
    return tuple(chosen)


def draft_from_issue(text: str, taxonomy: Taxonomy, today: date) -> PaperDraft:
    """The paper an issue opened with the new-paper form describes (render/forms.py names its fields): what it
    says, as written; `headcat check` then judges it (an unknown head type gets its did-you-mean there)."""
    answers = issue_answers(text)
    labels = form_labels(taxonomy.words)
    choices = {"heads": taxonomy.head_spellings, "models": taxonomy.model_spellings,
               "methods": taxonomy.method_spellings}

    def answer(field: str) -> str:
        return " ".join(answers.get(labels[field], "").split())

    def listed(field: str) -> tuple[str, ...]:
        if field in choices:
            return split_choices(answer(field), choices[field])
        return tuple(item.strip() for item in answer(field).split(",") if item.strip())

    title = answer("title")
    if not title:
        raise NewPaperUsageError("the issue has no title under its 'Title' heading; was it opened with the "
                                 "new-paper form?")
    written_date = answer("date")
    try:
        day = date.fromisoformat(written_date) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", written_date) else None
    except ValueError:
        day = None
    identifier = answer("identifier")
    arxiv = doi = link = None
    from_link = ARXIV_URL.search(identifier)
    if from_link or ARXIV_ID.fullmatch(re.sub(r"(?i)^arxiv:|v\d+$", "", identifier)):
        arxiv = normalize_arxiv_id(identifier)
        link = f"https://arxiv.org/abs/{arxiv}"
    elif re.match(r"(https?://(dx\.)?doi\.org/)?10\.\d{4,9}/\S+$", identifier):
        doi = re.sub(r"^https?://(dx\.)?doi\.org/", "", identifier)
    elif identifier.startswith(("http://", "https://")):
        link = identifier
    code = answer("code")
    return PaperDraft(
        title=title, date=day, added=today, authors=listed("authors"), venue=answer("venue") or None, arxiv=arxiv,
        heads=listed("heads"), paper_link=link, doi=doi,
        other_links=(("code", code),) if code.startswith(("http://", "https://")) else (),
        models=listed("models"), methods=listed("methods"),
        summary=tuple((part, answer(part)) for part in Summary.model_fields if answer(part)),
        comments=("from an issue opened with the new-paper form",))


def issue_answers(text: str) -> dict[str, str]:
    """The answers of an issue form as GitHub writes them: each under a '### Label' heading; an answer left out
    reads '_No response_'."""
    answers: dict[str, str] = {}
    label = None
    for line in text.splitlines():
        heading = re.match(r"^###\s+(.*?)\s*$", line)
        if heading:
            label = heading.group(1)
            answers[label] = ""
        elif label is not None:
            answers[label] += line + "\n"
    return {label: "" if value.strip() == "_No response_" else value.strip() for label, value in answers.items()}


def _draft_from_title(written_title: str, heads: tuple[str, ...], first_date: date | None, today: date) -> PaperDraft:
    title = " ".join(written_title.split())
    if not title:
        raise NewPaperUsageError("--title: the title is empty")
    return PaperDraft(title, first_date, today, (), None, None, heads, None)


def resolve_heads(taxonomy: Taxonomy, names: Sequence[str]) -> tuple[str, ...]:
    """Canonical head type names, in the order given, each once; every unknown name is reported together."""
    canonical: list[str] = []
    unknown: list[str] = []
    for name in names:
        head = taxonomy.resolve_head_type(name)
        if head is None:
            topic = taxonomy.words.topic
            hint = did_you_mean(name, taxonomy.head_spellings) or f" (taxonomy.yaml lists the {topic.many})"
            unknown.append(f"unknown {topic.one} '{name}'{hint}")
        elif head.name not in canonical:
            canonical.append(head.name)
    if unknown:
        raise NewPaperUsageError("--head: " + "; ".join(unknown))
    return tuple(canonical)


def normalize_arxiv_id(text: str) -> str:
    """'2404.15574', 'arXiv:2404.15574v2' or an arxiv.org abs/pdf address, as the bare id without a version."""
    candidate = text.strip()
    from_link = ARXIV_URL.search(candidate)
    if from_link:
        candidate = from_link.group(1)
    candidate = re.sub(r"^arxiv:", "", candidate, flags=re.IGNORECASE)
    candidate = re.sub(r"v\d+$", "", candidate)
    if not ARXIV_ID.fullmatch(candidate):
        raise NewPaperUsageError(f"--arxiv: '{text}' is not an arXiv id like 2404.15574 or cs/0112017")
    return candidate


def derive_paper_id(title: str) -> str:
    """A short readable id: the title's first words without stop words, at most 6 words and 50 characters."""
    folded = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii").lower()
    words = re.findall(r"[a-z0-9]+", re.sub(r"['\u2019]", "", folded))
    content_words = [word for word in words if word not in _STOP_WORDS] or words
    if not content_words:
        raise NewPaperUsageError("cannot make a paper id from this title; give one with --id, e.g. --id my-paper")
    chosen = [content_words[0][:PAPER_ID_MAX_CHARS]]
    for word in content_words[1:PAPER_ID_MAX_WORDS]:
        if len("-".join([*chosen, word])) > PAPER_ID_MAX_CHARS:
            break
        chosen.append(word)
    return "-".join(chosen)


def fetch_arxiv_paper(arxiv_id: str, api: ArxivApi) -> ArxivPaper:
    """Ask the arXiv API about one id; every failure becomes one ArxivLookupError sentence."""
    url = f"{api.url}?{urlencode({'id_list': arxiv_id}, safe='/')}"
    request = Request(url, headers={"User-Agent": f"headcat/{__version__}"})  # noqa: S310  # the arXiv API's
    # address (or a test server's, from HEADCAT_ARXIV_API)
    waited = f"{api.timeout:g} second{'' if api.timeout == 1 else 's'}"
    try:
        with urlopen(request, timeout=api.timeout) as response:  # noqa: S310  # api.url is the arXiv API's
            body = response.read(MAX_RESPONSE_BYTES + 1)
    except HTTPError as error:
        refusal = _api_error_message(_parse_xml(_read_error_body(error)))
        if refusal:
            raise ArxivLookupError(f"arXiv refused the id '{arxiv_id}': {refusal}") from None
        raise ArxivLookupError(f"the arXiv API at {api.url} answered HTTP {error.code} {error.reason}; "
                               f"try again later") from None
    except (OSError, http.client.HTTPException) as error:  # URLError and TimeoutError are OSErrors
        reason = error.reason if isinstance(error, URLError) else error
        if isinstance(reason, TimeoutError):
            raise ArxivLookupError(f"the arXiv API at {api.url} did not answer within {waited}; "
                                   f"try again later") from None
        detail = reason.strerror if isinstance(reason, OSError) and reason.strerror else str(reason)
        raise ArxivLookupError(f"cannot reach the arXiv API at {api.url}: {detail or type(reason).__name__}; "
                               f"check the network connection (or HEADCAT_ARXIV_API)") from None
    if len(body) > MAX_RESPONSE_BYTES:
        raise ArxivLookupError(f"the arXiv API at {api.url} answered with more than {MAX_RESPONSE_BYTES:,} bytes; "
                               f"that is not an answer about one paper")
    return parse_arxiv_feed(body, arxiv_id)


def parse_arxiv_feed(body: bytes, arxiv_id: str) -> ArxivPaper:
    """The paper in an arXiv API Atom feed; an empty feed or an error entry means arXiv knows no such id."""
    feed = _parse_xml(body)
    if feed is None or feed.tag != f"{_ATOM}feed":
        raise ArxivLookupError("the arXiv API's answer is not an Atom feed; try again later")
    refusal = _api_error_message(feed)
    if refusal:
        raise ArxivLookupError(f"arXiv refused the id '{arxiv_id}': {refusal}")
    entry = next((entry for entry in feed.iter(f"{_ATOM}entry") if _entry_arxiv_id(entry) == arxiv_id), None)
    title = " ".join(_child_text(entry, "title").split()) if entry is not None else ""
    if entry is None or not title:
        raise ArxivLookupError(f"arXiv has no paper with the id '{arxiv_id}'; check the id (e.g. 2404.15574)")
    published = _child_text(entry, "published").strip()
    try:
        first_version = date.fromisoformat(published[:10])
    except ValueError:
        raise ArxivLookupError(f"arXiv's answer for '{arxiv_id}' has no publication date "
                               f"(published: '{published}')") from None
    authors = tuple(" ".join(_child_text(author, "name").split()) for author in entry.findall(f"{_ATOM}author"))
    return ArxivPaper(arxiv_id, title, tuple(author for author in authors if author), first_version)


def render_paper_file(draft: PaperDraft, taxonomy: Taxonomy) -> str:
    """The text of the new file, in the catalog's layout; TODO marks every place a person must still write."""
    todo = PLACEHOLDER_MARKER
    lines = [_SCHEMA_LINE, *(f"# {comment}" for comment in draft.comments), f"title: {_yaml_value(draft.title)}"]
    if draft.date is not None:
        lines.append(f"date: {draft.date.isoformat()}")
    else:
        lines.append(f"date: {_yaml_value(f'{todo}: YYYY-MM-DD, the day of the first public version')}")
    lines.append(f"added: {draft.added.isoformat()}")
    if draft.authors:
        lines.append(f"authors: {_yaml_value(draft.authors)}")
        if draft.authors_incomplete:
            lines.append(f"authors_incomplete: {_yaml_value(draft.authors_incomplete)}")
    else:
        lines.append("# authors: [First Author, Second Author]   (optional)")
    lines.append(f"venue: {_yaml_value(draft.venue)}" if draft.venue else "# venue: ICLR 2024   (optional)")
    if draft.arxiv:
        lines.append(f'arxiv: "{draft.arxiv}"')
    if draft.doi:
        lines.append(f"doi: {_yaml_value(draft.doi)}")
    if draft.heads:
        lines.append(f"heads: {_yaml_value(draft.heads)}")
    else:
        example = taxonomy.heads[0].name
        lines += [f"# {todo}: list one or more {taxonomy.words.topic.many} from taxonomy.yaml, e.g. heads: "
                  f"{_yaml_value([example])}", "heads: []"]
    if draft.models:
        lines.append(f"models: {_yaml_value(draft.models)}")
    if draft.methods:
        lines.append(f"methods: {_yaml_value(draft.methods)}")
    if draft.paper_link:
        lines += ["links:", f"  paper: {_yaml_value(draft.paper_link)}"]
        lines += [f"  {kind}: {_yaml_value(url)}" for kind, url in draft.other_links]
    elif draft.arxiv or draft.doi:  # a way to reach the paper already
        lines += ["links:", *(f"  {kind}: {_yaml_value(url)}" for kind, url in draft.other_links)] \
            if draft.other_links else []
    else:
        lines += [f"# {todo}: the paper's address; if it is on arXiv, also add arxiv: \"YYMM.NNNNN\" (or doi: ...)",
                  "links:", f"  paper: {_yaml_value(f'{todo}: https://...')}"]
    lines.append("summary:   # in your own words; inline Markdown; at most 400 characters each")
    written = dict(draft.summary)
    for part, field in Summary.model_fields.items():
        lines.append(f"  {part}: {_yaml_value(written.get(part) or f'{todo}: {field.description}')}")
    return "\n".join(lines) + "\n"


def _next_steps(draft: PaperDraft, words: Words) -> tuple[str, ...]:
    steps = []
    if draft.date is None:
        steps.append("write the date of the paper's first public version")
    if not draft.paper_link:
        steps.append("add the paper's address under links (and its arxiv or doi if it has one)")
    if not draft.heads:
        steps.append(f"list the paper's {words.topic.many} under heads")
    if len(draft.summary) < len(Summary.model_fields):
        steps.append("write the summary (innovation, tasks, result) where the file says TODO")
    return tuple(steps)


def _parse_date_option(text: str | None, today: date) -> date | None:
    if text is None:
        return None
    try:
        value = date.fromisoformat(text) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else None
    except ValueError:
        value = None
    if value is None:
        raise NewPaperUsageError(f"--date: '{text}' is not a date written YYYY-MM-DD")
    if value > today:
        raise NewPaperUsageError(f"--date: {text} is in the future (today is {today.isoformat()})")
    return value


def _check_paper_id(paper_id: str, folder: Path) -> str:
    if not PAPER_ID.fullmatch(paper_id):
        raise NewPaperUsageError(f"--id: '{paper_id}' is not a paper id; write lowercase words and digits "
                                 f"joined by hyphens, e.g. retrieval-head-long-context")
    longest = _longest_file_name(folder) - len(".yaml")
    if len(paper_id) > longest:
        raise NewPaperUsageError(f"--id: the paper id is {len(paper_id)} characters long, and a file name in "
                                 f"{folder} holds at most {longest} before '.yaml'; choose a shorter id of a few "
                                 f"words, e.g. retrieval-head-long-context")
    return paper_id


def _longest_file_name(folder: Path) -> int:
    """How many bytes a file name in `folder` may hold (255 on most file systems; paper ids are ASCII)."""
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (AttributeError, ValueError, OSError):  # no pathconf (Windows), or the system does not say
        return 255


def _papers_folder(root: Path) -> Path:
    folder = root / "papers"
    if not folder.is_dir():
        raise NewPaperError(f"{folder}: not found; ROOT must be a catalog folder holding papers/ and taxonomy.yaml")
    return folder


def _refuse_existing_file(path: Path) -> None:
    if path.exists():
        raise NewPaperError(f"{path} already exists; it was left as it is (choose another paper id with --id)")


def _write_new_file(path: Path, text: str) -> None:
    """Create the file; exclusive creation means an existing file is never overwritten, even in a race."""
    try:
        with path.open("x", encoding="utf-8", newline="\n") as file:
            file.write(text)
    except FileExistsError:
        _refuse_existing_file(path)
        raise
    except OSError as error:
        raise NewPaperError(f"{path}: cannot write the file: {error.strerror or error}") from None


def _check_round_trip(text: str, draft: PaperDraft) -> None:
    """Read the text back as the loader will: every value from outside must come out exactly as it went in."""
    data = parse_yaml(text)
    written = {"title": draft.title, "authors": list(draft.authors) or None, "venue": draft.venue,
               "arxiv": draft.arxiv, "heads": list(draft.heads)}
    read = {key: data.get(key) for key in written} if isinstance(data, dict) else {}
    link = data.get("links", {}).get("paper") if isinstance(data, dict) else None
    if read != written or (draft.paper_link and link != draft.paper_link):
        raise RuntimeError(f"the new paper file would not read back as written: {read!r} != {written!r}")


def _yaml_value(value: str | Sequence[str]) -> str:
    """A YAML scalar or one-line list; PyYAML decides what needs quoting, so any text reads back unchanged."""
    if isinstance(value, str):
        return _yaml_scalar(value, in_list=False)
    return "[" + ", ".join(_yaml_scalar(item, in_list=True) for item in value) + "]"


def _yaml_scalar(text: str, *, in_list: bool) -> str:
    def dump(style: str | None) -> str:
        dumped = yaml.safe_dump([text] if in_list else text, allow_unicode=True, default_flow_style=True,
                                default_style=style, width=_NO_WRAP)
        dumped = dumped.removesuffix("\n...\n").strip()
        return dumped[1:-1] if in_list else dumped

    written = dump(None)
    return dump('"') if written.startswith("'") else written  # the catalog writes double quotes


def _entry_arxiv_id(entry: ElementTree.Element) -> str:
    found = ARXIV_URL.search(_child_text(entry, "id").strip())
    return found.group(1) if found else ""


def _child_text(element: ElementTree.Element | None, name: str) -> str:
    child = element.find(f"{_ATOM}{name}") if element is not None else None
    return child.text or "" if child is not None else ""


def _parse_xml(body: bytes) -> ElementTree.Element | None:
    try:
        return ElementTree.fromstring(body)  # noqa: S314  # arXiv's answer, at most MAX_RESPONSE_BYTES; expat
        # refuses entity expansion bombs
    except ElementTree.ParseError:
        return None


def _api_error_message(feed: ElementTree.Element | None) -> str | None:
    """The arXiv API reports a bad request as a feed whose one entry has an .../api/errors#... id."""
    for entry in feed.iter(f"{_ATOM}entry") if feed is not None else ():
        if "/api/errors" in _child_text(entry, "id"):
            return " ".join(_child_text(entry, "summary").split()) or "an error without a message"
    return None


def _read_error_body(error: HTTPError) -> bytes:
    try:
        return error.read(MAX_RESPONSE_BYTES)
    except (OSError, http.client.HTTPException):
        return b""
