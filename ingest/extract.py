"""Extraction: mentions of councils, bodies, people, programmes and themes, and the claims
between them, resolved to canonical entities. (Placeholder until the extractor lands.)"""

from __future__ import annotations

from collections.abc import Callable

from graph.model import Document, Extraction, Passage


def load_extractor() -> Callable[[Document, list[Passage]], Extraction]:
    """The extraction stage: (document, passages) -> Extraction."""

    def extract(document: Document, passages: list[Passage]) -> Extraction:
        return Extraction()

    return extract
