"""A small fictional corpus with hand-written extraction, for testing the graph's questions.

The councils, bodies and people are invented. `extract` plays the extraction stage: it finds
each entity's names in the passages and states the facts listed in FACTS wherever their quote
occurs, so the same corpus can be built straight into a store or ingested through the pipeline.
"""

from __future__ import annotations

import re
from pathlib import Path

from graph.build import build_quads, graph_iri
from graph.model import Claim, Document, Entity, EntityKind, Extraction, Mention, Passage, Predicate
from graph.store import Store

TEXTS = {
    "forum": """Northshire forum sets out its themes

Northshire County Council is the lead authority for the affordable warmth theme, and
Riverton Council is leading on youth employment.

Jane Holt, leader of Northshire County Council, said the Warm Homes Fund would open in April.
Northshire County Council will lead the Warm Homes Fund across the county.

Riverton Council and Eastvale District Council have joined the Warm Homes Fund.
""",
    "association": """Association news

Sam Okoro, director of policy at the Northern Councils Association, welcomed the fund.

The Northern Councils Association is part of the Local Government Network.

Riverton Council is a member of the Northern Councils Association.

Sam Okoro spoke to Pat Lee about the bus scheme in Riverton.
""",
    "ratings": """Clean streets results

Eastvale District Council was rated good in the Clean Streets ratings.

Chris Evans of Riverton and Chris Evans of Eastvale both attended.
""",
}

DATES = {"forum": "2012-05-01", "association": "2012-06-12", "ratings": "2013-01-20"}

ENTITIES = [
    Entity(
        "nsh",
        EntityKind.COUNCIL,
        "Northshire County Council",
        ("Northshire",),
        {"gss": "E10000099"},
    ),
    Entity("riv", EntityKind.COUNCIL, "Riverton Council", ("Riverton",), {"gss": "E07000999"}),
    Entity("eas", EntityKind.COUNCIL, "Eastvale District Council", ("Eastvale",), {}),
    Entity(
        "northern-councils-association",
        EntityKind.BODY,
        "Northern Councils Association",
        ("NCA",),
        parent="body/local-government-network",
    ),
    Entity("local-government-network", EntityKind.BODY, "Local Government Network"),
    Entity("jane-holt", EntityKind.PERSON, "Jane Holt", ("Holt",)),
    Entity("sam-okoro", EntityKind.PERSON, "Sam Okoro", ("Okoro",)),
    Entity("pat-lee", EntityKind.PERSON, "Pat Lee"),
    Entity("chris-evans", EntityKind.PERSON, "Chris Evans"),
    Entity("chris-evans-2", EntityKind.PERSON, "Chris Evans"),
    Entity("affordable-warmth", EntityKind.THEME, "affordable warmth"),
    Entity("youth-employment", EntityKind.THEME, "youth employment"),
    Entity("warm-homes-fund", EntityKind.PROGRAMME, "Warm Homes Fund"),
    Entity("clean-streets-ratings", EntityKind.PROGRAMME, "Clean Streets ratings"),
]
BY_REF = {e.ref: e for e in ENTITIES}

# (quote, subject, predicate, object, role or rating)
FACTS = [
    (
        "Northshire County Council is the lead authority for the affordable warmth theme",
        "council/nsh",
        Predicate.LEADS,
        "theme/affordable-warmth",
        None,
    ),
    (
        "Riverton Council is leading on youth employment",
        "council/riv",
        Predicate.LEADS,
        "theme/youth-employment",
        None,
    ),
    (
        "Jane Holt, leader of Northshire County Council",
        "person/jane-holt",
        Predicate.HEAD_OF,
        "council/nsh",
        "leader",
    ),
    (
        "Jane Holt, leader of Northshire County Council",
        "person/jane-holt",
        Predicate.HOLDS_POST,
        "council/nsh",
        "leader",
    ),
    (
        "Northshire County Council will lead the Warm Homes Fund",
        "council/nsh",
        Predicate.LEADS,
        "programme/warm-homes-fund",
        None,
    ),
    (
        "Riverton Council and Eastvale District Council have joined the Warm Homes Fund",
        "council/riv",
        Predicate.PARTICIPATES_IN,
        "programme/warm-homes-fund",
        None,
    ),
    (
        "Riverton Council and Eastvale District Council have joined the Warm Homes Fund",
        "council/eas",
        Predicate.PARTICIPATES_IN,
        "programme/warm-homes-fund",
        None,
    ),
    (
        "Sam Okoro, director of policy at the Northern Councils Association",
        "person/sam-okoro",
        Predicate.HOLDS_POST,
        "body/northern-councils-association",
        "director of policy",
    ),
    (
        "Riverton Council is a member of the Northern Councils Association",
        "council/riv",
        Predicate.MEMBER_OF,
        "body/northern-councils-association",
        None,
    ),
    (
        "Eastvale District Council was rated good in the Clean Streets ratings",
        "council/eas",
        Predicate.RATED,
        "programme/clean-streets-ratings",
        "good",
    ),
]


def split(key: str, text: str) -> list[Passage]:
    """Paragraphs of `text` as passages, with offsets."""
    passages = []
    for n, match in enumerate(re.finditer(r"\S(?:.|\n(?!\n))*", text)):
        passages.append(
            Passage(f"{key}-p{n:04d}", key, match.start(), match.end(), match.group(), None)
        )
    return passages


def extract(document: Document, passages: list[Passage]) -> Extraction:
    """The extraction stage for this corpus: mentions by name, facts by quote."""
    mentions: list[Mention] = []
    named: set[str] = set()
    chris = iter(("person/chris-evans", "person/chris-evans-2"))
    for passage in passages:
        for entity in ENTITIES:
            if entity.key.startswith("chris-evans"):
                continue
            for name in sorted((entity.label, *entity.aliases), key=len, reverse=True):
                found = re.search(rf"\b{re.escape(name)}\b", passage.text)
                if found:
                    start = passage.start + found.start()
                    mentions.append(
                        Mention(
                            passage.key,
                            start,
                            start + len(name),
                            name,
                            entity.kind,
                            entity.ref,
                        )
                    )
                    named.add(entity.ref)
                    break
        for found in re.finditer(r"Chris Evans", passage.text):
            ref = next(chris)
            start = passage.start + found.start()
            mentions.append(
                Mention(passage.key, start, start + 11, "Chris Evans", EntityKind.PERSON, ref)
            )
            named.add(ref)
    claims = []
    for quote, subject, predicate, obj, qualifier in FACTS:
        at = document.text.find(quote)
        if at < 0:
            continue
        passage = next(p for p in passages if p.start <= at < p.end)
        claims.append(
            Claim(
                subject=subject,
                predicate=predicate,
                object=obj,
                passage_key=passage.key,
                start=at,
                end=at + len(quote),
                quote=quote,
                extractor="fictional",
                confidence=0.9,
                role=qualifier if predicate != Predicate.RATED else None,
                rating=qualifier if predicate == Predicate.RATED else None,
                scheme="Clean Streets ratings" if predicate == Predicate.RATED else None,
            )
        )
        named.update((subject, obj))
    # the parent of a body travels with it
    named.update(BY_REF[ref].parent for ref in list(named) if BY_REF[ref].parent)
    entities = tuple(e for e in ENTITIES if e.ref in named)
    return Extraction(entities=entities, mentions=tuple(mentions), claims=tuple(claims))


def load_extractor():
    """Stands in for ingest.extraction.load_extractor: a function of a module, so that a
    process started by spawn (an upload's ingest) finds it by name."""
    return extract


def document(name: str, text: str | None = None) -> tuple[Document, list[Passage]]:
    """A document of the corpus (or `text` under that name) and its passages."""
    text = TEXTS[name] if text is None else text
    title = text.splitlines()[0]
    doc = Document(name, f"{name}.txt", title, text, DATES.get(name))
    return doc, split(name, text)


def write(store: Store, names: list[str] | None = None) -> None:
    """Build the corpus (or some of its documents) into a store, one graph per document."""
    for name in names or list(TEXTS):
        doc, passages = document(name)
        quads = build_quads(doc, passages, extract(doc, passages))
        store.replace_graph(str(graph_iri(name)), quads)


def write_files(folder: Path) -> list[Path]:
    """The corpus as text files, for ingest."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in TEXTS.items():
        path = folder / f"{name}.txt"
        path.write_text(text)
        paths.append(path)
    return paths
