"""A published snapshot without its data graphs: what is read after publishing comes from
the store.

Once the sources are in the store, the rdflib graphs of the data (the largest part of a
server's memory) and the text of the sources are dropped. What still needs them, checking
an upload against the published data and importing a workbook, gets the graphs rebuilt
from the store when it asks, and does not keep them. The ontology and the shapes stay as
rdflib graphs: they are small, and every check validates with them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.term import Node

from kgpub.config import Settings
from kgpub.publish.sources import Snapshot, Source, rdflib_terms
from kgpub.store.base import Store, in_process, iri_ref
from kgpub.vocab import bind_prefixes


@dataclass(frozen=True)
class StoredSnapshot:
    """The snapshot the store holds: its sources, ontology and shapes; its data on demand.

    It answers what :class:`~kgpub.publish.sources.Snapshot` answers to /check, the
    workbook import and the static export (``data_graph``, ``union_data``, ``sources_of``,
    ``graph_digests``), reading the data graphs from ``store``.
    """

    settings: Settings
    digest: str
    loaded_at: datetime
    sources: list[Source]
    ontology: Graph
    shapes: Graph
    store: Store = field(repr=False)
    digests: dict[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, snapshot: Snapshot, store: Store) -> StoredSnapshot:
        """The stored twin of ``snapshot``, once ``store`` holds its quads."""
        return cls(
            settings=snapshot.settings,
            digest=snapshot.digest,
            loaded_at=snapshot.loaded_at,
            sources=snapshot.sources,
            ontology=snapshot.ontology,
            shapes=snapshot.shapes,
            store=store,
            digests=snapshot.graph_digests(),
        )

    @property
    def data_sources(self) -> list[Source]:
        return [s for s in self.sources if s.kind == "data"]

    def graph_digests(self) -> dict[str, str]:
        """A SHA-256 (hex) of the sources' text by named graph, computed when published."""
        return self.digests

    def sources_of(self, node: Node) -> list[Source]:
        """The sources that describe ``node`` (an IRI), in load order: those whose named
        graph holds a triple with it as subject."""
        if not isinstance(node, URIRef):
            return []
        graphs = set(self._graphs_describing(str(node)))
        return [s for s in self.sources if s.graph_iri in graphs]

    def data_graph(self, source: Source) -> Graph:
        """A new graph holding one data source's named graph, read from the store."""
        graph = Graph(identifier=URIRef(source.graph_iri))
        bind_prefixes(graph, self.settings.base_iri)
        term = rdflib_terms()
        graph.addN((term(s), term(p), term(o), graph) for s, p, o in self._triples(source))
        return graph

    def union_data(self, excluding: Collection[str] = ()) -> Graph:
        """A new graph holding the triples of all data graphs (prefixes bound), but those
        of the named graphs in ``excluding``, read from the store."""
        union = Graph()
        bind_prefixes(union, self.settings.base_iri)
        term = rdflib_terms()
        for source in self.data_sources:
            if source.graph_iri not in excluding:
                triples = self._triples(source)
                union.addN((term(s), term(p), term(o), union) for s, p, o in triples)
        return union

    def _triples(self, source: Source) -> Iterator[tuple[object, object, object]]:
        contents = in_process(self.store)
        if contents is not None:
            graph = ox.NamedNode(source.graph_iri)
            for q in contents.quads_for_pattern(None, None, None, graph):
                yield q.subject, q.predicate, q.object
            return
        graph_iri = iri_ref(source.graph_iri)
        query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {graph_iri} {{ ?s ?p ?o }} }}"
        for t in self.store.construct(query):
            yield t.subject, t.predicate, t.object

    def _graphs_describing(self, iri: str) -> Iterable[str]:
        contents = in_process(self.store)
        node = ox.NamedNode(iri)
        if contents is not None:
            return {
                q.graph_name.value
                for q in contents.quads_for_pattern(node, None, None, None)
                if isinstance(q.graph_name, ox.NamedNode)
            }
        rows = self.store.select(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ {node} ?p ?o }} }}")
        return {row["g"].value for row in rows if isinstance(row.get("g"), ox.NamedNode)}
