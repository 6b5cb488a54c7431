"""The SPARQL 1.1 Protocol, read-only: a query checked before the engine sees it, the result
formats it may be answered in, and what an engine's answer or error becomes.

A query is read by a lexer of SPARQL's own tokens, so a keyword is told apart from the same word
inside a string, an IRI, a comment, a variable or a prefixed name. The check refuses what reaches
the network (SERVICE, LOAD) and updates; bounds the query's size, its bracket nesting, its
operators and its triple patterns, past which Oxigraph's recursive parser overflows its stack
(and kills the process) or its planner runs for minutes; and names unknown prefixes plainly.
civicgraph's own prefixes are added on the query's first line, only those it uses and does not
declare, so the engine's line numbers are the user's and only first-line columns need moving.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from graph.errors import BadQuery, TooLarge
from graph.vocab import PREFIXES

# -- limits -----------------------------------------------------------------------------------
# Measured with pyoxigraph 0.5.13 on an 8 MiB stack (a worker's main thread, or a thread):
# nested RDF collections "( ( ... ) )" overflow it at 355 levels, FILTER EXISTS at 830, nested
# calls at 930, groups "{ { ... } }" at 2,200, parentheses at 4,700, and nested quoted triples
# "<< ... >>" take minutes from 300. 128 levels is far past any query written by hand and under
# half the lowest of those.
MAX_DEPTH = 128
# Flat chains recurse too: a property path of 630 steps overflows the stack, as do 6,400 UNIONs,
# 6,700 terms of + or *, 9,300 of && or || or !. 256 operators is ten times a long FILTER.
MAX_OPERATORS = 256
# Planning time grows with about the fourth power of the number of patterns: 50 take 0.15 s,
# 100 take 2.5 s, 200 more than 30 s. The count is approximate: the objects of triples.
MAX_TRIPLE_PATTERNS = 100
# Room for a long VALUES list; 50,000 nested groups "{}" fit, so they meet the depth check.
MAX_QUERY_BYTES = 128 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    """What a query may be before it reaches the engine."""

    max_bytes: int = MAX_QUERY_BYTES
    max_depth: int = MAX_DEPTH
    max_operators: int = MAX_OPERATORS
    max_triple_patterns: int = MAX_TRIPLE_PATTERNS


LIMITS = Limits()

# -- the lexer --------------------------------------------------------------------------------
# Terminals of the SPARQL 1.1 grammar (section 19.8), plus SPARQL 1.2's << >> ~ and {| |}.
_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_CHARS_U = _BASE + "_"
_CHARS = _CHARS_U + r"\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_PREFIX = f"[{_BASE}](?:[{_CHARS}.]*[{_CHARS}])?"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_LOCAL = f"(?:[{_CHARS_U}:0-9]|{_PLX})(?:(?:[{_CHARS}.:]|{_PLX})*(?:[{_CHARS}:]|{_PLX}))?"
_EXPONENT = r"[eE][+-]?[0-9]+"
_TOKEN = re.compile(
    "|".join(
        f"(?P<{kind}>{pattern})"
        for kind, pattern in (
            ("space", r"[ \t\r\n]+"),
            ("comment", r"#[^\r\n]*"),
            ("iri", r'<(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>'),
            ("string", r"'''(?:'{0,2}(?:[^'\\]|\\[\s\S]))*'''"),
            ("string2", r'"""(?:"{0,2}(?:[^"\\]|\\[\s\S]))*"""'),
            ("string3", r"'(?:[^'\\\n\r]|\\.)*'"),
            ("string4", r'"(?:[^"\\\n\r]|\\.)*"'),
            ("var", f"[?$][{_CHARS_U}0-9][{_CHARS_U}0-9\u00b7\u0300-\u036f\u203f-\u2040]*"),
            ("bnode", f"_:[{_CHARS_U}0-9](?:[{_CHARS}.]*[{_CHARS}])?"),
            ("langtag", r"@[A-Za-z]+(?:--?[A-Za-z0-9]+)*"),
            (
                "number",
                rf"[+-]?(?:[0-9]+\.[0-9]*{_EXPONENT}|\.[0-9]+{_EXPONENT}|[0-9]+{_EXPONENT}"
                r"|[0-9]*\.[0-9]+|[0-9]+)",
            ),
            ("pname", f"(?P<prefix>{_PREFIX})?:(?:{_LOCAL})?"),
            ("name", r"[A-Za-z_][A-Za-z0-9_]*"),
            ("punct", r"\^\^|<<|>>|<=|>=|!=|&&|\|\||[{}()\[\];,.=<>!+\-*/^|?~@]"),
        )
    )
)
_KINDS = {"string2": "string", "string3": "string", "string4": "string"}


@dataclass(frozen=True, slots=True)
class Token:
    """One SPARQL token: its kind, its text, and where it starts (line and column count from 1,
    columns in characters, as the engine counts them)."""

    kind: str  # iri, string, var, bnode, langtag, number, pname, name, punct
    text: str
    line: int
    column: int

    @property
    def where(self) -> str:
        """'line L, column C'."""
        return f"line {self.line}, column {self.column}"


def tokenize(query: str) -> list[Token]:
    """The query's tokens, without spaces and comments; a character no token can start with
    (an unclosed string, a stray symbol) is a syntax error at its position."""
    tokens: list[Token] = []
    position, line, line_start = 0, 1, 0
    while position < len(query):
        match = _TOKEN.match(query, position)
        if match is None:
            column = position - line_start + 1
            what = "an unclosed string" if query[position] in "'\"" else repr(query[position])
            raise BadQuery(
                f"SPARQL syntax error at line {line}, column {column}: {what}",
                line=line,
                column=column,
            )
        kind = _KINDS.get(match.lastgroup or "", match.lastgroup or "")
        text = match.group()
        if kind not in ("space", "comment"):
            tokens.append(Token(kind, text, line, position - line_start + 1))
        newlines = text.count("\n")
        if newlines:
            line += newlines
            line_start = position + text.rindex("\n") + 1
        position = match.end()
    return tokens


# -- the check --------------------------------------------------------------------------------
# Oxigraph reads a keyword without a word boundary after it, so "SERVICEx:y" and
# "SERVICESILENT<...>" are SERVICE clauses to it: any name or prefix that starts with SERVICE is.
_SERVICE = "SERVICE"
_UPDATES = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH", "USING"}
)
_FORMS = frozenset({"SELECT", "CONSTRUCT", "DESCRIBE", "ASK"})
_OPENERS = frozenset({"{", "(", "[", "<<"})
_CLOSERS = frozenset({"}", ")", "]", ">>"})
_OPERATORS = frozenset(
    {"&&", "||", "!", "|", "/", "^", "+", "-", "*", "=", "!=", "<", ">", "<=", ">="}
)
_VALUES = frozenset({"iri", "string", "var", "bnode", "number", "pname", "name"})
_TERMS = frozenset({"iri", "string", "var", "bnode", "number", "pname", "langtag"})


@dataclass(frozen=True, slots=True)
class PreparedQuery:
    """A checked query as the engine gets it, and how to map the engine's positions back."""

    text: str  # the prefixes it needs, on the first line, then the user's text unchanged
    form: str  # SELECT, ASK, CONSTRUCT or DESCRIBE
    shift: int  # characters the prefixes add before the user's first line

    @property
    def graph(self) -> bool:
        """Whether the answer is a graph (CONSTRUCT, DESCRIBE) rather than results."""
        return self.form in ("CONSTRUCT", "DESCRIBE")


def oversize(query: str, limits: Limits = LIMITS) -> str | None:
    """Why the query is too large, or None."""
    size = len(query.encode("utf-8"))
    if size <= limits.max_bytes:
        return None
    return f"the query is {size:,} bytes; the limit is {limits.max_bytes:,}"


def prepare_query(
    query: str, *, allow_services: Iterable[str] = (), limits: Limits = LIMITS
) -> PreparedQuery:
    """Check a read-only query and add the prefixes it uses but does not declare.

    Raises TooLarge past the size limit and BadQuery for a syntax error the lexer finds, a
    SERVICE clause to an endpoint not in `allow_services`, an update, nesting, operators or
    triple patterns past the limits, or an unknown prefix.
    """
    too_large = oversize(query, limits)
    if too_large:
        raise TooLarge(too_large)
    tokens = tokenize(query)
    allowed = frozenset(allow_services)
    declared: set[str] = set()
    used: dict[str, Token] = {}
    form = "SELECT"
    brackets: list[str] = []  # the open brackets, innermost last
    operators = patterns = 0
    previous: Token | None = None
    for n, token in enumerate(tokens):
        word = token.text.upper() if token.kind == "name" else ""
        inner = brackets[-1] if brackets else ""
        if token.kind == "pname":
            prefix = token.text.split(":", 1)[0]
            if prefix.upper().startswith(_SERVICE):
                _check_service(tokens, n, allowed)
            if previous is not None and previous.text.upper() == "PREFIX":
                declared.add(prefix)
            else:
                used.setdefault(prefix, token)
        elif word.startswith(_SERVICE):
            _check_service(tokens, n, allowed)
        elif word in _UPDATES:
            raise BadQuery(
                f"SPARQL updates are refused: this endpoint is read-only ({word} at {token.where})",
                line=token.line,
                column=token.column,
            )
        elif word in _FORMS and not brackets:
            form = word
        elif word in ("UNION", "MINUS"):
            operators += 1
        elif token.kind != "punct":
            pass
        elif token.text in _OPENERS:
            brackets.append(token.text)
            if len(brackets) > limits.max_depth:
                raise BadQuery(
                    f"the query nests brackets more than {limits.max_depth} deep "
                    f"(at {token.where}); flatten it",
                    line=token.line,
                    column=token.column,
                )
        elif token.text in _CLOSERS:
            if brackets:
                brackets.pop()
            if token.text == "}" and previous is not None and _ends_triple(previous):
                patterns += 1  # the group's last triple, without its "."
        elif token.text in _OPERATORS:
            operators += 1
        elif token.text in ".;," and inner in ("{", "["):
            patterns += 1  # one more object, or the end of a triple
        if (
            token.kind == "number"
            and token.text[0] in "+-"
            and inner == "("
            and previous is not None
            and (previous.kind in _VALUES or previous.text in (")", "]"))
        ):
            operators += 1  # "?a -1" is a subtraction
        previous = token
    if operators > limits.max_operators:
        raise BadQuery(
            f"the query has {operators:,} operators; the limit is {limits.max_operators}"
        )
    if patterns > limits.max_triple_patterns:
        raise BadQuery(
            f"the query has about {patterns:,} triple patterns; "
            f"the limit is {limits.max_triple_patterns}"
        )
    return _with_prefixes(query, form, used, declared)


def _ends_triple(token: Token) -> bool:
    """Whether a token can be the last of a triple pattern (its object)."""
    return token.kind in _TERMS or token.text == "]"


def _check_service(tokens: list[Token], n: int, allowed: frozenset[str]) -> None:
    """Let a SERVICE clause through only to an allowed endpoint named by a full IRI."""
    token = tokens[n]
    following = tokens[n + 1 : n + 3]
    if following and following[0].text.upper() == "SILENT":
        following = following[1:]
    endpoint = following[0] if following else None
    if (
        token.text.upper() == _SERVICE
        and endpoint is not None
        and endpoint.kind == "iri"
        and _iri_value(endpoint.text) in allowed
    ):
        return
    named = f" {endpoint.text}" if endpoint is not None and endpoint.kind == "iri" else ""
    hint = (
        f"; the endpoints allowed are {', '.join(f'<{e}>' for e in sorted(allowed))}"
        if allowed
        else ""
    )
    raise BadQuery(
        f"SERVICE{named} is refused (at {token.where}): this endpoint does not query other "
        f"servers{hint}",
        line=token.line,
        column=token.column,
    )


def _iri_value(iri: str) -> str:
    """An IRIREF's IRI, its \\u and \\U escapes decoded as the engine decodes them."""
    return re.sub(
        r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})",
        lambda m: chr(int(m.group(1) or m.group(2), 16)),
        iri[1:-1],
    )


def _with_prefixes(
    query: str, form: str, used: dict[str, Token], declared: set[str]
) -> PreparedQuery:
    unknown = [(p, t) for p, t in used.items() if p not in declared and p not in PREFIXES]
    if unknown:
        prefix, token = min(unknown, key=lambda u: (u[1].line, u[1].column))
        ours = ", ".join(f"{p}:" for p in PREFIXES)
        raise BadQuery(
            f"unknown prefix {prefix}: (at {token.where}); declare it with "
            f"PREFIX {prefix}: <...>, or use one civicgraph declares: {ours}",
            line=token.line,
            column=token.column,
        )
    needed = [p for p in PREFIXES if p in used and p not in declared]
    head = "".join(f"PREFIX {p}: <{PREFIXES[p]}> " for p in needed)
    return PreparedQuery(head + query, form, len(head))
