"""The scanner of a line: every kind's candidates, one mixin a kind."""

from __future__ import annotations

from ingest.extraction.anaphors import AnaphorScan
from ingest.extraction.bodies import BodyScan
from ingest.extraction.councils import GazetteerScan
from ingest.extraction.people import PeopleScan, RoleScan
from ingest.extraction.programmes import ProgrammeScan


class LineScanner(GazetteerScan, RoleScan, PeopleScan, BodyScan, ProgrammeScan, AnaphorScan):
    """Finds the candidate spans of one line's Doc: councils and gazetteer bodies, posts,
    people, other bodies, programmes and anaphors."""
