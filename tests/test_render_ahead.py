"""Documents rendered ahead (``kgpub.site.ahead``): a first request for a document reads the
file rendered in the background instead of rendering the page, and gets the same answer;
nothing of another snapshot, another address or outside the directory is ever read."""

from __future__ import annotations

import time
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask

from kgpub.formats import DOCUMENT_FORMATS, HTML, Format
from kgpub.negotiation import LANGUAGES
from kgpub.site.ahead import COMPLETE, KEEP, Ahead, render_all
from kgpub.site.catalog import document_stems
from kgpub.site.site import Site
from kgpub_server import kgpub_serve_process

ADDRESS = "http://localhost/"  # what the Flask test client asks for


def site_of(app: Flask) -> Site:
    found: Site = app.extensions["kgpub_site"]
    return found


@pytest.fixture(scope="module")
def apps(
    make_app: Callable[..., Flask], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Flask]:
    """The repository's data with every document rendered ahead into a directory of its own
    (no response cache in front, so every request reaches the site)."""
    root = tmp_path_factory.mktemp("ahead")
    ahead = make_app(
        public_url=ADDRESS, ahead_path=str(root), query_workers=1, response_cache_bytes=0
    )
    site = site_of(ahead)
    assert site.ahead is not None and site.ahead.host_url == ADDRESS
    assert render_all(site, site.ahead) > 0
    return {"ahead": ahead}


def variants(site: Site) -> list[tuple[str, str, Format, str]]:
    """(path, stem, format, language) of every document of the snapshot in every format,
    each page in both languages."""
    found = []
    for stem in document_stems(site.sitemap_paths()):
        for fmt in DOCUMENT_FORMATS:
            if fmt is HTML:
                found += [(f"/doc/{stem}?lang={lang}", stem, fmt, lang) for lang in LANGUAGES]
            else:
                found.append((f"/doc/{stem}.{fmt.extension}", stem, fmt, ""))
    return found


def test_every_document_is_read_from_its_file_with_the_bytes_rendering_gives(
    apps: dict[str, Flask],
) -> None:
    site, client = site_of(apps["ahead"]), apps["ahead"].test_client()
    assert site.ahead is not None
    every = variants(site)
    assert len(every) > 600
    for path, stem, fmt, lang in every:
        from_file = site.ahead.body(site.digest, stem, fmt, lang, ADDRESS)
        assert from_file is not None, path
        assert from_file == site.render_resource(stem, fmt, lang, ADDRESS).body, path
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert answer.data == from_file, path


def _plant(site: Site, name: str, body: bytes, digest: str | None = None) -> Path:
    assert site.ahead is not None
    path = site.ahead.directory(digest or site.digest) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body)
    return path


def test_a_document_is_read_from_its_file(apps: dict[str, Flask]) -> None:
    site = site_of(apps["ahead"])
    planted = _plant(site, "doc/haparanda.ttl", b"# read ahead\n")
    try:
        client = apps["ahead"].test_client()
        assert client.get("/doc/haparanda.ttl").data == b"# read ahead\n"
    finally:
        planted.unlink()


def test_a_page_is_read_for_its_own_address_only(apps: dict[str, Flask]) -> None:
    site = site_of(apps["ahead"])
    assert site.ahead is not None
    planted = _plant(site, "doc/haparanda.sv.html", b"<p>read ahead</p>")
    try:
        client = apps["ahead"].test_client()  # public_url: every request is for ADDRESS
        assert client.get("/doc/haparanda?lang=sv").data == b"<p>read ahead</p>"
        assert site.ahead.body(site.digest, "haparanda", HTML, "sv", ADDRESS) is not None
        assert site.ahead.body(site.digest, "haparanda", HTML, "sv", "http://other/") is None
    finally:
        planted.unlink()


def test_another_snapshots_files_are_never_read(apps: dict[str, Flask]) -> None:
    site = site_of(apps["ahead"])
    assert site.ahead is not None
    turtle = next(f for f in DOCUMENT_FORMATS if f.extension == "ttl")
    planted = _plant(site, "doc/haparanda.ttl", b"# old\n", digest="0" * 64)
    try:
        assert site.ahead.body("0" * 64, "haparanda", turtle, "", ADDRESS) == b"# old\n"
        assert apps["ahead"].test_client().get("/doc/haparanda.ttl").data != b"# old\n"
    finally:
        planted.unlink()


@pytest.mark.parametrize("stem", ["../haparanda", "a/../../haparanda", "./x", "a//b", "a\\b"])
def test_nothing_outside_the_directory_is_read(stem: str, apps: dict[str, Flask]) -> None:
    site = site_of(apps["ahead"])
    assert site.ahead is not None
    turtle = next(f for f in DOCUMENT_FORMATS if f.extension == "ttl")
    assert site.ahead.body(site.digest, stem, turtle, "", ADDRESS) is None


class EmptySnapshot:
    """Just enough of a Site for render_all: a snapshot with nothing to render."""

    digest = "2" * 64
    loaded_at = datetime(2026, 1, 1, tzinfo=UTC)

    @staticmethod
    def sitemap_paths() -> list[str]:
        return []


def test_a_complete_directory_is_kept_and_older_snapshots_removed(tmp_path: Path) -> None:
    here, elsewhere = Ahead(tmp_path, "http://a/"), Ahead(tmp_path, "http://b/")
    old, other_address = here.directory("1" * 64), elsewhere.directory("1" * 64)
    old.mkdir()
    other_address.mkdir()

    assert render_all(EmptySnapshot(), here) == 0  # type: ignore[arg-type]
    assert here.is_complete("2" * 64)
    assert (here.directory("2" * 64) / COMPLETE).is_file()
    assert not old.exists()
    assert other_address.exists()


def test_other_addresses_beyond_the_most_kept_are_removed_oldest_first(tmp_path: Path) -> None:
    import os

    for n in range(KEEP + 3):
        old = Ahead(tmp_path, f"http://host-{n}/").directory("1" * 64)
        old.mkdir()
        os.utime(old, (1000 + n, 1000 + n))
    here = Ahead(tmp_path, "http://here/")
    assert render_all(EmptySnapshot(), here) == 0  # type: ignore[arg-type]
    left = sorted(p.name for p in tmp_path.iterdir())
    assert len(left) == KEEP
    newest = [Ahead(tmp_path, f"http://host-{n}/").directory("1" * 64).name for n in range(4, 11)]
    assert sorted([*newest, here.directory(EmptySnapshot.digest).name]) == left


def test_kgpub_serve_renders_ahead_in_the_background(tmp_path: Path) -> None:
    env = {"KGPUB_AHEAD_PATH": str(tmp_path)}
    with kgpub_serve_process(workers=1, env=env) as (url, _, log):
        deadline = time.monotonic() + 120
        while "document files ahead" not in log.read_text():
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        (done,) = tmp_path.glob(f"*/{COMPLETE}")
        file = done.parent / "doc" / "haparanda.en.html"
        with urllib.request.urlopen(url + "doc/haparanda?lang=en") as answer:
            assert answer.read() == file.read_bytes()
