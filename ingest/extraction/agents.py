"""Agents: the organisation that runs a programme or leads a theme, and the one that set a
programme up, from a verb between them in either voice.

* passive: "Warm Start is delivered by Northshire Homes", "the hubs were set up
  jointly by A and B", "Safe Hands, a project led by Shelter";
* active: "The Department of Health runs the programme", "The board set up the X programme";
* relative: "joint reviews, which the inspectorate carries out", "the ratings, which the
  department set up";
* lead nouns: "X is the lead authority for Y", "the Home Office has been the lead
  department for the scheme";
* focus: "X's focus will be on Y", "a pilot in X is looking at Y", "X will lead on Y", where Y
  may be a theme no list named ("adults with learning difficulties").

The verbs and nouns are data (``rules/frames.yaml``, ``agents``); which side is the agent is
read from the voice, so one verb list serves every shape.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from spacy.tokens import Span

from graph.model import Claim, Predicate
from ingest.extraction.groups import group_size, listed_councils
from ingest.extraction.labels import ORG_LABELS, PROGRAMME, THEME
from ingest.extraction.lexicon import Phrases
from ingest.extraction.patterns import LineContext, studied_at, trim_phrase
from ingest.extraction.sentence import (
    is_mention,
    org_run,
    org_run_before,
    partners_after,
    quote_claim,
    ref_at,
)
from ingest.rules import AgentFrame

EXTRACTOR = "agent:"
TARGETS = (PROGRAMME, THEME)
# Words that may stand between a programme and the verb of which it is the subject or object.
_LINKS = frozenset(
    {
        "is",
        "was",
        "are",
        "were",
        "be",
        "been",
        "being",
        "will",
        "would",
        "has",
        "have",
        "had",
        "which",
        "that",
        "now",
        "also",
        "currently",
        "jointly",
        "originally",
        "first",
        "still",
        "nationally",
        "locally",
        "centrally",
        "initially",
        "to",
        "since",
        "then",
        "already",
        "formally",
        "officially",
        "recently",
        ",",
    }
)
_DETERMINERS = frozenset(
    {
        "the",
        "a",
        "an",
        "its",
        "their",
        "his",
        "her",
        "this",
        "that",
        "these",
        "new",
        "own",
        "national",
        "local",
        "first",
        "pilot",
        "whole",
    }
)
_APPOSITION_REACH = 10  # words of "Safe Hands, a short-stay tenancy support project led by"
_FOCUS_WORDS = 16  # the longest theme a focus phrase names


class AgentReader:
    """Finds who leads and who set up the programmes a document names."""

    def __init__(self, frame: AgentFrame, rules, studies: Iterable[str] = ()) -> None:
        """Compile the verb forms and lead nouns; ``rules`` (MentionRules) trims themes;
        ``studies`` are the nouns of work done on a programme ("an evaluation of")."""
        self.rules = rules
        self.studies = frozenset(studies)
        self.leads = Phrases(form for family in frame.leads for form in family)
        self.created = Phrases(form for family in frame.created for form in family)
        self.lead_nouns = frozenset(w.lower() for w in frame.lead_nouns)
        self.focus = Phrases(frame.focus_phrases)

    def claims(
        self,
        lines: list[LineContext],
        resolver,
        add_mention: Callable[[LineContext, int, int, str, str], None],
    ) -> list[Claim]:
        """Every leads and createdBy claim the document's sentences state."""
        text = resolver.document.text
        out: list[Claim] = []
        for line in lines:
            words = [t.lower_ for t in line.doc]
            for sentence in line.doc.sents:
                for i in range(sentence.start, sentence.end):
                    for phrases, predicate in (
                        (self.leads, Predicate.LEADS),
                        (self.created, Predicate.CREATED_BY),
                    ):
                        n = phrases.at(words, i)
                        if n:
                            out.extend(
                                self._verb(line, text, sentence, i, i + n, predicate, resolver)
                            )
                    if words[i] == "lead" and i + 1 < sentence.end:
                        out.extend(self._lead_noun(line, text, sentence, i))
                    n = self.focus.at(words, i)
                    if n:
                        out.extend(
                            self._focus(line, text, sentence, i, i + n, resolver, add_mention)
                        )
        return [claim for claim in out if _fits(claim)]

    # -- verbs --------------------------------------------------------------------------------

    def _verb(
        self,
        line: LineContext,
        text: str,
        sentence: Span,
        v: int,
        v_end: int,
        predicate,
        resolver,
    ) -> list[Claim]:
        doc = line.doc
        found: list[tuple[list[int], int, int, int]] = []  # agents, target, first, last
        grouped: list[tuple[list[str], int, int, int]] = []  # the same, agents as refs
        # passive: "<target> is run (jointly) (in 2010) by <agents>"
        k = v_end
        while k < sentence.end and k - v_end < 5 and doc[k].lower_ != "by":
            if doc[k].pos_ not in ("ADV", "ADP", "NUM", "PROPN", "DET") or doc[k].ent_type_:
                break
            k += 1
        if k < sentence.end and doc[k].lower_ == "by":
            j = k + 1
            if j < sentence.end and doc[j].lower_ == "the":
                j += 1
            j = _past_description(line, j, sentence.end)
            if is_mention(line, j, ORG_LABELS):
                agents = org_run(line, j, sentence.end)
                if predicate is Predicate.LEADS:
                    agents += partners_after(line, agents[-1] + 1, sentence.end)
                target = self._target_before(line, sentence, v)
                if target is not None:
                    found.append((agents, target, min(target, v), agents[-1]))
            else:
                grouped.extend(self._group_agents(line, sentence, k + 1, v, resolver))
        # relative: "<target>, which <agent> set up"
        j = v - 1
        while j >= sentence.start and doc[j].lower_ in _LINKS - {",", "which", "that"}:
            j -= 1
        if j >= sentence.start and is_mention(line, j, ORG_LABELS):
            agents = org_run_before(line, j, sentence.start)
            w = agents[0] - 1
            if w > sentence.start and doc[w].lower_ == "the":
                w -= 1  # "which the Department set up"
            if w >= sentence.start + 1 and doc[w].lower_ in ("which", "that"):
                t = w - 1 if doc[w - 1].text != "," else w - 2
                if is_mention(line, t, TARGETS):
                    partners = (
                        partners_after(line, v_end, sentence.end)
                        if predicate is Predicate.LEADS
                        else []
                    )
                    found.append((agents + partners, t, t, max([v_end - 1, *partners])))
            else:
                # active: "<agents> (has) set up <target>"
                t = v_end
                while t < sentence.end and doc[t].lower_ in _DETERMINERS:
                    t += 1
                passive = doc[v].tag_ == "VBN" and not _has_auxiliary(doc, agents[-1], v)
                if is_mention(line, t, TARGETS) and not passive:
                    found.append((agents, t, agents[0], t))
        elif j >= sentence.start and (size := group_size(doc, j + 1)) is not None:
            # active: "the three councils launched <target>"
            t = v_end
            while t < sentence.end and doc[t].lower_ in _DETERMINERS:
                t += 1
            councils = listed_councils(resolver, line.start + doc[size[1]].idx, size[0])
            if councils and is_mention(line, t, TARGETS) and doc[v].tag_ != "VBN":
                grouped.append((councils, t, size[1], t))
        grouped += [
            ([r for r in (ref_at(line, a) for a in agents) if r], target, first, last)
            for agents, target, first, last in found
        ]
        return [
            self._claim(line, text, agent, target, predicate, first, last)
            for agents, target, first, last in grouped
            for agent in agents
        ]

    def _group_agents(
        self, line: LineContext, sentence: Span, j: int, v: int, resolver
    ) -> list[tuple[list[str], int, int, int]]:
        """ "The scheme was started by the four councils": the councils of the list of
        three the document named last."""
        for end in range(j + 2, min(j + 5, sentence.end) + 1):
            size = group_size(line.doc, end)
            if size is None or size[1] != j:
                continue
            councils = listed_councils(resolver, line.start + line.doc[j].idx, size[0])
            target = self._target_before(line, sentence, v)
            if councils and target is not None:
                return [(councils, target, min(target, v), end - 1)]
        return []

    def _target_before(self, line: LineContext, sentence: Span, v: int) -> int | None:
        """The programme or theme a passive verb is about: right before it (across linking
        words), or the head of an apposition ("Safe Hands, a tenancy project led by")."""
        doc = line.doc
        j = v - 1
        while j >= sentence.start and doc[j].lower_ in _LINKS:
            j -= 1
        if is_mention(line, j, TARGETS):
            if studied_at(doc, j, self.studies):
                return None  # "a review of the scheme is run by X": the review is what X runs
            return j
        for k in range(v - 1, max(sentence.start, v - _APPOSITION_REACH) - 1, -1):
            if doc[k].text == "," and k + 1 < v and doc[k + 1].lower_ in ("a", "an", "the"):
                if is_mention(line, k - 1, TARGETS):
                    return k - 1
                break
            if doc[k].ent_type_ or doc[k].text in (".", ";"):
                break
        return None

    def _lead_noun(self, line: LineContext, text: str, sentence: Span, i: int) -> list[Claim]:
        """ "X is the lead authority for Y", "X has been the lead department for Y"."""
        doc = line.doc
        if doc[i + 1].lower_ not in self.lead_nouns:
            return []
        k = i + 2
        if k >= sentence.end or doc[k].lower_ not in ("for", "on", "of", "in"):
            return []
        k += 1
        while k < sentence.end and doc[k].lower_ in _DETERMINERS:
            k += 1
        if not is_mention(line, k, TARGETS):
            return []
        j = i - 1
        while j >= sentence.start and (doc[j].lower_ in _LINKS or doc[j].lower_ == "the"):
            j -= 1
        if not is_mention(line, j, ORG_LABELS):
            return []
        agents = org_run_before(line, j, sentence.start)
        return [
            self._claim(line, text, agent, k, Predicate.LEADS, agents[0], k) for agent in agents
        ]

    def _focus(
        self,
        line: LineContext,
        text: str,
        sentence: Span,
        i: int,
        end: int,
        resolver,
        add_mention: Callable[[LineContext, int, int, str, str], None],
    ) -> list[Claim]:
        """ "X's focus will be on Y", "a pilot in X is looking at Y", "X will lead on Y"."""
        doc = line.doc
        agent = None
        for j in range(i - 1, max(sentence.start - 1, i - 6), -1):
            if is_mention(line, j, ORG_LABELS):
                agent = j
                break
            if doc[j].ent_type_ or doc[j].text in (",", ";"):
                break
        if agent is None:
            return []
        k = end
        while k < sentence.end and doc[k].lower_ in ("the", "a", "an", "new"):
            k += 1
        if is_mention(line, k, TARGETS):
            target_ref, last = ref_at(line, k), k
        else:
            stop = k
            while stop < sentence.end and doc[stop].text not in (",", ";", ".", "(", ":"):
                if doc[stop].ent_type_ or doc[stop].lower_ in ("which", "who", "while"):
                    break
                stop += 1
            if stop == k or stop - k > _FOCUS_WORDS:
                return []
            words = doc[k:stop].text
            if all(t.is_title or not t.is_alpha or t.is_stop for t in doc[k:stop]):
                # "Northshire's focus will be on Harbourside Energy": a named project
                target_ref, kind = resolver.programme(words), PROGRAMME
            else:
                # "new models of mental health support": the theme is the support; the
                # whole phrase is another name for it
                core = " ".join(trim_phrase(words.split(), self.rules)) or words
                target_ref, kind = resolver.theme(core, alias=words), THEME
            if target_ref is None:
                return []
            add_mention(line, k, stop, kind, target_ref)
            last = stop - 1
        claims = [
            quote_claim(
                line,
                text,
                agent,
                last,
                ref_at(line, agent),
                Predicate.LEADS,
                target_ref,
                EXTRACTOR + "focus",
                0.6,
            )
        ]
        pilot = agent - 2
        if pilot >= sentence.start and doc[agent - 1].lower_ == "in" and doc[pilot].is_lower:
            noun = doc[pilot].lower_.rstrip("s")
            if noun in ("pilot", "project", "scheme", "trial", "pathfinder"):
                # "a pilot in X is looking at Y": X takes part in the programme its pilot is of
                offset = line.start + doc[pilot].idx
                head = "pilot" if noun == "pilot" else None
                programme = resolver.programme_in_focus(offset, head)
                if programme is not None:
                    claims.append(
                        quote_claim(
                            line,
                            text,
                            pilot,
                            last,
                            ref_at(line, agent),
                            Predicate.PARTICIPATES_IN,
                            programme,
                            EXTRACTOR + "focus",
                            0.6,
                        )
                    )
        return claims

    def _claim(
        self,
        line: LineContext,
        text: str,
        agent: int | str,
        target: int,
        predicate: Predicate,
        first: int,
        last: int,
    ) -> Claim:
        agent_ref = agent if isinstance(agent, str) else ref_at(line, agent)
        target_ref = ref_at(line, target)
        if predicate is Predicate.CREATED_BY:
            subject, obj = target_ref, agent_ref
        else:
            subject, obj = agent_ref, target_ref
        return quote_claim(
            line, text, first, last, subject, predicate, obj, EXTRACTOR + predicate.value
        )


def _past_description(line: LineContext, j: int, end: int) -> int:
    """The organisation a few lower-case words describe before its name ("by the housing
    charity Northcare"), or ``j`` when none follows them."""
    doc = line.doc
    k = j
    while k < end and k - j < 4 and doc[k].is_lower and doc[k].is_alpha and not doc[k].ent_type_:
        if doc[k].pos_ not in ("NOUN", "ADJ"):
            return j
        k += 1
    return k if k > j and is_mention(line, k, ORG_LABELS) else j


def _fits(claim: Claim) -> bool:
    """Whether the kinds at the two ends suit the predicate."""
    subject, obj = claim.subject.split("/")[0], claim.object.split("/")[0]
    if claim.predicate is Predicate.CREATED_BY:
        return subject == "programme" and obj in ("council", "body")
    return subject in ("council", "body") and obj in ("programme", "theme")


def _has_auxiliary(doc, agent: int, v: int) -> bool:
    """Whether a past participle after its agent is active ("X has set up"), not passive."""
    return any(doc[k].lower_ in ("has", "have", "had") for k in range(agent + 1, v))
