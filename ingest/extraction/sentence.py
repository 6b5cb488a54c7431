"""Helpers over a line whose mentions are merged into single tokens (``LineContext``)."""

from __future__ import annotations

from spacy.tokens import Doc

from graph.model import Claim, Predicate
from ingest.extraction.labels import ORG_LABELS
from ingest.extraction.patterns import LineContext

# Words that join the organisations of one list ("with" joins a partner, not a co-agent).
_JOINERS = frozenset({",", "and", "&", "the", "as", "well", "both"})


def ref_at(line: LineContext, i: int) -> str | None:
    """The entity a merged token names, if any."""
    return getattr(line.token_found.get(i), "ref", None)


def is_mention(line: LineContext, i: int, labels: tuple[str, ...]) -> bool:
    """Whether token ``i`` is a resolved mention with one of ``labels``."""
    return (
        0 <= i < len(line.doc) and line.doc[i].ent_type_ in labels and ref_at(line, i) is not None
    )


def org_run(line: LineContext, i: int, end: int) -> list[int]:
    """The organisations listed from token ``i`` on: "NHS England and the LGA", "A, B and C"."""
    doc = line.doc
    run = [i]
    j = i + 1
    while j < end:
        k = j
        while k < end and doc[k].lower_ in _JOINERS and k - j < 3:
            k += 1
        if k > j and is_mention(line, k, ORG_LABELS):
            run.append(k)
            j = k + 1
            continue
        break
    return run


def partners_after(line: LineContext, k: int, end: int) -> list[int]:
    """The organisations "with" adds at token ``k`` to those that run something: "led by the
    inspectorate with the Audit Commission and the police inspectorate"."""
    doc = line.doc
    if not (k < end and doc[k].lower_ == "with"):
        return []
    j = k + 2 if k + 1 < end and doc[k + 1].lower_ == "the" else k + 1
    return org_run(line, j, end) if is_mention(line, j, ORG_LABELS) else []


def org_run_before(line: LineContext, i: int, start: int) -> list[int]:
    """The organisations listed up to token ``i``: "A, B and C" read from C leftwards."""
    doc = line.doc
    run = [i]
    j = i - 1
    while j >= start:
        k = j
        while k >= start and doc[k].lower_ in _JOINERS and j - k < 3:
            k -= 1
        if k < j and is_mention(line, k, ORG_LABELS):
            run.insert(0, k)
            j = k - 1
            continue
        break
    return run


def quote_claim(
    line: LineContext,
    text: str,
    first: int,
    last: int,
    subject: str,
    predicate: Predicate,
    obj: str,
    extractor: str,
    confidence: float = 0.7,
) -> Claim:
    """A claim quoting the merged tokens ``first``..``last`` of a line."""
    doc: Doc = line.doc
    start = line.start + doc[first].idx
    end = line.start + doc[last].idx + len(doc[last].text)
    return Claim(
        subject=subject,
        predicate=predicate,
        object=obj,
        passage_key=line.passage_key,
        start=start,
        end=end,
        quote=text[start:end],
        extractor=extractor,
        confidence=confidence,
    )


def subject_before(resolver, start: int, accept) -> str | None:
    """What "its" points to: the first entity ``accept`` takes in the sentence before
    ``start`` (the sentence's subject), else the last one named before."""
    text = resolver.document.text
    sentence_start = max(text.rfind(". ", 0, start), text.rfind("\n", 0, start)) + 1
    previous = max(
        text.rfind(". ", 0, max(sentence_start - 1, 0)),
        text.rfind("\n", 0, max(sentence_start - 1, 0)),
    )
    candidates = [
        f for f in resolver.found if f.ref and previous < f.start < start and accept(f.ref)
    ]
    if candidates:
        return min(candidates, key=lambda f: f.start).ref
    for earlier in resolver.before(start):
        if accept(earlier.ref):
            return earlier.ref
    return None
