"""SPARQL 1.1 Protocol, pure: request parsing and the endpoint's policy.

A view reads the HTTP request into plain values (method, content type, query-string and
form parameters, body) and calls :func:`parse_request`; it gets a :class:`SparqlRequest`
(or ``None``: no query, so the client wants the service description) or a domain error
from :mod:`kgpub.errors` (``QuerySyntaxError``, ``UpdateRefused``, ``QueryTooLong``...);
the web layer's one error mapper turns those into HTTP answers.

Policy for a public endpoint: read-only (SPARQL Update is refused with a clear message),
no federated ``SERVICE`` unless the endpoint is allow-listed, a query-length limit. The
query-time and result-size limits are enforced where queries run (:mod:`kgpub.sparql.pool`).
No Flask here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any

import pyoxigraph

from kgpub import formats
from kgpub.errors import (
    BadGraphIri,
    BadRequest,
    KgpubError,
    QuerySyntaxError,
    QueryTooDeep,
    QueryTooLong,
    ServiceRefused,
    UnsupportedMediaType,
    UpdateRefused,
)
from kgpub.sparql.lexical import nesting_depth

if TYPE_CHECKING:
    from kgpub.config import Settings

# -- policy -----------------------------------------------------------------------------


#: The documented nesting limit of a query (README: the SPARQL endpoint's limits).
MAX_NESTING = 128
_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]*$")


@dataclass(frozen=True)
class Policy:
    """The endpoint's limits (defaults for tools that parse without a configuration)."""

    timeout: float = 30.0
    max_length: int = 100_000
    result_limit: int = 100_000
    service_allowlist: tuple[str, ...] = ()
    base_iri: str = "https://w3id.org/kgpub/"
    #: How deeply a query may nest groups, parentheses and brackets (deeper ones are
    #: refused before they reach the engine, whose parser recurses on them).
    max_nesting: int = MAX_NESTING

    @classmethod
    def from_settings(cls, settings: Settings) -> Policy:
        return cls(
            timeout=settings.query_timeout,
            max_length=settings.query_max_length,
            result_limit=settings.result_limit,
            service_allowlist=settings.service_allowlist,
            base_iri=settings.base_iri,
        )


class QueryForm(Enum):
    SELECT = "SELECT"
    ASK = "ASK"
    CONSTRUCT = "CONSTRUCT"
    DESCRIBE = "DESCRIBE"

    @property
    def is_graph(self) -> bool:
        return self in (QueryForm.CONSTRUCT, QueryForm.DESCRIBE)


def result_offers(form: QueryForm | None) -> tuple[formats.Format, ...]:
    """The formats a query of ``form`` can be answered in (all of them when unknown)."""
    if form is None:
        return formats.RESULT_FORMATS
    return formats.GRAPH_FORMATS if form.is_graph else formats.SOLUTION_FORMATS


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


def syntax_error(message: str, query: str) -> KgpubError:
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
    except ImportError:  # pragma: no cover
        return None
    try:
        tree = parseQuery(query)
    except Exception:
        # rdflib cannot parse it: be safe (the query may well be malformed anyway).
        return None
    base, prefixes = _prologue(tree[0])
    found: list[str] = []
    if not _collect_services(tree[1], base, prefixes, found):
        return None
    return found


def _prologue(declarations: Any) -> tuple[str | None, dict[str, str]]:
    """The BASE and the PREFIX declarations of a parsed query."""
    base: str | None = None
    prefixes: dict[str, str] = {}
    for decl in declarations:
        name = getattr(decl, "name", "")
        if name == "Base":
            base = str(decl["iri"])
        elif name == "PrefixDecl":
            prefixes[str(decl.get("prefix", "") or "")] = str(decl["iri"])
    return base, prefixes


def _iri_of(term: object, base: str | None, prefixes: dict[str, str]) -> str | None:
    """The full IRI a parsed term names, or None (a variable, an unknown prefix)."""
    from rdflib.term import URIRef

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


def _collect_services(
    node: object, base: str | None, prefixes: dict[str, str], found: list[str], depth: int = 0
) -> bool:
    """Append the endpoint of every SERVICE under ``node`` to ``found``; False as soon as
    one is not a constant IRI (or the tree is too deep to trust)."""
    from rdflib.term import Variable

    if depth > 200:
        return False
    if getattr(node, "name", None) == "ServiceGraphPattern":
        term = node["term"]  # type: ignore[index]
        iri = None if isinstance(term, Variable) else _iri_of(term, base, prefixes)
        if iri is None:
            return False
        found.append(iri)
    if isinstance(node, dict) or (hasattr(node, "values") and callable(node.values)):
        children: Iterable[object] = node.values()  # type: ignore[union-attr]
    elif isinstance(node, list | tuple):
        children = node
    else:
        return True
    return all(_collect_services(child, base, prefixes, found, depth + 1) for child in children)


def check_policy(query: str, policy: Policy) -> None:
    """Raise the refusal the policy demands for ``query``, or return."""
    if len(query) > policy.max_length:
        raise QueryTooLong(
            f"The query is {len(query):,} characters long; this endpoint accepts at most "
            f"{policy.max_length:,}."
        )
    if looks_like_update(query):
        raise syntax_error("", query)
    depth = nesting_depth(query)
    if depth > policy.max_nesting:
        raise QueryTooDeep(
            f"The query nests groups, parentheses or brackets {depth} levels deep; this "
            f"endpoint accepts at most {policy.max_nesting}."
        )
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
        raise BadRequest(
            f"The request carries {len(values)} '{what}' parameters; send exactly one."
        )
    return values[0]


Params = Mapping[str, Sequence[str]]

_READ_ONLY = "This endpoint is read-only: SPARQL Update operations are not accepted."


@dataclass
class _Operation:
    """What a request carries, gathered from its query string and its body."""

    queries: list[str] = field(default_factory=list)
    default_graph_uris: list[str] = field(default_factory=list)
    named_graph_uris: list[str] = field(default_factory=list)
    hint: str | None = None

    def add_params(self, params: Params, hint_names: tuple[str, ...]) -> None:
        """Take the query, dataset and format parameters of ``params`` (refusing updates)."""
        if any(params.get(p) for p in _UPDATE_PARAMS):
            raise UpdateRefused(_READ_ONLY)
        self.queries.extend(params.get("query", ()))
        self.default_graph_uris.extend(params.get("default-graph-uri", ()))
        self.named_graph_uris.extend(params.get("named-graph-uri", ()))
        hints = [h for name in hint_names for h in params.get(name, ())]
        self.hint = self.hint or (hints[0] if hints else None)


def _sparql_query_body(body: bytes, params: dict[str, str], args: Params) -> str:
    """The query sent as ``application/sparql-query``: UTF-8 text, not also in ``?query=``."""
    charset = params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(
            f"A query sent as {SPARQL_QUERY} must be UTF-8 (got charset={charset})."
        )
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(f"The query is not valid UTF-8: {exc}") from None
    if args.get("query"):
        raise BadRequest(
            "The request carries a query both in the body and in the 'query' "
            "parameter; send exactly one."
        )
    return text


def _read_post_body(
    operation: _Operation, content_type: str | None, args: Params, form: Params, body: bytes
) -> None:
    """Add what a POST body carries to ``operation``, by its Content-Type."""
    media, params = _media_type(content_type)
    if media == FORM_URLENCODED:
        operation.add_params(form, ("format",))
    elif media == SPARQL_QUERY:
        operation.queries.append(_sparql_query_body(body, params, args))
    elif media == SPARQL_UPDATE:
        raise UpdateRefused(
            "This endpoint is read-only: SPARQL Update (application/sparql-update) is not accepted."
        )
    else:
        raise UnsupportedMediaType(
            f"Unsupported Content-Type '{media or 'none'}' for POST: send the query as "
            f"{FORM_URLENCODED} (parameter 'query') or as {SPARQL_QUERY}."
        )


def _the_query(operation: _Operation, method: str, content_type: str | None) -> str | None:
    """The one query of the operation; None when a GET asks for none at all."""
    if not operation.queries:
        is_form = method == "POST" and _media_type(content_type)[0] == FORM_URLENCODED
        if operation.default_graph_uris or operation.named_graph_uris or is_form:
            raise BadRequest("Missing the 'query' parameter.")
        if method == "POST":
            raise BadRequest("Missing the query.")
        return None
    query = _one(operation.queries, "query")
    if not query.strip():
        raise BadRequest("The query is empty.")
    return query


def _parses_as_iri(iri: str) -> bool:
    try:
        pyoxigraph.NamedNode(iri)
    except ValueError:
        return False
    return True


def _check_graph_iris(parameter: str, iris: Sequence[str]) -> None:
    for iri in iris:
        if not _ABSOLUTE_IRI.match(iri) or not _parses_as_iri(iri):
            raise BadGraphIri(
                f"The '{parameter}' parameter must be an absolute IRI such as "
                f"<https://w3id.org/kgpub/graph/haninge>; got {iri[:200]!r}."
            )


def parse_request(
    method: str,
    content_type: str | None,
    args: Params,
    form: Params,
    body: bytes,
    policy: Policy | None = None,
) -> SparqlRequest | None:
    """Read a SPARQL Protocol query operation from plain request values.

    ``args`` are the query-string parameters, ``form`` the url-encoded body's parameters
    (each name to all its values). Returns ``None`` for a request without any query (the
    caller answers with the service description or the query page).
    """
    method = method.upper()
    if method not in ("GET", "POST"):
        raise BadRequest(f"Method {method} is not allowed; use GET or POST.")
    operation = _Operation()
    operation.add_params(args, ("format", "output"))
    if method == "POST":
        _read_post_body(operation, content_type, args, form, body)
    query = _the_query(operation, method, content_type)
    if query is None:
        return None
    check_policy(query, policy or Policy())
    _check_graph_iris("default-graph-uri", operation.default_graph_uris)
    _check_graph_iris("named-graph-uri", operation.named_graph_uris)
    return SparqlRequest(
        query=query,
        default_graph_uris=tuple(operation.default_graph_uris),
        named_graph_uris=tuple(operation.named_graph_uris),
        form=query_form(query),
        format_hint=operation.hint,
    )
