"""The URI scheme: the only module that knows how kgpub IRIs are built.

Following "Cool URIs for the Semantic Web" (303 variant):

============================  ==========================================
``{base}id/{path}``           a thing (municipality, goal, budget line...)
``{base}doc/{path}``          the document describing that thing
``{base}graph/{name}``        the named graph of one source file
``{base}ontology``            the ontology document
``{base}ontology#{local}``    an ontology term (prefix ``kgpub:``)
``{base}shapes``              the SHACL shapes
``{base}dataset``             the VoID/DCAT dataset description
``{base}sparql``              the SPARQL endpoint
``{base}dumps/{name}``        a data dump
============================  ==========================================

Pure functions and values only: nothing here knows about HTTP frameworks.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from kgpub.vocab import DEFAULT_BASE_IRI

_SPECIAL_LETTERS = {"æ": "ae", "ø": "o", "ß": "ss", "đ": "d", "ð": "d", "þ": "th", "ł": "l"}


def slugify(text: str) -> str:
    """A lower-case ASCII slug for use in an IRI path segment.

    ``å``, ``ä`` -> ``a`` and ``ö`` -> ``o``; other accents are stripped; every run of
    other characters becomes a single ``-``; leading and trailing ``-`` are trimmed.
    Returns ``""`` when nothing usable is left.

    >>> slugify("Tryggare invånare i Österåker!")
    'tryggare-invanare-i-osteraker'
    """
    lowered = text.lower()
    lowered = "".join(_SPECIAL_LETTERS.get(c, c) for c in lowered)
    decomposed = unicodedata.normalize("NFKD", lowered)
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c))
    ascii_only = ascii_only.encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_only).strip("-")


@dataclass(frozen=True)
class UriScheme:
    """IRIs of everything kgpub publishes, under one base IRI (ending in ``/`` or ``#``)."""

    base_iri: str = DEFAULT_BASE_IRI

    def __post_init__(self) -> None:
        if not self.base_iri.endswith(("/", "#")):
            raise ValueError(f"base IRI must end with '/' or '#': {self.base_iri!r}")

    def thing(self, path: str) -> str:
        """``{base}id/{path}``: the IRI of a thing."""
        return f"{self.base_iri}id/{path.lstrip('/')}"

    def doc(self, path: str) -> str:
        """``{base}doc/{path}``: the document about the thing ``id/{path}``."""
        return f"{self.base_iri}doc/{path.lstrip('/')}"

    def graph(self, name: str) -> str:
        """``{base}graph/{name}``: the named graph of one source."""
        return f"{self.base_iri}graph/{name.lstrip('/')}"

    def ontology(self) -> str:
        """``{base}ontology``: the ontology document (and the ontology's graph)."""
        return f"{self.base_iri}ontology"

    def shapes(self) -> str:
        """``{base}shapes``: the SHACL shapes document (and graph)."""
        return f"{self.base_iri}shapes"

    def dataset(self) -> str:
        """``{base}dataset``: the VoID/DCAT dataset description."""
        return f"{self.base_iri}dataset"

    def sparql(self) -> str:
        """``{base}sparql``: the SPARQL endpoint."""
        return f"{self.base_iri}sparql"

    def dump(self, name: str) -> str:
        """``{base}dumps/{name}``: a data dump file."""
        return f"{self.base_iri}dumps/{name.lstrip('/')}"

    def path_of(self, iri: str) -> str | None:
        """The ``{path}`` of a thing IRI ``{base}id/{path}`` under this base, else ``None``."""
        prefix = f"{self.base_iri}id/"
        if iri.startswith(prefix) and len(iri) > len(prefix):
            return iri[len(prefix) :]
        return None

    def doc_of(self, iri: str) -> str | None:
        """The document IRI for a thing IRI under this base (the 303 target), else ``None``."""
        path = self.path_of(iri)
        return None if path is None else self.doc(path)

    def is_local(self, iri: str) -> bool:
        """Whether ``iri`` lies under this base."""
        return iri.startswith(self.base_iri)

    def to_local_url(self, iri: str, host_base: str) -> str:
        """Map an IRI under the canonical base to the same path under ``host_base``.

        ``host_base`` is where the server is reached, e.g. ``"http://127.0.0.1:8000/"``.
        IRIs elsewhere are returned unchanged.
        """
        if not self.is_local(iri):
            return iri
        return _with_slash(host_base) + iri[len(self.base_iri) :]


def _with_slash(base: str) -> str:
    return base if base.endswith("/") else base + "/"
