"""The command line: each command parses its options, calls the service, and prints text or JSON."""

from __future__ import annotations

import json
import logging
import sys
import textwrap
from collections.abc import Callable
from dataclasses import asdict
from functools import wraps
from pathlib import Path
from typing import Any, TextIO

import click
from pydantic import BaseModel

from api.errors import handle_errors
from api.schemas import (
    AnswerOut,
    AskOut,
    DeletedOut,
    DescriptionOut,
    DocumentOut,
    DocumentsOut,
    EntityCardOut,
    EvidenceOut,
    IngestOut,
    LeadsOut,
    PathsOut,
    SearchOut,
)
from api.service import CivicGraph
from api.settings import Settings
from graph.sparql_protocol import SPARQL_FORMATS
from ingest.pipeline import Progress


def _settings(store: Path | None, **overrides: Any) -> Settings:
    values = {k: v for k, v in overrides.items() if v is not None}
    if store is not None:
        values["store"] = store
    return Settings(**values)


def common(write: bool = False) -> Callable:
    """Add --store and --json to a command, and hand it an opened service: for writing when
    `write`, else read-only, so that a command that only reads never writes to the store."""

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
            service = CivicGraph.open(settings, write=write, read_only=not write)
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
    view = ProgressView(sys.stderr)
    try:
        report = service.ingest(paths, progress=view)
    finally:
        view.close()
    body = IngestOut(**report.as_dict())

    def text() -> None:
        for failure in report.failed:
            click.echo(f"failed: {failure[0]}: {failure[1]}", err=True)
        for skipped in report.of("skipped"):
            click.echo(f"skipped: {skipped.path}: {skipped.reason}", err=True)
        for duplicate in report.of("duplicate"):
            click.echo(
                f"duplicate: {duplicate.path}: the same text as {duplicate.duplicate_of}, "
                "not indexed twice",
                err=True,
            )
        extra = f", {len(body.duplicates)} duplicate" if body.duplicates else ""
        extra += f", {len(body.skipped)} skipped" if body.skipped else ""
        click.echo(
            f"{len(report.added)} added, {len(report.unchanged)} unchanged, "
            f"{len(report.replaced)} replaced, {len(report.failed)} failed{extra}; "
            f"{report.passages} passages, {report.triples} triples in {report.seconds:.1f} s"
        )

    emit(body, as_json, text)
    if not report.ok:
        sys.exit(1)


class ProgressView:
    """Ingest progress on stderr: a bar on a terminal (files, passages, rate, time left),
    else a line after each group of documents written."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.bar: Any = None

    def __call__(self, progress: Progress) -> None:
        """Show where an ingest has got."""
        if self.tty:
            self._bar(progress)
        elif progress.group_done and progress.files:
            seconds = progress.seconds
            rate = progress.files / seconds if seconds > 0 else 0.0
            left = (progress.total - progress.files) / rate if rate > 0 else 0.0
            print(
                f"ingest: {progress.files}/{progress.total} files, {progress.passages} passages, "
                f"{seconds:.0f} s, {rate:.2f} files/s, {progress.passages / max(seconds, 1e-9):.1f}"
                f" passages/s, about {left:.0f} s left",
                file=self.stream,
                flush=True,
            )

    def _bar(self, progress: Progress) -> None:
        from tqdm import tqdm

        if self.bar is None:
            self.bar = tqdm(total=progress.total, unit="file", file=self.stream, dynamic_ncols=True)
        seconds = max(progress.seconds, 1e-9)
        self.bar.set_postfix_str(
            f"{progress.passages} passages, {progress.passages / seconds:.1f} passages/s",
            refresh=False,
        )
        self.bar.update(progress.files - self.bar.n)

    def close(self) -> None:
        """End the bar, if one was drawn."""
        if self.bar is not None:
            self.bar.close()


@cli.command()
@common()
def documents(service: CivicGraph, as_json: bool) -> None:
    """List the documents in the store: key, title, date, source and passages."""
    body = DocumentsOut(documents=[DocumentOut(**asdict(doc)) for doc in service.documents()])

    def text() -> None:
        if not body.documents:
            click.echo("No documents.")
        for doc in body.documents:
            when = f", {doc.date}" if doc.date else ""
            plural = "s" if doc.passages != 1 else ""
            click.secho(f"{doc.key}", bold=True)
            click.echo(f"  {doc.title}{when}  ({doc.source}, {doc.passages} passage{plural})")

    emit(body, as_json, text)


@cli.command()
@click.argument("keys", nargs=-1, required=True)
@common(write=True)
def delete(service: CivicGraph, keys: tuple[str, ...], as_json: bool) -> None:
    """Remove documents (by KEY, as `civicgraph documents` lists them) with their passages,
    facts and vectors; if any key is unknown, nothing is removed."""
    body = DeletedOut(deleted=service.delete_documents(keys))
    plural = "s" if len(body.deleted) != 1 else ""
    emit(body, as_json, lambda: click.echo(f"deleted {len(body.deleted)} document{plural}"))


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
@click.argument("question")
@click.option(
    "--as-of",
    "as_of",
    default=None,
    help="answer as of a year or a month (2009, 2009-06)",
)
@click.option("-k", default=5, show_default=True, help="how many passages")
@common()
def ask(service: CivicGraph, question: str, as_of: str | None, k: int, as_json: bool) -> None:
    """Answer a QUESTION in plain English from the graph, with quotes, and the passages."""
    body = AskOut.of(service.ask(question, as_of=as_of, k=k))

    def text() -> None:
        reading = body.interpretation
        shape = f"  [{reading.shape}]" if reading.shape else ""
        click.secho(f"Read as: {reading.reading}{shape}", bold=True)
        for link in reading.entities:
            click.echo(
                f"  “{link.text}” → {link.entity.label} ({link.entity.id}), "
                f"matched “{link.matched}” ({link.score:g})"
            )
        for line in [reading.message, *reading.notes]:
            if line:
                click.echo(f"  {line}")
        for other in reading.alternatives:
            click.echo(f"  could also be: {other}")
        if body.answers:
            click.secho("\nAnswers", bold=True)
        for n, answer in enumerate(body.answers, 1):
            click.echo(f"{n}. {_answer_line(answer)}")
            if answer.description is not None:
                click.echo(f"   {_description_line(answer.description)}")
            for evidence in answer.evidence[:3]:
                when = evidence.date or "undated"
                quote = textwrap.shorten(evidence.quote, 140, placeholder="…")
                click.echo(f"     “{quote}”  [{evidence.title}, {when}; {evidence.passage}]")
        if body.passages:
            click.secho("\nPassages", bold=True)
        for n, hit in enumerate(body.passages, 1):
            when = f", {hit.date}" if hit.date else ""
            click.echo(f"{n}. {hit.title}{when}  [{hit.passage}]")
            click.echo(textwrap.indent(textwrap.shorten(hit.text, 300, placeholder="…"), "   "))

    emit(body, as_json, text)


def _description_line(description: DescriptionOut) -> str:
    """What the graph holds about an entity, in one line."""
    parts = [", ".join(description.types)]
    if description.aliases:
        parts.append("also " + ", ".join(description.aliases[:4]))
    lived = " ".join(
        f"{word} {day}"
        for word, day in (("from", description.start), ("until", description.end))
        if day
    )
    if lived:
        parts.append(lived)
    parts.append(f"{description.facts} facts, named in {description.documents} documents")
    return "; ".join(parts)


def _answer_line(answer: AnswerOut) -> str:
    """An answer in one line: the entity and the facts that make it one, or the path."""
    if answer.path is not None:
        return " → ".join(node.label for node in answer.path.nodes)
    if answer.entity is None:
        return ""
    facts = []
    for fact in answer.facts:
        extra = fact.role or fact.rating
        other = fact.object if fact.subject.id == answer.entity.id else fact.subject
        facts.append(f"{fact.predicate}{f' ({extra})' if extra else ''} {other.label}")
    said = f" — {'; '.join(dict.fromkeys(facts))}" if facts and not answer.description else ""
    return f"{answer.entity.label} ({answer.entity.id}){said}"


def _quote(evidence: EvidenceOut, indent: str = "      ") -> str:
    """One line of evidence: the quote and where it comes from."""
    text = textwrap.shorten(evidence.quote, 140, placeholder="…")
    return f"{indent}“{text}”  [{evidence.document}, {evidence.passage}]"


@cli.command()
@click.option("--theme", default=None, help="only this theme or programme (id, IRI or name)")
@click.option("--council", default=None, help="only this council or body (id, IRI or name)")
@common()
def leads(service: CivicGraph, theme: str | None, council: str | None, as_json: bool) -> None:
    """Which councils and bodies lead which themes and programmes, with evidence."""
    body = LeadsOut.of(service.leads(theme=theme, council=council))

    def text() -> None:
        if not body.leads:
            click.echo("No leads found.")
        for lead in body.leads:
            gss = f", {lead.leader.gss}" if lead.leader.gss else ""
            click.secho(
                f"{lead.leader.label} ({lead.leader.id}{gss}) leads {lead.led.label} "
                f"({lead.led.id})",
                bold=True,
            )
            for evidence in lead.evidence:
                click.echo(_quote(evidence, "    "))

    emit(body, as_json, text)


@cli.command()
@click.argument("name")
@common()
def entity(service: CivicGraph, name: str, as_json: bool) -> None:
    """An entity card: labels, identifiers, relations and evidence (NAME: id, IRI or label)."""
    body = EntityCardOut.of_card(service.entity(name))

    def text() -> None:
        click.secho(f"{body.label}  [{body.id}]", bold=True)
        click.echo(f"  type: {body.type} ({', '.join(body.types)})")
        if body.aliases:
            click.echo(f"  also: {', '.join(body.aliases)}")
        for key, value in body.identifiers.items():
            click.echo(f"  {key.replace('_', ' ')}: {value}")
        click.echo(f"  iri: {body.iri}")
        if body.outgoing or body.incoming:
            click.secho("Relations", bold=True)
        for relation in [*body.outgoing, *body.incoming]:
            extra = relation.role or relation.rating
            name = f"{relation.predicate} ({extra})" if extra else relation.predicate
            if relation.subject.id == body.id:
                click.echo(f"  → {name} {relation.object.label} [{relation.object.id}]")
            else:
                click.echo(f"  ← {relation.subject.label} [{relation.subject.id}] {name}")
            for evidence in relation.evidence:
                click.echo(_quote(evidence))
        if body.documents:
            click.secho("Documents", bold=True)
        for doc in body.documents:
            when = f", {doc.date}" if doc.date else ""
            plural = "s" if doc.passages != 1 else ""
            click.echo(f"  {doc.title}{when}  [{doc.document}]  {doc.passages} passage{plural}")

    emit(body, as_json, text)


@cli.command()
@click.argument("source")
@click.argument("target")
@click.option("--max-hops", default=4, show_default=True, help="longest path, in hops")
@click.option("--limit", default=5, show_default=True, help="how many paths")
@common()
def path(
    service: CivicGraph, source: str, target: str, max_hops: int, limit: int, as_json: bool
) -> None:
    """The shortest relationship paths from SOURCE to TARGET, each hop with its evidence."""
    body = PathsOut.of(service.paths(source, target, max_hops=max_hops, limit=limit))

    def text() -> None:
        if not body.paths:
            click.echo(
                f"No path from {body.source.label} to {body.target.label} "
                f"within {body.max_hops} hops."
            )
            return
        if body.co_mention:
            click.echo("No path over stated facts; these use co-mentions in one passage.")
        for n, found in enumerate(body.paths, 1):
            labels = {node.id: node.label for node in found.nodes}
            plural = "s" if found.hops != 1 else ""
            click.secho(f"Path {n} ({found.hops} hop{plural})", bold=True)
            for edge in found.edges:
                extra = edge.role or edge.rating
                name = f"{edge.predicate} ({extra})" if extra else edge.predicate
                if edge.kind == "co-mention":
                    name = "named together with (co-mention)"
                arrow = f"—{name}→" if edge.direction != "backward" else f"←{name}—"
                click.echo(f"  {labels[edge.source]} {arrow} {labels[edge.target]}")
                for evidence in edge.evidence:
                    click.echo(_quote(evidence))

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
    if fmt is None and not as_json:
        result = service.sparql(query, "text/tab-separated-values")
        click.echo(result.body.decode().rstrip("\n"))
        return
    result = service.sparql(query, SPARQL_FORMATS[fmt or "json"])
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


@cli.command(name="eval")
@click.argument("gold", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option(
    "--corpus",
    type=click.Path(path_type=Path, exists=True, file_okay=False),
    default=None,
    help="folder of the gold's documents, to check quotes against their text",
)
@common()
def evaluate(service: CivicGraph, gold: Path, corpus: Path | None, as_json: bool) -> None:
    """Score the store against a gold file: entity and relation recall and precision."""
    report = service.evaluate(gold, corpus)
    emit(report.as_dict(), as_json, lambda: click.echo(report.render_text()))


@cli.command()
@click.option(
    "--store", type=click.Path(path_type=Path, file_okay=False), envvar="CIVICGRAPH_STORE"
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@handle_errors
def serve(store: Path | None, host: str, port: int) -> None:
    """Serve the HTTP API and the explorer."""
    from api.app import create_app
    from api.server import serve as run_server

    app = create_app(_settings(store))
    click.echo(f"civicgraph on http://{host}:{port}/  (API docs at /docs)", err=True)
    run_server(app, host, port)


def main() -> None:
    """Entry point of the `civicgraph` command."""
    cli()


if __name__ == "__main__":
    main()
