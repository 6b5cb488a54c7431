"""Hybrid passage ranking: dense vectors and BM25 keywords fused by reciprocal rank."""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

import numpy as np

RRF_K = 60

_STOPWORDS = frozenset(
    """
    a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for
    from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself no nor not of off on once only or
    other our ours ourselves out over own same she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up
    very was we were what when where which while who whom why will with would you your yours
    yourself yourselves also may might must shall said says
    """.split()  # noqa: SIM905
)


def tokenize(text: str) -> list[str]:
    """Lowercase word stems for keyword matching, without stopwords."""
    tokens = []
    for word in re.findall(r"[a-z0-9]+(?:'[a-z]+)?", text.lower().replace("’", "'")):
        word = word.removesuffix("'s")
        if word in _STOPWORDS or len(word) < 2:
            continue
        tokens.append(_stem(word))
    return tokens


def _stem(word: str) -> str:
    # A light suffix stripper: enough to match "admissions"/"admission", "councils"/"council".
    for suffix, repl in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            return word[: -len(suffix)] + repl
    return word


class BM25:
    """Okapi BM25 over a list of texts, with an inverted index for fast scoring."""

    def __init__(self, texts: Sequence[str], *, k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.n = len(texts)
        postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        lengths = np.zeros(self.n, dtype=np.float32)
        for i, text in enumerate(texts):
            counts = Counter(tokenize(text))
            lengths[i] = sum(counts.values())
            for term, tf in counts.items():
                postings[term].append((i, tf))
        self.avgdl = float(lengths.mean()) if self.n else 0.0
        self._norm = k1 * (1 - b + b * lengths / (self.avgdl or 1.0))
        self._postings = {
            term: (
                np.array([d for d, _ in p], dtype=np.int32),
                np.array([t for _, t in p], dtype=np.float32),
            )
            for term, p in postings.items()
        }

    def scores(self, query: str) -> np.ndarray:
        """A BM25 score for every text."""
        out = np.zeros(self.n, dtype=np.float32)
        for term in set(tokenize(query)):
            if term not in self._postings:
                continue
            docs, tfs = self._postings[term]
            idf = math.log(1 + (self.n - len(docs) + 0.5) / (len(docs) + 0.5))
            out[docs] += idf * tfs * (self.k1 + 1) / (tfs + self._norm[docs])
        return out

    def top(self, query: str, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The k best texts by BM25 (indexes and scores), only those with a match."""
        scores = self.scores(query)
        if allowed is not None:
            scores = np.where(allowed, scores, 0.0)
        k = min(k, int(np.count_nonzero(scores)))
        if k <= 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [(int(i), float(scores[i])) for i in top]


def rrf(
    rankings: Iterable[Sequence[str]], *, k: int = RRF_K, weights: Sequence[float] | None = None
) -> list[tuple[str, float]]:
    """Reciprocal-rank fusion of several ranked lists of keys, best first."""
    fused: dict[str, float] = defaultdict(float)
    for n, ranking in enumerate(rankings):
        weight = 1.0 if weights is None else weights[n]
        for rank, key in enumerate(ranking):
            fused[key] += weight / (k + rank + 1)
    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))
