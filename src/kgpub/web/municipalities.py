"""Views across resources: the municipality list, a municipality's alignment matrix and the
comparison page, each with its machine twins (CSV, JSON; the alignment also as RDF)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, request

from kgpub.formats import ALIGNMENT_FORMATS, HTML, TABLE_FORMATS, Format
from kgpub.rendering.rendered import Rendered
from kgpub.web.current import site
from kgpub.web.documents import split_suffix, table_name, view_response

bp = Blueprint("views", __name__)

MAX_COMPARED = 6


@bp.get("/municipalities")
@bp.get("/municipalities.<ext>")
def municipality_list(ext: str | None = None) -> Response:
    """Every municipality by name; ``?letter=K`` lists those under one initial letter."""

    letter = request.args.get("letter")
    if letter is not None:
        letter = letter.strip().upper()
        if len(letter) != 1:
            abort(400, "letter must be one letter, such as ?letter=H")
    page = request.args.get("page", "1")
    if not page.isdigit() or int(page) < 1:
        abort(400, "page must be a whole number from 1, such as &page=2")

    def render(fmt: Format, lang: str) -> Rendered:
        if fmt is HTML:
            return site().municipality_list(letter, lang, request.host_url, int(page))
        return site().twin("municipalities", (letter, int(page)), fmt, lang, table_name())

    tag = f"municipalities-{letter.encode().hex() if letter else 'all'}-{int(page)}"
    return view_response(TABLE_FORMATS, ext, render, tag + _table_tag())


@bp.get("/alignment/<path:path>")
def alignment(path: str) -> Response:

    stem, suffix = split_suffix(path)

    def render(fmt: Format, lang: str) -> Rendered:
        if fmt is HTML:
            return site().alignment(stem, lang, request.host_url)
        return site().twin("alignment", (stem,), fmt, lang, table_name())

    return view_response(ALIGNMENT_FORMATS, suffix, render, "alignment-" + stem + _table_tag())


@bp.get("/compare")
@bp.get("/compare.<ext>")
def compare(ext: str | None = None) -> Response:
    """``/compare?m=haninge&m=haparanda``: the municipalities side by side (up to six)."""

    slugs: list[str] = []
    for value in request.args.getlist("m"):
        slug = value.strip().strip("/")
        if slug and slug not in slugs:
            slugs.append(slug)
    if len(slugs) > MAX_COMPARED:
        abort(400, f"At most {MAX_COMPARED} municipalities can be compared at once.")

    def render(fmt: Format, lang: str) -> Rendered:
        if fmt is HTML:
            return site().compare(slugs, lang, request.host_url)
        return site().twin("compare", (tuple(slugs),), fmt, lang, table_name())

    return view_response(TABLE_FORMATS, ext, render, "compare-" + "+".join(slugs) + _table_tag())


def _table_tag() -> str:
    table = table_name()
    return f"-table-{table.encode().hex()}" if table else ""
