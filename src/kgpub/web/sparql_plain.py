"""Plain queries answered before Flask: a ``GET /sparql?query=...`` with nothing else to it.

Flask's request handling (context, routing, after-request hooks) costs more than pyoxigraph
needs for a lookup by IRI (some 20 µs), and reading the query twice (here, then in the view)
as much again for a long one. This WSGI layer, right in front of Flask, answers such a
request with the calls the ``/sparql`` view makes (the protocol's parsing and policy, result
negotiation, :meth:`SparqlService.answer`: in the request's thread when the query is bounded,
else in a query worker under the admission's slots and queue) and the headers the view and
the app's hooks give it.

Anything else passes to Flask untouched, which answers it as it always did: another method
or path, any parameter besides one ``query``, a request body, ``Accept-Encoding`` (Flask
compresses), a browser asking for the query page, a format hint. A query this layer ran and
that failed (a refusal, a syntax error, the time limit) goes to Flask too, with its error
left in the environ (:data:`RAISED_BEFORE_FLASK`) for the view to raise: the one error mapper
writes every error answer, and no query runs twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl

from kgpub import formats
from kgpub.negotiation import negotiate_result
from kgpub.sparql.protocol import parse_request, result_offers
from kgpub.web.headers import SECURITY_HEADERS
from kgpub.web.sparql import RAISED_BEFORE_FLASK, SparqlService, wants_query_page

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

#: The headers of a result besides its type and length: what ``web.sparql.cors`` sets, the
#: ``Vary`` flask-compress completes on every answer, and the security headers.
RESULT_HEADERS: tuple[tuple[str, str], ...] = (
    ("Access-Control-Allow-Origin", "*"),
    ("Vary", "Accept, Accept-Encoding"),
    *SECURITY_HEADERS.items(),
)
#: Request headers that take a request to Flask: a body, or compression.
_TO_FLASK = ("HTTP_ACCEPT_ENCODING", "CONTENT_TYPE", "HTTP_TRANSFER_ENCODING")


class PlainQueries:
    """WSGI middleware: plain ``GET /sparql`` queries answered without entering Flask."""

    def __init__(self, app: WsgiApp, service: Callable[[], SparqlService]) -> None:
        self.app = app
        self.service = service  # the app's current one (tests register another)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        answer = self._answer(environ) if _plain_get(environ) else None
        if answer is None:
            return self.app(environ, start_response)
        content_type, body = answer
        start_response(
            "200 OK",
            [("Content-Type", content_type), ("Content-Length", str(len(body))), *RESULT_HEADERS],
        )
        return [body]

    def _answer(self, environ: dict[str, Any]) -> tuple[str, bytes] | None:
        """(Content-Type, body), or None when Flask is to answer."""
        args = _query_args(str(environ.get("QUERY_STRING", "")))
        if args is None or list(args) != ["query"] or len(args["query"]) != 1:
            return None
        accept = environ.get("HTTP_ACCEPT")
        if wants_query_page(accept, formats.RESULT_FORMATS):
            return None
        service = self.service()
        try:
            parsed = parse_request("GET", None, args, {}, b"", service.policy)
            if parsed is None or parsed.format_hint:
                return None
            fmt = negotiate_result(accept, result_offers(parsed.form), None)
            body = service.answer(parsed, fmt, str(environ.get("REMOTE_ADDR") or ""))
        except Exception as exc:  # the view raises it, and the one error mapper answers
            environ[RAISED_BEFORE_FLASK] = exc
            return None
        return fmt.content_type, body


def _query_args(query_string: str) -> dict[str, list[str]] | None:
    """The parameters as Flask's ``request.args`` reads them (werkzeug: UTF-8, blank values
    kept, invalid bytes left percent-encoded); None where it would fail."""
    try:
        pairs = parse_qsl(
            query_string.encode("latin1").decode(),
            keep_blank_values=True,
            errors="werkzeug.url_quote",
        )
    except (UnicodeError, LookupError):
        return None
    args: dict[str, list[str]] = {}
    for name, value in pairs:
        args.setdefault(name, []).append(value)
    return args


def _plain_get(environ: dict[str, Any]) -> bool:
    return (
        environ.get("REQUEST_METHOD") == "GET"
        and environ.get("PATH_INFO") == "/sparql"
        and not any(environ.get(h) for h in _TO_FLASK)
        and environ.get("CONTENT_LENGTH") in (None, "", "0")
    )
