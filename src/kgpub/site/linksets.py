"""VoID linksets: what the published data links to outside kgpub, counted from the data.

A harvester reads them in the dataset description (``/dataset``): one ``void:Linkset`` per
external dataset and link predicate, with the number of link triples in the store now.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from kgpub.store.base import Store
from kgpub.vocab import DCT, FOAF, RDF_TYPE, VOID, WD, XSD_INTEGER


@dataclass(frozen=True)
class Target:
    """An external dataset kgpub links to, known by the IRIs its resources start with."""

    key: str  # a slug for IRIs under {base}dataset#
    title: str
    uri_space: str
    homepage: str


TARGETS: tuple[Target, ...] = (
    Target("wikidata", "Wikidata", WD, "https://www.wikidata.org/"),
    Target(
        "nuts",
        "NUTS – Nomenclature of territorial units for statistics (Eurostat)",
        "http://data.europa.eu/nuts/code/",
        "https://ec.europa.eu/eurostat/web/nuts",
    ),
    Target(
        "un-sdg",
        "UN Sustainable Development Goals (UN linked data)",
        "http://metadata.un.org/sdg/",
        "http://metadata.un.org/sdg/",
    ),
)


@dataclass(frozen=True)
class Linkset:
    """The links from kgpub's data to one target with one predicate."""

    target: Target
    predicate: str
    triples: int

    def iri(self, base_iri: str) -> str:
        local = self.predicate.rstrip("/#").rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        return f"{base_iri}dataset#links-{self.target.key}-{local}"


def _string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def count_links(store: Store, targets: tuple[Target, ...] = TARGETS) -> list[Linkset]:
    """Link triples in every named graph, by target and predicate (one query)."""
    spaces = " ".join(_string(t.uri_space) for t in targets)
    rows = store.select(
        "SELECT ?space ?p (COUNT(*) AS ?n) WHERE { "
        f"VALUES ?space {{ {spaces} }} GRAPH ?g {{ ?s ?p ?o }} "
        "FILTER(isIRI(?o) && STRSTARTS(STR(?o), ?space)) } GROUP BY ?space ?p"
    )
    by_space = {t.uri_space: t for t in targets}
    found = [
        Linkset(by_space[r["space"].value], r["p"].value, int(r["n"].value))
        for r in rows
        if "space" in r and "p" in r and "n" in r
    ]
    return sorted(found, key=lambda ls: (ls.target.key, ls.predicate))


def linkset_triples(store: Store, base_iri: str) -> list[ox.Triple]:
    """The VoID description of every linkset of the dataset ``{base}dataset``."""
    dataset = ox.NamedNode(base_iri + "dataset")
    triples: list[ox.Triple] = []

    def add(s: ox.NamedNode, p: str, o: ox.NamedNode | ox.Literal) -> None:
        triples.append(ox.Triple(s, ox.NamedNode(p), o))

    described: set[str] = set()
    used: set[str] = set()
    for linkset in count_links(store):
        iri = linkset.iri(base_iri)
        while iri in used:  # two predicates with the same local name (schema:, owl:sameAs)
            iri += "-2"
        used.add(iri)
        node = ox.NamedNode(iri)
        target = ox.NamedNode(f"{base_iri}dataset#{linkset.target.key}")
        add(dataset, VOID + "subset", node)
        add(node, RDF_TYPE, ox.NamedNode(VOID + "Linkset"))
        add(node, VOID + "subjectsTarget", dataset)
        add(node, VOID + "objectsTarget", target)
        add(node, VOID + "target", dataset)
        add(node, VOID + "target", target)
        add(node, VOID + "linkPredicate", ox.NamedNode(linkset.predicate))
        add(
            node,
            VOID + "triples",
            ox.Literal(str(linkset.triples), datatype=ox.NamedNode(XSD_INTEGER)),
        )
        if linkset.target.key not in described:
            described.add(linkset.target.key)
            add(target, RDF_TYPE, ox.NamedNode(VOID + "Dataset"))
            add(target, DCT + "title", ox.Literal(linkset.target.title))
            add(target, VOID + "uriSpace", ox.Literal(linkset.target.uri_space))
            add(target, FOAF + "homepage", ox.NamedNode(linkset.target.homepage))
    return triples
