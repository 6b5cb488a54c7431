"""Resolution: one entity per real thing, with stable keys, from the mentions of one document.

* Councils and bodies resolve through the gazetteer; where several councils bear a name, the
  one in office at the document's date wins, and otherwise one the document already names.
  Abbreviations the text defines ("the County Councils Network (CCN)") resolve to their name.
* People are keyed by their full name without title ("sir-roland-heskett" is not a key;
  "roland-heskett" is); surname-only and title-only references ("says Hartley", "Cllr
  Rowntree") resolve to the one full name in the document with that surname.
* "the council" resolves to the council in focus only when exactly one council is named in
  the passage, else in the section, else in the document so far; "the fund" to the last fund
  named; "its members" to the last body named in the passage.
* Programmes and themes are keyed by the slug of their normalised label; a theme that matches
  a concept of ``rules/themes.yaml`` takes that concept's key and label.

Keys depend only on names, so IRIs are the same on every ingest and across documents.
"""

from __future__ import annotations

from ingest.extraction.resolution.entities import (
    Found,
    clean_label,
    concept_index,
    content_words,
    estimate_date,
    theme_label,
)
from ingest.extraction.resolution.focus import Focus
from ingest.extraction.resolution.organisations import OrganisationNames
from ingest.extraction.resolution.people import PeopleNames
from ingest.extraction.resolution.programmes import ProgrammeNames


class Resolver(OrganisationNames, PeopleNames, ProgrammeNames, Focus):
    """The entities of one document, and the state that resolves its references: one mixin
    a kind, over the state of :class:`ResolverState`."""


__all__ = [
    "Found",
    "Resolver",
    "clean_label",
    "concept_index",
    "content_words",
    "estimate_date",
    "theme_label",
]
