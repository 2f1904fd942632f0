"""The pages residents and officials read: a municipality's overview (goal tree, budget chart,
vision), its alignment matrix, objective pages listing linked goals, and the comparison.

Runs on the published data, plus a made-up municipality (tests/fixtures/deep) whose goals go
three levels deep, carry targets and an indicator, and include an interpreted alignment.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from kgpub.config import Settings
from kgpub.web import create_app

ROOT = Path(__file__).resolve().parents[1]
BASE = "https://w3id.org/kgpub/"
K = BASE + "ontology#"


class Elements(HTMLParser):
    """Collects (tag, attributes, text) of every element, for assertions on structure."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str], list[str]]] = []
        self.open: list[tuple[str, dict[str, str], list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        entry: tuple[str, dict[str, str], list[str]] = (tag, {k: v or "" for k, v in attrs}, [])
        self.found.append(entry)
        if tag not in {"br", "img", "input", "link", "meta", "rect", "hr"}:
            self.open.append(entry)

    def handle_endtag(self, tag: str) -> None:
        while self.open:
            if self.open.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        for entry in self.open:
            entry[2].append(data)

    def all(self, tag: str, **attrs: str) -> list[tuple[dict[str, str], str]]:
        return [
            (a, " ".join(" ".join(text).split()))
            for t, a, text in self.found
            if t == tag and all(a.get(k.rstrip("_")) == v for k, v in attrs.items())
        ]

    def texts(self, tag: str, **attrs: str) -> list[str]:
        return [text for _, text in self.all(tag, **attrs)]


def parse(html: bytes) -> Elements:
    doc = Elements()
    doc.feed(html.decode())
    return doc


@pytest.fixture(scope="module")
def client() -> Iterator[FlaskClient]:
    yield create_app(Settings.load(root=ROOT, env={}), sparql=False).test_client()


def _deep_app(data: Path) -> Flask:
    for f in (ROOT / "data").glob("*.ttl"):
        shutil.copy(f, data)
    shutil.copy(ROOT / "tests" / "fixtures" / "deep" / "exempelby.ttl", data)
    return create_app(Settings.load(root=ROOT, env={}, data_dir=data), sparql=False)


@pytest.fixture(scope="module")
def deep_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    yield _deep_app(tmp_path_factory.mktemp("deep-data"))


@pytest.fixture
def fresh_deep_app(tmp_path: Path) -> Flask:
    """The deep data in an app of its own, whose page cache no other test has filled."""
    return _deep_app(tmp_path)


@pytest.fixture
def deep(deep_app: Flask) -> FlaskClient:
    return deep_app.test_client()


def page(client: FlaskClient, url: str) -> Elements:
    resp = client.get(url)
    assert resp.status_code == 200, resp.data[:500]
    assert resp.content_type == "text/html; charset=utf-8"
    return parse(resp.data)


# --- municipality overview --------------------------------------------------------------


def test_budget_amounts_are_formatted_for_the_language(client: FlaskClient) -> None:
    sv = page(client, "/doc/haparanda?lang=sv")
    en = page(client, "/doc/haparanda?lang=en")
    sv_cells = sv.texts("td", class_="num")
    en_cells = en.texts("td", class_="num")
    assert "144,0 mnkr" in sv_cells
    assert "SEK 144.0 million" in en_cells
    assert "20,3 %" in sv_cells  # (a no-break space, normalised by the parser helper)
    assert "20.3%" in en_cells


def test_budget_chart_is_svg_with_text_alternative_and_table(client: FlaskClient) -> None:
    doc = page(client, "/doc/haparanda?lang=en")
    svg = doc.all("svg", role="img")
    assert len(svg) == 1
    titles = doc.texts("title")
    descs = doc.texts("desc")
    assert any("Allocation by recipient" in t for t in titles)
    for recipient, amount in [
        ("Social Services Committee", "SEK 308.0 million"),
        ("Children and Youth Committee", "SEK 252.9 million"),
        ("Municipal Executive Board", "SEK 144.0 million"),
        ("Community Development Committee", "SEK 5.2 million"),
    ]:
        assert f"{recipient}: {amount}" in descs[0]
    bars = [float(a["width"]) for a, _ in doc.all("rect", class_="bar")]
    # largest first; bar lengths proportional to the amounts (308.0 : 252.9 : 144.0 : 5.2)
    assert bars == sorted(bars, reverse=True)
    assert bars[1] / bars[0] == pytest.approx(252.9 / 308.0, rel=1e-2)
    # the table for screen readers: one row per allocation and the sum, labelled as such
    rows = doc.texts("tr")
    assert any(
        "Social Services Committee SEK 308.0 million 43.4% 308,0 miljoner kronor" in r for r in rows
    )
    assert any(r.startswith("Sum of the allocations listed SEK 710.1 million") for r in rows)


def test_budget_lines_show_the_amount_as_stated_in_its_scale(client: FlaskClient) -> None:
    """kgpub:statedAmount 252.9 with unitMult 6 and decimals 1: "252,9 mnkr", not a figure
    reformatted from kronor; the sum is computed from kgpub:amount."""
    sv = page(client, "/doc/haparanda?lang=sv")
    cells = sv.texts("td", class_="num")
    assert [c for c in cells if c.endswith("mnkr")][:4] == [
        "308,0 mnkr",
        "252,9 mnkr",
        "144,0 mnkr",
        "5,2 mnkr",
    ]
    assert "710,1 mnkr" in cells


@pytest.mark.parametrize(
    ("number", "mult", "decimals", "lang", "shown"),
    [
        ("252.9", 6, 1, "sv", "252,9 mnkr"),
        ("252.9", 6, 1, "en", "SEK 252.9 million"),
        ("5.20", 6, 2, "sv", "5,20 mnkr"),
        ("1.25", 9, 2, "en", "SEK 1.25 billion"),
        ("740", 3, 0, "sv", "740 tkr"),
        ("1200", 0, 0, "en", "SEK 1,200"),
    ],
)
def test_stated_amount_keeps_the_source_scale_and_decimals(
    number: str, mult: int, decimals: int, lang: str, shown: str
) -> None:
    from decimal import Decimal

    from kgpub.rendering.html import PageContext

    ctx = PageContext(BASE, "http://localhost/", lang, "/")
    assert ctx.stated_amount(Decimal(number), mult, decimals, "SEK") == shown


def test_priority_areas_in_the_ruling_majoritys_platform_are_listed(client: FlaskClient) -> None:
    """Haninge's four areas have no owner: they are set out in the platform of the ruling
    majority (kgpub:definedIn), which the page says, as the source does."""
    doc = page(client, "/doc/haninge?lang=sv")
    items = [" ".join(t.replace(" )", ")").split()) for t in doc.texts("li") if "(i " in t]
    assert items == [
        f"{name} (i Det politiska styrets plattform)"
        for name in ("Ett tryggare Haninge", "Utbildning", "Jobb och näringsliv", "Samhällsbyggnad")
    ]
    links = {a["href"] for a, text in doc.all("a") if text == "Det politiska styrets plattform"}
    assert links == {"http://localhost/doc/haninge/platform"}


def test_haparanda_priorities_have_their_heading_area_and_county(client: FlaskClient) -> None:
    doc = page(client, "/doc/haparanda?lang=en")
    assert "The municipal council's priorities: three main directions" in doc.texts("h3")
    areas = doc.texts("small", class_="supports-area")
    assert len(areas) == 3
    assert (
        areas[0]
        == "Vision area: We create cooperation without borders through openness and curiosity"
    )
    assert doc.texts("p", class_="county") == ["County: Norrbotten County"]


def test_vision_shows_horizon_and_decision_year(client: FlaskClient) -> None:
    doc = page(client, "/doc/haparanda?lang=en")
    terms = dict(zip(doc.texts("dt"), doc.texts("dd"), strict=False))
    assert terms.get("Horizon") == "2035"
    assert terms.get("Year of decision") == "2020"
    sv = page(client, "/doc/haparanda?lang=sv")
    assert "Tidshorisont" in sv.texts("dt")


def test_goal_tree_links_goals_to_objectives_with_their_basis(client: FlaskClient) -> None:
    doc = page(client, "/doc/haparanda?lang=en")
    trees = doc.all("ul", class_="tree")
    assert trees, "a goal tree"
    clean_air = [a for a, text in doc.all("a") if text == "Clean air"]
    hrefs = {a["href"] for a in clean_air}
    assert "http://localhost/doc/haparanda/environmental-goal/frisk-luft" in hrefs
    assert "http://localhost/doc/se/environmental-objective/frisk-luft" in hrefs
    basis = doc.all("a", class_="basis basis_interpreted")
    assert len(basis) == 7  # the local environmental goals, paired by name
    agenda = [text for text in doc.texts("li") if text.startswith("in line with")]
    assert agenda == [
        "in line with The 2030 Agenda for Sustainable Development stated by the source"
    ]
    assert any(a["href"].endswith("/doc/haparanda/alignment/frisk-luft") for a, _ in basis)
    assert "Linked objectives (1)" in " ".join(doc.texts("summary"))


def test_goal_tree_goes_down_to_targets_and_indicators(deep: FlaskClient) -> None:
    html = deep.get("/doc/exempelby?lang=en").data.decode()
    doc = parse(html.encode())
    kinds = [(a["class"], text) for a, text in doc.all("li") if "node" in a.get("class", "")]
    labels = [text for _, text in kinds]
    assert [k for k, _ in kinds][:4] == [
        "node node-goal",
        "node node-goal",
        "node node-target",
        "node node-indicator",
    ]
    assert labels[0].startswith("Goal Climate-smart Exempelby")
    # nesting: the indicator sits inside the target, inside the sub-goal, inside the goal
    tree = html.index("data-tree")
    goal = html.index("Climate-smart Exempelby", tree)
    sub = html.index("Fossil-free transport", tree)
    target = html.index("All town buses run on electricity", tree)
    indicator = html.index("Share of electric buses", tree)
    assert goal < sub < target < indicator
    assert html.count("<details>", goal, indicator) == 3
    terms = dict(zip(doc.texts("dt"), doc.texts("dd"), strict=False))
    assert terms["target value"] == "100"
    assert terms["target year"] == "2030"


def test_tree_is_usable_without_javascript_and_enhanced_with_it(client: FlaskClient) -> None:
    html = client.get("/doc/haparanda").data.decode()
    assert "<details>" in html and "<summary>" in html
    assert '<script src="/static/tree.js" defer></script>' in html
    script = client.get("/static/tree.js")
    assert script.status_code == 200
    assert b"ArrowRight" in script.data


def test_budgets_are_grouped_per_budget_and_year(deep: FlaskClient) -> None:
    doc = page(deep, "/doc/exempelby?lang=sv")
    headings = doc.texts("h2")
    assert "Exempelbys budget 2024" in headings
    assert "Exempelbys budget 2025" in headings
    cells = doc.texts("td", class_="num")
    assert "1,2 mdkr" in cells
    assert "52 000 kr" in cells
    assert "144,0 mnkr" in cells


def test_page_says_what_it_is_made_of(client: FlaskClient) -> None:
    doc = page(client, "/doc/haparanda?lang=en")
    section = [a for a, _ in doc.all("section", class_="made-of")]
    assert section
    links = {text: a["href"] for a, text in doc.all("a")}
    assert links["The resource as Turtle"] == "/doc/haparanda.ttl"
    assert links["The resource as JSON-LD"] == "/doc/haparanda.jsonld"
    assert links["The named graph in Turtle"] == "/graph/haparanda.ttl"
    query = parse_qs(urlsplit(links["A SPARQL query that returns the same data"]).query)["query"][0]
    app = client.application
    store = app.extensions["kgpub_publisher"].store
    triples = store.construct(query)
    subjects = {t.subject.value for t in triples}
    assert BASE + "id/haparanda" in subjects
    assert BASE + "id/haparanda/vision" in subjects
    assert BASE + "id/haparanda/budget/2024/socialnamnden" in subjects


def test_plain_resource_offers_a_describe_query(client: FlaskClient) -> None:
    doc = page(client, "/doc/haninge/vision?lang=en")
    links = {text: a["href"] for a, text in doc.all("a")}
    query = parse_qs(urlsplit(links["A SPARQL query that returns the same data"]).query)["query"][0]
    assert query == f"DESCRIBE <{BASE}id/haninge/vision>"


def test_overview_links_to_alignment_and_compare(client: FlaskClient) -> None:
    doc = page(client, "/doc/haninge?lang=en")
    hrefs = {a["href"] for a, _ in doc.all("a")}
    assert "/alignment/haninge?lang=en" in hrefs
    assert "/compare?m=haninge&lang=en" in hrefs


# --- the alignment matrix ---------------------------------------------------------------


def test_alignment_matrix_has_every_goal_and_every_national_objective(
    client: FlaskClient,
) -> None:
    doc = page(client, "/alignment/haparanda?lang=en")
    groups = doc.texts("th", scope="colgroup")
    assert groups == [
        "Sweden's environmental objectives",
        "Gender-equality goals",
        "The 2030 Agenda for Sustainable Development",
    ]
    columns = doc.texts("th", scope="col", class_="obj")
    # generational goal + 16; the goal + 6 sub-goals; the agenda as a whole (kgpub:inLineWith)
    assert len(columns) == 17 + 7 + 1
    assert "Clean air" in columns and "Gender equality in health" in columns
    assert "The 2030 Agenda for Sustainable Development" in columns
    rows = doc.texts("th", scope="row", class_="goal depth-0")
    assert len(rows) == 16  # 9 overarching + 7 environmental goals
    marks = doc.all("a", class_="mark basis_interpreted")
    assert len(marks) == 7
    assert all(a["href"].startswith("http://localhost/doc/haparanda/alignment/") for a, _ in marks)
    stated = doc.all("a", class_="mark basis_stated")
    assert [a["href"] for a, _ in stated] == [
        "http://localhost/doc/haparanda/alignment/agenda-2030"
    ]
    assert "in line with" in stated[0][0]["title"]
    assert "8 links: 1 stated by the source, 7 interpretations." in doc.texts("p")


def test_alignment_cell_says_interpretation(deep: FlaskClient) -> None:
    doc = page(deep, "/alignment/exempelby?lang=en")
    interpreted = doc.all("a", class_="mark basis_interpreted")
    assert len(interpreted) == 1
    href, text = interpreted[0][0]["href"], interpreted[0][1]
    assert href.endswith("/doc/exempelby/alignment/jamstalldhet")
    assert "interpretation" in text and "related to" in text
    # sub-goals and targets are rows too, indented by depth
    assert doc.texts("th", class_="goal depth-2") == ["All town buses run on electricity"]


def test_alignment_without_links_says_so(client: FlaskClient) -> None:
    doc = page(client, "/alignment/haninge?lang=sv")
    assert "Datan anger inga kopplingar mellan kommunens mål och nationella eller globala mål." in (
        doc.texts("p")
    )
    assert len(doc.texts("th", scope="row", class_="goal depth-0")) == 9


@pytest.mark.parametrize("path", ["se/environmental-objective/frisk-luft", "nowhere"])
def test_alignment_of_something_else_is_404(client: FlaskClient, path: str) -> None:
    assert client.get(f"/alignment/{path}").status_code == 404


# --- objective pages --------------------------------------------------------------------


def test_objective_page_lists_linked_municipality_goals(deep: FlaskClient) -> None:
    doc = page(deep, "/doc/se/environmental-objective/begransad-klimatpaverkan?lang=en")
    assert "Municipality goals linked to this objective (2)" in doc.texts("h2")
    rows = [text for text in doc.texts("tr") if "close match of" in text]
    assert "Exempelby Municipality Climate-smart Exempelby close match of stated by the source" in (
        rows
    )
    broader = [text for text in doc.texts("tr") if "part of the broader" in text]
    assert "Haparanda Municipality Reduced climate impact part of the broader interpretation" in (
        broader
    )


def test_agenda_page_lists_the_goal_linked_to_the_whole_agenda(client: FlaskClient) -> None:
    doc = page(client, "/doc/un/agenda-2030?lang=en")
    assert "Municipality goals linked to this objective (1)" in doc.texts("h2")
    rows = doc.texts("tr")
    assert (
        "Haparanda Municipality Sustainable development in line with the 2030 Agenda "
        "in line with stated by the source"
    ) in rows
    sv = page(client, "/doc/un/agenda-2030?lang=sv")
    assert any("i linje med" in r and "anges i källan" in r for r in sv.texts("tr"))


def test_objective_without_links_has_no_list(client: FlaskClient) -> None:
    doc = page(client, "/doc/se/environmental-objective/storslagen-fjallmiljo?lang=en")
    assert "Municipality goals linked to this objective" not in " ".join(doc.texts("h2"))


def test_linked_goals_are_looked_up_only_when_some_link_maps_here(
    fresh_deep_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page's own incoming links show whether any goal maps to it; only then is the
    (remote: one more request) linked-goals query run."""
    from kgpub.site import site as pages

    asked: list[str] = []
    real = pages.objective_links

    def counting(store: object, objective: str, base: str) -> object:
        asked.append(objective)
        return real(store, objective, base)  # type: ignore[arg-type]

    monkeypatch.setattr(pages, "objective_links", counting)
    client = fresh_deep_app.test_client()
    page(client, "/doc/se/environmental-objective/storslagen-fjallmiljo?lang=sv")
    assert asked == []
    doc = page(client, "/doc/se/environmental-objective/begransad-klimatpaverkan?lang=en")
    assert asked == [BASE + "id/se/environmental-objective/begransad-klimatpaverkan"]
    assert "Municipality goals linked to this objective (2)" in doc.texts("h2")


def test_linked_goals_are_found_when_incoming_links_are_capped(
    fresh_deep_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kgpub.site import describe as resources

    monkeypatch.setattr(resources, "MAX_INCOMING", 1)
    doc = page(
        fresh_deep_app.test_client(),
        "/doc/se/environmental-objective/begransad-klimatpaverkan?lang=en",
    )
    assert any(p.startswith("Showing 1 of ") for p in doc.texts("p"))
    assert "Municipality goals linked to this objective (2)" in doc.texts("h2")


# --- compare ----------------------------------------------------------------------------


def test_compare_two_municipalities(client: FlaskClient) -> None:
    doc = page(client, "/compare?m=haninge&m=haparanda&lang=en")
    header = doc.texts("th", scope="col")
    assert header[:2] == ["Haninge Municipality", "Haparanda Municipality"]
    counts = [r for r in doc.texts("tr") if r.startswith("Number of goals")]
    assert counts == ["Number of goals 9 16"]
    budget = [r for r in doc.texts("tr") if r.startswith("Budget: sum")]
    assert budget == ["Budget: sum of the allocations listed not known SEK 710.1 million (2024)"]
    vision = next(r for r in doc.texts("tr") if r.startswith("Vision"))
    assert "Haninge Municipality's vision" in vision and "A future without borders" in vision
    assert "Horizon: 2035" in vision
    addressed = [r for r in doc.texts("tr") if r.startswith("Clean air")]
    assert addressed == ["Clean air – Clean air"]


def test_compare_form_lists_municipalities(client: FlaskClient) -> None:
    doc = page(client, "/compare?lang=sv")
    boxes = [a["value"] for a, _ in doc.all("input", type="checkbox")]
    assert boxes == ["haninge", "haparanda"]
    assert not doc.all("table", class_="compare")


def test_compare_rejects_unknown_and_too_many(client: FlaskClient) -> None:
    assert client.get("/compare?m=haninge&m=atlantis").status_code == 404
    many = "&".join(f"m=x{i}" for i in range(7))
    resp = client.get(f"/compare?{many}")
    assert resp.status_code == 400
    assert b"At most 6" in resp.data


def test_views_are_conditional_and_vary_by_language(client: FlaskClient) -> None:
    first = client.get("/alignment/haparanda", headers={"Accept-Language": "en"})
    assert first.status_code == 200
    assert "Accept-Language" in first.headers["Vary"]
    again = client.get(
        "/alignment/haparanda",
        headers={"Accept-Language": "en", "If-None-Match": first.headers["ETag"]},
    )
    assert again.status_code == 304
    assert re.search(r"lang=\"en\"", first.data.decode())


def test_property_values_show_numbers_and_dates_per_language(client: FlaskClient) -> None:
    sv = page(client, "/doc/haparanda/budget/2024/kommunstyrelsen?lang=sv")
    en = page(client, "/doc/haparanda/budget/2024/kommunstyrelsen?lang=en")
    assert ({"class": "lit", "value": "144000000", "title": "144000000"}, "144 000 000") in (
        sv.all("data")
    )
    assert "144,000,000" in en.texts("data")
    graph = page(client, "/graph/haparanda?lang=en")
    assert "23 November 2026" in graph.texts("data")


def test_objective_page_links_a_query_for_every_linked_goal(deep: FlaskClient) -> None:
    doc = page(deep, "/doc/se/environmental-objective/begransad-klimatpaverkan?lang=en")
    links = {text: a["href"] for a, text in doc.all("a")}
    href = links["A SPARQL query listing every municipality goal linked here"]
    query = parse_qs(urlsplit(href).query)["query"][0]
    store = deep.application.extensions["kgpub_publisher"].store
    goals = {row["goal"].value for row in store.select(query)}
    assert goals == {
        BASE + "id/exempelby/goal/klimat",
        BASE + "id/haparanda/environmental-goal/begransad-klimatpaverkan",
    }


def test_objective_links_beyond_the_limit_are_counted(deep_app: Flask) -> None:
    from kgpub.site.alignment import objective_links

    store = deep_app.extensions["kgpub_publisher"].store
    objective = BASE + "id/se/environmental-objective/begransad-klimatpaverkan"
    first = objective_links(store, objective, BASE, limit=1)
    assert len(first.links) == 1
    assert first.total == 2
    assert not first.complete


def test_a_page_with_many_incoming_links_says_how_many_it_shows(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    from kgpub.site import describe as resources

    data = tmp_path_factory.mktemp("many-links")
    for f in (ROOT / "data").glob("*.ttl"):
        shutil.copy(f, data)
    app = create_app(Settings.load(root=ROOT, env={}, data_dir=data), sparql=False)
    limit = resources.MAX_INCOMING
    try:
        resources.MAX_INCOMING = 3
        doc = page(app.test_client(), "/doc/haparanda?lang=en")
    finally:
        resources.MAX_INCOMING = limit
    assert any(p.startswith("Showing 3 of ") for p in doc.texts("p"))
    links = {text: a["href"] for a, text in doc.all("a")}
    assert "Every link to here, by SPARQL" in links
