"""Pass 3: claims. Each line's mentions are merged into tokens, and the components read them:
token patterns (``patterns.py``), named lists, posts, agents, parts, tables, theme lists and
sections that name a theme."""

from __future__ import annotations

import re

from spacy.tokens import Doc, Span

from graph.model import Claim, Document, Mention, Predicate
from ingest.extraction.focus import document_focus
from ingest.extraction.labels import (
    COUNCIL,
    KIND_OF_LABEL,
    THEME,
)
from ingest.extraction.patterns import ClaimBuilder, LineContext
from ingest.extraction.resolution import Found, Resolver
from ingest.extraction.state import Line
from ingest.extraction.tokens import bullet_text, is_bullet

_SECTION_LEAD = "rule:section-lead"
# Words an item of a theme list may say before its theme ("a network of community hubs").
_ITEM_LEAD_IN_WORDS = 4


class ClaimPass:
    """Every claim of a document."""

    def _section_leads(
        self,
        document: Document,
        lines: list[Line],
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

    def _relations(self, lines: list[Line], resolver: Resolver) -> list[Claim]:
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


def _section_leads_stated(document: Document, cues: list[str]) -> bool:
    text = " ".join(document.text.lower().split())
    return any(cue.lower() in text for cue in cues)


def _merge(line: Line) -> tuple[Doc, dict[int, Found]]:
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


def _next_items(lines: list[Line], index: int, labels: tuple[str, ...]) -> tuple[list[str], int]:
    """The organisations listed on the lines after ``index`` ("Blackpool, Bracknell Forest,
    ...", or one a bullet or a short line), and the offset where that list ends."""
    refs: list[str] = []
    end = 0
    skipped = 0
    for line in lines[index + 1 : index + 30]:
        orgs = [f for f in line.found if f.label in labels and f.ref]
        short = len(line.text.split()) <= 14 and not line.text.rstrip().endswith(":")
        if not orgs:
            if labels != (THEME,) and refs and short and skipped < 2:
                skipped += 1  # "North West London": an item that names no council
                continue
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
        wordy = len(leftover) > max(2, len(orgs) // 3) and not is_bullet(line.text)
        if wordy and not short:
            break  # "Cornwall and the Isles of Scilly" is an item; a sentence is not
        refs.extend(f.ref for f in orgs if f.ref not in refs)
        end = line.start + len(line.text.rstrip())
        skipped = 0
        if not (is_bullet(line.text) or short):
            break
    return refs, end
