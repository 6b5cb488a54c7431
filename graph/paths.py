"""Relationship paths: a networkx projection of the entity graph, kept in step with the store.

Two undirected graphs over entity refs share one table of edges: `facts` holds the pairs that a
stated fact joins (posts, leads, participation, membership, sub-organisation, ratings), and
`links` adds the pairs that are only named together in one passage (co-mention). Paths are
looked for over facts first; co-mentions are used only when no path over facts exists.
Each edge remembers which named graph (document) contributed what, so that a document added,
replaced or deleted updates the projection without rebuilding it.
"""

from __future__ import annotations

import heapq
import logging
import os
import pickle
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import combinations, pairwise
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import networkx as nx

from graph import queries
from graph.build import REFERENCE_GRAPH
from graph.model import Relation
from graph.queries import EntityIndex, FactKey, fact_rows, mention_rows, named_graphs
from graph.store import DEFAULT_TIMEOUT_S, Store
from graph.vocab import ref_iri

log = logging.getLogger(__name__)

# Which fact a hop shows when several join the same two entities.
PRIORITY = {
    "headOf": 0,
    "holdsPost": 1,
    "leads": 2,
    "participatesIn": 3,
    "memberOf": 4,
    "subOrganizationOf": 5,
    "rated": 6,
    "createdBy": 7,
    "hasTheme": 8,
}
# A passage naming more entities than this (a long list) adds no co-mention edges.
MAX_COMENTIONS = 60
CO_MENTIONED = "coMentioned"
# Bump when the pickled layout of EntityIndex or EntityGraph changes.
SNAPSHOT_VERSION = 2

Pair = tuple[str, str]


# How many quotes a hop of a path shows.
HOP_EVIDENCE = 3


@dataclass(slots=True)
class _Edge:
    # fact -> graph -> IRIs of the claims there that state it (empty: stated by no claim)
    facts: dict[FactKey, dict[str, list[str]]] = field(default_factory=dict)
    # graph -> IRIs of the passages there that name both entities
    mentions: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Hop:
    """One hop of a found path, before its evidence is fetched."""

    source: str
    target: str
    fact: FactKey | None  # None for a co-mention
    evidence: int  # how many claims (or passages, for a co-mention) support it
    sources: tuple[str, ...] = ()  # a few of those claim (or passage) IRIs


def _pair(a: str, b: str) -> Pair:
    return (a, b) if a <= b else (b, a)


class EntityGraph:
    """The entity graph as networkx sees it, synced with the store graph by graph."""

    def __init__(self) -> None:
        self.facts = nx.Graph()
        self.links = nx.Graph()
        self.graphs: set[str] = set()
        self._edges: dict[Pair, _Edge] = {}
        self._by_graph: dict[str, set[Pair]] = {}

    def __getstate__(self) -> dict[str, Any]:
        return {"graphs": self.graphs, "edges": self._edges, "by_graph": self._by_graph}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.graphs, self._edges, self._by_graph = (
            state["graphs"],
            state["edges"],
            state["by_graph"],
        )
        self.facts, self.links = nx.Graph(), nx.Graph()
        self.facts.add_edges_from(pair for pair, edge in self._edges.items() if edge.facts)
        self.links.add_edges_from(self._edges)

    # -- keeping in step --------------------------------------------------------------------

    def sync(self, store: Store) -> bool:
        """Add the named graphs that are new in the store and drop those that are gone."""
        current = named_graphs(store)
        removed, added = self.graphs - current, current - self.graphs
        if not removed and not added:
            return False
        started = time.perf_counter()
        self.forget(removed)
        everything = not self.graphs
        for graph, fact, claim in fact_rows(store, added, everything=everything):
            self._add_fact(graph, fact, claim)
        for graph, passage, refs in mention_rows(store, added, everything=everything):
            self._add_mentions(graph, passage, refs)
        self.graphs |= added
        log.info(
            "entity graph: +%d -%d graphs, %d nodes, %d fact edges, %d edges in %.2f s",
            len(added),
            len(removed),
            self.links.number_of_nodes(),
            self.facts.number_of_edges(),
            self.links.number_of_edges(),
            time.perf_counter() - started,
        )
        return True

    def _edge(self, graph: str, pair: Pair) -> _Edge:
        self._by_graph.setdefault(graph, set()).add(pair)
        edge = self._edges.get(pair)
        if edge is None:
            edge = self._edges[pair] = _Edge()
        return edge

    def _add_fact(self, graph: str, fact: FactKey, claim: str | None) -> None:
        subject, _, obj, _ = fact
        if subject == obj:
            return
        pair = _pair(subject, obj)
        claims = self._edge(graph, pair).facts.setdefault(fact, {}).setdefault(graph, [])
        if claim:
            claims.append(claim)
        self.facts.add_edge(*pair)
        self.links.add_edge(*pair)

    def _add_mentions(self, graph: str, passage: str, refs: list[str]) -> None:
        unique = sorted(set(refs))
        if len(unique) > MAX_COMENTIONS:
            return
        for pair in combinations(unique, 2):
            self._edge(graph, pair).mentions.setdefault(graph, []).append(passage)
            self.links.add_edge(*pair)

    def forget(self, graphs: set[str]) -> None:
        """Forget what these graphs contributed, so that the next sync reads them again."""
        for graph in graphs:
            for pair in self._by_graph.pop(graph, ()):
                edge = self._edges.get(pair)
                if edge is None:
                    continue
                for fact in list(edge.facts):
                    edge.facts[fact].pop(graph, None)
                    if not edge.facts[fact]:
                        del edge.facts[fact]
                edge.mentions.pop(graph, None)
                self._refresh(pair, edge)
            self.graphs.discard(graph)

    def _refresh(self, pair: Pair, edge: _Edge) -> None:
        if not edge.facts and self.facts.has_edge(*pair):
            self.facts.remove_edge(*pair)
        if not edge.facts and not edge.mentions:
            del self._edges[pair]
            if self.links.has_edge(*pair):
                self.links.remove_edge(*pair)
        for graph in (self.facts, self.links):
            for node in pair:
                if node in graph and graph.degree(node) == 0:
                    graph.remove_node(node)

    # -- questions --------------------------------------------------------------------------

    def shortest_paths(
        self,
        source: str,
        target: str,
        *,
        max_hops: int = 4,
        limit: int = 5,
        deadline: float | None = None,
    ) -> tuple[list[list[Hop]], bool]:
        """Up to `limit` shortest simple paths of at most `max_hops` hops, over facts when any
        exist, else over facts and co-mentions; and whether co-mentions were used."""
        for graph, weak in ((self.facts, False), (self.links, True)):
            found = _simple_paths(graph, source, target, max_hops, limit, deadline)
            if found:
                hops = [self._hops(path) for path in found]
                hops.sort(key=lambda p: (len(p), sum(h.fact is None for h in p)))
                return hops, weak
        return [], False

    def _hops(self, path: list[str]) -> list[Hop]:
        hops = []
        for u, v in pairwise(path):
            edge = self._edges[_pair(u, v)]
            if edge.facts:
                fact, by_graph = min(
                    edge.facts.items(),
                    key=lambda item: (PRIORITY.get(item[0][1], 9), -_count(item[1])),
                )
                hops.append(Hop(u, v, fact, _count(by_graph), _first(by_graph)))
            else:
                hops.append(Hop(u, v, None, _count(edge.mentions), _first(edge.mentions)))
        return hops

    def fact_count(self) -> int:
        """The number of distinct facts in the projection."""
        return sum(len(edge.facts) for edge in self._edges.values())

    def all_facts(self) -> Iterator[tuple[FactKey, int]]:
        """Every fact with its number of claims."""
        for edge in self._edges.values():
            for fact, by_graph in edge.facts.items():
                yield fact, _count(by_graph)


def _count(by_graph: dict[str, list[str]]) -> int:
    return sum(len(items) for items in by_graph.values())


def _first(by_graph: dict[str, list[str]], n: int = HOP_EVIDENCE) -> tuple[str, ...]:
    return tuple(heapq.nsmallest(n, (item for items in by_graph.values() for item in items)))


def _simple_paths(
    graph: nx.Graph,
    source: str,
    target: str,
    max_hops: int,
    limit: int,
    deadline: float | None,
) -> list[list[str]]:
    """Shortest simple paths in hop order (Yen's algorithm), stopping at the hop cap."""
    if source not in graph or target not in graph:
        return []
    found: list[list[str]] = []
    try:
        for path in nx.shortest_simple_paths(graph, source, target):
            if len(path) - 1 > max_hops:
                break
            found.append(path)
            if len(found) >= limit or (deadline is not None and time.monotonic() > deadline):
                break
    except nx.NetworkXNoPath:
        return found
    return found


# -- snapshots --------------------------------------------------------------------------------


def save_snapshot(path: Path, parts: dict[str, Any]) -> None:
    """Write the in-memory parts (name index, projection, leads) to disk, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("wb") as out:
        pickle.dump({"version": SNAPSHOT_VERSION, **parts}, out, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)


def load_snapshot(path: Path) -> dict[str, Any] | None:
    """The parts a previous run saved, or None when there are none or they cannot be used."""
    try:
        with path.open("rb") as data:
            parts = pickle.load(data)
    except FileNotFoundError:
        return None
    except Exception as exc:  # a snapshot of an older layout: rebuild from the store
        log.warning("ignoring the snapshot at %s: %s", path, exc)
        return None
    if not isinstance(parts, dict) or parts.get("version") != SNAPSHOT_VERSION:
        return None
    return parts


class Projections:
    """What the graph's questions read from memory: the name index, the path projection and
    the leads. Each is built from the store when first needed (or read from the snapshot a
    previous run saved beside it), caught up graph by graph after every write, and saved
    again when it changed."""

    PARTS = ("names", "paths", "leads")

    def __init__(
        self,
        store: Store,
        folder: Path | None,
        *,
        writable: bool = True,
        timeout_s: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        self.store = store
        self.folder = folder
        self.writable = writable
        self.timeout_s = timeout_s
        self.generation = 0  # bumped by every write; each part catches up when next used
        self._names = EntityIndex()
        self._names_at = -1
        self._graph = EntityGraph()
        self._graph_at = -1
        self._leads: tuple[int, frozenset[str], list[Relation]] | None = None
        self._locks = {part: threading.RLock() for part in self.PARTS}
        self._read: set[str] = set()
        self._dirty: set[str] = set()

    def changed(self) -> None:
        """Note that the store was written: every part catches up when next used."""
        self.generation += 1

    def _saved(self, part: str) -> Any:
        """The part a previous run saved (read once), or None."""
        if part in self._read or self.folder is None:
            return None
        self._read.add(part)
        parts = load_snapshot(self.folder / f"{part}.pickle")
        return parts.get(part) if parts else None

    @property
    def names(self) -> EntityIndex:
        """The name index, in step with the store."""
        with self._locks["names"]:
            saved = self._saved("names")
            if isinstance(saved, EntityIndex):
                saved.forget({str(REFERENCE_GRAPH)})  # rewritten on every open: read it again
                self._names = saved
            generation = self.generation
            if self._names_at != generation:
                if self._names.sync(self.store):
                    self._dirty.add("names")
                self._names_at = generation
            return self._names

    @contextmanager
    def graph(self) -> Iterator[EntityGraph]:
        """The path projection, in step with the store, held still while in use."""
        with self._locks["paths"]:
            saved = self._saved("paths")
            if isinstance(saved, EntityGraph):
                saved.forget({str(REFERENCE_GRAPH)})
                self._graph = saved
            generation = self.generation
            if self._graph_at != generation:
                if self._graph.sync(self.store):
                    self._dirty.add("paths")
                self._graph_at = generation
            yield self._graph

    def leads(self) -> list[Relation]:
        """Every lead with its evidence, read once per change of the store."""
        with self._locks["leads"]:
            generation = self.generation
            if self._leads is None or self._leads[0] != generation:
                graphs = frozenset(named_graphs(self.store))
                saved = self._saved("leads")
                if saved and saved[0] == graphs:
                    found = saved[1]
                else:
                    found = queries.leads(self.store, self.names, timeout_s=self.timeout_s)
                    self._dirty.add("leads")
                self._leads = (generation, graphs, found)
            return self._leads[2]

    def save(self) -> None:
        """Write the parts that changed beside the store, so the next start need not rebuild."""
        if not self.writable or self.folder is None:
            return
        for part in self.PARTS:
            with self._locks[part]:
                if part not in self._dirty:
                    continue
                value: Any = {"names": self._names, "paths": self._graph}.get(part)
                if part == "leads" and self._leads is not None:
                    value = (self._leads[1], self._leads[2])
                try:
                    save_snapshot(self.folder / f"{part}.pickle", {part: value})
                    self._dirty.discard(part)
                except OSError as exc:
                    log.warning("could not save the %s snapshot: %s", part, exc)


# -- GraphML ----------------------------------------------------------------------------------

_GRAPHML_KEYS = [
    ("label", "node", "string"),
    ("type", "node", "string"),
    ("iri", "node", "string"),
    ("gss", "node", "string"),
    ("predicate", "edge", "string"),
    ("role", "edge", "string"),
    ("rating", "edge", "string"),
    ("evidence", "edge", "int"),
]


def write_graphml(
    facts: Iterable[tuple[FactKey, int]], names: EntityIndex, *, chunk: int = 1 << 16
) -> Iterator[bytes]:
    """The entity graph as GraphML, streamed: entities as nodes (type, label), each fact as a
    directed edge from subject to object (predicate, role or rating, evidence count)."""
    buffer: list[str] = []
    size = 0

    def emit(line: str) -> Iterator[bytes]:
        nonlocal size
        buffer.append(line)
        size += len(line)
        if size >= chunk:
            data = "".join(buffer).encode()
            buffer.clear()
            size = 0
            yield data

    head = [
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
        'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n',
    ]
    head += [
        f'  <key id="{name}" for="{scope}" attr.name="{name}" attr.type="{kind}"/>\n'
        for name, scope, kind in _GRAPHML_KEYS
    ]
    head.append('  <graph id="civicgraph" edgedefault="directed">\n')
    for line in head:
        yield from emit(line)
    facts = sorted(facts)
    refs = set(names.entities)
    refs.update(ref for fact, _ in facts for ref in (fact[0], fact[2]))
    for ref in sorted(refs):
        info = names.entity_ref(ref)
        data = {"label": info.label, "type": info.kind, "iri": str(ref_iri(ref))}
        if info.gss:
            data["gss"] = info.gss
        yield from emit(f"    <node id={quoteattr(ref)}>{_data(data)}</node>\n")
    for n, ((subject, predicate, obj, qualifier), count) in enumerate(facts):
        data = {"predicate": predicate, "evidence": str(count)}
        if qualifier:
            data["rating" if predicate == "rated" else "role"] = qualifier
        yield from emit(
            f'    <edge id="e{n}" source={quoteattr(subject)} target={quoteattr(obj)}>'
            f"{_data(data)}</edge>\n"
        )
    yield from emit("  </graph>\n</graphml>\n")
    if buffer:
        yield "".join(buffer).encode()


def _data(values: dict[str, str]) -> str:
    return "".join(f'<data key="{key}">{escape(value)}</data>' for key, value in values.items())
