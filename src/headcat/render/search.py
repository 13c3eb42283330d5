"""The search index (render stage): headcat's own word index, written as data files under search/.

A paper's searchable text is in parts (SEARCH_PARTS: title, authors, identifiers, head types with their other names,
stages, models and methods with their other names and the models' families, summary). The index reads it word by
word (split at spaces), as tests/search_oracle.py describes: a word counts by its letters and digits, lowercase and
without accents, reduced to its stem (the Snowball English stemmer, for a catalog in English; other languages are
not stemmed); a compound word ("long-context", "GPT-2", "DuoAttention") also counts by each of its parts of two or
more characters. The files:

    search/words.json       what the script needs to read the rest: how many files each family is split in, the
                            stemmer, the parts' names
    search/words-B.json     each stem -> the papers that have it, ascending by number, each written as
                            64 * (distance from the number before) + the mask of the parts it is in (bit i: part i);
                            a stem is in file CRC-32(stem) % the family's file count
    search/pairs-B.json     each pair of whole words side by side in a part ("retriev head") -> its papers, written
                            the same way: what a phrase in quotes needs, and what ranks a paper with the words side
                            by side first; and "^ WORD" for the first word of each title

The home page's script (templates/assets/site.js) stems the query's words the same way (its `stem` is checked
against this module's in tests/test_search.py), reads one file per word and per pair, keeps the papers that have
every word, and ranks them (papers with the words in their title first). No page depends on the index: it is made
in a child process beside the rest of the build, and kept as it is when its inputs did not change. When a few papers
changed, were added or removed, it is made from the previous build's files instead: their lists without the papers
gone, with the words of those new or changed (`updated_index_files`; the same files, byte for byte).

Pagefind made the index before: at 100,000 papers it needed 7 GiB and two minutes, and a word it lacked was
answered with the longest word it had that began the query; this index is a few dictionaries and exact by design.
"""

from __future__ import annotations

import json
import re
import unicodedata
from bisect import bisect_left
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate, chain, pairwise, repeat
from operator import and_, sub

from headcat.cache.manifest import OutputManifest
from headcat.catalog import urls
from headcat.catalog.catalog import Catalog, CatalogPaper
from headcat.model.taxonomy import Words
from headcat.process.parallel import Pending, beside
from headcat.render.browse import file_count
from headcat.render.environment import markdown_filter
from headcat.render.lookup import json_text, key_hash
from headcat.render.outputs import OutputFile

SEARCH_PARTS = ("title", "authors", "identifiers", "topics", "vocabulary", "summary")
"""The parts of a paper's searchable text, in order: bit i of a posting's mask is part i. Their names for a reader
("found in the head types") are the catalog's words (`part_labels`)."""
TITLE = 1 << SEARCH_PARTS.index("title")
TITLE_START = "^"
"""The first word of a pair key for the word a title begins with ("^ retriev"): a paper whose title begins with the
query's first word ranks above others with the query in their title."""
MASK_BITS = 64
"""A posting is 64 * gap + mask: six parts fit below it."""
POSTINGS_PER_FILE = 8192
"""About how many postings a file of the index holds (a word's list is never split): a few tens of KB."""
INDEX_META = f"{urls.LOOKUP_FOLDER}words.json"


@dataclass(frozen=True, slots=True)
class SearchInputs:
    """What the index is made from: every paper (its text is made from the paper, its head types' names and aliases
    and its stages' names), in number order, and the site's language."""

    entries: tuple[CatalogPaper, ...]
    language: str
    part_labels: tuple[str, ...]
    """Each part as a result names where a word was found (SEARCH_PARTS)."""


def search_inputs(catalog: Catalog) -> SearchInputs:
    return SearchInputs(catalog.papers, catalog.config.language.split("-")[0].lower(),
                        part_labels(catalog.taxonomy.words))


def part_labels(words: Words) -> tuple[str, ...]:
    """The parts of SEARCH_PARTS as a reader reads them: 'title', 'head types', 'stages, models and methods'."""
    return ("title", "authors", "identifiers", words.topic.many, f"{words.group.many}, models and methods", "summary")


@dataclass(frozen=True, slots=True)
class SearchRecord:
    """A paper's searchable text: one string per part of SEARCH_PARTS."""

    paper_id: str
    parts: tuple[str, ...]


def search_records(inputs: SearchInputs) -> list[SearchRecord]:
    return [_record(entry) for entry in inputs.entries]


def _record(entry: CatalogPaper) -> SearchRecord:
    paper = entry.paper
    head_words = ", ".join(spelling for label in entry.heads
                           for spelling in (label.head_type.name, *label.head_type.aliases))
    identifiers = [paper.venue or "", paper.arxiv or "", paper.doi or "", entry.id]
    summary = [_plain_text(part) for part in (paper.summary.innovation, paper.summary.tasks, paper.summary.result)]
    studied = [*(label.stage.name for label in entry.stages),
               *dict.fromkeys(spelling for label in entry.models
                              for spelling in (label.model.name, *label.model.aliases, label.family.name)),
               *(spelling for label in entry.methods for spelling in (label.method.name, *label.method.aliases))]
    parts = (paper.title, ", ".join(paper.authors or ()), " ".join(identifiers), head_words, ", ".join(studied),
             " ".join(summary))
    return SearchRecord(entry.id, parts)


def _plain_text(markdown: str) -> str:
    """The words of a summary part, without Markdown punctuation or link addresses."""
    return markdown_filter(markdown).striptags()


# ---- Words ----

_PART_BOUNDARY = re.compile(r"[^0-9A-Za-z\u00c0-\uffff]+|(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])"
                            r"|(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])")
"""Where a word splits into parts: punctuation, and case and digit changes ("OLMo" is OL and Mo, "GPT2" GPT and 2);
site.js splits the same way."""


def normalized(word: str) -> str:
    """A word's letters and digits, lowercase, without accents."""
    if word.isascii():  # most words: the same result, quicker
        return _NOT_ASCII_LETTER_OR_DIGIT.sub("", word.lower())
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(char for char in decomposed.lower() if unicodedata.category(char)[0] in "LN")


def stemmer_for(language: str) -> Callable[[str], str] | None:
    """The stemmer the index applies for the site's language (English only: the script has no other), or None."""
    if language != "en":
        return None
    import snowballstemmer  # here: it loads the stemmers of 30 languages (16 MiB more at start-up)

    return snowballstemmer.stemmer("english").stemWord  # type: ignore[no-any-return]


class WordReader:
    """Reads tokens (pieces of text between spaces) as the index holds them: `keys` gives a token's stems (its whole
    word's first, then its parts'), `whole` its whole word's stem or "" when it has no letter or digit. Tokens and
    words repeat, so each is read and stemmed once."""

    def __init__(self, language: str) -> None:
        self._stemmer = stemmer_for(language)
        self.stems = self._stemmer is not None
        """Whether words are reduced to their stems (English) or kept whole."""
        self._stems: dict[str, str] = {}
        self.keys: dict[str, tuple[str, ...]] = {}
        self.whole: dict[str, str] = {}

    def learn(self, tokens: Iterable[str]) -> None:
        """Read the tokens not read yet."""
        for token in set(tokens).difference(self.keys):
            whole = self._stem(normalized(token))
            parts = {self._stem(part) for piece in _PART_BOUNDARY.split(token) if len(part := normalized(piece)) > 1}
            parts.discard(whole)
            self.whole[token] = whole
            self.keys[token] = ((whole,) if whole else ()) + tuple(sorted(parts))

    def _stem(self, word: str) -> str:
        stem = self._stems.get(word)
        if stem is None:
            # The English rules change only endings of the letters a to z: other words are their own stem.
            stem = self._stemmer(word) if self._stemmer is not None and _ASCII_LETTER.search(word) else word
            self._stems[word] = stem
        return stem


_ASCII_LETTER = re.compile("[a-z]")
_NOT_ASCII_LETTER_OR_DIGIT = re.compile("[^a-z0-9]")


# ---- The index ----

def index_files(inputs: SearchInputs) -> dict[str, bytes]:
    """The index's files, by path: words.json, and each family's files."""
    return index_files_of(search_records(inputs), inputs.language, inputs.part_labels)


Contribution = tuple[dict[str, int], dict[str, int]]
"""What one paper gives the index: each word key and each pair key ("retriev head") it has, with the mask of the
parts it is in."""


def index_files_of(records: list[SearchRecord], language: str,
                   labels: tuple[str, ...] = SEARCH_PARTS) -> dict[str, bytes]:
    reader = WordReader(language)
    words: defaultdict[str, list[int]] = defaultdict(list)
    pairs: defaultdict[str, list[int]] = defaultdict(list)
    for number, record in enumerate(records):
        word_masks, pair_masks = _contribution(record, reader)
        base = number * MASK_BITS
        _append_each(words, word_masks, base)
        _append_each(pairs, pair_masks, base)
    return _files_of({"words": {key: _gaps(values) for key, values in words.items()},
                      "pairs": {key: _gaps(values) for key, values in pairs.items()}}, labels, reader.stems)


def _contribution(record: SearchRecord, reader: WordReader) -> Contribution:
    keys_of, whole_of = reader.keys.__getitem__, reader.whole.__getitem__
    summary_bit = 1 << (len(SEARCH_PARTS) - 1)
    # The summary holds most words: its keys are taken at once, the other parts' added one by one.
    *others, summary = record.parts
    tokens = summary.split()
    reader.learn(tokens)
    word_masks = dict.fromkeys(chain.from_iterable(map(keys_of, tokens)), summary_bit)
    pair_masks = dict.fromkeys(map(" ".join, pairwise(filter(None, map(whole_of, tokens)))), summary_bit)
    for position, text in enumerate(others):
        bit = 1 << position
        tokens = text.split()
        reader.learn(tokens)
        if position == 0 and (first := next(filter(None, map(whole_of, tokens)), None)):
            pair_masks[f"{TITLE_START} {first}"] = TITLE  # what the title begins with
        for key in chain.from_iterable(map(keys_of, tokens)):
            word_masks[key] = word_masks.get(key, 0) | bit
        for pair in map(" ".join, pairwise(filter(None, map(whole_of, tokens)))):
            pair_masks[pair] = pair_masks.get(pair, 0) | bit
    return word_masks, pair_masks


def _files_of(families: dict[str, dict[str, list[int]]], labels: tuple[str, ...], stems: bool) -> dict[str, bytes]:
    """The files of an index whose families ('words', 'pairs') hold these keys, each with its postings' gaps."""
    files: dict[str, bytes] = {}
    counts = {}
    for family, postings in families.items():
        counts[family] = count = file_count(sum(map(len, postings.values())), POSTINGS_PER_FILE)
        split: list[dict[str, list[int]]] = [{} for _ in range(count)]
        for key, gaps in postings.items():
            split[key_hash(key) % count][key] = gaps
        for number, content in enumerate(split):
            files[f"{urls.LOOKUP_FOLDER}{family}-{number}.json"] = json_text(content).encode("utf-8")
    files[INDEX_META] = json_text(_meta(counts, labels, stems)).encode("utf-8")
    return files


def _meta(counts: dict[str, int], labels: tuple[str, ...], stems: bool) -> dict[str, object]:
    """words.json: how many files each family is split in, the parts and their labels, and the stemmer."""
    return {"files": counts, "parts": SEARCH_PARTS, "labels": labels, "stemmer": "english" if stems else None}


def updated_index_files(previous: Mapping[str, bytes], renumbered: Sequence[int | None],
                        added: Mapping[int, SearchRecord], language: str,
                        labels: tuple[str, ...] = SEARCH_PARTS) -> dict[str, bytes] | None:
    """The files `index_files_of` would make from this build's records, made from `previous`, the files it made
    from the previous build's: `renumbered` gives each previous paper's number in this build (by its previous
    number), or None for a paper gone or changed; `added` gives the record of each paper, by number, that is new
    or changed. The papers kept must keep their order (the catalog's order is the papers' own), and the numbers
    must be those of every paper in this build. None when `previous` is not an index of this kind (another
    language or parts, a file missing or not as the index writes it) or the numbers are not as said: the caller
    makes the index afresh."""
    reader = WordReader(language)
    kept = [new for new in renumbered if new is not None]
    paper_count = len(kept) + len(added)
    if any(later <= earlier for earlier, later in pairwise(kept)) or {*kept, *added} != set(range(paper_count)):
        return None
    try:
        meta = json.loads(previous[INDEX_META])
        if meta != json.loads(json_text(_meta(meta["files"], labels, reader.stems))):
            return None
        families = {family: _read_family(previous, family, meta["files"][family]) for family in ("words", "pairs")}
    except (KeyError, TypeError, ValueError):
        return None
    gone = [old for old, new in enumerate(renumbered) if new is None]
    shifts = _shift_changes(renumbered)
    limit = len(renumbered) * MASK_BITS
    numbers = sorted(added)
    contributions = [_contribution(added[number], reader) for number in numbers]
    for place, family in enumerate(("words", "pairs")):
        postings = families[family]
        new_postings: defaultdict[str, list[int]] = defaultdict(list)
        for number, contribution in zip(numbers, contributions, strict=True):
            _append_each(new_postings, contribution[place], number * MASK_BITS)
        try:
            for key, gaps in list(postings.items()):
                starts = list(accumulate(map(and_, gaps, repeat(-MASK_BITS))))  # 64 * each posting's paper
                if not starts or starts[0] < 0 or starts[-1] >= limit or min(gaps[1:], default=MASK_BITS) < MASK_BITS:
                    return None  # not a list the index writes: numbers ascending, each once, all of old papers
                inserted = new_postings.pop(key, None)
                if inserted or shifts or _has_any(starts, gone):
                    gaps = _renumbered(gaps, starts, gone, shifts, inserted or [])
                    if gaps:
                        postings[key] = gaps
                    else:
                        del postings[key]
        except TypeError:  # a gap that is not a number
            return None
        postings.update((key, _gaps(values)) for key, values in new_postings.items())
    return _files_of(families, labels, reader.stems)


def _shift_changes(renumbered: Sequence[int | None]) -> list[tuple[int, int]]:
    """Where the papers kept move by another step than the kept paper before them (the first, by another than 0):
    (64 * previous number, 64 * the change) for each such paper. A paper added or gone before a paper kept moves it
    and every kept paper after it alike, so there are few of these."""
    changes, step = [], 0
    for old, new in enumerate(renumbered):
        if new is not None and new - old != step:
            changes.append((old * MASK_BITS, (new - old - step) * MASK_BITS))
            step = new - old
    return changes


def _renumbered(gaps: list[int], starts: list[int], gone: list[int], shifts: list[tuple[int, int]],
                inserted: list[int]) -> list[int]:
    """A list's gaps with the postings of the papers `gone` taken out, the papers kept at their new numbers, and the
    `inserted` postings (64 * new number + mask) put in, worked on the gaps (`starts`: 64 * each posting's previous
    number): a gap changes only next to a posting taken out or put in, and at the first posting at or after a paper
    that moved by another step than the paper before it, by the change of step. Python touches only those places;
    copying the list is done in C."""
    gaps, starts = gaps.copy(), starts.copy()
    for number in reversed(gone):
        place = _place_of(starts, number)
        if place is not None:
            if place + 1 < len(gaps):
                gaps[place + 1] += gaps[place] & -MASK_BITS  # the next posting's distance from the one before
            del gaps[place], starts[place]
    for start, change in shifts:
        place = bisect_left(starts, start)
        if place == len(starts):
            break
        gaps[place] += change
    if inserted:
        placed = list(accumulate(map(and_, gaps, repeat(-MASK_BITS))))  # 64 * each posting's new number
        for value in reversed(inserted):  # the highest first: the places before it stay as `placed` says
            start = value & -MASK_BITS
            place = bisect_left(placed, start)
            before = placed[place - 1] if place else 0
            if place < len(gaps):
                gaps[place] -= start - before
            gaps.insert(place, value - before)
    return gaps


def _read_family(files: Mapping[str, bytes], family: str, count: int) -> dict[str, list[int]]:
    postings: dict[str, list[int]] = {}
    for number in range(count):
        content = json.loads(files[f"{urls.LOOKUP_FOLDER}{family}-{number}.json"])
        if not isinstance(content, dict) or not all(isinstance(gaps, list) for gaps in content.values()):
            raise ValueError(f"{family}-{number}.json is not a file of the index")
        postings.update(content)
    return postings


def _has_any(starts: list[int], numbers: list[int]) -> bool:
    """Whether a list whose postings are of the papers at `starts` (64 * number, ascending) has one of `numbers`."""
    return any(_place_of(starts, number) is not None for number in numbers)


def _place_of(starts: list[int], number: int) -> int | None:
    """Where paper `number`'s posting is in a list whose postings are of the papers at `starts` (64 * number,
    ascending); None when the list does not have it."""
    place = bisect_left(starts, number * MASK_BITS)
    return place if place < len(starts) and starts[place] == number * MASK_BITS else None


def _append_each(postings: defaultdict[str, list[int]], masks: dict[str, int], base: int) -> None:
    """postings[key].append(base | mask) for each key and mask, without a Python loop (a tenth of a second a
    10,000 papers)."""
    deque(map(list.append, map(postings.__getitem__, masks), map(base.__or__, masks.values())), 0)


def _gaps(values: list[int]) -> list[int]:
    """Postings (64 * number + mask, ascending) as the files write them: 64 * (distance from the number before) +
    mask."""
    return list(map(sub, values, map(and_, chain((0,), values), repeat(-MASK_BITS))))  # in C: no loop in Python


def postings_of(files: dict[str, bytes], key: str, family: str = "words") -> dict[int, int]:
    """What the index holds for a key, as {paper number: mask} (for tests and tools: the script reads it alike)."""
    meta = json.loads(files[INDEX_META])
    content = json.loads(files[f"{urls.LOOKUP_FOLDER}{family}-{key_hash(key) % meta['files'][family]}.json"])
    found, number = {}, 0
    for value in content.get(key, ()):
        number += value // MASK_BITS
        found[number] = value % MASK_BITS
    return found


# ---- Made beside the build ----

UPDATE_MAX = 64
"""Up to this many papers new, changed or gone, the index is made from the previous build's (`updated_index_files`:
about a third of the time at 10,000 papers); beyond, afresh."""


@dataclass(frozen=True)
class EarlierIndex:
    """The index a previous build published: its key, and each paper's fingerprint by number (the build cache keeps
    them; the files are found in that build's output folder by its manifest, under the key)."""

    key: str
    papers: tuple[str, ...]

    def to_data(self) -> dict[str, object]:
        return {"key": self.key, "papers": list(self.papers)}

    @classmethod
    def from_data(cls, data: object) -> EarlierIndex | None:
        """The index `to_data` gave, or None for anything else (a cache of another headcat, or damaged)."""
        if not isinstance(data, dict):
            return None
        key, papers = data.get("key"), data.get("papers")
        if not isinstance(key, str) or not isinstance(papers, list) or not all(isinstance(p, str) for p in papers):
            return None
        return cls(key, tuple(papers))


class SearchIndexing:
    """The index being made in a child process while the rest of the build runs. Given the previous build's
    manifest, an index made from the same inputs (`key`: the fingerprint of `inputs` and of the functions that read
    them) is kept, and nothing is made. When it holds the files of the `earlier` index, and few papers differ (by
    their fingerprints, `papers`), the index is made from those files. `files` gives the result; `close` stops the
    child when the build ends without it."""

    def __init__(self, inputs: SearchInputs, key: str, papers: tuple[str, ...],
                 previous: OutputManifest | None = None, earlier: EarlierIndex | None = None) -> None:
        self.inputs = inputs
        self._keep_record = None if earlier is not None and earlier.key == key else EarlierIndex(key, papers).to_data()
        self._key = "search:" + key
        kept = previous.current_files_of(self._key) if previous is not None else None
        self._kept = tuple(kept or ())
        if self._kept:
            self._pending: Pending[dict[str, bytes]] | None = None
            return
        update = _update(inputs, papers, previous, earlier) if previous is not None and earlier is not None else None
        if update is not None:
            self._pending = beside(update)
            return
        # The records are made here, before the build forks helpers: their summaries' HTML (cached by
        # markdown_filter) is then already made for the pages that show it, in this process and in the helpers.
        records = search_records(inputs)
        self._pending = beside(lambda: index_files_of(records, inputs.language, inputs.part_labels))

    def files(self) -> tuple[OutputFile, ...] | tuple[str, ...]:
        """The index's files once made; or the paths of the previous build's, when made from the same inputs."""
        if self._pending is None:
            return self._kept
        made = self._pending.result()
        return tuple(OutputFile(path, content, self._key) for path, content in sorted(made.items()))

    def record(self) -> dict[str, object] | None:
        """What a later build needs to make its index from this one's (EarlierIndex, as JSON data); None when the
        build cache holds it already."""
        return self._keep_record

    def close(self) -> None:
        if self._pending is not None:
            self._pending.cancel()


def _update(inputs: SearchInputs, papers: tuple[str, ...], previous: OutputManifest,
            earlier: EarlierIndex) -> Callable[[], dict[str, bytes]] | None:
    """What makes this build's index from the earlier one's files (read in the child process), when the previous
    build's output folder holds them as it wrote them and few papers differ; it makes the index afresh if the files
    are not what they should be."""
    paths = previous.current_files_of("search:" + earlier.key)
    if paths is None:
        return None
    number_of = {paper: number for number, paper in enumerate(papers)}
    renumbered = [number_of.get(paper) for paper in earlier.papers]
    staying = set(renumbered)
    added_numbers = [number for number in range(len(papers)) if number not in staying]
    if len(added_numbers) + renumbered.count(None) > UPDATE_MAX:
        return None
    added = {number: _record(inputs.entries[number]) for number in added_numbers}
    folder = previous.out_dir

    def update() -> dict[str, bytes]:
        try:
            files = {path: (folder / path).read_bytes() for path in paths}
        except OSError:
            files = {}
        made = updated_index_files(files, renumbered, added, inputs.language, inputs.part_labels)
        return made if made is not None else index_files(inputs)

    return update
