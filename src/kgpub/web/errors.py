"""The one mapper from domain errors to HTTP: status, headers and a negotiated body.

Every page family raises :class:`kgpub.errors.KgpubError` subclasses; this module alone
knows their statuses. Bodies: a browser gets a page (the site's "not found" page, or the
SPARQL query page with the error shown in it), any other client plain text.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, g, request
from werkzeug.exceptions import HTTPException

from kgpub import errors
from kgpub.errors import KgpubError
from kgpub.formats import PLAIN_TEXT
from kgpub.negotiation import negotiate_language, prefers_html
from kgpub.web.current import site

#: The status of each kind of domain error (the first class in the MRO that is listed
#: decides); anything else is a 500.
STATUS: dict[type[KgpubError], int] = {
    errors.NotFound: 404,
    errors.NotAcceptable: 406,
    errors.UnsupportedMediaType: 415,
    errors.BadRequest: 400,
    # the request is fine, the answer too big to send: 413 would blame the request
    errors.ResultTooLarge: 400,
    errors.QueryTimeout: 503,
    errors.EndpointBusy: 503,
    errors.QueryOutOfMemory: 503,
    errors.StoreBadAnswer: 502,
    errors.TooManyQueries: 429,
    errors.StoreUnavailable: 503,
    errors.QueryFailed: 500,
}
REASONS = {
    400: "Bad Request",
    404: "Not Found",
    406: "Not Acceptable",
    415: "Unsupported Media Type",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}
RETRY_AFTER_SECONDS = 5


def status_of(exc: KgpubError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


def wants_html() -> bool:
    """Whether the client is a browser (prefers HTML over plain text)."""
    return prefers_html(request.headers.get("Accept"))


def _text(status: int, message: str) -> Response:
    resp = Response(
        message.rstrip("\n") + "\n", status=status, content_type=PLAIN_TEXT.content_type
    )
    resp.headers["Vary"] = "Accept"
    return resp


def not_found_response(message: str) -> Response:
    if wants_html():
        lang = negotiate_language(request.headers.get("Accept-Language"), request.args.get("lang"))
        try:
            body = site().not_found(lang, request.host_url, request.path)
        except KgpubError:
            return _text(404, message)
        resp = Response(body, status=404, content_type="text/html; charset=utf-8")
        resp.headers["Vary"] = "Accept"
        return resp
    return _text(404, f"404 Not Found: {message}")


def _sparql_body(exc: KgpubError, status: int) -> Response:
    """/sparql: the query page with the error for a browser; the message alone otherwise."""
    from kgpub.web import sparql

    if getattr(g, "sparql_page", False):
        query = getattr(g, "sparql_query", "")
        return sparql.query_page(query, status=status, error=exc.message)
    text = exc.message
    if isinstance(exc, errors.NotAcceptable) and exc.offers:
        text += "\n\nOffered media types:\n" + "\n".join(exc.offers)
    return sparql.cors(Response(text + "\n", status=status, content_type=PLAIN_TEXT.content_type))


def _page_body(exc: KgpubError, status: int) -> Response:
    """Every other page family."""
    if isinstance(exc, errors.NotFound):
        return not_found_response(str(exc))
    if isinstance(exc, errors.NotAcceptable):
        return _text(406, "406 Not Acceptable. Available formats:\n" + "\n".join(exc.offers))
    if status == 500:
        current_app.logger.exception("unexpected domain error")
    return _text(status, f"{status} {REASONS.get(status, 'Error')}: {exc}")


def handle_kgpub_error(exc: KgpubError) -> Response:
    status = status_of(exc)
    if request.blueprint == "sparql":
        response = _sparql_body(exc, status)
    else:
        response = _page_body(exc, status)
    if status in (429, 503):
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def handle_http_error(exc: HTTPException) -> Response:
    if exc.code == 404:
        return not_found_response(f"{request.path} does not exist")
    resp = exc.get_response()
    return resp  # type: ignore[return-value]


def register_errors(app: Flask) -> None:
    app.register_error_handler(KgpubError, handle_kgpub_error)
    app.register_error_handler(HTTPException, handle_http_error)
