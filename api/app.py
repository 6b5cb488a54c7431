"""The FastAPI app: the lifespan opens the service; routers, error handlers and the explorer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api.errors import install_handlers
from api.routers import (
    ask,
    documents,
    entities,
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

STATIC = Path(__file__).parent / "static"


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
        opened = service or CivicGraph.open(settings or get_settings(), embedder=embedder)
        # load the names, leads, indexes and model now, so the first request is fast
        opened.warm()
        app.state.service = opened
        yield
        if own:
            opened.close()

    app = FastAPI(
        title="civicgraph",
        description="A knowledge graph and semantic search over local-government documents.",
        version="0.1.0",
        lifespan=lifespan,
        responses=COMMON_ERRORS,
    )
    app.add_middleware(UrlLengthLimit)
    install_handlers(app)
    for module in (search, ask, leads, entities, relations, paths, documents, sparql, system):
        app.include_router(module.router)
    if STATIC.is_dir():
        app.mount("/", StaticFiles(directory=STATIC, html=True), name="explorer")
    return app
