"""Web hosts in front of a shared triplestore, without its update endpoint (docs/scaling.md,
"N hosts in front of one triplestore"): they publish nothing of their own, serve what the
last ``kgpub load`` put in the store, follow newer loads without a restart, and refuse to
start on a store that no ``kgpub load`` has filled."""

from __future__ import annotations

import os
import shutil
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from kgpub.cli import main
from kgpub.config import Settings
from kgpub.errors import StoreUnavailable
from kgpub.store.load_record import read_record, record_graph
from kgpub.store.remote import RemoteStore
from kgpub.web.app import create_app
from kgpub_server import kgpub_serve_process
from oxigraph_server import run_oxigraph

pytestmark = pytest.mark.server

FIXTURES = Path(__file__).resolve().parent / "fixtures"
BASE = "https://w3id.org/kgpub/"
XSD = "http://www.w3.org/2001/XMLSchema#"


@pytest.fixture(autouse=True)
def _no_kgpub_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("KGPUB_"):
            monkeypatch.delenv(name)


@pytest.fixture
def server() -> Iterator[str]:
    yield from run_oxigraph()


def project(where: Path, url: str, *, update: bool) -> Path:
    """The mini project set up for ``kgpub load`` (update) or as a read-only web host."""
    shutil.copytree(FIXTURES / "mini", where)
    config = where / "kgpub.toml"
    lines = f'\nstore = "remote"\nremote_query_endpoint = "{url}/query"\nremote_poll_seconds = 0\n'
    if update:
        lines += f'remote_update_endpoint = "{url}/update"\n'
    else:  # a web host holds no data of its own
        shutil.rmtree(where / "data")
        (where / "data").mkdir()
    config.write_text(config.read_text(encoding="utf-8") + lines, encoding="utf-8")
    return config


def load(config: Path) -> None:
    assert main(["load", "--config", str(config), "--workers", "1"]) == 0


def host(config: Path) -> Settings:
    return Settings.load(config_file=config, env={})


def test_kgpub_load_records_what_it_loaded(
    tmp_path: Path, server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    load(project(tmp_path / "ci", server, update=True))
    record = read_record(RemoteStore(server + "/query"), BASE)
    assert record is not None and len(record.digest) >= 32
    assert f"Recorded snapshot {record.digest[:12]}" in capsys.readouterr().out
    listed = RemoteStore(server + "/query").graph_names()
    assert BASE + "graph/haninge" in listed and record_graph(BASE) not in listed


def test_a_host_without_update_endpoint_serves_what_kgpub_load_wrote(
    tmp_path: Path, server: str
) -> None:
    load(project(tmp_path / "ci", server, update=True))
    app = create_app(host(project(tmp_path / "web", server, update=False)), sparql=True)
    client = app.test_client()
    page = client.get("/doc/haninge", headers={"Accept": "text/turtle"})
    assert page.status_code == 200
    assert len(list(ox.parse(page.data, format=ox.RdfFormat.TURTLE))) >= 2
    assert "Haninge kommun" in client.get("/doc/haninge?lang=sv").get_data(as_text=True)
    answer = client.get(
        "/sparql",
        query_string={"query": f"ASK {{ <{BASE}id/haninge> ?p ?o }}"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert answer.get_json()["boolean"] is True
    record = read_record(RemoteStore(server + "/query"), BASE)
    assert record is not None
    assert app.extensions["kgpub_publisher"].require().digest == record.digest


def test_a_host_follows_a_newer_load_without_restarting(tmp_path: Path, server: str) -> None:
    ci = project(tmp_path / "ci", server, update=True)
    load(ci)
    app = create_app(host(project(tmp_path / "web", server, update=False)), sparql=True)
    client = app.test_client()
    ask = {"query": f'ASK {{ <{BASE}id/haninge> ?p "Haninge municipality"@en }}'}
    json = {"Accept": "application/sparql-results+json"}
    before = client.get("/doc/haninge.ttl")
    assert "Haninge municipality" not in before.get_data(as_text=True)
    assert client.get("/sparql", query_string=ask, headers=json).get_json()["boolean"] is False

    add_english_name(ci)
    load(ci)

    after = client.get("/doc/haninge.ttl")  # the page and the answer were cached: not now
    assert "Haninge municipality" in after.get_data(as_text=True)
    assert after.headers["ETag"] != before.headers["ETag"]
    assert client.get("/sparql", query_string=ask, headers=json).get_json()["boolean"] is True


def add_english_name(ci: Path) -> None:
    data = ci.parent / "data" / "haninge.ttl"
    text = data.read_text(encoding="utf-8")
    data.write_text(
        text.replace('"Haninge kommun"@sv .', '"Haninge kommun"@sv , "Haninge municipality"@en .'),
        encoding="utf-8",
    )


def test_every_gunicorn_worker_follows_a_new_load(tmp_path: Path, server: str) -> None:
    ci = project(tmp_path / "ci", server, update=True)
    load(ci)
    web = project(tmp_path / "web", server, update=False)
    with kgpub_serve_process(env={"KGPUB_CONFIG": str(web)}) as (url, _proc, _log):

        def turtle() -> str:
            with urllib.request.urlopen(url + "doc/haninge.ttl", timeout=5) as response:
                return str(response.read().decode())

        assert all("Haninge municipality" not in turtle() for _ in range(6))
        add_english_name(ci)
        load(ci)
        assert all("Haninge municipality" in turtle() for _ in range(6))  # both workers


def test_sighup_makes_a_host_look_for_a_new_load_at_once(
    tmp_path: Path, server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from kgpub.web.server import republish

    ci = project(tmp_path / "ci", server, update=True)
    load(ci)
    settings = host(project(tmp_path / "web", server, update=False))
    app = create_app(
        Settings.load(config_file=settings.config_file, env={}, remote_poll_seconds=3600)
    )
    first = app.extensions["kgpub_publisher"].require()
    assert republish(app) is False
    assert "no newer `kgpub load`" in capsys.readouterr().err
    add_english_name(ci)
    load(ci)
    assert republish(app) is True
    assert app.extensions["kgpub_publisher"].require().digest != first.digest


def test_a_host_refuses_to_start_on_a_store_nobody_loaded(tmp_path: Path, server: str) -> None:
    with pytest.raises(StoreUnavailable, match="holds no data loaded by `kgpub load`"):
        create_app(host(project(tmp_path / "web", server, update=False)), sparql=False)


def test_kgpub_serve_says_why_it_cannot_start(
    tmp_path: Path, server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    config = project(tmp_path / "web", server, update=False)
    assert main(["serve", "--config", str(config)]) == 2
    assert "run `kgpub load`" in capsys.readouterr().err


class FlakyStore:
    """A read-only store whose record can change and whose server can go away."""

    writable = False

    def __init__(self) -> None:
        self.digest = "a" * 64
        self.down = False

    def select(self, query: str) -> list[dict[str, object]]:
        if self.down:
            raise StoreUnavailable("the triplestore cannot be reached")
        when = ox.Literal("2026-11-23T10:00:00Z", datatype=ox.NamedNode(XSD + "dateTime"))
        return [{"digest": ox.Literal(self.digest), "when": when}]

    def count(self) -> int:
        return 67

    def changed(self) -> None:
        """Nothing is cached from it."""


def test_a_host_keeps_its_snapshot_while_the_store_is_away() -> None:
    from kgpub.publish.publisher import Publisher

    store = FlakyStore()
    publisher = Publisher(Settings.load(env={}, remote_poll_seconds=0), store=store)  # type: ignore[arg-type]
    first = publisher.start()
    assert first.digest == store.digest and first.quads == 67
    store.down = True
    publisher.poll()
    assert publisher.require() is first
    store.down, store.digest = False, "b" * 64
    publisher.poll()
    assert publisher.require().digest == "b" * 64
