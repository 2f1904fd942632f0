"""Once published, the snapshot's data lives in the store only: the rdflib graphs and the
source texts are dropped, and what still reads the data gets it rebuilt from the store."""

from __future__ import annotations

import gc
import weakref
from collections import Counter

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from kgpub.config import Settings
from kgpub.publish.publisher import Publisher
from kgpub.publish.sources import Snapshot, load_snapshot
from kgpub.publish.stored import StoredSnapshot


@pytest.fixture
def loaded(settings: Settings) -> Snapshot:
    return load_snapshot(settings)


def _publish(settings: Settings) -> tuple[Publisher, list[weakref.ref[object]]]:
    """Publish the repository's sources; weak references to what loading built."""
    refs: list[weakref.ref[object]] = []

    def load(s: Settings) -> Snapshot:
        snapshot = load_snapshot(s)
        refs.extend(weakref.ref(x) for x in (snapshot, snapshot.data))
        return snapshot

    publisher = Publisher(settings, load=load)
    publisher.publish()
    return publisher, refs


def test_publishing_drops_the_loaded_snapshot_and_its_data_graphs(settings: Settings) -> None:
    publisher, refs = _publish(settings)
    gc.collect()
    assert [r() for r in refs] == [None, None]
    assert isinstance(publisher.require().snapshot, StoredSnapshot)


def test_a_data_graph_read_from_the_store_is_the_loaded_one(
    settings: Settings, loaded: Snapshot
) -> None:
    publisher, _ = _publish(settings)
    stored = publisher.require().snapshot
    haninge = next(s for s in loaded.data_sources if s.graph_iri.endswith("/graph/haninge"))
    rebuilt = stored.data_graph(haninge)
    assert len(rebuilt) > 100
    assert rebuilt.identifier == URIRef(haninge.graph_iri)
    assert isomorphic(rebuilt, loaded.data_graph(haninge))


def test_the_union_read_from_the_store_leaves_out_the_graphs_asked(
    settings: Settings, loaded: Snapshot
) -> None:
    publisher, _ = _publish(settings)
    stored = publisher.require().snapshot
    haninge = f"{settings.base_iri}graph/haninge"
    assert _triples(stored.union_data()) == _triples(loaded.union_data())
    without = stored.union_data(excluding={haninge})
    assert _triples(without) == _triples(loaded.union_data(excluding={haninge}))
    assert len(without) < len(loaded.union_data())


def _triples(graph: Graph) -> Counter[tuple[object, ...]]:
    """The triples, blank nodes unnamed and literals by value (the store keeps the canonical
    form of a number: ``144.0`` is read back as ``144``)."""

    def term(t: object) -> object:
        if isinstance(t, BNode):
            return "_"
        if isinstance(t, Literal) and t.datatype is not None:
            return (t.datatype, t.toPython())
        return t

    return Counter(tuple(term(t) for t in triple) for triple in graph)


def test_sources_of_a_subject_are_found_in_the_store(settings: Settings, loaded: Snapshot) -> None:
    publisher, _ = _publish(settings)
    stored = publisher.require().snapshot
    for iri in ("id/haninge", "id/haparanda", "ontology#Municipality"):
        node = URIRef(settings.base_iri + iri)
        assert stored.sources_of(node) == loaded.sources_of(node) != []
    assert stored.sources_of(URIRef(settings.base_iri + "id/nowhere")) == []


def test_the_digests_of_the_graphs_are_kept_for_the_static_export(
    settings: Settings, loaded: Snapshot
) -> None:
    publisher, _ = _publish(settings)
    digests = publisher.require().snapshot.graph_digests()
    assert digests == loaded.graph_digests()
    assert f"{settings.base_iri}graph/haninge" in digests
