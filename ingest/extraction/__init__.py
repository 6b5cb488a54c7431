"""Extraction: mentions of councils, bodies, people, programmes and themes, and the claims
between them, resolved to canonical entities.

Components by kind, over plain containers (``state.py``): scanners find each kind's
candidates in a line (``councils``, ``people``, ``bodies``, ``programmes``, ``anaphors``,
``themes``), ``resolution/`` resolves them, and the claim components read each kind of
statement (``posts``, ``lists``, ``agents``, ``parts``, ``tables``, ``themes``, token
``patterns``). ``extractor.Extractor`` runs them in passes.
"""

from ingest.extraction.extractor import EXTRACTOR_NAME, Extractor, load_extractor

__all__ = ["EXTRACTOR_NAME", "Extractor", "load_extractor"]
