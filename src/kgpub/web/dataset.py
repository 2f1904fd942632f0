"""/dataset (VoID + DCAT), /dumps/, /sitemap.xml and /robots.txt."""

from __future__ import annotations

from flask import Blueprint, Response, request

from kgpub.web.current import site
from kgpub.web.documents import negotiated, page_language

bp = Blueprint("dataset", __name__)


@bp.get("/dataset")
@bp.get("/dataset.<ext>")
def dataset(ext: str | None = None) -> Response:

    return negotiated(
        "/dataset", lambda fmt, lang: site().dataset(fmt, lang, request.host_url), ext
    )


def _static(body: bytes, content_type: str, tag: str) -> Response:

    s = site()
    resp = Response(body, content_type=content_type)
    resp.set_etag(f"{s.publisher.require().etag}-{tag}")
    resp.last_modified = s.loaded_at
    resp.make_conditional(request)
    return resp


@bp.get("/dumps/")
def dumps_index() -> Response:

    lang = page_language()
    rendered = site().dumps_index(lang, request.host_url)
    return _static(rendered.body, rendered.content_type, f"dumps-{lang}")


@bp.get("/dumps/<name>")
def dump(name: str) -> Response:

    rendered = site().dump(name)
    resp = _static(rendered.body, rendered.content_type, name)
    resp.headers["Content-Disposition"] = f'inline; filename="{name}"'
    return resp


@bp.get("/sitemap.xml")
def sitemap() -> Response:

    rendered = site().sitemap(request.host_url)
    return _static(rendered.body, rendered.content_type, "sitemap")


@bp.get("/robots.txt")
def robots() -> Response:
    body = f"User-agent: *\nAllow: /\nSitemap: {request.host_url}sitemap.xml\n"
    return Response(body, content_type="text/plain; charset=utf-8")
