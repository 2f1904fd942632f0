"""SPARQL 1.1 Protocol, pure: request parsing and the endpoint's policy.

A view reads the HTTP request into plain values (method, content type, query-string and
form parameters, body) and calls :func:`parse_request`; it gets a :class:`SparqlRequest`
(or ``None``: no query, so the client wants the service description) or one of the
:class:`SparqlError` subclasses below, each carrying its HTTP status and a plain message.

Policy for a public endpoint: read-only (SPARQL Update is refused with a clear message),
no federated ``SERVICE`` unless the endpoint is allow-listed, a query-length limit. The
query-time and result-size limits are enforced where queries run (:mod:`kgpub.sparql.pool`).
No Flask here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum

# -- errors -----------------------------------------------------------------------------


class SparqlError(Exception):
    """An error the protocol answers with ``status`` and ``message`` in the body."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class SparqlBadRequest(SparqlError):
    status = 400


class QuerySyntaxError(SparqlBadRequest):
    """The parser's message, with line and column where it has them."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


class UpdateRefused(SparqlBadRequest):
    pass


class ServiceRefused(SparqlBadRequest):
    pass


class QueryTooLong(SparqlBadRequest):
    pass


class UnsupportedMediaType(SparqlError):
    status = 415


class SparqlNotAcceptable(SparqlError):
    status = 406

    def __init__(self, message: str, offers: Sequence[str]) -> None:
        super().__init__(message)
        self.offers = list(offers)


class QueryTimeout(SparqlError):
    status = 503


class EndpointBusy(SparqlError):
    status = 503


class ResultTooLarge(SparqlError):
    # The request is fine; the answer is too big to send. 413 would blame the request.
    status = 400


class QueryFailed(SparqlError):
    status = 500


class StoreDown(SparqlError):
    """The (remote) store behind the endpoint did not answer."""

    status = 503


# -- policy -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Policy:
    """The endpoint's limits, read from Settings (duck-typed, so this module stands alone)."""

    timeout: float = 30.0
    max_length: int = 100_000
    result_limit: int = 100_000
    service_allowlist: tuple[str, ...] = ()
    base_iri: str = "https://w3id.org/kgpub/"

    @classmethod
    def from_settings(cls, settings: object) -> Policy:
        def get(name: str, default: object) -> object:
            return getattr(settings, name, default)

        allow = get("service_allowlist", ())
        if isinstance(allow, str):
            allow = tuple(a for a in re.split(r"[\s,]+", allow) if a)
        return cls(
            timeout=float(str(get("query_timeout", 30.0))),
            max_length=int(str(get("query_max_length", 100_000))),
            result_limit=int(str(get("result_limit", 100_000))),
            service_allowlist=tuple(str(a) for a in allow),  # type: ignore[attr-defined]
            base_iri=str(get("base_iri", "https://w3id.org/kgpub/")),
        )


class QueryForm(Enum):
    SELECT = "SELECT"
    ASK = "ASK"
    CONSTRUCT = "CONSTRUCT"
    DESCRIBE = "DESCRIBE"

    @property
    def is_graph(self) -> bool:
        return self in (QueryForm.CONSTRUCT, QueryForm.DESCRIBE)


@dataclass(frozen=True)
class SparqlRequest:
    query: str
    default_graph_uris: tuple[str, ...] = ()
    named_graph_uris: tuple[str, ...] = ()
    form: QueryForm | None = None
    #: an explicit result format asked for with ``format=`` / ``output=`` (download links)
    format_hint: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


FORM_URLENCODED = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"

_UPDATE_PARAMS = ("update", "using-graph-uri", "using-named-graph-uri")
_QUERY_PARAMS = ("query", "default-graph-uri", "named-graph-uri")

# -- lexical helpers ----------------------------------------------------------------------

_PROLOGUE = re.compile(
    r"""\s*(?:
        \#[^\n]*\n?                                       # comment
      | BASE\s*<[^<>"{}|^`\\\x00-\x20]*>                   # BASE <iri>
      | PREFIX\s+[^\s:]*:\s*<[^<>"{}|^`\\\x00-\x20]*>      # PREFIX p: <iri>
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_FIRST_WORD = re.compile(r"\s*([A-Za-z]+)")
_UPDATE_WORDS = {
    "INSERT",
    "DELETE",
    "LOAD",
    "CLEAR",
    "CREATE",
    "DROP",
    "COPY",
    "MOVE",
    "ADD",
    "WITH",
}
# The word SERVICE anywhere it could be the keyword. Deliberately over-eager: it also hits
# the word inside strings, IRIs and comments; those are then settled by a real parser.
_SERVICE_WORD = re.compile(r"(?<![?$\w])service(?!\w)", re.IGNORECASE)
_CODEPOINT_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def _resolve_escape(m: re.Match[str]) -> str:
    code = int(m.group(1) or m.group(2), 16)
    return chr(code) if code <= 0x10FFFF else m.group(0)


_ERROR_POSITION = re.compile(r"error at (\d+):(\d+)")


def _after_prologue(query: str) -> str:
    pos = 0
    while True:
        m = _PROLOGUE.match(query, pos)
        if not m or m.end() == pos:
            return query[pos:]
        pos = m.end()


def query_form(query: str) -> QueryForm | None:
    """SELECT/ASK/CONSTRUCT/DESCRIBE from the first keyword after the prologue, or None."""
    m = _FIRST_WORD.match(_after_prologue(query))
    if not m:
        return None
    try:
        return QueryForm(m.group(1).upper())
    except ValueError:
        return None


def looks_like_update(query: str) -> bool:
    m = _FIRST_WORD.match(_after_prologue(query))
    return bool(m) and m.group(1).upper() in _UPDATE_WORDS  # type: ignore[union-attr]


def syntax_error(message: str, query: str) -> SparqlError:
    """The parser's message turned into the right error (an update gets its own message)."""
    if looks_like_update(query):
        return UpdateRefused(
            "This endpoint is read-only: SPARQL Update (INSERT, DELETE, LOAD, CLEAR, CREATE, "
            "DROP, COPY, MOVE, ADD) is not accepted. Send SELECT, ASK, CONSTRUCT or DESCRIBE."
        )
    m = _ERROR_POSITION.search(message)
    if m:
        line, column = int(m.group(1)), int(m.group(2))
        return QuerySyntaxError(
            f"Malformed query (line {line}, column {column}): {message}", line, column
        )
    return QuerySyntaxError(f"Malformed query: {message}")


def service_endpoints(query: str) -> list[str] | None:
    """The endpoints the query's SERVICE clauses name.

    ``[]`` when it has none. A cheap lexical check first (over-eager, never misses the
    keyword); only when it hits does rdflib's SPARQL parser settle the question. ``None``
    means "has SERVICE but its endpoint is not a constant IRI" (``SERVICE ?x``) or the
    query could not be analysed - both are refused unless... never allowed.
    """
    # SPARQL resolves \uXXXX / \UXXXXXXXX escapes anywhere in the query text, so the check
    # looks at the text with them resolved too.
    if "\\u" in query or "\\U" in query:
        query = _CODEPOINT_ESCAPE.sub(_resolve_escape, query)
    if not _SERVICE_WORD.search(query):
        return []
    try:
        from rdflib.plugins.sparql.parser import parseQuery
        from rdflib.term import URIRef, Variable
    except ImportError:  # pragma: no cover
        return None
    try:
        tree = parseQuery(query)
    except Exception:
        # rdflib cannot parse it: be safe (the query may well be malformed anyway).
        return None
    found: list[str] = []
    unknown = False
    base: str | None = None
    prefixes: dict[str, str] = {}
    for decl in tree[0]:
        name = getattr(decl, "name", "")
        if name == "Base":
            base = str(decl["iri"])
        elif name == "PrefixDecl":
            prefixes[str(decl.get("prefix", "") or "")] = str(decl["iri"])

    def iri_of(term: object) -> str | None:
        if isinstance(term, URIRef):
            value = str(term)
            if base and not re.match(r"[A-Za-z][\w+.-]*:", value):
                from urllib.parse import urljoin

                value = urljoin(base, value)
            return value
        if getattr(term, "name", None) == "pname":
            prefix = str(term.get("prefix", "") or "")  # type: ignore[attr-defined]
            local = str(term.get("localname", "") or "")  # type: ignore[attr-defined]
            if prefix in prefixes:
                return prefixes[prefix] + local
        return None

    def walk(node: object, depth: int = 0) -> None:
        nonlocal unknown
        if depth > 200:
            unknown = True
            return
        if getattr(node, "name", None) == "ServiceGraphPattern":
            term = node["term"]  # type: ignore[index]
            iri = None if isinstance(term, Variable) else iri_of(term)
            if iri is None:
                unknown = True
            else:
                found.append(iri)
        if isinstance(node, dict):
            for value in node.values():
                walk(value, depth + 1)
        elif isinstance(node, list | tuple):
            for value in node:
                walk(value, depth + 1)
        elif hasattr(node, "values") and callable(node.values):
            for value in node.values():
                walk(value, depth + 1)

    walk(tree[1])
    return None if unknown else found


def check_policy(query: str, policy: Policy) -> None:
    """Raise the refusal the policy demands for ``query``, or return."""
    if len(query) > policy.max_length:
        raise QueryTooLong(
            f"The query is {len(query):,} characters long; this endpoint accepts at most "
            f"{policy.max_length:,}."
        )
    if looks_like_update(query):
        raise syntax_error("", query)
    endpoints = service_endpoints(query)
    if endpoints:
        refused = [e for e in endpoints if e not in policy.service_allowlist]
        if refused:
            raise ServiceRefused(
                "Federated queries are not allowed: this endpoint does not call other "
                f"endpoints (SERVICE <{refused[0]}>). Run the federated query on your own "
                "engine, using this endpoint as one of its sources."
            )
    elif endpoints is None:
        raise ServiceRefused(
            "Federated queries are not allowed: the query contains SERVICE with an endpoint "
            "this endpoint cannot verify (a variable, or a query it could not analyse). "
            "If SERVICE appears only in a string or IRI, rename it."
        )


# -- request parsing ---------------------------------------------------------------------


def _media_type(content_type: str | None) -> tuple[str, dict[str, str]]:
    if not content_type:
        return "", {}
    parts = content_type.split(";")
    params: dict[str, str] = {}
    for part in parts[1:]:
        if "=" in part:
            k, v = part.split("=", 1)
            params[k.strip().lower()] = v.strip().strip('"')
    return parts[0].strip().lower(), params


def _one(values: Sequence[str], what: str) -> str:
    if len(values) > 1:
        raise SparqlBadRequest(
            f"The request carries {len(values)} '{what}' parameters; send exactly one."
        )
    return values[0]


def parse_request(
    method: str,
    content_type: str | None,
    args: Mapping[str, Sequence[str]],
    form: Mapping[str, Sequence[str]],
    body: bytes,
    policy: Policy | None = None,
) -> SparqlRequest | None:
    """Read a SPARQL Protocol query operation from plain request values.

    ``args`` are the query-string parameters, ``form`` the url-encoded body's parameters
    (each name to all its values). Returns ``None`` for a request without any query (the
    caller answers with the service description or the query page).
    """
    policy = policy or Policy()
    method = method.upper()
    media, params = _media_type(content_type)
    queries: list[str] = []
    graph_params: dict[str, list[str]] = {
        "default-graph-uri": list(args.get("default-graph-uri", ())),
        "named-graph-uri": list(args.get("named-graph-uri", ())),
    }
    hints = [*args.get("format", ()), *args.get("output", ())]
    hint: str | None = hints[0] if hints else None

    if any(args.get(p) for p in _UPDATE_PARAMS):
        raise UpdateRefused(
            "This endpoint is read-only: SPARQL Update operations are not accepted."
        )
    queries.extend(args.get("query", ()))

    if method == "GET":
        pass
    elif method == "POST":
        if media == FORM_URLENCODED:
            if any(form.get(p) for p in _UPDATE_PARAMS):
                raise UpdateRefused(
                    "This endpoint is read-only: SPARQL Update operations are not accepted."
                )
            queries.extend(form.get("query", ()))
            graph_params["default-graph-uri"] += list(form.get("default-graph-uri", ()))
            graph_params["named-graph-uri"] += list(form.get("named-graph-uri", ()))
            form_hints = list(form.get("format", ()))
            hint = hint or (form_hints[0] if form_hints else None)
        elif media == SPARQL_QUERY:
            charset = params.get("charset", "utf-8").lower()
            if charset not in ("utf-8", "utf8"):
                raise UnsupportedMediaType(
                    f"A query sent as {SPARQL_QUERY} must be UTF-8 (got charset={charset})."
                )
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise SparqlBadRequest(f"The query is not valid UTF-8: {exc}") from None
            if args.get("query"):
                raise SparqlBadRequest(
                    "The request carries a query both in the body and in the 'query' "
                    "parameter; send exactly one."
                )
            queries.append(text)
        elif media == SPARQL_UPDATE:
            raise UpdateRefused(
                "This endpoint is read-only: SPARQL Update (application/sparql-update) is "
                "not accepted."
            )
        else:
            shown = media or "none"
            raise UnsupportedMediaType(
                f"Unsupported Content-Type '{shown}' for POST: send the query as "
                f"{FORM_URLENCODED} (parameter 'query') or as {SPARQL_QUERY}."
            )
    else:
        raise SparqlError(f"Method {method} is not allowed; use GET or POST.")

    if not queries:
        if any(graph_params.values()) or (method == "POST" and media == FORM_URLENCODED):
            raise SparqlBadRequest("Missing the 'query' parameter.")
        if method == "POST":
            raise SparqlBadRequest("Missing the query.")
        return None
    query = _one(queries, "query")
    if not query.strip():
        raise SparqlBadRequest("The query is empty.")
    check_policy(query, policy)
    return SparqlRequest(
        query=query,
        default_graph_uris=tuple(graph_params["default-graph-uri"]),
        named_graph_uris=tuple(graph_params["named-graph-uri"]),
        form=query_form(query),
        format_hint=hint,
    )
