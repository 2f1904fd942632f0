"""The one registry of formats kgpub serves: documents, datasets, dumps and SPARQL results.

Every other module that names a media type, a file extension, a ``?format=`` key or a W3C
format IRI reads it from a :class:`Format` here.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph

#: The W3C namespace of unique format IRIs (used by SPARQL service descriptions).
W3C_FORMATS = "http://www.w3.org/ns/formats/"

_TEXTUAL = ("application/n-triples", "application/ld+json", "application/rdf+xml")


@dataclass(frozen=True)
class Format:
    """One representation kgpub can write.

    ``keys`` are the short names a client may give with ``?format=`` (the first one is also
    used in download links); ``sparql_aliases`` are older media types accepted only from
    SPARQL clients (``text/plain`` for N-Triples, as SPARQL 1.0 tools send it);
    ``w3c_name`` is the local name of the format's IRI in :data:`W3C_FORMATS`.
    """

    name: str
    media_type: str
    extensions: tuple[str, ...]
    rdf_format: pyoxigraph.RdfFormat | None = None
    aliases: tuple[str, ...] = ()
    keys: tuple[str, ...] = ()
    w3c_name: str | None = None
    sparql_aliases: tuple[str, ...] = ()

    @property
    def extension(self) -> str:
        return self.extensions[0]

    @property
    def key(self) -> str:
        """The short name for ``?format=`` (the first extension when none is given)."""
        return self.keys[0] if self.keys else self.extension

    @property
    def content_type(self) -> str:
        """The Content-Type header value, with a charset where the type is textual."""
        if self.media_type.startswith("text/") or self.media_type in _TEXTUAL:
            return f"{self.media_type}; charset=utf-8"
        return self.media_type

    @property
    def w3c_iri(self) -> str | None:
        """The format's IRI in the W3C formats namespace, if it has one."""
        return W3C_FORMATS + self.w3c_name if self.w3c_name else None

    @property
    def supports_datasets(self) -> bool:
        return self.rdf_format is not None and bool(self.rdf_format.supports_datasets)


_RDF = pyoxigraph.RdfFormat

HTML = Format("HTML", "text/html", ("html",), None, ("application/xhtml+xml",))
PLAIN_TEXT = Format("plain text", "text/plain", ("txt",))
TURTLE = Format(
    "Turtle",
    "text/turtle",
    ("ttl",),
    _RDF.TURTLE,
    ("application/x-turtle", "application/turtle"),
    ("ttl", "turtle"),
    "Turtle",
)
JSON_LD = Format(
    "JSON-LD", "application/ld+json", ("jsonld",), _RDF.JSON_LD, (), ("jsonld",), "JSON-LD"
)
RDF_XML = Format(
    "RDF/XML", "application/rdf+xml", ("rdf", "xml"), _RDF.RDF_XML, (), ("rdf",), "RDF_XML"
)
N_TRIPLES = Format(
    "N-Triples",
    "application/n-triples",
    ("nt",),
    _RDF.N_TRIPLES,
    (),
    ("nt", "ntriples"),
    "N-Triples",
    ("text/plain",),
)
N_QUADS = Format("N-Quads", "application/n-quads", ("nq",), _RDF.N_QUADS, (), (), "N-Quads")
TRIG = Format("TriG", "application/trig", ("trig",), _RDF.TRIG, (), (), "TriG")
SPARQL_JSON = Format(
    "SPARQL Results JSON",
    "application/sparql-results+json",
    ("srj",),
    None,
    ("application/json", "text/javascript", "application/javascript"),
    ("json",),
    "SPARQL_Results_JSON",
)
SPARQL_XML = Format(
    "SPARQL Results XML",
    "application/sparql-results+xml",
    ("srx",),
    None,
    ("application/xml", "text/xml"),
    ("xml",),
    "SPARQL_Results_XML",
)
#: CSV, one Format for SPARQL results and for the pages' tables alike (one media type)
CSV = Format("CSV", "text/csv", ("csv",), None, (), ("csv",), "SPARQL_Results_CSV")
SPARQL_CSV = CSV
SPARQL_TSV = Format(
    "SPARQL Results TSV",
    "text/tab-separated-values",
    ("tsv",),
    None,
    (),
    ("tsv",),
    "SPARQL_Results_TSV",
)

#: Plain JSON: the pages' tables (SPARQL clients asking for application/json get
#: :data:`SPARQL_JSON`, which lists it as an alias; the two are never offered together).
JSON = Format("JSON", "application/json", ("json",))

#: Formats a resource document is offered in, in order of server preference.
DOCUMENT_FORMATS: tuple[Format, ...] = (HTML, TURTLE, JSON_LD, RDF_XML, N_TRIPLES)
#: Formats that keep named graphs (a graph's page, the dataset dumps).
DATASET_FORMATS: tuple[Format, ...] = (N_QUADS, TRIG)
#: The machine twins of a view (the municipality list, comparison, search) and its page.
TABLE_FORMATS: tuple[Format, ...] = (HTML, CSV, JSON)
#: A municipality's overview: the resource's formats and its tables.
OVERVIEW_FORMATS: tuple[Format, ...] = (*DOCUMENT_FORMATS, CSV, JSON)
#: The alignment of one municipality: a page, its table and the kgpub:Alignment resources.
ALIGNMENT_FORMATS: tuple[Format, ...] = (HTML, CSV, JSON, TURTLE, JSON_LD)
#: SELECT and ASK results, the first one the default.
SOLUTION_FORMATS: tuple[Format, ...] = (SPARQL_JSON, SPARQL_XML, SPARQL_CSV, SPARQL_TSV)
#: CONSTRUCT and DESCRIBE results (and the service description), the first one the default.
GRAPH_FORMATS: tuple[Format, ...] = (TURTLE, JSON_LD, RDF_XML, N_TRIPLES)
#: Everything the SPARQL endpoint can answer with.
RESULT_FORMATS: tuple[Format, ...] = SOLUTION_FORMATS + GRAPH_FORMATS
#: Every format kgpub knows.
ALL_FORMATS: tuple[Format, ...] = (
    *DOCUMENT_FORMATS,
    *DATASET_FORMATS,
    *SOLUTION_FORMATS,
    PLAIN_TEXT,
    JSON,
)


def from_extension(extension: str, offers: tuple[Format, ...] = ALL_FORMATS) -> Format | None:
    ext = extension.lower().lstrip(".")
    for fmt in offers:
        if ext in fmt.extensions:
            return fmt
    return None


def from_media_type(media_type: str, offers: tuple[Format, ...] = ALL_FORMATS) -> Format | None:
    mt = media_type.split(";", 1)[0].strip().lower()
    for fmt in offers:
        if mt == fmt.media_type or mt in fmt.aliases:
            return fmt
    return None


def from_key(key: str, offers: tuple[Format, ...] = ALL_FORMATS) -> Format | None:
    """The format a ``?format=`` value names: a short key (``json``) or a media type."""
    wanted = key.strip().lower()
    for fmt in offers:
        if wanted in fmt.keys or wanted == fmt.media_type or wanted in fmt.aliases:
            return fmt
    return None
