"""Plain GET queries answered before Flask (``kgpub.web.sparql_plain``): the same status,
headers and bytes as the ``/sparql`` view gives, whether the query is answered in the
request's thread or by a query worker; everything else, and every error, still reaches the
view, and a query that failed is not run again there."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from werkzeug.test import TestResponse

BASE = "https://w3id.org/kgpub/"
LOOKUP = f"SELECT ?p ?o WHERE {{ <{BASE}id/haninge> ?p ?o }}"
DESCRIBE = f"DESCRIBE <{BASE}id/haninge/vision>"
UNBOUNDED = "SELECT * WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 3"  # not bounded: a worker
#: Flask compresses: a request that names an encoding goes to the view (identity: no
#: compression, so the view's answer is comparable byte for byte).
TO_THE_VIEW = {"Accept-Encoding": "identity"}


@pytest.fixture(scope="module")
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app(query_workers=1, query_cache_bytes=0, response_cache_bytes=0)


@pytest.fixture
def views(app: Flask) -> Iterator[list[str]]:
    """The queries the /sparql view was called for (during one test)."""
    called: list[str] = []
    endpoint = "sparql.sparql_endpoint"
    original = app.view_functions[endpoint]

    def counted(**kwargs: Any) -> Any:
        from flask import request

        called.append(request.args.get("query", ""))
        return original(**kwargs)

    app.view_functions[endpoint] = counted
    yield called
    app.view_functions[endpoint] = original


def _get(app: Flask, query: str, headers: dict[str, str]) -> TestResponse:
    return app.test_client().get("/sparql", query_string={"query": query}, headers=headers)


@pytest.mark.parametrize(
    ("query", "accept"),
    [
        (LOOKUP, None),
        (LOOKUP, "application/sparql-results+json"),
        (LOOKUP, "application/sparql-results+xml"),
        (LOOKUP, "text/csv"),
        (LOOKUP, "text/tab-separated-values"),
        (LOOKUP, "*/*"),
        (DESCRIBE, None),
        (DESCRIBE, "text/turtle"),
        (DESCRIBE, "application/n-triples"),
        (DESCRIBE, "application/ld+json"),
        (f"ASK {{ <{BASE}id/haninge> ?p ?o }}", "application/sparql-results+json"),
        (UNBOUNDED, None),  # answered by a query worker
        (UNBOUNDED, "text/csv"),
        (f"CONSTRUCT {{ <{BASE}id/haninge> ?p ?o }} WHERE {{ <{BASE}id/haninge> ?p ?o }}", None),
    ],
)
def test_a_plain_query_is_answered_as_the_view_answers_it(
    app: Flask, views: list[str], query: str, accept: str | None
) -> None:
    headers = {} if accept is None else {"Accept": accept}
    direct = _get(app, query, headers)
    assert views == []  # answered before Flask
    viewed = _get(app, query, {**headers, **TO_THE_VIEW})
    assert views == [query]
    assert direct.status_code == viewed.status_code == 200
    assert direct.data == viewed.data
    assert sorted(direct.headers.items()) == sorted(viewed.headers.items())


@pytest.mark.parametrize(
    ("params", "headers"),
    [
        ({"query": "SELEC"}, {}),  # a syntax error: the one error mapper writes it
        ({"query": LOOKUP}, {"Accept": "text/html"}),  # a browser: the query page
        ({"query": LOOKUP}, {"Accept": "image/png"}),  # nothing acceptable: 406
        ({"query": LOOKUP, "format": "csv"}, {}),  # a format hint: an attachment
        ({"query": LOOKUP, "default-graph-uri": BASE + "graph/haninge"}, {}),
        ({"query": LOOKUP}, {"Accept-Encoding": "gzip"}),  # Flask compresses
    ],
)
def test_everything_else_reaches_the_view(
    app: Flask, views: list[str], params: dict[str, str], headers: dict[str, str]
) -> None:
    app.test_client().get("/sparql", query_string=params, headers=headers)
    assert views == [params["query"]]


def test_a_post_reaches_the_view(app: Flask, views: list[str]) -> None:
    answer = app.test_client().post("/sparql", data={"query": LOOKUP})
    assert answer.status_code == 200
    assert views == [""]  # the view read the form, not the URL


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("SELECT * WHERE { ?s ?p ?o } LIMIT", 400),  # the query worker finds the syntax error
        (f"SELECT * WHERE {{ <{BASE}id/haninge> ?p ?o", 400),  # an unclosed group, too
    ],
)
def test_a_query_that_failed_reaches_the_view_and_is_not_run_again(
    app: Flask, views: list[str], query: str, status: int
) -> None:
    from kgpub.web.sparql import EXTENSION

    pool = app.extensions[EXTENSION].pool
    before = pool.stats["queries"]
    answer = app.test_client().get("/sparql", query_string={"query": query})
    assert answer.status_code == status
    assert views == [query]  # the one error mapper wrote the answer
    assert pool.stats["queries"] == before + 1
