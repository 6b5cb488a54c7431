"""The FastAPI app: the lifespan opens the service; routers, error handlers and the explorer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio.to_thread
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api.errors import install_handlers
from api.jobs import IngestJobs
from api.routers import (
    documents,
    entities,
    jobs,
    leads,
    paths,
    relations,
    search,
    sparql,
    system,
)
from api.schemas import COMMON_ERRORS
from api.server import UrlLengthLimit
from api.service import CivicGraph
from api.settings import Settings, get_settings
from graph.embed import Embedder
from graph.embed_pool import open_query_embedders
from graph.sparql_pool import cores

STATIC = Path(__file__).parent / "static"
# Threads that answer requests, a core (CIVICGRAPH_THREADS sets the number outright): most of
# a request's time is spent outside Python's lock (Oxigraph, SQLite, numpy, the embedding
# workers' pipes), so a few threads a core keep the cores busy without queueing on the lock.
THREADS_PER_CORE = 4


def create_app(
    settings: Settings | None = None,
    *,
    service: CivicGraph | None = None,
    embedder: Embedder | None = None,
) -> FastAPI:
    """Build the app; it opens its own service unless one is handed in."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = service is None
        chosen = settings or get_settings()
        queries = None
        if own and embedder is None:
            queries = open_query_embedders(chosen.model, chosen.device, cores())
        opened = service or CivicGraph.open(chosen, embedder=embedder or queries)
        # load the catalogue, index and model now, so the first request is fast
        opened.warm()
        threads = opened.settings.threads or THREADS_PER_CORE * cores()
        anyio.to_thread.current_default_thread_limiter().total_tokens = threads
        app.state.service = opened
        app.state.jobs = IngestJobs(opened)
        yield
        app.state.jobs.close()
        if own:
            opened.close()
        if queries is not None:
            queries.close()

    app = FastAPI(
        title="civicgraph",
        description="A knowledge graph and semantic search over local-government documents.",
        version="0.1.0",
        lifespan=lifespan,
        responses=COMMON_ERRORS,
    )
    app.add_middleware(UrlLengthLimit)
    install_handlers(app)
    for module in (search, leads, entities, relations, paths, documents, jobs, sparql, system):
        app.include_router(module.router)
    if STATIC.is_dir():
        app.mount("/", StaticFiles(directory=STATIC, html=True), name="explorer")
    return app
