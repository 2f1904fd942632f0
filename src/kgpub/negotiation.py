"""Content negotiation, pure: an Accept header (and an optional file suffix) to a Format.

The only Accept parser in kgpub: documents, SPARQL results and "does the client want an
HTML page" all come through :func:`negotiate`. Parsing is werkzeug's (q-values, wildcards,
specificity); a malformed header never raises anything but :class:`NotAcceptable`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

from werkzeug.datastructures import LanguageAccept, MIMEAccept
from werkzeug.http import parse_accept_header

from kgpub.errors import NotAcceptable, NotFound
from kgpub.formats import DOCUMENT_FORMATS, HTML, PLAIN_TEXT, Format, from_extension, from_key

LANGUAGES: tuple[str, ...] = ("sv", "en")
#: The cookie that keeps a language chosen with ``?lang=``, and for how long (seconds).
LANG_COOKIE = "kgpub_lang"
LANG_COOKIE_MAX_AGE = 365 * 86400


def variants(offers: tuple[Format, ...]) -> Iterator[tuple[str, Format]]:
    """Every (language, format) a document offered in ``offers`` comes in: an HTML page in
    each language, any other format once (language "")."""
    for fmt in offers:
        for lang in LANGUAGES if fmt is HTML else ("",):
            yield lang, fmt


def _media_types(offers: tuple[Format, ...], sparql: bool) -> list[tuple[str, Format]]:
    # aliases last, so that a wildcard such as application/* picks a primary type
    pairs: list[tuple[str, Format]] = [(fmt.media_type, fmt) for fmt in offers]
    for fmt in offers:
        pairs.extend((alias, fmt) for alias in fmt.aliases)
    if sparql:
        for fmt in offers:
            pairs.extend((alias, fmt) for alias in fmt.sparql_aliases)
    return pairs


def negotiate(
    accept: str | None,
    suffix: str | None = None,
    offers: tuple[Format, ...] = DOCUMENT_FORMATS,
    sparql: bool = False,
) -> Format:
    """The format to answer with.

    ``suffix`` (an extension such as ``"ttl"``) wins over Accept; an unknown suffix is a
    :class:`NotFound` (the document with that name does not exist). No or empty Accept gives
    the first offer. Raises :class:`NotAcceptable` when nothing offered fits. ``sparql``
    also accepts the older media types SPARQL clients send (:attr:`Format.sparql_aliases`).
    """
    if suffix:
        fmt = from_extension(suffix, offers)
        if fmt is None:
            raise NotFound(f"no document with the suffix .{suffix}")
        return fmt
    if accept is None or not accept.strip():
        return offers[0]
    if len(accept) <= 1000:  # typical headers repeat: remember their outcome
        found = _negotiate_cached(accept, offers, sparql)
    else:
        found = _negotiate_uncached(accept, offers, sparql)
    if found is None:
        raise NotAcceptable([fmt.media_type for fmt in offers])
    return found


def _negotiate_uncached(accept: str, offers: tuple[Format, ...], sparql: bool) -> Format | None:
    pairs = _media_types(offers, sparql)
    try:
        parsed = parse_accept_header(accept, MIMEAccept)
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


def prefers_html(
    accept: str | None, others: tuple[Format, ...] = (PLAIN_TEXT,), html_wins_ties: bool = True
) -> bool:
    """Whether the client asks for an HTML page rather than any of ``others`` (a browser).

    No Accept header means a program, not a browser. With ``html_wins_ties`` a header that
    likes HTML as much as the others (``*/*``) gets HTML; without it, the others.
    """
    if accept is None or not accept.strip():
        return False
    offers = (HTML, *others) if html_wins_ties else (*others, HTML)
    try:
        return negotiate(accept, offers=offers) is HTML
    except NotAcceptable:
        return False


def negotiate_result(
    accept: str | None, offers: tuple[Format, ...], explicit: str | None = None
) -> Format:
    """A SPARQL result format: ``explicit`` (``?format=json`` or a media type) wins, then
    Accept; no Accept, or ``*/*``, gives the first offer. Raises :class:`NotAcceptable`."""
    media_types = [f.media_type for f in offers]
    if explicit:
        wanted = from_key(explicit, offers)
        if wanted is None:
            raise NotAcceptable(
                media_types,
                f"Unknown or unsuitable result format '{explicit}' for this query; "
                f"offered: {', '.join(f.key for f in offers)}.",
            )
        return wanted
    try:
        return negotiate(accept, offers=offers, sparql=True)
    except NotAcceptable:
        raise NotAcceptable(
            media_types,
            "None of the result formats this endpoint offers for this query matches the "
            f"Accept header '{accept}'. Offered: {', '.join(media_types)}.",
        ) from None


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
