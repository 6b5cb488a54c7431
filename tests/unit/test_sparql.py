"""The SPARQL check before the engine: the lexer, what is refused, the bounds, prefixes and
error positions in the user's own text."""

from __future__ import annotations

import contextlib
import itertools

import pyoxigraph as ox
import pytest

from graph.errors import BadQuery, TooLarge
from graph.sparql import (
    MAX_DEPTH,
    MAX_OPERATORS,
    MAX_QUERY_BYTES,
    MAX_TRIPLE_PATTERNS,
    prepare_query,
    tokenize,
)
from graph.sparql_pool import InProcessRunner
from graph.sparql_protocol import negotiate
from graph.vocab import PREFIXES
from tests.loopback import Listener


def kinds(query: str) -> list[tuple[str, str]]:
    return [(t.kind, t.text) for t in tokenize(query)]


# -- the lexer ------------------------------------------------------------------------------


def test_the_four_string_forms_with_escapes_are_one_token_each() -> None:
    strings = [
        r'"a \"SERVICE\" b"',
        r"'it\'s SERVICE'",
        "'''one\ntwo ' '' SERVICE'''",
        '"""say "SERVICE" \\""" here"""',
    ]
    query = "SELECT * { ?s ?p " + ", ".join(strings) + " }"
    assert [text for kind, text in kinds(query) if kind == "string"] == strings
    assert not any(kind == "name" and text.upper() == "SERVICE" for kind, text in kinds(query))
    prepare_query(query)


def test_long_strings_may_hold_quotes_and_newlines() -> None:
    tokens = kinds('SELECT * { ?s ?p """say "SERVICE" here\nand "" there""" }')
    assert ("string", '"""say "SERVICE" here\nand "" there"""') in tokens


def test_comments_iris_variables_and_prefixed_names_hide_the_word() -> None:
    query = (
        "PREFIX ex: <http://example.org/service#>\n"
        "SELECT ?service WHERE { # SERVICE <http://127.0.0.1/> { }\n"
        "  ?service ex:SERVICE <http://service.example/SERVICE> ; ex:p _:SERVICE .\n"
        '  ?x ex:label "Service"@en }'
    )
    tokens = kinds(query)
    assert ("pname", "ex:SERVICE") in tokens
    assert ("iri", "<http://service.example/SERVICE>") in tokens
    assert ("var", "?service") in tokens
    assert ("bnode", "_:SERVICE") in tokens
    assert ("langtag", "@en") in tokens
    assert not any(kind == "name" and text.upper() == "SERVICE" for kind, text in tokens)
    prepare_query(query)  # nothing to refuse


def test_numbers_dots_and_operators() -> None:
    tokens = kinds("SELECT * { ?s ?p 1. ?s ?q 1.5e3, .5, -2 FILTER(?o>=1&&!?b) }")
    assert ("number", "1") in tokens and ("punct", ".") in tokens
    assert ("number", "1.5e3") in tokens and ("number", ".5") in tokens
    assert ("number", "-2") in tokens
    assert ("punct", ">=") in tokens and ("punct", "&&") in tokens and ("punct", "!") in tokens


def test_token_positions_are_lines_and_columns_in_characters() -> None:
    tokens = tokenize('SELECT * {\n  ?s ?p "é€𝄞" .\n\t?s ?q ex:x }')
    pname = next(t for t in tokens if t.kind == "pname")
    string = next(t for t in tokens if t.kind == "string")
    assert (string.line, string.column) == (2, 9)
    assert (pname.line, pname.column) == (3, 8)


def test_an_unclosed_string_is_a_syntax_error_at_its_position() -> None:
    with pytest.raises(BadQuery) as raised:
        tokenize('SELECT * WHERE {\n  ?s ?p "open }')
    assert raised.value.extra == {"line": 2, "column": 9}
    assert "unclosed string" in raised.value.message


# -- what is refused ----------------------------------------------------------------------

SERVICE_QUERIES = [
    "SELECT * { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "SELECT * { SERVICE SILENT <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "select * { service silent <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "CONSTRUCT { ?s ?p ?o } WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "ASK { SERVICE<http://127.0.0.1:9/>{ ?s ?p ?o } }",
    "DESCRIBE ?s WHERE { ?s ?p ?o OPTIONAL { SERVICE ?endpoint { ?s ?p ?o } } }",
    "PREFIX x: <http://127.0.0.1:9/> SELECT * { SERVICEx:y { ?s ?p ?o } }",
    "PREFIX : <http://127.0.0.1:9/> SELECT * { ?s ?p ?o.SERVICE:z { ?s ?p ?o } }",
    "SELECT * { ?s ?p ?o FILTER(true)SERVICESILENT<http://127.0.0.1:9/> { ?s ?p ?o } }",
    "SELECT * { { SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } } } }",
]


@pytest.mark.parametrize("query", SERVICE_QUERIES)
def test_service_is_refused_in_any_form_and_case(query: str) -> None:
    with pytest.raises(BadQuery) as raised:
        prepare_query(query)
    assert "SERVICE" in raised.value.message and "refused" in raised.value.message
    assert raised.value.status == 400
    assert {"line", "column"} <= set(raised.value.extra)


def test_an_allowed_endpoint_passes_and_others_do_not() -> None:
    allowed = ["http://trusted.example/sparql"]
    for query in (
        "SELECT * { SERVICE <http://trusted.example/sparql> { ?s ?p ?o } }",
        "SELECT * { SERVICE SILENT <http://trusted.example/sparql> { ?s ?p ?o } }",
        r"SELECT * { SERVICE <http://trusted.example/spar\u0071l> { ?s ?p ?o } }",
    ):
        prepare_query(query, allow_services=allowed)
    for query in (
        "SELECT * { SERVICE <http://trusted.example/other> { ?s ?p ?o } }",
        "PREFIX t: <http://trusted.example/> SELECT * { SERVICE t:sparql { ?s ?p ?o } }",
        "BASE <http://trusted.example/> SELECT * { SERVICE <sparql> { ?s ?p ?o } }",
        "SELECT * { SERVICE ?e { ?s ?p ?o } }",
    ):
        with pytest.raises(BadQuery) as raised:
            prepare_query(query, allow_services=allowed)
        assert "<http://trusted.example/sparql>" in raised.value.message


@pytest.mark.parametrize(
    "query",
    [
        "INSERT DATA { <http://a/s> <http://a/p> 1 }",
        "PREFIX ex: <http://a/> DELETE WHERE { ?s ex:p ?o }",
        "LOAD <http://127.0.0.1:9/data.ttl>",
        "DROP ALL",
        "CLEAR DEFAULT",
        "WITH <http://a/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    ],
)
def test_updates_and_load_are_refused(query: str) -> None:
    with pytest.raises(BadQuery, match="read-only"):
        prepare_query(query)


def test_nesting_up_to_the_limit_passes_and_deeper_is_refused() -> None:
    # the WHERE group and the [ ] are two levels; brackets of every kind count together
    inner = "( " * (MAX_DEPTH - 2) + "?o" + " )" * (MAX_DEPTH - 2)
    prepare_query("SELECT * { ?s ?p [ <http://a/p> " + inner + " ] }")
    deeper = "( " * (MAX_DEPTH - 1) + "?o" + " )" * (MAX_DEPTH - 1)
    with pytest.raises(BadQuery, match=f"more than {MAX_DEPTH} deep"):
        prepare_query("SELECT * { ?s ?p [ <http://a/p> " + deeper + " ] }")
    for n in (5_000, 50_000):
        with pytest.raises(BadQuery, match="deep"):
            prepare_query("SELECT * WHERE " + "{" * n + "}" * n)


def test_brackets_inside_strings_iris_and_comments_do_not_count() -> None:
    noise = '"{{{{((((" <http://a/[[[[> # {{{{{{{{\n'
    prepare_query("SELECT * { ?s ?p ?o . " + noise * (MAX_DEPTH * 2) + "}")


def test_operators_are_bounded() -> None:
    path = "/".join(["<http://a/p>"] * (MAX_OPERATORS + 1))
    prepare_query(f"SELECT ?o {{ ?s {path} ?o }}")
    with pytest.raises(BadQuery, match="operators"):
        prepare_query(f"SELECT ?o {{ ?s {path}/<http://a/p> ?o }}")
    with pytest.raises(BadQuery, match="operators"):
        prepare_query("SELECT * { ?s ?p ?o FILTER(" + "!" * (MAX_OPERATORS + 1) + "true) }")
    with pytest.raises(BadQuery, match="operators"):
        prepare_query("SELECT * { ?s ?p ?o FILTER(1" + "-1" * (MAX_OPERATORS + 1) + " > 0) }")


def test_triple_patterns_are_bounded_and_commas_in_calls_do_not_count() -> None:
    patterns = " . ".join(f"?s <http://a/p{i}> ?o{i}" for i in range(MAX_TRIPLE_PATTERNS))
    prepare_query(f"SELECT * {{ {patterns} }}")
    more = " . ".join(f"?s <http://a/p{i}> ?o{i}" for i in range(MAX_TRIPLE_PATTERNS + 1))
    with pytest.raises(BadQuery, match="triple patterns"):
        prepare_query(f"SELECT * {{ {more} }}")
    values = ", ".join(str(i) for i in range(MAX_TRIPLE_PATTERNS * 2))
    prepare_query(f"SELECT * {{ ?s ?p ?o FILTER(?o IN ({values})) }}")


def test_size_is_bounded_in_bytes() -> None:
    padding = "# " + "é" * (MAX_QUERY_BYTES // 2) + "\n"
    with pytest.raises(TooLarge, match="bytes"):
        prepare_query(padding + "SELECT * { ?s ?p ?o }")


# -- prefixes and positions ---------------------------------------------------------------


def test_unknown_prefix_is_named_plainly_with_its_position() -> None:
    with pytest.raises(BadQuery) as raised:
        prepare_query("SELECT ?x WHERE {\n  ?x a ex:Thing }")
    assert raised.value.message.startswith("unknown prefix ex: (at line 2, column 8)")
    assert raised.value.extra == {"line": 2, "column": 8}


def test_only_the_prefixes_used_and_not_declared_are_added_on_the_first_line() -> None:
    prepared = prepare_query(
        "PREFIX cg: <http://other.example/>\nSELECT * { ?d a foaf:Document ; cg:x ?y }"
    )
    head = prepared.text[: prepared.shift]
    assert head == f"PREFIX foaf: <{PREFIXES['foaf']}> "
    assert "\n" not in head
    assert prepared.text[prepared.shift :].startswith("PREFIX cg: <http://other.example/>")


def fictional_runner() -> InProcessRunner:
    store = ox.Store()
    store.add(
        ox.Quad(
            ox.NamedNode("https://w3id.org/civicgraph/id/document/d1"),
            ox.NamedNode("http://purl.org/dc/terms/title"),
            ox.Literal("Harbour plan"),
            ox.NamedNode("https://w3id.org/civicgraph/id/graph/d1"),
        )
    )
    return InProcessRunner(store)


def run(runner: InProcessRunner, query: str) -> bytes:
    prepared = prepare_query(query)
    return runner.run(prepared, negotiate("text/csv", graph=prepared.graph)).body


def engine_error(query: str) -> str:
    with pytest.raises(SyntaxError) as raised:
        ox.Store().query(query)
    return str(raised.value)


def test_syntax_errors_are_at_the_users_own_line_and_column() -> None:
    runner = fictional_runner()
    assert b"Harbour plan" in run(runner, "SELECT ?t WHERE { ?d dcterms:title ?t }")
    # the same mistake with and without a prefix civicgraph adds is at the same place
    plain = "SELECT ?t WHERE { ?d <http://purl.org/dc/terms/title> ?t . ?x }"
    expected = engine_error(plain).split(":")[1]  # "error at 1:C: ..." -> C
    with pytest.raises(BadQuery) as raised:
        run(runner, plain.replace("<http://purl.org/dc/terms/title>", "dcterms:title"))
    shifted = len("<http://purl.org/dc/terms/title>") - len("dcterms:title")
    assert raised.value.extra == {"line": 1, "column": int(expected) - shifted}
    assert raised.value.message.startswith("SPARQL syntax error at line 1, column")
    # lines after the first keep the engine's numbers
    with pytest.raises(BadQuery) as raised:
        run(runner, "SELECT ?t\nWHERE {\n  ?d dcterms:title ?t .\n  ?x }")
    assert raised.value.extra["line"] == 4


# -- agreement with the engine ------------------------------------------------------------


def test_an_allowed_endpoint_is_queried() -> None:
    listener = Listener()
    endpoint = f"http://127.0.0.1:{listener.port}/sparql"
    query = f"SELECT * {{ SERVICE SILENT <{endpoint}> {{ ?s ?p ?o }} }}"
    try:
        with pytest.raises(BadQuery):
            prepare_query(query)
        prepared = prepare_query(query, allow_services=[endpoint])
        InProcessRunner(ox.Store()).run(prepared, negotiate(None, graph=False))
    finally:
        listener.close()
    assert len(listener.connections) == 1


def test_every_query_that_makes_the_engine_connect_is_refused() -> None:
    """Glue SERVICE to what comes before and after it in every way; whenever Oxigraph itself
    would open a connection, the check must refuse the query first."""
    listener = Listener()
    url = f"http://127.0.0.1:{listener.port}/"
    head = f"PREFIX x: <http://a.example/> PREFIX : <{url}> PREFIX e: <{url}> "
    before = [
        "?s ?p true",
        "?s ?p x:a.",
        "?s ?p x:a",
        '?s ?p "s"@en',
        "?s ?p 1",
        "?s ?p x:a%41",
        "?s ?p ?o.",
        "?s ?p ?o;",
        "?s ?p ?o FILTER(true)",
        "?s ?p ?o BIND(1 AS ?q)",
        "?s ?p ?o OPTIONAL { ?s ?p ?o }",
    ]
    service = [
        f"SERVICE <{url}>",
        f"SERVICE<{url}>",
        f"service silent<{url}>",
        f"SERVICESILENT<{url}>",
        "SERVICE :z",
        "SERVICE:z",
        "SERVICEe:z",
        "SERVICE SILENTe:z",
    ]
    store = ox.Store()
    store.add(
        ox.Quad(
            ox.NamedNode("http://a.example/s"), ox.NamedNode("http://a.example/p"), ox.Literal("1")
        )
    )
    connected = accepted = 0
    try:
        for b, s in itertools.product(before, service):
            query = f"{head}SELECT * {{ {b}{s} {{ ?s ?p ?o }} }}"
            seen = len(listener.connections)
            # the engine waits for the listener to accept and close, so a connection is
            # counted by the time the query returns
            with contextlib.suppress(SyntaxError, OSError, RuntimeError):
                list(store.query(query))
            if len(listener.connections) > seen:
                connected += 1
                with pytest.raises(BadQuery, match="refused"):
                    prepare_query(query)
            else:
                try:
                    prepare_query(query)
                    accepted += 1
                except BadQuery:
                    pass
    finally:
        listener.close()
    # the harness works: these forms did reach the listener
    assert connected >= len(before) * 3
    # SERVICE glued inside another token ("x:aSERVICE", "@enSERVICE") is no clause to the
    # engine either, and is let through
    assert accepted > 0
