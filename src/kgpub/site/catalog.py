"""The dataset description (VoID + DCAT, DCAT-AP-SE mandatory fields), dumps and sitemap."""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from datetime import datetime

import pyoxigraph as ox

from kgpub.site import linksets
from kgpub.store.base import Store

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XSD = "http://www.w3.org/2001/XMLSchema#"
DCT = "http://purl.org/dc/terms/"
DCAT = "http://www.w3.org/ns/dcat#"
VOID = "http://rdfs.org/ns/void#"
FOAF = "http://xmlns.com/foaf/0.1/"
VCARD = "http://www.w3.org/2006/vcard/ns#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
FILETYPE = "http://publications.europa.eu/resource/authority/file-type/"
LANGUAGE = "http://publications.europa.eu/resource/authority/language/"
PUBLISHER_TYPE = "http://purl.org/adms/publishertype/"
CC0 = "http://creativecommons.org/publicdomain/zero/1.0/"
THEME_GOVE = "http://publications.europa.eu/resource/authority/data-theme/GOVE"


@dataclass(frozen=True)
class Dump:
    name: str
    media_type: str
    file_type: str  # EU file-type authority code
    title_sv: str
    title_en: str
    gzip: bool = False


DUMPS: tuple[Dump, ...] = (
    Dump(
        "kgpub.ttl",
        "text/turtle",
        "RDF_TURTLE",
        "Hela datamängden i Turtle",
        "The whole dataset as Turtle",
    ),
    Dump(
        "kgpub.nt.gz",
        "application/n-triples",
        "RDF_N_TRIPLES",
        "Hela datamängden i N-Triples (gzip)",
        "The whole dataset as N-Triples (gzip)",
        True,
    ),
    Dump(
        "kgpub.trig",
        "application/trig",
        "RDF_TRIG",
        "Hela datamängden i TriG, en namngiven graf per källa",
        "The whole dataset as TriG, one named graph per source",
    ),
    Dump(
        "kgpub.nq",
        "application/n-quads",
        "RDF_N_QUADS",
        "Hela datamängden i N-Quads, en namngiven graf per källa",
        "The whole dataset as N-Quads, one named graph per source",
    ),
)
_RDF_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/trig": ox.RdfFormat.TRIG,
    "application/n-quads": ox.RdfFormat.N_QUADS,
}


def dump_named(name: str) -> Dump | None:
    return next((d for d in DUMPS if d.name == name), None)


def dump_bytes(store: Store, dump: Dump) -> bytes:
    data = store.dump(_RDF_FORMATS[dump.media_type])
    return gzip.compress(data, mtime=0) if dump.gzip else data


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def _l(text: str, lang: str | None = None) -> ox.Literal:
    return ox.Literal(text, language=lang) if lang else ox.Literal(text)


def _dt(value: datetime) -> ox.Literal:
    return ox.Literal(value.strftime("%Y-%m-%dT%H:%M:%SZ"), datatype=_n(XSD + "dateTime"))


def dataset_description(
    store: Store,
    base_iri: str,
    loaded_at: datetime,
    publisher_name: str = "kgpub",
    publisher_email: str | None = None,
    example_resources: tuple[str, ...] = ("id/haninge", "id/haparanda"),
) -> list[ox.Triple]:
    """VoID + DCAT triples describing the published dataset (canonical IRIs)."""
    b = base_iri
    catalog = _n(b + "dataset#catalog")
    dataset = _n(b + "dataset")
    publisher = _n(b + "dataset#publisher")
    contact = _n(b + "dataset#contact")
    service = _n(b + "dataset#sparql-service")
    sparql = _n(b + "sparql")
    t: list[ox.Triple] = []

    def add(s: ox.NamedNode, p: str, o: ox.NamedNode | ox.Literal) -> None:
        t.append(ox.Triple(s, _n(p), o))

    modified = _dt(loaded_at)
    issued = ox.Literal("2026-11-23", datatype=_n(XSD + "date"))
    # catalog
    add(catalog, RDF + "type", _n(DCAT + "Catalog"))
    add(catalog, DCT + "title", _l("kgpub – kommunal styrning som länkade data", "sv"))
    add(catalog, DCT + "title", _l("kgpub – municipal strategy as linked data", "en"))
    add(
        catalog,
        DCT + "description",
        _l("Katalog över kgpubs länkade öppna data om kommunal styrning.", "sv"),
    )
    add(
        catalog,
        DCT + "description",
        _l("Catalogue of kgpub's linked open data on municipal strategy.", "en"),
    )
    add(catalog, DCT + "publisher", publisher)
    add(catalog, DCT + "license", _n(CC0))
    add(catalog, DCAT + "dataset", dataset)
    add(catalog, DCAT + "service", service)
    add(catalog, FOAF + "homepage", _n(b))
    add(catalog, DCT + "modified", modified)
    # publisher
    add(publisher, RDF + "type", _n(FOAF + "Agent"))
    add(publisher, RDF + "type", _n(FOAF + "Organization"))
    add(publisher, FOAF + "name", _l(publisher_name))
    add(publisher, DCT + "type", _n(PUBLISHER_TYPE + "NonProfitOrganisation"))
    # contact point
    add(contact, RDF + "type", _n(VCARD + "Organization"))
    add(contact, VCARD + "fn", _l(publisher_name))
    add(contact, VCARD + "hasEmail", _n("mailto:" + (publisher_email or "kgpub@example.org")))
    # dataset
    add(dataset, RDF + "type", _n(DCAT + "Dataset"))
    add(dataset, RDF + "type", _n(VOID + "Dataset"))
    add(dataset, DCT + "title", _l("Kommunal styrning: visioner, mål och budget", "sv"))
    add(dataset, DCT + "title", _l("Municipal strategy: visions, goals and budgets", "en"))
    add(
        dataset,
        DCT + "description",
        _l(
            "Visioner, löften, mål, strategiska prioriteringar och budgetfördelning från svenska "
            "kommuner, kopplade till nationella mål och Agenda 2030.",
            "sv",
        ),
    )
    add(
        dataset,
        DCT + "description",
        _l(
            "Visions, promises, goals, strategic priorities and budget allocations of Swedish "
            "municipalities, linked to national objectives and the 2030 Agenda.",
            "en",
        ),
    )
    add(dataset, DCT + "publisher", publisher)
    add(dataset, DCAT + "contactPoint", contact)
    add(dataset, DCT + "license", _n(CC0))
    add(dataset, DCT + "issued", issued)
    add(dataset, DCT + "modified", modified)
    add(dataset, DCT + "language", _n(LANGUAGE + "SWE"))
    add(dataset, DCT + "language", _n(LANGUAGE + "ENG"))
    add(dataset, DCAT + "theme", _n(THEME_GOVE))
    add(dataset, DCAT + "keyword", _l("kommun", "sv"))
    add(dataset, DCAT + "keyword", _l("municipality", "en"))
    add(dataset, VOID + "triples", ox.Literal(str(store.count()), datatype=_n(XSD + "integer")))
    add(dataset, VOID + "sparqlEndpoint", sparql)
    add(dataset, VOID + "uriSpace", _l(b + "id/"))
    add(dataset, VOID + "vocabulary", _n(b + "ontology#"))
    t.extend(linksets.linkset_triples(store, b))
    for ex in example_resources:
        add(dataset, VOID + "exampleResource", _n(b + ex))
    for d in DUMPS:
        dist = _n(b + "dumps/" + d.name)
        add(dataset, DCAT + "distribution", dist)
        add(dataset, VOID + "dataDump", dist)
        add(dist, RDF + "type", _n(DCAT + "Distribution"))
        add(dist, DCT + "title", _l(d.title_sv, "sv"))
        add(dist, DCT + "title", _l(d.title_en, "en"))
        add(dist, DCAT + "accessURL", dist)
        add(dist, DCAT + "downloadURL", dist)
        add(
            dist,
            DCAT + "mediaType",
            _n("http://www.iana.org/assignments/media-types/" + d.media_type),
        )
        add(dist, DCT + "format", _n(FILETYPE + d.file_type))
        add(dist, DCT + "license", _n(CC0))
        add(dist, DCT + "modified", modified)
        if d.gzip:
            add(
                dist,
                DCAT + "compressFormat",
                _n("http://www.iana.org/assignments/media-types/application/gzip"),
            )
    # DCAT-AP ranges: the controlled-vocabulary values are typed, as the profile asks
    typed = {
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
    # the labels the EU vocabularies give these concepts
    add(_n(THEME_GOVE), SKOS + "prefLabel", _l("Government and public sector", "en"))
    add(_n(THEME_GOVE), SKOS + "prefLabel", _l("Regeringen och den offentliga sektorn", "sv"))
    add(
        _n(PUBLISHER_TYPE + "NonProfitOrganisation"),
        SKOS + "prefLabel",
        _l("Non-Profit Organisation", "en"),
    )
    sparql_dist = _n(b + "dataset#sparql-distribution")
    add(dataset, DCAT + "distribution", sparql_dist)
    add(sparql_dist, RDF + "type", _n(DCAT + "Distribution"))
    add(sparql_dist, DCT + "title", _l("SPARQL-ändpunkt", "sv"))
    add(sparql_dist, DCT + "title", _l("SPARQL endpoint", "en"))
    add(sparql_dist, DCAT + "accessURL", sparql)
    add(sparql_dist, DCAT + "accessService", service)
    add(sparql_dist, DCT + "license", _n(CC0))
    add(sparql_dist, DCT + "format", _n(FILETYPE + "SPARQLQ"))
    # data service
    add(service, RDF + "type", _n(DCAT + "DataService"))
    add(service, DCT + "title", _l("kgpubs SPARQL-ändpunkt", "sv"))
    add(service, DCT + "title", _l("kgpub SPARQL endpoint", "en"))
    add(service, DCAT + "endpointURL", sparql)
    add(service, DCAT + "endpointDescription", sparql)
    add(service, DCAT + "servesDataset", dataset)
    add(service, DCT + "publisher", publisher)
    add(service, DCT + "license", _n(CC0))
    add(service, DCT + "conformsTo", _n("https://www.w3.org/TR/sparql11-protocol/"))
    for triple in list(t):
        cls = typed.get(triple.predicate.value)
        if cls is not None and isinstance(triple.object, ox.NamedNode):
            t.append(ox.Triple(triple.object, _n(RDF + "type"), _n(cls)))
    return sorted(set(t), key=str)


def sitemap_paths(store: Store, base_iri: str) -> list[str]:
    """Site-relative paths of every page: home, documents of all things, reference pages."""
    rows = store.select(
        "SELECT DISTINCT ?s WHERE { GRAPH ?g { ?s ?p ?o } FILTER(isIRI(?s) && "
        f'STRSTARTS(STR(?s), "{base_iri}id/")) }}'
    )
    things = sorted(r["s"].value[len(base_iri) + 3 :] for r in rows if "s" in r)
    return ["", "ontology", "shapes", "dataset", "dumps/", "sparql"] + ["doc/" + t for t in things]
