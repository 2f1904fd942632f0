"""The document formats kgpub serves, and how to find one by media type or extension."""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph


@dataclass(frozen=True)
class Format:
    """One representation a document can be served in."""

    name: str
    media_type: str
    extensions: tuple[str, ...]
    rdf_format: pyoxigraph.RdfFormat | None = None
    aliases: tuple[str, ...] = ()

    @property
    def extension(self) -> str:
        return self.extensions[0]

    @property
    def content_type(self) -> str:
        """The Content-Type header value, with a charset where the type is textual."""
        if self.media_type == "application/n-triples" or self.media_type.startswith("text/"):
            return f"{self.media_type}; charset=utf-8"
        if self.media_type in ("application/ld+json", "application/rdf+xml"):
            return f"{self.media_type}; charset=utf-8"
        return self.media_type

    @property
    def is_rdf(self) -> bool:
        return self.rdf_format is not None

    @property
    def supports_datasets(self) -> bool:
        return self.rdf_format is not None and bool(self.rdf_format.supports_datasets)


HTML = Format("HTML", "text/html", ("html",), None, ("application/xhtml+xml",))
TURTLE = Format(
    "Turtle", "text/turtle", ("ttl",), pyoxigraph.RdfFormat.TURTLE, ("application/x-turtle",)
)
JSON_LD = Format("JSON-LD", "application/ld+json", ("jsonld",), pyoxigraph.RdfFormat.JSON_LD)
RDF_XML = Format("RDF/XML", "application/rdf+xml", ("rdf", "xml"), pyoxigraph.RdfFormat.RDF_XML)
N_TRIPLES = Format("N-Triples", "application/n-triples", ("nt",), pyoxigraph.RdfFormat.N_TRIPLES)
N_QUADS = Format("N-Quads", "application/n-quads", ("nq",), pyoxigraph.RdfFormat.N_QUADS)
TRIG = Format("TriG", "application/trig", ("trig",), pyoxigraph.RdfFormat.TRIG)

#: Formats a resource document is offered in, in order of server preference.
DOCUMENT_FORMATS: tuple[Format, ...] = (HTML, TURTLE, JSON_LD, RDF_XML, N_TRIPLES)
#: Every format kgpub knows.
ALL_FORMATS: tuple[Format, ...] = (*DOCUMENT_FORMATS, N_QUADS, TRIG)


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
