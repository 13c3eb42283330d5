"""The search index made from the previous build's (render/search.py `updated_index_files`) is the index made
afresh, for any papers and any change: papers changed, added anywhere, removed."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from headcat.catalog import urls
from headcat.render.search import SEARCH_PARTS, SearchRecord, index_files_of, updated_index_files

WORDS = ["attention", "heads", "head", "Head", "retrieval", "retrieving", "induction", "GPT-2", "long-context",
         "naïve", "OLMo", "x²", "—", "L5H1", "copying", "copy", "北京", "(in-context)", "DuoAttention", "a", "the"]
"""Words that give stems, parts of compound words, accents, and words with no letter: each rule of the index."""

parts = st.tuples(*[st.lists(st.sampled_from(WORDS), max_size=7).map(" ".join) for _ in SEARCH_PARTS])
Edit = tuple[str, tuple[str, ...]]
edits = st.sampled_from(["keep", "keep", "keep", "change", "remove"])


@st.composite
def changes(draw: st.DrawFn) -> tuple[list[SearchRecord], list[int | None], dict[int, SearchRecord],
                                      list[SearchRecord]]:
    """Records before, how each is renumbered (None: removed or changed), the new and changed records by their
    numbers after, and the records after."""
    before = [SearchRecord(f"paper-{number}", text) for number, text in enumerate(draw(st.lists(parts, max_size=10)))]
    after: list[tuple[int | None, SearchRecord]] = []
    for number, record in enumerate(before):
        action = draw(edits)
        if action == "keep":
            after.append((number, record))
        elif action == "change":
            after.append((None, SearchRecord(record.paper_id, draw(parts))))
    for place, text in draw(st.lists(st.tuples(st.integers(0, 12), parts), max_size=3)):
        after.insert(min(place, len(after)), (None, SearchRecord(f"new-{place}-{len(after)}", text)))
    renumbered: list[int | None] = [None] * len(before)
    added = {}
    for new, (old, record) in enumerate(after):
        if old is None:
            added[new] = record
        else:
            renumbered[old] = new
    return before, renumbered, added, [record for _, record in after]


@settings(max_examples=300, deadline=None)
@given(changes(), st.sampled_from(["en", "fr"]))
def test_an_index_updated_from_the_previous_one_is_the_index_made_afresh(
        change: tuple[list[SearchRecord], list[int | None], dict[int, SearchRecord], list[SearchRecord]],
        language: str) -> None:
    before, renumbered, added, after = change
    previous = index_files_of(before, language)
    assert updated_index_files(previous, renumbered, added, language) == index_files_of(after, language)


RECORDS = [SearchRecord(f"paper-{number}", tuple(" ".join(WORDS[number:number + 4]) for _ in SEARCH_PARTS))
           for number in range(6)]


def test_an_index_of_another_kind_or_numbers_not_as_said_are_refused() -> None:
    previous = index_files_of(RECORDS, "en")
    same = list(range(len(RECORDS)))
    assert updated_index_files(previous, same, {}, "en") == previous
    assert updated_index_files(previous, same, {}, "fr") is None  # made without stems
    assert updated_index_files(previous, same, {}, "en", ("a",) * len(SEARCH_PARTS)) is None  # other labels
    assert updated_index_files(previous, [1, 0, 2, 3, 4, 5], {}, "en") is None  # kept papers in another order
    assert updated_index_files(previous, [0, 1, 2, 3, 4, 6], {}, "en") is None  # a number missing
    assert updated_index_files(previous, same, {2: RECORDS[2]}, "en") is None  # a number given twice
    assert updated_index_files(previous, same[:-1], {}, "en") is None  # a paper the files have, not said
    missing = {path: content for path, content in previous.items() if path != f"{urls.LOOKUP_FOLDER}pairs-0.json"}
    assert updated_index_files(missing, same, {}, "en") is None
    damaged = {**previous, f"{urls.LOOKUP_FOLDER}words-0.json": b'{"head": ["one"]}'}
    assert updated_index_files(damaged, same, {}, "en") is None
    twice = {**previous, f"{urls.LOOKUP_FOLDER}words-0.json": b'{"head": [65, 1]}'}  # paper 1, then paper 1 again
    assert updated_index_files(twice, same, {}, "en") is None
    backwards = {**previous, f"{urls.LOOKUP_FOLDER}words-0.json": b'{"head": [129, -63]}'}  # paper 2, then 1
    assert updated_index_files(backwards, same, {}, "en") is None
