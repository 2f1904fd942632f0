"""The embedded store: pyoxigraph, in memory or on disk."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

import pyoxigraph

from kgpub.store.base import Term, replace_graph_update, solution_rows
from kgpub.vocab import PREFIXES

_PREFIXES = {p: PREFIXES[p] for p in ("rdf", "rdfs", "xsd", "owl", "skos", "dcterms")}


class EmbeddedStore:
    """A pyoxigraph Store. ``replace`` builds a fresh store and swaps the reference."""

    def __init__(self, path: str | Path | None = None) -> None:
        self._path = Path(path) if path else None
        self._lock = threading.Lock()
        self._store = self._new_store()

    @property
    def writable(self) -> bool:
        return True

    @property
    def contents(self) -> pyoxigraph.Store:
        """The pyoxigraph store holding the data now (a new one after each in-memory
        ``replace``)."""
        return self._store

    @property
    def contents_token(self) -> object:
        """The pyoxigraph store holding the data: a new one after each in-memory
        ``replace``."""
        return self._store

    def changed(self) -> None:
        """Nothing to do: every write goes through this object."""

    def _new_store(self) -> pyoxigraph.Store:
        if self._path is None:
            return pyoxigraph.Store()
        self._path.mkdir(parents=True, exist_ok=True)
        return pyoxigraph.Store(str(self._path))

    def replace(self, quads: Iterable[pyoxigraph.Quad]) -> None:
        self.load_nquads(pyoxigraph.serialize(quads, format=pyoxigraph.RdfFormat.N_QUADS) or b"")

    def replace_graph(self, graph_iri: str, triples: Iterable[pyoxigraph.Triple]) -> None:
        """Replace one named graph: ``DROP SILENT GRAPH ; INSERT DATA`` as one pyoxigraph
        update, which is one transaction (readers see the old graph or the new one)."""
        request = replace_graph_update(graph_iri, triples)
        with self._lock:
            self._store.update(request)

    def flush(self) -> None:
        """Write buffered changes of an on-disk store to disk (nothing to do in memory)."""
        if self._path is not None:
            self._store.flush()

    def load_nquads(self, data: bytes) -> None:
        """Replace the content with N-Quads bytes (what ``replace`` does with its quads)."""
        with self._lock:
            if self._path is None:
                fresh = pyoxigraph.Store()
                fresh.bulk_load(data, format=pyoxigraph.RdfFormat.N_QUADS)
                self._store = fresh
            else:  # one on-disk store: clear and reload in place
                self._store.clear()
                self._store.bulk_load(data, format=pyoxigraph.RdfFormat.N_QUADS)
                self._store.optimize()

    def construct(self, query: str) -> list[pyoxigraph.Triple]:
        result = self._store.query(query, prefixes=_PREFIXES)
        if not isinstance(result, pyoxigraph.QueryTriples):
            raise TypeError("not a CONSTRUCT or DESCRIBE query")
        return list(result)

    def select(self, query: str) -> list[dict[str, Term]]:
        result = self._store.query(query, prefixes=_PREFIXES)
        return solution_rows(result)

    def query(
        self,
        sparql: str,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
    ) -> object:
        default: list[pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.DefaultGraph] = [
            pyoxigraph.NamedNode(u) for u in default_graph_uris
        ]
        named: list[pyoxigraph.NamedNode | pyoxigraph.BlankNode] = [
            pyoxigraph.NamedNode(u) for u in named_graph_uris
        ]
        return self._store.query(
            sparql,
            use_default_graph_as_union=not default,
            default_graph=default or None,
            named_graphs=named or None,
        )

    def describe(self, iri: str) -> list[pyoxigraph.Triple]:
        node = pyoxigraph.NamedNode(iri)
        return [
            pyoxigraph.Triple(q.subject, q.predicate, q.object)
            for q in self._store.quads_for_pattern(node, None, None, None)
        ]

    def dump(self, fmt: pyoxigraph.RdfFormat) -> bytes:
        store = self._store
        if fmt.supports_datasets:
            return store.dump(format=fmt) or b""
        triples = {
            pyoxigraph.Triple(q.subject, q.predicate, q.object)
            for q in store.quads_for_pattern(None, None, None, None)
        }
        return pyoxigraph.serialize(sorted(triples, key=str), format=fmt, prefixes=_PREFIXES) or b""

    def count(self) -> int:
        return len(self._store)

    def graph_names(self) -> list[str]:
        return sorted(
            g.value for g in self._store.named_graphs() if isinstance(g, pyoxigraph.NamedNode)
        )
