"""Coarse parts of speech from the tagger's fine tags, without the dependency parser.

The English model maps its fine tags (``NN``, ``VBZ``, ``WDT``) to coarse parts of speech
(``NOUN``, ``AUX``, ``PRON``) with an ``attribute_ruler``: a Matcher over about 180 patterns,
a few of which read the parser's dependency labels. Extraction runs without the parser, so
this component takes the ruler's own tag and word tables and stands in for the patterns
that need the parse with two local rules: a determiner that no noun follows stands for one
("the programme, which is led by ..."), and a form of *have* or *do* before a participle or
a bare verb is an auxiliary. It is a dictionary look-up per token, several times faster
than the ruler.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import numpy
from spacy.attrs import LOWER, POS, TAG
from spacy.language import Language
from spacy.tokens import Doc

FACTORY = "civicgraph_pos"
_NOUN_TAGS = frozenset({"NN", "NNS", "NNP", "NNPS", "JJ", "JJR", "JJS", "CD", "VBG"})
_AUXILIARY_FORMS = frozenset({"have", "has", "had", "having", "do", "does", "did", "'ve", "'d"})
_VERB_FORMS = frozenset({"VBN", "VB", "VBD"})
_ARTICLES = frozenset({"the", "a", "an", "every", "no"})  # never stand alone
_SKIPPED = frozenset({"RB", "RBR", "RBS", "PDT"})  # "has also been", "has not"


def tables_from_ruler(patterns: Iterable[dict[str, Any]]) -> tuple[dict[str, str], dict[str, str]]:
    """(tag -> POS, "word|tag" -> POS) from an attribute_ruler's patterns that set POS from
    one token's tag and lower-case form; patterns that need more (a parse, a regex, two
    tokens) are left to :class:`PartsOfSpeech`'s own rules."""
    by_tag: dict[str, str] = {}
    by_word: dict[str, str] = {}
    for entry in patterns:
        pos = entry.get("attrs", {}).get("POS")
        if not pos:
            continue
        for pattern in entry["patterns"]:
            if len(pattern) != 1 or not set(pattern[0]) <= {"TAG", "LOWER"}:
                continue
            token = pattern[0]
            tags = _choices(token.get("TAG"))
            words = _choices(token.get("LOWER"))
            if tags is None or (words is None and "LOWER" in token):
                continue
            for tag in tags:
                if words is None:
                    by_tag[tag] = pos
                else:
                    by_word.update({f"{word}|{tag}": pos for word in words})
    return by_tag, by_word


def _choices(value: Any) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict) and set(value) == {"IN"}:
        return [str(v) for v in value["IN"]]
    return None


class PartsOfSpeech:
    """Sets ``Token.pos_`` from ``Token.tag_`` (see the module docstring)."""

    def __init__(self, by_tag: dict[str, str], by_word: dict[str, str]) -> None:
        """``by_tag`` and ``by_word`` as :func:`tables_from_ruler` makes them."""
        self.by_tag = by_tag
        self.by_word = by_word

    def __call__(self, doc: Doc) -> Doc:
        """Set the coarse part of speech of every token of ``doc``."""
        if not len(doc):
            return doc
        strings = doc.vocab.strings
        # arrays of string ids: no Token objects, which cost more than the look-ups
        rows = doc.to_array([TAG, LOWER]).tolist()
        tags = [strings[tag] for tag, _ in rows]
        lowers = [strings[lower] for _, lower in rows]
        n = len(rows)
        pos_ids = []
        for i in range(n):
            tag, lower = tags[i], lowers[i]
            pos = self.by_word.get(f"{lower}|{tag}") or self.by_tag.get(tag, "X")
            if (
                tag in ("DT", "WDT")
                and lower not in _ARTICLES
                and (i + 1 >= n or tags[i + 1] not in _NOUN_TAGS)
            ):
                pos = "PRON"
            elif lower in _AUXILIARY_FORMS and tag.startswith("VB"):
                j = i + 1
                while j < n and tags[j] in _SKIPPED:
                    j += 1
                if j < n and tags[j] in _VERB_FORMS:
                    pos = "AUX"
            pos_ids.append(strings.add(pos))
        doc.from_array([POS], numpy.array(pos_ids, dtype="uint64").reshape(-1, 1))
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterator[Doc]:
        """Like :meth:`__call__`, over a stream of docs."""
        for doc in docs:
            yield self(doc)


@Language.factory(FACTORY, default_config={"by_tag": {}, "by_word": {}})
def make_parts_of_speech(
    nlp: Language, name: str, by_tag: dict[str, str], by_word: dict[str, str]
) -> PartsOfSpeech:
    """The spaCy factory for :class:`PartsOfSpeech`."""
    return PartsOfSpeech(by_tag, by_word)
