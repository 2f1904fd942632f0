"""RDF serialisation with pyoxigraph; IRIs stay canonical."""

from __future__ import annotations

import functools
from collections.abc import Iterable

import pyoxigraph

from kgpub.formats import Format
from kgpub.vocab import prefixes_for


def prefixes(base_iri: str) -> dict[str, str]:
    """The prefixes a document declares: every vocabulary kgpub uses (``kgpub.vocab``)."""
    return dict(_prefixes(base_iri))


@functools.lru_cache(maxsize=8)
def _prefixes(base_iri: str) -> dict[str, str]:
    """:func:`prefixes`, built once per base IRI (shared: never changed)."""
    return prefixes_for(base_iri)


def serialize(
    triples: Iterable[pyoxigraph.Triple] | Iterable[pyoxigraph.Quad],
    fmt: Format,
    base_iri: str,
) -> bytes:
    if fmt.rdf_format is None:
        raise ValueError(f"{fmt.name} is not an RDF format")
    pfx = (
        _prefixes(base_iri)
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


#: IRIs up to this many characters are remembered by :func:`shorten` (so its memo holds at
#: most ``_SHORTEN_MEMO`` × this much text, whatever IRIs the data or an upload brings).
_SHORTEN_MEMO_IRI = 512
_SHORTEN_MEMO = 1 << 13


def shorten(iri: str, base_iri: str) -> str:
    """A prefixed name for display, or the IRI itself (remembered: the same few thousand
    properties, types and datatypes are shortened on every page)."""
    if len(iri) > _SHORTEN_MEMO_IRI:
        return _shorten(iri, base_iri)
    return _shorten_remembered(iri, base_iri)


def _shorten(iri: str, base_iri: str) -> str:
    best = ""
    best_prefix = ""
    for prefix, ns in _prefixes(base_iri).items():
        if iri.startswith(ns) and len(ns) > len(best):
            best, best_prefix = ns, prefix
    if best and iri[len(best) :]:
        return f"{best_prefix}:{iri[len(best) :]}"
    return iri


_shorten_remembered = functools.lru_cache(maxsize=_SHORTEN_MEMO)(_shorten)
