"""Extraction: mentions of councils, bodies, people, programmes and themes, and the claims
between them, resolved to canonical entities.

A document is processed in three passes over its lines (paragraphs, once the readers have
unwrapped them), which spaCy parses together in one ``nlp.pipe`` batch:

1. names: every full person name and every programme or body name with a cue, so that a
   later "Hartley" or an earlier headline's "Healthy Streets" can be recognised;
2. mentions, line by line in reading order: candidates from the scanners (``councils``,
   ``people``, ``bodies``, ``programmes``, ``anaphors``, ``themes``), resolved by
   ``resolution/`` (anaphors need what came before them);
3. relations: the claim components over each line with its mentions merged into tokens.

The spaCy pipeline, gazetteer and rules are loaded once per process (:func:`load_extractor`).
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable

from graph.model import Document, Extraction, Mention, Passage
from ingest.extraction.agents import AgentReader
from ingest.extraction.claim_pass import ClaimPass
from ingest.extraction.labels import KIND_OF_LABEL
from ingest.extraction.lists import ListReader
from ingest.extraction.mention_pass import MentionPass
from ingest.extraction.mention_rules import MentionRules
from ingest.extraction.names import NamePass
from ingest.extraction.parse import ParsePass
from ingest.extraction.parts import PartReader
from ingest.extraction.patterns import RelationMatcher
from ingest.extraction.posts import PostReader
from ingest.extraction.resolution import Found, Resolver, concept_index
from ingest.extraction.rulers import add_rulers
from ingest.extraction.tables import TableReader
from ingest.extraction.theme_pass import ThemePass
from ingest.extraction.themes import ThemeReader, theme_claims
from ingest.gazetteer import Gazetteer, load_gazetteer
from ingest.nlp import load_model
from ingest.rules import RuleSet, load_rule_set

log = logging.getLogger(__name__)

EXTRACTOR_NAME = "civicgraph-rules"


class Extractor(ParsePass, NamePass, MentionPass, ThemePass, ClaimPass):
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
            cues.scoring_verbs,
            self._item,
        )
        self.posts = PostReader(self.mention_rules, self.rules.frames.posts)
        self.agents = AgentReader(
            self.rules.frames.agents, self.mention_rules, studies=self.rules.relations.studies
        )
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
