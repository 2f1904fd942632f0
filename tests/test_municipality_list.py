"""The municipalities by name: Swedish and English order, initial letters, and the list
pages a resident starts from (all of them for one country; letters past a few hundred)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from kgpub.config import Settings
from kgpub.site import site as pages
from kgpub.site.directory import collation_key, directory, initial
from kgpub.web import create_app

ROOT = Path(__file__).resolve().parents[1]
NAMES = {
    "urn:x:ostra": "Östra Göinge",
    "urn:x:aby": "Åby",
    "urn:x:alvby": "Älvdalen",
    "urn:x:zeta": "Zeta",
    "urn:x:alby": "alby",
    "urn:x:eda": "Éda",
    "urn:x:7": "7-staden",
}


def letters(lang: str) -> list[tuple[str, list[str]]]:
    return [(g.letter, [NAMES[i] for i in g.iris]) for g in directory(NAMES, lang).groups]


def test_swedish_files_a_ring_a_umlaut_and_o_umlaut_after_z() -> None:
    assert letters("sv") == [
        ("#", ["7-staden"]),
        ("A", ["alby"]),
        ("E", ["Éda"]),
        ("Z", ["Zeta"]),
        ("Å", ["Åby"]),
        ("Ä", ["Älvdalen"]),
        ("Ö", ["Östra Göinge"]),
    ]


def test_english_files_them_with_a_and_o() -> None:
    assert letters("en") == [
        ("#", ["7-staden"]),
        ("A", ["Åby", "alby", "Älvdalen"]),
        ("E", ["Éda"]),
        ("O", ["Östra Göinge"]),
        ("Z", ["Zeta"]),
    ]


def test_collation_ignores_case_and_initial_reads_past_punctuation() -> None:
    assert collation_key("Haninge", "sv") == collation_key("HANINGE", "sv")
    assert initial("  «Haparanda»", "sv") == "H"
    assert initial("", "en") == "#"


@pytest.fixture(scope="module")
def app() -> Flask:
    return create_app(Settings.load(root=ROOT, env={}), sparql=False)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def test_home_lists_every_municipality_by_name(client: FlaskClient) -> None:
    html = client.get("/?lang=sv").get_data(as_text=True)
    assert html.index("Haninge kommun") < html.index("Haparanda stad")
    assert 'href="/municipalities?lang=sv"' in html


def test_pages_order_by_name_not_by_identifier(monkeypatch: pytest.MonkeyPatch) -> None:
    """Names whose order differs from their IRIs' (haninge < haparanda)."""
    base = "https://w3id.org/kgpub/id/"
    names = {
        base + "haninge": {"sv": "Östra Haninge", "en": "East Haninge"},
        base + "haparanda": {"sv": "Haparanda stad", "en": "Haparanda"},
    }
    monkeypatch.setattr(pages, "municipality_labels", lambda _store, _k: names)
    client = create_app(Settings.load(root=ROOT, env={}), sparql=False).test_client()
    home = client.get("/?lang=sv").get_data(as_text=True)
    assert home.index("Haparanda stad") < home.index("Östra Haninge")
    listing = client.get("/municipalities?lang=sv").get_data(as_text=True)
    assert '<h2 id="letter-1">H</h2>' in listing and '<h2 id="letter-2">Ö</h2>' in listing
    english = client.get("/compare?lang=en").get_data(as_text=True)
    assert english.index("East Haninge") < english.index("Haparanda")


def test_municipality_list_groups_by_initial_letter(client: FlaskClient) -> None:
    r = client.get("/municipalities?lang=en")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "2 municipalities." in html
    assert '<h2 id="letter-1">H</h2>' in html
    assert html.index("Haninge") < html.index("Haparanda")
    assert r.headers["ETag"]


def test_one_letter_lists_only_its_municipalities(client: FlaskClient) -> None:
    r = client.get("/municipalities?letter=h&lang=sv")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "<h1>Kommuner på H</h1>" in html
    assert "Haninge kommun" in html and "Haparanda stad" in html
    assert 'aria-current="page">H</a>' in html


def test_a_letter_no_name_starts_with_is_404_and_a_word_is_400(client: FlaskClient) -> None:
    assert client.get("/municipalities?letter=Q").status_code == 404
    assert client.get("/municipalities?letter=ha").status_code == 400


def test_past_the_list_limit_home_shows_letters_instead(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """At thousands of municipalities one list would be megabytes: the home page and the
    list page then offer the initial letters, each with its count."""
    monkeypatch.setattr(pages, "HOME_LIST_MAX", 1)
    client = create_app(Settings.load(root=ROOT, env={}), sparql=False).test_client()
    home = client.get("/?lang=en").get_data(as_text=True)
    assert "Choose an initial letter." in home
    assert 'href="/municipalities?letter=H&amp;lang=en">H</a> <small>(2)</small>' in home
    assert "Haninge" not in home.split("<h2>Municipalities</h2>", 1)[1].split("</section>")[0]
    listing = client.get("/municipalities?lang=en").get_data(as_text=True)
    assert "Choose an initial letter." in listing and "Haparanda" not in listing
    one = client.get("/municipalities?letter=H&lang=en").get_data(as_text=True)
    assert "Haparanda" in one


def test_a_long_letter_is_paged(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pages, "LETTER_PAGE", 1)
    client = create_app(Settings.load(root=ROOT, env={}), sparql=False).test_client()
    first = client.get("/municipalities?letter=H&lang=en").get_data(as_text=True)
    assert "Showing 1–1 of 2." in first
    assert "Haninge" in first and "Haparanda" not in first
    assert 'rel="next" href="/municipalities?letter=H&amp;page=2&amp;lang=en"' in first
    second = client.get("/municipalities?letter=H&page=2&lang=en").get_data(as_text=True)
    assert "Showing 2–2 of 2." in second and "Haparanda" in second
    assert 'rel="prev"' in second and 'rel="next"' not in second
    assert client.get("/municipalities?letter=H&page=3").status_code == 404
    assert client.get("/municipalities?letter=H&page=0").status_code == 400
    assert client.get("/municipalities?letter=H&page=two").status_code == 400
