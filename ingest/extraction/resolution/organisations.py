"""Resolving councils and bodies: the gazetteer, abbreviations and names the text defines."""

from __future__ import annotations

from graph.model import EntityKind
from graph.vocab import slugify
from ingest.extraction.resolution.entities import (
    ResolverState,
    clean_label,
)
from ingest.extraction.tokens import abbreviation_fits
from ingest.gazetteer import normalise_name


class OrganisationNames(ResolverState):
    """Councils and bodies by name."""

    def organisation(
        self, text: str, abbreviation: bool = False, alias: str | None = None
    ) -> str | None:
        """The council or body a gazetteer name names, preferring one the document knows."""
        exact = self.abbreviations.get(text)
        if exact:
            self._add_alias(exact, alias or text)
            return exact
        entries = self.gazetteer.lookup(text, on=self.date)
        if not entries:
            return None
        chosen = entries[0]
        if chosen.ref not in self.entities:
            known = [e for e in entries[1:4] if e.ref in self.entities]
            if known and (abbreviation or not (self.date and chosen.in_office(self.date))):
                chosen = known[0]
        return self._from_entry(chosen, clean_label(alias or text))

    def knows_entry(self, text: str) -> bool:
        """Whether the document has already named a council this bare name could be."""
        return any(e.ref in self.entities for e in self.gazetteer.lookup(text, on=self.date)[:3])

    def body(self, text: str) -> str:
        """A body outside the gazetteer, keyed by its normalised name with a final
        abbreviation spelt out ("Coventry and Warwickshire LEP" is "... Local Enterprise
        Partnership")."""
        written = clean_label(text)
        words = written.split()
        expansion = self.rules.head_abbreviations.get(words[-1]) if len(words) > 1 else None
        label = " ".join([*words[:-1], expansion]) if expansion else written
        norm = normalise_name(label)
        ref = self.names.get(norm)
        if ref and ref.startswith("body/"):
            self._add_alias(ref, written)
            return ref
        ref = self._add(EntityKind.BODY, slugify(norm), label, written)
        self.names[norm] = ref
        self.names.setdefault(normalise_name(written), ref)
        return ref

    def acronym(self, abbreviation: str) -> str | None:
        """The one body or programme the document has named whose capitals spell an
        abbreviation it never defined ("the SSI" after "the Social Services Inspectorate")."""
        fits = [
            ref
            for ref, building in self.entities.items()
            if building.kind in (EntityKind.BODY, EntityKind.PROGRAMME)
            and len(building.label.split()) >= 2
            and abbreviation_fits(abbreviation, building.label)
        ]
        if len(fits) != 1:
            return None
        self.define_abbreviation(abbreviation, fits[0])
        self._add_alias(fits[0], abbreviation)
        return fits[0]

    def define_abbreviation(self, abbreviation: str, ref: str) -> None:
        """Record "Full Name (ABBR)" so that later "ABBR" resolves to the same entity."""
        self.abbreviations.setdefault(abbreviation, ref)
        self._add_alias(ref, abbreviation)
