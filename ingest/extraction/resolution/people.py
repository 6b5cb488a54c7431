"""Resolving people: full names, titles and surname-only references."""

from __future__ import annotations

from graph.model import EntityKind
from graph.vocab import slugify
from ingest.extraction.resolution.entities import (
    ResolverState,
)
from ingest.gazetteer import normalise_name


class PeopleNames(ResolverState):
    """People by name."""

    def register_person(self, name: str, title: str = "") -> str:
        """A person by full name; the title is kept as data, not in the key or label."""
        label = " ".join(name.split())
        norm = normalise_name(label)
        ref = self.people.get(norm)
        if ref is None:
            identifiers = {"title": title} if title else {}
            ref = self._add(EntityKind.PERSON, slugify(label), label, None, identifiers)
            self.people[norm] = ref
            words = norm.split()
            if len(words) >= 2:
                self.surnames.setdefault(words[-1], []).append(ref)
                if "-" in label.split()[-1] or len(words) >= 3:
                    self.surnames.setdefault(" ".join(words[-2:]), []).append(ref)
        elif title and not self.entities[ref].identifiers.get("title"):
            self.entities[ref].identifiers["title"] = title
        return ref

    def person(self, name: str, title: str, surface: str, single: bool) -> str | None:
        """A person mention: a full name, or a surname (with or without title) seen in full."""
        if single:
            ref = self.surname(name)
            if ref is None and title:
                ref = self.register_person(
                    f"{title} {name}" if title in ("Lord", "Lady", "Baroness", "Baron") else name,
                    "",
                )
            if ref is not None:
                self._add_alias(ref, surface)
            return ref
        ref = self.register_person(name, title)
        self._add_alias(ref, surface)
        return ref

    def surname(self, word: str) -> str | None:
        """The person a surname-only reference names: the last one mentioned, if any."""
        refs = self.surnames.get(normalise_name(word))
        if not refs:
            return None
        if len(refs) == 1:
            return refs[0]
        for found in reversed(self.found):
            if found.ref in refs:
                return found.ref
        return refs[-1]
