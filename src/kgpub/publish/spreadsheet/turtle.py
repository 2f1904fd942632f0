"""Deterministic, readable Turtle with IRIs relative to the base (no ``@base``), like data/.

Same graph in, same bytes out: subjects in the given order (then the rest sorted), ``a``
first, predicates and objects sorted, blank nodes numbered in order of appearance.
"""

from __future__ import annotations

from collections.abc import Sequence

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF
from rdflib.term import Node

from kgpub.vocab import XSD, compact

_PLAIN_TYPES = {XSD + "string"}


def write_turtle(
    graph: Graph, base: str, prefixes: dict[str, str], order: Sequence[Node], header: str = ""
) -> str:
    """The graph as Turtle; ``order`` lists the subjects to write first."""
    used = {p: ns for p, ns in prefixes.items() if not ns.startswith(base) or p == "kgpub"}
    writer = _Writer(graph, base, used)
    seen = set(order)
    rest = sorted((s for s in set(graph.subjects()) if s not in seen), key=writer.sort_key)
    blocks = [writer.block(s) for s in [*order, *rest] if (s, None, None) in graph]
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    names = sorted(writer.prefixes_used)
    width = max((len(n) for n in names), default=0) + 2
    lines += [f"@prefix {(n + ':').ljust(width)}<{writer.relative(used[n])}> ." for n in names]
    return "\n".join(lines) + "\n\n" + "\n\n".join(blocks) + "\n"


class _Writer:
    def __init__(self, graph: Graph, base: str, prefixes: dict[str, str]) -> None:
        self.g = graph
        self.base = base
        self.prefixes = prefixes
        self.prefixes_used: set[str] = set()
        self.blanks: dict[BNode, str] = {}

    def sort_key(self, node: Node) -> tuple[int, str]:
        return (1 if isinstance(node, BNode) else 0, str(node))

    def relative(self, iri: str) -> str:
        return iri[len(self.base) :] if iri.startswith(self.base) else iri

    def term(self, node: Node) -> str:
        if isinstance(node, BNode):
            return "_:" + self.blanks.setdefault(node, f"b{len(self.blanks)}")
        if isinstance(node, Literal):
            return self.literal(node)
        text = compact(str(node), self.prefixes)
        if text.startswith("<"):
            return f"<{self.relative(str(node))}>"
        self.prefixes_used.add(text.split(":", 1)[0])
        return text

    def literal(self, node: Literal) -> str:
        escaped = (
            str(node)
            .replace("\\", "\\\\")
            .replace('"', '\\"')
            .replace("\n", "\\n")
            .replace("\r", "\\r")
            .replace("\t", "\\t")
        )
        if node.language:
            return f'"{escaped}"@{node.language}'
        if node.datatype and str(node.datatype) not in _PLAIN_TYPES:
            return f'"{escaped}"^^{self.term(URIRef(node.datatype))}'
        if node.datatype:
            return f'"{escaped}"^^{self.term(URIRef(node.datatype))}'
        return f'"{escaped}"'

    def block(self, subject: Node) -> str:
        predicates = sorted(
            set(self.g.predicates(subject)),
            key=lambda p: (p != RDF.type, compact(str(p), self.prefixes)),
        )
        parts = []
        for p in predicates:
            objects = sorted(self.g.objects(subject, p), key=lambda o: o.n3())
            verb = "a" if p == RDF.type else self.term(p)
            parts.append(f"    {verb} " + " ,\n        ".join(self.term(o) for o in objects))
        return f"{self.term(subject)}\n" + " ;\n".join(parts) + " ."
