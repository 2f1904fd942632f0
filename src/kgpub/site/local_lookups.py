"""The lookups of :mod:`kgpub.site.describe` as quad patterns, for a store in this process:
one index lookup each, without the planning a SPARQL query costs (which grows with the
store). They find what :func:`~kgpub.site.describe.description_query` and
:func:`~kgpub.site.describe.linked_labels_query` select.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Protocol

import pyoxigraph

from kgpub.store.base import Store
from kgpub.vocab import DCT_TITLE, ORG, RDF_TYPE, RDFS_LABEL, SKOS, SKOS_PREF


class Gathered(Protocol):
    """Where a description's lookups put what they find (``describe``'s rows are one)."""

    iri: str
    owners: list[str]
    total: int

    def add_triple(self, triple: pyoxigraph.Triple, graph: object, here: bool) -> None: ...


Node = pyoxigraph.NamedNode | pyoxigraph.BlankNode

#: ``quads_for_pattern`` of the pyoxigraph store holding the data (``None`` matches anything).
QuadWalk = Callable[..., Iterator[pyoxigraph.Quad]]


def _named(quads: Iterable[pyoxigraph.Quad]) -> Iterator[pyoxigraph.Quad]:
    """The quads in named graphs (what ``GRAPH ?g`` matches)."""
    return (q for q in quads if isinstance(q.graph_name, pyoxigraph.NamedNode))


def walk_description(
    found: Gathered, walk: QuadWalk, store: Store, ns: str | None, max_incoming: int
) -> None:
    """What :func:`~kgpub.site.describe.description_query` selects, by index lookups (at
    most ``max_incoming`` incoming links; when there are more, ``store`` counts them all)."""
    r = pyoxigraph.NamedNode(found.iri)
    for q in _named(walk(r, None, None, None)):
        _walk_link(found, walk, q, depth=0)
    _walk_incoming(found, walk, store, r, max_incoming)
    if ns is not None:
        owner = _walk_owner(walk, r, pyoxigraph.NamedNode(ns + "owner"))
        found.owners = [owner] if owner is not None else []


def _walk_link(found: Gathered, walk: QuadWalk, q: pyoxigraph.Quad, depth: int) -> None:
    o, g = q.object, q.graph_name
    here = isinstance(o, Node) and next(iter(walk(o, None, None, g)), None) is not None
    found.add_triple(q.triple, g, here)
    if isinstance(o, pyoxigraph.BlankNode) and depth < 2:
        for inner in walk(o, None, None, g):
            _walk_link(found, walk, inner, depth + 1)


def _walk_incoming(
    found: Gathered, walk: QuadWalk, store: Store, r: pyoxigraph.NamedNode, max_incoming: int
) -> None:
    seen: set[tuple[object, object, object]] = set()
    for q in _named(walk(None, None, r, None)):
        key = (q.subject, q.predicate, q.graph_name)
        if key in seen:
            continue
        if len(seen) == max_incoming:  # more than shown: count them all in the store
            found.total = incoming_count(store, r)
            return
        seen.add(key)
        found.add_triple(q.triple, q.graph_name, True)  # its object is r
    found.total = len({(s, p) for s, p, _g in seen if isinstance(s, pyoxigraph.NamedNode)})


def incoming_count(store: Store, r: pyoxigraph.NamedNode) -> int:
    """How many resources link to ``r`` (its distinct subject and predicate pairs)."""
    rows = store.select(
        f"SELECT (COUNT(*) AS ?n) WHERE {{ {{ SELECT DISTINCT ?s ?p WHERE "
        f"{{ GRAPH ?g {{ ?s ?p {r} }} FILTER(isIRI(?s)) }} }} }}"
    )
    n = rows[0].get("n") if rows else None
    return int(n.value) if isinstance(n, pyoxigraph.Literal) else 0


def _walk_owner(walk: QuadWalk, r: pyoxigraph.NamedNode, k: pyoxigraph.NamedNode) -> str | None:
    """The owner :func:`~kgpub.site.describe.owner_query` selects: the first way that finds
    one (kgpub:owner, org:unitOf, the scheme's owner, a linking resource's owner), and of
    the owners found that way the first IRI."""
    in_scheme = pyoxigraph.NamedNode(SKOS + "inScheme")
    unit_of = pyoxigraph.NamedNode(ORG + "unitOf")
    ways: list[Callable[[], Iterator[object]]] = [
        lambda: (q.object for q in _named(walk(r, k, None, None))),
        lambda: (q.object for q in _named(walk(r, unit_of, None, None))),
        lambda: (
            q2.object
            for q in _named(walk(r, in_scheme, None, None))
            for q2 in _named(walk(q.object, k, None, None))
        ),
        lambda: (
            q2.object
            for q in _named(walk(None, None, r, None))
            for q2 in walk(q.subject, k, None, q.graph_name)
        ),
    ]
    for way in ways:
        found = {o.value for o in way() if isinstance(o, pyoxigraph.NamedNode)}
        if found:
            return min(found)
    return None


def walk_labels(
    walk: QuadWalk, local: set[tuple[str, str]], anywhere: set[str]
) -> list[pyoxigraph.Triple]:
    """What :func:`~kgpub.site.describe.linked_labels_query` constructs, by index lookups."""
    wanted = {RDFS_LABEL, SKOS_PREF, DCT_TITLE, RDF_TYPE}
    out: list[pyoxigraph.Triple] = []
    for g, x in sorted(local):
        node, graph = pyoxigraph.NamedNode(x), pyoxigraph.NamedNode(g)
        out += [_triple(q) for q in walk(node, None, None, graph) if q.predicate.value in wanted]
    for x in sorted(anywhere):
        node = pyoxigraph.NamedNode(x)
        for p in wanted:
            out += [_triple(q) for q in _named(walk(node, pyoxigraph.NamedNode(p), None, None))]
    return out


def _triple(q: pyoxigraph.Quad) -> pyoxigraph.Triple:
    return q.triple  # the quad's own triple: no new one built from its three terms
