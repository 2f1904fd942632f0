"""Views across resources: the municipality list, a municipality's alignment matrix and the
comparison page."""

from __future__ import annotations

from flask import Blueprint, Response, abort, request

from kgpub.web.documents import html_response, page_language

bp = Blueprint("views", __name__)

MAX_COMPARED = 6


@bp.get("/municipalities")
def municipality_list() -> Response:
    """Every municipality by name; ``?letter=K`` lists those under one initial letter."""
    from kgpub.web.app import site

    letter = request.args.get("letter")
    if letter is not None:
        letter = letter.strip().upper()
        if len(letter) != 1:
            abort(400, "letter must be one letter, such as ?letter=H")
    page = request.args.get("page", "1")
    if not page.isdigit() or int(page) < 1:
        abort(400, "page must be a whole number from 1, such as &page=2")
    rendered = site().municipality_list(letter, page_language(), request.host_url, int(page))
    tag = f"municipalities-{letter.encode().hex() if letter else 'all'}-{int(page)}"
    return html_response(rendered, tag)


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
