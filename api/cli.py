"""The command line: each command parses its options, calls the service, and prints text or JSON."""

from __future__ import annotations

import json
import logging
import sys
import textwrap
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import click
from pydantic import BaseModel

from api.errors import handle_errors
from api.schemas import IngestOut, SearchOut
from api.service import CivicGraph
from api.settings import Settings


def _settings(store: Path | None, **overrides: Any) -> Settings:
    values = {k: v for k, v in overrides.items() if v is not None}
    if store is not None:
        values["store"] = store
    return Settings(**values)


def common(write: bool = False) -> Callable:
    """Add --store and --json to a command, and hand it an opened service."""

    def decorate(command: Callable) -> Callable:
        @click.option(
            "--store",
            type=click.Path(path_type=Path, file_okay=False),
            envvar="CIVICGRAPH_STORE",
            default=None,
            help="folder of the store [default: ./civicgraph-data, or $CIVICGRAPH_STORE]",
        )
        @click.option("--json", "as_json", is_flag=True, help="print JSON, as the HTTP API does")
        @wraps(command)
        @handle_errors
        def wrapper(store: Path | None, as_json: bool, **kwargs: Any) -> Any:
            settings = _settings(store, device=kwargs.pop("device", None))
            service = CivicGraph.open(settings, write=write)
            try:
                return command(service, as_json=as_json, **kwargs)
            finally:
                service.close()

        return wrapper

    return decorate


def emit(body: BaseModel | dict, as_json: bool, text: Callable[[], None]) -> None:
    """Print the JSON body under --json, else the human-readable text."""
    if as_json:
        data = body.model_dump(mode="json") if isinstance(body, BaseModel) else body
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        text()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="log what happens")
def cli(verbose: bool) -> None:
    """civicgraph: a knowledge graph and semantic search over local-government documents."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--device",
    type=click.Choice(["auto", "cpu", "cuda"]),
    default=None,
    help="where to embed [default: auto, a GPU when there is one]",
)
@common(write=True)
def ingest(service: CivicGraph, paths: tuple[Path, ...], as_json: bool) -> None:
    """Ingest files or folders (.txt .md .html .pdf .docx) into the store."""
    from tqdm import tqdm

    bar = tqdm(unit="doc", disable=as_json or None, file=sys.stderr, dynamic_ncols=True)
    report = service.ingest(paths, progress=bar.update, total=lambda n: bar.reset(total=n))
    bar.close()
    body = IngestOut(**report.as_dict())

    def text() -> None:
        for failure in report.failed:
            click.echo(f"failed: {failure[0]}: {failure[1]}", err=True)
        click.echo(
            f"{len(report.added)} added, {len(report.unchanged)} unchanged, "
            f"{len(report.replaced)} replaced, {len(report.failed)} failed; "
            f"{report.passages} passages, {report.triples} triples in {report.seconds:.1f} s"
        )

    emit(body, as_json, text)
    if not report.ok:
        sys.exit(1)


@cli.command()
@click.argument("query")
@click.option("-k", default=10, show_default=True, help="how many passages")
@click.option("--document", default=None, help="only this document's passages")
@click.option(
    "--type",
    "kind",
    type=click.Choice(["council", "body", "person", "programme", "theme"]),
    default=None,
    help="only passages that mention an entity of this type",
)
@common()
def search(
    service: CivicGraph, query: str, k: int, document: str | None, kind: str | None, as_json: bool
) -> None:
    """Find passages by meaning and keywords."""
    body = SearchOut.of(query, service.search(query, k=k, document=document, kind=kind))

    def text() -> None:
        if not body.results:
            click.echo("No passages found.")
        for n, hit in enumerate(body.results, 1):
            when = f", {hit.date}" if hit.date else ""
            click.secho(f"{n}. {hit.title}{when}  [{hit.passage}]", bold=True)
            click.echo(textwrap.indent(textwrap.fill(hit.text, 96), "   "))
            if hit.entities:
                click.echo("   mentions: " + ", ".join(e.label for e in hit.entities))
            click.echo()

    emit(body, as_json, text)


@cli.command()
@click.argument("query")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "xml", "csv", "tsv", "turtle", "ntriples"]),
    default=None,
    help="result format [default: a table, or JSON with --json]",
)
@common()
def sparql(service: CivicGraph, query: str, fmt: str | None, as_json: bool) -> None:
    """Run a read-only SPARQL 1.1 query over the store."""
    from api.routers.sparql import _FORMATS

    if fmt is None and not as_json:
        result = service.sparql(query, "text/tab-separated-values")
        click.echo(result.body.decode().rstrip("\n"))
        return
    result = service.sparql(query, _FORMATS[fmt or "json"])
    click.echo(result.body.decode().rstrip("\n"))


@cli.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["turtle", "nquads", "ntriples", "trig", "jsonld", "graphml"]),
    default="turtle",
    show_default=True,
)
@click.option("-o", "--output", type=click.Path(path_type=Path), help="file to write [stdout]")
@common()
def export(service: CivicGraph, fmt: str, output: Path | None, as_json: bool) -> None:
    """Write the whole graph as Turtle, N-Quads, JSON-LD or GraphML."""
    from tqdm import tqdm

    out = output.open("wb") if output else sys.stdout.buffer
    written = 0
    with tqdm(unit="B", unit_scale=True, disable=output is None or None, file=sys.stderr) as bar:
        for chunk in service.export(fmt):
            out.write(chunk)
            written += len(chunk)
            bar.update(len(chunk))
    if output:
        out.close()
        click.echo(f"wrote {written:,} bytes to {output}", err=True)


@cli.command()
@click.option(
    "--store", type=click.Path(path_type=Path, file_okay=False), envvar="CIVICGRAPH_STORE"
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@handle_errors
def serve(store: Path | None, host: str, port: int) -> None:
    """Serve the HTTP API and the explorer."""
    import uvicorn

    from api.app import create_app

    app = create_app(_settings(store))
    click.echo(f"civicgraph on http://{host}:{port}/  (API docs at /docs)", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")


def main() -> None:
    """Entry point of the `civicgraph` command."""
    cli()


if __name__ == "__main__":
    main()
