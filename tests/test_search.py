"""Site search: folding, the index over the repository's data, ranking, the HTML and JSON
routes, and a new index after a new snapshot is published."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from kgpub.config import Settings
from kgpub.publish.publisher import Publisher
from kgpub.publish.sources import load_snapshot
from kgpub.site.search import GROUPS, SearchCache, SearchIndex, SearchResults, fold
from kgpub.web import create_app
from kgpub.web import search as web_search

FIXTURES = Path(__file__).resolve().parent / "fixtures"
BASE = "https://w3id.org/kgpub/"
HANINGE_GOAL = BASE + "id/haninge/goal/malinriktat-miljoarbete"
NATIONAL_AIR = BASE + "id/se/environmental-objective/frisk-luft"
LOCAL_AIR = BASE + "id/haparanda/environmental-goal/frisk-luft"


@pytest.fixture(scope="module")
def publisher() -> Publisher:
    settings = Settings.load(root=Path(__file__).resolve().parents[1], env={})
    published = Publisher(settings)
    published.publish()
    return published


@pytest.fixture(scope="module")
def index(publisher: Publisher) -> SearchIndex:
    return SearchIndex.build(publisher.store, BASE)


@pytest.fixture(scope="module")
def app(publisher: Publisher) -> Iterator[Flask]:
    yield create_app(publisher.settings, publisher, sparql=False)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def iris(results: SearchResults, group: str) -> list[str]:
    return [h.iri for g in results.groups if g.key == group for h in g.hits]


def counts(results: SearchResults) -> dict[str, int]:
    return {g.key: g.count for g in results.groups if g.count}


# -- folding ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Målinriktat miljöarbete", "malinriktat miljoarbete"),
        ("ÅÄÖ åäö éÈü", "aao aao eeu"),
        ("Barn- och  ungdomsnämnden", "barn och ungdomsnamnden"),
        ("  «Hållbar» ekonomi!\n(2030) ", "hallbar ekonomi 2030"),
        ("Øresund Æble straße", "oresund aeble strasse"),
        ("", ""),
    ],
)
def test_fold_lowers_strips_accents_and_punctuation(text: str, folded: str) -> None:
    assert fold(text) == folded


# -- the index -------------------------------------------------------------------------


def test_malinriktat_finds_haninges_goal_with_its_owner(index: SearchIndex) -> None:
    for query in ("malinriktat", "Målinriktat", "MALINR", "malinriktat miljo"):
        results = index.search(query, "sv")
        assert iris(results, "goals") == [HANINGE_GOAL], query
        hit = results.groups[GROUPS.index("goals")].hits[0]
        assert hit.label("sv") == "Målinriktat miljöarbete"
        assert hit.label("en") == "Goal-oriented environmental work"
        assert hit.owner_iri == BASE + "id/haninge"
        assert hit.owner_label("sv") == "Haninge kommun"


def test_english_labels_are_searched_too(index: SearchIndex) -> None:
    results = index.search("clean air", "en")
    assert iris(results, "goals") == [LOCAL_AIR]
    assert iris(results, "objectives") == [NATIONAL_AIR]
    national = results.groups[GROUPS.index("objectives")].hits[0]
    assert national.owner_iri == BASE + "id/se/riksdagen"
    assert national.label("en") == "Clean air"


def test_groups_come_in_a_fixed_order_with_counts(index: SearchIndex) -> None:
    results = index.search("haninge", "sv", limit_per_group=2)
    assert [g.key for g in results.groups] == list(GROUPS)
    found = counts(results)
    assert found["municipalities"] == 1
    assert found["committees"] == 1  # Kommunfullmäktige i Haninge kommun
    assert found["other"] >= 2  # Haninge's vision, promise and vision statements
    assert all(len(g.hits) <= 2 for g in results.groups)
    assert results.total == sum(found.values())
    assert iris(results, "municipalities") == [BASE + "id/haninge"]


def test_committees_are_found_with_their_municipality(index: SearchIndex) -> None:
    results = index.search("socialnamnden", "sv")
    assert iris(results, "committees") == [BASE + "id/haparanda/socialnamnden"]
    hit = results.groups[GROUPS.index("committees")].hits[0]
    assert hit.owner_label("sv") == "Haparanda stad"
    assert counts(index.search("Municipal Executive Board", "en")) == {"committees": 1}


def test_national_objectives_and_their_schemes_are_objectives(index: SearchIndex) -> None:
    results = index.search("miljomal", "sv")
    objectives = iris(results, "objectives")
    assert BASE + "id/se/environmental-objectives" in objectives
    # Haparanda's own scheme of environmental goals is a municipality's, so a goal
    assert BASE + "id/haparanda/environmental-goals" in iris(results, "goals")
    assert iris(index.search("agenda 2030", "sv"), "objectives") == [BASE + "id/un/agenda-2030"]


def test_every_word_must_start_a_word_of_the_label(index: SearchIndex) -> None:
    assert index.search("frisk luft", "sv").total == 2
    assert index.search("luft frisk", "sv").total == 2
    assert index.search("frisk vatten", "sv").total == 0
    assert index.search("", "sv").total == 0
    assert index.search("  ?! ", "sv").total == 0


def test_a_substring_is_found_when_no_word_starts_with_it(index: SearchIndex) -> None:
    results = index.search("inriktat", "sv")  # inside "Målinriktat"
    assert HANINGE_GOAL in iris(results, "goals")


def test_ranking_exact_then_label_prefix_then_word_prefix_then_shorter(
    index: SearchIndex,
) -> None:
    # "Hållbar ekonomi" is the exact label; "Hållbar utveckling ...", "Hållbar infrastruktur"
    # start with "hållbar"; "Stärka ..."-type labels only contain it later
    goals = index.search("hållbar ekonomi", "sv").groups[GROUPS.index("goals")].hits
    assert goals[0].label("sv") == "Hållbar ekonomi"
    hits = index.search("hallbar", "sv", limit_per_group=50).groups[GROUPS.index("goals")].hits
    labels = [h.label("sv") for h in hits]
    prefix = [lab for lab in labels if fold(lab).startswith("hallbar")]
    assert labels[: len(prefix)] == prefix, "labels starting with the query come first"
    assert [len(fold(lab)) for lab in prefix] == sorted(len(fold(lab)) for lab in prefix)
    assert labels.index("Hållbar ekonomi") < labels.index(
        "Hållbar utveckling i linje med Agenda 2030"
    )


def test_the_page_language_wins_a_tie(index: SearchIndex) -> None:
    # "Vision 2035" is the altLabel in both languages; the hit shows the page's language
    hit = index.search("vision 2035", "en").groups[GROUPS.index("other")].hits[0]
    assert hit.label("en") == "A future without borders"
    assert hit.label("sv") == "En framtid utan gränser"
    assert hit.matched == "Vision 2035"


# -- one index per snapshot -----------------------------------------------------------


def test_the_index_is_rebuilt_once_per_new_snapshot() -> None:
    settings = Settings.load(root=Path(__file__).resolve().parents[1], env={})
    other = Settings.load(config_file=FIXTURES / "web" / "kgpub.toml", env={})
    publisher = Publisher(settings)
    publisher.publish()
    cache = SearchCache(publisher)
    assert cache.search("malinriktat").total == 1
    assert cache.search("haninge").total > 1
    assert cache.builds == 1

    publisher._load = lambda _settings: load_snapshot(other)
    publisher.publish()
    assert cache.search("malinriktat").total == 0
    assert counts(cache.search("testkommun")) == {"municipalities": 1}
    assert cache.builds == 2


# -- the routes ------------------------------------------------------------------------


def test_search_page_lists_grouped_results(client: FlaskClient) -> None:
    resp = client.get("/search?q=malinriktat&lang=sv")
    assert resp.status_code == 200
    assert resp.mimetype == "text/html"
    html = resp.get_data(as_text=True)
    assert 'value="malinriktat"' in html  # the header box keeps the query
    assert '<h2 id="group-goals">Kommunernas mål' in html
    assert 'href="http://localhost/doc/haninge/goal/malinriktat-miljoarbete"' in html
    assert ">Målinriktat miljöarbete</a>" in html
    assert "Haninge kommun</a>" in html
    assert 'role="status" aria-live="polite"><strong>1 träff</strong>' in html
    # the language link keeps the query
    assert 'href="/search?q=malinriktat&amp;lang=en"' in html


def test_search_page_in_english(client: FlaskClient) -> None:
    html = client.get("/search?q=clean+air&lang=en").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "2 results" in html
    assert "National and international objectives" in html
    assert "The Swedish Parliament" in html


def test_empty_query_shows_the_help(client: FlaskClient) -> None:
    for path in ("/search?lang=en", "/search?q=++&lang=en"):
        resp = client.get(path)
        assert resp.status_code == 200
        html = resp.get_data(as_text=True)
        assert "<h1>Search</h1>" in html
        assert "“malinriktat” finds" in html
        assert "results</strong>" not in html


def test_no_results_says_what_to_try(client: FlaskClient) -> None:
    html = client.get("/search?q=zzzxq&lang=sv").get_data(as_text=True)
    assert "Inga träffar" in html
    assert "Pröva färre ord" in html


def test_the_query_is_escaped(client: FlaskClient) -> None:
    attack = "<script>alert(1)</script>"
    for lang in ("sv", "en"):
        resp = client.get("/search", query_string={"q": attack, "lang": lang})
        assert resp.status_code == 200
        html = resp.get_data(as_text=True)
        assert attack not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    resp = client.get("/search.json", query_string={"q": attack})
    assert resp.get_json()["query"] == attack  # JSON is data; the script inserts it as text


def test_one_group_in_full(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(web_search, "PAGE_LIMIT", 2)
    html = client.get("/search?q=h&lang=sv").get_data(as_text=True)
    assert "visar 2 av" in html
    assert "group=goals" in html  # more goals than fit: a link to all of them
    full = client.get("/search?q=h&group=goals&lang=sv").get_data(as_text=True)
    assert 'id="group-goals"' in full
    assert 'id="group-municipalities"' not in full
    assert "Tillbaka till alla grupper" in full


def test_json_route(client: FlaskClient) -> None:
    resp = client.get("/search.json?q=malinriktat&lang=en&limit=2")
    assert resp.status_code == 200
    assert resp.mimetype == "application/json"
    data: dict[str, Any] = resp.get_json()
    assert data["query"] == "malinriktat"
    assert data["lang"] == "en"
    assert data["total"] == 1
    assert data["status"] == "1 result"
    assert [g["key"] for g in data["groups"]] == list(GROUPS)
    goals = data["groups"][GROUPS.index("goals")]
    assert goals["title"] == "Municipal goals"
    assert goals["count"] == 1
    assert goals["hits"] == [
        {
            "iri": HANINGE_GOAL,
            "href": "http://localhost/doc/haninge/goal/malinriktat-miljoarbete",
            "label": "Goal-oriented environmental work",
            "labels": {"sv": "Målinriktat miljöarbete", "en": "Goal-oriented environmental work"},
            "type": "Goal",
            "type_iri": "https://w3id.org/kgpub/ontology#Goal",
            "owner": "Haninge Municipality",
            "owner_iri": "https://w3id.org/kgpub/id/haninge",
            "owner_href": "http://localhost/doc/haninge",
            "matched": "Målinriktat miljöarbete",
        }
    ]


def test_json_limit_is_bounded(client: FlaskClient) -> None:
    for limit, most in (("1", 1), ("1000", 50), ("nonsense", 5)):
        data = client.get(f"/search.json?q=h&limit={limit}").get_json()
        assert max(len(g["hits"]) for g in data["groups"]) <= most
        assert max(len(g["hits"]) for g in data["groups"]) >= 1
    assert client.get("/search.json").get_json()["total"] == 0


def test_while_a_new_index_is_built_the_old_one_answers() -> None:
    settings = Settings.load(root=Path(__file__).resolve().parents[1], env={})
    other = Settings.load(config_file=FIXTURES / "web" / "kgpub.toml", env={})
    publisher = Publisher(settings)
    publisher.publish()
    cache = SearchCache(publisher)
    old = cache.index()
    publisher._load = lambda _settings: load_snapshot(other)
    publisher.publish()
    with cache._lock:  # as if another request were building the new snapshot's index
        assert cache.index() is old
    assert cache.index() is not old
    assert cache.search("testkommun").total == 1


def test_kgpub_serve_builds_the_index_before_workers_fork(settings: Settings) -> None:
    from kgpub.web.server import build, warm

    app = build(settings)
    assert app is not None
    cache = app.extensions["kgpub_search"]
    assert cache.builds == 0
    warm(app)
    assert cache.builds == 1
    app.test_client().get("/search?q=haninge")
    assert cache.builds == 1  # the first search used the index built up front
