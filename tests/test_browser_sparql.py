"""The SPARQL query page in a real browser: inside the site's frame, with YASGUI from kgpub's
own server, an example that runs and shows results; and the plain form without JavaScript
(fixtures and ``check`` come from ``test_browser``)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

import test_browser

pytestmark = [pytest.mark.browser, pytest.mark.server]

server = test_browser.server
browser = test_browser.browser
page = test_browser.page
check = test_browser.check


@pytest.fixture(scope="module")
def shots() -> Path:
    """The screenshot folder, left as it is (test_browser's fixture empties it)."""
    test_browser.SHOTS.mkdir(parents=True, exist_ok=True)
    return test_browser.SHOTS


def test_query_page_has_the_site_frame_and_yasgui_runs_an_example(
    page: Any, server: str, shots: Path
) -> None:
    page.goto(server + "sparql?lang=en")
    assert page.locator("header.top a.brand").inner_text() == "kgpub"
    assert page.locator("header.top a.lang").count() == 1
    assert page.locator("footer").count() == 1
    assert page.locator("h1").inner_text() == "SPARQL query"
    # YASGUI took the place of the plain form
    page.locator("#yasgui .yasqe .CodeMirror").wait_for()
    assert not page.locator("#query-form").is_visible()

    page.locator("#examples a", has_text="Named graphs and their sizes").click()
    table = page.locator("#yasgui .yasr table")
    table.locator("td", has_text="graph/haninge").first.wait_for()
    assert "triples" in table.locator("thead").inner_text()
    check(page, shots, "sparql-yasgui")


def test_query_page_without_javascript_posts_the_form_and_shows_results(
    browser: Any, server: str, shots: Path
) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(server + "sparql?lang=en")
        assert page.locator("header.top a.brand").count() == 1
        form = page.locator("#query-form")
        assert form.is_visible()
        page.locator("#query").fill(
            "SELECT ?n WHERE { ?m <http://www.w3.org/2000/01/rdf-schema#label> ?n . "
            'FILTER(?n = "Haninge kommun"@sv) }'
        )
        with page.expect_navigation():
            form.locator("button[type=submit]").click()
        assert re.search(r"/sparql$", page.url)
        assert (
            page.locator("#results h2").inner_text() == "Results: 1 row"
        )  # English, as chosen with ?lang=en
        assert page.locator("#results td").first.inner_text().startswith("Haninge kommun")
        page.screenshot(path=str(shots / "sparql-no-js.png"), full_page=True)
    finally:
        context.close()
