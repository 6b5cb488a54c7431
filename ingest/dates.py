"""Find the date a document states, such as "7 March 2007" or "Friday, November 12, 2010"."""

from __future__ import annotations

import re
from datetime import date

# month names and their abbreviations, lower case -> month number
MONTHS = {
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
_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
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
# A dateline or byline of its own ("November 2010", "August 2004 · Feature · By ..."): a
# short line among the first few that gives a month and year without a day.
_DATELINE_LINES = 6
_DATELINE_CHARS = 120
# what stands before a dateline's month: nothing but markup, a separator, or a word that
# says the line is one ("Published", "Issue 12,"), not a sentence ("began in March 2008")
_DATELINE_LEAD = re.compile(
    r"(?:^[\W_]*|[·|•–—/,:-]\s*|\b(?:published|updated|posted|issued|dated|issue|edition)\b.*)$",
    re.I,
)
_MONTH_YEAR = re.compile(rf"(?<![\w-]){_MONTH},?\s+{_YEAR}\b", re.I)


def _to_date(match: re.Match[str]) -> date | None:
    month = match.group("month")
    number = int(month) if month.isdigit() else MONTHS[month.lower().rstrip(".")]
    try:
        return date(int(match.group("year")), number, int(match.group("day")))
    except ValueError:
        return None


def find_date(text: str) -> str | None:
    """The ISO date the text states first, preferring one near the top; None if it states none.

    Numeric dates are read day first (12/11/2010 is 12 November), as in UK usage. A
    dateline that gives only a month ("November 2010") dates the document to its first day;
    the first short line among the first few that states a date decides.
    """
    head_lines = [line for line in text[:_HEAD_CHARS].splitlines() if line.strip()]
    for line in head_lines[:_DATELINE_LINES]:
        if len(line) > _DATELINE_CHARS:
            continue
        full = _first_full_date(line)
        if full is not None:
            return full
        match = _MONTH_YEAR.search(line)
        if match is not None and _DATELINE_LEAD.search(line[: match.start()]):
            month = MONTHS[match.group("month").lower().rstrip(".")]
            return date(int(match.group("year")), month, 1).isoformat()
    for window in (text[:_HEAD_CHARS], text):
        found_date = _first_full_date(window)
        if found_date is not None:
            return found_date
    return None


def _first_full_date(window: str) -> str | None:
    """The ISO form of the first full date (day, month and year) in ``window``."""
    found: list[tuple[int, date]] = []
    for pattern in _PATTERNS:
        for match in pattern.finditer(window):
            value = _to_date(match)
            if value is not None:
                found.append((match.start(), value))
    return min(found)[1].isoformat() if found else None


def is_dateline(line: str) -> bool:
    """Whether a line states a date and nothing else ("4 April 2002", "2002-05-30",
    "November 2007"): page furniture, not a heading."""
    rest = line
    for pattern in (*_PATTERNS, _MONTH_YEAR):
        rest = pattern.sub(" ", rest)
    return rest != line and not re.search(r"[^\W\d_]", rest)
