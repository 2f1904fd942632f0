"""The Store protocol: what serving needs from a triplestore.

Terms are pyoxigraph terms, whichever store is behind it (a remote store parses its SPARQL
results with pyoxigraph too), so the core never depends on one implementation.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol, runtime_checkable

import pyoxigraph

Term = pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.Literal
Graphs = dict[str | None, list[pyoxigraph.Triple]]


def solution_rows(result: object) -> list[dict[str, Term]]:
    """SELECT results as rows mapping variable name (no '?') to its bound term.

    Raises:
        TypeError: ``result`` is not the result of a SELECT query.
    """
    if not isinstance(result, pyoxigraph.QuerySolutions):
        raise TypeError("not a SELECT query")
    names = [v.value for v in result.variables]
    return [
        {name: value for name, value in zip(names, solution, strict=True) if value is not None}
        for solution in result
    ]


def _nt(term: object) -> str:
    """A pyoxigraph term in N-Triples syntax (what ``str()`` gives)."""
    return str(term)


def _triples_block(triples: Iterable[pyoxigraph.Triple]) -> str:
    return "\n".join(f"{_nt(t.subject)} {_nt(t.predicate)} {_nt(t.object)} ." for t in triples)


def group_by_graph(quads: Iterable[pyoxigraph.Quad]) -> Graphs:
    """Quads -> {graph IRI (None for the default graph): triples}."""
    graphs: Graphs = {}
    for q in quads:
        g = q.graph_name
        key = g.value if isinstance(g, pyoxigraph.NamedNode) else None
        graphs.setdefault(key, []).append(pyoxigraph.Triple(q.subject, q.predicate, q.object))
    return graphs


def insert_data(graphs: Graphs) -> str:
    """An ``INSERT DATA`` operation for ``graphs`` (empty string when there is nothing)."""
    parts: list[str] = []
    for iri, triples in graphs.items():
        if not triples:
            continue
        block = _triples_block(triples)
        parts.append(block if iri is None else f"GRAPH {iri_ref(iri)} {{\n{block}\n}}")
    return "INSERT DATA {\n" + "\n".join(parts) + "\n}" if parts else ""


def replace_graph_update(graph_iri: str, triples: Iterable[pyoxigraph.Triple]) -> str:
    """One SPARQL Update request that replaces the named graph ``graph_iri`` atomically."""
    insert = insert_data({graph_iri: list(triples)})
    drop = f"DROP SILENT GRAPH {iri_ref(graph_iri)}"
    return f"{drop} ;\n{insert}" if insert else drop


#: Whether a kind of object is a :class:`Store` (and not a bare pyoxigraph store), by class:
#: the protocol's ``isinstance`` costs more than a query, and :func:`in_process` and
#: :func:`contents_identity` are asked on every request (one entry per class).
_IS_STORE: dict[type, bool] = {}


def _is_store(store: object) -> bool:
    kind = type(store)
    found = _IS_STORE.get(kind)
    if found is None:
        found = not isinstance(store, pyoxigraph.Store) and isinstance(store, Store)
        _IS_STORE[kind] = found
    return found


def in_process(store: object) -> pyoxigraph.Store | None:
    """The pyoxigraph store holding ``store``'s data now, if it is in this process.

    ``store`` is a :class:`Store` (which says so through :attr:`Store.contents`) or a bare
    pyoxigraph store; anything else (an object that only answers queries) has none. An
    :class:`~kgpub.store.embedded.EmbeddedStore` in memory builds a new pyoxigraph store on
    every ``replace``, so the object returned also tells one load from the next (see
    :func:`contents_identity`).
    """
    if isinstance(store, pyoxigraph.Store):
        return store
    return store.contents if _is_store(store) else None  # type: ignore[attr-defined]


def contents_identity(store: object) -> object:
    """An object that changes whenever the store's contents are replaced: answers cached
    under it are never served from another load (see :attr:`Store.contents_token`). A bare
    pyoxigraph store is its own identity, and so is an object that only answers queries."""
    return store.contents_token if _is_store(store) else store  # type: ignore[attr-defined]


def iri_ref(iri: str) -> str:
    """``<iri>`` for a SPARQL request; anything that is not an IRI is a ValueError."""
    return str(pyoxigraph.NamedNode(iri))


@runtime_checkable
class Store(Protocol):
    """What serving and loading need from a triplestore; every store implements all of it
    (there is no probing for optional parts)."""

    @property
    def writable(self) -> bool:
        """Whether kgpub may write here (a remote store without an update endpoint is
        read-only: a web host then serves what the last ``kgpub load`` put there)."""

    @property
    def contents(self) -> pyoxigraph.Store | None:
        """The pyoxigraph store holding the data now when it is in this process (pages
        are then read by index lookups, and SPARQL query workers share it); None when the
        data is elsewhere (a remote store, read through SPARQL only)."""

    @property
    def contents_token(self) -> object:
        """An object that changes whenever the contents are replaced; caches of answers
        are kept per token."""

    def changed(self) -> None:
        """Say that the contents changed behind kgpub's back (a newer ``kgpub load`` seen
        by a read-only host): :attr:`contents_token` changes."""

    def flush(self) -> None:
        """Make written changes durable (an on-disk store); nothing to do for others."""

    def replace(self, quads: Iterable[pyoxigraph.Quad]) -> None:
        """Replace the whole content with ``quads`` (readers see old or new, never half)."""

    def replace_graph(self, graph_iri: str, triples: Iterable[pyoxigraph.Triple]) -> None:
        """Replace the named graph ``graph_iri`` with ``triples`` in one transaction (readers
        see the old graph or the new one, never half); no triples drops the graph."""

    def construct(self, query: str) -> list[pyoxigraph.Triple]:
        """Run a CONSTRUCT/DESCRIBE query and return its triples."""

    def select(self, query: str) -> list[dict[str, Term]]:
        """Run a SELECT query; each row maps variable name (no '?') to its bound term."""

    def query(
        self,
        sparql: str,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
    ) -> object:
        """Run any read-only query as the SPARQL protocol would (dataset from the request)."""

    def describe(self, iri: str) -> list[pyoxigraph.Triple]:
        """The triples with ``iri`` as subject, in any graph."""

    def dump(self, fmt: pyoxigraph.RdfFormat) -> bytes:
        """Everything, serialised (triple formats get the union of all graphs)."""

    def count(self) -> int:
        """Number of quads."""

    def graph_names(self) -> list[str]:
        """IRIs of the named graphs."""
