"""Terms between kgpub and a SPARQL server: blank nodes out and in, answers read safely.

Blank nodes are written as Skolem IRIs (RDF 1.1 §3.5), ``{base}.well-known/genid/{label}``,
because servers do not all take blank nodes in ``INSERT DATA`` (Virtuoso refuses them) and
none keeps their labels. Whatever comes back under that prefix is a blank node again, with
the same label, so pages and dumps look as they do from the embedded store.

Servers label the blank nodes of their answers as they like (Virtuoso ``nodeID://b10006``,
which is no blank-node label in SPARQL JSON results); such labels are rewritten before the
answer is parsed. An answer that cannot be read at all is the server's fault, a
:class:`~kgpub.errors.StoreBadAnswer`, never the client's.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal, InvalidOperation

import pyoxigraph

from kgpub.errors import StoreBadAnswer
from kgpub.vocab import XSD

Node = pyoxigraph.NamedNode | pyoxigraph.BlankNode
Term = pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.Literal | pyoxigraph.Triple

_LABEL = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


def genid_prefix(base_iri: str) -> str:
    """Where Skolem IRIs of blank nodes live (RDF 1.1 §3.5: a ``.well-known/genid/`` path)."""
    root = base_iri if base_iri.endswith("/") else base_iri.rsplit("#", 1)[0]
    if not root.endswith("/"):
        root += "/"
    return root + ".well-known/genid/"


class Skolem:
    """Blank nodes to Skolem IRIs (for writing) and back (for reading) under one prefix."""

    def __init__(self, base_iri: str) -> None:
        self.prefix = genid_prefix(base_iri)
        self.marker = self.prefix.encode("utf-8")

    def out(self, term: Term) -> Term:
        if isinstance(term, pyoxigraph.BlankNode):
            return pyoxigraph.NamedNode(self.prefix + term.value)
        return term

    def triple_out(self, t: pyoxigraph.Triple) -> pyoxigraph.Triple:
        s, o = t.subject, t.object
        if isinstance(s, pyoxigraph.BlankNode) or isinstance(o, pyoxigraph.BlankNode):
            subject = self.out(s)
            assert isinstance(subject, pyoxigraph.NamedNode | pyoxigraph.Triple)
            return pyoxigraph.Triple(subject, t.predicate, self.out(o))
        return t

    def back(self, term: Term) -> Term:
        if isinstance(term, pyoxigraph.NamedNode) and term.value.startswith(self.prefix):
            try:
                return pyoxigraph.BlankNode(term.value[len(self.prefix) :])
            except ValueError:  # not a label kgpub wrote: keep the IRI
                return term
        return term

    def triple_back(self, t: pyoxigraph.Triple) -> pyoxigraph.Triple:
        subject = self.back(t.subject)
        assert not isinstance(subject, pyoxigraph.Literal)
        return pyoxigraph.Triple(subject, t.predicate, self.back(t.object))


def safe_label(label: str) -> str:
    """A server's blank-node label as one SPARQL results parsers take (same in, same out)."""
    if _LABEL.fullmatch(label):
        return label
    rest = label.removeprefix("nodeID://")
    if rest != label and _LABEL.fullmatch(rest):
        return "nodeID_" + rest
    return "x" + label.encode("utf-8").hex()


def read_json_results(
    body: bytes, server: str, skolem: Skolem, *, checked: bool = False
) -> pyoxigraph.QuerySolutions | pyoxigraph.QueryBoolean:
    """SPARQL JSON results as pyoxigraph's; blank-node labels made safe and Skolem IRIs
    made blank nodes again (the JSON is rewritten only when it holds either).

    pyoxigraph reads solutions as they are iterated, so a bad row raises ``SyntaxError``
    there; ``checked`` reads them all once first (for results handed on to be iterated
    elsewhere), otherwise the caller reads them under :func:`reading`.

    Raises:
        StoreBadAnswer: the answer is not SPARQL JSON results.
    """
    if b'"bnode"' in body or skolem.marker in body:
        body = _rewrite_json(body, server, skolem)
    with reading(server):
        if checked:
            first = pyoxigraph.parse_query_results(body, pyoxigraph.QueryResultsFormat.JSON)
            if isinstance(first, pyoxigraph.QuerySolutions):
                for _row in first:
                    pass
        return pyoxigraph.parse_query_results(body, pyoxigraph.QueryResultsFormat.JSON)
    raise AssertionError("unreachable")  # pragma: no cover


@contextlib.contextmanager
def reading(server: str) -> Iterator[None]:
    """Read (iterate) an answer of ``server``: what does not parse is a StoreBadAnswer."""
    try:
        yield
    except (SyntaxError, ValueError) as exc:
        raise bad_answer(server, "SPARQL JSON results", exc) from None


def _rewrite_json(body: bytes, server: str, skolem: Skolem) -> bytes:
    try:
        data = json.loads(body)
        for row in data.get("results", {}).get("bindings", []):
            for value in row.values():
                kind, text = value.get("type"), value.get("value", "")
                if kind == "bnode":
                    value["value"] = safe_label(text)
                elif kind == "uri" and text.startswith(skolem.prefix):
                    node = skolem.back(pyoxigraph.NamedNode(text))
                    if isinstance(node, pyoxigraph.BlankNode):
                        value["type"], value["value"] = "bnode", node.value
    except (ValueError, AttributeError, TypeError) as exc:
        raise bad_answer(server, "SPARQL JSON results", exc) from None
    return json.dumps(data).encode("utf-8")


def read_triples(
    body: bytes, content_type: str, server: str, skolem: Skolem
) -> list[pyoxigraph.Triple]:
    """An RDF answer (N-Triples, Turtle...) as triples, Skolem IRIs as blank nodes again.

    Raises:
        StoreBadAnswer: the answer does not parse in the format the server named.
    """
    media = content_type.split(";")[0].strip()
    fmt = pyoxigraph.RdfFormat.from_media_type(media) if media else None
    if fmt is None:
        fmt = pyoxigraph.RdfFormat.N_TRIPLES
    try:
        triples = [q.triple for q in pyoxigraph.parse(body, format=fmt)]
    except (SyntaxError, ValueError) as exc:
        raise bad_answer(server, media or "RDF", exc) from None
    if skolem.marker in body:
        triples = [skolem.triple_back(t) for t in triples]
    return triples


def bad_answer(server: str, expected: str, exc: Exception) -> StoreBadAnswer:
    text = " ".join(str(exc).split())
    text = text if len(text) <= 160 else text[:159] + "…"
    return StoreBadAnswer(
        f"the triplestore at {server} sent an answer kgpub cannot read "
        f"(expected {expected}): {text}"
    )


# -- comparing what was written with what is read back -------------------------------------

_DECIMALS = {XSD + n for n in ("decimal",)}
_INTEGERS = {
    XSD + n
    for n in (
        "integer",
        "int",
        "long",
        "short",
        "byte",
        "nonNegativeInteger",
        "positiveInteger",
        "nonPositiveInteger",
        "negativeInteger",
        "unsignedLong",
        "unsignedInt",
        "unsignedShort",
        "unsignedByte",
    )
}
_FLOATS = {XSD + "double", XSD + "float"}


def canonical(term: object) -> str:
    """``term`` in N-Triples, numbers and booleans by value: a server that writes
    ``"1.50"^^xsd:decimal`` back as ``"1.5"`` kept the value and the datatype (RDF calls
    both forms the same value), one that writes it back as ``xsd:integer`` did not."""
    if not isinstance(term, pyoxigraph.Literal) or term.language:
        return str(term)
    dt = term.datatype.value
    value = term.value.strip()
    try:
        if dt in _DECIMALS or dt in _INTEGERS:
            number = Decimal(value)
            value = "0" if number == 0 else format(number.normalize(), "f")
        elif dt in _FLOATS:
            value = repr(float(value))
        elif dt == XSD + "boolean":
            value = {"1": "true", "0": "false"}.get(value, value)
        else:
            return str(term)
    except (InvalidOperation, ValueError):
        return str(term)
    return f'"{value}"^^<{dt}>'


def canonical_lines(triples: Iterable[pyoxigraph.Triple]) -> list[str]:
    """Sorted canonical N-Triples lines of ``triples`` (no duplicates)."""
    return sorted(
        {
            f"{canonical(t.subject)} {canonical(t.predicate)} {canonical(t.object)} ."
            for t in triples
        }
    )


def digest(lines: Iterable[str]) -> str:
    h = hashlib.sha256()
    for line in lines:
        h.update(line.encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()
