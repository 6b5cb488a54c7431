"""Councils referred to as a group: "the three councils", "both authorities", "all four
boroughs" stand for the councils of the last list of that many the document named."""

from __future__ import annotations

import re

from spacy.tokens import Doc

_COUNTS = {
    "two": 2,
    "both": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}
_GROUP_NOUNS = frozenset({"councils", "authorities", "boroughs", "districts", "counties"})
# What may stand between the councils of one list: "A, B and C", "A & B", "A, and the B".
_BETWEEN = re.compile(r"(?:\s|,|;|&|\band\b|\bthe\b)*")


def group_size(doc: Doc, end: int) -> tuple[int, int] | None:
    """For words that end at token ``end`` (exclusive) and name a group of councils, the
    group's size and the token the words start at: "the three councils" -> (3, start)."""
    noun = end - 1
    if noun < 1 or doc[noun].lower_ not in _GROUP_NOUNS:
        return None
    k = noun - 1
    if doc[k].lower_ in ("local", "partner", "participating", "pilot"):
        k -= 1  # "the three local authorities"
    if k < 0:
        return None
    word = doc[k].lower_
    size = _COUNTS.get(word) or (int(word) if word.isdigit() else None)
    if size is None or size < 2:
        return None
    if word != "both" and not (k > 0 and doc[k - 1].lower_ in ("the", "all")):
        return None
    start = k - 1 if word != "both" else k
    return size, start


def listed_councils(resolver, offset: int, size: int) -> list[str]:
    """The councils of the nearest list before ``offset`` that names exactly ``size`` of
    them one after another, or none."""
    text = resolver.document.text
    run: list[str] = []
    previous = None
    for found in resolver.before(offset):
        if not found.ref.startswith("council/"):
            continue
        if previous is not None and not _BETWEEN.fullmatch(text[found.end : previous.start]):
            if len(run) == size:
                return run
            run = []
        if found.ref not in run:
            run.insert(0, found.ref)
        previous = found
    return run if len(run) == size else []
