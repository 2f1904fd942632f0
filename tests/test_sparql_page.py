"""The SPARQL query page: part of the site, YASGUI from kgpub's own server, examples for the
configured base IRI, a plain form that works without JavaScript; and the one format registry
that the endpoint's formats come from."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape
from pathlib import Path

import pytest
import rdflib
from flask import Flask
from flask.testing import FlaskClient

from kgpub import formats

MakeApp = Callable[..., Flask]
SRC = Path(__file__).resolve().parents[1] / "src" / "kgpub"
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
OTHER_BASE = "https://data.example.org/strategi/"


@pytest.fixture(scope="module")
def client(make_app: MakeApp) -> FlaskClient:
    return make_app(query_workers=1).test_client()


def test_query_page_is_a_site_page_with_yasgui_from_this_server(client: FlaskClient) -> None:
    page = client.get("/sparql?lang=en", headers=BROWSER).data.decode()
    assert '<header class="top">' in page and "<footer>" in page
    assert 'class="lang"' in page  # the language switch
    assert 'src="/vendor/yasgui/yasgui.min.js"' in page
    assert 'href="/vendor/yasgui/yasgui.min.css"' in page
    js = client.get("/vendor/yasgui/yasgui.min.js")
    assert js.status_code == 200 and b"Yasgui" in js.data
    # no inline script (a strict CSP is coming): the configuration is a data attribute
    scripts = re.findall(r"<script([^>]*)>", page)
    assert scripts and all("src=" in attrs for attrs in scripts)
    config = re.search(r'id="yasgui" data-config="([^"]*)"', page)
    assert config is not None
    assert '"endpoint": "http://localhost/sparql"' in unescape(config.group(1))


def test_without_yasgui_files_the_page_keeps_its_plain_form(
    make_app: MakeApp, tmp_path: Path
) -> None:
    client = make_app(query_workers=1, yasgui_dir=tmp_path / "missing").test_client()
    page = client.get("/sparql", headers=BROWSER).data.decode()
    assert "yasgui.min.js" not in page
    assert '<form id="query-form" method="post"' in page
    assert client.get("/vendor/yasgui/yasgui.min.js").status_code == 404


def test_form_posted_without_javascript_shows_the_results_in_the_page(
    client: FlaskClient,
) -> None:
    query = (
        'SELECT ?m WHERE { ?m <http://www.w3.org/2000/01/rdf-schema#label> "Haninge kommun"@sv }'
    )
    r = client.post("/sparql?lang=sv", data={"query": query, "format": ""}, headers=BROWSER)
    assert r.status_code == 200 and r.mimetype == "text/html"
    page = r.data.decode()
    assert '<header class="top">' in page
    assert "Resultat: 1 rad" in page
    assert '<a href="/id/haninge">https://w3id.org/kgpub/id/haninge</a>' in page


def test_an_error_is_shown_inside_the_site_page(client: FlaskClient) -> None:
    r = client.post("/sparql", data={"query": "SELECT * WHERE { ?s ?p }"}, headers=BROWSER)
    assert r.status_code == 400 and r.mimetype == "text/html"
    page = r.data.decode()
    assert '<header class="top">' in page and 'class="error"' in page
    assert r.headers["Access-Control-Allow-Origin"] == "*"


def test_examples_name_the_configured_base_iri(make_app: MakeApp) -> None:
    client = make_app(base_iri=OTHER_BASE, query_workers=1).test_client()
    page = unescape(client.get("/sparql", headers=BROWSER).data.decode())
    assert f"PREFIX kgpub: <{OTHER_BASE}ontology#>" in page
    assert f"DESCRIBE <{OTHER_BASE}id/haparanda>" in page
    assert f"<{OTHER_BASE}id/se/environmental-objectives>" in page
    assert "w3id.org/kgpub" not in page
    # and they answer under that base
    describe = client.get("/sparql", query_string={"query": f"DESCRIBE <{OTHER_BASE}id/haparanda>"})
    assert describe.status_code == 200 and len(describe.data) > 100


def test_service_description_result_formats_come_from_the_registry(
    client: FlaskClient,
) -> None:
    r = client.get("/sparql", headers={"Accept": "text/turtle"})
    graph = rdflib.Graph().parse(data=r.data, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    described = {str(o) for o in graph.objects(None, sd.resultFormat)}
    assert described == {f.w3c_iri for f in formats.RESULT_FORMATS}


def test_the_registry_is_the_only_format_table() -> None:
    """No module but formats.py spells a media type of the registry."""
    spelled = {
        f.media_type
        for f in (*formats.ALL_FORMATS, *formats.RESULT_FORMATS)
        if f not in (formats.HTML, formats.PLAIN_TEXT)
    }
    found = []
    for path in SRC.rglob("*.py"):
        if path.name == "formats.py":
            continue
        text = path.read_text(encoding="utf-8")
        found += [f"{path.relative_to(SRC)}: {mt}" for mt in spelled if f'"{mt}"' in text]
    assert not found, found


def test_download_links_use_the_registry_keys(client: FlaskClient) -> None:
    for fmt in formats.RESULT_FORMATS:
        query = (
            "ASK {}" if fmt in formats.SOLUTION_FORMATS else "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1"
        )
        r = client.get("/sparql", query_string={"query": query, "format": fmt.key})
        assert r.status_code == 200, fmt.key
        assert r.headers["Content-Type"] == fmt.content_type
        assert f"query-results.{fmt.extension}" in r.headers["Content-Disposition"]
