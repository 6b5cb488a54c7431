"""Keyword search over passages: SQLite FTS5 and its bm25 ranking, on disk beside the store.

One row per passage with three ranked columns: the passage text, its heading and its
document's title. The heading and title are context for a passage that does not repeat
them, so they weigh less than the text (`COLUMN_WEIGHTS`); otherwise a long title would
match every passage of its document equally and swamp the words that tell them apart.
Each document's rows are replaced in one transaction, so the index never holds half a
document.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from graph.errors import Unsupported

# bm25 weights of the columns text, heading, title: chosen on the development questions.
COLUMN_WEIGHTS = (1.0, 0.5, 0.25)
# Query words held by more than this share of the passages are left out of the match.
COMMON = 0.5
# Up to this many passages, a query of common words only still matches them: scoring every
# row is cheap (a few ms), and a small store should answer a search for its own words.
SMALL_INDEX = 1000
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class KeywordPassage:
    """What the keyword index holds of a passage."""

    key: str
    text: str
    heading: str | None = None
    title: str | None = None


class KeywordIndex(Protocol):
    """Passages searchable by their words, grouped by document."""

    read_only: bool

    def upsert(self, document_key: str, passages: Sequence[KeywordPassage]) -> None:
        """Replace one document's passages, in one transaction."""
        ...

    def delete(self, document_key: str) -> None:
        """Remove one document's passages."""
        ...

    def search(
        self, query: str, k: int, *, documents: set[str] | None = None
    ) -> list[tuple[str, float]]:
        """The k passages whose words match best (key, score; higher is better), only in
        `documents` when given."""
        ...

    def documents(self) -> set[str]:
        """The keys of the documents indexed."""
        ...

    def count(self) -> int:
        """The number of passages indexed."""
        ...

    def flush(self) -> None:
        """Make the writes so far durable."""
        ...

    def close(self) -> None:
        """Release files and connections."""
        ...


def query_words(query: str) -> list[str]:
    """The distinct words of a query, lower-cased, in order."""
    return list(dict.fromkeys(_WORD.findall(query.lower())))


def match_expression(words: Iterable[str]) -> str | None:
    """An FTS5 query matching any of `words` (each quoted, so that none is read as an
    operator), or None when there are none."""
    quoted = [f'"{w}"' for w in words]
    return " OR ".join(quoted) if quoted else None


class SqliteKeywordIndex:
    """FTS5 with the Porter stemmer ("admissions" finds "admission"); `path` None keeps it
    in memory. A plain table beside the FTS5 one names each row's passage and document, so
    that replacing a document or filtering by document is a look-up, not a scan."""

    def __init__(self, path: str | Path | None, *, read_only: bool = False) -> None:
        self.path = Path(path) if path is not None else None
        self.read_only = read_only and self.path is not None
        self._lock = threading.Lock()
        self._rows: dict[str, int] = {}  # word -> rows holding it, since the last write
        if self.read_only:
            assert self.path is not None
            self._db = sqlite3.connect(
                f"{self.path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False
            )
            return
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(
            str(self.path) if self.path is not None else ":memory:", check_same_thread=False
        )
        weights = ", ".join(str(w) for w in COLUMN_WEIGHTS)
        with self._db:
            self._db.executescript(
                f"""
                CREATE VIRTUAL TABLE IF NOT EXISTS passages USING fts5(
                    text, heading, title, tokenize = 'porter unicode61 remove_diacritics 2');
                INSERT INTO passages (passages, rank) VALUES ('rank', 'bm25({weights})');
                CREATE TABLE IF NOT EXISTS owners (
                    id INTEGER PRIMARY KEY, key TEXT NOT NULL, document TEXT NOT NULL);
                CREATE INDEX IF NOT EXISTS owners_document ON owners (document);
                """
            )

    def upsert(self, document_key: str, passages: Sequence[KeywordPassage]) -> None:
        """Replace one document's passages, in one transaction."""
        self._check_writable()
        with self._lock, self._db:
            self._rows.clear()
            self._delete(document_key)
            for p in passages:
                row = self._db.execute(
                    "INSERT INTO owners (key, document) VALUES (?, ?)", (p.key, document_key)
                ).lastrowid
                self._db.execute(
                    "INSERT INTO passages (rowid, text, heading, title) VALUES (?, ?, ?, ?)",
                    (row, p.text, p.heading or "", p.title or ""),
                )

    def delete(self, document_key: str) -> None:
        """Remove one document's passages."""
        self._check_writable()
        with self._lock, self._db:
            self._rows.clear()
            self._delete(document_key)

    def _check_writable(self) -> None:
        if self.read_only:
            raise Unsupported(f"the keyword index at {self.path} is opened read-only")

    def _delete(self, document_key: str) -> None:
        self._db.execute(
            "DELETE FROM passages WHERE rowid IN (SELECT id FROM owners WHERE document = ?)",
            (document_key,),
        )
        self._db.execute("DELETE FROM owners WHERE document = ?", (document_key,))

    def search(
        self, query: str, k: int, *, documents: set[str] | None = None
    ) -> list[tuple[str, float]]:
        """The k passages that match best (passage key, score; higher is better)."""
        with self._lock:
            expression = match_expression(self._weighty(query_words(query)))
        if expression is None or k <= 0:
            return []
        sql = (
            "SELECT owners.key AS key, -passages.rank AS score FROM passages JOIN owners "
            "ON owners.id = passages.rowid WHERE passages MATCH ?"
        )
        params: list = [expression]
        if documents is not None:
            sql += f" AND owners.document IN ({', '.join('?' * len(documents))})"
            params += sorted(documents)
        sql += " ORDER BY passages.rank LIMIT ?"
        params.append(k)
        # The ranking comes back as one row: Python's sqlite3 lets go of its lock for each row
        # it steps through, and a thread taking it back from a busy one waits for that one to
        # yield, so that beside one busy thread fifty rows took 80-350 ms where alone they
        # take 1 ms. Keys hold no control characters: ASCII's separators split the row.
        packed = (
            f"SELECT group_concat(key || char(31) || printf('%.17g', score), char(30)) FROM ({sql})"
        )
        with self._lock:
            (joined,) = self._db.execute(packed, params).fetchone()
        if not joined:
            return []
        ranked = []
        for row in joined.split("\x1e"):
            key, score = row.split("\x1f")
            ranked.append((key, float(score)))
        # group_concat keeps the order of the rows it is given, though SQL does not promise it
        return sorted(ranked, key=lambda pair: -pair[1])

    def _weighty(self, words: list[str]) -> list[str]:
        """The words held by at most half the rows. bm25 gives a word held by more an idf of
        nearly zero (FTS5 floors a negative idf at 1e-6): leaving it out changes no ranking,
        while matching it ("the", "of") would make FTS5 score nearly every row, 40 ms at
        10,000 passages. A query of such words only has no keyword ranking (bm25 cannot tell
        its matches apart) unless the index is small. A stopword list is no substitute:
        "who", "many" or "council" weigh something in one corpus and nothing in another (a
        fixed list lost 0.05 MRR@10 on the dev questions). Counts are kept until the next
        write."""
        total = self._db.execute("SELECT count(*) FROM owners").fetchone()[0]
        for word in words:
            if word not in self._rows:
                self._rows[word] = self._db.execute(
                    "SELECT count(*) FROM passages WHERE passages MATCH ?", (f'"{word}"',)
                ).fetchone()[0]
        held = [w for w in words if self._rows[w]]
        weighty = [w for w in held if self._rows[w] <= total * COMMON]
        if weighty or total > SMALL_INDEX:
            return weighty
        return held  # few rows: scoring them all is cheap, and a match beats none

    def documents(self) -> set[str]:
        """The keys of the documents indexed."""
        with self._lock:
            return {d for (d,) in self._db.execute("SELECT DISTINCT document FROM owners")}

    def count(self) -> int:
        """Passages indexed."""
        with self._lock:
            return self._db.execute("SELECT count(*) FROM owners").fetchone()[0]

    def flush(self) -> None:
        """Nothing waits: each document's transaction is committed as it is written."""

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()


def keyword_passages(passages: Iterable, title: str | None) -> list[KeywordPassage]:
    """Passages (anything with key, text and heading) as the keyword index holds them; a
    heading that is the title itself is left to the title column, so as not to count twice."""
    return [
        KeywordPassage(p.key, p.text, p.heading if p.heading != title else None, title)
        for p in passages
    ]
