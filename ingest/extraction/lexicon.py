"""Phrase look-ups over the lower-cased words of a sentence."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

# spaCy splits "zero-star" into "zero", "-", "star": phrases are split the same way
_HYPHEN = re.compile(r"(?<=[a-z])-(?=[a-z])")


def phrase_words(phrase: str) -> tuple[str, ...]:
    """A phrase as the lower-cased tokens spaCy makes of it."""
    return tuple(_HYPHEN.sub(" - ", phrase.lower()).split())


class Phrases:
    """A set of phrases (one or more words each), matched on consecutive lower-cased tokens."""

    def __init__(self, phrases: Iterable[str]) -> None:
        self._by_first: dict[str, list[tuple[str, ...]]] = {}
        for phrase in phrases:
            words = phrase_words(phrase)
            if words:
                self._by_first.setdefault(words[0], []).append(words)
        for options in self._by_first.values():
            options.sort(key=len, reverse=True)

    def at(self, words: Sequence[str], i: int) -> int:
        """The length of the longest phrase that starts at ``words[i]``, or 0."""
        for phrase in self._by_first.get(words[i], ()):
            if tuple(words[i : i + len(phrase)]) == phrase:
                return len(phrase)
        return 0

    def find(self, words: Sequence[str], positions: Iterable[int]) -> list[tuple[int, int]]:
        """Every (start, end) where a phrase starts at one of ``positions``."""
        found = []
        for i in positions:
            n = self.at(words, i)
            if n:
                found.append((i, i + n))
        return found

    def any(self, words: Sequence[str], positions: Iterable[int]) -> bool:
        """Whether a phrase starts at any of ``positions``."""
        return any(self.at(words, i) for i in positions)
