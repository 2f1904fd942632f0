"""/dataset (VoID + DCAT, checked against the DCAT-AP 3.0.1 shapes), dumps, sitemap, crawl."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import rdflib
from flask import Flask
from flask.testing import FlaskClient

from kgpub.config import Settings
from kgpub.web import create_app

ROOT = Path(__file__).resolve().parents[1]
STANDARDS = (ROOT / ".." / "shared" / "standards").resolve()
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
HOST = "http://localhost/"


@pytest.fixture(scope="module")
def app() -> Iterator[Flask]:
    flask_app = create_app(Settings.load(root=ROOT, env={}), sparql=True)
    yield flask_app
    flask_app.extensions["kgpub_sparql"].pool.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def dataset_graph(client: FlaskClient) -> rdflib.Graph:
    resp = client.get("/dataset", headers={"Accept": "text/turtle"})
    assert resp.status_code == 200
    return rdflib.Graph().parse(data=resp.data, format="turtle")


def test_dataset_description_has_void_and_dcat(client: FlaskClient) -> None:
    g = dataset_graph(client)
    ds = rdflib.URIRef("https://w3id.org/kgpub/dataset")
    assert (ds, rdflib.RDF.type, DCAT.Dataset) in g
    assert (ds, VOID.sparqlEndpoint, rdflib.URIRef("https://w3id.org/kgpub/sparql")) in g
    assert int(g.value(ds, VOID.triples)) > 1000
    assert len(list(g.objects(ds, DCAT.distribution))) == 5
    assert (None, DCAT.endpointURL, rdflib.URIRef("https://w3id.org/kgpub/sparql")) in g
    assert client.get("/dataset").mimetype == "text/html"
    assert client.get("/dataset.jsonld").mimetype == "application/ld+json"


@pytest.mark.skipif(
    not (STANDARDS / "dcat-ap-3.0.1-shacl.ttl").exists(),
    reason=f"DCAT-AP 3.0.1 shapes not found at {STANDARDS} (the shared/ folder is absent)",
)
def test_dataset_description_conforms_to_dcat_ap(client: FlaskClient) -> None:
    import pyshacl

    shapes = rdflib.Graph().parse(STANDARDS / "dcat-ap-3.0.1-shacl.ttl")
    # The release file lists some property shapes (the range checks) that it defines only
    # in dcat-ap-3.0.1-shacl-ranges.ttl, partly not at all; pyshacl refuses such references,
    # so the undefined ones are dropped and every defined constraint is checked.
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    for node, prop in list(shapes.subject_objects(sh.property)):
        if (prop, sh.path, None) not in shapes:
            shapes.remove((node, sh.property, prop))
    conforms, _, text = pyshacl.validate(dataset_graph(client), shacl_graph=shapes)
    assert conforms, text


def test_dumps(client: FlaskClient) -> None:
    index = client.get("/dumps/")
    assert index.status_code == 200
    for name in ("kgpub.ttl", "kgpub.nt.gz", "kgpub.trig", "kgpub.nq"):
        resp = client.get(f"/dumps/{name}")
        assert resp.status_code == 200, name
        assert int(resp.headers["Content-Length"]) == len(resp.data)
        assert resp.headers["Last-Modified"]
        assert resp.headers["Access-Control-Allow-Origin"] == "*"
    nt = gzip.decompress(client.get("/dumps/kgpub.nt.gz").data)
    assert len(rdflib.Graph().parse(data=nt, format="nt")) > 1000
    ds = rdflib.Dataset()
    ds.parse(data=client.get("/dumps/kgpub.trig").data, format="trig")
    graphs = {str(c.identifier) for c in ds.contexts()}
    assert "https://w3id.org/kgpub/graph/haninge" in graphs
    assert client.get("/dumps/nothing.zip").status_code == 404


def test_sitemap_and_robots(client: FlaskClient) -> None:
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    assert f"<loc>{HOST}doc/haninge</loc>" in sitemap
    assert "Sitemap:" in client.get("/robots.txt").get_data(as_text=True)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value and ((tag == "a" and name == "href") or (tag == "link" and name == "href")):
                self.links.append(value)


def test_crawl_from_home_finds_no_broken_link(client: FlaskClient) -> None:
    seen: set[str] = set()
    queue = ["/", "/?lang=en"]
    broken: list[tuple[str, str, int]] = []
    while queue:
        path = queue.pop()
        if path in seen:
            continue
        seen.add(path)
        resp = client.get(path, headers={"Accept": "text/html"}, follow_redirects=True)
        if resp.status_code != 200:
            broken.append((path, "", resp.status_code))
            continue
        if resp.mimetype != "text/html":
            continue
        parser = _Links()
        parser.feed(resp.get_data(as_text=True))
        for link in parser.links:
            url = urljoin(HOST + path.lstrip("/"), link)
            if not url.startswith(HOST):
                continue
            parts = urlsplit(url)
            local = parts.path + (f"?{parts.query}" if parts.query else "")
            if local not in seen:
                queue.append(local)
    assert not broken, broken[:10]
    assert len(seen) > 100
    assert any(p.startswith("/doc/haparanda/budget") for p in seen)
    assert "/ontology" in {p.split("?")[0] for p in seen}
