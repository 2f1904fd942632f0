"""The published pages in a real browser: headless Debian Chromium driven by Playwright.

Walks home -> municipality -> goal -> national objective -> back via the breadcrumb, switches
language, expands the goal tree with the keyboard, reads the budget chart, opens the alignment
matrix, compares two municipalities, saves a screenshot of each page type under
``test-output/screenshots/``, runs axe-core (installed from npm by ``scripts/system-deps.sh``)
on each page type and checks that no page asks for anything outside the kgpub server.
"""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kgpub_server import kgpub_serve

pytestmark = [pytest.mark.browser, pytest.mark.server]

ROOT = Path(__file__).resolve().parents[1]
KGPUB = Path(sys.executable).parent / "kgpub"
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = ROOT / "test-output" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: What Chromium's console says when the Content-Security-Policy refuses something.
CSP_REPORT = "Content Security Policy"
AXE_SOURCE = f"() => {{ {AXE.read_text()} ; window.axe = axe; }}" if AXE.exists() else ""
SKOS_BROAD_MATCH = "http://www.w3.org/2004/02/skos/core#broadMatch"
sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """``kgpub serve`` (gunicorn) on a free 127.0.0.1 port; yields its base URL."""
    with kgpub_serve() as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail("chromium is missing: run `make system-deps` (scripts/system-deps.sh)")
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `make system-deps` (npm ci)")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="session")
def shots() -> Path:
    shutil.rmtree(SHOTS, ignore_errors=True)
    SHOTS.mkdir(parents=True)
    return SHOTS


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    """A fresh page that records every request it makes; at the end all must be to ``server``."""
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    p = context.new_page()
    p.set_default_timeout(10_000)
    requested: list[str] = []
    p.on("request", lambda r: requested.append(r.url))
    refused: list[str] = []
    p.on("console", lambda m: refused.append(m.text) if CSP_REPORT in m.text else None)
    try:
        yield p
    finally:
        context.close()
    outside = [u for u in requested if not u.startswith(server)]
    assert requested, "the page made no requests at all"
    assert not outside, f"requests outside the kgpub server: {outside}"
    assert not refused, "the Content-Security-Policy refused:\n" + "\n".join(refused)


def check(page: Any, shots: Path, name: str) -> None:
    """Screenshot the page and assert axe-core finds nothing serious or critical."""
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    # evaluated through the DevTools protocol, so the page's CSP (no inline script) allows it
    page.evaluate(AXE_SOURCE)
    result = page.evaluate("async () => await axe.run(document)")
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} -> "
        + "; ".join(n["target"][0] if n["target"] else "?" for n in v["nodes"][:5])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"axe-core on {name} ({page.url}):\n" + "\n".join(bad)


def test_walk_from_home_to_objective_and_back(page: Any, server: str, shots: Path) -> None:
    page.goto(server + "?lang=sv")
    assert page.locator("h1").inner_text().startswith("kgpub")
    check(page, shots, "home")

    page.locator("main a", has_text="Haparanda").first.click()
    page.wait_for_url(re.compile(r"/doc/haparanda$"))
    assert "Haparanda" in page.locator("h1").inner_text()
    check(page, shots, "municipality")

    page.locator("ul.tree a", has_text="Frisk luft").first.click()
    page.wait_for_url("**/doc/haparanda/**")
    assert page.locator("h1").inner_text() == "Frisk luft"
    check(page, shots, "goal")

    row = page.locator("table.props tr").filter(
        has=page.locator(f'th a[title="{SKOS_BROAD_MATCH}"]')
    )
    row.locator("td a").first.click()
    page.wait_for_url(re.compile(r"/doc/se/environmental-objective/frisk-luft$"))
    assert page.locator("h1").inner_text() == "Frisk luft"
    check(page, shots, "national-objective")

    page.go_back()
    page.wait_for_url("**/doc/haparanda/**")
    page.locator("nav.crumbs a", has_text="Haparanda").click()
    page.wait_for_url(re.compile(r"/doc/haparanda$"))
    assert "Haparanda" in page.locator("h1").inner_text()


def test_language_switch(page: Any, server: str, shots: Path) -> None:
    page.goto(server + "doc/haparanda/environmental-goal/frisk-luft?lang=sv")
    assert page.locator("html").get_attribute("lang") == "sv"
    assert page.locator("h1").inner_text() == "Frisk luft"
    assert page.locator("nav.crumbs a").first.inner_text() == "Start"

    page.locator("header a.lang").click()
    page.wait_for_url("**lang=en**")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Clean air"
    assert page.locator("nav.crumbs a").first.inner_text() == "Home"
    check(page, shots, "goal-en")

    page.locator("header a.lang").click()
    page.wait_for_url("**lang=sv**")
    assert page.locator("h1").inner_text() == "Frisk luft"


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("sparql", "sparql"),
        ("dataset", "dataset?lang=en"),
        ("ontology", "ontology?lang=sv"),
        ("shapes", "shapes?lang=en"),
        ("dumps", "dumps/?lang=sv"),
        ("municipalities", "municipalities?lang=sv"),
        ("municipalities-letter", "municipalities?letter=H&lang=en"),
        ("not-found", "doc/nothing-here?lang=en"),
    ],
)
def test_other_page_types(page: Any, server: str, shots: Path, name: str, path: str) -> None:
    response = page.goto(server + path)
    assert response.status == (404 if name == "not-found" else 200)
    assert page.locator("h1").count() == 1
    check(page, shots, name)


def test_goal_tree_expands_with_the_keyboard(page: Any, server: str, shots: Path) -> None:
    page.goto(server + "doc/haparanda?lang=en")
    tree = page.locator("ul.tree[data-tree]").first
    first_goal = tree.locator(":scope > li.node > a").first
    assert first_goal.inner_text() == "Clean air"
    objective = tree.locator("li.node").first.locator("ul.matches a").first
    assert not objective.is_visible()

    first_goal.focus()
    page.keyboard.press("ArrowRight")  # opens what lies under the goal
    assert objective.is_visible()
    assert objective.inner_text() == "Clean air"
    page.keyboard.press("ArrowLeft")  # and closes it again
    assert not objective.is_visible()
    page.keyboard.press("ArrowDown")  # to the next goal
    assert page.evaluate("document.activeElement.textContent") == "Reduced climate impact"
    page.keyboard.press("End")
    assert page.evaluate("document.activeElement.textContent") == "A non-toxic environment"

    # without the script's keys: Tab reaches the disclosure, Enter opens it
    summary = tree.locator("li.node").first.locator("summary")
    summary.focus()
    page.keyboard.press("Enter")
    assert objective.is_visible()

    page.get_by_role("button", name="Collapse all").first.click()
    assert not objective.is_visible()
    page.get_by_role("button", name="Expand all").first.click()
    assert objective.is_visible()
    check(page, shots, "municipality-tree-open")


def test_budget_chart_and_table_in_both_languages(page: Any, server: str, shots: Path) -> None:
    page.goto(server + "doc/haparanda?lang=sv")
    chart = page.locator("section.budget svg[role=img]")
    assert chart.is_visible()
    box = chart.bounding_box()
    assert box is not None and box["width"] > 300
    bars = page.locator("section.budget rect.bar")
    assert bars.count() == 4
    widths = [bars.nth(i).bounding_box()["width"] for i in range(4)]
    assert widths == sorted(widths, reverse=True)
    table = page.locator("section.budget table")
    assert "144,0 mnkr" in table.inner_text()
    page.locator("header a.lang").click()
    page.wait_for_url("**lang=en**")
    assert "SEK 144.0 million" in page.locator("section.budget table").inner_text()
    assert "SEK 308.0 million" in page.locator("section.budget svg").text_content()
    page.set_viewport_size({"width": 390, "height": 800})
    page.screenshot(path=str(shots / "municipality-narrow.png"), full_page=True)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways on a phone by {overflow}px"


def test_alignment_matrix_cells_lead_to_the_alignment(page: Any, server: str, shots: Path) -> None:
    page.goto(server + "doc/haparanda?lang=en")
    page.locator("nav.overview-links a", has_text="Alignment").click()
    page.wait_for_url("**/alignment/haparanda**")
    assert page.locator("table.matrix").is_visible()
    check(page, shots, "alignment")
    row = page.locator("table.matrix tbody tr").filter(has_text="Clean air")
    row.locator("a.mark").click()
    page.wait_for_url(re.compile(r"/doc/haparanda/alignment/frisk-luft$"))
    assert "Clean air" in page.locator("h1").inner_text()


def test_compare_two_municipalities(page: Any, server: str, shots: Path) -> None:
    page.goto(server + "compare?lang=en")
    check(page, shots, "compare-form")
    page.get_by_label("Haninge Municipality").check()
    page.get_by_label("Haparanda Municipality").check()
    page.get_by_role("button", name="Compare", exact=True).click()
    page.wait_for_url("**m=haninge&m=haparanda**")
    header = page.locator("table.compare").first.locator("thead th")
    assert [header.nth(i).inner_text() for i in range(header.count())] == [
        "Haninge Municipality",
        "Haparanda Municipality",
    ]
    assert "SEK 710.1 million" in page.locator("table.compare").first.inner_text()
    check(page, shots, "compare")


def test_objective_page_lists_municipality_goals(page: Any, server: str, shots: Path) -> None:
    page.goto(server + "doc/se/environmental-objective/frisk-luft?lang=en")
    section = page.locator("section.linked-goals")
    assert "Haparanda Municipality" in section.inner_text()
    section.locator("a", has_text="Clean air").click()
    page.wait_for_url(re.compile(r"/doc/haparanda/environmental-goal/frisk-luft$"))
    check(page, shots, "goal-from-objective")


def test_pages_work_without_javascript(browser: Any, server: str, shots: Path) -> None:
    """The tree opens, search answers and compare submits with scripts switched off."""
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1100, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(server + "doc/haparanda?lang=en")
        assert page.locator(".tree-tools").count() == 0  # no script, no extra buttons
        first = page.locator("ul.tree[data-tree] > li.node").first
        objective = first.locator("ul.matches a").first
        assert not objective.is_visible()
        first.locator("summary").click()
        assert objective.is_visible()

        page.locator("#site-search").fill("malinriktat")
        page.locator("#site-search").press("Enter")
        page.wait_for_url("**/search?q=malinriktat**")
        page.locator("main a", has_text="Goal-oriented environmental work").first.click()
        page.wait_for_url("**/doc/haninge/goal/malinriktat-miljoarbete")

        page.goto(server + "compare?lang=en")
        page.get_by_label("Haninge Municipality").check()
        page.get_by_label("Haparanda Municipality").check()
        page.get_by_role("button", name="Compare", exact=True).click()
        page.wait_for_url("**m=haninge&m=haparanda**")
        assert page.locator("table.compare").first.is_visible()
        page.screenshot(path=str(shots / "compare-no-javascript.png"), full_page=True)
    finally:
        context.close()
