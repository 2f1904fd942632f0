"""Resource documents: /id/ (303) and /doc/ (negotiated), /ontology, /shapes, home."""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import Blueprint, Response, request
from werkzeug.http import http_date, quote_etag

from kgpub.formats import DOCUMENT_FORMATS, HTML, N_QUADS, TRIG, Format
from kgpub.negotiation import negotiate, negotiate_language
from kgpub.rendering.rendered import Rendered

bp = Blueprint("resources", __name__)


def split_suffix(path: str) -> tuple[str, str | None]:
    """``"haninge.ttl"`` -> ``("haninge", "ttl")``; no dot in the last segment -> no suffix."""
    last = path.rsplit("/", 1)[-1]
    if "." in last:
        stem, ext = path.rsplit(".", 1)
        return stem, ext
    return path, None


LANG_COOKIE = "kgpub_lang"


def page_language() -> str:
    """``?lang=``, else the language chosen earlier (cookie), else Accept-Language."""
    explicit = request.args.get("lang") or request.cookies.get(LANG_COOKIE)
    return negotiate_language(request.headers.get("Accept-Language"), explicit)


@functools.lru_cache(maxsize=4096)
def _document_headers(
    doc_path: str, media_type: str, etag: str, last_modified: str, vary: str
) -> tuple[tuple[str, str], ...]:
    """The headers of a document response (built once per document, format and snapshot)."""
    link = ", ".join(
        f'<{doc_path}.{f.extension}>; rel="alternate"; type="{f.media_type}"'
        for f in DOCUMENT_FORMATS
    )
    return (
        ("Vary", vary),
        ("Link", link),
        ("ETag", quote_etag(etag)),
        ("Last-Modified", last_modified),
        ("Cache-Control", "public, max-age=60"),
        # open CORS on documents, set here rather than by flask-cors's per-request matching
        ("Access-Control-Allow-Origin", "*"),
        ("Access-Control-Expose-Headers", "ETag, Last-Modified, Link, Vary"),
    )


def document_response(rendered: Rendered, fmt: Format, doc_path: str, negotiated: bool) -> Response:
    """The response for a negotiable document at ``doc_path`` (without suffix)."""
    from kgpub.web.app import site

    s = site()
    published = s.publisher.require()
    html = fmt is HTML
    explicit_lang = html and "lang" in request.args
    lang = page_language() if html else ""
    headers = _document_headers(
        doc_path,
        fmt.media_type,
        f"{published.etag}-{fmt.extension}-{lang}",
        http_date(published.loaded_at),
        "Accept, Accept-Language, Cookie" if html and not explicit_lang else "Accept",
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
    lang = page_language() if fmt is HTML else ""
    return document_response(render(fmt, lang), fmt, doc_path, negotiated=suffix is None)


@bp.get("/id/<path:path>")
def thing(path: str) -> Response:
    target = "/doc/" + path
    resp = Response(status=303, headers={"Location": target})
    resp.headers["Vary"] = "Accept"
    resp.headers["Access-Control-Allow-Origin"] = "*"
    return resp


@bp.get("/doc/<path:path>")
def document(path: str) -> Response:
    from kgpub.web.app import site

    stem, suffix = split_suffix(path)
    return negotiated(
        "/doc/" + stem,
        lambda fmt, lang: site().resource(stem, fmt, lang, request.host_url if fmt is HTML else ""),
        suffix,
    )


@bp.get("/graph/<path:path>")
def graph(path: str) -> Response:
    from kgpub.web.app import site

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
    from kgpub.web.app import site

    return negotiated(
        "/ontology", lambda fmt, lang: site().ontology(fmt, lang, request.host_url), ext
    )


@bp.get("/shapes")
@bp.get("/shapes.<ext>")
def shapes(ext: str | None = None) -> Response:
    from kgpub.web.app import site

    return negotiated("/shapes", lambda fmt, lang: site().shapes(fmt, lang, request.host_url), ext)


def html_response(rendered: Rendered, tag: str) -> Response:
    """An HTML page that depends only on the snapshot and the language (ETag, Vary, 304)."""
    from kgpub.web.app import site

    s = site()
    resp = Response(rendered.body, content_type=rendered.content_type)
    if "lang" not in request.args:
        resp.headers["Vary"] = "Accept-Language, Cookie"
    resp.set_etag(f"{s.publisher.require().etag}-{tag}-{page_language()}")
    resp.last_modified = s.loaded_at
    resp.headers["Cache-Control"] = "public, max-age=60"
    resp.make_conditional(request)
    return resp


@bp.get("/")
def home() -> Response:
    from kgpub.web.app import site

    return html_response(site().home(page_language(), request.host_url), "home")
