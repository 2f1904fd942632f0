"""The W3C Reconciliation Service API 0.2 at ``/reconcile`` (the answers come from
``kgpub.site.reconcile``; this module reads requests and writes responses).

- ``GET /reconcile``: the manifest; ``queries=`` (GET or form-encoded POST) a reconciliation
  batch; ``extend=`` a data-extension request;
- ``/reconcile/suggest/entity|type|property?prefix=&cursor=``, ``/reconcile/properties``
  (properties to propose for a type), ``/reconcile/preview?id=`` (a small HTML card) and
  ``/reconcile/view?id=`` (303 to the entity's HTML page).

Every answer allows any origin (CORS); JSON answers are JSONP with ``callback=`` (a plain
JavaScript name, else 400). Malformed input is a 400 with a JSON ``{"error": ...}``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, cast

from flask import Blueprint, Response, current_app, redirect, request
from flask.blueprints import BlueprintSetupState

from kgpub.errors import BadRequest, NotFound
from kgpub.site.reconcile import CatalogueCache, Reconciler
from kgpub.uris import UriScheme
from kgpub.web.documents import page_language
from kgpub.web.search import search_cache

bp = Blueprint("reconcile", __name__)

EXTENSION = "kgpub_reconcile"
_CALLBACK = re.compile(r"[A-Za-z_$][\w$]{0,63}(\.[A-Za-z_$][\w$]{0,63}){0,4}", re.ASCII)


@bp.record_once
def _install(state: BlueprintSetupState) -> None:
    state.app.extensions[EXTENSION] = CatalogueCache(state.app.extensions["kgpub_publisher"])


@bp.after_request
def _cors(response: Response) -> Response:
    """Open CORS on every answer; a preflight also says which methods and headers."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type, Accept"
        response.headers["Access-Control-Max-Age"] = "86400"
    return response


def _reconciler() -> Reconciler:
    publisher = current_app.extensions["kgpub_publisher"]
    catalogue = cast(CatalogueCache, current_app.extensions[EXTENSION]).catalogue()
    return Reconciler(search_cache().index(), catalogue, publisher.store, page_language())


def _base_iri() -> str:
    return str(current_app.extensions["kgpub_publisher"].settings.base_iri)


def _json(data: Any, status: int = 200) -> Response:
    """JSON, or JSONP when ``callback=`` names a function (any other callback is a 400)."""
    callback = request.values.get("callback")
    if callback is None or not _CALLBACK.fullmatch(callback):
        body = json.dumps(data, ensure_ascii=False)
        return Response(body, status=status, content_type="application/json; charset=utf-8")
    script = f"/**/{callback}({json.dumps(data, ensure_ascii=True)});"
    resp = Response(script, status=status, content_type="application/javascript; charset=utf-8")
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp


def _error(message: str, status: int = 400) -> Response:
    body = json.dumps({"error": message, "status": status}, ensure_ascii=False)
    return Response(body, status=status, content_type="application/json; charset=utf-8")


def _answer(make: Callable[[], Any]) -> Response:
    """``make()`` as JSON; a ``BadRequest`` or ``NotFound`` it raises as a JSON error."""
    callback = request.values.get("callback")
    if callback is not None and not _CALLBACK.fullmatch(callback):
        return _error("callback must be a JavaScript name such as jsonp_1 or ns.cb")
    try:
        return _json(make())
    except BadRequest as exc:
        return _json({"error": str(exc), "status": 400}, 400)
    except NotFound as exc:
        return _json({"error": str(exc), "status": 404}, 404)


def _service_url() -> str:
    return request.host_url + "reconcile"


def _int_arg(name: str, default: int) -> int:
    raw = request.values.get(name)
    if raw is None or raw == "":
        return default
    try:
        return max(0, int(raw))
    except ValueError:
        raise BadRequest(f"{name} must be a whole number: {raw!r}") from None


@bp.route("/reconcile", methods=["GET", "POST"])
def service() -> Response:
    """The manifest, a ``queries=`` batch or an ``extend=`` request."""
    values = request.values
    if "queries" in values:
        return _answer(lambda: _reconciler().reconcile(values["queries"]))
    if "extend" in values:
        return _answer(lambda: _reconciler().extend(values["extend"]))
    return _answer(lambda: _reconciler().manifest(_service_url(), _base_iri()))


@bp.get("/reconcile/suggest/<kind>")
def suggest(kind: str) -> Response:
    """Suggestions for what a user types: ``entity`` (optionally of ``type``), ``type`` or
    ``property``; ``cursor`` skips that many."""

    def make() -> Any:
        prefix, cursor = request.values.get("prefix", ""), _int_arg("cursor", 0)
        reconciler = _reconciler()
        if kind == "entity":
            return reconciler.suggest_entities(prefix, request.values.get("type"), cursor)
        if kind == "type":
            return reconciler.suggest_types(prefix, cursor)
        if kind == "property":
            return reconciler.suggest_properties(prefix, cursor)
        raise NotFound(f"no suggest service {kind!r}: entity, type or property")

    return _answer(make)


@bp.get("/reconcile/properties")
def propose_properties() -> Response:
    """The properties worth fetching for ``type`` (data extension's property proposals)."""
    return _answer(
        lambda: _reconciler().propose_properties(
            request.values.get("type"), min(_int_arg("limit", 20), 100)
        )
    )


def _entity_arg() -> str:
    iri = request.args.get("id", "").strip()
    if not iri:
        raise BadRequest("id is missing: the entity's IRI")
    return iri


def _page_url(iri: str) -> str:
    uris = UriScheme(_base_iri())
    doc = uris.doc_of(iri)
    return uris.to_local_url(doc + ".html", request.host_url) if doc else iri


@bp.get("/reconcile/preview")
def preview() -> Response:
    """A small HTML card about one entity (for a client's pop-up; no script in it)."""
    try:
        iri = _entity_arg()
        body = _reconciler().preview(iri, _page_url(iri))
    except BadRequest as exc:
        return _error(str(exc))
    except NotFound as exc:
        return _error(str(exc), 404)
    resp = Response(body, content_type="text/html; charset=utf-8")
    resp.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return resp


@bp.get("/reconcile/view")
def view() -> Response:
    """``303 See Other`` to the entity's HTML page."""
    try:
        iri = _entity_arg()
    except BadRequest as exc:
        return _error(str(exc))
    if UriScheme(_base_iri()).doc_of(iri) is None:
        return _error(f"not an entity of this service: {iri}", 404)
    return cast(Response, redirect(_page_url(iri), code=303))
