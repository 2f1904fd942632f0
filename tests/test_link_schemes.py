"""Only web addresses, e-mail and telephone IRIs become links; the shapes refuse a web-page
property that is not an http(s) address (no "javascript:" link can be published)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from kgpub.rendering.html import linkable

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("iri", "link"),
    [
        ("https://www.haninge.se/", True),
        ("http://example.org/x", True),
        ("mailto:kommun@haninge.se", True),
        ("tel:+4686060000", True),
        ("javascript:alert(1)", False),
        (" JavaScript:alert(1)", False),
        ("data:text/html,<script>alert(1)</script>", False),
        ("urn:isbn:9789100000000", False),
        ("file:///etc/passwd", False),
    ],
)
def test_which_iris_become_links(iri: str, link: bool) -> None:
    assert linkable(iri) is link


def test_a_sparql_result_with_a_script_iri_is_shown_as_text(
    make_app: Callable[..., Flask],
) -> None:
    client = make_app(query_workers=1).test_client()
    query = 'SELECT (IRI("javascript:alert(1)") AS ?x) (IRI("https://example.org/") AS ?y) {}'
    html = client.get(
        "/sparql", query_string={"query": query}, headers={"Accept": "text/html"}
    ).get_data(as_text=True)
    assert "javascript:alert(1)" in html  # shown
    assert 'href="javascript:' not in html  # never a link
    assert 'href="https://example.org/"' in html


def test_the_shapes_refuse_a_script_address_on_a_web_page_property(tmp_path: Path) -> None:
    from kgpub.config import Settings
    from kgpub.publish.sources import load_snapshot
    from kgpub.publish.validate import validate

    data = tmp_path / "data"
    data.mkdir()
    good = (ROOT / "data" / "un-agenda-2030.ttl").read_text()
    (data / "un-agenda-2030.ttl").write_text(
        good.replace("<http://metadata.un.org/sdg/>", "<javascript:alert(1)>")
    )
    assert "javascript:alert(1)" in (data / "un-agenda-2030.ttl").read_text()
    settings = Settings.load(root=ROOT, env={}, data_dir=data)
    report = validate(load_snapshot(settings))
    assert not report.conforms
    assert any(
        "http://" in str(v.message) and "see also" in str(v.message) for v in report.violations
    )
