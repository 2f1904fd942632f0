"""kgpub.sparql.protocol: protocol request parsing and policy, without HTTP."""

from __future__ import annotations

import pytest

from kgpub.errors import (
    BadRequest,
    QuerySyntaxError,
    QueryTooLong,
    ServiceRefused,
    UnsupportedMediaType,
    UpdateRefused,
)
from kgpub.sparql.protocol import (
    Policy,
    QueryForm,
    parse_request,
    query_form,
    service_endpoints,
    syntax_error,
)
from kgpub.web.errors import status_of

Q = "SELECT * WHERE { ?s ?p ?o } LIMIT 1"


def get(**args: list[str]) -> object:
    return parse_request("GET", None, {k.replace("_", "-"): v for k, v in args.items()}, {}, b"")


def test_get_query_with_dataset() -> None:
    req = parse_request(
        "GET",
        None,
        {
            "query": [Q],
            "default-graph-uri": ["http://a", "http://b"],
            "named-graph-uri": ["http://c"],
        },
        {},
        b"",
    )
    assert req is not None
    assert req.query == Q
    assert req.default_graph_uris == ("http://a", "http://b")
    assert req.named_graph_uris == ("http://c",)
    assert req.form is QueryForm.SELECT


def test_no_query_means_service_description() -> None:
    assert parse_request("GET", None, {}, {}, b"") is None


def test_post_form_and_direct() -> None:
    req = parse_request("POST", "application/x-www-form-urlencoded", {}, {"query": [Q]}, b"")
    assert req is not None and req.query == Q
    req = parse_request(
        "POST",
        "application/sparql-query; charset=utf-8",
        {"default-graph-uri": ["http://a"]},
        {},
        Q.encode(),
    )
    assert req is not None and req.query == Q and req.default_graph_uris == ("http://a",)


@pytest.mark.parametrize(
    ("method", "ctype", "args", "form", "body", "error"),
    [
        ("GET", None, {"query": [Q, Q]}, {}, b"", BadRequest),
        (
            "POST",
            "application/x-www-form-urlencoded",
            {"query": [Q]},
            {"query": [Q]},
            b"",
            BadRequest,
        ),
        ("POST", "application/x-www-form-urlencoded", {}, {}, b"", BadRequest),
        ("GET", None, {"default-graph-uri": ["http://a"]}, {}, b"", BadRequest),
        ("POST", "text/plain", {}, {}, b"ASK {}", UnsupportedMediaType),
        ("POST", None, {}, {}, b"query=ASK%20%7B%7D", UnsupportedMediaType),
        (
            "POST",
            "application/sparql-query; charset=UTF-16",
            {},
            {},
            "ASK {}".encode("utf-16"),
            UnsupportedMediaType,
        ),
        ("POST", "application/sparql-query", {}, {}, b"\xff\xfe", BadRequest),
        ("POST", "application/sparql-update", {}, {}, b"INSERT DATA {}", UpdateRefused),
        (
            "POST",
            "application/x-www-form-urlencoded",
            {},
            {"update": ["CLEAR ALL"]},
            b"",
            UpdateRefused,
        ),
        ("GET", None, {"update": ["CLEAR ALL"]}, {}, b"", UpdateRefused),
        (
            "GET",
            None,
            {"query": ["PREFIX a: <http://a/>\nINSERT DATA { a:a a:b a:c }"]},
            {},
            b"",
            UpdateRefused,
        ),
    ],
)
def test_protocol_errors(
    method: str,
    ctype: str | None,
    args: dict[str, list[str]],
    form: dict[str, list[str]],
    body: bytes,
    error: type[Exception],
) -> None:
    with pytest.raises(error) as info:
        parse_request(method, ctype, args, form, body)
    # the error carries meaning only; the web layer's one mapper gives it a 4xx
    assert status_of(info.value) in (400, 415)


def test_update_message_is_clear() -> None:
    with pytest.raises(UpdateRefused, match="read-only"):
        parse_request("GET", None, {"query": ["DELETE WHERE { ?s ?p ?o }"]}, {}, b"")


def test_length_limit() -> None:
    policy = Policy(max_length=50)
    long_query = "SELECT * WHERE { ?s ?p ?o }" + " " * 100
    with pytest.raises(QueryTooLong, match="at most 50"):
        parse_request("GET", None, {"query": [long_query]}, {}, b"", policy)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }",
        "select * where { service silent <http://x/> { ?s ?p ?o } }",
        "PREFIX e: <http://ex.org/> SELECT * { OPTIONAL { SERVICE e:sparql { ?s ?p ?o } } }",
        "SELECT * WHERE { SERVICE ?endpoint { ?s ?p ?o } }",
        "SELECT * WHERE { FILTER(1<2&&'> x') SERVICE<http://evil/>{?s ?p ?o} FILTER('x') }",
        "SELECT * WHERE { ?s ?p ?o FILTER EXISTS { SERVICE <http://x/> { ?s ?p ?o } } }",
        r"SELECT * WHERE { \u0053ERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }",
        r"SELECT * WHERE { SERVIC\U00000045 <http://127.0.0.1:1/> { ?s ?p ?o } }",
    ],
)
def test_service_refused(query: str) -> None:
    with pytest.raises(ServiceRefused, match="Federated"):
        parse_request("GET", None, {"query": [query]}, {}, b"")


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { ?s ?p 'service' }",
        "SELECT * WHERE { ?s <http://example.org/service> ?o }",
        "SELECT (1 AS ?service) WHERE {}",
        "PREFIX service: <http://x/> SELECT * WHERE { ?s service:p ?o }",
    ],
)
def test_service_word_elsewhere_is_fine(query: str) -> None:
    assert service_endpoints(query) == []
    assert parse_request("GET", None, {"query": [query]}, {}, b"") is not None


def test_service_allowlist() -> None:
    query = "SELECT * WHERE { SERVICE <http://allowed.example/sparql> { ?s ?p ?o } }"
    policy = Policy(service_allowlist=("http://allowed.example/sparql",))
    assert parse_request("GET", None, {"query": [query]}, {}, b"", policy) is not None
    with pytest.raises(ServiceRefused):
        parse_request("GET", None, {"query": [query.replace("allowed", "other")]}, {}, b"", policy)


@pytest.mark.parametrize(
    ("query", "form"),
    [
        ("SELECT * {}", QueryForm.SELECT),
        ("# c\nPREFIX a: <http://a/>\nBASE <http://b/>\nask {}", QueryForm.ASK),
        ("PREFIX : <http://a/> CONSTRUCT WHERE { ?s ?p ?o }", QueryForm.CONSTRUCT),
        ("DESCRIBE <http://a>", QueryForm.DESCRIBE),
        ("SELEC * {}", None),
    ],
)
def test_query_form(query: str, form: QueryForm | None) -> None:
    assert query_form(query) is form


def test_syntax_error_carries_position() -> None:
    err = syntax_error("error at 2:7: expected one of ...", "SELECT *\nWHERE {")
    assert isinstance(err, QuerySyntaxError)
    assert (err.line, err.column) == (2, 7)
    assert "line 2, column 7" in err.message
