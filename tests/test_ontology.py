"""The ontology documents every term it mints, in Swedish and English."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

ROOT = Path(__file__).resolve().parents[1]
BASE = "https://w3id.org/kgpub/"
NS = BASE + "ontology#"


@pytest.fixture(scope="module")
def ontology() -> Graph:
    g = Graph()
    g.parse(ROOT / "ontology" / "kgpub.ttl", format="turtle", publicID=BASE)
    return g


def minted_terms(g: Graph) -> list[URIRef]:
    return sorted({s for s in g.subjects() if isinstance(s, URIRef) and str(s).startswith(NS)})


def test_ontology_header_has_version_licence_and_creator(ontology: Graph) -> None:
    header = URIRef(BASE + "ontology")
    assert (header, RDF.type, OWL.Ontology) in ontology
    for prop in (OWL.versionInfo, URIRef("http://purl.org/dc/terms/license")):
        assert ontology.value(header, prop) is not None
    assert ontology.value(header, URIRef("http://purl.org/dc/terms/creator")) is not None


def test_ontology_mints_the_core_classes(ontology: Graph) -> None:
    for name in (
        "Municipality", "Vision", "Promise", "Goal", "Target", "Indicator",
        "StrategicPriority", "PriorityArea", "Budget", "BudgetAllocation", "Alignment",
        "RegionalRole",
    ):  # fmt: skip
        assert (URIRef(NS + name), RDF.type, OWL.Class) in ontology, name


def test_every_term_has_swedish_and_english_label_and_definition(ontology: Graph) -> None:
    terms = minted_terms(ontology)
    assert len(terms) > 50
    missing = []
    for term in terms:
        labels = {lit.language for lit in ontology.objects(term, RDFS.label)}
        definitions = {lit.language for lit in ontology.objects(term, SKOS.definition)}
        if not {"sv", "en"} <= labels or not {"sv", "en"} <= definitions:
            missing.append(f"{term}: labels {sorted(labels)}, definitions {sorted(definitions)}")
        assert (term, RDFS.isDefinedBy, URIRef(BASE + "ontology")) in ontology, term
    assert missing == []


def test_goal_hierarchies_reuse_skos(ontology: Graph) -> None:
    assert (URIRef(NS + "Goal"), RDFS.subClassOf, SKOS.Concept) in ontology
    assert (URIRef(NS + "Target"), RDFS.subClassOf, URIRef(NS + "Goal")) in ontology
