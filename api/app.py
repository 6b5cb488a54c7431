"""The FastAPI app: the lifespan opens the service; routers, error handlers and the explorer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio.to_thread
import swagger_ui_bundle
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from api.errors import install_handlers
from api.jobs import IngestJobs
from api.routers import (
    ask,
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
# Swagger UI's own files, from the swagger-ui-bundle-v2 package (Apache-2.0; see NOTICE), so that
# /docs works with no internet.
SWAGGER_UI = Path(swagger_ui_bundle.swagger_ui_path)
DOCS_ASSETS = "/docs-assets"
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
        # load the names, leads, indexes and model now, so the first request is fast
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
        docs_url=None,  # served below from the package's files, not a CDN
        redoc_url=None,
    )
    app.add_middleware(UrlLengthLimit)
    install_handlers(app)
    routers = (search, ask, leads, entities, relations, paths, documents, jobs, sparql, system)
    for module in routers:
        app.include_router(module.router)

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        """Swagger UI over the OpenAPI document, every file served from here."""
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title="civicgraph API",
            swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_ASSETS}/favicon-32x32.png",
        )

    app.mount(DOCS_ASSETS, StaticFiles(directory=SWAGGER_UI), name="docs-assets")
    if STATIC.is_dir():
        app.mount("/", StaticFiles(directory=STATIC, html=True), name="explorer")
    return app
