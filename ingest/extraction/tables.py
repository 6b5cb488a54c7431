"""Tables: facts a table states row by row, its header saying what each column holds.

* a post column ("Chair", "Leader") with people, and a column of bodies ("Board"): each
  person holds that post in the row's body;
* a lead column ("Lead council") and a column that names programmes ("Pathfinder", "City
  deal"): the row's council leads the row's programme, and where the rows are places in a
  pilot ("Pathfinder", "Site"), it takes part in the programme the document is about;
* a column of councils under a heading that rates them ("councils rated poor, 2003"): each
  is rated.

Tables are Markdown pipe tables as the readers keep them; each row is one line whose
mentions are merged into tokens, and its cells are the tokens between the pipes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from itertools import pairwise

from spacy.tokens import Doc

from graph.model import Claim, Predicate
from ingest.extraction.labels import ORG_LABELS, PERSON, PROGRAMME
from ingest.extraction.lexicon import Phrases, phrase_words
from ingest.extraction.mention_rules import MentionRules
from ingest.extraction.patterns import LineContext
from ingest.extraction.sentence import is_mention, quote_claim, ref_at
from ingest.rules import TableFrame

EXTRACTOR = "table:"


@dataclass(frozen=True, slots=True)
class Table:
    """A pipe table: its header cells (lower case) and the lines of its rows."""

    header: tuple[str, ...]
    header_line: int  # index into the document's lines
    rows: tuple[int, ...]


def cells(doc: Doc) -> list[tuple[int, int]]:
    """Token bounds of the cells of a table row."""
    bars = [t.i for t in doc if t.text == "|"]
    return [(a + 1, b) for a, b in pairwise(bars) if b > a + 1]


def find_tables(lines: list[LineContext]) -> list[Table]:
    """Pipe tables: a header row, a row of dashes, then rows."""
    tables = []
    i = 0
    while i + 1 < len(lines):
        header, rule = lines[i], lines[i + 1]
        if _is_row(header.doc) and _is_rule(rule.doc):
            rows = []
            k = i + 2
            while k < len(lines) and _is_row(lines[k].doc):
                rows.append(k)
                k += 1
            names = tuple(header.doc[s:e].text.strip().lower() for s, e in cells(header.doc))
            tables.append(Table(names, i, tuple(rows)))
            i = k
            continue
        i += 1
    return tables


def _is_row(doc: Doc) -> bool:
    # token checks: a Doc's text is rebuilt from its tokens on every call
    words = [t for t in doc if not t.is_space]
    if len(words) < 3 or words[0].text != "|" or words[-1].text != "|":
        return False
    return sum(t.text == "|" for t in words) >= 3


def _is_rule(doc: Doc) -> bool:
    text = doc.text.strip()
    return text.count("|") >= 3 and set(text) <= set("|-: ")


class TableReader:
    """Turns table rows into claims by what their headers say."""

    def __init__(self, frame: TableFrame, rules: MentionRules) -> None:
        """Compile the header words; post headers come from the role rules."""
        self.lead = {phrase_words(h) for h in frame.lead_headers}
        self.orgs = {phrase_words(h) for h in frame.org_headers}
        self.programmes = {phrase_words(h) for h in frame.programme_headers}
        self.participants = {phrase_words(h) for h in frame.participant_headers}
        self.rules = rules

    def claims(
        self,
        lines: list[LineContext],
        resolver,
        focus: str | None,
        rating: tuple[Phrases, dict[tuple[str, ...], str], Phrases],
    ) -> list[Claim]:
        """Every fact the document's tables state."""
        out: list[Claim] = []
        for table in find_tables(lines):
            kinds = [self._kind(h) for h in table.header]
            for row in table.rows:
                out.extend(self._row(lines[row], kinds, table, resolver, focus))
            out.extend(self._rated(lines, table, kinds, resolver, rating))
        return out

    def _kind(self, header: str) -> str:
        words = phrase_words(header)
        if words in self.lead:
            return "lead"
        if words in self.participants:
            return "participant"
        if words in self.programmes:
            return "programme"
        if words in self.orgs:
            return "org"
        if header and self.rules.role_rule(header, "") is not None:
            return "role"
        return "other"

    def _row(
        self, line: LineContext, kinds: list[str], table: Table, resolver, focus: str | None
    ) -> list[Claim]:
        doc = line.doc
        row = cells(doc)
        if len(row) != len(kinds):
            return []
        text = resolver.document.text
        first, last = row[0][0], row[-1][1] - 1
        out: list[Claim] = []
        orgs = [self._mention(line, c, ORG_LABELS) for c in row]
        # a post column: the person in it holds that post in the row's body
        for column, kind in enumerate(kinds):
            person = self._mention(line, row[column], (PERSON,))
            if kind != "role" or person is None:
                continue
            organisation = next(
                (o for c, o in enumerate(orgs) if o is not None and kinds[c] in ("org", "other")),
                None,
            )
            if organisation is None:
                continue
            info = self.rules.role_rule(table.header[column], "")
            for predicate in [Predicate.HOLDS_POST] + (
                [Predicate.HEAD_OF] if info.kind == "head" else []
            ):
                claim = quote_claim(
                    line,
                    text,
                    first,
                    last,
                    ref_at(line, person),
                    predicate,
                    ref_at(line, organisation),
                    EXTRACTOR + "post",
                )
                out.append(replace(claim, role=table.header[column]))
        # a lead column: the row's council leads the row's programme
        for column, kind in enumerate(kinds):
            leader = orgs[column]
            if kind != "lead" or leader is None:
                continue
            named = next(
                (c for c, k in enumerate(kinds) if k in ("programme", "participant")), None
            )
            if named is None:
                continue
            programme = self._programme(line, row[named], table.header[named], resolver)
            if programme is not None:
                out.append(
                    quote_claim(
                        line,
                        text,
                        first,
                        last,
                        ref_at(line, leader),
                        Predicate.LEADS,
                        programme,
                        EXTRACTOR + "leads",
                    )
                )
            if kinds[named] == "participant" and focus is not None:
                out.append(
                    quote_claim(
                        line,
                        text,
                        first,
                        last,
                        ref_at(line, leader),
                        Predicate.PARTICIPATES_IN,
                        focus,
                        EXTRACTOR + "participatesIn",
                    )
                )
        return out

    def _mention(self, line: LineContext, cell: tuple[int, int], labels) -> int | None:
        return next((k for k in range(*cell) if is_mention(line, k, labels)), None)

    def _programme(
        self, line: LineContext, cell: tuple[int, int], header: str, resolver
    ) -> str | None:
        """The programme a row names: a programme mention in the cell, else the cell's words
        with the header's noun ("Leeds City Region" under "City deal")."""
        k = self._mention(line, cell, (PROGRAMME,))
        if k is not None:
            return ref_at(line, k)
        words = line.doc[cell[0] : cell[1]].text.strip()
        if not words or len(words.split()) > 8:
            return None
        noun = header.split()[-1] if header.split() else ""
        name = words if words.lower().endswith(noun) else f"{words} {header}"
        return resolver.programme(name)

    def _rated(
        self,
        lines: list[LineContext],
        table: Table,
        kinds: list[str],
        resolver,
        rating: tuple[Phrases, dict[tuple[str, ...], str], Phrases],
    ) -> list[Claim]:
        """A column of councils under a heading that rates them."""
        values, ratings, cues = rating
        if table.header_line == 0:
            return []
        heading = lines[table.header_line - 1]
        words = [t.lower_ for t in heading.doc]
        found = values.find(words, range(len(words)))
        if not found or not cues.any(words, range(len(words))):
            return []
        value = ratings[tuple(words[found[0][0] : found[0][1]])]
        start = heading.start
        scheme = resolver.scheme_in_focus(start, heading.index, None)
        if scheme is None:
            return []
        text = resolver.document.text
        out = []
        for row in table.rows:
            line = lines[row]
            row_cells = cells(line.doc)
            if len(row_cells) != len(kinds):
                continue
            k = self._mention(line, row_cells[0], ("COUNCIL",))
            if k is None:
                continue
            claim = quote_claim(
                line,
                text,
                row_cells[0][0],
                row_cells[-1][1] - 1,
                ref_at(line, k),
                Predicate.RATED,
                scheme,
                EXTRACTOR + "rated",
            )
            out.append(replace(claim, rating=value, scheme=scheme))
        return out
