"""The labels of the spans a line holds, and the entity kinds they stand for."""

from __future__ import annotations

from graph.model import EntityKind

# Labels of spans inside a line. ROLE spans are posts, used by relations but not entities.
COUNCIL, BODY, PERSON, PROGRAMME, THEME, ROLE = (
    "COUNCIL",
    "BODY",
    "PERSON",
    "PROGRAMME",
    "THEME",
    "ROLE",
)
ORG_LABELS = (COUNCIL, BODY)
KIND_OF_LABEL = {
    COUNCIL: EntityKind.COUNCIL,
    BODY: EntityKind.BODY,
    PERSON: EntityKind.PERSON,
    PROGRAMME: EntityKind.PROGRAMME,
    THEME: EntityKind.THEME,
}

# Candidate priorities when spans of equal length overlap: lower wins.
PRIORITY = {
    "gazetteer": 0,
    "abbreviation": 0,
    "known": 1,
    "role": 2,
    "person": 3,
    "body": 4,
    "programme": 5,
    "theme": 6,
    "anaphor": 7,
}
