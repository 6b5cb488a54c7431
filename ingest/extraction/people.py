"""People and posts named in a line: a post word with its portfolio, and a name with its title."""

from __future__ import annotations

from spacy.attrs import LOWER
from spacy.tokens import Token

from ingest.extraction.candidates import Candidate, Flags, RoleInfo, drop_contained, token_set
from ingest.extraction.labels import PERSON, ROLE
from ingest.extraction.scan import ScanBase
from ingest.extraction.tokens import (
    URLISH,
    is_capitalised,
    is_possessive,
    model_person,
    name_token,
    role_text,
)
from ingest.gazetteer import normalise_name
from ingest.rules import RoleRule

# Words before a name that make its place word a place: "at Mill Street", "the Town Hall".
_PLACE_WORDS_BEFORE = frozenset({"the", "at", "in", "on", "of", "from", "to", "into", "near"})


def _same_entity(token: Token, role: Token) -> bool:
    """Whether the model put ``token`` and the post word in one entity: a name does not end
    in a post word, so "Senior Governance Officer" read as a person is a post's words."""
    return role.ent_iob_ == "I" and role.ent_type_ == token.ent_type_ and token.i < role.i


# words that open the noun phrase a lower-case portfolio of two words stands in
_NOUN_PHRASE_OPENERS = frozenset(("the", "its", "their", "his", "her"))


class RoleScan(ScanBase):
    """Post words with their modifiers, portfolio and suffixes."""

    def roles(self, blocked: list[Candidate]) -> list[Candidate]:
        """Posts: a post word with its modifiers, portfolio and suffixes."""
        out = []
        doc = self.doc
        taken = token_set(blocked)
        # a known programme's name is not a post's modifier ("the Supporting People manager")
        named = {i for span in doc.spans.get("programmes", []) for i in range(span.start, span.end)}
        for span in doc.spans.get("roles", []):
            start, end = span.start, span.end
            if any(i in taken for i in range(start, end)):
                continue
            core = span.text.lower()
            if (
                end < len(doc)
                and doc[end].is_lower
                and doc[end].lower_ in self.rules.programme_heads
                and all(is_capitalised(t) for t in doc[start:end])
                and start > 0
                and (is_capitalised(doc[start - 1]) or doc[start - 1].lower_ in ("a", "an"))
            ):
                continue  # "the Be a Trustee programme": the end of a programme's name
            # "Councillor Jane Smith", "Cllr" as a title rather than a post
            if core in self.rules.title_words and end < len(doc) and is_capitalised(doc[end]):
                continue
            left = start
            while left > 0 and start - left < 4:
                t = doc[left - 1]
                if (
                    t.text == "-"
                    and left >= 2
                    and (left - 2) not in taken
                    and f"{doc[left - 2].lower_}-{doc[left].lower_}" in self.rules.modifiers
                ):
                    left -= 2  # "out-going", written as three tokens
                    continue
                if (
                    t.lower_ in ("and", "&")
                    and left >= 2
                    and (left - 2) not in taken
                    and is_capitalised(doc[left])
                    and is_capitalised(doc[left - 2])
                    and doc[left - 2].pos_ in ("NOUN", "PROPN", "ADJ")
                    and not doc[left - 2].ent_type_  # "George Osborne and Health Secretary"
                ):
                    left -= 2  # "Health and Wellbeing Minister": a portfolio of two words
                    continue
                if (
                    t.lower_ == "and"
                    and start > left >= 3
                    and (left - 2) not in taken
                    and doc[left].is_lower
                    and doc[left - 2].is_lower
                    and doc[left - 2].pos_ in ("NOUN", "ADJ")
                    and (
                        doc[left - 3].lower_ in _NOUN_PHRASE_OPENERS or is_possessive(doc[left - 3])
                    )
                ):
                    left -= 2  # "the housing and planning minister", within one noun phrase
                    continue
                if (
                    (left - 1) in taken
                    or (left - 1) in named
                    or t.lower_ in self.rules.not_before
                    or (
                        t.ent_type_ in ("PERSON", "NORP", "GPE", "DATE", "CARDINAL", "MONEY")
                        and not _same_entity(t, doc[start])
                    )
                    or not (
                        t.lower_ in self.rules.modifiers
                        or (t.pos_ in ("NOUN", "PROPN", "ADJ") and t.is_alpha)
                    )
                ):
                    break
                left -= 1
            before_words = [
                t.lower_
                for t in doc[left:start]
                if t.lower_ not in self.rules.modifiers
                and t.is_alpha
                and t.lower_ not in ("out", "going")
            ]
            modifiers = {t.lower_ for t in doc[left:start]} & self.rules.modifiers
            right = end
            while right < len(doc) and doc[right].lower_ in self.rules.role_suffixes:
                right += 1
            rule = self.rules.role_rule(core, " ".join(before_words))
            if rule is None:
                continue
            # "the Scottish Government's Cabinet Secretary for Health": the organisation is
            # named before the post, so a capitalised name after it is the portfolio
            owned = left >= 2 and is_possessive(doc[left - 1]) and (left - 2) in taken
            portfolio_end = self._portfolio(right, rule, taken, owned)
            # "director of" + "policy" / "head of" + "policy": "head of" holds its preposition
            first = right if rule.label.endswith(" of") else right + 1
            portfolio = doc[first:portfolio_end].text if portfolio_end > right else ""
            if rule.portfolio == "required" and not portfolio and not before_words:
                if core.endswith(" of"):  # "head of" followed by an organisation: the head
                    end = right = portfolio_end = end - 1
                    rule = self.rules.role_rule("head", "") or rule
                else:
                    continue
            final_end = max(right, portfolio_end)
            while final_end > start and doc[final_end - 1].is_punct:
                final_end -= 1
            head = (
                rule.kind == "head"
                and not (modifiers & self.rules.demoting)
                and (
                    not portfolio
                    or (rule.heads_department and bool(self.rules.department_for(portfolio)))
                )
            )
            if rule.portfolios and not before_words:
                head = False
            info = RoleInfo(
                text=role_text(doc[left:final_end]),
                rule=rule,
                head=head,
                before=" ".join(before_words),
                portfolio=portfolio,
                heads_body=rule.heads_bodies and not (portfolio or before_words or modifiers),
            )
            out.append(Candidate(left, final_end, ROLE, "role", Flags(role=info)))
        return out

    def _employer_after_name(self, k: int, taken: set[int]) -> bool:
        """Whether the capitalised words from ``k`` are a portfolio followed by the name of
        its employer, found already: "Head of Digital Services, Northshire County Council",
        "Director General for Crime, Policing and Fire at the Home Office"."""
        doc, n = self.doc, len(self.doc)

        def run_end(end: int, joiners: tuple[str, ...]) -> int:
            while (
                end < n
                and end not in taken
                and (is_capitalised(doc[end]) or doc[end].lower_ in joiners)
            ):
                end += 1
            return end

        end = run_end(k, ("and", "&"))
        if end == k:
            return False
        if end + 1 < n and doc[end].text == "," and end + 1 in taken:
            return True
        end = run_end(end, ("and", "&", ","))
        if end + 1 < n and doc[end].lower_ in ("at", "in", "within"):
            employer = end + 2 if doc[end + 1].lower_ == "the" else end + 1
            return employer in taken
        return False

    def _portfolio(self, i: int, rule: RoleRule, taken: set[int], owned: bool = False) -> int:
        """The end of the portfolio that follows a post word at token ``i``, or ``i``;
        ``owned`` when the post's organisation is named before it."""
        doc, n = self.doc, len(self.doc)
        # any post may take a portfolio ("chair of social affairs at the LGA"); a head post
        # with one heads a part, not the organisation
        prepositions = {p.lower() for p in rule.prepositions} or {"of", "for"}
        if rule.label.endswith(" of"):  # "head of" already holds its preposition
            j = i
        elif i < n and doc[i].lower_ in prepositions:
            j = i + 1
        else:
            return i
        k = j + (1 if j < n and doc[j].lower_ == "the" else 0)
        if k >= n or k in taken:
            return i  # "chief executive of Kent County Council": the organisation follows
        if (
            not owned
            and doc[k].ent_type_ in ("ORG", "GPE")
            and is_capitalised(doc[k])
            and not self._portfolio_words(k)
            and not self._employer_after_name(k, taken)
        ):
            return i
        end = j
        while end < n:
            t = doc[end]
            if end in taken or t.lower_ in ("at", "in", "within", "to", "with", "on", "said"):
                break
            if t.ent_type_ == "PERSON" or (
                end > j
                and is_capitalised(t)
                and doc[end - 1].is_alpha
                and doc[end - 1].is_lower
                and t.pos_ == "PROPN"
                # "Partnerships and Local Government": a capitalised portfolio goes on
                and not (doc[end - 1].lower_ == "and" and is_capitalised(doc[end - 2]))
            ):
                break  # "head of housing Priya Desai": the name is not the portfolio
            if t.lower_ in ("of", "for") and (
                end + 1 in taken
                or (end + 2 < n and doc[end + 1].lower_ == "the" and end + 2 in taken)
            ):
                break
            if t.text == ",":
                if not self._list_continues(end + 1, taken):
                    break
                end += 1
                continue
            if (
                t.lower_ in ("and", "&")
                and end + 1 < n
                and (
                    doc[end + 1].lower_ in self.rules.role_terms
                    or doc[end + 1].lower_ in ("the", "a", "an", "out", "out-going", "outgoing")
                    or (end + 1) in taken
                )
            ):
                break
            if (
                t.pos_ in ("NOUN", "PROPN", "ADJ", "CCONJ")
                or t.tag_ == "VBG"
                or t.text in ("-", "'s", "’s")
                or (t.lower_ in ("of", "for") and end > j)
            ):
                if t.lower_ in self.rules.role_terms and end > j:
                    break
                end += 1
                continue
            break
        while end > j and (doc[end - 1].pos_ in ("CCONJ", "ADP") or doc[end - 1].is_punct):
            end -= 1
        return end if end > j else i

    def _portfolio_words(self, k: int) -> bool:
        """Whether capitalised words at ``k`` name a policy area ("Director of Public Health")."""
        doc = self.doc
        for length in range(5, 0, -1):
            if normalise_name(doc[k : k + length].text) in self.rules.concept_names:
                return True
        return False

    def _list_continues(self, i: int, taken: set[int]) -> bool:
        """After a comma in a portfolio: does a list go on ("health, housing and care")?"""
        doc = self.doc
        for j in range(i, min(len(doc), i + 8)):
            t = doc[j]
            if j in taken or t.text in (",", ".", ";", ":") or t.pos_ in ("VERB", "AUX", "DET"):
                return False
            if t.lower_ in ("and", "&"):
                return True
        return False


class PeopleScan(ScanBase):
    """Names of people, with their titles."""

    def people(self, blocked: list[Candidate]) -> list[Candidate]:
        """People: the model's PERSON spans and titled names, titles split off."""
        doc = self.doc
        # a bare place name may be a surname ("Sir Ivor Pendle"); the longer name decides
        taken = token_set([c for c in blocked if not c.flags.bare])
        spans: list[tuple[int, int]] = [(e.start, e.end) for e in doc.ents if e.label_ == "PERSON"]
        spans += self._titled_names()
        spans += self._names_around_posts(blocked)
        out: dict[tuple[int, int], Candidate] = {}
        roles_end = {c.end for c in blocked if c.label == ROLE}
        for start, end in spans:
            if self._apposition_says_organisation(end) or self._described_before(start):
                continue  # "Carers Together Southampton, a local charity", "the charity X"
            if self._employer_of_post(start, end, roles_end):
                continue  # "managing director of Arthur Price": a firm named for its founder
            candidate = self.person(start, end, taken)
            if candidate and (candidate.start, candidate.end) not in out:
                out[(candidate.start, candidate.end)] = candidate
        return drop_contained(list(out.values()))

    def _employer_of_post(self, start: int, end: int, roles_end: set[int]) -> bool:
        """Whether a name the model reads as a person is what a post word is "of": the
        organisation of a post, not a person ("director of Arthur Price")."""
        doc = self.doc
        return (
            start >= 2
            and doc[start - 1].lower_ == "of"
            and start - 1 in roles_end
            and doc[start].ent_type_ == "PERSON"
            and not (end < len(doc) and is_possessive(doc[end]))
        )

    def _surname_like(self, start: int, end: int) -> bool:
        """Whether a name whose last word is also a place word ("Street", "Hall") is a
        person's: the model reads the two words as one person, the place word is last, and
        no preposition or article puts a place there ("at Mill Street")."""
        doc = self.doc
        if end - start != 2 or not model_person(doc[start:end]):
            return False
        if (
            doc[start].lower_ in self.rules.not_person_words
            or doc[end - 1].lower_ not in self.rules.surname_words
        ):
            return False
        before = doc[start - 1].lower_ if start > 0 else ""
        after = doc[end] if end < len(doc) else None
        return before not in _PLACE_WORDS_BEFORE and not (after is not None and after.is_title)

    def person(self, start: int, end: int, taken: set[int]) -> Candidate | None:
        """A cleaned, checked person candidate from a span, or None."""
        doc = self.doc
        while start < end and (start in taken or not is_capitalised(doc[start])):
            start += 1
        comma = next((i for i in range(start, end) if doc[i].text == ","), None)
        if comma is not None:
            end = comma  # "Ann Lee, Devon's": the model ran the name into what follows it
        while (
            end + 1 < len(doc)
            and doc[end].text == "-"
            and not doc[end - 1].whitespace_
            and not doc[end].whitespace_
            and is_capitalised(doc[end + 1])
            and (end + 1) not in taken
        ):
            end += 2  # the model stopped at the hyphen of "Ash-Reyes"
        while end > start and ((end - 1) in taken or not name_token(doc[end - 1])):
            end -= 1
        if end - start < 1 or any(i in taken for i in range(start, end)):
            return None
        title, name_start = self._title_at(start, end)
        name_end = end
        suffixes = []
        while name_end > name_start and doc[name_end - 1].lower_ in self.rules.title_suffixes:
            suffixes.append(doc[name_end - 1].text)
            name_end -= 1
        name_tokens = list(doc[name_start:name_end])
        if not name_tokens or len(name_tokens) > 4:
            return None
        if not all(name_token(t) for t in name_tokens):
            return None
        words = [t.lower_ for t in name_tokens]
        if any(w in self.rules.org_cues for w in words):
            return None
        if any(w in self.rules.programme_heads for w in words) and not (
            model_person(doc[name_start:name_end])
            and all(w in self.rules.surname_words for w in words if w in self.rules.programme_heads)
        ):
            return None  # "the Warm Rooms Pathfinder" is a programme; "Ann Grant" a person
        if any(w in self.rules.not_person_words for w in words) and not self._surname_like(
            name_start, name_end
        ):
            return None
        after = doc[name_end] if name_end < len(doc) else None
        if (
            not title
            and after is not None
            and after.is_lower
            and after.lower_ in self.rules.programme_heads
        ):
            return None  # "the Healthy Homes programme": a name its head word follows
        if any(w in self.rules.role_terms for w in words):
            return None
        name = doc[name_start:name_end].text
        if URLISH.search(name) or any(c.isdigit() for c in name):
            return None
        if len(name_tokens) > 1 and all(t.is_upper and len(t) > 1 for t in name_tokens):
            return None  # all capitals: a heading or an acronym
        if self.rules.gazetteer.lookup(name) or normalise_name(name) in self.known_names:
            return None
        words_in_name = doc[name_start:name_end].text.split()  # "Ash-Reyes" is one word
        if len(words_in_name) == 1 and not title:
            if name.isupper():
                return None  # "BOLD", "LGA": an acronym, not a surname
            return Candidate(start, end, PERSON, "person", Flags(name=name, single=True))
        return Candidate(
            start,
            end,
            PERSON,
            "person",
            Flags(name=name, title=title, suffixes=suffixes, single=len(words_in_name) == 1),
        )

    def _title_at(self, start: int, end: int) -> tuple[str, int]:
        """The title at the start of a name ("Cllr Sir") and where the name proper begins."""
        doc = self.doc
        titles = []
        i = start
        while i < end - 1:
            if doc[i].lower_.rstrip(".") not in self.rules.title_starts:
                break  # most words start no title: skip the comparisons
            for title in self.rules.title_prefixes:
                words = [t.lower_.rstrip(".") for t in doc[i : i + len(title)]]
                if tuple(words) == title and i + len(title) < end:
                    titles.append(doc[i : i + len(title)].text)
                    i += len(title)
                    break
            else:
                break
        return " ".join(titles), i

    def _titled_names(self) -> list[tuple[int, int]]:
        """Spans of a title followed by one to three capitalised words; after a plural title
        ("Councillors A (Chair), B and C") every name of the list."""
        doc = self.doc
        out: list[tuple[int, int]] = []
        starts = self.rules.title_starts
        strings = doc.vocab.strings
        resume = 0
        # string ids rather than Token objects: most words start no title
        for i, lower in enumerate(doc.to_array(LOWER).tolist()):
            if i < resume or strings[lower].rstrip(".") not in starts:
                continue
            title, j = self._title_at(i, min(len(doc), i + 6))
            if j > i:
                k = self._name_end(j)
                if k > j:
                    out.append((i, k))
                if title.lower() in self.rules.plural_titles:
                    k = self._listed_names(k, out)
                resume = max(k, i + 1)
        return out

    def _name_end(self, j: int) -> int:
        doc = self.doc
        k = j
        while k < len(doc) and k - j < 3 and name_token(doc[k]) and is_capitalised(doc[k]):
            k += 1
        return k

    def _listed_names(self, k: int, out: list[tuple[int, int]]) -> int:
        """Names that follow a plural title in a list, each maybe with "(Chair)"."""
        doc = self.doc
        while k < len(doc):
            if doc[k].text == "(":
                close = next(
                    (m for m in range(k, min(len(doc), k + 8)) if doc[m].text == ")"), None
                )
                if close is None:
                    break
                k = close + 1
                continue
            if doc[k].text == "," or doc[k].lower_ in ("and", "&"):
                start = k + 1
                end = self._name_end(start)
                if end - start < 2:
                    break
                out.append((start, end))
                k = end
                continue
            break
        return k

    def _names_around_posts(self, blocked: list[Candidate]) -> list[tuple[int, int]]:
        """Capitalised names right after a post ("Health Secretary Jane Smith") or before
        ", POST" ("Jane Smith, director of ...")."""
        doc = self.doc
        out = []
        for c in blocked:
            if c.label != ROLE:
                continue
            k = c.end
            while (
                k < len(doc) and k - c.end < 3 and is_capitalised(doc[k]) and doc[k].pos_ == "PROPN"
            ):
                k += 1
            if k - c.end >= 2:
                out.append((c.end, k))
            after = c.end
            places = self._gazetteer_tokens()
            while after < len(doc) and (doc[after].lower_ in ("of", "the") or after in places):
                after += 1  # "The Mayor of Bristol, Marvin Rees"
            if after + 2 < len(doc) and doc[after].text == ",":
                k = after + 1
                while (
                    k < len(doc)
                    and k - after - 1 < 3
                    and is_capitalised(doc[k])
                    and doc[k].pos_ == "PROPN"
                ):
                    k += 1
                if k - after - 1 >= 2 and (
                    k >= len(doc) or doc[k].text == "," or doc[k].pos_ in ("VERB", "AUX")
                ):
                    out.append((after + 1, k))
            if c.end + 2 < len(doc) and doc[c.end].lower_ in ("is", "was"):
                k = c.end + 1  # "whose director is Jane Smith"
                while (
                    k < len(doc)
                    and k - c.end - 1 < 3
                    and is_capitalised(doc[k])
                    and doc[k].pos_ == "PROPN"
                ):
                    k += 1
                if k - c.end - 1 >= 2 and (k >= len(doc) or doc[k].is_punct):
                    out.append((c.end + 1, k))
            if c.start >= 3 and doc[c.start - 1].text == ",":
                j = c.start - 1
                while (
                    j > 0
                    and c.start - 1 - j < 3
                    and is_capitalised(doc[j - 1])
                    and doc[j - 1].pos_ == "PROPN"
                ):
                    j -= 1
                if c.start - 1 - j >= 2:
                    out.append((j, c.start - 1))
        return out
