"""RDF serialisation with pyoxigraph; IRIs stay canonical."""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph

from kgpub.formats import Format

COMMON_PREFIXES: dict[str, str] = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "org": "http://www.w3.org/ns/org#",
    "dcterms": "http://purl.org/dc/terms/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "prov": "http://www.w3.org/ns/prov#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "schema": "https://schema.org/",
    "cv": "http://data.europa.eu/m8g/",
    "void": "http://rdfs.org/ns/void#",
    "sh": "http://www.w3.org/ns/shacl#",
}


def prefixes(base_iri: str) -> dict[str, str]:
    return {**COMMON_PREFIXES, "kgpub": base_iri + "ontology#"}


def serialize(
    triples: Iterable[pyoxigraph.Triple] | Iterable[pyoxigraph.Quad],
    fmt: Format,
    base_iri: str,
) -> bytes:
    if fmt.rdf_format is None:
        raise ValueError(f"{fmt.name} is not an RDF format")
    pfx = (
        prefixes(base_iri)
        if fmt.rdf_format
        not in (
            pyoxigraph.RdfFormat.N_TRIPLES,
            pyoxigraph.RdfFormat.N_QUADS,
        )
        else None
    )
    if pfx is None:
        return pyoxigraph.serialize(triples, format=fmt.rdf_format) or b""
    return pyoxigraph.serialize(triples, format=fmt.rdf_format, prefixes=pfx) or b""


def shorten(iri: str, base_iri: str) -> str:
    """A prefixed name for display, or the IRI itself."""
    best = ""
    best_prefix = ""
    for prefix, ns in prefixes(base_iri).items():
        if iri.startswith(ns) and len(ns) > len(best):
            best, best_prefix = ns, prefix
    if best and iri[len(best) :]:
        return f"{best_prefix}:{iri[len(best) :]}"
    return iri
