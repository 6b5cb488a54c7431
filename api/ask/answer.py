"""Answering a question from the graph: read it, run the graph query its shape names, keep
the facts its time allows, and give every answer the quotes (with their documents' dates) that
state it, beside the passages search finds for the question."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from api.ask.lifetimes import Lifetimes, gazetteer_lifetimes
from api.ask.model import (
    Answer,
    AskResult,
    DatedEvidence,
    Description,
    Interpretation,
    Link,
    TimeWindow,
)
from api.ask.reading import Linker, Reading, read_question
from api.ask.shapes import ANY_HEAD, DescribeAnswer, FactsAnswer, PathAnswer, Shapes, load_shapes
from api.ask.words import RatingWords, RoleWords, TimeWords, as_of_window, role_names
from graph import queries
from graph.errors import BadParameter
from graph.model import EntityRef, Evidence, Relation, SearchHit

if TYPE_CHECKING:
    from api.service import CivicGraph

# The longest question read, in characters.
MAX_QUESTION = 500
# Most facts one query of an answer reads.
MAX_FACTS = 100_000
# Paths a connection question gives, and how long they may be.
PATHS, PATH_HOPS = 3, 4
# Facts and quotes a description shows.
DESCRIBE_FACTS, DESCRIBE_QUOTES = 10, 5
# Other readings the interpretation lists.
ALTERNATIVES = 3
# How many more passages to rank when a time window may drop some.
WINDOW_DEPTH = 5
# How many undated documents a note names.
UNDATED_SHOWN = 3
# Words that join a name's words and tell nothing apart.
_JOINING = frozenset({"the", "a", "an", "of", "and", "for", "in", "on", "to", "at", "with", "s"})


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """The shapes and the words they are read with, loaded once."""

    shapes: Shapes
    time: TimeWords
    ratings: RatingWords
    roles: RoleWords


@functools.cache
def load_vocabulary() -> Vocabulary:
    """The shipped shapes and words."""
    shapes = load_shapes()
    return Vocabulary(
        shapes, TimeWords(shapes), RatingWords(shapes), RoleWords(shapes, role_names())
    )


def answer_question(
    service: CivicGraph,
    question: str,
    *,
    as_of: str | None = None,
    k: int = 5,
    lifetimes: Lifetimes | None = None,
) -> AskResult:
    """Read a question, answer it from the graph, and find the passages that match it."""
    question = " ".join(question.split())
    if not question:
        raise BadParameter("the question is empty; ask something, e.g. 'who leads Kent?'")
    if len(question) > MAX_QUESTION:
        raise BadParameter(f"the question is longer than {MAX_QUESTION} characters; shorten it")
    if k < 1:
        raise BadParameter("k must be at least 1")
    words = load_vocabulary()
    text, window = words.time.take(question)
    if as_of:
        asked = as_of_window(as_of)
        window = asked if window is None else window.narrowed(asked)
    lifetimes = gazetteer_lifetimes() if lifetimes is None else lifetimes
    linker = Linker(service.entity_index, lifetimes, window)
    readings = read_question(text, words.shapes, linker, words.ratings, window)
    passages = _passages(service, text or question, window, k)
    if not readings:
        return AskResult(
            question,
            Interpretation(
                shape=None,
                reading="no shape of question fits; the passages are the search results for it",
                time=window,
                message="no shape of question fits; see the passages",
            ),
            (),
            passages,
        )
    best = readings[0]
    alternatives = _alternatives(best, readings)
    if not best.complete:
        return AskResult(
            question,
            _interpretation(best, alternatives, message="; ".join(u.message for u in best.unknown)),
            (),
            passages,
        )
    answers, notes = _Answering(service, words, lifetimes, best).answers()
    message = None if answers else "no fact in the graph answers this; see the passages"
    return AskResult(
        question,
        _interpretation(best, alternatives, message=message, notes=notes),
        tuple(answers),
        passages,
    )


def _interpretation(
    reading: Reading,
    alternatives: tuple[str, ...],
    *,
    message: str | None = None,
    notes: Iterable[str] = (),
) -> Interpretation:
    spec = reading.shape.spec.answer
    predicates: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    role = rating = None
    if isinstance(spec, FactsAnswer):
        predicates = tuple(p.value for p in spec.facts)
        kinds = reading.kinds or tuple(spec.kinds)
        role = reading.role if spec.role == "{role}" else spec.role
        rating = reading.rating.text if reading.rating else None
    elif isinstance(spec, PathAnswer):
        predicates = ("path",)
    return Interpretation(
        shape=reading.shape.name,
        reading=reading.says(),
        pattern=reading.pattern.text,
        entities=tuple(reading.links.values()),
        unknown=reading.unknown,
        predicates=predicates,
        kinds=kinds,
        role=role,
        rating=rating,
        time=reading.window,
        message=message,
        notes=tuple(notes),
        alternatives=alternatives,
    )


def _alternatives(best: Reading, readings: list[Reading]) -> tuple[str, ...]:
    """Other complete readings, in words, different from the chosen one."""
    chosen = best.says()
    out: list[str] = []
    for reading in readings[1:]:
        said = reading.says()
        if reading.complete and said != chosen and said not in out:
            out.append(said)
        if len(out) == ALTERNATIVES:
            break
    return tuple(out)


def _passages(
    service: CivicGraph, text: str, window: TimeWindow | None, k: int
) -> tuple[SearchHit, ...]:
    """The search results for the question, within its time window when it has one."""
    if window is None:
        return tuple(service.search(text, k=k))
    hits = service.search(text, k=k * WINDOW_DEPTH)
    return tuple(h for h in hits if window.holds(h.date))[:k]


class _Answering:
    """Answers one complete reading."""

    def __init__(
        self, service: CivicGraph, words: Vocabulary, lifetimes: Lifetimes, reading: Reading
    ) -> None:
        self.service = service
        self.words = words
        self.lifetimes = lifetimes
        self.reading = reading
        self.window = reading.window
        self.notes: list[str] = []
        self._documents = {d.key: (d.title, d.date) for d in service.documents()}
        self._undated: dict[str, str] = {}  # undated documents a window left out: key -> title

    def answers(self) -> tuple[list[Answer], list[str]]:
        """The answers and the notes on what was left out."""
        spec = self.reading.shape.spec.answer
        if isinstance(spec, FactsAnswer):
            answers = self._facts(spec)
        elif isinstance(spec, PathAnswer):
            answers = self._paths(spec)
        else:
            answers = self._describe(spec)
        if self._undated:
            titles = sorted(self._undated.values())
            shown = ", ".join(repr(t) for t in titles[:UNDATED_SHOWN])
            more = f" and {len(titles) - UNDATED_SHOWN} more" if len(titles) > UNDATED_SHOWN else ""
            self.notes.append(f"left out, from documents with no date: {shown}{more}")
        return answers, self.notes

    # -- evidence -------------------------------------------------------------------------

    def dated(self, evidence: Iterable[Evidence]) -> list[DatedEvidence]:
        """The quotes the window allows, with their documents' titles and dates, newest first
        and each once."""
        out: dict[tuple, DatedEvidence] = {}
        for e in evidence:
            title, date = self._documents.get(e.document, (e.document, None))
            if self._holds(e):
                out.setdefault(
                    (e.passage, e.start, e.end, e.quote),
                    DatedEvidence(e.passage, e.document, title, date, e.quote, e.start, e.end),
                )
        return sorted(out.values(), key=_evidence_order)

    def _in_time(self, relation: Relation) -> Relation | None:
        """The relation with only the quotes its time allows, or None when none is left."""
        if self.window is None:
            return relation
        self._note_undated(relation.evidence)
        kept = tuple(e for e in relation.evidence if self._holds(e))
        return replace(relation, evidence=kept) if kept else None

    def _holds(self, evidence: Evidence) -> bool:
        if self.window is None:
            return True
        return self.window.holds(self._documents.get(evidence.document, ("", None))[1])

    def _note_undated(self, evidence: Iterable[Evidence]) -> None:
        for e in evidence:
            title, date = self._documents.get(e.document, (e.document, None))
            if not date:
                self._undated[e.document] = title

    def _existed(self, entity: EntityRef) -> bool:
        if self.window is None:
            return True
        lifetime = self.lifetimes.get(entity.ref)
        return lifetime is None or lifetime.existed(self.window)

    # -- facts ----------------------------------------------------------------------------

    def _facts(self, spec: FactsAnswer) -> list[Answer]:
        predicates = [p.value for p in spec.facts]
        # facts no quote states (reference data) are no answers: an answer shows its quotes
        found = [r for r in self._read_facts(spec, predicates) if r.evidence]
        kinds = set(self.reading.kinds or spec.kinds)
        if kinds:
            found = [r for r in found if _end(r, spec.find).kind in kinds]
        found = self._by_role(spec, found)
        found = [r for r in map(self._in_time, found) if r is not None]
        found = self._by_rating(found)  # best and worst among the ratings of the time asked
        found = self._by_lifetime(spec, found)
        groups: dict[tuple[str, ...], list[Relation]] = {}
        for relation in found:
            key = (_end(relation, spec.find).ref,)
            if spec.given == "none":
                key = (relation.subject.ref, relation.predicate, relation.object.ref)
            groups.setdefault(key, []).append(relation)
        answers = []
        for relations in groups.values():
            evidence = self.dated(e for r in relations for e in r.evidence)
            answers.append(
                Answer(
                    evidence=tuple(evidence),
                    entity=_end(relations[0], spec.find),
                    relations=tuple(relations),
                )
            )
        return sorted(answers, key=_newest_first)

    def _read_facts(self, spec: FactsAnswer, predicates: list[str]) -> list[Relation]:
        service = self.service
        if spec.given == "none":
            return [r for p in predicates for r in service.relations(predicate=p, limit=MAX_FACTS)]
        link = self.reading.links[spec.given]
        found = self._stated(link.entity.ref, spec, predicates)
        if not any(r.evidence for r in found):
            stand_in = self._stand_in(link, spec, predicates)
            if stand_in is not None:
                entity, found = stand_in
                self.notes.append(
                    f"{link.entity.label} ({link.entity.ref}) holds no such facts; answered from "
                    f"{entity.label} ({entity.ref}), named beside it in the same passage, whose "
                    f"name has the words of the question that {link.matched!r} lacks"
                )
        return found

    def _stated(self, ref: str, spec: FactsAnswer, predicates: list[str]) -> list[Relation]:
        """The facts of these predicates with this entity at the shape's known end."""
        known = {"object": ref} if spec.find == "subject" else {"subject": ref}
        predicate = predicates[0] if len(predicates) == 1 else None
        found = self.service.relations(**known, predicate=predicate, limit=MAX_FACTS)
        return [r for r in found if r.predicate in predicates]

    def _stand_in(
        self, link: Link, spec: FactsAnswer, predicates: list[str]
    ) -> tuple[EntityRef, list[Relation]] | None:
        """When the entity a question names holds no facts of the kind asked, and the
        question's words name it only in part ("the parks star ratings" read as "parks
        ratings"), the one entity that a passage naming it names too, of the same kind, with
        the same last word, whose name has the words left over, and that holds such facts: a
        document naming one thing two ways ("parks ratings" in a headline, "green flag star
        ratings" below). None when there is no such entity, or more than one."""
        given = link.entity
        index = self.service.entity_index
        info = index.get(given.ref)
        names = {link.matched, given.label, *(info.aliases if info else ())}
        left = _name_words(link.text) - {w for n in names for w in _name_words(n)}
        if not left:
            return None
        heads = {_head(n) for n in names} - {None}
        store, timeout = self.service.store, self.service.settings.query_timeout_s
        passages = [key for key, _ in queries.naming(store, [given.ref], timeout_s=timeout)]
        beside = {
            r
            for refs in queries.mentions(store, passages, timeout_s=timeout).values()
            for r in refs
        }
        found: dict[str, list[Relation]] = {}
        for ref in sorted(beside - {given.ref}):
            other = index.get(ref)
            if other is None or other.kind != given.kind:
                continue
            other_names = (other.label, *other.aliases)
            if not any(_head(n) in heads and left <= _name_words(n) for n in other_names):
                continue
            stated = [r for r in self._stated(ref, spec, predicates) if r.evidence]
            if stated:
                found[ref] = stated
        if len(found) != 1:
            return None
        [(ref, stated)] = found.items()
        return index.entity_ref(ref), stated

    def _by_role(self, spec: FactsAnswer, found: list[Relation]) -> list[Relation]:
        role = self.reading.role if spec.role == "{role}" else spec.role
        if role is None:
            return found
        roles = self.words.roles
        if role == ANY_HEAD or roles.any_head(role):
            return [r for r in found if r.predicate == "headOf"]
        return [r for r in found if roles.same(role, r.role)]

    def _by_rating(self, found: list[Relation]) -> list[Relation]:
        asked = self.reading.rating
        if asked is None:
            return found
        ratings = self.words.ratings
        if asked.value is not None:
            return [r for r in found if r.rating and ratings.canonical(r.rating) == asked.value]
        by_scheme: dict[str, list[Relation]] = {}
        for relation in found:
            if relation.rating:
                by_scheme.setdefault(relation.object.ref, []).append(relation)
        kept = []
        for relations in by_scheme.values():
            positions = ratings.positions({r.rating for r in relations if r.rating})
            if not positions:
                continue
            extreme = max if asked.extreme == "best" else min
            target = extreme(positions.values())
            kept += [r for r in relations if positions.get(r.rating or "") == target]
        return kept

    def _by_lifetime(self, spec: FactsAnswer, found: list[Relation]) -> list[Relation]:
        if self.window is None:
            return found
        kept, gone = [], {}
        for relation in found:
            ends = (
                [relation.subject, relation.object]
                if spec.given == "none"
                else [_end(relation, spec.find)]
            )
            missing = [e for e in ends if not self._existed(e)]
            if missing:
                for entity in missing:
                    gone[entity.ref] = entity
            else:
                kept.append(relation)
        if gone:
            names = ", ".join(
                f"{e.label} ({self.lifetimes[e.ref].describe()})"
                for e in sorted(gone.values(), key=lambda e: (e.label, e.ref))
            )
            self.notes.append(f"left out, not in existence {self.window.text}: {names}")
        return kept

    # -- paths ----------------------------------------------------------------------------

    def _paths(self, spec: PathAnswer) -> list[Answer]:
        first, second = (self.reading.links[slot].entity for slot in spec.path)
        if first.ref == second.ref:
            self.notes.append(f"both names are {first.label}: there is no path to show")
            return []
        found = self.service.paths(first.ref, second.ref, max_hops=PATH_HOPS, limit=PATHS)
        if found.co_mention:
            self.notes.append(
                "no path over stated facts: these join entities named together in one passage"
            )
        answers = []
        for path in found.paths:
            edges = tuple(
                replace(edge, evidence=tuple(e for e in edge.evidence if self._holds(e)))
                for edge in path.edges
            )
            if self.window is not None:
                self._note_undated(e for edge in path.edges for e in edge.evidence)
                in_time = all(edge.evidence for edge in edges)
                if not in_time or not all(self._existed(node) for node in path.nodes):
                    continue
            evidence = self.dated(e for edge in edges for e in edge.evidence)
            answers.append(Answer(evidence=tuple(evidence), path=replace(path, edges=edges)))
        if found.paths and not answers and self.window is not None:
            self.notes.append(f"no path holds {self.window.text}")
        return answers

    # -- describe -------------------------------------------------------------------------

    def _describe(self, spec: DescribeAnswer) -> list[Answer]:
        ref = self.reading.links[spec.describe].entity.ref
        card = self.service.entity(ref)
        stated = (r for r in (*card.outgoing, *card.incoming) if r.evidence)
        relations = [r for r in map(self._in_time, stated) if r]
        relations.sort(key=lambda r: _newest(self.dated(r.evidence)), reverse=True)
        evidence = self.dated(e for r in relations for e in r.evidence)
        if not evidence:
            mentions = queries.mention_evidence(
                self.service.store,
                self.service.entity_index,
                ref,
                limit=DESCRIBE_QUOTES,
                timeout_s=self.service.settings.query_timeout_s,
            )
            evidence = self.dated(mentions)
        lifetime = self.lifetimes.get(ref)
        description = Description(
            types=card.types,
            aliases=card.aliases,
            identifiers=dict(card.identifiers),
            start=lifetime.start if lifetime else None,
            end=lifetime.end if lifetime else None,
            documents=len(card.documents),
            facts=len(relations),
        )
        if not self._existed(card.entity):
            self.notes.append(
                f"{card.entity.label} did not exist {self.window.text if self.window else ''}"
            )
        return [
            Answer(
                evidence=tuple(evidence[:DESCRIBE_QUOTES]),
                entity=card.entity,
                relations=tuple(relations[:DESCRIBE_FACTS]),
                description=description,
            )
        ]


def _name_words(text: str) -> frozenset[str]:
    """The words of a name that tell it apart, folded and singular: no articles, joining
    words or years."""
    return frozenset(
        _singular(w)
        for w in queries.normalise(text).split()
        if w not in _JOINING and not w.isdigit()
    )


def _head(name: str) -> str | None:
    """The last word of a name, singular: what kind of thing it names ("ratings")."""
    words = [w for w in queries.normalise(name).split() if not w.isdigit()]
    return _singular(words[-1]) if words else None


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def _end(relation: Relation, find: str) -> EntityRef:
    return relation.subject if find == "subject" else relation.object


def _evidence_order(e: DatedEvidence) -> tuple:
    """Newest document first; undated last; then in reading order."""
    return (e.date is None, _negate(e.date or ""), e.document, e.start or 0)


def _negate(date: str) -> tuple[int, ...]:
    return tuple(-int(part) for part in date.split("-") if part.isdigit())


def _newest(evidence: list[DatedEvidence]) -> str:
    return max((e.date for e in evidence if e.date), default="")


def _newest_first(answer: Answer) -> tuple:
    newest = _newest(list(answer.evidence))
    label = answer.entity.label.casefold() if answer.entity else ""
    return (newest == "", _negate(newest), -len(answer.evidence), label)
