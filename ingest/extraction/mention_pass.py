"""Pass 2: the mentions of each line in reading order, selected from the candidates and
resolved (anaphors need what came before them)."""

from __future__ import annotations

import re

from spacy.tokens import Doc

from graph.model import Mention
from ingest.extraction.candidates import Candidate, select
from ingest.extraction.labels import (
    BODY,
    COUNCIL,
    KIND_OF_LABEL,
    ORG_LABELS,
    PERSON,
    PROGRAMME,
    ROLE,
    THEME,
)
from ingest.extraction.mention_rules import MentionRules
from ingest.extraction.resolution import Found, Resolver
from ingest.extraction.state import Line, Names
from ingest.extraction.tokens import abbreviation_fits

_ABBREVIATION = re.compile(r"^[A-Za-z0-9&]{2,10}$")


class MentionPass:
    """Selecting and resolving each line's mentions."""

    mention_rules: MentionRules

    def _mentions(self, line: Line, resolver: Resolver, names: Names, pending_list: bool) -> bool:
        """Select and resolve the mentions of one line; return whether a list is pending."""
        doc = line.doc
        found_kinds = line.candidates
        candidates: list[Candidate] = [c for group in found_kinds.values() for c in group]
        candidates = [
            c
            for c in candidates
            if c.source != "gazetteer" or self._cued(c, found_kinds["gazetteer"], doc, resolver)
        ]
        candidates += self._name_matches(doc, names)
        candidates += self._references(doc, resolver, candidates)
        themes, pending_list = self._themes(line, resolver, pending_list)
        candidates += themes
        selected = select(candidates, doc)
        covered_until = -1
        for c in selected:
            if c.start < covered_until:
                continue
            found = self._resolve(line, c, resolver)
            if found is None:
                continue
            line.found.append(found)
            if found.label in KIND_OF_LABEL:
                resolver.found.append(found)
                self._abbreviation(line, found, resolver)
            if found.merge_end:
                covered_until = found.merge_end
        return pending_list

    def _cued(self, c: Candidate, gazetteer: list[Candidate], doc: Doc, resolver: Resolver) -> bool:
        """An ambiguous bare place name ("Reading", "Dudley") counts only with a cue: the
        document already names that council, or it stands in a list of councils of which
        at least one is not ambiguous ("Bolton, Bury and Salford")."""
        if not c.flags.ambiguous:
            return True
        if resolver.knows_entry(c.flags.text):
            return True
        councils = [g for g in gazetteer if g.label == COUNCIL]
        chain = [c]
        for direction in (-1, 1):
            current = c
            while True:
                nxt = next(
                    (
                        g
                        for g in councils
                        if g is not current and _listed_together(doc, current, g, direction)
                    ),
                    None,
                )
                if nxt is None or nxt in chain:
                    break
                chain.append(nxt)
                current = nxt
        return any(not g.flags.ambiguous for g in chain)

    def _resolve(self, line: Line, c: Candidate, resolver: Resolver) -> Found | None:
        """A selected candidate placed in the document and resolved to an entity."""
        doc = line.doc
        start = line.start + doc[c.start].idx
        last = doc[c.end - 1]
        end = line.start + last.idx + len(last.text)
        text = resolver.document.text[start:end]
        found = Found(
            line.index, start, end, c.start, c.end, c.label, c.source, text, c.flags, line.passage
        )
        flags = c.flags
        if c.label == ROLE:
            return found
        if flags.ref is not None:
            found.ref = flags.ref
        elif c.source == "anaphor":
            found.ref = self._anaphor(found, resolver, line)
        elif c.label in ORG_LABELS and c.source in ("gazetteer", "abbreviation"):
            found.ref = resolver.organisation(flags.text or text, flags.abbreviation, alias=text)
        elif c.label == BODY:
            found.ref = resolver.body(flags.name or text)
        elif c.label == PERSON:
            found.ref = resolver.person(flags.name or text, flags.title, text, flags.single)
        elif c.label == PROGRAMME:
            found.ref = resolver.programme(
                flags.name or text,
                known=flags.known,
                cue=flags.cue,
                pilot=flags.pilot,
                scheme=flags.scheme,
            )
        elif c.label == THEME:
            # a list item is named by its core words ("community larders"), and goes by the
            # whole item too ("a network of community larders in market towns")
            core = flags.core
            found.ref = resolver.theme(core or text, declare=True, alias=text if core else None)
            if found.ref and flags.list_number is not None:
                resolver.list_item(flags.list_number, found.ref)
        return found if found.ref else None

    def _anaphor(self, found: Found, resolver: Resolver, line: Line) -> str | None:
        kind = found.flags.anaphor
        if kind == "council" and found.flags.head:
            return resolver.council_named(found.start, found.flags.head)  # "the city region"
        if kind == "council":
            return resolver.council_in_focus(found.start, found.passage, found.line)
        if kind == "body" and found.flags.head is None and "new" in found.text.lower().split():
            return resolver.newest_body(found.start)  # "the new body"
        if kind == "body":
            return resolver.body_in_focus(found.start, found.flags.head, found.passage, found.line)
        if kind == "programme":
            words = found.text.lower().split()
            noun = words[-1].rstrip("s")
            ref = resolver.programme_in_focus(found.start, found.flags.head, noun)
            if ref is not None and len(words) == 3 and words[1] in resolver.rules.phase_words:
                return resolver.programme_phase(ref, words[1], words[2])  # "the expanded programme"
            if ref is not None:
                named = found.text.split()[1:]
                if len(named) >= 2 and all(
                    w.isalpha() and w.lower() not in resolver.rules.drop_words for w in named[:-1]
                ):
                    # "the star ratings" for the scheme a headline named otherwise: another
                    # name it goes by
                    resolver.add_alias(ref, " ".join(named))
            return ref
        if kind == "theme":
            return line.theme or resolver.heading_theme(line.heading)
        return None

    def _abbreviation(self, line: Line, found: Found, resolver: Resolver) -> None:
        """ "the County Councils Network (CCN)": record CCN, and merge "(CCN)" with the name."""
        doc = line.doc
        i = found.tok_end
        if i + 2 >= len(doc) or doc[i].text != "(" or doc[i + 2].text != ")":
            return
        abbreviation = doc[i + 1].text
        if not _ABBREVIATION.match(abbreviation) or sum(c.isupper() for c in abbreviation) < 2:
            return
        if found.label not in (COUNCIL, BODY, PROGRAMME):
            return
        if not abbreviation_fits(abbreviation, found.text) and not (
            found.source in ("gazetteer", "abbreviation")
            and resolver.organisation(abbreviation) == found.ref
        ):
            return
        resolver.define_abbreviation(abbreviation, found.ref)
        found.merge_end = i + 3
        token = doc[i + 1]
        start = line.start + token.idx
        line.extra_mentions.append(
            Mention(
                passage_key=line.passage.key if line.passage else "",
                start=start,
                end=start + len(token.text),
                text=token.text,
                label=KIND_OF_LABEL[found.label],
                entity_ref=found.ref,
                source="abbreviation",
            )
        )


def _listed_together(doc: Doc, a: Candidate, b: Candidate, direction: int) -> bool:
    """Whether ``b`` is the next item after (direction 1) or before (-1) ``a`` in a list."""
    first, second = (a, b) if direction > 0 else (b, a)
    between = doc[first.end : second.start]
    return 1 <= len(between) <= 2 and all(t.lower_ in (",", "and", "&", "or") for t in between)
