"""The IRIs pages read, as ``kgpub.vocab`` names them (kept for the modules that still import
them from here; new code imports ``kgpub.vocab``)."""

from kgpub.vocab import (
    DCAT,
    DCT,
    DCT_TITLE,
    FOAF,
    LABEL_PREDICATES,
    MATCH_PREDICATES,
    ORG,
    RDF_TYPE,
    RDFS_LABEL,
    SCHEMA_POSITION,
    SKOS,
    SKOS_PREF,
)

__all__ = [
    "DCAT",
    "DCT",
    "DCT_TITLE",
    "FOAF",
    "LABEL_PREDICATES",
    "MATCH_PREDICATES",
    "ORG",
    "RDFS_LABEL",
    "RDF_TYPE",
    "SCHEMA_POSITION",
    "SKOS",
    "SKOS_PREF",
]
