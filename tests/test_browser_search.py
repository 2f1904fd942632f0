"""Site search in a real browser: the header box without and with the JavaScript suggestions,
grouped results, the way on to a result's page, axe-core on each state (fixtures and
``check`` come from ``test_browser``)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

import test_browser

pytestmark = [pytest.mark.browser, pytest.mark.server]

# the fixtures of test_browser, under the names the tests ask for
server = test_browser.server
browser = test_browser.browser
page = test_browser.page
check = test_browser.check
GOAL_PATH = re.compile(r"/doc/haninge/goal/malinriktat-miljoarbete$")


@pytest.fixture(scope="module")
def shots() -> Path:
    """The screenshot folder, left as it is (test_browser's fixture empties it)."""
    test_browser.SHOTS.mkdir(parents=True, exist_ok=True)
    return test_browser.SHOTS


def test_header_search_finds_the_goal_without_javascript_help(
    page: Any, server: str, shots: Path
) -> None:
    page.goto(server + "?lang=sv")
    box = page.locator("header #site-search")
    box.fill("malinriktat")
    box.press("Enter")
    page.wait_for_url(re.compile(r"/search\?q=malinriktat&lang=sv$"))
    assert page.locator("h1").inner_text() == "Sökresultat för ”malinriktat”"
    assert page.locator("#site-search").input_value() == "malinriktat"
    assert page.locator("#search-status").inner_text() == "1 träff"
    group = page.locator("main section", has=page.locator("h2", has_text="Kommunernas mål"))
    assert group.locator("h2").inner_text() == "Kommunernas mål (1)"
    assert "Haninge kommun" in group.locator("li").first.inner_text()
    check(page, shots, "search-results")

    group.locator("a", has_text="Målinriktat miljöarbete").click()
    page.wait_for_url(GOAL_PATH)
    assert page.locator("h1").inner_text() == "Målinriktat miljöarbete"


def test_suggestions_as_you_type_are_keyboard_operable(page: Any, server: str, shots: Path) -> None:
    page.goto(server + "search?lang=en")
    assert page.locator("h1").inner_text() == "Search"
    check(page, shots, "search-empty")
    box = page.locator("#site-search")
    assert box.get_attribute("role") == "combobox"
    box.press_sequentially("malinr", delay=30)
    options = page.locator("#site-search-list [role=option]")
    options.first.wait_for()
    assert box.get_attribute("aria-expanded") == "true"
    assert "Goal-oriented environmental work" in options.first.inner_text()
    check(page, shots, "search-suggestions")

    box.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant") == options.first.get_attribute("id")
    box.press("Enter")
    page.wait_for_url(GOAL_PATH)
    assert page.locator("h1").inner_text() == "Goal-oriented environmental work"


def test_english_results_and_no_results(page: Any, server: str, shots: Path) -> None:
    page.goto(server + "search?q=clean+air&lang=en")
    headings = page.locator("main h2").all_inner_texts()
    assert headings == ["Municipal goals (1)", "National and international objectives (1)"]
    check(page, shots, "search-results-en")

    page.goto(server + "search?q=zzzxq&lang=sv")
    assert page.locator("#search-status").inner_text() == "Inga träffar"
    check(page, shots, "search-no-results")
