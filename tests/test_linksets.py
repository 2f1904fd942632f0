"""/dataset says what kgpub links to: one VoID linkset per external dataset and predicate,
with the number of link triples counted from the published data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from flask import Flask

from kgpub.config import Settings
from kgpub.site.linksets import TARGETS, count_links, linkset_triples
from kgpub.store.factory import open_store
from kgpub.web import create_app

ROOT = Path(__file__).resolve().parents[1]
BASE = "https://w3id.org/kgpub/"
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
SCHEMA_SAME_AS = "https://schema.org/sameAs"
RDFS_SEE_ALSO = "http://www.w3.org/2000/01/rdf-schema#seeAlso"


@pytest.fixture(scope="module")
def app() -> Iterator[Flask]:
    flask_app = create_app(Settings.load(root=ROOT, env={}), sparql=False)
    yield flask_app


@pytest.fixture(scope="module")
def dataset(app: Flask) -> rdflib.Graph:
    resp = app.test_client().get("/dataset", headers={"Accept": "text/turtle"})
    assert resp.status_code == 200
    return rdflib.Graph().parse(data=resp.data, format="turtle")


def linksets(g: rdflib.Graph) -> dict[tuple[str, str], int]:
    """(target key, link predicate) -> void:triples, for every linkset of the dataset."""
    ds = rdflib.URIRef(BASE + "dataset")
    found = {}
    for ls in g.objects(ds, VOID.subset):
        assert (ls, rdflib.RDF.type, VOID.Linkset) in g
        assert (ls, VOID.subjectsTarget, ds) in g
        target = g.value(ls, VOID.objectsTarget)
        assert {ds, target} == set(g.objects(ls, VOID.target))
        assert (target, rdflib.RDF.type, VOID.Dataset) in g
        key = str(target).removeprefix(BASE + "dataset#")
        found[(key, str(g.value(ls, VOID.linkPredicate)))] = int(str(g.value(ls, VOID.triples)))
    return found


def test_the_dataset_lists_its_links_to_wikidata_nuts_and_the_un(dataset: rdflib.Graph) -> None:
    found = linksets(dataset)
    # Haninge and Haparanda are their Wikidata items; the two counties their NUTS 3 regions
    assert found[("wikidata", SCHEMA_SAME_AS)] == 2
    assert found[("nuts", SCHEMA_SAME_AS)] == 2
    # the 2030 Agenda refers to the Sustainable Development Goals, in Wikidata and at the UN
    assert found[("wikidata", RDFS_SEE_ALSO)] == 1
    assert found[("un-sdg", RDFS_SEE_ALSO)] == 1
    wikidata = rdflib.URIRef(BASE + "dataset#wikidata")
    assert str(dataset.value(wikidata, VOID.uriSpace)) == "http://www.wikidata.org/entity/"


def test_linkset_counts_follow_the_data() -> None:
    """A link added to the store is counted; a target with no links has no linkset."""
    store = open_store(Settings(root=ROOT))
    graph = ox.NamedNode(BASE + "graph/test")
    same_as = ox.NamedNode(SCHEMA_SAME_AS)
    store.replace(
        [
            ox.Quad(ox.NamedNode(BASE + f"id/m{i}"), same_as, ox.NamedNode(space + "X"), graph)
            for i, space in enumerate(["http://www.wikidata.org/entity/"] * 3)
        ]
    )
    (only,) = count_links(store)
    assert (only.target.key, only.predicate, only.triples) == ("wikidata", SCHEMA_SAME_AS, 3)
    triples = linkset_triples(store, BASE)
    counts = [t.object for t in triples if t.predicate.value == str(VOID.triples)]
    assert counts == [ox.Literal("3", datatype=ox.NamedNode(str(rdflib.XSD.integer)))]
    assert {t.key for t in TARGETS} >= {"wikidata", "nuts", "un-sdg"}
