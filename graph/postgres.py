"""Passage vectors and keywords in PostgreSQL, for stores past one machine: pgvector for the
vectors (an HNSW index over every sentence vector) and PostgreSQL's full-text search for the
words, ranked by bm25 computed from its tsvectors as SQLite's FTS5 ranks them.

Each document's rows are replaced in one transaction, its rows sent together (COPY), so a
document is never half indexed. Every thread has a connection of its own (a psycopg
connection runs one statement at a time), so that searches run side by side.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from graph.errors import CivicGraphError, ConfigError, IndexMismatch, Unsupported
from graph.keywords import COLUMN_WEIGHTS, COMMON, SMALL_INDEX, KeywordPassage
from graph.vectors import check_rows, soft_best_of

log = logging.getLogger(__name__)

# HNSW parameters of pgvector's index, and the candidates kept while searching it.
HNSW_M = 16
HNSW_EF_CONSTRUCTION = 64
EF_SEARCH = 256
ROWS_PER_PASSAGE = 4
# pgvector builds an HNSW index over rows already written far faster than it grows one row
# at a time (100,000 passages written a document at a time into an indexed table: 660 s;
# README, "Scale"), so a table filled from empty is indexed once, when its writer flushes,
# and searched by a scan until then. The build holds the graph in maintenance_work_mem:
# about this many bytes a row over the vector's own, or it spills to disk and slows (given
# 400 for 2,000,000 rows of 384 dimensions, it spilled at about 1,700,000 and the last
# 300,000 rows took longer than the first 1,700,000).
BUILD_BYTES_PER_ROW = 1024
# ... up to this much (a parallel build takes it as shared memory); past it the build spills.
BUILD_MEMORY_MB = 8192
# bm25's parameters, as FTS5 sets them.
K1 = 1.2
B = 0.75
# A text search configuration like FTS5's "porter unicode61": English stemming, no
# stopwords (dropping common words from the query lost 0.05 MRR@10 on the dev questions).
_CONFIG = "civicgraph_english"
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


class PostgresUnavailable(CivicGraphError):
    """PostgreSQL could not be reached or failed."""

    status = 503
    code = "unavailable"


class _Database:
    """Connections to one database, one per thread, made when a thread first needs one."""

    def __init__(self, url: str, setup: Sequence[str] = (), *, vectors: bool = False) -> None:
        try:
            import psycopg
        except ImportError:  # pragma: no cover - a pinned dependency
            raise ConfigError("the PostgreSQL backends need psycopg: pip install psycopg") from None
        self.url = url
        self._psycopg = psycopg
        self._setup = setup
        self._vectors = vectors  # register pgvector's type: only where the extension is
        self._local = threading.local()
        self._all: list[Any] = []
        self._lock = threading.Lock()

    def connection(self) -> Any:
        """This thread's connection."""
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            try:
                conn = self._psycopg.connect(self.url, autocommit=True)
            except self._psycopg.OperationalError as exc:
                raise PostgresUnavailable(
                    f"cannot connect to PostgreSQL at {self.url}: {exc}; is it running?"
                ) from None
            if self._vectors:
                from pgvector.psycopg import register_vector

                register_vector(conn)
            for statement in self._setup:
                conn.execute(statement)
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        """This thread's connection inside a transaction."""
        conn = self.connection()
        with conn.transaction():
            yield conn

    def close(self) -> None:
        """Close every thread's connection."""
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()


def _create_extension(url: str) -> None:
    import psycopg

    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
    except psycopg.OperationalError as exc:
        raise PostgresUnavailable(
            f"cannot connect to PostgreSQL at {url}: {exc}; is it running?"
        ) from None
    except psycopg.Error as exc:
        raise ConfigError(
            f"PostgreSQL at {url} has no pgvector extension ({exc}); install pgvector there"
        ) from None


class _IndexedDocuments:
    """What both indexes answer from their table of documents (`documents_table`: each
    document's key and number of passages)."""

    db: _Database
    documents_table: str
    read_only: bool
    _delete: Callable[[Any, str], None]

    def _check_writable(self) -> None:
        if self.read_only:
            raise Unsupported(f"{type(self).__name__}: opened read-only")

    def delete(self, document_key: str) -> None:
        """Remove one document's rows, in one transaction (each index's `_delete` knows its
        tables)."""
        self._check_writable()
        with self.db.transaction() as conn:
            self._delete(conn, document_key)

    def documents(self) -> set[str]:
        """The documents indexed."""
        rows = self.db.connection().execute(f"SELECT document FROM {self.documents_table}")
        return {d for (d,) in rows}

    def count(self) -> int:
        """The number of passages indexed."""
        row = self.db.connection().execute(f"SELECT sum(passages) FROM {self.documents_table}")
        return int(row.fetchone()[0] or 0)

    def flush(self) -> None:
        """Nothing waits: each document's transaction is committed as it is written."""

    def close(self) -> None:
        """Close the connections."""
        self.db.close()


class PgVectorIndex(_IndexedDocuments):
    """Every sentence vector a row of `cg_vectors`, searched through pgvector's HNSW index;
    `cg_vector_documents` counts each document's passages."""

    documents_table = "cg_vector_documents"

    def __init__(
        self,
        url: str,
        dimension: int,
        *,
        read_only: bool = False,
        ef_search: int = EF_SEARCH,
        rows_per_passage: int = ROWS_PER_PASSAGE,
    ) -> None:
        self.dimension = dimension
        self.read_only = read_only
        self.ef_search = ef_search
        self.rows_per_passage = rows_per_passage
        if not read_only:
            _create_extension(url)
        self.db = _Database(url, [f"SET hnsw.ef_search = {int(ef_search)}"], vectors=True)
        if not read_only:
            self._create()
        self._check_dimension()

    def _create(self) -> None:
        with self.db.transaction() as conn:
            conn.execute(
                f"""CREATE TABLE IF NOT EXISTS cg_vectors (
                    id bigserial PRIMARY KEY, document text NOT NULL, passage text NOT NULL,
                    embedding vector({self.dimension}) NOT NULL)"""
            )
            conn.execute("CREATE INDEX IF NOT EXISTS cg_vectors_document ON cg_vectors (document)")
            conn.execute(
                """CREATE TABLE IF NOT EXISTS cg_vector_documents (
                    document text PRIMARY KEY, passages integer NOT NULL)"""
            )
        self._build_hnsw()  # rows left unindexed by a writer that stopped before it flushed

    def _build_hnsw(self) -> None:
        """Index every row written so far in one build, unless the index exists or there are
        no rows yet."""
        conn = self.db.connection()
        if conn.execute("SELECT to_regclass('cg_vectors_hnsw')").fetchone()[0] is not None:
            return
        rows = conn.execute("SELECT count(*) FROM cg_vectors").fetchone()[0]
        if not rows:
            return
        need = rows * (4 * self.dimension + BUILD_BYTES_PER_ROW) // 2**20 + 64
        memory_mb = min(BUILD_MEMORY_MB, need)
        log.info("building pgvector's HNSW index over %s rows", f"{rows:,}")
        with self.db.transaction() as conn:
            conn.execute(f"SET LOCAL maintenance_work_mem = '{memory_mb}MB'")
            conn.execute(
                "CREATE INDEX IF NOT EXISTS cg_vectors_hnsw ON cg_vectors USING hnsw "
                f"(embedding vector_cosine_ops) WITH (m = {HNSW_M}, "
                f"ef_construction = {HNSW_EF_CONSTRUCTION})"
            )

    def flush(self) -> None:
        """Build the HNSW index once the first rows are written (see BUILD_BYTES_PER_ROW)."""
        if not self.read_only:
            self._build_hnsw()

    def close(self) -> None:
        """Build the HNSW index if rows wait for it, then close the connections."""
        try:
            self.flush()
        finally:
            self.db.close()

    def _check_dimension(self) -> None:
        row = (
            self.db.connection()
            .execute(
                """SELECT format_type(atttypid, atttypmod) FROM pg_attribute
                   WHERE attrelid = to_regclass('cg_vectors') AND attname = 'embedding'"""
            )
            .fetchone()
        )
        if row is None:
            raise ConfigError(
                f"PostgreSQL at {self.db.url} has no civicgraph vectors yet; ingest first"
            )
        if row[0] != f"vector({self.dimension})":
            raise IndexMismatch(
                f"the vectors in PostgreSQL at {self.db.url} are {row[0]}; this store uses "
                f"vector({self.dimension}). Use the same model, or another database"
            )

    def sync(self, documents: set[str]) -> None:
        """Drop the rows of documents the store does not hold (a writer only)."""
        if self.read_only:
            return
        extra = sorted(self.documents() - documents)
        if extra:
            with self.db.transaction() as conn:
                conn.execute("DELETE FROM cg_vectors WHERE document = ANY(%s)", (extra,))
                conn.execute("DELETE FROM cg_vector_documents WHERE document = ANY(%s)", (extra,))

    def upsert(self, document_key: str, keys: Sequence[str], vectors: np.ndarray) -> None:
        """Replace one document's rows in one transaction, sent together by COPY."""
        self._check_writable()
        vectors = check_rows(document_key, keys, vectors, self.dimension)
        with self.db.transaction() as conn:
            self._delete(conn, document_key)
            with conn.cursor().copy(
                "COPY cg_vectors (document, passage, embedding) FROM STDIN WITH (FORMAT BINARY)"
            ) as copy:
                copy.set_types(["text", "text", "vector"])
                for key, vector in zip(keys, vectors, strict=True):
                    copy.write_row((document_key, key, vector))
            conn.execute(
                "INSERT INTO cg_vector_documents (document, passages) VALUES (%s, %s)",
                (document_key, len(set(keys))),
            )

    @staticmethod
    def _delete(conn: Any, document_key: str) -> None:
        conn.execute("DELETE FROM cg_vectors WHERE document = %s", (document_key,))
        conn.execute("DELETE FROM cg_vector_documents WHERE document = %s", (document_key,))

    def search(
        self, vector: np.ndarray, k: int, *, documents: set[str] | None = None
    ) -> list[tuple[str, float]]:
        """The k nearest passages: the passages of the nearest rows from the HNSW index (or,
        filtered by document, an exact scan of those documents' rows), each scored by its
        best, the k best in the order of the soft maximum of all their rows
        (graph/vectors.py)."""
        if k <= 0:
            return []
        vector = np.asarray(vector, dtype=np.float32)
        wanted = k * self.rows_per_passage
        while True:
            with self.db.transaction() as conn:
                if documents is None:
                    conn.execute(f"SET LOCAL hnsw.ef_search = {max(self.ef_search, wanted)}")
                    rows = conn.execute(
                        "SELECT passage, document, embedding <=> %s AS distance FROM cg_vectors "
                        "ORDER BY distance LIMIT %s",
                        (vector, wanted),
                    ).fetchall()
                else:
                    # "+ 0" keeps the planner off the HNSW index, which would filter after
                    # choosing its rows: these documents' rows are scanned exactly
                    rows = conn.execute(
                        "SELECT passage, document, (embedding <=> %s) + 0 AS distance "
                        "FROM cg_vectors WHERE document = ANY(%s) ORDER BY distance LIMIT %s",
                        (vector, sorted(documents), wanted),
                    ).fetchall()
            best: dict[str, tuple[float, str]] = {}
            for passage, document, distance in rows:
                best.setdefault(passage, (1.0 - float(distance), document))
            if len(best) >= k or len(rows) < wanted:
                break
            wanted *= 4
        top = sorted(best, key=lambda key: (-best[key][0], key))[:k]
        if not top:
            return []
        with self.db.transaction() as conn:  # every row of the k, for their soft maximum
            every = conn.execute(
                "SELECT passage, 1 - (embedding <=> %s) FROM cg_vectors "
                "WHERE document = ANY(%s) AND passage = ANY(%s)",
                (vector, sorted({best[key][1] for key in top}), top),
            ).fetchall()
        near: dict[str, list[float]] = {key: [] for key in top}
        for passage, cosine in every:
            near[passage].append(float(cosine))
        soft = {key: soft_best_of(near[key] or [best[key][0]]) for key in top}
        return sorted(soft.items(), key=lambda item: (-item[1], item[0]))


class PgKeywordIndex(_IndexedDocuments):
    """Each passage a row of `cg_passages` with a weighted tsvector (text A, heading B,
    title C); `cg_terms` counts the passages that hold each stemmed word, for bm25's idf."""

    documents_table = "cg_keyword_documents"

    def __init__(self, url: str, *, read_only: bool = False) -> None:
        self.read_only = read_only
        self.db = _Database(url)
        if not read_only:
            self._create()

    def _create(self) -> None:
        with self.db.transaction() as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_ts_config WHERE cfgname = %s", (_CONFIG,)
            ).fetchone()
            if exists is None:
                conn.execute(
                    "CREATE TEXT SEARCH DICTIONARY civicgraph_stem "
                    "(TEMPLATE = snowball, Language = english)"
                )
                conn.execute(f"CREATE TEXT SEARCH CONFIGURATION {_CONFIG} (COPY = english)")
                conn.execute(
                    f"ALTER TEXT SEARCH CONFIGURATION {_CONFIG} ALTER MAPPING FOR asciiword, "
                    "word, hword, hword_part, hword_asciipart, asciihword, numword, numhword, "
                    "hword_numpart WITH civicgraph_stem"
                )
            conn.execute(
                """CREATE TABLE IF NOT EXISTS cg_passages (
                    id bigserial PRIMARY KEY, document text NOT NULL, passage text NOT NULL,
                    body tsvector NOT NULL, length integer NOT NULL)"""
            )
            conn.execute(
                "CREATE INDEX IF NOT EXISTS cg_passages_document ON cg_passages (document)"
            )
            conn.execute(
                "CREATE INDEX IF NOT EXISTS cg_passages_body ON cg_passages USING gin (body)"
            )
            conn.execute(
                "CREATE TABLE IF NOT EXISTS cg_terms "
                "(term text PRIMARY KEY, passages integer NOT NULL)"
            )
            conn.execute(
                """CREATE TABLE IF NOT EXISTS cg_keyword_documents (
                    document text PRIMARY KEY, passages integer NOT NULL,
                    length bigint NOT NULL)"""
            )

    def upsert(self, document_key: str, passages: Sequence[KeywordPassage]) -> None:
        """Replace one document's passages and their words' counts, in one transaction."""
        self._check_writable()
        text_weight, heading_weight, title_weight = "A", "B", "C"
        with self.db.transaction() as conn:
            self._delete(conn, document_key)
            conn.cursor().executemany(
                f"""INSERT INTO cg_passages (document, passage, body, length)
                    SELECT %(document)s, %(passage)s,
                        setweight(to_tsvector('{_CONFIG}', %(text)s), '{text_weight}')
                        || setweight(to_tsvector('{_CONFIG}', %(heading)s), '{heading_weight}')
                        || setweight(to_tsvector('{_CONFIG}', %(title)s), '{title_weight}'),
                        %(length)s""",
                [
                    {
                        "document": document_key,
                        "passage": p.key,
                        "text": p.text,
                        "heading": p.heading or "",
                        "title": p.title or "",
                        "length": len(_WORD.findall(f"{p.text} {p.heading or ''} {p.title or ''}")),
                    }
                    for p in passages
                ],
            )
            conn.execute(
                """INSERT INTO cg_terms (term, passages)
                   SELECT lexeme, count(*) FROM (
                       SELECT DISTINCT id, unnest(tsvector_to_array(body)) AS lexeme
                       FROM cg_passages WHERE document = %s) words GROUP BY lexeme
                   ON CONFLICT (term)
                   DO UPDATE SET passages = cg_terms.passages + EXCLUDED.passages""",
                (document_key,),
            )
            conn.execute(
                """INSERT INTO cg_keyword_documents (document, passages, length)
                   SELECT %s, count(*), coalesce(sum(length), 0) FROM cg_passages
                   WHERE document = %s""",
                (document_key, document_key),
            )

    @staticmethod
    def _delete(conn: Any, document_key: str) -> None:
        conn.execute(
            """UPDATE cg_terms SET passages = cg_terms.passages - gone.n FROM (
                   SELECT lexeme, count(*) AS n FROM (
                       SELECT DISTINCT id, unnest(tsvector_to_array(body)) AS lexeme
                       FROM cg_passages WHERE document = %s) words GROUP BY lexeme) gone
               WHERE cg_terms.term = gone.lexeme""",
            (document_key,),
        )
        conn.execute("DELETE FROM cg_terms WHERE passages <= 0")
        conn.execute("DELETE FROM cg_passages WHERE document = %s", (document_key,))
        conn.execute("DELETE FROM cg_keyword_documents WHERE document = %s", (document_key,))

    def search(
        self, query: str, k: int, *, documents: set[str] | None = None
    ) -> list[tuple[str, float]]:
        """The k passages that match best by bm25 (key, score; higher is better)."""
        if k <= 0:
            return []
        conn = self.db.connection()
        total, length = conn.execute(
            "SELECT coalesce(sum(passages), 0), coalesce(sum(length), 0) FROM cg_keyword_documents"
        ).fetchone()
        if not total:
            return []
        words = conn.execute(
            f"SELECT DISTINCT lexeme FROM unnest(to_tsvector('{_CONFIG}', %s))", (query,)
        ).fetchall()
        lexemes = [w for (w,) in words]
        counts = dict(
            conn.execute(
                "SELECT term, passages FROM cg_terms WHERE term = ANY(%s)", (lexemes,)
            ).fetchall()
        )
        held = [w for w in lexemes if counts.get(w)]
        # as the FTS5 index does: words held by most passages weigh nearly nothing in bm25,
        # and matching them would score nearly every row
        weighty = [w for w in held if counts[w] <= total * COMMON]
        if not weighty and total <= SMALL_INDEX:
            weighty = held
        if not weighty:
            return []
        idf = [
            max(float(np.log((total - counts[w] + 0.5) / (counts[w] + 0.5))), 1e-6) for w in weighty
        ]
        weight = " ".join(
            f"WHEN '{column}' THEN {w}" for column, w in zip("ABC", COLUMN_WEIGHTS, strict=True)
        )
        where, params = "", [weighty, idf, " | ".join(f"'{w}'" for w in weighty)]
        if documents is not None:
            where = "AND document = ANY(%s)"
            params.append(sorted(documents))
        rows = conn.execute(
            f"""WITH q (term, idf) AS (SELECT * FROM unnest(%s::text[], %s::float8[])),
                matched AS (
                    SELECT passage, body, length FROM cg_passages
                    WHERE body @@ %s::tsquery {where}),
                freq AS (
                    SELECT m.passage, m.length, q.idf, (
                        SELECT sum(CASE w {weight} ELSE 0 END) FROM unnest(u.weights) w) AS f
                    FROM matched m CROSS JOIN LATERAL unnest(m.body) u
                    JOIN q ON q.term = u.lexeme)
                SELECT passage, sum(idf * f * {K1 + 1} / (f + {K1} * (1 - {B} + {B} * length
                    / {length / total}))) AS score
                FROM freq GROUP BY passage ORDER BY score DESC, passage LIMIT %s""",
            [*params, k],
        ).fetchall()
        return [(passage, float(score)) for passage, score in rows]
