"""Every view has its machine twin: anything a page shows can be fetched as CSV or JSON (the
alignment also as Turtle and JSON-LD), by Accept or by suffix; what a view cannot answer
in is a 406 that lists what it can; negotiated answers say ``Vary: Accept``."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from flask.testing import FlaskClient

from kgpub.config import Settings
from kgpub.web import create_app

ROOT = Path(__file__).resolve().parents[1]
BASE = "https://w3id.org/kgpub/"
BOM = "\ufeff".encode()

#: (page URL, its suffixed twin's path, query) of every view with twins
VIEWS = [
    ("/alignment/haparanda", "/alignment/haparanda", ""),
    ("/compare?m=haninge&m=haparanda", "/compare", "?m=haninge&m=haparanda"),
    ("/municipalities", "/municipalities", ""),
    ("/municipalities?letter=H&page=1", "/municipalities", "?letter=H&page=1"),
    ("/doc/haparanda", "/doc/haparanda", ""),
    ("/search?q=hallbar", "/search", "?q=hallbar"),
]


@pytest.fixture(scope="module")
def client() -> Iterator[FlaskClient]:
    yield create_app(Settings.load(root=ROOT, env={}), sparql=False).test_client()


def rows(body: bytes) -> list[list[str]]:
    assert body.startswith(BOM), "a UTF-8 byte order mark, for Excel"
    return list(csv.reader(io.StringIO(body[len(BOM) :].decode("utf-8"))))


@pytest.mark.parametrize(("page", "path", "query"), VIEWS)
def test_every_view_answers_csv_and_json_by_accept_and_by_suffix(
    client: FlaskClient, page: str, path: str, query: str
) -> None:
    for media_type, ext in (("text/csv", "csv"), ("application/json", "json")):
        by_accept = client.get(page, headers={"Accept": media_type})
        by_suffix = client.get(f"{path}.{ext}{query}")
        for resp in (by_accept, by_suffix):
            assert resp.status_code == 200, resp.data[:300]
            assert resp.mimetype == media_type
        assert by_accept.data == by_suffix.data
        assert "Accept" in by_accept.headers["Vary"].split(", ")
        assert by_accept.headers.get("Access-Control-Allow-Origin") == "*"


@pytest.mark.parametrize(("page", "path", "query"), VIEWS)
def test_every_page_links_its_twins(client: FlaskClient, page: str, path: str, query: str) -> None:
    html = client.get(page, headers={"Accept": "text/html"}).data.decode()
    assert '<p class="downloads">Ladda ner: ' in html
    assert f'href="{path}.json' in html
    assert f'href="{path}.csv' in html
    assert 'type="text/csv"' in html and 'type="application/json"' in html


@pytest.mark.parametrize(("page", "path", "query"), VIEWS)
def test_csv_header_speaks_the_page_language(
    client: FlaskClient, page: str, path: str, query: str
) -> None:
    sep = "&" if query else "?"
    sv = rows(client.get(f"{path}.csv{query}{sep}lang=sv").data)[0]
    en = rows(client.get(f"{path}.csv{query}", headers={"Accept-Language": "en"}).data)[0]
    assert len(sv) == len(en) and sv != en


def test_alignment_csv_is_one_row_per_link_in_the_page_language(client: FlaskClient) -> None:
    table = rows(client.get("/alignment/haparanda.csv?lang=sv").data)
    header, body = table[0], table[1:]
    assert header[:3] == ["Mål (IRI)", "Mål", "Målsamling (IRI)"]
    assert len(body) == 8  # 7 interpreted links and the goal in line with the 2030 Agenda
    agenda = [r for r in body if r[5] == BASE + "id/un/agenda-2030"]
    assert agenda[0][1] == "Hållbar utveckling i linje med Agenda 2030"
    assert agenda[0][4] == BASE + "ontology#inLineWith"
    assert agenda[0][8] == BASE + "ontology#StatedBySource"
    english = rows(client.get("/alignment/haparanda.csv", headers={"Accept-Language": "en"}).data)
    assert english[0][:2] == ["Goal (IRI)", "Goal"]


def test_alignment_json_has_documented_keys_full_iris_and_labels_per_language(
    client: FlaskClient,
) -> None:
    data = client.get("/alignment/haparanda.json").get_json()
    assert list(data) == ["municipality", "municipality_label", "links"]
    assert data["municipality"] == BASE + "id/haparanda"
    assert data["municipality_label"] == {"sv": "Haparanda stad", "en": "Haparanda Municipality"}
    link = data["links"][0]
    assert list(link) == [
        "goal",
        "goal_label",
        "goal_set",
        "depth",
        "relation",
        "objective",
        "objective_label",
        "objective_scheme",
        "basis",
        "basis_label",
        "alignment",
    ]
    assert link["goal"].startswith(BASE + "id/haparanda/")
    assert set(link["goal_label"]) == {"sv", "en"}
    # the same bytes whatever the language asked for: JSON carries every language
    assert client.get("/alignment/haparanda.json?lang=en").data == (
        client.get("/alignment/haparanda.json?lang=sv").data
    )


@pytest.mark.parametrize(
    ("accept", "ext"), [("text/turtle", "ttl"), ("application/ld+json", "jsonld")]
)
def test_alignment_is_offered_as_rdf(client: FlaskClient, accept: str, ext: str) -> None:
    by_suffix = client.get(f"/alignment/haparanda.{ext}")
    by_accept = client.get("/alignment/haparanda", headers={"Accept": accept})
    assert by_suffix.status_code == by_accept.status_code == 200
    assert by_accept.mimetype == accept and by_accept.data == by_suffix.data
    fmt = ox.RdfFormat.TURTLE if ext == "ttl" else ox.RdfFormat.JSON_LD
    triples = [q.triple for q in ox.parse(by_suffix.data, fmt)]
    alignment = ox.NamedNode(BASE + "id/haparanda/alignment/agenda-2030")
    kgpub = BASE + "ontology#"
    assert (
        ox.Triple(alignment, ox.NamedNode(kgpub + "basis"), ox.NamedNode(kgpub + "StatedBySource"))
        in triples
    )
    assert (
        ox.Triple(
            ox.NamedNode(BASE + "id/haparanda/goal/hallbar-utveckling-i-linje-med-agenda-2030"),
            ox.NamedNode(kgpub + "inLineWith"),
            ox.NamedNode(BASE + "id/un/agenda-2030"),
        )
        in triples
    )
    aligned = {t.subject for t in triples if t.object == ox.NamedNode(kgpub + "Alignment")}
    assert len(aligned) == 8


@pytest.mark.parametrize(
    ("url", "offers"),
    [
        ("/alignment/haparanda", ["text/html", "text/csv", "application/json", "text/turtle"]),
        ("/compare?m=haninge&m=haparanda", ["text/html", "text/csv", "application/json"]),
        ("/municipalities", ["text/html", "text/csv", "application/json"]),
        ("/search?q=hallbar", ["text/html", "text/csv", "application/json"]),
        ("/doc/haparanda", ["text/html", "text/turtle", "text/csv", "application/json"]),
    ],
)
def test_what_a_view_cannot_answer_in_is_406_with_the_offers(
    client: FlaskClient, url: str, offers: list[str]
) -> None:
    accept = "image/png" if url.startswith(("/alignment", "/doc")) else "text/turtle"
    resp = client.get(url, headers={"Accept": accept})
    assert resp.status_code == 406
    assert "Accept" in resp.headers["Vary"]
    listed = resp.data.decode().splitlines()
    for media_type in offers:
        assert media_type in listed


def test_overview_tables_keep_the_goal_hierarchy_and_budget_lines(client: FlaskClient) -> None:
    data = client.get("/doc/haparanda.json").get_json()
    assert list(data) == ["municipality", "municipality_label", "goals", "budget"]
    goals = data["goals"]
    assert list(goals[0]) == [
        "goal_set",
        "goal_set_label",
        "goal",
        "goal_label",
        "kind",
        "depth",
        "parent",
    ]
    assert all((g["depth"] == 0) == (g["parent"] is None) for g in goals)
    line = next(b for b in data["budget"] if b["recipient"].endswith("barn-och-ungdomsnamnden"))
    assert line["amount"] == 252_900_000
    assert (line["stated_amount"], line["unit_mult"], line["decimals"]) == (252.9, 6, 1)
    assert line["as_stated"] == "252,9 miljoner kronor"
    budget = rows(client.get("/doc/haparanda.csv?table=budget&lang=sv").data)
    assert budget[0][:3] == ["Budget (IRI)", "Budget", "År"]
    assert len(budget) == 1 + 4
    assert client.get("/doc/haparanda.csv?table=nothing").status_code == 404


def test_only_municipalities_have_tables(client: FlaskClient) -> None:
    assert client.get("/doc/un/agenda-2030.csv").status_code == 404
    resp = client.get("/doc/un/agenda-2030", headers={"Accept": "text/csv"})
    assert resp.status_code == 406


def test_municipality_list_twin_follows_letter_and_page(client: FlaskClient) -> None:
    data = client.get("/municipalities.json?letter=H&page=1").get_json()
    assert (data["letter"], data["page"], data["pages"], data["total"]) == ("H", 1, 1, 2)
    assert [m["municipality"] for m in data["municipalities"]] == [
        BASE + "id/haninge",
        BASE + "id/haparanda",
    ]
    assert data["letters"] == [{"letter": "H", "count": 2}]
    assert client.get("/municipalities.csv?letter=Q").status_code == 404
    listed = rows(client.get("/municipalities.csv?lang=en").data)
    assert listed[0] == ["Initial letter", "Municipality (IRI)", "Municipality"]
    assert listed[1][2] == "Haninge Municipality"


def test_compare_twin_lists_municipalities_objectives_and_budget_sums(
    client: FlaskClient,
) -> None:
    data = client.get("/compare.json?m=haninge&m=haparanda").get_json()
    assert [m["goals"] for m in data["municipalities"]] == [9, 16]
    assert {o["objective"] for o in data["objectives"]} >= {BASE + "id/un/agenda-2030"}
    assert data["budget_totals"][0]["total"] == 710_100_000


def test_search_json_carries_labels_per_language(client: FlaskClient) -> None:
    data = client.get("/search?q=hallbar", headers={"Accept": "application/json"}).get_json()
    hit = next(h for g in data["groups"] for h in g["hits"])
    assert hit["iri"].startswith(BASE) and set(hit["labels"]) == {"sv", "en"}
    table = rows(client.get("/search.csv?q=hallbar&lang=sv").data)
    assert table[0][:3] == ["Grupp", "Resurs (IRI)", "Namn"]
    assert len(table) > 1


def test_page_and_twins_are_cached_apart(client: FlaskClient) -> None:
    """The same URL by Accept gives each format its own validator."""
    html = client.get("/alignment/haparanda", headers={"Accept": "text/html"})
    csv_resp = client.get("/alignment/haparanda", headers={"Accept": "text/csv"})
    assert html.headers["ETag"] != csv_resp.headers["ETag"]
    again = client.get(
        "/alignment/haparanda",
        headers={"Accept": "text/csv", "If-None-Match": csv_resp.headers["ETag"]},
    )
    assert again.status_code == 304
