"""Rendering the feeds (render stage): RSS 2.0 and Atom for the whole catalog, each head type and each stage, and
an OPML file listing them, each a file for the write stage to render.

feedgen writes the XML; an item's HTML comes from templates/feeds/item.html. Whatever feedgen would take from the
clock or its defaults (entry order, timestamps, generator version) is set from the data, so the same catalog always
gives the same bytes. Item ids come from the paper id alone, so a new title or a moved site never re-announces a paper.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from functools import partial
from typing import TYPE_CHECKING

from jinja2 import Environment

from headcat.catalog.catalog import Catalog, CatalogPaper
from headcat.write.staging import Output, Reuse, to_render

if TYPE_CHECKING:
    from feedgen.feed import FeedGenerator

TAG_PREFIX = "tag:headcat,2024:"
"""The start of every feed and item id (an RFC 4151 tag URI). Fixed forever: subscribers' readers know papers by it."""

HEAD_TYPE_SCHEME = TAG_PREFIX + "head-type"
STAGE_SCHEME = TAG_PREFIX + "stage"
FEED_ITEMS_MAX = 50
"""Each feed carries the papers most recently added; readers keep what they have seen, so older items are not needed."""
RSS_TYPE = "application/rss+xml"
ATOM_TYPE = "application/atom+xml"
EMPTY_FEED_UPDATED = date(1970, 1, 1)
"""The `updated` of a feed without papers in a catalog without papers: any fixed day, never today."""


@dataclass(frozen=True)
class Feed:
    """One feed, in both formats: where it lives in the site, what it is called and its papers, newest added first."""

    folder: str
    """'' for the whole catalog, 'heads/<slug>/' or 'stages/<slug>/': the folder of the page the feed follows."""
    key: str
    title: str
    description: str
    papers: tuple[CatalogPaper, ...]

    @property
    def rss_path(self) -> str:
        return f"{self.folder}feed.xml"

    @property
    def atom_path(self) -> str:
        return f"{self.folder}atom.xml"

    @property
    def id(self) -> str:
        return f"{TAG_PREFIX}feed/{self.key}"


def paper_item_id(paper_id: str) -> str:
    """A paper's id in every feed: from the paper id alone, never from its title or the site's address."""
    return f"{TAG_PREFIX}paper/{paper_id}"


def list_feeds(catalog: Catalog) -> tuple[Feed, ...]:
    """The whole catalog's feed, then one per head type (taxonomy order), then one per stage (framework order);
    each with its FEED_ITEMS_MAX most recently added papers."""
    title = catalog.config.title

    def newest(paper_ids: Iterable[str]) -> tuple[CatalogPaper, ...]:
        return catalog.newest_added(paper_ids, FEED_ITEMS_MAX)

    feeds = [Feed("", "catalog", title, catalog.config.description, newest(entry.id for entry in catalog.papers))]
    feeds += [Feed(f"heads/{group.slug}/", f"heads/{group.slug}", f"{title}: {group.head_type.name}",
                   group.head_type.description, newest(group.paper_ids))
              for group in catalog.heads]
    feeds += [Feed(f"stages/{group.slug}/", f"stages/{group.slug}", f"{title}: {group.stage.name} ({group.stage.id})",
                   group.stage.description, newest(group.paper_ids))
              for group in catalog.stages]
    return tuple(feeds)


def render_feeds(catalog: Catalog, environment: Environment, reuse: Reuse | None = None) -> Iterator[Output]:
    """Every feed in both formats, then the OPML list, for the write stage to render. With `reuse`, a feed none of
    whose papers changed since the previous build is kept as it is. Each format is a file of its own, so the two
    may be rendered by different workers; each builds the feed's generator (the items' HTML is cached)."""
    feeds = list_feeds(catalog)
    item_html_by_key: dict[tuple[str, str], str] = {}
    """A paper's item HTML is the same in every feed that gives it the same page address: rendered once."""
    last_generator: dict[str, FeedGenerator] = {}
    """The generator of the feed rendered last, by feed key: the feed's other format, its neighbour among the jobs,
    is usually rendered next by the same process, and needs only other links."""

    def render(feed: Feed, path: str, media_type: str) -> bytes:
        generator = last_generator.get(feed.key)
        if generator is None:
            last_generator.clear()
            generator = last_generator[feed.key] = _feed_generator(catalog, environment, feed, item_html_by_key)
        generator.link(_links(catalog, feed, path, media_type), replace=True)
        return generator.rss_str(pretty=True) if media_type == RSS_TYPE else generator.atom_str(pretty=True)

    for feed in feeds:
        # What the feed shows: its papers, and for a feed without papers the catalog's newest addition (its date).
        shown = [catalog.data_key_by_id[entry.id] for entry in feed.papers] or [catalog.latest_added]
        for path, media_type in ((feed.rss_path, RSS_TYPE), (feed.atom_path, ATOM_TYPE)):
            yield to_render(path, partial(render, feed, path, media_type), reuse, shown, weight=len(feed.papers))
    yield to_render("feeds.opml", partial(_render_opml, catalog, environment, feeds), reuse, catalog.structure_key)


def _feed_generator(catalog: Catalog, environment: Environment, feed: Feed,
                    item_html_by_key: dict[tuple[str, str], str]) -> FeedGenerator:
    """Everything but the links, whose self link differs between the RSS and the Atom file."""
    from feedgen.feed import FeedGenerator  # imported by the first feed rendered: a rebuild that renders no feed
    # skips its import (and lxml's), a tenth of headcat's start-up

    generator = FeedGenerator()
    generator.id(feed.id)
    generator.title(feed.title)
    generator.subtitle(feed.description)
    generator.language(catalog.config.language)
    generator.author({"name": catalog.config.title})
    generator.generator("headcat")  # without a version, so that upgrading feedgen or headcat changes no byte
    newest = feed.papers[0].paper.added if feed.papers else (catalog.latest_added or EMPTY_FEED_UPDATED)
    generator.updated(_midnight_utc(newest))  # also the RSS lastBuildDate; feedgen would stamp the clock's time
    item_template = environment.get_template("feeds/item.html")
    for entry in feed.papers:
        page_url = _address(catalog, feed.folder, _page_path(entry))
        html = item_html_by_key.get((entry.id, page_url))
        if html is None:
            html = item_template.render(
                entry=entry, stages=[catalog.stage(stage_id).stage for stage_id in entry.stage_ids], page_url=page_url)
            item_html_by_key[entry.id, page_url] = html
        _add_item(generator, catalog, entry, page_url, html)
    return generator


def _add_item(generator: FeedGenerator, catalog: Catalog, entry: CatalogPaper, page_url: str, html: str) -> None:
    item = generator.add_entry(order="append")  # feedgen prepends by default, which would reverse our order
    item.id(paper_item_id(entry.id))  # also the RSS guid, marked as no permalink
    item.title(entry.paper.title)
    item.link(href=page_url, rel="alternate")
    added = _midnight_utc(entry.paper.added)
    item.published(added)
    item.updated(added)
    if entry.paper.authors:
        item.author([{"name": name} for name in entry.paper.authors])
    item.content(html, type="html")
    categories = [{"term": head.name, "scheme": HEAD_TYPE_SCHEME} for head in entry.head_types]
    categories += [{"term": stage_id, "label": catalog.stage(stage_id).stage.name, "scheme": STAGE_SCHEME}
                   for stage_id in entry.stage_ids]
    item.category(categories)


def _links(catalog: Catalog, feed: Feed, path: str, media_type: str) -> list[dict[str, str]]:
    """The feed file itself, then the page it follows: feedgen makes the last link the RSS channel's <link>."""
    return [{"href": _address(catalog, feed.folder, path), "rel": "self", "type": media_type},
            {"href": _address(catalog, feed.folder, feed.folder), "rel": "alternate", "type": "text/html"}]


def _page_path(entry: CatalogPaper) -> str:
    return f"papers/{entry.id}/"


def _address(catalog: Catalog, folder: str, path: str) -> str:
    """Absolute when the config gives a base URL; otherwise relative to `folder` (where the feed file lives), which
    is how feed readers resolve a relative address."""
    return catalog.absolute_url(path) or ("../" * folder.count("/") + path) or "./"


def _midnight_utc(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=UTC)


def _render_opml(catalog: Catalog, environment: Environment, feeds: tuple[Feed, ...]) -> bytes:
    """feeds.opml at the site's top: every RSS feed, for importing them all into a reader at once."""
    rows = [(feed, _address(catalog, "", feed.rss_path), _address(catalog, "", feed.folder)) for feed in feeds]
    text = environment.get_template("feeds/feeds.opml").render(
        catalog=catalog, catalog_feed=rows[0],
        head_feeds=[row for row in rows if row[0].key.startswith("heads/")],
        stage_feeds=[row for row in rows if row[0].key.startswith("stages/")])
    return text.encode("utf-8")
