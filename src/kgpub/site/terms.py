"""The IRIs pages read: label and type predicates, and the vocabularies of the
municipality, alignment and directory pages."""

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS_PREF = "http://www.w3.org/2004/02/skos/core#prefLabel"
DCT_TITLE = "http://purl.org/dc/terms/title"
LABEL_PREDICATES = (SKOS_PREF, RDFS_LABEL, DCT_TITLE)

SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
DCAT = "http://www.w3.org/ns/dcat#"
ORG = "http://www.w3.org/ns/org#"
FOAF = "http://xmlns.com/foaf/0.1/"
SCHEMA_POSITION = "https://schema.org/position"
MATCH_PREDICATES = (
    SKOS + "exactMatch",
    SKOS + "closeMatch",
    SKOS + "relatedMatch",
    SKOS + "broadMatch",
    SKOS + "narrowMatch",
)
