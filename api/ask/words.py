"""The words of questions that are not names: time phrases, posts and ratings."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from api.ask.model import TimeWindow
from api.ask.shapes import ANY_HEAD, Shapes
from graph.errors import BadParameter
from graph.queries import normalise

_DATE = r"\d{4}(?:-\d{2}(?:-\d{2})?)?"
_DATE_ONLY = re.compile(rf"^{_DATE}$")


def date_bounds(value: str) -> tuple[str, str]:
    """The first and last day a year, a month or a day ("2009", "2009-06", "2009-06-15")
    covers, as ISO dates; ValueError when it is none of these."""
    if not _DATE_ONLY.match(value):
        raise ValueError(value)
    parts = [int(p) for p in value.split("-")]
    year = parts[0]
    if len(parts) == 1:
        return f"{year:04d}-01-01", f"{year:04d}-12-31"
    month = parts[1]
    if len(parts) == 2:
        last = calendar.monthrange(year, month)[1]
        return f"{year:04d}-{month:02d}-01", f"{year:04d}-{month:02d}-{last:02d}"
    day = dt.date(year, month, parts[2]).isoformat()
    return day, day


def _shift(day: str, days: int) -> str:
    return (dt.date.fromisoformat(day) + dt.timedelta(days=days)).isoformat()


# What the as_of parameter takes: a year or a month.
AS_OF = r"^[12][0-9]{3}(-(0[1-9]|1[0-2]))?$"


def as_of_window(value: str) -> TimeWindow:
    """The window of the as_of parameter: everything stated up to then, organisations as they
    stood then."""
    value = value.strip()
    if not re.match(AS_OF, value):
        raise BadParameter(
            f"as_of {value!r} is not a year (2009) or a month (2009-06); a question can name "
            "a day itself ('as of 2009-06-30')"
        )
    _, end = date_bounds(value)
    return TimeWindow(f"as of {value}", None, end, end)


class TimeWords:
    """Finds the time phrase of a question ("in 2009", "before 2010", "as of 2012")."""

    def __init__(self, shapes: Shapes) -> None:
        words = shapes.vocabulary.time
        self._relation: dict[str, str] = {}
        for relation, phrases in (
            ("in", words.in_),
            ("before", words.before),
            ("after", words.after),
            ("since", words.since),
            ("as_of", words.as_of),
        ):
            for phrase in phrases:
                self._relation.setdefault(phrase, relation)
        prepositions = "|".join(
            r"\s+".join(map(re.escape, p.split())) for p in sorted(self._relation, key=len)[::-1]
        )
        self._between = re.compile(
            rf"\bbetween\s+(?P<first>{_DATE})\s+and\s+(?P<last>{_DATE})\b", re.IGNORECASE
        )
        self._phrase = re.compile(rf"\b(?P<prep>{prepositions})\s+(?P<date>{_DATE})\b", re.I)

    def take(self, text: str) -> tuple[str, TimeWindow | None]:
        """The text without its time phrases, and the window they ask for (None if none)."""
        window: TimeWindow | None = None
        for found, make in ((self._between, self._between_window), (self._phrase, self._window)):
            while (match := found.search(text)) is not None:
                try:
                    made = make(match)
                except ValueError:  # not a real date ("2009-13"): leave the words be
                    break
                window = made if window is None else window.narrowed(made)
                text = f"{text[: match.start()]} {text[match.end() :]}"
        return re.sub(r"\s+([?!.,;:])", r"\1", " ".join(text.split())), window

    def _between_window(self, match: re.Match[str]) -> TimeWindow:
        start, _ = date_bounds(match["first"])
        _, end = date_bounds(match["last"])
        return TimeWindow(" ".join(match.group(0).split()), start, end)

    def _window(self, match: re.Match[str]) -> TimeWindow:
        relation = self._relation[" ".join(match["prep"].lower().split())]
        start, end = date_bounds(match["date"])
        text = " ".join(match.group(0).split())
        if relation == "in":
            return TimeWindow(text, start, end)
        if relation == "before":
            return TimeWindow(text, None, _shift(start, -1))
        if relation == "after":
            return TimeWindow(text, _shift(end, 1), None)
        if relation == "since":
            return TimeWindow(text, start, None)
        return TimeWindow(text, None, end, end)


@dataclass(frozen=True, slots=True)
class AskedRating:
    """A rating a question asks for: the best or worst a scheme gave, or one value."""

    text: str
    extreme: str | None  # "best" or "worst", or None for a value
    value: str | None  # the value, as its scale's first name, for a value


class RatingWords:
    """Ratings: what a question asks for, and where a value sits on its scale."""

    def __init__(self, shapes: Shapes) -> None:
        ratings = shapes.vocabulary.ratings
        self._best = {normalise(w) for w in ratings.best}
        self._worst = {normalise(w) for w in ratings.worst}
        # each scale as a list of sets of names, lowest first
        self._scales = [[{normalise(n) for n in names} for names in s] for s in ratings.scales]
        self._canonical: dict[str, str] = {}
        for scale in ratings.scales:
            for names in scale:
                for name in names:
                    self._canonical.setdefault(normalise(name), normalise(names[0]))

    def asked(self, text: str) -> AskedRating | None:
        """What the words ask for, or None when they name no rating."""
        key = normalise(text)
        if key in self._best:
            return AskedRating(text, "best", None)
        if key in self._worst:
            return AskedRating(text, "worst", None)
        if key in self._canonical:
            return AskedRating(text, None, self._canonical[key])
        return None

    def canonical(self, value: str) -> str:
        """A rating value under its scale's first name ("3 stars" -> "three stars")."""
        key = normalise(value)
        return self._canonical.get(key, key)

    def positions(self, values: set[str]) -> dict[str, float]:
        """Where each value sits (0 lowest, 1 highest) on the scale that holds most of them;
        values on no scale are left out. "best" and "worst" themselves sit at the ends."""
        keys = {v: normalise(v) for v in values}
        best_scale: list[set[str]] | None = None
        covered = 0
        for scale in self._scales:
            count = sum(1 for k in keys.values() if any(k in names for names in scale))
            if count > covered:
                best_scale, covered = scale, count
        out: dict[str, float] = {}
        for value, key in keys.items():
            if key in self._best:
                out[value] = 1.0
            elif key in self._worst:
                out[value] = 0.0
            elif best_scale is not None:
                for n, names in enumerate(best_scale):
                    if key in names:
                        out[value] = n / (len(best_scale) - 1)
        return out


class RoleWords:
    """Posts: the name a question gives one under, compared with the posts the graph records."""

    def __init__(self, shapes: Shapes, role_names: dict[str, str]) -> None:
        roles = shapes.vocabulary.roles
        self._qualifiers = sorted({normalise(q) for q in roles.qualifiers}, key=len, reverse=True)
        self._any_head = {normalise(w) for w in roles.any_head} | {ANY_HEAD}
        self._names = {normalise(k): normalise(v) for k, v in role_names.items()}

    def any_head(self, role: str) -> bool:
        """Whether asking for this post asks for whoever heads the organisation."""
        return normalise(role) in self._any_head

    def canonical(self, role: str) -> str:
        """The post without qualifiers that leave it the same post, under its usual name
        ("interim chairman" -> "chair")."""
        key = self._names.get(normalise(role), normalise(role))
        changed = True
        while changed:
            changed = False
            for qualifier in self._qualifiers:
                if key.startswith(qualifier + " "):
                    key = key[len(qualifier) + 1 :]
                    changed = True
        return self._names.get(key, key)

    def same(self, asked: str, recorded: str | None) -> bool:
        """Whether a recorded post is the one asked for."""
        return recorded is not None and self.canonical(asked) == self.canonical(recorded)


def role_names() -> dict[str, str]:
    """Every name of a post in the extraction rules, mapped to the post's label."""
    from ingest.rules import load_rule_set

    names: dict[str, str] = {}
    for rule in load_rule_set().roles.roles:
        names[rule.label] = rule.label
        for alias in rule.aliases:
            names.setdefault(alias, rule.label)
    return names
