"""Which queries cannot cost much: those answered in the request's own thread.

Every query could run for ever, so queries run in killable worker processes
(:mod:`kgpub.sparql.pool`). That costs a process hop per query, far more than pyoxigraph
needs for a lookup by IRI (``DESCRIBE <x>``, ``SELECT ?p ?o WHERE { <x> ?p ?o }``), which
is most of what linked-data clients send. A query whose work is *provably small* skips the
hop: its text is a plain basic graph pattern, and the store says how many quads can match
each of its triple patterns. The work of evaluating a basic graph pattern (any join order,
nested loops included) and the number of its solutions are at most the product of those
counts, so a product under a budget bounds both the time and the memory of the query.

Accepted (case-insensitive keywords, comments allowed), everything else goes to the pool::

    (PREFIX p: <iri> | BASE <iri>)*
    SELECT [DISTINCT|REDUCED] (?v ... | *) [WHERE] { triples } [LIMIT n] [OFFSET n]
    ASK [WHERE] { triples }
    DESCRIBE <iri> ...                    (no WHERE: the description of each, blank nodes
                                           followed as pyoxigraph does)

where ``triples`` are triple patterns (``;`` and ``,`` lists, ``a``) of variables, absolute
IRIs, prefixed names and literals, with no blank nodes, paths, FILTER, OPTIONAL, GRAPH,
VALUES or sub-queries. A pattern is counted with its IRIs only (a literal is left out of the
count, which can only make it larger), and a pattern with no IRI at all is never counted.
The check is sound by construction: what it cannot read, it refuses.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice

import pyoxigraph

from kgpub.sparql.lexical import masked

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
#: The most triple patterns (or described IRIs) a query answered in the thread may have:
#: planning a join of many patterns costs more than their matches.
MAX_TERMS = 16

#: The tokens a bounded query is made of; anything else (a bracket, a path operator, a
#: blank node, an escape) matches none of them and makes the query unbounded.
_TOKEN = re.compile(
    r"""
      (?P<space>(?:\s|\#[^\n\r]*)+)
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<var>[?$][A-Za-z0-9_]+(?=[\s#{}.;,<?$"']|\Z))
    | (?P<string>"(?!"")(?:[^"\\\n\r]|\\[tbnrf"'\\])*"|'(?!'')(?:[^'\\\n\r]|\\[tbnrf"'\\])*')
    | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
    | (?P<hats>\^\^)
    | (?P<number>[+-]?[0-9]+(?:\.[0-9]+)?(?![0-9A-Za-z_.:]))
    | (?P<pname>(?:[A-Za-z][A-Za-z0-9_-]*)?:(?:[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?)?
               (?=[\s#{}.;,<?$"']|\Z))
    | (?P<word>[A-Za-z]+(?![A-Za-z0-9_:-]))
    | (?P<punct>[{}.;,*])
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
#: What no bounded query has outside its strings, IRIs and comments: brackets (blank nodes,
#: lists, expressions, paths' groups) and the keywords of everything else. A query showing
#: any of them is refused before it is read token by token (a long query's tokens cost
#: tens of microseconds; this look, a few).
_NEVER_BOUNDED = re.compile(
    r"[()\[\]]|\b(?:OPTIONAL|FILTER|BIND|UNION|MINUS|GRAPH|SERVICE|VALUES|FROM|CONSTRUCT"
    r"|GROUP|ORDER|HAVING|EXISTS|COUNT)\b",
    re.IGNORECASE,
)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_ESCAPES = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f"}


class Unbounded(Exception):
    """The query is outside the subset this module can bound."""


#: A token: its kind (the name of its group in :data:`_TOKEN`) and its text.
_Token = tuple[str, str]


#: A term of a triple pattern: an IRI (its value), else None (a variable or a literal).
Slot = str | None


def _tokens(query: str) -> list[_Token]:
    if "\\u" in query or "\\U" in query:  # code point escapes apply before parsing
        raise Unbounded
    found: list[_Token] = []
    for m in _TOKEN.finditer(query):
        kind = m.lastgroup
        if kind == "space":
            continue
        if kind == "other" or kind is None:
            raise Unbounded
        found.append((kind, m.group()))
    return found


class _Reader:
    """A cursor over the tokens with the grammar of the accepted subset."""

    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.at = 0
        self.prefixes: dict[str, str] = {}

    def peek(self) -> _Token | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.peek()
        if token is None:
            raise Unbounded
        self.at += 1
        return token

    def keyword(self, *words: str) -> str | None:
        """The next token's keyword (upper case) if it is one of ``words``; consumed."""
        token = self.peek()
        if token is not None and token[0] == "word" and token[1].upper() in words:
            self.at += 1
            return token[1].upper()
        return None

    def punct(self, char: str) -> bool:
        token = self.peek()
        if token is not None and token[0] == "punct" and token[1] == char:
            self.at += 1
            return True
        return False

    def iri(self, token: _Token) -> str:
        """The absolute IRI a token names (a relative or odd one is refused)."""
        if token[0] == "iri":
            value = token[1][1:-1]
        elif token[0] == "pname":
            prefix, _, local = token[1].partition(":")
            if prefix not in self.prefixes:
                raise Unbounded
            value = self.prefixes[prefix] + local
        elif token[0] == "word" and token[1] == "a":
            return RDF_TYPE
        else:
            raise Unbounded
        # dot segments would be resolved away against the base: the count must see the same
        if not _SCHEME.match(value) or "/." in value:
            raise Unbounded
        return value

    def term(self) -> Slot:
        """One subject or object: an IRI's value, or None for a variable or a literal."""
        token = self.take()
        if token[0] == "var":
            return None
        if token[0] == "string":
            after = self.peek()
            if after is not None and after[0] == "lang":
                self.at += 1
            elif after is not None and after[0] == "hats":
                self.at += 1
                self.iri(self.take())
            return None
        if token[0] == "number" or (token[0] == "word" and token[1] in ("true", "false")):
            return None
        return self.iri(token)

    def verb(self) -> Slot:
        token = self.take()
        if token[0] == "var":
            return None
        return self.iri(token)


def _prologue(reader: _Reader) -> None:
    while True:
        word = reader.keyword("PREFIX", "BASE")
        if word is None:
            return
        if word == "PREFIX":
            name = reader.take()
            if name[0] != "pname" or not name[1].endswith(":"):
                raise Unbounded
            reader.prefixes[name[1][:-1]] = reader.iri(reader.take())
        else:
            reader.iri(reader.take())


def _group(reader: _Reader) -> list[tuple[Slot, Slot, Slot]]:
    """``{ triples }``: the triple patterns, each as (subject, predicate, object)."""
    if not reader.punct("{"):
        raise Unbounded
    patterns: list[tuple[Slot, Slot, Slot]] = []
    while not reader.punct("}"):
        subject = reader.term()
        while True:
            predicate = reader.verb()
            while True:
                patterns.append((subject, predicate, reader.term()))
                if not reader.punct(","):
                    break
            if not reader.punct(";"):
                break
            while reader.punct(";"):
                pass
            token = reader.peek()
            if token is None or token[0] == "punct":  # a trailing ';'
                break
        if not reader.punct("."):
            if not reader.punct("}"):
                raise Unbounded
            break
    return patterns


def _modifiers(reader: _Reader) -> None:
    """``LIMIT n`` and ``OFFSET n`` in either order, each at most once."""
    seen: set[str] = set()
    while (word := reader.keyword("LIMIT", "OFFSET")) is not None:
        number = reader.take()
        if word in seen or number[0] != "number" or not number[1].isdigit():
            raise Unbounded
        seen.add(word)


@dataclass(frozen=True)
class Shape:
    """What a bounded query asks the store for: triple patterns, or things to describe."""

    patterns: tuple[tuple[Slot, Slot, Slot], ...] = ()
    described: tuple[str, ...] = ()


def shape(query: str) -> Shape:
    """The shape of ``query``, or :class:`Unbounded` when it is outside the subset."""
    if _NEVER_BOUNDED.search(masked(query)):
        raise Unbounded
    reader = _Reader(_tokens(query))
    _prologue(reader)
    form = reader.keyword("SELECT", "ASK", "DESCRIBE")
    if form == "SELECT":
        reader.keyword("DISTINCT", "REDUCED")
        if not reader.punct("*"):
            count = 0
            while (token := reader.peek()) is not None and token[0] == "var":
                reader.at += 1
                count += 1
            if not count:
                raise Unbounded
    if form in ("SELECT", "ASK"):
        reader.keyword("WHERE")
        patterns = _group(reader)
        if form == "SELECT":
            _modifiers(reader)
        found = Shape(patterns=tuple(patterns))
    elif form == "DESCRIBE":
        described = []
        while reader.peek() is not None:
            described.append(reader.iri(reader.take()))
        if not described:
            raise Unbounded
        found = Shape(described=tuple(described))
    else:
        raise Unbounded
    if reader.peek() is not None or len(found.patterns) + len(found.described) > MAX_TERMS:
        raise Unbounded
    return found


def _node(value: Slot) -> pyoxigraph.NamedNode | None:
    return None if value is None else pyoxigraph.NamedNode(value)


def _matches(
    store: pyoxigraph.Store, pattern: tuple[Slot, Slot, Slot]
) -> Iterator[pyoxigraph.Quad]:
    subject, predicate, obj = (_node(v) for v in pattern)
    return store.quads_for_pattern(subject, predicate, obj)  # type: ignore[no-any-return]


def _described(store: pyoxigraph.Store, iris: tuple[str, ...], budget: int) -> int:
    """How many quads describing ``iris`` (blank node objects followed), stopping past
    ``budget``."""
    seen: set[pyoxigraph.NamedNode | pyoxigraph.BlankNode] = set()
    todo: list[pyoxigraph.NamedNode | pyoxigraph.BlankNode] = [
        pyoxigraph.NamedNode(i) for i in iris
    ]
    count = 0
    while todo and count <= budget:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for quad in islice(store.quads_for_pattern(node, None, None), budget - count + 1):
            count += 1
            if isinstance(quad.object, pyoxigraph.BlankNode):
                todo.append(quad.object)
    return count


def within(query: str, store: pyoxigraph.Store, budget: int) -> bool:
    """Whether ``query`` is in the subset and its work on ``store`` is at most ``budget``
    quads (the product of its patterns' match counts, or the size of the description)."""
    if budget <= 0:
        return False
    try:
        found = shape(query)
        if found.described:
            return _described(store, found.described, budget) <= budget
        # any join order does at most (patterns x product of counts) lookups
        product = len(found.patterns) or 1
        for pattern in found.patterns:
            if pattern == (None, None, None):
                return False
            room = budget // product
            count = sum(1 for _ in islice(_matches(store, pattern), room + 1))
            if count > room:
                return False
            product *= max(count, 1)
        return True
    except (Unbounded, ValueError):  # ValueError: pyoxigraph refused an IRI
        return False


@dataclass(frozen=True)
class PointLookup:
    """``SELECT ?v ... WHERE { <subject> ?p ?o }``: the subject, the selected variables, and
    the position in the pattern each of them takes (``"predicate"`` or ``"object"``)."""

    subject: str
    variables: tuple[str, ...]
    positions: tuple[str, ...]


def point_lookup(query: str) -> PointLookup | None:
    """The lookup ``query`` is when it is one triple pattern of a subject IRI and two
    variables, selected by name (no ``*``, ``DISTINCT`` or modifiers); else None."""
    if _NEVER_BOUNDED.search(masked(query)):
        return None
    try:
        reader = _Reader(_tokens(query))
        _prologue(reader)
        if reader.keyword("SELECT") is None:
            return None
        selected: list[str] = []
        while (token := reader.peek()) is not None and token[0] == "var":
            reader.at += 1
            selected.append(token[1][1:])
        reader.keyword("WHERE")
        if not reader.punct("{"):
            return None
        subject = reader.take()
        if subject[0] not in ("iri", "pname"):
            return None
        found = reader.iri(subject)
        predicate, obj = reader.take(), reader.take()
        reader.punct(".")
        if not reader.punct("}") or reader.peek() is not None:
            return None
    except Unbounded:
        return None
    if predicate[0] != "var" or obj[0] != "var":
        return None
    places = {predicate[1][1:]: "predicate", obj[1][1:]: "object"}
    if len(places) != 2 or not selected or len(set(selected)) != len(selected):
        return None
    if not set(selected) <= places.keys():
        return None
    return PointLookup(found, tuple(selected), tuple(places[v] for v in selected))
