"""Content negotiation, pure: an Accept header (and an optional file suffix) to a Format.

Parsing is werkzeug's (q-values, wildcards, specificity); a malformed header never raises
anything but :class:`NotAcceptable`.
"""

from __future__ import annotations

import functools

from werkzeug.datastructures import LanguageAccept, MIMEAccept
from werkzeug.http import parse_accept_header

from kgpub.errors import NotAcceptable, NotFound
from kgpub.formats import DOCUMENT_FORMATS, Format, from_extension

LANGUAGES: tuple[str, ...] = ("sv", "en")


def _media_types(offers: tuple[Format, ...]) -> list[tuple[str, Format]]:
    # aliases last, so that a wildcard such as application/* picks a primary type
    pairs: list[tuple[str, Format]] = [(fmt.media_type, fmt) for fmt in offers]
    for fmt in offers:
        pairs.extend((alias, fmt) for alias in fmt.aliases)
    return pairs


def negotiate(
    accept: str | None,
    suffix: str | None = None,
    offers: tuple[Format, ...] = DOCUMENT_FORMATS,
) -> Format:
    """The format to answer with.

    ``suffix`` (an extension such as ``"ttl"``) wins over Accept; an unknown suffix is a
    :class:`NotFound` (the document with that name does not exist). No or empty Accept gives
    the first offer. Raises :class:`NotAcceptable` when nothing offered fits.
    """
    if suffix:
        fmt = from_extension(suffix, offers)
        if fmt is None:
            raise NotFound(f"no document with the suffix .{suffix}")
        return fmt
    if accept is None or not accept.strip():
        return offers[0]
    if len(accept) <= 1000:  # typical headers repeat: remember their outcome
        found = _negotiate_cached(accept, offers)
    else:
        found = _negotiate_uncached(accept, offers)
    if found is None:
        raise NotAcceptable([fmt.media_type for fmt in offers])
    return found


def _negotiate_uncached(accept: str, offers: tuple[Format, ...]) -> Format | None:
    try:
        parsed = parse_accept_header(accept, MIMEAccept)
        pairs = _media_types(offers)
        best = parsed.best_match([mt for mt, _ in pairs])
    except Exception:  # werkzeug is lenient; this is belt and braces against odd input
        best = None
    if best is None:
        return None
    for mt, fmt in pairs:
        if mt == best:
            return fmt
    return None  # pragma: no cover


_negotiate_cached = functools.lru_cache(maxsize=1024)(_negotiate_uncached)


def negotiate_language(
    accept_language: str | None,
    explicit: str | None = None,
    offers: tuple[str, ...] = LANGUAGES,
) -> str:
    """The page language: ``explicit`` (``?lang=``) if offered, else Accept-Language, else sv."""
    if explicit and explicit in offers:
        return explicit
    if accept_language and len(accept_language) <= 1000:
        return _language_cached(accept_language, offers)
    return _language(accept_language, offers)


def _language(accept_language: str | None, offers: tuple[str, ...]) -> str:
    if accept_language:
        try:
            parsed = parse_accept_header(accept_language, LanguageAccept)
        except Exception:
            parsed = LanguageAccept()
        # werkzeug orders by quality; match on the primary subtag (sv-SE -> sv)
        for value, quality in parsed:
            if quality <= 0:
                continue
            if value == "*":
                return offers[0]
            primary = value.replace("_", "-").split("-", 1)[0].lower()
            if primary in offers:
                return primary
    return offers[0]


_language_cached = functools.lru_cache(maxsize=1024)(_language)
