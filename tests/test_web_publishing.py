"""Publishing: only conforming data is swapped in; the last good snapshot keeps serving."""

from __future__ import annotations

from pathlib import Path

import pytest

from kgpub.config import Settings
from kgpub.errors import ValidationFailed
from kgpub.publish.publisher import Publisher
from kgpub.publish.sources import load_snapshot
from kgpub.web import create_app

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def test_invalid_data_keeps_the_last_good_snapshot() -> None:
    good = Settings.load(config_file=FIXTURES / "web" / "kgpub.toml", env={})
    bad = Settings.load(config_file=FIXTURES / "violating" / "kgpub.toml", env={})
    publisher = Publisher(good)
    publisher.publish()
    published = publisher.require()
    app = create_app(good, publisher, sparql=False)
    client = app.test_client()
    etag = client.get("/doc/testkommun.ttl").headers["ETag"]

    publisher._load = lambda _settings: load_snapshot(bad)
    with pytest.raises(ValidationFailed) as info:
        publisher.publish()
    assert not info.value.report.conforms
    assert publisher.require() is published
    again = client.get("/doc/testkommun.ttl")
    assert again.status_code == 200
    assert again.headers["ETag"] == etag


def test_create_app_refuses_invalid_data() -> None:
    bad = Settings.load(config_file=FIXTURES / "violating" / "kgpub.toml", env={})
    with pytest.raises(ValidationFailed):
        create_app(bad, sparql=False)


def test_a_new_snapshot_changes_etags_and_content() -> None:
    settings = Settings.load(config_file=FIXTURES / "web" / "kgpub.toml", env={})
    publisher = Publisher(settings)
    publisher.publish()
    client = create_app(settings, publisher, sparql=False).test_client()
    first = client.get("/doc/testkommun.ttl").headers["ETag"]
    snapshot = load_snapshot(settings)
    object.__setattr__(snapshot, "digest", "0" * 64)
    publisher.swap(snapshot)
    assert client.get("/doc/testkommun.ttl").headers["ETag"] != first
