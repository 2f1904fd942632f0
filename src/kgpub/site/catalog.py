"""The dataset description (VoID + DCAT, DCAT-AP-SE mandatory fields), dumps and sitemap."""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import escape

import pyoxigraph as ox

from kgpub.formats import N_QUADS, N_TRIPLES, TRIG, TURTLE, Format
from kgpub.site import linksets
from kgpub.store.base import Store
from kgpub.vocab import (
    ADMS_PUBLISHER_TYPE,
    CC0,
    DCAT,
    DCT,
    EU_FILE_TYPE,
    EU_LANGUAGE,
    EU_THEME_GOVERNMENT,
    FOAF,
    IANA_MEDIA_TYPES,
    RDF,
    SKOS,
    VCARD,
    VOID,
    XSD,
)


@dataclass(frozen=True)
class Dump:
    name: str
    format: Format
    file_type: str  # EU file-type authority code
    title_sv: str
    title_en: str
    gzip: bool = False

    @property
    def media_type(self) -> str:
        return self.format.media_type


DUMPS: tuple[Dump, ...] = (
    Dump(
        "kgpub.ttl",
        TURTLE,
        "RDF_TURTLE",
        "Hela datamängden i Turtle",
        "The whole dataset as Turtle",
    ),
    Dump(
        "kgpub.nt.gz",
        N_TRIPLES,
        "RDF_N_TRIPLES",
        "Hela datamängden i N-Triples (gzip)",
        "The whole dataset as N-Triples (gzip)",
        True,
    ),
    Dump(
        "kgpub.trig",
        TRIG,
        "RDF_TRIG",
        "Hela datamängden i TriG, en namngiven graf per källa",
        "The whole dataset as TriG, one named graph per source",
    ),
    Dump(
        "kgpub.nq",
        N_QUADS,
        "RDF_N_QUADS",
        "Hela datamängden i N-Quads, en namngiven graf per källa",
        "The whole dataset as N-Quads, one named graph per source",
    ),
)


def dump_named(name: str) -> Dump | None:
    return next((d for d in DUMPS if d.name == name), None)


def dump_bytes(store: Store, dump: Dump) -> bytes:
    rdf_format = dump.format.rdf_format
    assert rdf_format is not None, dump.name
    data = store.dump(rdf_format)
    return gzip.compress(data, mtime=0) if dump.gzip else data


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def _l(text: str, lang: str | None = None) -> ox.Literal:
    return ox.Literal(text, language=lang) if lang else ox.Literal(text)


def _dt(value: datetime) -> ox.Literal:
    return ox.Literal(value.strftime("%Y-%m-%dT%H:%M:%SZ"), datatype=_n(XSD + "dateTime"))


class _Triples:
    """The triples of a description, added one statement at a time."""

    def __init__(self) -> None:
        self.triples: list[ox.Triple] = []

    def add(self, s: ox.NamedNode, p: str, o: ox.NamedNode | ox.Literal) -> None:
        self.triples.append(ox.Triple(s, _n(p), o))


@dataclass(frozen=True)
class _Nodes:
    """The resources the dataset description is about, under one base IRI."""

    base: str
    home: ox.NamedNode
    catalog: ox.NamedNode
    dataset: ox.NamedNode
    publisher: ox.NamedNode
    contact: ox.NamedNode
    service: ox.NamedNode
    sparql: ox.NamedNode
    sparql_dist: ox.NamedNode

    @classmethod
    def under(cls, base: str) -> _Nodes:
        return cls(
            base=base,
            home=_n(base),
            catalog=_n(base + "dataset#catalog"),
            dataset=_n(base + "dataset"),
            publisher=_n(base + "dataset#publisher"),
            contact=_n(base + "dataset#contact"),
            service=_n(base + "dataset#sparql-service"),
            sparql=_n(base + "sparql"),
            sparql_dist=_n(base + "dataset#sparql-distribution"),
        )


def dataset_description(
    store: Store,
    base_iri: str,
    loaded_at: datetime,
    publisher_name: str = "kgpub",
    publisher_email: str | None = None,
    example_resources: tuple[str, ...] = ("id/haninge", "id/haparanda"),
) -> list[ox.Triple]:
    """VoID + DCAT triples describing the published dataset (canonical IRIs)."""
    nodes = _Nodes.under(base_iri)
    out = _Triples()
    modified = _dt(loaded_at)
    _catalog(out, nodes, modified)
    _publisher(out, nodes, publisher_name, publisher_email)
    _dataset(out, nodes, modified)
    _void(out, nodes, store.count(), example_resources)
    out.triples.extend(linksets.linkset_triples(store, base_iri))
    _dump_distributions(out, nodes, modified)
    _sparql_access(out, nodes)
    _eu_vocabulary_labels(out)
    t = out.triples
    return sorted(set(t + _range_types(t)), key=str)


def _catalog(out: _Triples, nodes: _Nodes, modified: ox.Literal) -> None:
    catalog = nodes.catalog
    out.add(catalog, RDF + "type", _n(DCAT + "Catalog"))
    out.add(catalog, DCT + "title", _l("kgpub – kommunal styrning som länkade data", "sv"))
    out.add(catalog, DCT + "title", _l("kgpub – municipal strategy as linked data", "en"))
    out.add(
        catalog,
        DCT + "description",
        _l("Katalog över kgpubs länkade öppna data om kommunal styrning.", "sv"),
    )
    out.add(
        catalog,
        DCT + "description",
        _l("Catalogue of kgpub's linked open data on municipal strategy.", "en"),
    )
    out.add(catalog, DCT + "publisher", nodes.publisher)
    out.add(catalog, DCT + "license", _n(CC0))
    out.add(catalog, DCAT + "dataset", nodes.dataset)
    out.add(catalog, DCAT + "service", nodes.service)
    out.add(catalog, FOAF + "homepage", nodes.home)
    out.add(catalog, DCT + "modified", modified)


def _publisher(out: _Triples, nodes: _Nodes, name: str, email: str | None) -> None:
    """The publisher and the dataset's contact point."""
    publisher, contact = nodes.publisher, nodes.contact
    out.add(publisher, RDF + "type", _n(FOAF + "Agent"))
    out.add(publisher, RDF + "type", _n(FOAF + "Organization"))
    out.add(publisher, FOAF + "name", _l(name))
    out.add(publisher, DCT + "type", _n(ADMS_PUBLISHER_TYPE + "NonProfitOrganisation"))
    out.add(contact, RDF + "type", _n(VCARD + "Organization"))
    out.add(contact, VCARD + "fn", _l(name))
    out.add(contact, VCARD + "hasEmail", _n("mailto:" + (email or "kgpub@example.org")))


def _dataset(out: _Triples, nodes: _Nodes, modified: ox.Literal) -> None:
    """The dataset as DCAT (DCAT-AP-SE mandatory and recommended fields)."""
    dataset = nodes.dataset
    out.add(dataset, RDF + "type", _n(DCAT + "Dataset"))
    out.add(dataset, DCT + "title", _l("Kommunal styrning: visioner, mål och budget", "sv"))
    out.add(dataset, DCT + "title", _l("Municipal strategy: visions, goals and budgets", "en"))
    out.add(
        dataset,
        DCT + "description",
        _l(
            "Visioner, löften, mål, strategiska prioriteringar och budgetfördelning från svenska "
            "kommuner, kopplade till nationella mål och Agenda 2030.",
            "sv",
        ),
    )
    out.add(
        dataset,
        DCT + "description",
        _l(
            "Visions, promises, goals, strategic priorities and budget allocations of Swedish "
            "municipalities, linked to national objectives and the 2030 Agenda.",
            "en",
        ),
    )
    out.add(dataset, DCT + "publisher", nodes.publisher)
    out.add(dataset, DCAT + "contactPoint", nodes.contact)
    out.add(dataset, DCT + "license", _n(CC0))
    out.add(dataset, DCT + "issued", ox.Literal("2026-11-23", datatype=_n(XSD + "date")))
    out.add(dataset, DCT + "modified", modified)
    out.add(dataset, DCT + "language", _n(EU_LANGUAGE + "SWE"))
    out.add(dataset, DCT + "language", _n(EU_LANGUAGE + "ENG"))
    out.add(dataset, DCAT + "theme", _n(EU_THEME_GOVERNMENT))
    out.add(dataset, DCAT + "keyword", _l("kommun", "sv"))
    out.add(dataset, DCAT + "keyword", _l("municipality", "en"))


def _void(out: _Triples, nodes: _Nodes, triples: int, examples: tuple[str, ...]) -> None:
    """The dataset as VoID: size, endpoint, URI space, vocabulary, example resources."""
    dataset = nodes.dataset
    out.add(dataset, RDF + "type", _n(VOID + "Dataset"))
    out.add(dataset, VOID + "triples", ox.Literal(str(triples), datatype=_n(XSD + "integer")))
    out.add(dataset, VOID + "sparqlEndpoint", nodes.sparql)
    out.add(dataset, VOID + "uriSpace", _l(nodes.base + "id/"))
    out.add(dataset, VOID + "vocabulary", _n(nodes.base + "ontology#"))
    for ex in examples:
        out.add(dataset, VOID + "exampleResource", _n(nodes.base + ex))


def _dump_distributions(out: _Triples, nodes: _Nodes, modified: ox.Literal) -> None:
    """One distribution (and VoID data dump) per file of :data:`DUMPS`."""
    for d in DUMPS:
        dist = _n(nodes.base + "dumps/" + d.name)
        out.add(nodes.dataset, DCAT + "distribution", dist)
        out.add(nodes.dataset, VOID + "dataDump", dist)
        out.add(dist, RDF + "type", _n(DCAT + "Distribution"))
        out.add(dist, DCT + "title", _l(d.title_sv, "sv"))
        out.add(dist, DCT + "title", _l(d.title_en, "en"))
        out.add(dist, DCAT + "accessURL", dist)
        out.add(dist, DCAT + "downloadURL", dist)
        out.add(dist, DCAT + "mediaType", _n(IANA_MEDIA_TYPES + d.media_type))
        out.add(dist, DCT + "format", _n(EU_FILE_TYPE + d.file_type))
        out.add(dist, DCT + "license", _n(CC0))
        out.add(dist, DCT + "modified", modified)
        if d.gzip:
            out.add(dist, DCAT + "compressFormat", _n(IANA_MEDIA_TYPES + "application/gzip"))


def _sparql_access(out: _Triples, nodes: _Nodes) -> None:
    """The SPARQL endpoint: a distribution of the dataset and the data service behind it."""
    dist, service, sparql = nodes.sparql_dist, nodes.service, nodes.sparql
    out.add(nodes.dataset, DCAT + "distribution", dist)
    out.add(dist, RDF + "type", _n(DCAT + "Distribution"))
    out.add(dist, DCT + "title", _l("SPARQL-ändpunkt", "sv"))
    out.add(dist, DCT + "title", _l("SPARQL endpoint", "en"))
    out.add(dist, DCAT + "accessURL", sparql)
    out.add(dist, DCAT + "accessService", service)
    out.add(dist, DCT + "license", _n(CC0))
    out.add(dist, DCT + "format", _n(EU_FILE_TYPE + "SPARQLQ"))
    out.add(service, RDF + "type", _n(DCAT + "DataService"))
    out.add(service, DCT + "title", _l("kgpubs SPARQL-ändpunkt", "sv"))
    out.add(service, DCT + "title", _l("kgpub SPARQL endpoint", "en"))
    out.add(service, DCAT + "endpointURL", sparql)
    out.add(service, DCAT + "endpointDescription", sparql)
    out.add(service, DCAT + "servesDataset", nodes.dataset)
    out.add(service, DCT + "publisher", nodes.publisher)
    out.add(service, DCT + "license", _n(CC0))
    out.add(service, DCT + "conformsTo", _n("https://www.w3.org/TR/sparql11-protocol/"))


def _eu_vocabulary_labels(out: _Triples) -> None:
    """The labels the EU vocabularies give the concepts used."""
    out.add(_n(EU_THEME_GOVERNMENT), SKOS + "prefLabel", _l("Government and public sector", "en"))
    out.add(
        _n(EU_THEME_GOVERNMENT),
        SKOS + "prefLabel",
        _l("Regeringen och den offentliga sektorn", "sv"),
    )
    out.add(
        _n(ADMS_PUBLISHER_TYPE + "NonProfitOrganisation"),
        SKOS + "prefLabel",
        _l("Non-Profit Organisation", "en"),
    )


#: DCAT-AP ranges: the controlled-vocabulary values are typed, as the profile asks.
_RANGES = {
    DCT + "language": DCT + "LinguisticSystem",
    DCAT + "theme": SKOS + "Concept",
    DCAT + "mediaType": DCT + "MediaType",
    DCAT + "compressFormat": DCT + "MediaType",
    DCT + "format": DCT + "MediaTypeOrExtent",
    DCT + "license": DCT + "LicenseDocument",
    DCT + "type": SKOS + "Concept",
    DCT + "conformsTo": DCT + "Standard",
    DCAT + "contactPoint": VCARD + "Kind",
    FOAF + "homepage": FOAF + "Document",
}


def _range_types(triples: list[ox.Triple]) -> list[ox.Triple]:
    """The ``rdf:type`` of each IRI that is the value of a property in :data:`_RANGES`."""
    return [
        ox.Triple(t.object, _n(RDF + "type"), _n(_RANGES[t.predicate.value]))
        for t in triples
        if t.predicate.value in _RANGES and isinstance(t.object, ox.NamedNode)
    ]


def sitemap_paths(store: Store, base_iri: str) -> list[str]:
    """Site-relative paths of every page: home, documents of all things, reference pages."""
    rows = store.select(
        "SELECT DISTINCT ?s WHERE { GRAPH ?g { ?s ?p ?o } FILTER(isIRI(?s) && "
        f'STRSTARTS(STR(?s), "{base_iri}id/")) }}'
    )
    things = sorted(r["s"].value[len(base_iri) + 3 :] for r in rows if "s" in r)
    return ["", "ontology", "shapes", "dataset", "dumps/", "sparql"] + ["doc/" + t for t in things]


def sitemap_xml(paths: list[str], host_url: str, loaded_at: datetime) -> bytes:
    """The sitemap (sitemaps.org) of ``paths`` on ``host_url``, all modified when the
    snapshot was loaded."""
    lastmod = loaded_at.strftime("%Y-%m-%d")
    urls = "".join(
        f"<url><loc>{escape(host_url + p)}</loc><lastmod>{lastmod}</lastmod></url>" for p in paths
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"{urls}</urlset>\n"
    ).encode()


def document_stems(paths: list[str]) -> list[str]:
    """The path under ``/doc/`` of every thing of ``paths`` (:func:`sitemap_paths`) that has a
    document of its own (one whose last segment has a dot has none: the dot reads as a
    format suffix)."""
    stems = [p.removeprefix("doc/") for p in paths if p.startswith("doc/")]
    return [s for s in stems if "." not in s.rsplit("/", 1)[-1]]
