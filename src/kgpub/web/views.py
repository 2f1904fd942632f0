"""Views across resources: a municipality's alignment matrix and the comparison page."""

from __future__ import annotations

from flask import Blueprint, Response, abort, request

from kgpub.web.resources import html_response, page_language

bp = Blueprint("views", __name__)

MAX_COMPARED = 6


@bp.get("/alignment/<path:path>")
def alignment(path: str) -> Response:
    from kgpub.web.app import site

    rendered = site().alignment(path, page_language(), request.host_url)
    return html_response(rendered, "alignment-" + path)


@bp.get("/compare")
def compare() -> Response:
    """``/compare?m=haninge&m=haparanda``: the municipalities side by side (up to six)."""
    from kgpub.web.app import site

    slugs: list[str] = []
    for value in request.args.getlist("m"):
        slug = value.strip().strip("/")
        if slug and slug not in slugs:
            slugs.append(slug)
    if len(slugs) > MAX_COMPARED:
        abort(400, f"At most {MAX_COMPARED} municipalities can be compared at once.")
    rendered = site().compare(slugs, page_language(), request.host_url)
    return html_response(rendered, "compare-" + "+".join(slugs))
