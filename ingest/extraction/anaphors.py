"""Anaphors in a line: "the council", "the fund", "its members", "this proposal"."""

from __future__ import annotations

from ingest.extraction.candidates import Candidate, Flags
from ingest.extraction.labels import BODY, COUNCIL, PROGRAMME, THEME
from ingest.extraction.scan import ScanBase


class AnaphorScan(ScanBase):
    """Phrases that refer back to an organisation, programme or theme."""

    def anaphors(self) -> list[Candidate]:
        """Phrases that refer back: "the council", "the fund", "its members", "this proposal"."""
        doc = self.doc
        out = []
        for span in doc.spans.get("anaphors", []):
            if span.label_ == "THEME_ANAPHOR":
                out.append(
                    Candidate(span.start, span.end, THEME, "anaphor", Flags(anaphor="theme"))
                )
                continue
            rule = self.rules.anaphors[int(span.id_)]
            if rule.before and not (
                span.end < len(doc) and doc[span.end].lower_ in {w.lower() for w in rule.before}
            ):
                continue
            # "the council tax", "the county's": part of something else, or a place
            nxt = doc[span.end] if span.end < len(doc) else None
            if (
                nxt is not None
                and nxt.pos_ in ("NOUN", "PROPN")
                and not nxt.is_punct
                and rule.kind != "body"
            ):
                continue
            if nxt is not None and rule.kind == "body" and rule.head and nxt.pos_ == "NOUN":
                continue
            label = {"council": COUNCIL, "body": BODY, "programme": PROGRAMME}[rule.kind]
            out.append(
                Candidate(
                    span.start,
                    span.end,
                    label,
                    "anaphor",
                    Flags(anaphor=rule.kind, head=rule.head, text=span.text),
                )
            )
        return out
