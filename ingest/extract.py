"""Extraction: mentions of councils, bodies, people, programmes and themes, and the claims
between them, resolved to canonical entities.

A document is processed in three passes over its lines (paragraphs, once the readers have
unwrapped them), which spaCy parses together in one ``nlp.pipe`` batch:

1. names: every full person name and every programme or body name with a cue, so that a
   later "Hartley" or an earlier headline's "Healthy Streets" can be recognised;
2. mentions, line by line in reading order: candidates from ``ingest/mentions.py``, resolved
   by ``ingest/resolve.py`` (anaphors need what came before them);
3. relations: ``ingest/relations.py`` over each line with its mentions merged into tokens.

The spaCy pipeline, gazetteer and rules are loaded once per process (:func:`load_extractor`).
"""

from __future__ import annotations

import bisect
import functools
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from graph.model import Claim, Document, Extraction, Mention, Passage, Predicate
from ingest.extraction.agents import AgentReader
from ingest.extraction.focus import document_focus
from ingest.extraction.lists import ListReader
from ingest.extraction.parts import PartReader
from ingest.extraction.posts import PostReader
from ingest.extraction.tables import TableReader
from ingest.extraction.themes import ThemeReader, theme_claims
from ingest.gazetteer import Gazetteer, load_gazetteer, normalise_name
from ingest.mentions import (
    BODY,
    COUNCIL,
    KIND_OF_LABEL,
    ORG_LABELS,
    PERSON,
    PROGRAMME,
    ROLE,
    THEME,
    Candidate,
    LineScanner,
    MentionRules,
    abbreviation_fits,
    add_rulers,
    bullet_text,
    is_bullet,
    is_capitalised,
    select,
)
from ingest.nlp import load_model
from ingest.relations import ClaimBuilder, LineContext, RelationMatcher, trim_phrase
from ingest.resolve import Found, Resolver, concept_index, content_words
from ingest.rules import RuleSet, load_rule_set

log = logging.getLogger(__name__)

EXTRACTOR_NAME = "civicgraph-rules"
_LINE = re.compile(r"[^\n]+")
_SPEECH = frozenset({"said", "says", "told", "added", "warned", "argued", "explained", "believes"})
_ABBREVIATION = re.compile(r"^[A-Za-z0-9&]{2,10}$")
# An abbreviation a text may use without defining it: "SSI", "DfES", "PSSRU".
_ACRONYM = re.compile(r"^[A-Z][A-Za-z]{1,7}$")
_ITEM_MAX_WORDS = 14
# Words an item of a theme list may say before its theme ("a network of community hubs").
_ITEM_LEAD_IN_WORDS = 4


@dataclass(frozen=True, slots=True)
class _Names:
    """Names found anywhere in a document, to recognise where else they occur."""

    matcher: PhraseMatcher
    bodies: set[str]  # normalised names the text treats as organisations


@dataclass(slots=True)
class _Line:
    index: int
    start: int
    text: str
    doc: Doc
    passage: Passage | None
    candidates: dict[str, list[Candidate]] = field(default_factory=dict)
    found: list[Found] = field(default_factory=list)
    extra_mentions: list[Mention] = field(default_factory=list)
    heading: str | None = None  # the heading of the section the line stands in
    theme: str | None = None  # theme named by a "Theme 1: ..." heading on this line
    theme_start: int | None = None  # where that theme's words start in the text
    # items of theme lists: token bounds and their core words
    theme_items: list[tuple[int, int, str, int]] = field(default_factory=list)


class Extractor:
    """The extraction stage: (document, passages) -> Extraction. Build once, call per document."""

    name = EXTRACTOR_NAME

    def __init__(self, rules: RuleSet | None = None, gazetteer: Gazetteer | None = None) -> None:
        """Load the spaCy pipeline with the rulers, and compile the rules."""
        self.rules = rules or load_rule_set()
        self.gazetteer = gazetteer or load_gazetteer()
        self.mention_rules = MentionRules(self.rules, self.gazetteer)
        started = time.perf_counter()
        self.nlp = load_model()
        add_rulers(self.nlp, self.mention_rules)
        self.relations = RelationMatcher(self.nlp.vocab, self.rules.relations)
        self.lists = ListReader(self.rules.frames)
        cues = self.rules.themes.cues
        self.theme_lists = ThemeReader(
            cues.list_nouns,
            cues.counted_nouns,
            cues.list_verbs,
            self.mention_rules.programme_heads,
            self._item,
        )
        self.posts = PostReader(self.mention_rules, self.rules.frames.posts)
        self.agents = AgentReader(self.rules.frames.agents, self.mention_rules)
        self.parts = PartReader(self.rules.frames.parts)
        self.tables = TableReader(self.rules.frames.tables, self.mention_rules)
        self.concepts = concept_index(self.rules.themes.concepts)
        log.info("extractor ready in %.1f s", time.perf_counter() - started)

    # -- the stage -----------------------------------------------------------------------------

    def __call__(self, document: Document, passages: list[Passage]) -> Extraction:
        """Everything the rules find in one document."""
        lines = self._parse(document, passages)
        theme_lists = self.theme_lists.read(lines)
        for number, theme_list in enumerate(theme_lists):
            for item in theme_list.items:
                lines[item.line].theme_items.append((item.start, item.end, item.core, number))
        resolver = Resolver(document, self.gazetteer, self.mention_rules, self.concepts)
        names = self._collect_names(lines, resolver)
        pending_list: bool = False
        for line in lines:
            pending_list = self._mentions(line, resolver, names, pending_list)
        claims = self._relations(lines, resolver)
        claims += theme_claims(theme_lists, lines, resolver, self.mention_rules.programme_heads)
        claims += self._section_leads(document, lines, resolver, claims)
        mentions: list[Mention] = []
        used: set[str] = set()
        for line in lines:
            for found in line.found:
                if found.ref and found.label in KIND_OF_LABEL:
                    mentions.append(_mention(found))
                    used.add(found.ref)
            mentions.extend(line.extra_mentions)
            used.update(m.entity_ref for m in line.extra_mentions if m.entity_ref)
        for claim in claims:
            used.update((claim.subject, claim.object))
        return Extraction(
            entities=tuple(resolver.entity_list(used)),
            mentions=tuple(mentions),
            claims=tuple(claims),
        )

    def _parse(self, document: Document, passages: list[Passage]) -> list[_Line]:
        """Each non-empty line of the text, parsed; all-capital lines in title case first."""
        spans = [(m.start(), m.group()) for m in _LINE.finditer(document.text) if m.group().strip()]
        texts = [_model_text(text) for _, text in spans]
        starts = [p.start for p in passages]
        lines = []
        docs = self._pipe(texts)
        heading: str | None = None
        for index, ((start, text), doc) in enumerate(zip(spans, docs, strict=True)):
            at = bisect.bisect_right(starts, start) - 1
            passage = passages[at] if passages and at >= 0 else (passages[0] if passages else None)
            line = _Line(index, start, text, doc, passage)
            # the section a line stands in: the last heading line above it (passages can
            # hold several short sections, each under its own heading)
            line.heading = heading or (passage.heading if passage else None)
            if _is_heading_line(text):
                heading = text.strip()
            lines.append(line)
        return lines

    def _pipe(self, texts: list[str]) -> list[Doc]:
        """The lines through the pipeline, NER only on the sentences that may hold a name.

        NER is half of extraction's cost, and a third of the words of the genre stand in
        sentences with no proper noun, acronym or capitalised word after the first, where it
        finds nothing; each other sentence goes through it on its own.
        """
        nlp = self.nlp
        with nlp.select_pipes(disable=["ner"]):
            docs = list(nlp.pipe(texts, batch_size=128))
        places: list[tuple[int, int]] = []  # (line, first token of the run of sentences)
        pieces: list[Doc] = []
        for index, doc in enumerate(docs):
            run: list[Span] = []
            for sentence in [*doc.sents, None]:
                if sentence is not None and _may_name(sentence):
                    run.append(sentence)  # neighbours go through NER together
                    continue
                if run:
                    start, end = run[0].start, run[-1].end
                    places.append((index, start))
                    pieces.append(doc if (start, end) == (0, len(doc)) else doc[start:end].as_doc())
                    run = []
        found: dict[int, list[Span]] = {}
        for (index, offset), sentence in zip(
            places, nlp.get_pipe("ner").pipe(pieces, batch_size=128), strict=True
        ):
            doc = docs[index]
            found.setdefault(index, []).extend(
                Span(doc, offset + e.start, offset + e.end, label=e.label_) for e in sentence.ents
            )
        for index, ents in found.items():
            docs[index].ents = ents
        return docs

    # -- pass 1: names -------------------------------------------------------------------------

    def _collect_names(self, lines: list[_Line], resolver: Resolver) -> _Names:
        """Find every line's candidates; register full names; match names across lines."""
        matcher = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        seen: set[str] = set()
        body_names: set[str] = set()
        for line in lines:
            scanner = LineScanner(self.mention_rules, line.doc, {})
            gazetteer = scanner.gazetteer(resolver.date)
            roles = scanner.roles(gazetteer)
            people = scanner.people(gazetteer + roles)
            bodies = scanner.bodies(gazetteer + roles + people)
            bodies += scanner.defined_names(gazetteer + roles + people + bodies)
            bodies += scanner.local_bodies()
            programmes = scanner.programmes(gazetteer + roles + people + bodies)
            line.candidates = {
                "gazetteer": gazetteer,
                "roles": roles,
                "people": people,
                "bodies": bodies,
                "programmes": programmes,
                "anaphors": scanner.anaphors(),
            }
            for c in people:
                if not c.data.get("single"):
                    resolver.register_person(c.data["name"], c.data.get("title", ""))
            body_names.update(normalise_name(c.data["name"]) for c in bodies)
            for c in [*people, *bodies, *programmes]:
                if c.data.get("single") or c.data.get("weak") or c.data.get("lowercase"):
                    continue
                name = c.data.get("name", "")
                acronym = name.isupper() and len(name) >= 3 and c.label != PERSON
                if (len(name.split()) < 2 and not acronym) or name in seen:
                    continue
                seen.add(name)
                key = f"{c.label}|{c.source}|{name}|{c.data.get('known', '')}"
                matcher.add(key, [self.nlp.make_doc(name)])
        # "the Felix Project" is a programme by its cue word, but a body where it employs
        # someone ("director of strategy at the Felix Project"): a body throughout
        for line in lines:
            for c in line.candidates["programmes"]:
                if normalise_name(c.data.get("name", "")) in body_names and not c.data.get("known"):
                    c.label, c.source = BODY, "body"
        return _Names(matcher, body_names)

    # -- pass 2: mentions ----------------------------------------------------------------------

    def _mentions(self, line: _Line, resolver: Resolver, names: _Names, pending_list: bool) -> bool:
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
        if not c.data.get("ambiguous"):
            return True
        if resolver.knows_entry(c.data["text"]):
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
        return any(not g.data.get("ambiguous") for g in chain)

    def _name_matches(self, doc: Doc, names: _Names) -> list[Candidate]:
        """Names found elsewhere in the document, wherever they recur."""
        out = []
        for match_id, start, end in names.matcher(doc):
            label, source, name, known = self.nlp.vocab.strings[match_id].split("|", 3)
            text = doc[start:end].text
            if text != name and not (is_capitalised(doc[start]) and len(name.split()) >= 3):
                continue  # "Family hubs pilot" in a heading, but not "the work programme"
            if normalise_name(name) in names.bodies and not known:
                label, source = BODY, "body"
            data = {"name": name}
            if known:
                data["known"] = known
            out.append(Candidate(start, end, label, source, data))
        return out

    def _references(
        self, doc: Doc, resolver: Resolver, candidates: list[Candidate]
    ) -> list[Candidate]:
        """Surname-only references to people named in full, and abbreviations the text
        defined earlier ("CCN")."""
        taken = {i for c in candidates for i in range(c.start, c.end)}
        out = []
        i = 0
        while i < len(doc):
            token = doc[i]
            if i in taken or not is_capitalised(token):
                i += 1
                continue
            ref = resolver.abbreviations.get(token.text)
            if ref is None and _ACRONYM.match(token.text):
                ref = resolver.acronym(token.text)
            if ref is not None:
                out.append(Candidate(i, i + 1, resolver.kind_of(ref), "abbreviation", {"ref": ref}))
                i += 1
                continue
            width = 3 if i + 2 < len(doc) and doc[i + 1].text == "-" else 1
            text = doc[i : i + width].text
            if resolver.surname(text) and self._reads_as_name(doc, i, i + width):
                out.append(
                    Candidate(i, i + width, PERSON, "person", {"name": text, "single": True})
                )
                i += width
                continue
            i += 1
        return out

    def _reads_as_name(self, doc: Doc, start: int, end: int) -> bool:
        token = doc[start]
        if token.ent_type_ == "PERSON" or (
            start > 0 and doc[start - 1].lower_.rstrip(".") in self.mention_rules.title_words
        ):
            return True
        nxt = doc[end] if end < len(doc) else None
        if nxt is not None and (nxt.lower_ in _SPEECH or nxt.text in (",", "'s", "’s")):
            return True  # "Okafor, chair of ...", "Hartley said"
        if start > 0 and doc[start - 1].lower_ in _SPEECH:
            return True
        if nxt is not None and nxt.pos_ in ("AUX", "VERB") and nxt.tag_ != "VBG":
            return True  # "Gittins has been leader", "Pearce is director" (subject of a verb)
        return token.pos_ == "PROPN" and not token.is_sent_start

    def _resolve(self, line: _Line, c: Candidate, resolver: Resolver) -> Found | None:
        """A selected candidate placed in the document and resolved to an entity."""
        doc = line.doc
        start = line.start + doc[c.start].idx
        last = doc[c.end - 1]
        end = line.start + last.idx + len(last.text)
        text = resolver.document.text[start:end]
        found = Found(
            line.index, start, end, c.start, c.end, c.label, c.source, text, c.data, line.passage
        )
        data = c.data
        if c.label == ROLE:
            return found
        if "ref" in data:
            found.ref = data["ref"]
        elif c.source == "anaphor":
            found.ref = self._anaphor(found, resolver, line)
        elif c.label in ORG_LABELS and c.source in ("gazetteer", "abbreviation"):
            found.ref = resolver.organisation(
                data.get("text", text), bool(data.get("abbreviation")), alias=text
            )
        elif c.label == BODY:
            found.ref = resolver.body(data.get("name", text))
        elif c.label == PERSON:
            found.ref = resolver.person(
                data.get("name", text), data.get("title", ""), text, bool(data.get("single"))
            )
        elif c.label == PROGRAMME:
            found.ref = resolver.programme(
                data.get("name", text),
                known=data.get("known") or None,
                cue=data.get("cue"),
                pilot=bool(data.get("pilot")),
                scheme=bool(data.get("scheme")),
            )
        elif c.label == THEME:
            # a list item is named by its core words ("community larders"), and goes by the
            # whole item too ("a network of community larders in market towns")
            core = data.get("core")
            found.ref = resolver.theme(core or text, declare=True, alias=text if core else None)
            if found.ref and "list" in data:
                resolver.list_item(data["list"], found.ref)
        return found if found.ref else None

    def _anaphor(self, found: Found, resolver: Resolver, line: _Line) -> str | None:
        kind = found.data.get("anaphor")
        if kind == "council":
            return resolver.council_in_focus(found.start, found.passage)
        if kind == "body":
            return resolver.body_in_focus(found.start, found.data.get("head"), found.passage)
        if kind == "programme":
            noun = found.text.split()[-1].lower().rstrip("s")
            return resolver.programme_in_focus(found.start, found.data.get("head"), noun)
        if kind == "theme":
            return line.theme or resolver.heading_theme(line.heading)
        return None

    def _abbreviation(self, line: _Line, found: Found, resolver: Resolver) -> None:
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

    # -- themes --------------------------------------------------------------------------------

    def _themes(
        self, line: _Line, resolver: Resolver, pending: bool
    ) -> tuple[list[Candidate], bool]:
        """Themes a line sets out: the items of theme lists (``extraction/themes.py``), else a
        "Theme 1: X" heading."""
        doc = line.doc
        if line.theme_items:
            return [
                Candidate(start, end, THEME, "theme", {"list": number, "core": core})
                for start, end, core, number in line.theme_items
            ], False
        heading = self._heading_theme(doc)
        if heading:
            line.theme = resolver.theme(doc[heading.start : heading.end].text, declare=True)
            line.theme_start = line.start + doc[max(0, heading.start - 3)].idx
            return [heading], False
        return [], False

    def _heading_theme(self, doc: Doc) -> Candidate | None:
        """ "Theme 1: Affordable warmth" (up to a following "Lead council:" or the end)."""
        i = 0
        while i < len(doc) and (doc[i].like_num or doc[i].text in (".", ")", "(")):
            i += 1
        if i + 2 >= len(doc) or doc[i].lower_ not in self.mention_rules.heading_nouns:
            return None
        if not doc[i + 1].like_num or doc[i + 2].text not in (":", ".", "-", "–", "—"):
            return None
        start = i + 3
        end = start
        while end < len(doc):
            t = doc[end]
            if t.text in (".", ";", ":") or (
                t.text == "Lead" and end + 2 < len(doc) and doc[end + 2].text == ":"
            ):
                break
            end += 1
        while end > start and doc[end - 1].is_punct:
            end -= 1
        if end - start < 1 or end - start > 12:
            return None
        return Candidate(start, end, THEME, "theme", {"heading": True})

    def _item(self, doc: Doc, start: int, end: int) -> tuple[int, int] | None:
        """Token bounds of a list item as a theme, cut at "who", "that" and the like."""
        rules = self.mention_rules
        while start < end and (doc[start].is_punct or doc[start].lower_ in ("and", "or")):
            start += 1
        cut = start
        while cut < end and (cut == start or doc[cut].lower_ not in rules.theme_stops):
            if doc[cut].text in (";", ".", ":") or doc[cut].ent_type_ in ("DATE", "MONEY"):
                break
            cut += 1
        words = [t.text for t in doc[start:cut]]
        kept = trim_phrase(words, rules)
        if not kept:
            return None
        first = start + _find_sub(words, kept)
        last = first + len(kept)
        while last > first and doc[last - 1].is_punct:
            last -= 1
        if last - first < 1 or last - first > _ITEM_MAX_WORDS:
            return None
        if not content_words(doc[first:last].text):
            return None
        return first, last

    # -- sections that name a theme ------------------------------------------------------------

    def _section_leads(
        self,
        document: Document,
        lines: list[_Line],
        resolver: Resolver,
        claims: list[Claim],
    ) -> list[Claim]:
        """ "Care of older people" (a heading naming one of the document's themes) followed by
        "... is being piloted by Wigan Council": in a document that says each theme has a
        lead council, the first council a theme's section names leads that theme."""
        cues = self.rules.themes.cues.section_leads
        if len(resolver.declared_themes) < 2 or not _section_leads_stated(document, cues):
            return []
        led = {c.object for c in claims if c.predicate.value == "leads"}
        out: list[Claim] = []
        seen_headings: set[str] = set()
        for line in lines:
            heading = line.heading
            if not heading or heading in seen_headings:
                continue
            theme = resolver.heading_theme(heading)
            if theme is None or theme in led:
                continue
            council = next((f for f in line.found if f.label == COUNCIL and f.ref), None)
            if council is None:
                continue
            seen_headings.add(heading)
            sentence = line.doc[council.tok_start].sent
            start = line.start + sentence.start_char
            end = line.start + sentence.end_char
            quote = document.text[start:end].rstrip()
            out.append(
                Claim(
                    subject=council.ref,
                    predicate=Predicate.LEADS,
                    object=theme,
                    passage_key=line.passage.key if line.passage else "",
                    start=start,
                    end=start + len(quote),
                    quote=quote,
                    extractor=_SECTION_LEAD,
                    confidence=0.6,
                )
            )
            led.add(theme)
        return out

    # -- pass 3: relations ---------------------------------------------------------------------

    def _relations(self, lines: list[_Line], resolver: Resolver) -> list[Claim]:
        def add_mention(context: LineContext, start: int, end: int, label: str, ref: str) -> None:
            doc = context.doc
            char_start = context.start + doc[start].idx
            char_end = context.start + doc[end - 1].idx + len(doc[end - 1].text)
            line = lines[context.index]
            if any(
                m.entity_ref == ref and m.start < char_end and char_start < m.end
                for m in line.extra_mentions
            ):
                return
            line.extra_mentions.append(
                Mention(
                    passage_key=context.passage_key,
                    start=char_start,
                    end=char_end,
                    text=resolver.document.text[char_start:char_end],
                    label=KIND_OF_LABEL[label],
                    entity_ref=ref,
                    source="rule",
                )
            )

        builder = ClaimBuilder(
            self.mention_rules,
            resolver,
            lambda index, labels: _next_items(lines, index, labels),
            add_mention,
        )
        contexts = []
        for line in lines:
            doc, token_found = _merge(line)
            contexts.append(
                LineContext(
                    index=line.index,
                    start=line.start,
                    doc=doc,
                    passage_key=line.passage.key if line.passage else "",
                    heading=line.heading,
                    token_found=token_found,
                    line_theme=line.theme,
                    line_theme_start=line.theme_start,
                )
            )
        claims: list[Claim] = []
        for context in contexts:
            claims.extend(builder.claims(context, self.relations.hits(context.doc)))
        focus = document_focus(resolver.found, resolver.schemes)
        claims.extend(
            self.lists.claims(
                contexts, resolver, lambda index, labels: _next_items(lines, index, labels), focus
            )
        )
        claims.extend(self.posts.claims(contexts, resolver))
        claims.extend(self.agents.claims(contexts, resolver, add_mention))
        claims.extend(self.parts.claims(contexts, resolver))
        lists = self.lists
        claims.extend(
            self.tables.claims(
                contexts, resolver, focus, (lists.rating_values, lists.ratings, lists.rating_cues)
            )
        )
        return _unique(claims)


def _unique(claims: list[Claim]) -> list[Claim]:
    """One claim per fact and place: where two components read the same fact from
    overlapping words, the more confident (then the longer) quote is kept."""
    kept: dict[tuple[str, str, str], list[Claim]] = {}
    for claim in claims:
        same = kept.setdefault((claim.subject, claim.predicate.value, claim.object), [])
        clash = [c for c in same if c.start < claim.end and claim.start < c.end]
        if not clash:
            same.append(claim)
            continue
        best = max([claim, *clash], key=lambda c: (c.confidence, c.end - c.start, -c.start))
        same[:] = [c for c in same if c not in clash] + [best]
    return [claim for group in kept.values() for claim in group]


_SECTION_LEAD = "rule:section-lead"


def _section_leads_stated(document: Document, cues: list[str]) -> bool:
    text = " ".join(document.text.lower().split())
    return any(cue.lower() in text for cue in cues)


def _merge(line: _Line) -> tuple[Doc, dict[int, Found]]:
    """The line's Doc with each mention (and post) merged into one labelled token."""
    doc = line.doc
    spans = []
    for index, found in enumerate(line.found):
        end = found.merge_end or found.tok_end
        spans.append((Span(doc, found.tok_start, end, label=found.label), index))
    doc.ents = [span for span, _ in spans]
    with doc.retokenize() as retokenizer:
        for span, index in spans:
            retokenizer.merge(span, attrs={"_": {"mention": index}})
    token_found = {t.i: line.found[t._.mention] for t in doc if t._.mention is not None}
    return doc, token_found


def _next_items(lines: list[_Line], index: int, labels: tuple[str, ...]) -> tuple[list[str], int]:
    """The organisations listed on the lines after ``index`` ("Blackpool, Bracknell Forest,
    ...", or one per bullet), and the offset where that list ends."""
    refs: list[str] = []
    end = 0
    for line in lines[index + 1 : index + 30]:
        orgs = [f for f in line.found if f.label in labels and f.ref]
        if not orgs:
            break
        if labels == (THEME,):
            # a theme item says more than its name ("school meals for children who ..."),
            # so it is the theme the item opens with, one item a line
            first = min(orgs, key=lambda f: f.start)
            lead_in = bullet_text(line.text[: first.start - line.start]).split()
            if len(lead_in) > _ITEM_LEAD_IN_WORDS:
                break
            if first.ref not in refs:
                refs.append(first.ref)
            end = line.start + len(line.text.rstrip())
            if not is_bullet(line.text) and not line.text.rstrip().endswith((";", ",")):
                break
            continue
        rest = line.text
        for f in sorted(orgs, key=lambda f: -f.start):
            rest = rest[: f.start - line.start] + rest[f.end - line.start :]
        leftover = [
            w
            for w in re.findall(r"[A-Za-z][\w'’-]*", bullet_text(rest))
            if w.lower() not in ("and", "or")
        ]
        opens_with_org = min(f.start for f in orgs) - line.start <= 2
        short = len(line.text.split()) <= 14
        wordy = len(leftover) > max(2, len(orgs) // 3) and not is_bullet(line.text)
        if wordy and not (opens_with_org and short):
            break  # "Cornwall and the Isles of Scilly" is an item; a sentence is not
        refs.extend(f.ref for f in orgs if f.ref not in refs)
        end = line.start + len(line.text.rstrip())
        if not is_bullet(line.text):
            break
    return refs, end


def _may_name(sentence: Span) -> bool:
    """Whether a sentence may name a person or an organisation: a proper noun, an acronym,
    or a capitalised word after its first."""
    first = sentence.start
    for token in sentence:
        if token.tag_ in ("NNP", "NNPS"):
            return True
        if token.is_alpha and len(token) > 1 and token.is_upper:
            return True
        if token.i != first and token.is_title:
            return True
    return False


def _is_heading_line(text: str) -> bool:
    """A short line that does not end a sentence reads as a heading."""
    stripped = text.strip().lstrip("#").strip().strip("*_")
    words = stripped.split()
    if not words or len(words) > 12 or is_bullet(text):
        return False
    if stripped.endswith((".", ",", ";", ":", "!", "?", "\u201d", '"')):
        return False
    return stripped[:1].isupper() or stripped[:1].isdigit()


def _listed_together(doc: Doc, a: Candidate, b: Candidate, direction: int) -> bool:
    """Whether ``b`` is the next item after (direction 1) or before (-1) ``a`` in a list."""
    first, second = (a, b) if direction > 0 else (b, a)
    between = doc[first.end : second.start]
    return 1 <= len(between) <= 2 and all(t.lower_ in (",", "and", "&", "or") for t in between)


def _find_sub(words: list[str], part: list[str]) -> int:
    for i in range(len(words) - len(part) + 1):
        if words[i : i + len(part)] == part:
            return i
    return 0


def _model_text(text: str) -> str:
    """A line as the model reads it: an all-capital heading in title case (same length)."""
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 8 or sum(c.isupper() for c in letters) < 0.9 * len(letters):
        return text
    if len(text.split()) < 3:
        return text
    small = {"and", "of", "the", "for", "in", "on", "at", "to", "with", "by"}
    words = re.split(r"(\s+)", text)
    out = []
    for i, word in enumerate(words):
        lower = word.lower()
        out.append(lower if (i and lower in small) else lower[:1].upper() + lower[1:])
    restored = "".join(out)
    return restored if len(restored) == len(text) else text


def _mention(found: Found) -> Mention:
    return Mention(
        passage_key=found.passage.key if found.passage else "",
        start=found.start,
        end=found.end,
        text=found.text,
        label=KIND_OF_LABEL[found.label],
        entity_ref=found.ref,
        source=found.source,
    )


@functools.cache
def _shared_extractor() -> Extractor:
    return Extractor()


def load_extractor() -> Callable[[Document, list[Passage]], Extraction]:
    """The extraction stage: (document, passages) -> Extraction, built once per process."""
    return _shared_extractor()


__all__ = ["EXTRACTOR_NAME", "Extractor", "load_extractor", "normalise_name"]
