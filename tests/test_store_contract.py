"""One contract for every Store: embedded in memory, embedded on disk, remote in front of
``oxigraph serve`` and in front of OpenLink Virtuoso.

A remote store holds kgpub's record graph besides the data (it lists kgpub's graphs, see
kgpub.store.load_record), and a Virtuoso server its own system graphs; queries over every
graph therefore look at the subjects under ``id/`` only.

Also the failure modes of opening stores: a wrong path, a half-written on-disk store, an
unreachable remote server, a remote store without an update endpoint.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import cast

import pyoxigraph as ox
import pytest

from kgpub.config import Settings
from kgpub.errors import StoreUnavailable
from kgpub.store.base import Store
from kgpub.store.factory import INCOMPLETE_MARKER, open_store
from kgpub.store.remote import RemoteStore
from oxigraph_server import free_port, run_oxigraph
from virtuoso_server import Virtuoso, run_virtuoso


def _server(port: int | None = None, location: Path | None = None) -> Generator[str, None, None]:
    """``run_oxigraph`` typed as the generator it is (the tests close it)."""
    return cast("Generator[str, None, None]", run_oxigraph(port, location))


EX = "https://w3id.org/kgpub/"
G1 = EX + "graph/one"
G2 = EX + "graph/two"


def _n(local: str) -> ox.NamedNode:
    return ox.NamedNode(EX + "id/" + local)


LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
QUADS = [
    ox.Quad(_n("a"), LABEL, ox.Literal('Å "quoted"\nline', language="sv"), ox.NamedNode(G1)),
    ox.Quad(_n("a"), _n("p"), _n("b"), ox.NamedNode(G1)),
    ox.Quad(_n("b"), LABEL, ox.Literal("b"), ox.NamedNode(G2)),
    ox.Quad(
        _n("b"),
        _n("n"),
        ox.Literal("42", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
        ox.NamedNode(G2),
    ),
]


@pytest.fixture(scope="module")
def oxigraph_server() -> Iterator[str]:
    yield from run_oxigraph()


@pytest.fixture(scope="module")
def virtuoso() -> Iterator[Virtuoso]:
    yield from run_virtuoso()


def endpoints(request: pytest.FixtureRequest, server: str) -> tuple[str, str]:
    """(query, update) endpoints of the ``oxigraph`` or ``virtuoso`` test server."""
    if server == "virtuoso":
        v: Virtuoso = request.getfixturevalue("virtuoso")
        return v.endpoint, v.endpoint
    url = request.getfixturevalue("oxigraph_server")
    return url + "/query", url + "/update"


REMOTES = [
    pytest.param("oxigraph", marks=pytest.mark.server),
    pytest.param("virtuoso", marks=pytest.mark.server),
]


@pytest.fixture(params=["memory", "disk", *REMOTES])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "memory":
        yield open_store(Settings(root=tmp_path))
    elif request.param == "disk":
        yield open_store(Settings(root=tmp_path, store="disk", store_path=Path("store")))
    else:
        query, update = endpoints(request, request.param)
        remote = open_store(
            Settings(
                root=tmp_path,
                store="remote",
                remote_query_endpoint=query,
                remote_update_endpoint=update,
                remote_timeout=10,
            )
        )
        assert isinstance(remote, RemoteStore)
        remote.replace([])
        yield remote
        remote.replace([])


@pytest.fixture(params=REMOTES)
def remote(request: pytest.FixtureRequest) -> Iterator[RemoteStore]:
    """A remote store (Oxigraph server, Virtuoso), emptied of kgpub's graphs around a test."""
    query, update = endpoints(request, request.param)
    store = RemoteStore(query, update, timeout=10)
    store.replace([])
    yield store
    store.replace([])


#: Only the data's subjects (not the record graph's, nor a server's own graphs).
OURS = f'FILTER(STRSTARTS(STR(?s), "{EX}id/"))'


def test_is_a_store(store: Store) -> None:
    assert isinstance(store, Store)


def test_replace_count_and_graph_names(store: Store) -> None:
    store.replace(QUADS)
    assert store.count() == 4
    assert store.graph_names() == [G1, G2]
    store.replace(QUADS[2:])
    assert store.count() == 2
    assert store.graph_names() == [G2]


def test_replace_graph_changes_that_graph_only(store: Store) -> None:
    store.replace(QUADS)
    store.replace_graph(G1, [ox.Triple(_n("c"), LABEL, ox.Literal("c"))])
    assert store.graph_names() == [G1, G2]
    assert store.describe(EX + "id/a") == []
    assert store.describe(EX + "id/c") == [ox.Triple(_n("c"), LABEL, ox.Literal("c"))]
    assert len(store.describe(EX + "id/b")) == 2  # the other graph is untouched


def test_replace_graph_adds_a_new_graph_and_drops_an_emptied_one(store: Store) -> None:
    store.replace(QUADS)
    g3 = EX + "graph/three"
    store.replace_graph(g3, [ox.Triple(_n("d"), LABEL, ox.Literal("d"))])
    store.replace_graph(G2, [])
    assert store.graph_names() == [G1, g3]
    assert store.count() == 3


def test_replace_graph_rejects_what_is_not_an_iri(store: Store) -> None:
    store.replace(QUADS)
    with pytest.raises(ValueError):
        store.replace_graph(EX + "graph/x> } DROP ALL #", [])
    assert store.count() == 4


def updates_sent(store: RemoteStore) -> list[str]:
    """The update requests ``store`` sends from now on (they are still sent)."""
    sent: list[str] = []
    send = store.client.update

    def keep(request: str) -> None:
        sent.append(request)
        send(request)

    store.client.update = keep  # type: ignore[method-assign]
    return sent


def replace_while_reading(store: Store) -> set[int]:
    """Replace a graph of 300 triples five times while another thread counts it; the
    counts it saw."""
    old = [ox.Triple(_n(f"old{i}"), LABEL, ox.Literal(str(i))) for i in range(300)]
    new = [ox.Triple(_n(f"new{i}"), LABEL, ox.Literal(str(i))) for i in range(300)]
    store.replace([ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(G1)) for t in old])
    seen: set[int] = set()
    done = threading.Event()

    def read() -> None:
        query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{G1}> {{ ?s ?p ?o }} }}"
        while not done.is_set():
            seen.add(int(store.select(query)[0]["n"].value))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for version in (new, old, new, old, new):
            store.replace_graph(G1, version)
    finally:
        done.set()
        reader.join()
    rows = store.select(f"SELECT DISTINCT ?s WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {OURS} }}")
    assert {r["s"] for r in rows} == {t.subject for t in new}
    return seen


def test_replace_graph_is_atomic_for_readers(store: Store) -> None:
    """A reader asking while a graph is replaced sees it whole: old or new."""
    assert replace_while_reading(store) <= {300}


def test_a_graph_written_in_several_requests_is_atomic_for_readers(remote: RemoteStore) -> None:
    """Above the size of one update request a remote store writes a staging graph in
    several requests and moves it into place: still old or new, never half."""
    sent = updates_sent(remote)
    remote.max_update_triples = 64
    assert replace_while_reading(remote) <= {300}
    inserts = [r for r in sent if r.startswith("INSERT DATA")]
    assert len(inserts) >= 5 * 5  # 300 triples, 64 a request, five times
    assert all(r.count("\n") <= 66 for r in inserts)
    assert remote.graph_names() == [G1]


def test_select_returns_pyoxigraph_terms(store: Store) -> None:
    store.replace(QUADS)
    rows = store.select("SELECT ?o WHERE { GRAPH ?g { ?s rdfs:label ?o } } ORDER BY ?o")
    values = [r["o"] for r in rows]
    assert ox.Literal('Å "quoted"\nline', language="sv") in values
    assert ox.Literal("b") in values
    assert all(isinstance(v, ox.Literal) for v in values)


def test_construct(store: Store) -> None:
    store.replace(QUADS)
    triples = store.construct(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{G2}> {{ ?s ?p ?o }} }}")
    assert set(triples) == {ox.Triple(q.subject, q.predicate, q.object) for q in QUADS[2:]}


def test_describe(store: Store) -> None:
    store.replace(QUADS)
    assert set(store.describe(EX + "id/a")) == {
        ox.Triple(q.subject, q.predicate, q.object) for q in QUADS[:2]
    }
    assert store.describe(EX + "id/nothing") == []
    with pytest.raises(ValueError):
        store.describe(EX + "id/a> ?p ?o } DROP ALL #")


def test_query_forms_return_pyoxigraph_results(store: Store) -> None:
    store.replace(QUADS)
    solutions = store.query(f"SELECT ?s WHERE {{ ?s ?p ?o {OURS} }}")
    assert isinstance(solutions, ox.QuerySolutions)
    assert len(list(solutions)) == 4
    asked = store.query(f"ASK {{ <{EX}id/b> ?p ?o }}")
    assert isinstance(asked, ox.QueryBoolean)
    assert bool(asked)
    triples = store.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o {OURS} }}")
    assert isinstance(triples, ox.QueryTriples)
    assert len(list(triples)) == 4


def test_query_with_protocol_dataset(store: Store) -> None:
    store.replace(QUADS)
    rows = store.query("SELECT ?s WHERE { ?s ?p ?o }", default_graph_uris=[G2])
    assert isinstance(rows, ox.QuerySolutions)
    assert {r["s"] for r in rows} == {_n("b")}


def test_each_query_gets_its_own_dataset(store: Store) -> None:
    """One dataset's request is not reused for the next query (a remote store builds each
    kind of request once), whatever the order and the form."""
    store.replace(QUADS)
    subjects = f"SELECT DISTINCT ?s WHERE {{ ?s ?p ?o {OURS} }}"

    def answer(**dataset: list[str]) -> set[ox.NamedNode]:
        rows = store.query(subjects, **dataset)  # type: ignore[arg-type]
        assert isinstance(rows, ox.QuerySolutions)
        return {r["s"] for r in rows}

    assert answer(default_graph_uris=[G2]) == {_n("b")}
    assert answer() == {_n("a"), _n("b")}
    assert answer(default_graph_uris=[G1]) == {_n("a")}
    named = store.query(
        "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }", named_graph_uris=[G1]
    )
    assert isinstance(named, ox.QueryTriples)
    assert {t.subject for t in named} == {_n("a")}
    assert answer(default_graph_uris=[G2]) == {_n("b")}


def test_dump_dataset_and_merged(store: Store) -> None:
    store.replace(QUADS)
    nq = store.dump(ox.RdfFormat.N_QUADS)
    assert set(ox.parse(nq, format=ox.RdfFormat.N_QUADS)) == set(QUADS)
    ttl = store.dump(ox.RdfFormat.TURTLE)
    assert len(list(ox.parse(ttl, format=ox.RdfFormat.TURTLE))) == 4


# -- opening stores: the failure modes ----------------------------------------------------------


def test_disk_store_reopens_with_its_content(tmp_path: Path) -> None:
    settings = Settings(root=tmp_path, store="disk", store_path=Path("store"))
    first = open_store(settings)
    first.replace(QUADS)
    del first
    again = open_store(settings)
    assert again.count() == 4


def test_disk_store_path_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "store").write_text("precious", encoding="utf-8")
    with pytest.raises(StoreUnavailable, match="is a file"):
        open_store(Settings(root=tmp_path, store="disk", store_path=Path("store")))
    assert (tmp_path / "store").read_text(encoding="utf-8") == "precious"


def test_disk_store_path_with_other_files_is_not_overwritten(tmp_path: Path) -> None:
    (tmp_path / "store").mkdir()
    (tmp_path / "store" / "notes.txt").write_text("precious", encoding="utf-8")
    with pytest.raises(StoreUnavailable, match="refusing to overwrite"):
        open_store(Settings(root=tmp_path, store="disk", store_path=Path("store")))
    assert [p.name for p in (tmp_path / "store").iterdir()] == ["notes.txt"]


def test_disk_store_below_a_file(tmp_path: Path) -> None:
    (tmp_path / "no").write_text("precious", encoding="utf-8")
    with pytest.raises(StoreUnavailable, match="is a file"):
        open_store(Settings(root=tmp_path, store="disk", store_path=Path("no/such/store")))
    assert (tmp_path / "no").read_text(encoding="utf-8") == "precious"


def test_disk_store_missing_directories_are_created(tmp_path: Path) -> None:
    store = open_store(Settings(root=tmp_path, store="disk", store_path=Path("var/a/store")))
    assert store.count() == 0
    assert (tmp_path / "var" / "a" / "store").is_dir()


def test_half_written_disk_store_is_refused(tmp_path: Path) -> None:
    settings = Settings(root=tmp_path, store="disk", store_path=Path("store"))
    store = open_store(settings)
    store.replace(QUADS)
    del store
    (tmp_path / "store" / INCOMPLETE_MARKER).write_text("", encoding="utf-8")
    with pytest.raises(StoreUnavailable, match="half-written"):
        open_store(settings)
    assert open_store(settings, allow_incomplete=True).count() == 4


def test_damaged_disk_store_is_refused(tmp_path: Path) -> None:
    settings = Settings(root=tmp_path, store="disk", store_path=Path("store"))
    store = open_store(settings)
    store.replace(QUADS)
    del store
    for manifest in (tmp_path / "store").glob("MANIFEST-*"):
        manifest.unlink()
    with pytest.raises(StoreUnavailable, match="cannot be opened"):
        open_store(settings)


def test_unreachable_remote_fails_fast_and_clearly(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/query"
    started = time.monotonic()
    with pytest.raises(StoreUnavailable, match="cannot be reached"):
        open_store(Settings(root=tmp_path, store="remote", remote_query_endpoint=url))
    assert time.monotonic() - started < 2


@pytest.mark.server
def test_remote_without_update_endpoint_refuses_writes(oxigraph_server: str) -> None:
    store = RemoteStore(oxigraph_server + "/query", None, timeout=5)
    with pytest.raises(StoreUnavailable, match="no update endpoint"):
        store.replace(QUADS)


def test_remote_replace_graph_is_one_request(remote: RemoteStore) -> None:
    store = remote
    sent = updates_sent(store)
    store.replace(QUADS)
    sent.clear()
    store.replace_graph(G1, [ox.Triple(_n("c"), LABEL, ox.Literal("c"))])
    assert store.graph_names() == [G1, G2]
    assert store.describe(EX + "id/a") == []
    assert len(store.describe(EX + "id/c")) == 1
    assert len(sent) == 1 and sent[0].startswith(f"DROP SILENT GRAPH <{G1}>")


@pytest.mark.server
def test_remote_store_down_then_back_recovers_without_restart() -> None:
    port = free_port()
    server = _server(port)
    url = next(server)
    store = RemoteStore(url + "/query", url + "/update", timeout=2)
    store.replace(QUADS)
    assert store.graph_names() == [G1, G2]  # a kept-alive connection is now open
    server.close()  # the server goes away

    started = time.monotonic()
    with pytest.raises(StoreUnavailable, match="cannot be reached"):
        store.graph_names()
    assert time.monotonic() - started < 2

    server = _server(port)  # back, empty, on the same address
    next(server)
    try:
        assert store.graph_names() == []
    finally:
        server.close()


def test_remote_replace_too_large_for_one_request(remote: RemoteStore) -> None:
    store = remote
    store.replace([ox.Quad(_n("old"), LABEL, ox.Literal("old"), ox.NamedNode(EX + "graph/old"))])
    store.max_update_triples = 1  # forces a staging graph for each graph of two triples
    store.replace(QUADS)
    assert store.graph_names() == [G1, G2]
    assert store.count() == 4
    assert set(ox.parse(store.dump(ox.RdfFormat.N_QUADS), format=ox.RdfFormat.N_QUADS)) == set(
        QUADS
    )


# -- remote stores: only kgpub's graphs, blank nodes, what servers do to answers ----------------

FOREIGN = "http://other.example/graph"


def test_a_remote_store_counts_lists_dumps_and_drops_only_its_own_graphs(
    remote: RemoteStore,
) -> None:
    remote.update(
        f"DROP SILENT GRAPH <{FOREIGN}> ; "
        f'INSERT DATA {{ GRAPH <{FOREIGN}> {{ <{FOREIGN}#x> <{FOREIGN}#p> "x" }} }}'
    )
    remote.replace(QUADS)
    assert remote.graph_names() == [G1, G2]
    assert remote.count() == 4
    assert set(ox.parse(remote.dump(ox.RdfFormat.N_QUADS), format=ox.RdfFormat.N_QUADS)) == set(
        QUADS
    )
    sent = updates_sent(remote)
    remote.replace([])
    assert remote.graph_names() == [] and remote.count() == 0
    assert not any("ALL" in r.split("{")[0] for r in sent)  # no DROP ALL, CLEAR ALL
    kept = remote.query(f"ASK {{ GRAPH <{FOREIGN}> {{ ?s ?p ?o }} }}")
    assert isinstance(kept, ox.QueryBoolean) and bool(kept)
    remote.update(f"DROP SILENT GRAPH <{FOREIGN}>")


BLANK = ox.BlankNode("addr1")
WITH_BLANKS = [
    ox.Quad(_n("a"), _n("address"), BLANK, ox.NamedNode(G1)),
    ox.Quad(BLANK, LABEL, ox.Literal("Torget 9"), ox.NamedNode(G1)),
    ox.Quad(_n("a"), LABEL, ox.Literal("a"), ox.NamedNode(G1)),
]


def test_blank_nodes_are_written_as_skolem_iris_and_read_back_as_blank_nodes(
    remote: RemoteStore,
) -> None:
    sent = updates_sent(remote)
    remote.replace(WITH_BLANKS)
    assert "_:" not in "".join(sent)
    assert f"<{EX}.well-known/genid/addr1>" in "".join(sent)
    dumped = set(ox.parse(remote.dump(ox.RdfFormat.N_QUADS), format=ox.RdfFormat.N_QUADS))
    assert dumped == set(WITH_BLANKS)
    # kgpub's own queries: isBlank/isIRI mean on the server what they mean in the data
    rows = remote.select(
        f"SELECT ?b ?l WHERE {{ GRAPH ?g {{ <{EX}id/a> ?p ?b FILTER(isBlank(?b)) ?b ?q ?l }} }}"
    )
    assert rows == [{"b": BLANK, "l": ox.Literal("Torget 9")}]
    iris = remote.select(f"SELECT ?o WHERE {{ GRAPH ?g {{ <{EX}id/a> ?p ?o FILTER(isIRI(?o)) }} }}")
    assert iris == []
    answer = remote.query(f"SELECT ?o WHERE {{ <{EX}id/a> <{EX}id/address> ?o }}")
    assert isinstance(answer, ox.QuerySolutions)
    assert [r["o"] for r in answer] == [BLANK]


def test_blank_nodes_the_server_labels_are_read(remote: RemoteStore) -> None:
    """Virtuoso labels the blank nodes of its answers ``nodeID://b10006``."""
    remote.replace(QUADS)
    answer = remote.query(
        f"CONSTRUCT {{ _:x <{EX}id/of> ?s }} WHERE {{ GRAPH <{G2}> {{ ?s ?p ?o }} }}"
    )
    assert isinstance(answer, ox.QueryTriples)
    triples = list(answer)
    assert len(triples) == 2 and all(isinstance(t.subject, ox.BlankNode) for t in triples)
    remote.update(
        f"DROP SILENT GRAPH <{FOREIGN}> ; "
        f"INSERT {{ GRAPH <{FOREIGN}> {{ _:b <{FOREIGN}#p> ?o }} }} "
        f"WHERE {{ GRAPH <{G2}> {{ ?s <{EX}id/n> ?o }} }}"
    )
    try:
        rows = remote.query(f"SELECT ?b WHERE {{ GRAPH <{FOREIGN}> {{ ?b ?p ?o }} }}")
        assert isinstance(rows, ox.QuerySolutions)
        found = [r["b"] for r in rows]
        assert len(found) == 1 and isinstance(found[0], ox.BlankNode)
    finally:
        remote.update(f"DROP SILENT GRAPH <{FOREIGN}>")
