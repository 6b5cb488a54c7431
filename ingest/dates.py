"""Find the date a document states, such as "7 March 2007" or "Friday, November 12, 2010"."""

from __future__ import annotations

import re
from datetime import date

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_WEEKDAY = r"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+)?"

_PATTERNS = [
    re.compile(rf"\b{_WEEKDAY}{_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}\b", re.I),  # 7 March 2007
    re.compile(rf"\b{_WEEKDAY}{_MONTH}\s+{_DAY},?\s+{_YEAR}\b", re.I),  # November 12, 2010
    re.compile(r"\b(?P<day>[0-3]?\d)[/.](?P<month>[01]?\d)[/.](?P<year>(?:19|20)\d\d)\b"),
    re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<month>[01]\d)-(?P<day>[0-3]\d)\b"),
]

# Where a document states its own date: near the top, in its first lines.
_HEAD_CHARS = 1500


def _to_date(match: re.Match[str]) -> date | None:
    month = match.group("month")
    number = int(month) if month.isdigit() else _MONTHS[month.lower().rstrip(".")]
    try:
        return date(int(match.group("year")), number, int(match.group("day")))
    except ValueError:
        return None


def find_date(text: str) -> str | None:
    """The ISO date the text states first, preferring one near the top; None if it states none.

    Numeric dates are read day first (12/11/2010 is 12 November), as in UK usage.
    """
    for window in (text[:_HEAD_CHARS], text):
        found: list[tuple[int, date]] = []
        for pattern in _PATTERNS:
            for match in pattern.finditer(window):
                value = _to_date(match)
                if value is not None:
                    found.append((match.start(), value))
        if found:
            return min(found)[1].isoformat()
    return None


_MONTH_YEAR = re.compile(rf"\b{_MONTH}\s+{_YEAR}\b", re.I)


def is_dateline(line: str) -> bool:
    """Whether a line states a date and nothing else ("4 April 2002", "2002-05-30",
    "November 2007"): page furniture, not a heading."""
    rest = line
    for pattern in (*_PATTERNS, _MONTH_YEAR):
        rest = pattern.sub(" ", rest)
    return rest != line and not re.search(r"[^\W\d_]", rest)
