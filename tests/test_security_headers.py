"""Every answer carries the security headers; no page runs inline script."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from kgpub.web.headers import CONTENT_SECURITY_POLICY, QUERY_PAGE_POLICY

PAGES = [
    "/",
    "/doc/haninge",
    "/doc/haninge.ttl",
    "/alignment/haninge",
    "/compare?m=haninge&m=haparanda",
    "/municipalities",
    "/search?q=mal",
    "/ontology",
    "/shapes",
    "/dataset",
    "/dumps/",
    "/sparql?query=ASK%7B%7D",
    "/no/such/page",
    "/id/%0a",
]


@pytest.fixture(scope="module")
def client(make_app: Callable[..., Flask]) -> FlaskClient:
    return make_app(query_workers=1).test_client()


@pytest.mark.parametrize("path", PAGES)
def test_every_answer_carries_the_security_headers(client: FlaskClient, path: str) -> None:
    r = client.get(path, headers={"Accept": "text/html"})
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert r.headers["X-Frame-Options"] == "DENY"
    policy = r.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy
    assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]


def test_pages_allow_no_inline_style_but_the_query_page(client: FlaskClient) -> None:
    assert client.get("/doc/haninge").headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "style-src 'self';" in CONTENT_SECURITY_POLICY
    page = client.get("/sparql", headers={"Accept": "text/html"})
    assert page.headers["Content-Security-Policy"] == QUERY_PAGE_POLICY


@pytest.mark.parametrize("path", ["/", "/doc/haparanda", "/sparql", "/alignment/haninge"])
def test_no_page_has_inline_script_or_style_attributes(client: FlaskClient, path: str) -> None:
    html = client.get(path, headers={"Accept": "text/html"}).get_data(as_text=True)
    scripts = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert all('type="application/ld+json"' in attrs for attrs in scripts), scripts
    assert not re.search(r"<style|\sstyle=|\son[a-z]+=", html)


def test_json_ld_in_a_page_cannot_close_its_script_element(client: FlaskClient) -> None:
    html = client.get("/doc/haninge").get_data(as_text=True)
    block = html.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    assert "<" not in block
