"""Resource documents through the Flask test client: 303, conneg, caching headers, errors."""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import rdflib
from flask import Flask
from flask.testing import FlaskClient

from kgpub.config import Settings
from kgpub.web import create_app

ROOT = Path(__file__).resolve().parents[1]
BASE = "https://w3id.org/kgpub/"
HANINGE = BASE + "id/haninge"
RDF_TYPES = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
    "application/n-triples": "nt",
}


@pytest.fixture(scope="module")
def app() -> Iterator[Flask]:
    yield create_app(Settings.load(root=ROOT, env={}), sparql=False)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.mark.parametrize(
    "path", ["haninge", "haninge/vision", "se/environmental-objective/frisk-luft"]
)
def test_thing_redirects_303_to_document(client: FlaskClient, path: str) -> None:
    for method in (client.get, client.head):
        resp = method(f"/id/{path}", headers={"Accept": "text/turtle"})
        assert resp.status_code == 303
        assert resp.headers["Location"].endswith(f"/doc/{path}")


@pytest.mark.parametrize("media_type", list(RDF_TYPES))
def test_every_format_parses_back_with_the_resource_triples(
    client: FlaskClient, media_type: str
) -> None:
    resp = client.get("/doc/haninge", headers={"Accept": media_type})
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == f"{media_type}; charset=utf-8"
    assert "Accept" in resp.headers["Vary"]
    graph = rdflib.Graph().parse(data=resp.data, format=RDF_TYPES[media_type])
    s = rdflib.URIRef(HANINGE)
    assert (s, rdflib.RDF.type, rdflib.URIRef(BASE + "ontology#Municipality")) in graph
    assert (s, rdflib.RDFS.label, rdflib.Literal("Haninge kommun", lang="sv")) in graph
    assert (s, rdflib.URIRef(BASE + "ontology#vision"), rdflib.URIRef(HANINGE + "/vision")) in graph
    # labels of linked resources and incoming links are part of the description
    assert (rdflib.URIRef(HANINGE + "/vision"), rdflib.RDFS.label, None) in graph
    assert (None, rdflib.URIRef("http://www.w3.org/ns/org#unitOf"), s) in graph
    # canonical IRIs, not the test host
    assert b"http://localhost" not in resp.data


@pytest.mark.parametrize(
    ("ext", "media_type"),
    [
        ("ttl", "text/turtle"),
        ("jsonld", "application/ld+json"),
        ("rdf", "application/rdf+xml"),
        ("nt", "application/n-triples"),
        ("html", "text/html"),
    ],
)
def test_suffix_picks_the_format(client: FlaskClient, ext: str, media_type: str) -> None:
    resp = client.get(f"/doc/haninge.{ext}", headers={"Accept": "image/png"})
    assert resp.status_code == 200
    assert resp.mimetype == media_type


def test_link_alternates_and_html_default(client: FlaskClient) -> None:
    resp = client.get("/doc/haninge", headers={"Accept": "text/html,*/*;q=0.8"})
    assert resp.mimetype == "text/html"
    link = resp.headers["Link"]
    for mt in (
        "text/turtle",
        "application/ld+json",
        "application/rdf+xml",
        "application/n-triples",
        "text/html",
    ):
        assert f'rel="alternate"; type="{mt}"' in link
    assert "</doc/haninge.ttl>" in link


def test_q_values_and_wildcards(client: FlaskClient) -> None:
    resp = client.get("/doc/haninge", headers={"Accept": "text/html;q=0.3, text/turtle;q=0.9"})
    assert resp.mimetype == "text/turtle"
    resp = client.get("/doc/haninge", headers={"Accept": "application/*"})
    assert resp.mimetype == "application/ld+json"


@pytest.mark.parametrize("accept", ["image/png", "application/pdf;q=1, text/turtle;q=0"])
def test_406_lists_offers(client: FlaskClient, accept: str) -> None:
    resp = client.get("/doc/haninge", headers={"Accept": accept})
    assert resp.status_code == 406
    assert b"text/turtle" in resp.data and b"application/ld+json" in resp.data


@pytest.mark.parametrize(
    "accept", [";;;", "text/", "*/*;q=x", "\t", "a/b/c/d", 'text/html;level="']
)
def test_odd_accept_headers_never_500(client: FlaskClient, accept: str) -> None:
    resp = client.get("/doc/haninge", headers={"Accept": accept})
    assert resp.status_code in (200, 406)


def test_404_for_browsers_and_machines(client: FlaskClient) -> None:
    browser = client.get("/doc/no/such/thing", headers={"Accept": "text/html"})
    assert browser.status_code == 404
    assert browser.mimetype == "text/html"
    assert b"<html" in browser.data
    machine = client.get("/doc/no/such/thing", headers={"Accept": "text/turtle"})
    assert machine.status_code == 404
    assert machine.mimetype == "text/plain"
    assert len(machine.data) < 300
    assert client.get("/nowhere").status_code == 404


def test_304_revalidation(client: FlaskClient) -> None:
    first = client.get("/doc/haninge.ttl")
    etag = first.headers["ETag"]
    assert first.headers["Last-Modified"]
    again = client.get("/doc/haninge.ttl", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    since = client.get(
        "/doc/haninge.ttl", headers={"If-Modified-Since": first.headers["Last-Modified"]}
    )
    assert since.status_code == 304
    other = client.get("/doc/haninge.nt", headers={"If-None-Match": etag})
    assert other.status_code == 200


def test_compression(client: FlaskClient) -> None:
    resp = client.get("/doc/haparanda.ttl", headers={"Accept-Encoding": "gzip"})
    assert resp.headers.get("Content-Encoding") == "gzip"
    rdflib.Graph().parse(data=gzip.decompress(resp.data), format="turtle")
    br = client.get("/doc/haparanda", headers={"Accept-Encoding": "br"})
    assert br.headers.get("Content-Encoding") == "br"


def test_cors_open_on_rdf_documents(client: FlaskClient) -> None:
    resp = client.get("/doc/haninge.ttl", headers={"Origin": "https://example.org"})
    assert resp.headers["Access-Control-Allow-Origin"] == "*"


def test_html_links_point_at_the_serving_host(make_app: Callable[..., Flask]) -> None:
    client = make_app(trusted_hosts=("kgpub.test",), query_workers=1).test_client()
    html = client.get("/doc/haninge", base_url="http://kgpub.test:8123").get_data(as_text=True)
    assert 'href="http://kgpub.test:8123/doc/haninge/vision"' in html
    assert 'href="https://w3id.org/kgpub/doc/' not in html
    # the canonical IRI is still shown, and the embedded JSON-LD keeps it
    assert HANINGE in html
    assert '<script type="application/ld+json">' in html


def test_language_switch(client: FlaskClient) -> None:
    sv = client.get("/doc/haninge", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    en = client.get("/doc/haninge", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "<h1>Haninge kommun</h1>" in sv
    assert "<h1>Haninge Municipality</h1>" in en
    forced = client.get("/doc/haninge?lang=en", headers={"Accept-Language": "sv"})
    assert "<h1>Haninge Municipality</h1>" in forced.get_data(as_text=True)
    assert 'href="/doc/haninge?lang=sv"' in forced.get_data(as_text=True)


def test_municipality_page_shows_structure(client: FlaskClient) -> None:
    html = client.get("/doc/haparanda?lang=sv").get_data(as_text=True)
    for text in ("Vision", "Budget", "Mål", "Källor", "2023–2026"):
        assert text in html, text
    assert 'class="tree"' in html
    assert "/doc/se/environmental-objective/frisk-luft" in html


def test_breadcrumb_to_owner(client: FlaskClient) -> None:
    html = client.get("/doc/haninge/vision?lang=sv").get_data(as_text=True)
    assert 'class="crumbs"' in html
    crumbs = html.split('class="crumbs"', 1)[1].split("</nav>", 1)[0]
    assert "/doc/haninge" in crumbs


def test_ontology_reference_has_anchors_and_negotiates(client: FlaskClient) -> None:
    html = client.get("/ontology", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert 'id="Goal"' in html and 'id="BudgetAllocation"' in html
    ttl = client.get("/ontology", headers={"Accept": "text/turtle"})
    graph = rdflib.Graph().parse(data=ttl.data, format="turtle")
    assert (rdflib.URIRef(BASE + "ontology#Goal"), rdflib.RDF.type, rdflib.OWL.Class) in graph
    assert client.get("/ontology.jsonld").mimetype == "application/ld+json"
    assert client.get("/shapes.ttl").status_code == 200
    assert client.get("/shapes").status_code == 200


@pytest.fixture(scope="module")
def evil_app() -> Flask:
    settings = Settings.load(config_file=ROOT / "tests" / "fixtures" / "web" / "kgpub.toml", env={})
    return create_app(settings, sparql=False)


def test_markup_in_labels_is_escaped(evil_app: Flask) -> None:
    client = evil_app.test_client()
    for path in ("/doc/testkommun", "/doc/testkommun/kommunfullmaktige", "/"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in html, path
        assert "<b>fet</b>" not in html
    html = client.get("/doc/testkommun").get_data(as_text=True)
    assert "&lt;script&gt;alert(" in html
    # the JSON-LD island cannot be closed by a literal
    island = html.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    assert "<script" not in island


def test_chosen_language_sticks_to_following_pages(app: Flask) -> None:
    client = app.test_client()
    client.get("/doc/haninge?lang=en", headers={"Accept-Language": "sv"})
    follow = client.get("/doc/haninge", headers={"Accept-Language": "sv"})
    assert "<h1>Haninge Municipality</h1>" in follow.get_data(as_text=True)
    assert "Cookie" in follow.headers["Vary"]


def test_head_and_unknown_suffix(client: FlaskClient) -> None:
    head = client.head("/doc/haninge", headers={"Accept": "text/turtle"})
    assert head.status_code == 200
    assert head.mimetype == "text/turtle"
    assert head.data == b""
    assert client.get("/doc/haninge.docx", headers={"Accept": "text/turtle"}).status_code == 404


def test_named_graph_documents(client: FlaskClient) -> None:
    nq = client.get("/graph/haninge", headers={"Accept": "application/n-quads"})
    assert nq.status_code == 200
    ds = rdflib.Dataset()
    ds.parse(data=nq.data, format="nquads")
    graph = ds.graph(rdflib.URIRef(BASE + "graph/haninge"))
    assert (rdflib.URIRef(HANINGE), rdflib.RDF.type, None) in graph
    html = client.get("/graph/haninge", headers={"Accept": "text/html"})
    assert html.status_code == 200 and b"graph/haninge" in html.data
    assert client.get("/graph/nothing").status_code == 404


def test_home_lists_municipalities_and_services(client: FlaskClient) -> None:
    html = client.get("/?lang=sv").get_data(as_text=True)
    for href in ("/doc/haninge", "/doc/haparanda", "/sparql", "/dataset", "/ontology", "/dumps/"):
        assert href in html, href
    assert "Haninge kommun" in html


@pytest.mark.parametrize("path", ["a%20b", "a%3Eb", "a%7Bb", "%00", 'a"b', "x" * 3000])
def test_odd_paths_are_404_not_500(client: FlaskClient, path: str) -> None:
    for accept in ("text/html", "text/turtle"):
        assert client.get(f"/doc/{path}", headers={"Accept": accept}).status_code == 404
        assert client.get(f"/graph/{path}", headers={"Accept": accept}).status_code == 404


def test_repeated_documents_come_from_the_response_cache(app: Flask) -> None:
    client = app.test_client()
    cache = app.wsgi_app.app  # type: ignore[attr-defined]  # the response cache, behind the gate
    headers = {"Accept": "text/turtle", "Accept-Language": "en;q=0.9"}
    first = client.get("/doc/haninge/vision", headers=headers)
    size = len(cache._entries)  # type: ignore[attr-defined]
    second = client.get("/doc/haninge/vision", headers=headers)
    assert len(cache._entries) == size  # type: ignore[attr-defined]
    assert second.data == first.data
    assert second.headers == first.headers
    # conditional requests still revalidate, other formats are their own entries
    etag = first.headers["ETag"]
    assert (
        client.get("/doc/haninge/vision", headers={**headers, "If-None-Match": etag}).status_code
        == 304
    )
    assert (
        client.get("/doc/haninge/vision", headers={"Accept": "application/n-triples"}).mimetype
        == "application/n-triples"
    )


def test_query_strings_and_cookies_that_change_nothing_share_one_cache_entry(app: Flask) -> None:
    client = app.test_client()
    cache = app.wsgi_app.app  # type: ignore[attr-defined]  # the response cache, behind the gate
    client.get("/doc/haninge/vision.ttl")
    size = len(cache._entries)  # type: ignore[attr-defined]
    for i in range(50):  # a crawler's tracking parameters, a client's own cookies
        r = client.get(
            f"/doc/haninge/vision.ttl?utm_source=x{i}", headers={"Cookie": f"session=s{i}"}
        )
        assert r.status_code == 200
    assert len(cache._entries) == size  # type: ignore[attr-defined]
    client.get("/doc/haninge/vision.ttl?lang=en")  # a parameter that matters is its own entry
    assert len(cache._entries) == size + 1  # type: ignore[attr-defined]
