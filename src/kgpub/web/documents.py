"""Resource documents: /id/ (303) and /doc/ (negotiated), /ontology, /shapes, home."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime

from flask import Blueprint, Response, request
from werkzeug.http import http_date, quote_etag

from kgpub.formats import DOCUMENT_FORMATS, HTML, N_QUADS, TRIG, Format
from kgpub.negotiation import LANG_COOKIE, negotiate, negotiate_language
from kgpub.rendering.rendered import Rendered
from kgpub.site.twins import language_dependent
from kgpub.web.current import site

bp = Blueprint("resources", __name__)


def split_suffix(path: str) -> tuple[str, str | None]:
    """``"haninge.ttl"`` -> ``("haninge", "ttl")``; no dot in the last segment -> no suffix."""
    last = path.rsplit("/", 1)[-1]
    if "." in last:
        stem, ext = path.rsplit(".", 1)
        return stem, ext
    return path, None


def page_language() -> str:
    """``?lang=``, else the language chosen earlier (cookie), else Accept-Language."""
    explicit = request.args.get("lang") or request.cookies.get(LANG_COOKIE)
    return negotiate_language(request.headers.get("Accept-Language"), explicit)


PATH_SLOT = "\0"  # where a document's path goes in a Link template


#: How long a document may be kept, and who may read it: open CORS on documents, set here
#: rather than by flask-cors's per-request matching (the front sends the same).
DOCUMENT_SHARING: tuple[tuple[str, str], ...] = (
    ("Cache-Control", "public, max-age=60"),
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Expose-Headers", "ETag, Last-Modified, Link, Vary"),
)


@functools.lru_cache(maxsize=64)
def link_template(offers: tuple[Format, ...]) -> str:
    """The Link header of a document with ``offers``, its path left as ``PATH_SLOT`` (a few
    offer lists in all: a per-document cache would grow with the documents asked for)."""
    return ", ".join(
        f'<{PATH_SLOT}.{f.extension}>; rel="alternate"; type="{f.media_type}"' for f in offers
    )


def _document_headers(
    doc_path: str,
    etag: str,
    last_modified: str,
    vary: str,
    offers: tuple[Format, ...] = DOCUMENT_FORMATS,
) -> tuple[tuple[str, str], ...]:
    """The headers of a document response."""
    return (
        ("Vary", vary),
        ("Link", link_template(offers).replace(PATH_SLOT, doc_path)),
        ("ETag", quote_etag(etag)),
        ("Last-Modified", last_modified),
        *DOCUMENT_SHARING,
    )


@functools.lru_cache(maxsize=4)
def _last_modified(loaded_at: datetime) -> str:
    """The Last-Modified of a snapshot's documents, formatted once per snapshot."""
    return http_date(loaded_at)


def document_response(
    rendered: Rendered,
    fmt: Format,
    doc_path: str,
    negotiated: bool,
    offers: tuple[Format, ...] = DOCUMENT_FORMATS,
    tag: str = "",
) -> Response:
    """The response for a negotiable document at ``doc_path`` (without suffix); ``tag``
    tells apart the variants of one format (a query string)."""

    s = site()
    published = s.publisher.require()
    by_language = language_dependent(fmt)
    explicit_lang = by_language and "lang" in request.args
    lang = page_language() if by_language else ""
    headers = _document_headers(
        doc_path,
        f"{published.etag}-{fmt.extension}-{lang}{tag}",
        _last_modified(published.loaded_at),
        "Accept, Accept-Language, Cookie" if by_language and not explicit_lang else "Accept",
        offers,
    )
    resp = Response(rendered.body, headers=headers, content_type=rendered.content_type)
    environ = request.environ
    if "HTTP_IF_NONE_MATCH" in environ or "HTTP_IF_MODIFIED_SINCE" in environ:
        resp.make_conditional(request)
    return resp


def negotiated(
    doc_path: str,
    render: Callable[[Format, str], Rendered],
    suffix: str | None,
    offers: tuple[Format, ...] = DOCUMENT_FORMATS,
) -> Response:
    fmt = negotiate(request.headers.get("Accept"), suffix, offers)
    lang = page_language() if language_dependent(fmt) else ""
    rendered = render(fmt, lang)
    tag = "-" + request.query_string.decode("latin-1") if fmt not in DOCUMENT_FORMATS else ""
    return document_response(rendered, fmt, doc_path, suffix is None, offers, tag)


def table_name() -> str | None:
    """``?table=NAME``: which of a view's tables a CSV holds (None: the first)."""
    return request.args.get("table") or None


@bp.get("/id/<path:path>")
def thing(path: str) -> Response:
    target = "/doc/" + path
    resp = Response(status=303, headers={"Location": target})
    resp.headers["Vary"] = "Accept"
    resp.headers["Access-Control-Allow-Origin"] = "*"
    return resp


@bp.get("/doc/<path:path>")
def document(path: str) -> Response:

    stem, suffix = split_suffix(path)

    def render(fmt: Format, lang: str) -> Rendered:
        if fmt not in DOCUMENT_FORMATS:  # a municipality overview's tables
            return site().twin("overview", (stem,), fmt, lang, table_name())
        return site().resource(stem, fmt, lang, request.host_url if fmt is HTML else "")

    return negotiated("/doc/" + stem, render, suffix, site().document_offers(stem))


@bp.get("/graph/<path:path>")
def graph(path: str) -> Response:

    stem, suffix = split_suffix(path)
    return negotiated(
        "/graph/" + stem,
        lambda fmt, lang: site().graph(stem, fmt, lang, request.host_url),
        suffix,
        (*DOCUMENT_FORMATS, N_QUADS, TRIG),
    )


@bp.get("/ontology")
@bp.get("/ontology.<ext>")
def ontology(ext: str | None = None) -> Response:

    return negotiated(
        "/ontology", lambda fmt, lang: site().ontology(fmt, lang, request.host_url), ext
    )


@bp.get("/shapes")
@bp.get("/shapes.<ext>")
def shapes(ext: str | None = None) -> Response:

    return negotiated("/shapes", lambda fmt, lang: site().shapes(fmt, lang, request.host_url), ext)


def html_response(rendered: Rendered, tag: str) -> Response:
    """An HTML page that depends only on the snapshot and the language (ETag, Vary, 304)."""

    s = site()
    resp = Response(rendered.body, content_type=rendered.content_type)
    if "lang" not in request.args:
        resp.headers["Vary"] = "Accept-Language, Cookie"
    resp.set_etag(f"{s.publisher.require().etag}-{tag}-{page_language()}")
    resp.last_modified = s.loaded_at
    resp.headers["Cache-Control"] = "public, max-age=60"
    resp.make_conditional(request)
    return resp


def view_response(
    offers: tuple[Format, ...],
    suffix: str | None,
    render: Callable[[Format, str], Rendered],
    tag: str,
) -> Response:
    """A view across resources in the format the suffix or Accept picks from ``offers``
    (406 with the offers when none fits): ETag, ``Vary: Accept`` (and the language headers
    where the format depends on the language), 304; its machine twins open to every origin."""

    fmt = negotiate(request.headers.get("Accept"), suffix, offers)
    lang = page_language()
    rendered = render(fmt, lang)
    resp = Response(rendered.body, content_type=rendered.content_type)
    by_language = language_dependent(fmt)
    explicit = "lang" in request.args
    resp.headers["Vary"] = (
        "Accept" if explicit or not by_language else "Accept, Accept-Language, Cookie"
    )
    resp.set_etag(
        f"{site().publisher.require().etag}-{tag}-{fmt.extension}-{lang if by_language else ''}"
    )
    resp.last_modified = site().loaded_at
    resp.headers["Cache-Control"] = "public, max-age=60"
    if fmt is not HTML:
        resp.headers["Access-Control-Allow-Origin"] = "*"
    resp.make_conditional(request)
    return resp


@bp.get("/")
def home() -> Response:

    return html_response(site().home(page_language(), request.host_url), "home")
