"""Settings, from the environment (CIVICGRAPH_*) or the command line's options of the same name."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from ingest.budget import DEFAULT_FILE_MEMORY_MB, DEFAULT_FILE_TIMEOUT_S


class Settings(BaseSettings):
    """Every setting with its default; the README's settings table lists the same names."""

    model_config = SettingsConfigDict(env_prefix="CIVICGRAPH_", extra="ignore")

    store: Path = Field(Path("civicgraph-data"), description="folder of the embedded store")
    store_backend: str = Field("oxigraph", description="graph store: oxigraph or sparql")
    sparql_endpoint: str | None = Field(
        None, description="query URL of a remote SPARQL store (store_backend=sparql)"
    )
    sparql_update_endpoint: str | None = Field(
        None, description="update URL of a remote SPARQL store"
    )
    vector_backend: str = Field(
        "usearch",
        description="vector index: usearch (approximate, on disk), numpy (exact scan) or "
        "pgvector (PostgreSQL)",
    )
    keyword_backend: str = Field(
        "sqlite", description="keyword index: sqlite (FTS5, on disk) or postgres"
    )
    postgres_url: str | None = Field(
        None,
        description="PostgreSQL connection URL, for vector_backend=pgvector and "
        "keyword_backend=postgres",
    )
    model: str = Field("all-MiniLM-L6-v2", description="embedding model: all-MiniLM-L6-v2 or hash")
    device: str = Field("auto", description="where to embed: auto, cpu or cuda")
    max_bytes: int = Field(50 * 1024 * 1024, description="largest file ingest accepts, in bytes")
    file_timeout_s: float = Field(
        DEFAULT_FILE_TIMEOUT_S,
        gt=0,
        description="time a file may take to be read, split and extracted; past it the file "
        "is refused by name",
    )
    file_memory_mb: float = Field(
        DEFAULT_FILE_MEMORY_MB,
        ge=0,
        description="memory the process preparing files may gain over what it held when "
        "the batch began (Linux; 0: no limit); past it the file in hand is refused",
    )
    query_timeout_s: float = Field(10.0, description="time limit of every query, in seconds")
    threads: int = Field(
        0,
        ge=0,
        description="threads the server answers requests in (0: THREADS_PER_CORE a core)",
    )
    api_keys: list[str] = Field(
        default_factory=list,
        description="keys that may write through the API (JSON list); none: writes are off",
    )
    extract: bool = Field(True, description="extract entities and relations on ingest")
    sparql_service_allow: list[str] = Field(
        default_factory=list,
        description="endpoint IRIs that SPARQL SERVICE clauses may query (JSON list); none: "
        "SERVICE is refused",
    )


@lru_cache
def get_settings() -> Settings:
    """The settings of this process, read once."""
    return Settings()
