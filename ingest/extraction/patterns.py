"""Relations: the triggers of ``rules/relations.yaml`` run over lines whose mentions are tokens.

Before matching, every mention of a line (council, body, person, programme, theme, post) is
merged into one token labelled with its kind, so that a rule such as
``"ORG ,? is the lead authority for the? TARGET"`` matches "Kent County Council is the lead
authority for the pilot" as a handful of tokens. spaCy's Matcher reports which pattern
element each token matched (``with_alignments``), which tells the subject and object apart.

A slot for organisations takes the whole list it stands in ("Oldham, Rochdale and Tameside
have signed up"), and when a rule's last slot is missing at the end of a line ("the 14 worst
councils are:") the names on the lines that follow fill it. A TARGET slot that holds no
mention takes the noun phrase there ("is leading on early help") as a theme, or a programme
when the phrase names one. Every claim quotes the words it was read from.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from spacy.attrs import ENT_TYPE, LOWER
from spacy.matcher import Matcher
from spacy.tokens import Doc, Token

from graph.model import Claim, Predicate
from ingest.extraction.labels import BODY, COUNCIL, ORG_LABELS, PERSON, PROGRAMME, ROLE, THEME
from ingest.extraction.mention_rules import MentionRules
from ingest.rules import Element, RelationRule, RelationsFile, parse_pattern

EXTRACTOR_PREFIX = "rule:"
_ORDINALS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
}
_SEPARATORS = (",", "and", "&", ";")
_OPEN = "#open"  # suffix of the rules' variants whose last slot is on the next lines
_ASIDE = "#aside"  # suffix of the variants that step over an aside after their subject
# An aside between an organisation and what a rule says of it: "Medway Council, whose
# leader is Cllr Hale, is the lead authority for ..."
ASIDE = parse_pattern(", who|whose|which|where _{1,12} ,")


@dataclass(frozen=True, slots=True)
class Hit:
    """One match of one rule in a line: which token filled which element."""

    rule: RelationRule
    elements: list[Element]
    start: int
    end: int
    slots: dict[str, list[int]]  # slot -> token indices
    captures: dict[str, str]
    open_end: bool  # the rule's last slot is to be filled from the following lines
    open_kinds: tuple[str, ...] = ()  # what that slot takes


class RelationMatcher:
    """The relation rules compiled into spaCy Matchers, one per rule.

    A line is matched only against the rules whose required words and mention kinds it
    holds, which spares the Matcher most of its work: a line without "chaired" never
    tries the "chaired by" rule.
    """

    def __init__(self, vocab, relations: RelationsFile) -> None:
        """Compile every rule (and the open-ended variant of rules ending in a list slot)."""
        self.rules: dict[str, tuple[RelationRule, list[Element]]] = {}
        self.open_kinds: dict[str, tuple[str, ...]] = {}
        self.studies = frozenset(relations.studies)
        for rule in relations.relations:
            elements = rule.elements
            self.rules[rule.name] = (rule, elements)
            if _opens_with_organisation(elements):
                self.rules[rule.name + _ASIDE] = (rule, [elements[0], *ASIDE, *elements[2:]])
            last = elements[-1]
            listable = set(last.kinds) <= set(ORG_LABELS) or last.kinds == (THEME,)
            if last.slot and listable and len(elements) > 2:
                prefix = elements[:-1]
                while prefix and prefix[-1].op in ("?", "*"):
                    prefix = prefix[:-1]
                if sum(1 for e in prefix if e.op not in ("?", "*")) >= 2:
                    name = rule.name + _OPEN
                    self.rules[name] = (rule, elements[:-1])
                    self.open_kinds[name] = last.kinds
        self._compiled: list[tuple[str, Matcher, list[frozenset[str]], list[frozenset[str]]]] = []
        for name, (_rule, elements) in self.rules.items():
            matcher = Matcher(vocab, validate=True)
            matcher.add(name, [[e.token_pattern() for e in elements]])
            required = [e for e in elements if e.op in (None, "+")]
            # as string ids, to compare with the doc's arrays without making Token objects
            words = [
                frozenset(vocab.strings.add(w) for w in e.words)
                for e in required
                if e.words and e.words != ("_",)
            ]
            kinds = [
                frozenset(vocab.strings.add(k) for k in e.kinds)
                for e in required
                if e.slot and e.slot.rstrip("0123456789") != "TARGET"
            ]
            self._compiled.append((name, matcher, words, kinds))

    def hits(self, doc: Doc) -> Iterator[Hit]:
        """Every match in a merged line Doc, with its slots read from the alignments."""
        strings = doc.vocab.strings
        last_word = _last_word(doc)
        # a line that ends its sentence ("... is the lead council for the deal.") leaves no
        # slot for the lines after it to fill
        if _ends_sentence(doc):
            last_word = len(doc) + 1
        rows = doc.to_array([LOWER, ENT_TYPE])
        lowers = set(rows[:, 0].tolist())
        labels = set(rows[:, 1].tolist())
        for _name, matcher, words, kinds in self._compiled:
            if any(not (w & lowers) for w in words) or any(not (k & labels) for k in kinds):
                continue
            for match_id, start, end, alignments in matcher(doc, with_alignments=True):
                yield from self._hit(doc, strings[match_id], start, end, alignments, last_word)

    def _hit(self, doc: Doc, name: str, start: int, end: int, alignments, last_word: int):
        rule, elements = self.rules[name]
        open_end = name.endswith(_OPEN)
        if open_end and end < last_word:
            return  # the list is on this line, and the full rule reads it
        if elements[0].slot and studied_at(doc, start, self.studies):
            return  # "a review of the scheme is run by X": the review is what X runs
        slots: dict[str, list[int]] = {}
        captures: dict[str, str] = {}
        for offset, element_index in enumerate(alignments):
            element = elements[element_index]
            if element.slot:
                slots.setdefault(element.slot, []).append(start + offset)
            if element.capture:
                captures[element.capture] = doc[start + offset].text.lower()
        kinds = self.open_kinds.get(name, ())
        yield Hit(rule, elements, start, end, slots, captures, open_end, kinds)


def studied_at(doc: Doc, start: int, studies: frozenset[str]) -> bool:
    """Whether the mention at ``start`` follows "<a study> of": "an evaluation of X"."""
    return start >= 2 and doc[start - 1].lower_ == "of" and doc[start - 2].lower_ in studies


def _opens_with_organisation(elements: list[Element]) -> bool:
    """Whether a pattern opens with an organisation and an optional comma ("ORG ,? ...")."""
    return (
        len(elements) > 2
        and elements[0].slot is not None
        and set(elements[0].kinds) <= set(ORG_LABELS)
        and elements[0].op is None
        and elements[1].words == (",",)
        and elements[1].op == "?"
    )


def _ends_sentence(doc: Doc) -> bool:
    i = len(doc)
    while i > 0 and doc[i - 1].is_space:
        i -= 1
    return i > 0 and doc[i - 1].text in (".", "!", "?")


def _last_word(doc: Doc) -> int:
    i = len(doc)
    while i > 0 and (doc[i - 1].is_punct or doc[i - 1].is_space):
        i -= 1
    return i


def coordinated(doc: Doc, i: int, labels: tuple[str, ...]) -> list[int]:
    """The tokens of the list a mention stands in: "Oldham, Rochdale and the LGA"."""

    def step(j: int, direction: int) -> int | None:
        k = j + direction
        if direction < 0 and k >= 0 and doc[k].lower_ == "the":
            k -= 1  # "..., and the LGA"
        separators = 0
        while 0 <= k < len(doc) and doc[k].lower_ in _SEPARATORS and separators < 2:
            k += direction
            separators += 1
        if direction > 0 and k < len(doc) and doc[k].lower_ == "the":
            k += 1
        if separators and 0 <= k < len(doc) and doc[k].ent_type_ in labels:
            return k
        return None

    items = [i]
    j = i
    while (k := step(j, -1)) is not None:
        items.insert(0, k)
        j = k
    j = i
    while (k := step(j, 1)) is not None:
        items.append(k)
        j = k
    return items


def _partners(doc: Doc, k: int, labels: tuple[str, ...]) -> list[int]:
    """The organisations "with" adds at token ``k`` to those that run something ("led by
    the inspectorate with the Audit Commission and the police inspectorate")."""
    if not (k < len(doc) and doc[k].lower_ == "with"):
        return []
    j = k + 2 if k + 1 < len(doc) and doc[k + 1].lower_ == "the" else k + 1
    return coordinated(doc, j, labels) if j < len(doc) and doc[j].ent_type_ in labels else []


def noun_phrase(doc: Doc, i: int, leftward: bool, rules: MentionRules) -> tuple[int, int]:
    """Token bounds of the noun phrase that ends (leftward) or starts at token ``i``."""
    if leftward:
        start = i
        while start > 0:
            t = doc[start - 1]
            if t.ent_type_ or not t.is_alpha:
                break
            if t.pos_ == "DET":
                start -= 1
                break
            if t.pos_ not in ("NOUN", "PROPN", "ADJ", "NUM") and t.dep_ not in ("compound", "amod"):
                break
            start -= 1
        return start, i + 1
    end = i
    n = len(doc)
    while end < n:
        t = doc[end]
        if t.ent_type_ and end > i:
            break
        if t.lower_ in rules.theme_stops or t.text in (",", ".", ";", ":", "(", ")", '"', "“", "”"):
            break
        if (
            t.pos_ in ("VERB", "AUX", "PRON", "SCONJ", "PART")
            and end > i
            and t.tag_ != "VBG"
            and t.text not in ("'s", "’s")
        ):
            break
        if t.pos_ == "ADP" and t.lower_ not in ("of", "for"):
            break
        if (
            t.lower_ in ("of", "for")
            and end + 1 < n
            and (doc[end + 1].pos_ in ("DET", "PRON") or doc[end + 1].ent_type_)
        ):
            break
        if t.pos_ == "DET" and end > i:
            break
        end += 1
    while end > i and (doc[end - 1].pos_ in ("ADP", "CCONJ", "DET") or doc[end - 1].is_punct):
        end -= 1
    return i, max(end, i + 1)


def trim_phrase(words: list[str], rules: MentionRules, pos: list[str] | None = None) -> list[str]:
    """A theme phrase without its lead-in ("a network of") and trailing nouns ("strand").
    A trailing noun stays where what would be left only qualifies it: an adjective
    ("physical activity", by ``pos``, the words' parts of speech) or a possessive
    ("children's services")."""
    lowered = [w.lower() for w in words]
    tags = list(pos) if pos is not None else None
    changed = True
    while changed and words:
        changed = False
        for prefix in rules.strip_prefixes:
            if len(prefix) < len(words) and tuple(lowered[: len(prefix)]) == prefix:
                words, lowered = words[len(prefix) :], lowered[len(prefix) :]
                tags = tags[len(prefix) :] if tags else tags
                changed = True
                break
        for suffix in rules.trailing_nouns:
            n = len(suffix)
            if (
                n < len(words)
                and tuple(lowered[-n:]) == suffix
                and not lowered[-n - 1].endswith(("'s", "’s", "s'"))
                and not (tags and tags[-n - 1] == "ADJ")
            ):
                words, lowered = words[:-n], lowered[:-n]
                tags = tags[:-n] if tags else tags
                changed = True
                break
    while words and lowered[-1] in ("and", "or", "of", "for", "the", "&", "to"):
        words, lowered = words[:-1], lowered[:-1]
    return words


@dataclass(slots=True)
class LineContext:
    """What the relation stage needs of a line and the document around it."""

    index: int
    start: int  # offset of the line in Document.text
    doc: Doc  # merged: one token per mention
    passage_key: str
    heading: str | None
    token_found: dict[int, object]  # token index in the merged doc -> Found
    line_theme: str | None  # the theme a "Theme 1: ..." heading on this line names
    line_theme_start: int | None = None  # where that heading's theme starts in the text


class ClaimBuilder:
    """Turns rule hits into claims, resolving focus, lists and noun-phrase targets."""

    def __init__(
        self,
        rules: MentionRules,
        resolver,  # ingest.extraction.resolution.Resolver
        next_items: Callable[[int, tuple[str, ...]], tuple[list[str], int]],
        add_mention: Callable[[LineContext, int, int, str, str], None],
    ) -> None:
        """``next_items(line, labels)`` gives the refs and end offset of a list on the lines
        after ``line``; ``add_mention`` records a mention the relation stage found."""
        self.rules = rules
        self.resolver = resolver
        self.next_items = next_items
        self.add_mention = add_mention

    def claims(self, line: LineContext, hits: Iterator[Hit]) -> list[Claim]:
        """The claims of every hit in a line: where rules state the same fact from
        overlapping words, the most confident (then the longest) quote is kept."""
        kept: dict[tuple[str, str, str], list[Claim]] = {}
        for hit in hits:
            for claim in self._claims(line, hit):
                same = kept.setdefault((claim.subject, claim.predicate.value, claim.object), [])
                clash = [c for c in same if c.start < claim.end and claim.start < c.end]
                if not clash:
                    same.append(claim)
                    continue
                best = max([claim, *clash], key=lambda c: (c.confidence, c.end - c.start, -c.start))
                same[:] = [c for c in same if c not in clash] + [best]
        return [claim for group in kept.values() for claim in group]

    def _ref(self, line: LineContext, i: int) -> str | None:
        found = line.token_found.get(i)
        return getattr(found, "ref", None)

    def _claims(self, line: LineContext, hit: Hit) -> list[Claim]:
        doc = line.doc
        rule = hit.rule
        span_tokens = set(range(hit.start, hit.end))
        subject_slot = hit.slots.get(rule.subject)
        end_offset: int | None = None
        subjects: list[str] = []
        objects: list[str] = []
        if subject_slot:
            token = subject_slot[0]
            labels = _labels_of(doc[token])
            items = coordinated(doc, token, labels) if labels != (PERSON,) else [token]
            if rule.predicate == "leads":
                items += _partners(doc, items[-1] + 1, labels)
            span_tokens.update(items)
            subjects = [r for r in (self._ref(line, k) for k in items) if r]
        elif hit.open_end and rule.subject not in hit.slots:
            subjects, end_offset = self.next_items(line.index, hit.open_kinds)
        if rule.object:
            object_slot = hit.slots.get(rule.object)
            if object_slot:
                token = object_slot[0]
                if doc[token].ent_type_:
                    labels = _labels_of(doc[token])
                    items = (
                        coordinated(doc, token, labels)
                        if labels in ((COUNCIL, BODY), (THEME,))
                        else [token]
                    )
                    span_tokens.update(items)
                    objects = [r for r in (self._ref(line, k) for k in items) if r]
                else:
                    target = self._noun_phrase_target(line, hit, token)
                    if target is None:
                        return []
                    ref, bounds = target
                    span_tokens.update(range(*bounds))
                    objects = [ref]
            elif hit.open_end:
                objects, end_offset = self.next_items(line.index, hit.open_kinds)
        if rule.object is None:
            offset = line.start + doc[hit.start].idx
            last = doc[max(span_tokens)]
            end_at = line.start + last.idx + len(last.text)
            focus = self._focus(line, rule, offset, subjects, end_at)
            objects = [focus] if focus else []
        if not subjects or not objects:
            return []
        if rule.subject_head and not any(
            self.resolver.label_of(s).lower().split()[-1] in rule.subject_head for s in subjects
        ):
            return []
        rating = None
        if rule.rating:
            rating = rule.rating.format(**hit.captures)
        predicates = list(rule.predicates)
        start = line.start + min(doc[k].idx for k in span_tokens)
        if (
            rule.focus == "target"
            and objects == [line.line_theme]
            and line.line_theme_start is not None
        ):
            start = min(start, line.line_theme_start)  # quote the heading that names the theme
        end = line.start + max(doc[k].idx + len(doc[k].text) for k in span_tokens)
        if end_offset is not None:
            end = max(end, end_offset)
        quote = self.resolver.document.text[start:end]
        claims = []
        pairs = [(s, o) for s in subjects for o in objects if s != o and self._fits(rule, s, o)]
        if rule.inverse:
            pairs = [(o, s) for s, o in pairs]
        for subject, obj in pairs:
            for predicate in predicates:
                claims.append(
                    Claim(
                        subject=subject,
                        predicate=predicate,
                        object=obj,
                        passage_key=line.passage_key,
                        start=start,
                        end=end,
                        quote=quote,
                        extractor=EXTRACTOR_PREFIX + rule.name,
                        confidence=rule.confidence,
                        rating=rating,
                        scheme=obj if predicate == Predicate.RATED else None,
                    )
                )
        return claims

    def _fits(self, rule: RelationRule, subject: str, obj: str) -> bool:
        """Whether the kinds of subject and object suit the predicate."""
        s_kind, o_kind = subject.split("/", 1)[0], obj.split("/", 1)[0]
        orgs = ("council", "body")
        return {
            "leads": s_kind in orgs and o_kind in ("programme", "theme"),
            "participatesIn": s_kind in orgs and o_kind == "programme",
            "rated": s_kind in orgs and o_kind == "programme",
            "memberOf": s_kind in orgs and o_kind in orgs,
            "partOf": s_kind == "body" and o_kind in orgs,
            "created": s_kind in orgs and o_kind == "programme",
            "hasTheme": s_kind == "programme" and o_kind == "theme",
            "themeOf": s_kind == "theme" and o_kind == "programme",
        }[rule.predicate]

    def _focus(
        self,
        line: LineContext,
        rule: RelationRule,
        offset: int,
        subjects: list[str],
        end: int,
    ) -> str | None:
        resolver = self.resolver
        focus = rule.focus
        if focus == "scheme":
            return resolver.scheme_in_focus(offset, line.index, end)
        if focus == "owner":
            doc = line.doc
            first = next((t for t in doc if line.start + t.idx >= offset), None)
            if first is not None and any(
                t.ent_type_ in ORG_LABELS for t in doc[first.sent.start : first.i]
            ):
                return None  # "Leeds City Council agreed four priorities: ...": the council's
            return resolver.list_owner(offset)
        if focus == "target":
            return (
                line.line_theme
                or resolver.heading_theme(line.heading)
                or self._named_heading(line)
                or resolver.programme_in_focus(offset, None)
            )
        if focus in ("pilot", "fund"):
            return resolver.programme_in_focus(offset, focus) or resolver.programme_in_focus(
                offset, None
            )
        return resolver.programme_in_focus(offset, None)

    def _named_heading(self, line: LineContext) -> str | None:
        """A short title-case heading right above a "Lead council:" line names a project
        ("Homes as Power Stations")."""
        heading = line.heading
        before = self.resolver.document.text[: line.start].rstrip()
        if not heading or not before.endswith(heading):
            return None
        words = heading.strip("#*_ ").split()
        if not 1 < len(words) <= 8 or not all(w[:1].isupper() or len(w) <= 3 for w in words):
            return None
        if any(w.lower() in self.rules.not_person_words for w in words):
            return None  # "Report of the Programme Director" heads a paper, not a project
        return self.resolver.programme(" ".join(words))

    def _noun_phrase_target(
        self, line: LineContext, hit: Hit, token: int
    ) -> tuple[str, tuple[int, int]] | None:
        """A theme or programme from the words at a TARGET slot that holds no mention."""
        doc = line.doc
        first = (
            hit.elements[0].slot is not None
            and hit.slots.get(hit.elements[0].slot, [None])[0] == token
        )
        start, end = noun_phrase(doc, token, leftward=first, rules=self.rules)
        if first and doc[token].lower_ in self.rules.programme_heads:
            # "Better Care Southampton, the city's care programme, which is led by X"
            for k in range(start - 1, max(-1, start - 14), -1):
                if doc[k].text == "," and k > 0 and doc[k - 1].ent_type_ == PROGRAMME:
                    ref = self._ref(line, k - 1)
                    if ref:
                        return ref, (k - 1, end)
                if doc[k].tag_ in ("VBZ", "VBD", "VBP", "MD") or doc[k].text in (".", ";"):
                    break
        words = [t.text for t in doc[start:end]]
        lowered = " ".join(w.lower() for w in words)
        resolver = self.resolver
        if lowered in self.rules.theme_anaphors:
            ref = line.line_theme or resolver.heading_theme(line.heading)
            return (ref, (start, end)) if ref else None
        ordinal = next((_ORDINALS[w.lower()] for w in words if w.lower() in _ORDINALS), None)
        if ordinal and words[-1].lower() in self.rules.theme_nouns:
            ref = resolver.ordinal_theme(ordinal)
            return (ref, (start, end)) if ref else None
        words = trim_phrase(words, self.rules, [t.pos_ for t in doc[start:end]])
        if not words:
            return None
        text = " ".join(words)
        last = words[-1].lower()
        capitalised = sum(1 for w in words if w[:1].isupper()) >= max(2, len(words) - 1) or (
            len(words) == 1
            and (words[0].isupper() or not doc[start].is_sent_start)
            and words[0][:1].isupper()
        )
        if last in self.rules.programme_heads or last in self.rules.scheme_heads or capitalised:
            ref = resolver.programme(text)
            kind = PROGRAMME
        else:
            ref = resolver.declared_theme(text) or resolver.theme(text)
            kind = THEME
        if ref is None:
            return None
        self.add_mention(line, start, end, kind, ref)
        return ref, (start, end)


def _labels_of(token: Token) -> tuple[str, ...]:
    if token.ent_type_ in ORG_LABELS:
        return (COUNCIL, BODY)
    if token.ent_type_ == ROLE:
        return (ROLE,)
    return (token.ent_type_,)
