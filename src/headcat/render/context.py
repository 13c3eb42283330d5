"""What a render function gets besides its inputs (render stage): the templates, and pieces of pages to reuse.

A fragment is a piece of a page that many outputs share or that rarely changes (a paper's card, README row or
BibTeX entry), declared like an output: a slot to keep it in, a render function and its inputs. Its key is the
fingerprint of the function's name and inputs, with the templates and headcat's code; the fragment store gives
back the text an earlier build rendered from the same key, else the fragment is rendered and kept. Fragments
rendered by a forked helper are sent back with its results (`take_fresh`) and stored by the process that owns the
store.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import xxhash
from jinja2 import Environment

from headcat.cache.fingerprint import Fingerprints
from headcat.cache.fragments import SLOT_SEPARATOR, Fragments, FragmentStore
from headcat.model.taxonomy import Words
from headcat.process.parallel import run_in_parallel
from headcat.render.outputs import check_render_function, render_name

FRESH_MAX = 1 << 22
"""How much fragment text (in characters) the process that owns the store renders before it passes it to the store,
so that a page of 10,000 new cards does not hold them all until it is written."""

FragmentRender = Callable[[Any, "RenderContext"], str]
PartRender = Callable[[Any, Any, "RenderContext"], str]
"""Renders one part of a run (a paper's card, BibTeX entry, README row): (the item, what every part of the run
shares, the context) -> its text."""

CHUNK_EVERY = 32
"""A run of parts is kept in chunks of about this many: a chunk ends after an item whose id's digest is a multiple of
it, so a paper added or removed changes only the chunk it falls in."""
CHUNK_MAX = 128


class Item(Protocol):
    @property
    def id(self) -> str: ...


@dataclass(frozen=True)
class FragmentRequest:
    """A piece of a page to render: where it is kept between builds, how to render it, and from what."""

    slot: str
    render: FragmentRender
    inputs: object

    def __post_init__(self) -> None:
        check_render_function(self.render)


class RenderContext:
    """The templates, the fragment store (None without the build cache) and what this build rendered so far."""

    def __init__(self, environment: Environment, key: str, fingerprints: Fingerprints | None = None,
                 fragments: FragmentStore | None = None) -> None:
        self.environment = environment
        self.key = key
        """What every output and fragment also depends on: headcat's code and the templates."""
        self.fingerprints = fingerprints or Fingerprints()
        self.fragments = fragments
        self.fresh: Fragments = {}
        """Fragments this process rendered since `take_fresh` was last called."""
        self.fresh_size = 0
        self.store_pid = os.getpid()
        self.memo: dict[object, Any] = {}
        """Values a build works out once and uses on many pages (a paper's card without summary, its labels):
        for this build only, by what they are made of."""

    @property
    def words(self) -> Words:
        """The catalog's words for its taxonomy (a global of the templates, and part of `key`)."""
        words = self.environment.globals["words"]
        assert isinstance(words, Words)
        return words

    def key_of(self, render: Callable[..., object], inputs: object) -> str:
        """The key of what `render` makes from `inputs`."""
        return self.fingerprints.key(self.key, render_name(render), inputs)

    def fragment(self, slot: str, render: FragmentRender, inputs: object) -> str:
        """The fragment `render` makes from `inputs`: an earlier build's when it was made from the same key."""
        check_render_function(render)
        key = self.key_of(render, inputs) if self.fragments is not None else ""
        text = self.fragments.get(slot, key) if self.fragments is not None else None
        if text is None:
            text = render(inputs, self)
            if self.fragments is not None:
                self.fresh[slot] = (key, text)  # a helper sends back only what it rendered, and keeps nothing
                self.fresh_size += len(text)
                if self.fresh_size >= FRESH_MAX and os.getpid() == self.store_pid:
                    self.keep(self.take_fresh())
        return text

    def fragments_of(self, requests: Sequence[FragmentRequest]) -> list[str]:
        """Each fragment's text, in order: earlier builds' where the key is the same, the others rendered on every
        core (and kept for the next build)."""
        keys = [self.key_of(request.render, request.inputs) if self.fragments is not None else ""
                for request in requests]
        texts = [self.fragments.get(request.slot, key) if self.fragments is not None else None
                 for request, key in zip(requests, keys, strict=True)]
        missing = [index for index, text in enumerate(texts) if text is None]
        rendered = run_in_parallel(lambda index: requests[index].render(requests[index].inputs, self), missing)
        for index, text in zip(missing, rendered, strict=True):
            texts[index] = text
        self.keep({requests[index].slot: (keys[index], texts[index]) for index in missing})  # type: ignore[misc]
        return texts  # type: ignore[return-value]  # every None was replaced

    def run_of_parts(self, kind: str, run: str, render: PartRender, items: Sequence[Item], shared: object,
                     separator: str, in_parallel: bool = False) -> Iterator[str]:
        """The texts `render` makes of each item, joined by `separator`, as one text per chunk of items (join them
        with `separator` for the whole run), one chunk at a time (a page of 10,000 cards is 20 MB). A long list of
        papers (every card of a page, every entry of an export) is kept as fragments of about CHUNK_EVERY parts,
        each keyed by its items and `shared`, so a rebuild after one paper changed renders one chunk again and
        reuses the others without a lookup per paper. `run` names the list (a page's path), so that two lists that
        share papers keep their chunks apart."""
        check_render_function(render)
        chunks = [tuple(items[start:end]) for start, end in _chunk_bounds([item.id for item in items])]
        requests = [FragmentRequest(SLOT_SEPARATOR.join((kind, chunk[0].id, run)), render_chunk,
                                    _Chunk(render, chunk, shared, separator)) for chunk in chunks]
        if in_parallel:
            return iter(self.fragments_of(requests))
        return (self.fragment(request.slot, request.render, request.inputs) for request in requests)

    def take_fresh(self) -> Fragments:
        fresh, self.fresh, self.fresh_size = self.fresh, {}, 0
        return fresh

    def keep(self, fragments: Fragments) -> None:
        """Fragments rendered for this build (by a helper, or by this process): into the store, for the next."""
        if self.fragments is not None:
            self.fragments.add(fragments)


@dataclass(frozen=True, slots=True)
class _Chunk:
    render: PartRender
    items: tuple[Item, ...]
    shared: object
    separator: str


def render_chunk(chunk: _Chunk, context: RenderContext) -> str:
    return chunk.separator.join([chunk.render(item, chunk.shared, context) for item in chunk.items])


def _chunk_bounds(ids: Sequence[str]) -> list[tuple[int, int]]:
    """Where the chunks of a run of items begin and end, decided by the items' ids alone."""
    bounds = []
    start = 0
    for index, item_id in enumerate(ids):
        if index + 1 - start >= CHUNK_MAX or xxhash.xxh3_64_intdigest(item_id.encode("utf-8")) % CHUNK_EVERY == 0:
            bounds.append((start, index + 1))
            start = index + 1
    if start < len(ids):
        bounds.append((start, len(ids)))
    return bounds
