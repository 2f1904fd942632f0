"""One mapper from domain errors to HTTP status and a negotiated body."""

from __future__ import annotations

from flask import Flask, Response, current_app, request
from werkzeug.datastructures import MIMEAccept
from werkzeug.exceptions import HTTPException
from werkzeug.http import parse_accept_header

from kgpub.errors import (
    BadRequest,
    KgpubError,
    NotAcceptable,
    NotFound,
    StoreBadAnswer,
    StoreUnavailable,
)
from kgpub.negotiation import negotiate_language


def wants_html() -> bool:
    """Whether the client is a browser (prefers HTML over plain text)."""
    accept = request.headers.get("Accept", "")
    if not accept:
        return False
    try:
        best = parse_accept_header(accept, MIMEAccept).best_match(["text/html", "text/plain"])
    except Exception:
        return False
    return best == "text/html"


def _text(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    resp = Response(
        message.rstrip("\n") + "\n", status=status, content_type="text/plain; charset=utf-8"
    )
    resp.headers["Vary"] = "Accept"
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


def not_found_response(message: str) -> Response:
    if wants_html():
        from kgpub.web.app import site

        lang = negotiate_language(request.headers.get("Accept-Language"), request.args.get("lang"))
        try:
            body = site().not_found(lang, request.host_url, request.path)
        except KgpubError:
            return _text(404, message)
        resp = Response(body, status=404, content_type="text/html; charset=utf-8")
        resp.headers["Vary"] = "Accept"
        return resp
    return _text(404, f"404 Not Found: {message}")


def handle_kgpub_error(exc: KgpubError) -> Response:
    if isinstance(exc, NotFound):
        return not_found_response(str(exc))
    if isinstance(exc, NotAcceptable):
        return _text(406, "406 Not Acceptable. Available formats:\n" + "\n".join(exc.offers))
    if isinstance(exc, BadRequest):
        return _text(400, f"400 Bad Request: {exc}")
    if isinstance(exc, StoreBadAnswer):
        return _text(502, f"502 Bad Gateway: {exc}")
    if isinstance(exc, StoreUnavailable):
        return _text(503, f"503 Service Unavailable: {exc}", {"Retry-After": "5"})
    current_app.logger.exception("unexpected domain error")
    return _text(500, f"500 Internal Server Error: {exc}")


def handle_http_error(exc: HTTPException) -> Response:
    if exc.code == 404:
        return not_found_response(f"{request.path} does not exist")
    resp = exc.get_response()
    return resp  # type: ignore[return-value]


def register_errors(app: Flask) -> None:
    app.register_error_handler(KgpubError, handle_kgpub_error)
    app.register_error_handler(HTTPException, handle_http_error)
