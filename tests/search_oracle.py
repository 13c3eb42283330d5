"""What a search must answer, worked out apart from the index: which papers contain a word, as the index reads words.

The index reads a record's text and metadata word by word (split at spaces): a word counts by its letters and
digits, lowercase and without accents, reduced to its stem by the Snowball English stemmer; a word
made of parts ("long-context", "DuoAttention", "OLMo", "GPT-2") also counts by each part of two or more characters. A
query word matches a word with the same stem. `contains` takes the parts too (a result must at least contain its
words so); `contains_whole` takes only whole words (a paper that contains them so must be found).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import snowballstemmer

_STEMMER = snowballstemmer.stemmer("english")
_PART_BOUNDARY = re.compile(r"[^0-9A-Za-z\u00c0-\uffff]+|(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])"
                            r"|(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])")
"""Where a word splits into parts: punctuation, and case and digit changes ("OLMo" is OL and Mo, "GPT2" GPT and 2)."""


def normalized(word: str) -> str:
    """A word's letters and digits, lowercase, without accents."""
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(char for char in decomposed.lower() if unicodedata.category(char)[0] in "LN")


@cache
def stem(word: str) -> str:
    return _STEMMER.stemWord(word)


@dataclass(frozen=True)
class IndexedText:
    """The stems of a record's words: whole, and with the parts of compound words."""

    whole: frozenset[str]
    parts: frozenset[str]

    @classmethod
    def of(cls, texts: Iterable[str]) -> IndexedText:
        whole, parts = set(), set()
        for text in texts:
            for token in text.split():
                if word := normalized(token):
                    whole.add(stem(word))
                for part in _PART_BOUNDARY.split(token):
                    if len(part := normalized(part)) > 1:
                        parts.add(stem(part))
        return cls(frozenset(whole), frozenset(whole | parts))

    def contains(self, query: str) -> bool:
        return all(stem(word) in self.parts for word in query_words(query))

    def contains_whole(self, query: str) -> bool:
        return all(stem(word) in self.whole for word in query_words(query))


def query_words(query: str) -> list[str]:
    return [word for token in query.split() if (word := normalized(token))]
