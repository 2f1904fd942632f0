"""The IRIs and prefixes of the vocabularies kgpub uses, in one place.

Namespaces are plain strings (``SKOS + "broader"``); the terms more than one module reads
have a name of their own (``RDF_TYPE``, ``RDFS_LABEL``, ...). The ontology namespace depends
on the deployment's base IRI: :func:`kgpub_ns` gives it, and :func:`prefixes_for` gives the
one prefix map with ``kgpub`` bound to it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from rdflib import Graph, URIRef

DEFAULT_BASE_IRI = "https://w3id.org/kgpub/"

# -- namespaces ---------------------------------------------------------------------------

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
ORG = "http://www.w3.org/ns/org#"
DCT = "http://purl.org/dc/terms/"
DCAT = "http://www.w3.org/ns/dcat#"
PROV = "http://www.w3.org/ns/prov#"
FOAF = "http://xmlns.com/foaf/0.1/"
VCARD = "http://www.w3.org/2006/vcard/ns#"
SCHEMA = "https://schema.org/"
VOID = "http://rdfs.org/ns/void#"
SD = "http://www.w3.org/ns/sparql-service-description#"
SH = "http://www.w3.org/ns/shacl#"
CV = "http://data.europa.eu/m8g/"
WD = "http://www.wikidata.org/entity/"
ADMS = "http://www.w3.org/ns/adms#"
DCATAP = "http://data.europa.eu/r5r/"
#: EU controlled vocabularies (DCAT-AP) and the media types registry.
EU_FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
EU_LANGUAGE = "http://publications.europa.eu/resource/authority/language/"
EU_DATA_THEME = "http://publications.europa.eu/resource/authority/data-theme/"
ADMS_PUBLISHER_TYPE = "http://purl.org/adms/publishertype/"
IANA_MEDIA_TYPES = "http://www.iana.org/assignments/media-types/"
#: The licence the data is published under.
CC0 = "http://creativecommons.org/publicdomain/zero/1.0/"

# -- terms read in more than one place ----------------------------------------------------

RDF_TYPE = RDF + "type"
RDFS_LABEL = RDFS + "label"
XSD_STRING = XSD + "string"
XSD_INTEGER = XSD + "integer"
SKOS_PREF = SKOS + "prefLabel"
DCT_TITLE = DCT + "title"
OWL_SAME_AS = OWL + "sameAs"
SCHEMA_SAME_AS = SCHEMA + "sameAs"
SCHEMA_POSITION = SCHEMA + "position"
SCHEMA_ITEM_LIST = SCHEMA + "ItemList"
SDMX_ATTRIBUTE = "http://purl.org/linked-data/sdmx/2009/attribute#"
FOAF_DOCUMENT = FOAF + "Document"
ORG_UNIT = ORG + "OrganizationalUnit"
EU_THEME_GOVERNMENT = EU_DATA_THEME + "GOVE"

#: What names a resource, in the order a page prefers them.
LABEL_PREDICATES = (SKOS_PREF, RDFS_LABEL, DCT_TITLE)
#: The SKOS mapping properties an alignment is stated with.
MATCH_PREDICATES = (
    SKOS + "exactMatch",
    SKOS + "closeMatch",
    SKOS + "relatedMatch",
    SKOS + "broadMatch",
    SKOS + "narrowMatch",
)


def kgpub_ns(base_iri: str) -> str:
    """The ontology namespace for a base IRI: ``{base_iri}ontology#``."""
    return base_iri + "ontology#"


# -- prefixes -----------------------------------------------------------------------------

#: prefix -> namespace of every vocabulary but kgpub's own, in the order they are declared.
PREFIXES: dict[str, str] = {
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "skos": SKOS,
    "org": ORG,
    "dcterms": DCT,
    "dcat": DCAT,
    "prov": PROV,
    "foaf": FOAF,
    "vcard": VCARD,
    "schema": SCHEMA,
    "void": VOID,
    "sd": SD,
    "sh": SH,
    "cv": CV,
    "wd": WD,
    "adms": ADMS,
    "dcatap": DCATAP,
}


def prefixes_for(base_iri: str, only: Iterable[str] | None = None) -> dict[str, str]:
    """The prefix map with ``kgpub`` (first) bound to the ontology namespace of ``base_iri``;
    with ``only``, just those prefixes, in that order."""
    every = {"kgpub": kgpub_ns(base_iri), **PREFIXES}
    return every if only is None else {p: every[p] for p in only}


def sparql_prologue(prefixes: Mapping[str, str]) -> str:
    """``PREFIX p: <ns>`` lines for a SPARQL query."""
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in prefixes.items())


def bind_prefixes(graph: Graph, base_iri: str = DEFAULT_BASE_IRI) -> Graph:
    """Bind all kgpub prefixes on ``graph``, overriding other bindings of them; returns it."""
    for prefix, namespace in prefixes_for(base_iri).items():
        graph.bind(prefix, URIRef(namespace), override=True, replace=True)
    return graph


def compact(iri: str, prefixes: Mapping[str, str] | None = None) -> str:
    """``prefix:local`` for an IRI in a known namespace (longest match), else ``<iri>``."""
    best: tuple[str, str] | None = None
    known = prefixes if prefixes is not None else prefixes_for(DEFAULT_BASE_IRI)
    for prefix, ns in known.items():
        if iri.startswith(ns) and (best is None or len(ns) > len(best[1])):
            best = (prefix, ns)
    if best is not None:
        local = iri[len(best[1]) :]
        if local and all(c.isalnum() or c in "_-." for c in local) and not local.endswith("."):
            return f"{best[0]}:{local}"
    return f"<{iri}>"
