"""``kgpub load``: validate, then replace each source's named graph in the configured store."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from kgpub.cli import main
from kgpub.config import Settings
from kgpub.store.factory import INCOMPLETE_MARKER, open_store
from kgpub.store.load_record import read_record
from kgpub.store.remote import RemoteStore
from oxigraph_server import free_port, run_oxigraph

FIXTURES = Path(__file__).resolve().parent / "fixtures"
BASE = "https://w3id.org/kgpub/"
GRAPHS = [BASE + "graph/haninge", BASE + "graph/sweden", BASE + "ontology", BASE + "shapes"]
RECORD = BASE + "graph/kgpub-load"


@pytest.fixture(autouse=True)
def _no_kgpub_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("KGPUB_"):
            monkeypatch.delenv(name)


@pytest.fixture(scope="module")
def oxigraph_server() -> Iterator[str]:
    yield from run_oxigraph()


def make_project(tmp_path: Path, store_lines: str) -> Path:
    root = tmp_path / "project"
    shutil.copytree(FIXTURES / "mini", root)
    config = root / "kgpub.toml"
    config.write_text(config.read_text(encoding="utf-8") + store_lines, encoding="utf-8")
    return config


def settings_of(config: Path) -> Settings:
    return Settings.load(config_file=config, env={})


def break_data(config: Path) -> None:
    """Remove the owner of a goal: a SHACL violation."""
    path = config.parent / "data" / "haninge.ttl"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("kgpub:owner <id/haninge> ;", ""), encoding="utf-8")


def dump(config: Path) -> set[ox.Quad]:
    store = open_store(settings_of(config))
    return set(ox.parse(store.dump(ox.RdfFormat.N_QUADS), format=ox.RdfFormat.N_QUADS))


def test_load_into_a_disk_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = make_project(tmp_path, '\nstore = "disk"\nstore_path = "var/store"\n')
    assert main(["load", "--config", str(config), "--workers", "1"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("Loaded 4 graphs, ")
    assert "validate [2/2] data/sweden.ttl: ok" in err
    assert "load [" in err and "4/4" in err
    store = open_store(settings_of(config))
    assert store.graph_names() == sorted(GRAPHS)
    assert not (config.parent / "var" / "store" / INCOMPLETE_MARKER).exists()


def test_invalid_data_changes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = make_project(tmp_path, '\nstore = "disk"\nstore_path = "var/store"\n')
    assert main(["load", "--config", str(config), "--workers", "1"]) == 0
    before = dump(config)
    break_data(config)
    capsys.readouterr()
    assert main(["load", "--config", str(config), "--workers", "1"]) == 1
    _out, err = capsys.readouterr()
    assert "data/haninge.ttl:" in err and "Violation" in err
    assert "nothing was written" in err
    assert dump(config) == before


def test_a_syntax_error_changes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = make_project(tmp_path, '\nstore = "disk"\nstore_path = "var/store"\n')
    assert main(["load", "--config", str(config), "--workers", "1"]) == 0
    before = dump(config)
    (config.parent / "data" / "sweden.ttl").write_text("<a> <b> .\n", encoding="utf-8")
    assert main(["load", "--config", str(config), "--workers", "1"]) == 2
    assert "data/sweden.ttl:1:" in capsys.readouterr().err
    assert dump(config) == before


def test_reload_replaces_graphs_and_drops_removed_sources(tmp_path: Path) -> None:
    config = make_project(tmp_path, '\nstore = "disk"\nstore_path = "var/store"\n')
    assert main(["load", "--config", str(config), "--workers", "1"]) == 0
    (config.parent / "data" / "sweden.ttl").unlink()
    haninge = config.parent / "data" / "haninge.ttl"
    haninge.write_text(
        haninge.read_text(encoding="utf-8").replace("Haninge kommun", "Haninge"), encoding="utf-8"
    )
    assert main(["load", "--config", str(config), "--workers", "1"]) == 0
    store = open_store(settings_of(config))
    assert BASE + "graph/sweden" not in store.graph_names()
    labels = {str(t.object) for t in store.describe(BASE + "id/haninge")}
    assert '"Haninge"@sv' in labels and '"Haninge kommun"@sv' not in labels


def test_a_half_written_store_is_completed_by_load(tmp_path: Path) -> None:
    config = make_project(tmp_path, '\nstore = "disk"\nstore_path = "var/store"\n')
    assert main(["load", "--config", str(config), "--workers", "1"]) == 0
    marker = config.parent / "var" / "store" / INCOMPLETE_MARKER
    marker.write_text("", encoding="utf-8")
    assert main(["load", "--config", str(config), "--workers", "1"]) == 0
    assert not marker.exists()


def test_unreachable_remote_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    config = make_project(
        tmp_path,
        f'\nstore = "remote"\nremote_query_endpoint = "{url}/query"\n'
        f'remote_update_endpoint = "{url}/update"\n',
    )
    started = time.monotonic()
    assert main(["load", "--config", str(config)]) == 2
    assert time.monotonic() - started < 2
    assert "cannot be reached" in capsys.readouterr().err


@pytest.mark.server
def test_load_into_a_remote_store(
    tmp_path: Path, oxigraph_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    config = make_project(
        tmp_path,
        f'\nstore = "remote"\nremote_query_endpoint = "{oxigraph_server}/query"\n'
        f'remote_update_endpoint = "{oxigraph_server}/update"\n',
    )
    RemoteStore(oxigraph_server + "/query", oxigraph_server + "/update").replace([])
    assert main(["load", "--config", str(config), "--workers", "1"]) == 0
    assert "Loaded 4 graphs" in capsys.readouterr().out
    before = dump(config)
    # the four graphs; the record of this load, which read-only web hosts follow, is
    # bookkeeping, not data: it lists the graphs, and is not listed, counted or dumped
    store = open_store(settings_of(config))
    assert store.graph_names() == sorted(GRAPHS)
    assert read_record(store, BASE) is not None
    assert RECORD not in {q.graph_name.value for q in dump(config)}  # type: ignore[union-attr]

    break_data(config)
    assert main(["load", "--config", str(config), "--workers", "1"]) == 1
    assert dump(config) == before


@pytest.mark.server
def test_remote_store_without_update_endpoint_is_refused(
    tmp_path: Path, oxigraph_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    config = make_project(
        tmp_path, f'\nstore = "remote"\nremote_query_endpoint = "{oxigraph_server}/query"\n'
    )
    assert main(["load", "--config", str(config)]) == 2
    assert "no update endpoint" in capsys.readouterr().err


@pytest.mark.server
def test_remote_store_refusing_the_write(
    tmp_path: Path, oxigraph_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # The query endpoint does not accept updates: the server refuses the first write.
    config = make_project(
        tmp_path,
        f'\nstore = "remote"\nremote_query_endpoint = "{oxigraph_server}/query"\n'
        f'remote_update_endpoint = "{oxigraph_server}/query"\n',
    )
    RemoteStore(oxigraph_server + "/query", oxigraph_server + "/update").replace([])
    assert main(["load", "--config", str(config), "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert "refused the update" in err or "rejected the update" in err
    assert open_store(settings_of(config)).count() == 0


def test_a_store_failing_part_way_says_how_far_it_got() -> None:
    import pyoxigraph

    from kgpub.errors import StoreUnavailable
    from kgpub.store.loader import PartialLoad, load_quads

    class Flaky(RemoteStore):
        def __init__(self) -> None:
            super().__init__("http://127.0.0.1:9/query", "http://127.0.0.1:9/update")
            self.written: list[str] = []

        def graph_names(self) -> list[str]:
            return []

        def replace_graph(self, graph_iri: str, triples: object) -> None:
            if len(self.written) == 1:
                raise StoreUnavailable("the triplestore went away")
            self.written.append(graph_iri)

    s = pyoxigraph.NamedNode(BASE + "id/x")
    quads = [
        pyoxigraph.Quad(s, s, s, pyoxigraph.NamedNode(BASE + f"graph/{name}"))
        for name in ("a", "b", "c")
    ]
    store = Flaky()
    with pytest.raises(PartialLoad, match="after 1 of 3 graphs") as caught:
        load_quads(store, quads, base_iri=BASE)
    assert caught.value.done == [BASE + "graph/a"]
