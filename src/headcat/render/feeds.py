"""Rendering the feeds (render stage): RSS 2.0 and Atom for the whole catalog, each head type, stage, model family
and method, and an OPML file listing them, each an output declared with what it shows.

feedgen writes the XML; an item's HTML comes from templates/feeds/item.html. Whatever feedgen would take from the
clock or its defaults (entry order, timestamps, generator version) is set from the data, so the same catalog always
gives the same bytes. Item ids come from the paper id alone, so a new title or a moved site never re-announces a paper.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING

from headcat.catalog import urls
from headcat.catalog.catalog import FEED_TAG_PREFIX, Catalog, CatalogPaper, Feed
from headcat.model.config import Config
from headcat.model.fields import slugify
from headcat.model.taxonomy import Level, Words
from headcat.render.context import RenderContext
from headcat.render.outputs import Output

if TYPE_CHECKING:
    from feedgen.feed import FeedGenerator

FEED_ITEMS_MAX = 50
"""Each feed carries the papers most recently added; readers keep what they have seen, so older items are not needed."""
RSS_TYPE = "application/rss+xml"
ATOM_TYPE = "application/atom+xml"
EMPTY_FEED_UPDATED = date(1970, 1, 1)
"""The `updated` of a feed without papers in a catalog without papers: any fixed day, never today."""


def paper_item_id(paper_id: str) -> str:
    """A paper's id in every feed: from the paper id alone, never from its title or the site's address."""
    return f"{FEED_TAG_PREFIX}paper/{paper_id}"


@dataclass(frozen=True, slots=True)
class FeedInputs:
    """One feed in one format: the feed, its papers (newest added first), when it was last updated, the settings
    (language, title, the site's address) and the format's media type."""

    feed: Feed
    entries: tuple[CatalogPaper, ...]
    updated: date
    """The newest of its papers' `added`, or for a feed without papers the catalog's newest addition."""
    config: Config
    media_type: str


@dataclass(frozen=True, slots=True)
class OpmlInputs:
    feeds: tuple[Feed, ...]
    config: Config


def feed_outputs(catalog: Catalog) -> Iterator[Output]:
    """Every feed in both formats (each its own file, so two workers may render them), then the OPML list; each
    feed carries its FEED_ITEMS_MAX most recently added papers."""
    latest = catalog.latest_added or EMPTY_FEED_UPDATED
    for feed in catalog.feeds:
        entries = catalog.newest_added(catalog.feed_paper_ids(feed), FEED_ITEMS_MAX)
        updated = entries[0].paper.added if entries else latest
        for path, media_type in ((feed.rss_path, RSS_TYPE), (feed.atom_path, ATOM_TYPE)):
            yield Output(path, render_feed, FeedInputs(feed, entries, updated, catalog.config, media_type),
                         weight=len(entries))
    yield Output(urls.FEEDS_OPML, render_opml, OpmlInputs(catalog.feeds, catalog.config))


def render_feed(inputs: FeedInputs, context: RenderContext) -> bytes:
    """The feed's XML. The generator of a feed, made for one format, is kept for the other (usually the next job
    of the same process), which needs only other links; an item's HTML is rendered once per page address."""
    made_from = (id(inputs.feed), id(inputs.entries), inputs.updated, id(inputs.config))  # the formats of one feed
    # share these objects (feed_outputs), which stay alive while the build renders
    last = context.memo.get("feed generator")  # only the last one is kept: (what it was made from, the generator)
    if last is not None and last[0] == made_from:
        generator = last[1]
    else:
        generator = _feed_generator(inputs, context)
        context.memo["feed generator"] = (made_from, generator)
    path = inputs.feed.rss_path if inputs.media_type == RSS_TYPE else inputs.feed.atom_path
    generator.link(_links(inputs.config, inputs.feed, path, inputs.media_type), replace=True)
    xml = generator.rss_str(pretty=True) if inputs.media_type == RSS_TYPE else generator.atom_str(pretty=True)
    return bytes(xml)


def _feed_generator(inputs: FeedInputs, context: RenderContext) -> FeedGenerator:
    """Everything but the links, whose self link differs between the RSS and the Atom file."""
    from feedgen.feed import FeedGenerator  # imported by the first feed rendered: a rebuild that renders no feed
    # skips its import (and lxml's), a tenth of headcat's start-up

    feed, config = inputs.feed, inputs.config
    generator = FeedGenerator()
    generator.id(feed.id)
    generator.title(feed.title)
    generator.subtitle(feed.description)
    generator.language(config.language)
    generator.author({"name": config.title})
    generator.generator("headcat")  # without a version, so that upgrading feedgen or headcat changes no byte
    generator.updated(_midnight_utc(inputs.updated))  # also the RSS lastBuildDate; feedgen would stamp the clock's
    item_template = context.environment.get_template("feeds/item.html")
    for entry in inputs.entries:
        page_url = _address(config, feed.folder, urls.paper_folder(entry.id))
        html = context.memo.get(("feed item", entry.id, page_url))
        if html is None:
            html = context.memo[("feed item", entry.id, page_url)] = item_template.render(
                entry=entry, stages=[label.stage for label in entry.stages], page_url=page_url)
        _add_item(generator, entry, page_url, html, context.words)
    return generator


def category_scheme(level: Level) -> str:
    """The scheme of an item's categories of one level of the taxonomy: tag:...,head-type for head types."""
    return FEED_TAG_PREFIX + slugify(level.one)


def _add_item(generator: FeedGenerator, entry: CatalogPaper, page_url: str, html: str, words: Words) -> None:
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
    categories = [{"term": label.head_type.name, "scheme": category_scheme(words.topic)} for label in entry.heads]
    categories += [{"term": label.stage.id, "label": label.stage.name, "scheme": category_scheme(words.group)}
                   for label in entry.stages]
    item.category(categories)


def _links(config: Config, feed: Feed, path: str, media_type: str) -> list[dict[str, str]]:
    """The feed file itself, then the page it follows: feedgen makes the last link the RSS channel's <link>."""
    return [{"href": _address(config, feed.folder, path), "rel": "self", "type": media_type},
            {"href": _address(config, feed.folder, feed.folder), "rel": "alternate", "type": "text/html"}]


def _address(config: Config, folder: str, path: str) -> str:
    """Absolute when the settings give a base URL; otherwise relative to `folder` (where the feed file lives),
    which is how feed readers resolve a relative address."""
    return urls.absolute(config.base_url, path) or (urls.root_of(folder) + path) or "./"


def _midnight_utc(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=UTC)


def render_opml(inputs: OpmlInputs, context: RenderContext) -> bytes:
    """feeds.opml at the site's top: every RSS feed, for importing them all into a reader at once."""
    rows = [(feed, _address(inputs.config, "", feed.rss_path), _address(inputs.config, "", feed.folder))
            for feed in inputs.feeds]
    words = context.words
    groups = [(title, [row for row in rows if row[0].key.startswith(prefix)])
              for title, prefix in ((words.topic.many.capitalize(), f"{words.topic.folder}/"),
                                    (words.group.many.capitalize(), f"{words.group.folder}/"),
                                    ("Model families", "models/"), ("Methods", "methods/"))]
    text = context.environment.get_template("feeds/feeds.opml").render(
        config=inputs.config, catalog_feed=rows[0], groups=[(title, group) for title, group in groups if group])
    return text.encode("utf-8")
