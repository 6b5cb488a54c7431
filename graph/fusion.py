"""Fusing ranked lists of passages into one ranking: weighted reciprocal-rank fusion.

Each ranking names passages best first; a passage earns weight / (RRF_K + rank) from every
ranking it appears in. Ranks rather than scores, because the rankings' scores (cosines,
bm25, counts of entities) are on scales that do not compare and shift from one corpus to
another.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

# A small k lets the first few places of each ranking count for much more than the tail:
# chosen on the development questions (k 5-20 tie; 60, the usual default, was worse).
RRF_K = 10
# Weights of the rankings, chosen on the development questions and checked on the seeds'.
# dense: the passage's sentences by meaning (their soft maximum); keyword: FTS5 bm25;
# entities: passages that mention an entity the question names.
FUSION_WEIGHTS: Mapping[str, float] = {"dense": 1.0, "keyword": 0.7, "entities": 0.2}


def rrf(
    rankings: Mapping[str, Sequence[str]],
    *,
    weights: Mapping[str, float] = FUSION_WEIGHTS,
    k: int = RRF_K,
) -> list[tuple[str, float]]:
    """Weighted reciprocal-rank fusion of named rankings of keys, best first (ties by key)."""
    fused: dict[str, float] = defaultdict(float)
    for name, ranking in rankings.items():
        weight = weights.get(name, 1.0)
        for rank, key in enumerate(ranking):
            fused[key] += weight / (k + rank + 1)
    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))


def entity_ranking(
    counts: Mapping[str, int], order: Sequence[tuple[str, float]], limit: int
) -> list[str]:
    """The ranking of entity evidence: passages by how many of the question's entities they
    name (`counts`), most first, then in the order of the other rankings fused (`order`),
    then by key; the first `limit`."""
    place = {key: n for n, (key, _) in enumerate(order)}
    keys = sorted(counts, key=lambda key: (-counts[key], place.get(key, len(place)), key))
    return keys[:limit]
