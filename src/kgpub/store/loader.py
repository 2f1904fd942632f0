"""Pushing a validated snapshot into a store one named graph at a time (``kgpub load``).

Each graph is replaced atomically by :meth:`Store.replace_graph`: on a remote store one
SPARQL Update request ``DROP SILENT GRAPH <g> ; INSERT DATA { GRAPH <g> { ... } }`` (one
transaction on the server) or, for a graph larger than one request may be, a staging graph
moved into place (see :mod:`kgpub.store.remote`); on an embedded store one pyoxigraph
update (also one transaction).
A reader sees every graph either old or new. Named graphs under the base IRI that no source
produces any more are dropped at the end; graphs outside the base IRI are left alone.
With ``verify``, every graph is then read back and compared with what was sent
(:mod:`kgpub.store.verify`) before the load record is written.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pyoxigraph

from kgpub.errors import StoreUnavailable
from kgpub.store.base import Store, group_by_graph
from kgpub.store.load_record import LoadRecord, record_graph
from kgpub.store.verify import LoadNotVerified, verify_graphs

#: Called after each graph with (graph IRI, its triples, number done, total).
Progress = Callable[[str, int, int, int], None]


@dataclass
class LoadResult:
    graphs: int
    triples: int
    seconds: float
    dropped: list[str] = field(default_factory=list)


class PartialLoad(StoreUnavailable):
    """The store failed part-way: ``done`` graphs were replaced (each whole), the rest not."""

    def __init__(self, message: str, done: list[str], total: int) -> None:
        self.done = done
        self.total = total
        super().__init__(message)


def load_quads(
    store: Store,
    quads: Iterable[pyoxigraph.Quad],
    *,
    base_iri: str,
    progress: Progress | None = None,
    record: LoadRecord | None = None,
    verify: str | None = None,
) -> LoadResult:
    """Replace, graph by graph, the named graphs ``quads`` fill; drop stale kgpub graphs.

    ``verify`` (the store's name in messages) reads every graph back and compares it with
    what was sent. ``record``, written last (see :mod:`kgpub.store.load_record`), tells
    read-only web hosts that a complete new snapshot is in the store.

    Raises:
        PartialLoad: the store failed after some graphs were replaced.
        StoreUnavailable: the store failed before any graph was replaced.
        LoadNotVerified: the store gave back something else than it was given (the record
            is not written).
    """
    started = time.perf_counter()
    graphs = {iri: triples for iri, triples in group_by_graph(quads).items() if iri is not None}
    before = set(store.graph_names())
    done: list[str] = []
    total = len(graphs)
    triples_total = 0
    try:
        for iri, triples in graphs.items():
            store.replace_graph(iri, triples)
            done.append(iri)
            triples_total += len(triples)
            if progress is not None:
                progress(iri, len(triples), len(done), total)
        kept = set(graphs) | {record_graph(base_iri)}
        stale = sorted(g for g in before - kept if g.startswith(base_iri))
        for iri in stale:
            store.replace_graph(iri, [])
        if verify is not None:
            verify_graphs(store, graphs, verify)
        if record is not None:
            store.replace_graph(record_graph(base_iri), record.triples(base_iri))
        store.flush()
    except LoadNotVerified:
        raise
    except StoreUnavailable as exc:
        if not done:
            raise
        raise PartialLoad(
            f"{exc} -- after {len(done)} of {total} graphs had been replaced "
            "(each of them completely; the others still hold their previous content)",
            done,
            total,
        ) from None
    return LoadResult(len(graphs), triples_total, time.perf_counter() - started, stale)
