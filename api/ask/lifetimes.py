"""When councils and bodies existed, from the gazetteer, so that a time-limited answer does not
offer a council that was abolished (or not yet created) at the time asked about."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass

from api.ask.model import TimeWindow


@dataclass(frozen=True, slots=True)
class Lifetime:
    """The first and last day of an organisation (ISO dates, or a year or month where that is
    all the source gives; None is open)."""

    start: str | None
    end: str | None

    def existed(self, window: TimeWindow) -> bool:
        """Whether it existed on the window's day (for "as of"), else at any time in it.

        Bounds are compared at their own precision, as the gazetteer does: an end of "2009"
        covers all of 2009."""
        if window.at is not None:
            return not (
                (self.start and window.at[: len(self.start)] < self.start)
                or (self.end and window.at[: len(self.end)] > self.end)
            )
        began_in_time = not (
            self.start and window.end and window.end[: len(self.start)] < self.start
        )
        lasted = not (self.end and window.start and window.start[: len(self.end)] > self.end)
        return began_in_time and lasted

    def describe(self) -> str:
        """ "abolished 2009-04-01", "created 2023-04-01", or both."""
        parts = []
        if self.start:
            parts.append(f"created {self.start}")
        if self.end:
            parts.append(f"ended {self.end}")
        return ", ".join(parts)


Lifetimes = Mapping[str, Lifetime]


@functools.cache
def gazetteer_lifetimes() -> Lifetimes:
    """The lifetime of every council and body the gazetteer dates, by entity ref."""
    from ingest.gazetteer import load_gazetteer

    return {
        entry.ref: Lifetime(entry.start, entry.end)
        for entry in load_gazetteer().entries()
        if entry.start or entry.end
    }
