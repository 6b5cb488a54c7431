"""Resolving programmes and themes: rating schemes within a document, themes a text sets out,
and the concept scheme."""

from __future__ import annotations

from graph.model import EntityKind
from graph.vocab import slugify
from ingest.extraction.resolution.entities import (
    ResolverState,
    clean_label,
    content_words,
    theme_label,
)
from ingest.gazetteer import normalise_name


class ProgrammeNames(ResolverState):
    """Programmes and themes by name."""

    def programme(
        self,
        name: str,
        known: str | None = None,
        cue: str | None = None,
        pilot: bool = False,
        scheme: bool = False,
    ) -> str | None:
        """A programme by name (None for a bare cue word such as "programme"); a lower-case
        cue after a capitalised name is an alias. Rating schemes named more or less fully
        ("youth justice ratings", "the national youth justice performance ratings") are one
        scheme within a document."""
        label = clean_label(known or name)
        if not known and label.split()[0].lower() in self.rules.drop_words:
            label = " ".join(
                w
                for i, w in enumerate(label.split())
                if i or w.lower() not in self.rules.drop_words
            )
        words = label.split()
        while len(words) > 1 and words[0].lower() in self.rules.drop_words:
            words = words[1:]
        label = " ".join(words)
        if (
            not known
            and len(words) == 1
            and words[0].lower().rstrip("s") in self.rules.programme_heads
        ):
            return None  # "the programme" names nothing on its own
        norm = normalise_name(label)
        ref = self.names.get(norm)
        if ref is None and not known:
            # "the Community Chest pilots" after "Community Chests": the same programme,
            # named in the singular where its name modifies a cue
            ref = self.names.get(norm[:-1] if norm.endswith("s") else norm + "s")
        if (ref is None or not ref.startswith("programme/")) and scheme:
            words = content_words(label)
            for other in self.schemes:
                other_words = content_words(self.label_of(other))
                if len(words & other_words) >= 2 and (words <= other_words or other_words <= words):
                    ref = other
                    break
        if ref is None or not ref.startswith("programme/"):
            ref = self._add(EntityKind.PROGRAMME, slugify(norm), label, None)
            self.names[norm] = ref
        if scheme or norm.split()[-1] in self.rules.scheme_heads:
            self.schemes.add(ref)  # "Comprehensive Performance Assessment" rates councils
        self._add_alias(ref, clean_label(name))
        if cue:
            full = f"{label} {cue}"
            self._add_alias(ref, full)
            self.names.setdefault(normalise_name(full), ref)
        if pilot or "pilot" in norm.split():
            self.pilots.add(ref)
        return ref

    def programme_phase(self, ref: str, modifier: str, noun: str) -> str | None:
        """A later phase of programme ``ref`` ("the expanded programme"), named by the
        modifier and the programme's name ("expanded Troubled Families programme")."""
        label = self.label_of(ref)
        if label.split()[0].lower() in self.rules.phase_words:
            return ref  # already a phase
        if label.split()[-1].lower().rstrip("s") not in self.rules.programme_heads:
            label = f"{label} {noun}"
        phase = self.programme(f"{modifier} {label}")
        if phase is not None:
            self._add_alias(phase, f"{modifier} {noun}")
            self.phases[phase] = ref
        return phase

    def theme(self, text: str, declare: bool = False, alias: str | None = None) -> str | None:
        """A theme by its words: a concept of the scheme when one matches, else a new one;
        ``alias`` is another name the text gives it (a list item's core words)."""
        label = theme_label(text)
        if not label or len(label.split()) > 16:
            return None
        if all(w in self.rules.generic_nouns for w in normalise_name(label).split()):
            return None  # "work", "the approach", "new models" name no theme
        norm = normalise_name(label)
        concept = self.concepts.get(norm)
        if concept is not None:
            ref = self._add(EntityKind.THEME, concept.key, concept.pref, label)
        else:
            existing = self.names.get(norm)
            ref = existing if existing and existing.startswith("theme/") else None
            if ref is None:
                ref = self._add(EntityKind.THEME, slugify(norm), label, None)
        self.names.setdefault(norm, ref)
        if alias:
            core = theme_label(alias)
            if core and core != label:
                self._add(EntityKind.THEME, ref.split("/", 1)[1], label, core)
                self.names.setdefault(normalise_name(core), ref)
        if declare and ref not in self.declared_themes:
            self.declared_themes.append(ref)
        return ref

    def declared_theme(self, text: str) -> str | None:
        """A theme the document has set out that these words name or abbreviate."""
        words = content_words(text)
        if not words:
            return None
        for ref in reversed(self.declared_themes):
            for name in self.names_of(ref):
                other = content_words(name)
                if not other:
                    continue
                smaller = min(len(words), len(other))
                if (words <= other or other <= words) and smaller >= min(2, len(other)):
                    return ref
        return None

    def list_item(self, number: int, ref: str) -> None:
        """Record a theme as an item of the document's list ``number`` (in reading order), for
        "the third priority" to find."""
        if self._list_number != number:
            self._list_number = number
            self.theme_lists.append([])
        self.theme_lists[-1].append(ref)

    def ordinal_theme(self, ordinal: int) -> str | None:
        """ "the third priority": the n-th item of the last list of themes."""
        if self.theme_lists and 0 < ordinal <= len(self.theme_lists[-1]):
            return self.theme_lists[-1][ordinal - 1]
        return None

    def heading_theme(self, heading: str | None) -> str | None:
        """The theme a section heading names, when it is one the document set out or a concept."""
        if not heading:
            return None
        norm = normalise_name(heading)
        if norm in self.concepts or self.names.get(norm, "").startswith("theme/"):
            return self.theme(heading)
        declared = self.declared_theme(heading)
        if declared and content_words(heading) == content_words(self.label_of(declared)):
            return declared
        return None
