"""What a resource page gets from the store when many sources describe the same nodes.

Labels of a shared node come from the source that links to it, incoming links are capped
with a total, and the owner chain is the same whether or not a description came first.
Run against the embedded store and a real ``oxigraph serve``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from kgpub.config import Settings
from kgpub.site.describe import MAX_INCOMING, describe, labels_for, owner_chain
from kgpub.store.base import Store
from kgpub.store.factory import open_store
from kgpub.store.remote import RemoteStore
from oxigraph_server import run_oxigraph

BASE = "https://w3id.org/kgpub/"
KGPUB = BASE + "ontology#"
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
FORMAT = ox.NamedNode("http://purl.org/dc/terms/format")
OWNER = ox.NamedNode(KGPUB + "owner")
PDF = ox.NamedNode("http://publications.europa.eu/resource/authority/file-type/PDF")
GOAL = ox.NamedNode(BASE + "id/national/goal")
MEDIA = ox.NamedNode("http://purl.org/dc/terms/MediaTypeOrExtent")
SOURCES = MAX_INCOMING + 50


def _id(local: str) -> ox.NamedNode:
    return ox.NamedNode(BASE + "id/" + local)


def _source(n: int) -> list[ox.Quad]:
    """A municipality's source: a document in PDF (described again here), aligned to the
    national goal."""
    g = ox.NamedNode(BASE + f"graph/m{n}")
    doc, muni = _id(f"m{n}/doc"), _id(f"m{n}")
    return [
        ox.Quad(muni, LABEL, ox.Literal(f"Kommun {n}", language="sv"), g),
        ox.Quad(doc, LABEL, ox.Literal(f"Dokument {n}", language="sv"), g),
        ox.Quad(doc, OWNER, muni, g),
        ox.Quad(doc, FORMAT, PDF, g),
        ox.Quad(doc, ox.NamedNode(KGPUB + "alignedTo"), GOAL, g),
        ox.Quad(PDF, LABEL, ox.Literal("PDF", language="sv"), g),
        ox.Quad(PDF, LABEL, ox.Literal("PDF", language="en"), g),
        ox.Quad(PDF, TYPE, MEDIA, g),
    ]


def _dataset() -> list[ox.Quad]:
    national = ox.NamedNode(BASE + "graph/national")
    quads = [
        ox.Quad(GOAL, LABEL, ox.Literal("Nationellt mål", language="sv"), national),
        ox.Quad(GOAL, TYPE, ox.NamedNode(KGPUB + "Objective"), national),
    ]
    for n in range(SOURCES):
        quads += _source(n)
    return quads


@pytest.fixture(scope="module")
def oxigraph_server() -> Iterator[str]:
    yield from run_oxigraph()


@pytest.fixture(params=["memory", pytest.param("remote", marks=pytest.mark.server)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "memory":
        memory = open_store(Settings(root=tmp_path))
        memory.replace(_dataset())
        yield memory
        return
    url = request.getfixturevalue("oxigraph_server")
    remote = RemoteStore(url + "/query", url + "/update", timeout=10)
    remote.replace(_dataset())
    yield remote
    remote.replace([])


def test_a_document_links_to_a_shared_node_with_its_labels_and_type(store: Store) -> None:
    desc = describe(store, BASE + "id/m7/doc")
    assert desc.labels[PDF.value] == {"sv": "PDF", "en": "PDF"}
    assert desc.types[PDF.value] == [MEDIA.value]
    assert desc.label(GOAL.value, "sv") == "Nationellt mål"  # described by another source
    assert desc.incoming == [] and desc.incoming_total == 0


def test_incoming_links_are_capped_and_counted(store: Store) -> None:
    desc = describe(store, GOAL.value)
    assert len(desc.incoming) == MAX_INCOMING
    assert desc.incoming_total == SOURCES
    some = desc.incoming[0][0]
    assert (desc.label(some, "sv") or "").startswith("Dokument")


def test_few_incoming_links_are_all_there(store: Store) -> None:
    desc = describe(store, BASE + "id/m3")
    assert desc.incoming == [(BASE + "id/m3/doc", OWNER.value)]
    assert desc.incoming_total == 1


def test_owner_chain_and_its_labels_after_describe_or_alone(store: Store) -> None:
    iri = BASE + "id/m5/doc"
    alone = owner_chain(store, iri, KGPUB)
    alone_labels = labels_for(store, alone)
    desc = describe(store, iri)
    assert owner_chain(store, iri, KGPUB, desc) == alone == [BASE + "id/m5"]
    assert labels_for(store, alone, desc) == alone_labels == {BASE + "id/m5": {"sv": "Kommun 5"}}
    assert owner_chain(store, BASE + "id/m6/doc", KGPUB, desc) == [BASE + "id/m6"]
    assert labels_for(store, [BASE + "id/m6"], desc) == {BASE + "id/m6": {"sv": "Kommun 6"}}


class _Counting:
    """A store that counts the requests it is sent."""

    def __init__(self, store: Store) -> None:
        self._inner = store
        self.requests = 0
        self.contents = None  # seen through SPARQL, as a remote store is
        self.contents_token = store.contents_token

    def select(self, query: str) -> list[dict[str, ox.NamedNode | ox.BlankNode | ox.Literal]]:
        self.requests += 1
        return self._inner.select(query)

    def construct(self, query: str) -> list[ox.Triple]:
        self.requests += 1
        return self._inner.construct(query)


def test_a_page_of_a_remote_store_costs_two_requests(store: Store) -> None:
    """The owner chain and the owners' labels come with the description."""
    counting = _Counting(store)
    iri = BASE + "id/m5/doc"
    desc = describe(counting, iri, KGPUB)  # type: ignore[arg-type]
    owners = owner_chain(counting, iri, KGPUB, desc)  # type: ignore[arg-type]
    labels = labels_for(counting, owners, desc)  # type: ignore[arg-type]
    assert (owners, labels) == ([BASE + "id/m5"], {BASE + "id/m5": {"sv": "Kommun 5"}})
    assert counting.requests == 2


class _SparqlOnly:
    """The embedded store seen only through SPARQL (as a remote store is)."""

    def __init__(self, store: Store) -> None:
        self._inner = store
        self.contents = None

    def select(self, query: str) -> list[dict[str, ox.NamedNode | ox.BlankNode | ox.Literal]]:
        return self._inner.select(query)

    def construct(self, query: str) -> list[ox.Triple]:
        return self._inner.construct(query)


def _summary(store: object, iri: str) -> tuple[object, ...]:
    desc = describe(store, iri)  # type: ignore[arg-type]
    owners = owner_chain(store, iri, KGPUB)  # type: ignore[arg-type]
    plain = sorted(str(t) for t in desc.triples if "_:" not in str(t))
    types = {k: sorted(v) for k, v in desc.types.items()}
    return (
        plain,
        desc.labels,
        types,
        sorted(desc.incoming),
        desc.incoming_total,
        owners,
        labels_for(store, owners),  # type: ignore[arg-type]
    )


def test_index_lookups_and_sparql_give_the_same_pages(settings: Settings, tmp_path: Path) -> None:
    """The embedded store answers pages by index lookups; what a page shows is the same as
    through SPARQL, for every resource of the real data."""
    from kgpub.publish.loading import snapshot_quads
    from kgpub.publish.sources import load_snapshot

    store = open_store(Settings(root=tmp_path))
    store.replace(list(snapshot_quads(load_snapshot(settings), BASE)))
    rows = store.select("SELECT DISTINCT ?s WHERE { GRAPH ?g { ?s ?p ?o } FILTER(isIRI(?s)) }")
    iris = sorted(r["s"].value for r in rows)
    assert len(iris) > 100
    for iri in [*iris, GOAL.value]:
        assert _summary(store, iri) == _summary(_SparqlOnly(store), iri), iri


class _UnorderedSparql(_SparqlOnly):
    """A SPARQL store free to return solutions in any order where the query fixes none (as
    SPARQL allows): it hands them back last first, before a ``LIMIT`` takes its pick."""

    def select(self, query: str) -> list[dict[str, ox.NamedNode | ox.BlankNode | ox.Literal]]:
        if "ORDER BY" in query:
            return self._inner.select(query)
        rows = self._inner.select(query.replace("LIMIT 1", ""))
        return rows[::-1][:1] if query.rstrip().endswith("LIMIT 1") else rows[::-1]


UNIT_OF = ox.NamedNode("http://www.w3.org/ns/org#unitOf")


@pytest.mark.parametrize(
    ("links", "owner"),
    [
        # kgpub:owner beats org:unitOf, which beats a linking resource's owner
        ([("unit", OWNER, "m-z"), ("unit", UNIT_OF, "m-a")], "m-z"),
        ([("unit", UNIT_OF, "m-z"), ("parent", OWNER, "m-a")], "m-z"),
        # two owners stated the same way: the first IRI
        ([("unit", OWNER, "m-z"), ("unit", OWNER, "m-a"), ("unit", OWNER, "m-k")], "m-a"),
    ],
)
def test_the_owner_is_the_same_by_index_lookups_and_by_any_sparql_store(
    tmp_path: Path, links: list[tuple[str, ox.NamedNode, str]], owner: str
) -> None:
    g = ox.NamedNode(BASE + "graph/owners")
    quads = [ox.Quad(_id("parent"), ox.NamedNode(KGPUB + "hasPart"), _id("unit"), g)]
    quads += [ox.Quad(_id(s), p, _id(o), g) for s, p, o in links]
    store = open_store(Settings(root=tmp_path))
    store.replace(quads)
    iri = BASE + "id/unit"
    by_lookups = owner_chain(store, iri, KGPUB, describe(store, iri, KGPUB))
    by_sparql = owner_chain(store, iri, KGPUB)
    by_unordered = owner_chain(_UnorderedSparql(store), iri, KGPUB)  # type: ignore[arg-type]
    described = describe(_UnorderedSparql(store), iri, KGPUB)  # type: ignore[arg-type]
    by_description = owner_chain(store, iri, KGPUB, described)
    assert by_lookups == by_sparql == by_unordered == by_description == [BASE + "id/" + owner]
