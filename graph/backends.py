"""The one factory of civicgraph's backends: the only place that reads which engines the
settings name, and that knows how the store folder is laid out.

    STORE/manifest.json      the embedding model and its dimension (graph/vectors.py)
    STORE/graph/             the embedded Oxigraph store (store_backend=oxigraph)
    STORE/vectors/           each document's vectors, and the approximate index (ann/)
    STORE/keywords.sqlite    the FTS5 keyword index (keyword_backend=sqlite)
    STORE/projection/        the name index, path projection and leads, saved between runs
    STORE/uploads/           uploaded files waiting for their job (api/jobs.py)

With remote engines the folder still holds the manifest and the projection snapshots.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from graph.errors import ConfigError
from graph.keywords import KeywordIndex
from graph.store import Store
from graph.vectors import VectorIndex, check_manifest

STORE_BACKENDS = ("oxigraph", "sparql")
VECTOR_BACKENDS = ("usearch", "numpy", "pgvector")
KEYWORD_BACKENDS = ("sqlite", "postgres")


class BackendSettings(Protocol):
    """The settings the factory reads (api/settings.py's `Settings` has them all)."""

    store: Path
    store_backend: str
    sparql_endpoint: str | None
    sparql_update_endpoint: str | None
    vector_backend: str
    keyword_backend: str
    postgres_url: str | None
    query_timeout_s: float


@dataclass(frozen=True, slots=True)
class StoreLayout:
    """Where each part lives in the store folder."""

    folder: Path

    @property
    def manifest(self) -> Path:
        return self.folder / "manifest.json"

    @property
    def graph(self) -> Path:
        return self.folder / "graph"

    @property
    def vectors(self) -> Path:
        return self.folder / "vectors"

    @property
    def keywords(self) -> Path:
        return self.folder / "keywords.sqlite"

    @property
    def projection(self) -> Path:
        return self.folder / "projection"

    @property
    def uploads(self) -> Path:
        return self.folder / "uploads"


def _choose(kind: str, name: str, choices: tuple[str, ...], variable: str) -> str:
    if name not in choices:
        raise ConfigError(
            f"unknown {kind} backend {name!r} (CIVICGRAPH_{variable}); "
            f"choose {' or '.join(choices)}"
        )
    return name


def _postgres_url(settings: BackendSettings) -> str:
    if not settings.postgres_url:
        raise ConfigError(
            "the PostgreSQL backends need CIVICGRAPH_POSTGRES_URL, for example "
            "postgresql://user@127.0.0.1:5432/civicgraph"
        )
    return settings.postgres_url


def open_store(settings: BackendSettings, *, read_only: bool) -> Store:
    """The graph store the settings name: embedded Oxigraph in the store folder (read-only
    where there is none yet, an empty one in memory), or a remote SPARQL 1.1 endpoint."""
    backend = _choose("store", settings.store_backend, STORE_BACKENDS, "STORE_BACKEND")
    if backend == "sparql":
        from graph.sparql_store import SparqlStore

        if not settings.sparql_endpoint:
            raise ConfigError(
                "store_backend=sparql needs CIVICGRAPH_SPARQL_ENDPOINT, the query URL of a "
                "SPARQL 1.1 endpoint (and CIVICGRAPH_SPARQL_UPDATE_ENDPOINT to write)"
            )
        return SparqlStore(
            settings.sparql_endpoint,
            None if read_only else settings.sparql_update_endpoint,
            timeout_s=settings.query_timeout_s,
        )
    from graph.store import OxigraphStore

    path = StoreLayout(settings.store).graph
    if read_only and not path.is_dir():
        return OxigraphStore(None, read_only=True)  # nothing ingested yet: empty, and no file made
    return OxigraphStore(path, read_only=read_only)


def open_vectors(
    settings: BackendSettings, model: str, dimension: int, *, read_only: bool
) -> VectorIndex:
    """The vector index the settings name, after checking that the store was made with the
    same embedding model."""
    backend = _choose("vector", settings.vector_backend, VECTOR_BACKENDS, "VECTOR_BACKEND")
    layout = StoreLayout(settings.store)
    check_manifest(layout.manifest, model, dimension, read_only=read_only)
    if backend == "pgvector":
        from graph.postgres import PgVectorIndex

        return PgVectorIndex(_postgres_url(settings), dimension, read_only=read_only)
    if backend == "numpy":
        from graph.vectors import NumpyIndex

        return NumpyIndex(layout.vectors, dimension, read_only=read_only)
    from graph.ann import UsearchIndex

    return UsearchIndex(layout.vectors, dimension, read_only=read_only)


def open_keywords(settings: BackendSettings, *, read_only: bool) -> KeywordIndex:
    """The keyword index the settings name; read-only, the SQLite file another process
    writes, or one in memory when there is none yet."""
    backend = _choose("keyword", settings.keyword_backend, KEYWORD_BACKENDS, "KEYWORD_BACKEND")
    if backend == "postgres":
        from graph.postgres import PgKeywordIndex

        return PgKeywordIndex(_postgres_url(settings), read_only=read_only)
    from graph.keywords import SqliteKeywordIndex

    path = StoreLayout(settings.store).keywords
    if read_only and not path.exists():
        return SqliteKeywordIndex(None)
    return SqliteKeywordIndex(path, read_only=read_only)


def projection_folder(settings: BackendSettings) -> Path:
    """Where the graph's projections are saved between runs."""
    return StoreLayout(settings.store).projection


def uploads_folder(settings: BackendSettings) -> Path:
    """Where uploaded files wait on disk for their ingest job."""
    return StoreLayout(settings.store).uploads
