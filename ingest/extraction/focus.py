"""The programme a document is about, so that "the pilots", "pilot areas" and "the scheme"
have something to refer to when no sentence names it."""

from __future__ import annotations

from collections import Counter

# How much more a name in the headline (the document's first lines) counts than one mention.
_HEADLINE_WEIGHT = 3
_HEADLINE_LINES = 2


def document_focus(found: list, schemes: set[str]) -> str | None:
    """The programme named most in the document, a name in the headline counting more;
    rating schemes are left out (a document about a rating names councils as rated, not as
    taking part). Ties go to the one named first."""
    score: Counter[str] = Counter()
    first: dict[str, int] = {}
    for mention in found:
        ref = mention.ref
        if not ref or not ref.startswith("programme/") or ref in schemes:
            continue
        score[ref] += _HEADLINE_WEIGHT if mention.line < _HEADLINE_LINES else 1
        first.setdefault(ref, mention.start)
    if not score:
        return None
    return max(score, key=lambda ref: (score[ref], -first[ref]))
