"""Pages of a listing (catalog stage): every list of papers is split into pages of at most `page_size` papers, so
that no page grows with the catalog.

Page 1 keeps the listing's address ('heads/x/index.html'); page n is under it at 'heads/x/page/n/index.html', as
Hugo and Zola name them, so a link to a listing never breaks when it grows a second page. Each page links the pages
before and after it (`rel=prev`, `rel=next`) and a few by number, so that every paper is a few clicks from page 1
without JavaScript.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from headcat.catalog import urls

Item = TypeVar("Item")

NEAR = 2
"""How many pages on each side of the current one the page links by number (besides the first and the last)."""


@dataclass(frozen=True, slots=True)
class Pager:
    """Where a page is in its listing: its number (from 1), how many pages the listing has, the listing's address
    (page 1's path) and how many papers it holds in all."""

    base: str
    number: int
    count: int
    total: int
    size: int
    """The most papers a page holds."""

    @property
    def path(self) -> str:
        return self.path_of(self.number)

    @property
    def first_index(self) -> int:
        """The position in the listing of this page's first paper (from 0)."""
        return (self.number - 1) * self.size

    @property
    def previous_path(self) -> str | None:
        return self.path_of(self.number - 1) if self.number > 1 else None

    @property
    def next_path(self) -> str | None:
        return self.path_of(self.number + 1) if self.number < self.count else None

    def path_of(self, number: int) -> str:
        return urls.listing_page(self.base, number)

    def numbers(self) -> tuple[int | None, ...]:
        """The pages to link by number, in order, with None where pages are left out: 1 … 4 5 [6] 7 8 … 20."""
        near = range(max(1, self.number - NEAR), min(self.count, self.number + NEAR) + 1)
        wanted = sorted({1, self.count, *near})
        shown: list[int | None] = []
        for number in wanted:
            if shown and shown[-1] is not None and number - shown[-1] > 1:
                shown.append(None)
            shown.append(number)
        return tuple(shown)


def paginate(base: str, items: Sequence[Item], size: int) -> list[tuple[Pager, Sequence[Item]]]:
    """The pages of a listing of `items` whose first page is at `base`: each page's pager and its items. A listing
    with no item has one, empty, page."""
    count = max(1, -(-len(items) // size))
    return [(Pager(base, number, count, len(items), size), items[(number - 1) * size:number * size])
            for number in range(1, count + 1)]
