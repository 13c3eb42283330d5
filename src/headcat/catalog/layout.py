"""The catalog's layout (catalog stage): every ordering and grouping of the papers, as paper ids.

`plan_layout` reads one `LayoutInput` per paper and nothing else: its id, date, head types and facet values. That
is what lets the build cache keep a layout between builds, keyed by the inputs alone: a field that the layout does
not receive cannot change it, and one it receives is in its key. Every ordering has an explicit tie-break, so the
same input always gives the same layout.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

RELATED_PAPERS_MAX = 6


@dataclass(frozen=True, slots=True)
class LayoutInput:
    """What the layout is worked out from, for one paper."""

    paper_id: str
    day: int
    """The paper's date as a day number (date.toordinal())."""
    head_names: tuple[str, ...]
    """Its head types' canonical names: related papers are papers that share them."""
    facet_values: tuple[tuple[str, tuple[str, ...]], ...]
    """(facet parameter, its values) for each facet."""


@dataclass(frozen=True)
class CatalogLayout:
    paper_ids: tuple[str, ...]
    """Newest first: by date, then by paper id (from z to a)."""
    groups: dict[str, dict[str, tuple[str, ...]]]
    """By facet parameter, by value: its papers in the catalog's order."""
    related_ids: dict[str, tuple[str, ...]]
    """By paper id: up to RELATED_PAPERS_MAX papers that share its head types, most shared first, then newest."""
    related_heads: dict[str, tuple[str, ...]]
    """By head type name: the names of the head types studied with it in the same papers, most often first."""

    def to_data(self) -> dict[str, Any]:
        """The layout as JSON data, for the build cache."""
        return {"paper_ids": list(self.paper_ids), "groups": self.groups,
                "related_ids": self.related_ids, "related_heads": self.related_heads}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> CatalogLayout:
        """The layout `to_data` gave; raises KeyError, TypeError or ValueError on anything else. Each paper id is
        kept once: JSON gives a new text for every time an id is written (each paper is in about ten groups and
        six lists of related papers), a few MB for every thousand papers."""
        paper_ids = _texts(data["paper_ids"], {})
        known = {paper_id: paper_id for paper_id in paper_ids}
        return cls(paper_ids=paper_ids,
                   groups={_text(param): {_text(value): _texts(ids, known) for value, ids in group.items()}
                           for param, group in data["groups"].items()},
                   related_ids={known.get(paper_id, _text(paper_id)): _texts(ids, known)
                                for paper_id, ids in data["related_ids"].items()},
                   related_heads={_text(name): _texts(names, {}) for name, names in data["related_heads"].items()})


def plan_layout(inputs: Sequence[LayoutInput]) -> CatalogLayout:
    """The catalog's orderings and groupings, from one input per paper."""
    ordered = sorted(inputs, key=lambda item: (item.day, item.paper_id), reverse=True)
    groups: dict[str, dict[str, list[str]]] = {}
    for item in ordered:
        for param, values in item.facet_values:
            group = groups.setdefault(param, {})
            for value in values:
                group.setdefault(value, []).append(item.paper_id)
    return CatalogLayout(
        paper_ids=tuple(item.paper_id for item in ordered),
        groups={param: {value: tuple(ids) for value, ids in group.items()} for param, group in groups.items()},
        related_ids=_related_ids_by_paper(inputs),
        related_heads=_related_heads(ordered),
    )


def _related_ids_by_paper(inputs: Sequence[LayoutInput]) -> dict[str, tuple[str, ...]]:
    """For each paper, up to RELATED_PAPERS_MAX papers sharing its head types: most shared first, then newest,
    then by id.

    Linear rather than comparing every pair: papers are listed under every subset of their head types, in rank
    order, and only the first few of each of a paper's subsets can make its top list (any paper further down a
    subset's list has RELATED_PAPERS_MAX others above it that share at least as much and are newer). Papers with
    the same head types share those candidates, so they are ranked once per set of head types (a large catalog has
    far fewer sets than papers); each paper then takes the first ones that are not itself.
    """
    rank_order = sorted(inputs, key=lambda item: (-item.day, item.paper_id))
    subsets_by_heads: dict[tuple[str, ...], list[frozenset[str]]] = {}
    ids_by_subset: dict[frozenset[str], list[str]] = {}
    for item in rank_order:
        subsets = subsets_by_heads.get(item.head_names)
        if subsets is None:
            subsets = subsets_by_heads[item.head_names] = _head_subsets(item.head_names)
        for subset in subsets:
            ids_by_subset.setdefault(subset, []).append(item.paper_id)
    position = {item.paper_id: index for index, item in enumerate(rank_order)}
    head_sets = {item.paper_id: frozenset(item.head_names) for item in inputs}
    ranked_by_heads: dict[frozenset[str], list[str]] = {}
    related: dict[str, tuple[str, ...]] = {}
    for item in inputs:
        heads = head_sets[item.paper_id]
        ranked = ranked_by_heads.get(heads)
        if ranked is None:
            candidates = {other for subset in subsets_by_heads[item.head_names]
                          for other in ids_by_subset[subset][:RELATED_PAPERS_MAX + 1]}
            ranked = sorted(candidates, key=lambda other: (-len(heads & head_sets[other]), position[other]))
            ranked_by_heads[heads] = ranked
        related[item.paper_id] = tuple(other for other in ranked[:RELATED_PAPERS_MAX + 1]
                                       if other != item.paper_id)[:RELATED_PAPERS_MAX]
    return related


def _head_subsets(heads: tuple[str, ...]) -> list[frozenset[str]]:
    """Every non-empty subset of a paper's head types (a paper names a handful at most)."""
    unique = sorted(set(heads))
    return [frozenset(combination) for size in range(1, len(unique) + 1)
            for combination in itertools.combinations(unique, size)]


def _related_heads(ordered: Sequence[LayoutInput]) -> dict[str, tuple[str, ...]]:
    """For each head type that a paper names, the others named with it, most often first, then by name."""
    together: dict[str, Counter[str]] = {}
    for item in ordered:
        for name in item.head_names:
            together.setdefault(name, Counter()).update(other for other in item.head_names if other != name)
    return {name: tuple(other for other, _ in sorted(counts.items(), key=lambda pair: (-pair[1], pair[0])))
            for name, counts in together.items()}


def _text(value: object) -> str:
    if type(value) is not str:
        raise TypeError(f"expected text, found {type(value).__name__}")
    return value


def _texts(values: object, known: dict[str, str]) -> tuple[str, ...]:
    """A list of texts as a tuple, each text that is in `known` replaced by the one kept there."""
    if type(values) is not list or not all(type(value) is str for value in values):
        raise TypeError("expected a list of texts")
    return tuple([known.get(text, text) for text in cast(list[str], values)])
