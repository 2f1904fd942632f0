"""Namespaces and prefixes used across kgpub.

Where rdflib ships a closed vocabulary class (``DCTERMS``, ``SKOS``, ...) it is re-exported:
those resolve names such as ``DCTERMS.title`` correctly. The others are plain
:class:`rdflib.Namespace` objects; for a local name that clashes with a ``str`` method
(``title``, ``format``, ``index``, ``count``, ...) use item access: ``VCARD["title"]``.

The ontology namespace depends on the deployment's base IRI: use :func:`kgpub_ns` (or
:func:`prefixes_for`) with ``settings.base_iri``; :data:`KGPUB` is the canonical one.
"""

from __future__ import annotations

from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import (
    DCAT,
    DCTERMS,
    FOAF,
    ORG,
    OWL,
    PROV,
    RDF,
    RDFS,
    SDO,
    SH,
    SKOS,
    VOID,
    XSD,
)

DEFAULT_BASE_IRI = "https://w3id.org/kgpub/"


def kgpub_ns(base_iri: str) -> Namespace:
    """The ontology namespace for a base IRI: ``{base_iri}ontology#``."""
    return Namespace(base_iri + "ontology#")


KGPUB = kgpub_ns(DEFAULT_BASE_IRI)
SCHEMA = SDO
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
CV = Namespace("http://data.europa.eu/m8g/")
WD = Namespace("http://www.wikidata.org/entity/")
ADMS = Namespace("http://www.w3.org/ns/adms#")
DCATAP = Namespace("http://data.europa.eu/r5r/")

#: prefix -> namespace, in the order they are bound when serialising.
PREFIXES: dict[str, Namespace] = {
    "kgpub": KGPUB,
    "rdf": Namespace(str(RDF)),
    "rdfs": Namespace(str(RDFS)),
    "owl": Namespace(str(OWL)),
    "xsd": Namespace(str(XSD)),
    "skos": Namespace(str(SKOS)),
    "org": Namespace(str(ORG)),
    "dcterms": Namespace(str(DCTERMS)),
    "dcat": Namespace(str(DCAT)),
    "prov": Namespace(str(PROV)),
    "foaf": Namespace(str(FOAF)),
    "vcard": VCARD,
    "schema": Namespace(str(SDO)),
    "void": Namespace(str(VOID)),
    "sd": SD,
    "sh": Namespace(str(SH)),
    "cv": CV,
    "wd": WD,
    "adms": ADMS,
    "dcatap": DCATAP,
}


def prefixes_for(base_iri: str) -> dict[str, Namespace]:
    """:data:`PREFIXES` with ``kgpub`` bound to the ontology namespace of ``base_iri``."""
    prefixes = dict(PREFIXES)
    prefixes["kgpub"] = kgpub_ns(base_iri)
    return prefixes


def bind_prefixes(graph: Graph, base_iri: str = DEFAULT_BASE_IRI) -> Graph:
    """Bind all kgpub prefixes on ``graph``, overriding other bindings of them; returns it."""
    for prefix, namespace in prefixes_for(base_iri).items():
        graph.bind(prefix, URIRef(str(namespace)), override=True, replace=True)
    return graph


def compact(iri: str, prefixes: dict[str, Namespace] | None = None) -> str:
    """``prefix:local`` for an IRI in a known namespace (longest match), else ``<iri>``."""
    best: tuple[str, str] | None = None
    for prefix, namespace in (prefixes if prefixes is not None else PREFIXES).items():
        ns = str(namespace)
        if iri.startswith(ns) and (best is None or len(ns) > len(best[1])):
            best = (prefix, ns)
    if best is not None:
        local = iri[len(best[1]) :]
        if local and all(c.isalnum() or c in "_-." for c in local) and not local.endswith("."):
            return f"{best[0]}:{local}"
    return f"<{iri}>"


__all__ = [
    "ADMS",
    "CV",
    "DCAT",
    "DCATAP",
    "DCTERMS",
    "DEFAULT_BASE_IRI",
    "FOAF",
    "KGPUB",
    "ORG",
    "OWL",
    "PREFIXES",
    "PROV",
    "RDF",
    "RDFS",
    "SCHEMA",
    "SD",
    "SDO",
    "SH",
    "SKOS",
    "VCARD",
    "VOID",
    "WD",
    "XSD",
    "bind_prefixes",
    "compact",
    "kgpub_ns",
    "prefixes_for",
]
