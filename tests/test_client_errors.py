"""Client mistakes and client-chosen hosts get clear 4xx answers, and FROM is honoured.

Found by a probe of the public server: bad graph IRIs, deeply nested queries and control
characters in paths gave 500; a forged ``Host`` rewrote every absolute link; ``FROM`` was
ignored (W3C SPARQL 1.1 Query §13.2).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from kgpub.sparql.protocol import MAX_NESTING

BASE = "https://w3id.org/kgpub/"
HANINGE_GRAPH = BASE + "graph/haninge"
HAPARANDA_GRAPH = BASE + "graph/haparanda"
JSON = {"Accept": "application/sparql-results+json"}


@pytest.fixture(scope="module")
def client(make_app: Callable[..., Flask]) -> FlaskClient:
    return make_app(query_workers=1).test_client()


def ask(client: FlaskClient, query: str, **params: Any) -> Any:
    r = client.get("/sparql", query_string={"query": query, **params}, headers=JSON)
    assert r.status_code == 200, r.data
    return r.get_json()


def count(client: FlaskClient, query: str, **params: Any) -> int:
    return int(ask(client, query, **params)["results"]["bindings"][0]["n"]["value"])


@pytest.mark.parametrize("parameter", ["default-graph-uri", "named-graph-uri"])
@pytest.mark.parametrize("value", ["x", "http://[", "urn x", ""])
def test_a_graph_parameter_that_is_no_iri_is_a_400(
    client: FlaskClient, parameter: str, value: str
) -> None:
    r = client.get("/sparql", query_string={"query": "ASK {}", parameter: value})
    assert r.status_code == 400
    assert parameter in r.get_data(as_text=True)


def test_nesting_beyond_the_limit_is_refused_before_the_engine(client: FlaskClient) -> None:
    too_deep = "ASK " + "{" * (MAX_NESTING + 1) + "}" * (MAX_NESTING + 1)
    r = client.get("/sparql", query_string={"query": too_deep})
    assert r.status_code == 400
    assert f"at most {MAX_NESTING}" in r.get_data(as_text=True)
    crash = "ASK " + "{" * 3000 + "}" * 3000  # crashed a query worker before
    assert client.get("/sparql", query_string={"query": crash}).status_code == 400


def test_nesting_up_to_the_limit_is_answered(client: FlaskClient) -> None:
    deep = "ASK " + "{" * MAX_NESTING + "}" * MAX_NESTING
    assert ask(client, deep)["boolean"] is True


def test_brackets_inside_strings_and_iris_do_not_count(client: FlaskClient) -> None:
    text = "{" * (MAX_NESTING + 5)
    query = f'ASK {{ BIND("{text}" AS ?x) FILTER(?x != <urn:a>) }} # {text}'
    assert ask(client, query)["boolean"] is True


@pytest.mark.parametrize("path", ["/id/%0a", "/doc/%0d%0aSet-Cookie:x=1", "/id/a%00b", "/%7f"])
def test_control_characters_in_a_path_are_a_404(client: FlaskClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 404
    assert "Set-Cookie" not in r.headers


def test_a_host_the_server_does_not_serve_is_a_400(client: FlaskClient) -> None:
    for path in ("/", "/doc/haninge", "/sitemap.xml", "/robots.txt"):
        r = client.get(path, headers={"Host": "evil.example"})
        assert r.status_code == 400, path
        assert "evil.example" not in r.get_data(as_text=True).split("host")[0]


def test_public_url_fixes_absolute_links_whatever_the_host(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(public_url="https://strategi.example.se/", query_workers=1)
    client = app.test_client()
    robots = client.get("/robots.txt", headers={"Host": "127.0.0.1:8000"}).get_data(as_text=True)
    assert "Sitemap: https://strategi.example.se/sitemap.xml" in robots
    sitemap = client.get("/sitemap.xml", headers={"Host": "localhost"}).get_data(as_text=True)
    assert "<loc>https://strategi.example.se/" in sitemap
    assert "localhost" not in sitemap
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/", headers={"Host": "strategi.example.se"}).status_code == 200


def test_from_names_the_default_graph(client: FlaskClient) -> None:
    everything = count(client, "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }")
    haninge = count(client, f"SELECT (COUNT(*) AS ?n) FROM <{HANINGE_GRAPH}> {{ ?s ?p ?o }}")
    both = count(
        client,
        f"SELECT (COUNT(*) AS ?n) FROM <{HANINGE_GRAPH}> FROM <{HAPARANDA_GRAPH}> {{ ?s ?p ?o }}",
    )
    assert 0 < haninge < both < everything
    assert count(client, "SELECT (COUNT(*) AS ?n) FROM <urn:nothing> { ?s ?p ?o }") == 0


def test_from_named_limits_the_named_graphs(client: FlaskClient) -> None:
    rows = ask(
        client,
        f"SELECT DISTINCT ?g FROM NAMED <{HANINGE_GRAPH}> {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    )["results"]["bindings"]
    assert [r["g"]["value"] for r in rows] == [HANINGE_GRAPH]
    # with FROM NAMED alone the default graph is empty (§13.2)
    query = f"SELECT (COUNT(*) AS ?n) FROM NAMED <{HANINGE_GRAPH}> {{ ?s ?p ?o }}"
    assert count(client, query) == 0


def test_the_protocol_dataset_wins_over_from(client: FlaskClient) -> None:
    query = "SELECT (COUNT(*) AS ?n) FROM <urn:nothing> { ?s ?p ?o }"
    haninge = count(client, f"SELECT (COUNT(*) AS ?n) FROM <{HANINGE_GRAPH}> {{ ?s ?p ?o }}")
    assert count(client, query, **{"default-graph-uri": HANINGE_GRAPH}) == haninge


def test_the_word_from_elsewhere_keeps_the_union_default_graph(client: FlaskClient) -> None:
    everything = count(client, "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }")
    query = 'SELECT (COUNT(*) AS ?n) { ?s ?p ?o FILTER(?o != "from") } # from <x>'
    assert count(client, query) > 0
    assert count(client, query) <= everything
