"""`headcat links`: every external link of every paper checked, each dead or moved one reported where it is written.

Each address is asked once (HEAD, then GET when a server refuses HEAD), with a timeout, at most `concurrency`
requests at a time and `per_host` to one host. Redirects are followed by hand: a permanent one (301, 308) is
reported with its new address, which `--fix` writes into the paper file in place of the old one (nothing else of
the file changes); a temporary one is followed to its end. A server that says 429 or 503 is asked again after its
Retry-After (at most `MAX_RETRY_AFTER` seconds) and a 5xx or a timeout after a growing pause, `attempts` times in
all. Results are kept in the catalog's cache folder with the time they were found; a good result younger than
`max_age` is not asked again, a bad one always is.
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from headcat import __version__
from headcat.cache.location import catalog_cache_folder
from headcat.load.yaml_source import SourceError, compose_yaml, locate, parse_yaml, read_yaml_text
from headcat.model.problems import Problem

PERMANENT = frozenset({301, 308})
TEMPORARY = frozenset({302, 303, 307})
RETRY_LATER = frozenset({429, 503})
MAX_REDIRECTS = 10
MAX_RETRY_AFTER = 60.0
USER_AGENT = f"headcat/{__version__} (link check; +https://pypi.org/project/headcat/)"
CACHE_NAME = "links.json"


@dataclass(frozen=True)
class LinkPlace:
    """Where a paper file writes an address: the file, the field (links.code) and its line and column."""

    path: Path
    field: str
    line: int
    column: int
    url: str


@dataclass(frozen=True)
class Answer:
    """What asking for an address came to."""

    status: int | None
    """The last HTTP status, or None when no answer came (a timeout, a refused connection, a bad address)."""
    reason: str
    moved_to: str | None = None
    """The new address of a permanent redirect."""

    @property
    def is_good(self) -> bool:
        return self.status is not None and 200 <= self.status < 300 and self.moved_to is None


@dataclass(frozen=True)
class LinkSettings:
    timeout: float = 15.0
    attempts: int = 3
    concurrency: int = 8
    per_host: int = 2
    max_age: float = 7 * 24 * 3600
    backoff: float = 1.0
    """The first pause before asking again; each later one is twice as long."""


def link_places(root: Path) -> list[LinkPlace]:
    """Every address under `links:` of every paper file that can be read (check reports the others)."""
    places = []
    for path in sorted((root / "papers").glob("*.yaml")):
        try:
            text = read_yaml_text(path)
            data = parse_yaml(text)
            nodes = compose_yaml(text)
        except (SourceError, OSError):
            continue
        links = data.get("links") if isinstance(data, dict) else None
        if not isinstance(links, dict):
            continue
        for kind, url in links.items():
            if isinstance(url, str) and url.strip().startswith(("http://", "https://")):
                line, column = locate(nodes, ("links", str(kind)))
                places.append(LinkPlace(path, f"links.{kind}", line, column, url.strip()))
    return places


def check_links(root: Path, settings: LinkSettings, now: Callable[[], float] = time.time,
                fetch: Callable[[str, str, float], tuple[int, dict[str, str]]] | None = None,
                ) -> tuple[list[LinkPlace], dict[str, Answer]]:
    """Every address of the catalog with its answer (fresh good answers from the cache are not asked again)."""
    places = link_places(root)
    cache_path = catalog_cache_folder(root) / CACHE_NAME
    cached = _read_cache(cache_path)
    answers: dict[str, Answer] = {}
    to_ask = []
    for url in dict.fromkeys(place.url for place in places):
        entry = cached.get(url)
        if entry and entry["status"] and 200 <= entry["status"] < 300 and not entry.get("moved_to") \
                and now() - entry["checked"] < settings.max_age:
            answers[url] = Answer(entry["status"], entry["reason"])
        else:
            to_ask.append(url)
    asker = _Asker(settings, fetch or _request)
    with ThreadPoolExecutor(max_workers=max(1, settings.concurrency)) as pool:
        for url, answer in zip(to_ask, pool.map(asker.ask, to_ask), strict=True):
            answers[url] = answer
            cached[url] = {"status": answer.status, "reason": answer.reason, "moved_to": answer.moved_to,
                           "checked": now()}
    _write_cache(cache_path, {url: cached[url] for url in answers})
    return places, answers


def link_problems(places: Sequence[LinkPlace], answers: dict[str, Answer]) -> list[Problem]:
    """A located problem for each place whose address is dead, moved for good or did not answer."""
    problems = []
    for place in places:
        answer = answers[place.url]
        if answer.is_good:
            continue
        if answer.moved_to:
            message = (f"{place.field}: {place.url} has moved for good ({answer.status}) to {answer.moved_to}; "
                       "write the new address (headcat links --fix does)")
        elif answer.status is None:
            message = f"{place.field}: {place.url} did not answer ({answer.reason}); check it by hand"
        else:
            message = (f"{place.field}: {place.url} answers {answer.status} {answer.reason}; replace it with a "
                       "working address or remove it")
        problems.append(Problem(str(place.path), place.line, place.column, message))
    return problems


def fix_moved_links(places: Sequence[LinkPlace], answers: dict[str, Answer]) -> list[Path]:
    """Write each permanent redirect's new address in place of the old one, on its own line of its file."""
    changed: dict[Path, list[str]] = {}
    for place in places:
        new = answers[place.url].moved_to
        if not new:
            continue
        lines = changed.setdefault(place.path, place.path.read_text(encoding="utf-8").splitlines(keepends=True))
        line = lines[place.line - 1]
        at = line.find(place.url, place.column - 1)
        if at >= 0:
            lines[place.line - 1] = line[:at] + new + line[at + len(place.url):]
    for path, lines in changed.items():
        path.write_text("".join(lines), encoding="utf-8")
    return sorted(changed)


class _Asker:
    """Asks for addresses with the limits of `settings`: a timeout, retries, and at most `per_host` requests to one
    host at a time."""

    def __init__(self, settings: LinkSettings, fetch: Callable[[str, str, float], tuple[int, dict[str, str]]]):
        self.settings, self.fetch = settings, fetch
        self._hosts: dict[str, threading.Semaphore] = {}
        self._lock = threading.Lock()

    def ask(self, url: str) -> Answer:
        seen = [url]
        current = url
        moved: tuple[int, str] | None = None
        """The permanent redirect the address itself answers: its status and where it leads."""
        for _ in range(MAX_REDIRECTS):
            status, headers, reason = self._ask_with_retries(current)
            if status in PERMANENT | TEMPORARY and headers.get("location"):
                following = urljoin(current, headers["location"])
                if following in seen:
                    return Answer(status, "redirects in a loop")
                if status in PERMANENT and current == url:
                    moved = (status, following)
                seen.append(following)
                current = following
                continue
            if status is None or not 200 <= status < 300:
                return Answer(status, reason if moved is None else f"{reason}, at the address it moved to "
                                                                    f"({current})")
            if moved is not None:  # a working new address: the one to write
                return Answer(moved[0], _reason(moved[0]), moved[1])
            return Answer(status, reason)
        return Answer(None, "too many redirects")

    def _ask_with_retries(self, url: str) -> tuple[int | None, dict[str, str], str]:
        pause = self.settings.backoff
        outcome: tuple[int | None, dict[str, str], str] = (None, {}, "not asked")
        for attempt in range(self.settings.attempts):
            outcome = self._ask_once(url)
            status, headers, _ = outcome
            if status is not None and status < 500 and status not in RETRY_LATER:
                return outcome
            if attempt + 1 == self.settings.attempts:
                break
            wait = _retry_after(headers.get("retry-after")) if status in RETRY_LATER else None
            time.sleep(min(wait if wait is not None else pause, MAX_RETRY_AFTER))
            pause *= 2
        return outcome

    def _ask_once(self, url: str) -> tuple[int | None, dict[str, str], str]:
        with self._host_slot(url):
            try:
                status, headers = self.fetch("HEAD", url, self.settings.timeout)
                if status in (403, 405, 501):  # servers that refuse HEAD
                    status, headers = self.fetch("GET", url, self.settings.timeout)
            except TimeoutError:
                return None, {}, f"no answer within {self.settings.timeout:g} s"
            except (OSError, http.client.HTTPException, ValueError) as error:
                return None, {}, _connection_reason(error)
        return status, headers, _reason(status)

    @contextmanager
    def _host_slot(self, url: str) -> Iterator[None]:
        host = urlsplit(url).netloc.lower()
        with self._lock:
            slot = self._hosts.setdefault(host, threading.Semaphore(max(1, self.settings.per_host)))
        with slot:
            yield


def _request(method: str, url: str, timeout: float) -> tuple[int, dict[str, str]]:
    """One request, no redirect followed: the status and the headers (names in lower case)."""
    parts = urlsplit(url)
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        connection = http.client.HTTPSConnection(parts.hostname or "", parts.port, timeout=timeout,
                                                 context=ssl.create_default_context())
    else:
        connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=timeout)
    try:
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection.request(method, target, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
        response = connection.getresponse()
        response.read(65536 if method == "GET" else 0)
        return response.status, {name.lower(): value for name, value in response.getheaders()}
    finally:
        connection.close()


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: a number of seconds or an HTTP date."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "(no standard reason)"


def _connection_reason(error: BaseException) -> str:
    if isinstance(error, ssl.SSLError):
        return f"TLS failed: {error.reason or error}"
    if isinstance(error, socket.gaierror):
        return "the host name is unknown"
    if isinstance(error, ConnectionRefusedError):
        return "the connection was refused"
    return str(getattr(error, "strerror", None) or error) or type(error).__name__


def _read_cache(path: Path) -> dict[str, dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_cache(path: Path, data: dict[str, dict[str, Any]]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(data, sort_keys=True), encoding="utf-8")
        temporary.replace(path)
    except OSError:
        pass  # a cache that cannot be written only costs the next run time
