"""Head relations (taxonomy.yaml's `relations`): the rules that make them consistent read from both ends, and the
catalog that shows each one on both head types' pages."""

from __future__ import annotations

from typing import Any, get_args

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from headcat.catalog.catalog import build_catalog
from headcat.model.config import Config
from headcat.model.taxonomy import (
    ONE_WAY_RELATIONS,
    RELATION_WORDS,
    SYMMETRIC_RELATIONS,
    RelationType,
    Taxonomy,
    find_taxonomy_conflicts,
)

HEAD_NAMES = ["Name Mover Head", "Backup Name Mover Head", "Induction Head", "Semantic Induction Head",
              "Previous Token Head"]


def taxonomy_with(relations: dict[str, list[dict[str, Any]]], aliases: dict[str, list[str]] | None = None
                  ) -> Taxonomy:
    """A one-stage taxonomy of HEAD_NAMES with these relations."""
    heads = [{"name": name, "stage": "LR", "subcategory": "All", "placement": "survey", "description": "A head.",
              "aliases": (aliases or {}).get(name, []), "relations": relations.get(name, [])}
             for name in HEAD_NAMES]
    return Taxonomy.model_validate({
        "stages": [{"id": "LR", "name": "Latent Reasoning", "description": "Reasoning.",
                    "subcategories": [{"name": "All", "description": "Everything."}]}],
        "heads": heads})


def messages(taxonomy: Taxonomy) -> list[str]:
    return [message for _, message in find_taxonomy_conflicts(taxonomy)]


def test_every_relation_type_has_its_words_and_belongs_to_at_most_one_rule() -> None:
    assert set(RELATION_WORDS) == set(get_args(RelationType))
    assert not ONE_WAY_RELATIONS & SYMMETRIC_RELATIONS
    symmetric_words = {RELATION_WORDS[kind][0] for kind in SYMMETRIC_RELATIONS}
    assert all(RELATION_WORDS[kind][0] == RELATION_WORDS[kind][1] for kind in SYMMETRIC_RELATIONS)
    assert all(RELATION_WORDS[kind][0] not in symmetric_words for kind in ONE_WAY_RELATIONS)


def test_well_formed_relations_by_name_or_alias_pass() -> None:
    taxonomy = taxonomy_with({
        "Backup Name Mover Head": [{"type": "backup-of", "head": "name mover head", "note": "IOI."}],
        "Semantic Induction Head": [{"type": "variant-of", "head": "Induction"}],
        "Previous Token Head": [{"type": "part-of-circuit-with", "head": "Induction Head"}],
    }, aliases={"Induction Head": ["Induction"]})
    assert messages(taxonomy) == []


def test_a_relation_to_an_unknown_head_type_suggests_the_closest_name() -> None:
    taxonomy = taxonomy_with({"Backup Name Mover Head": [{"type": "backup-of", "head": "Name Mover Heads"}]})
    assert find_taxonomy_conflicts(taxonomy) == [(
        ("heads", 1, "relations", 0, "head"),
        "heads[1].relations[0].head: 'Name Mover Heads' is not a topic of this file (did you mean 'Name Mover "
        "Head'?); name one of the topics under heads:")]


def test_a_head_type_cannot_be_related_to_itself_even_through_an_alias() -> None:
    taxonomy = taxonomy_with({"Induction Head": [{"type": "variant-of", "head": "Induction"}]},
                             aliases={"Induction Head": ["Induction"]})
    assert messages(taxonomy) == ["heads[2].relations[0].head: 'Induction Head' cannot be related to itself; name "
                                  "another topic"]


def test_a_relation_stated_twice_on_one_head_type_is_refused_at_the_second() -> None:
    taxonomy = taxonomy_with({"Backup Name Mover Head": [{"type": "backup-of", "head": "Name Mover Head"},
                                                         {"type": "backup-of", "head": "name mover head"}]})
    assert messages(taxonomy) == [
        "heads[1].relations[1].head: 'Backup Name Mover Head' already says it is backup of 'Name Mover Head' at "
        "heads[1].relations[0].head; state each relation once"]


def test_a_symmetric_relation_stated_on_both_head_types_is_refused_at_the_second() -> None:
    taxonomy = taxonomy_with({"Induction Head": [{"type": "part-of-circuit-with", "head": "Previous Token Head"}],
                              "Previous Token Head": [{"type": "part-of-circuit-with", "head": "Induction Head"}]})
    assert messages(taxonomy) == [
        "heads[4].relations[0].head: heads[2].relations[0].head already states that 'Induction Head' is in a "
        "circuit with 'Previous Token Head', and both pages show it; state it once, on either of them"]


@pytest.mark.parametrize("kind", sorted(ONE_WAY_RELATIONS))
def test_a_one_way_relation_stated_both_ways_round_is_refused(kind: str) -> None:
    taxonomy = taxonomy_with({"Name Mover Head": [{"type": kind, "head": "Backup Name Mover Head"}],
                              "Backup Name Mover Head": [{"type": kind, "head": "Name Mover Head"}]})
    verb = RELATION_WORDS[kind][0].lower()
    assert messages(taxonomy) == [
        f"heads[1].relations[0].head: heads[0].relations[0].head says 'Name Mover Head' is {verb} 'Backup Name "
        f"Mover Head'; a {kind} relation goes one way only, so keep the one that is right"]


def test_heads_may_suppress_each_other() -> None:
    taxonomy = taxonomy_with({"Name Mover Head": [{"type": "suppresses", "head": "Backup Name Mover Head"}],
                              "Backup Name Mover Head": [{"type": "suppresses", "head": "Name Mover Head"}]})
    assert messages(taxonomy) == []


def test_variant_of_relations_that_go_round_in_a_circle_are_refused_once() -> None:
    taxonomy = taxonomy_with({"Name Mover Head": [{"type": "variant-of", "head": "Induction Head"}],
                              "Induction Head": [{"type": "variant-of", "head": "Previous Token Head"}],
                              "Previous Token Head": [{"type": "variant-of", "head": "Name Mover Head"}],
                              "Semantic Induction Head": [{"type": "variant-of", "head": "Induction Head"}]})
    assert find_taxonomy_conflicts(taxonomy) == [(
        ("heads", 0, "relations"),
        "heads[0].relations: the variant-of relations go round in a circle (Name Mover Head -> Induction Head -> "
        "Previous Token Head -> Name Mover Head); remove the one that is wrong")]


def test_a_head_type_placed_by_the_catalog_needs_its_reason() -> None:
    data = taxonomy_with({}).model_dump()
    data["heads"][0].update(placement="catalog", placement_note=None)
    assert messages(Taxonomy.model_validate(data)) == [
        "heads[0]: 'Name Mover Head' is placed by this catalog (placement: catalog), so it needs a placement_note "
        "saying why"]


@st.composite
def valid_relations(draw: st.DrawFn) -> dict[str, list[dict[str, Any]]]:
    """Relations that the rules accept: variant-of and backup-of only from a later head type to an earlier one (so
    no circle and no pair both ways round), each pair of head types at most once per type."""
    relations: dict[str, list[dict[str, Any]]] = {}
    stated: set[tuple[str, frozenset[object]]] = set()
    for _ in range(draw(st.integers(0, 10))):
        kind = draw(st.sampled_from(sorted(RELATION_WORDS)))
        first, second = draw(st.lists(st.sampled_from(HEAD_NAMES), min_size=2, max_size=2, unique=True))
        if kind in ONE_WAY_RELATIONS and HEAD_NAMES.index(first) < HEAD_NAMES.index(second):
            first, second = second, first
        pair: frozenset[object] = (frozenset((first, second)) if kind in SYMMETRIC_RELATIONS
                                   else frozenset(((first, 0), (second, 1))))
        if (kind, pair) in stated:
            continue
        stated.add((kind, pair))
        note = draw(st.none() | st.sampled_from(["Paper A.", "Paper B."]))
        relations.setdefault(first, []).append({"type": kind, "head": second, "note": note})
    return relations


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_relations())
def test_every_relation_shows_on_both_head_types_and_nothing_else_does(
        relations: dict[str, list[dict[str, Any]]]) -> None:
    taxonomy = taxonomy_with(relations)
    assert messages(taxonomy) == []
    catalog = build_catalog(Config(), taxonomy, {})
    expected: dict[str, set[tuple[str, str, str | None]]] = {name: set() for name in HEAD_NAMES}
    for name, stated in relations.items():
        for relation in stated:
            forward, backward = RELATION_WORDS[relation["type"]]
            expected[name].add((forward, relation["head"], relation["note"]))
            expected[relation["head"]].add((backward, name, relation["note"]))
    for group in catalog.heads:
        shown = [(relation.words, related.head.head_type.name, related.note)
                 for relation in group.relations for related in relation.heads]
        assert len(shown) == len(set(shown))
        assert set(shown) == expected[group.head_type.name]
        order = list(dict.fromkeys(word for pair in RELATION_WORDS.values() for word in pair))
        assert [relation.words for relation in group.relations] == sorted(
            {relation.words for relation in group.relations}, key=order.index)
