"""Scale benchmark: load, validation, memory, start-up, throughput at 1 to 10,000 municipalities.

    .venv/bin/python benchmarks/scale.py --scales 1,290,3000,10000 --whole-graph-max 290

Synthetic data comes from ``benchmarks/generate.py`` and is written under
``benchmarks/out/scale-N`` (git-ignored), never into ``data/``. Every store measurement
runs in a fresh child process so resident memory is not polluted by earlier scales.

Printed per scale (a JSON line each, then a table):
- load: pyoxigraph parse + bulk load into kgpub's embedded memory store (triples/s);
- memory: resident bytes per triple of that store, and of a bare ``pyoxigraph.Store``
  loaded the same way in another process (the ratio is kgpub's overhead);
- start-up: memory store (parse + load all sources) vs reopening a disk store built
  before, both until the first resource page is answered;
- page and sparql throughput (single thread, in-process, so the numbers show what the
  store does at that size; median of three runs): a resource page (``kgpub.site.describe``:
  description with the labels of linked resources, owner chain, owner labels) and a
  typical ``/sparql`` SELECT, relative to the smallest scale;
- validation: kgpub's per-graph parallel validation against one whole-graph run, both as
  ``kgpub validate`` does it and with pyshacl as shipped (in a child process where
  ``kgpub.publish.pyshacl_remedies`` is never applied, which it checks), and the ratios, up to
  ``--whole-graph-max`` municipalities (whole-graph runs grow too slow);
- remote: page throughput through a RemoteStore in front of ``oxigraph serve`` relative
  to the embedded store, up to ``--remote-max`` municipalities, store side only and as
  whole HTML pages through the Flask app (``web``: the server filled as ``kgpub load``
  fills it, pages from a web host without an update endpoint, both modes warmed first,
  then taking turns in rounds; one client: latency. ``benchmarks/served.py`` measures
  throughput under gunicorn).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
import urllib.request
from collections.abc import Generator, Iterable
from pathlib import Path
from typing import Any, cast

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests"))

BASE = "https://w3id.org/kgpub/"
KGPUB = BASE + "ontology#"


def _server() -> Generator[str, None, None]:
    """A fresh ``oxigraph serve`` (tests/oxigraph_server.py); yields its URL, close() stops it."""
    from oxigraph_server import run_oxigraph

    return cast("Generator[str, None, None]", run_oxigraph())


def rss_bytes() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def nquads_of(project: Path) -> tuple[bytes, int]:
    """All data sources of ``project`` as N-Quads (one graph each) and the triple count."""
    import pyoxigraph as ox

    out: list[bytes] = []
    n = 0
    for path in sorted((project / "data").glob("*.ttl")):
        graph = ox.NamedNode(BASE + "graph/" + path.stem)
        quads = [
            ox.Quad(t.subject, t.predicate, t.object, graph)
            for t in ox.parse(path=path, format=ox.RdfFormat.TURTLE, base_iri=BASE)
        ]
        n += len(quads)
        out.append(ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b"")
    return b"".join(out), n


def sample_iris(store: Any, k: int = 200) -> list[str]:
    rows = store.select(
        "SELECT DISTINCT ?s WHERE { GRAPH ?g { ?s a ?t } FILTER(isIRI(?s)) } LIMIT 200000"
    )
    iris = sorted(r["s"].value for r in rows if "/id/" in r["s"].value)
    return random.Random(42).sample(iris, min(k, len(iris)))


def page(store: Any, iri: str) -> int:
    """What a resource page asks the store, as ``kgpub.site.site`` does: the
    description (with the labels of linked resources), the owner chain and the owners'
    labels. Rendering costs the same at every scale and is left out."""
    from kgpub.site import describe as resources

    desc = resources.describe(store, iri)
    owners = resources.owner_chain(store, iri, KGPUB, desc)
    resources.labels_for(store, owners, desc)
    return len(desc.triples)


SPARQL = (
    "PREFIX kgpub: <" + KGPUB + "> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
    "SELECT ?goal ?label WHERE {{ ?goal kgpub:owner <{owner}> ; skos:prefLabel ?label }} "
    "LIMIT 100"
)


def throughput(fn: Any, items: list[str], seconds: float = 1.0, runs: int = 3) -> float:
    """Calls per second: the median of ``runs`` runs (the machine may be shared)."""
    return sorted(_throughput_once(fn, items, seconds) for _ in range(runs))[runs // 2]


def _throughput_once(fn: Any, items: list[str], seconds: float) -> float:
    done = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        fn(items[done % len(items)])
        done += 1
    return done / (time.perf_counter() - started)


def owners(store: Any) -> list[str]:
    rows = store.select(
        "SELECT DISTINCT ?o WHERE { GRAPH ?g { ?s <" + KGPUB + "owner> ?o } } LIMIT 100000"
    )
    found = sorted(r["o"].value for r in rows)
    return random.Random(7).sample(found, min(50, len(found)))


# -- child measurements ----------------------------------------------------------------------


def child_memory(project: Path, bare: bool) -> dict[str, Any]:
    """Load the N-Quads file written by the parent; resident memory is measured around the
    load only (the file's bytes are read first, so parsing garbage does not blur it)."""
    import pyoxigraph as ox

    from kgpub.store.embedded import EmbeddedStore

    data = (project / "all.nq").read_bytes()
    n = int((project / "all.count").read_text())
    before = rss_bytes()
    started = time.perf_counter()
    if bare:
        raw = ox.Store()
        raw.bulk_load(data, format=ox.RdfFormat.N_QUADS)
        elapsed = time.perf_counter() - started
        return {"triples": n, "load_s": elapsed, "bytes_per_triple": (rss_bytes() - before) / n}
    store = EmbeddedStore()
    store.load_nquads(data)
    elapsed = time.perf_counter() - started
    per_triple = (rss_bytes() - before) / n
    del data
    iris = sample_iris(store)
    first = time.perf_counter()
    page(store, iris[0])
    result = {
        "triples": n,
        "load_s": elapsed,
        "load_triples_per_s": n / elapsed,
        "bytes_per_triple": per_triple,
        "first_page_ms": (time.perf_counter() - first) * 1000,
        "page_per_s": throughput(lambda i: page(store, i), iris),
    }
    who = owners(store)
    result["sparql_per_s"] = throughput(
        lambda o: list(cast(Iterable[object], store.query(SPARQL.format(owner=o)))),
        who,  # type: ignore[arg-type]
    )
    return result


def child_startup_memory(project: Path) -> dict[str, Any]:
    started = time.perf_counter()
    from kgpub.store.embedded import EmbeddedStore

    data, _n = nquads_of(project)
    store = EmbeddedStore()
    store.load_nquads(data)
    page(store, sample_iris(store, 1)[0])
    return {"startup_memory_s": time.perf_counter() - started}


def child_build_disk(project: Path, path: Path) -> dict[str, Any]:
    import pyoxigraph as ox

    data, n = nquads_of(project)
    started = time.perf_counter()
    raw = ox.Store(str(path))
    raw.bulk_load(data, format=ox.RdfFormat.N_QUADS)
    raw.flush()
    return {"disk_build_s": time.perf_counter() - started, "triples": n}


def child_startup_disk(path: Path, iri: str) -> dict[str, Any]:
    started = time.perf_counter()
    from kgpub.config import Settings
    from kgpub.store.factory import open_store

    store = open_store(Settings(root=path.parent, store="disk", store_path=path))
    opened = time.perf_counter() - started
    page(store, iri)
    return {"disk_open_s": opened, "startup_disk_s": time.perf_counter() - started}


def child_remote(project: Path) -> dict[str, Any]:
    import pyoxigraph as ox

    from kgpub.store.embedded import EmbeddedStore
    from kgpub.store.remote import RemoteStore

    data, _n = nquads_of(project)
    embedded = EmbeddedStore()
    embedded.load_nquads(data)
    iris = sample_iris(embedded)
    server = _server()
    url = next(server)
    try:
        request = urllib.request.Request(
            url + "/store",
            data=data,
            method="POST",
            headers={"Content-Type": "application/n-quads"},
        )
        urllib.request.urlopen(request, timeout=600).read()
        remote = RemoteStore(url + "/query", url + "/update", timeout=30)
        assert remote.count() == len(embedded.contents), "remote store not filled"
        emb = throughput(lambda i: page(embedded, i), iris)
        rem = throughput(lambda i: page(remote, i), iris)
    finally:
        server.close()
    del ox
    return {"embedded_page_per_s": emb, "remote_page_per_s": rem, "remote_ratio": rem / emb}


#: Rounds of the web part, and distinct pages per mode and round.
WEB_ROUNDS, WEB_PAGES = 12, 100


def child_web(project: Path) -> dict[str, Any]:
    """Whole HTML pages through the Flask app, one client, embedded memory store vs remote
    mode as docs/scaling.md sets it up: ``oxigraph serve`` filled the way ``kgpub load``
    fills it (one update request per graph, then the load record), read by a web host that
    has no update endpoint.

    Rendering included; every page is requested once so no cache answers; both modes are
    warmed on 100 other pages (the per-snapshot lookups). The two modes take turns, in
    :data:`WEB_ROUNDS` rounds of :data:`WEB_PAGES` pages each (the same pages for both
    within a round, the order alternating), and the ratio is taken within each round: on a
    shared machine whose speed drifts by ±20% from one minute to the next, that cancels
    the drift. Prints the median of the rounds' ratios and their range."""
    import statistics
    import types

    from kgpub.config import Settings
    from kgpub.publish.publisher import Publisher
    from kgpub.store.embedded import EmbeddedStore
    from kgpub.store.remote import RemoteStore
    from kgpub.web.app import create_app

    settings = Settings.load(config_file=project / "kgpub.toml", env={})

    def conforms(_snapshot: object) -> object:  # validation is measured elsewhere
        return types.SimpleNamespace(conforms=True)

    server = _server()
    url = next(server)
    out: dict[str, Any] = {}
    try:
        out["remote_load_s"] = fill_remote(settings, url)
        clients: dict[str, Any] = {}
        remote = RemoteStore(url + "/query", None, timeout=60)
        for name, store in (("embedded", EmbeddedStore()), ("remote", remote)):
            app = create_app(settings, Publisher(settings, store=store, validate=conforms), False)
            clients[name] = app.test_client()
        iris = sample_iris(remote, 100 + WEB_ROUNDS * WEB_PAGES)
        paths = ["/doc/" + i.split("/id/", 1)[1] for i in iris]
        for client in clients.values():
            _pages_per_s(client, paths[:100])  # warm-up, not counted
        rates: dict[str, list[float]] = {"embedded": [], "remote": []}
        ratios: list[float] = []
        for k in range(WEB_ROUNDS):
            chunk = paths[100 + k * WEB_PAGES : 100 + (k + 1) * WEB_PAGES]
            for name in ("embedded", "remote") if k % 2 == 0 else ("remote", "embedded"):
                rates[name].append(_pages_per_s(clients[name], chunk))
            ratios.append(rates["remote"][-1] / rates["embedded"][-1])
    finally:
        server.close()
    for name, values in rates.items():
        out[f"html_{name}_per_s"] = statistics.median(values)
    out["html_remote_ratio"] = statistics.median(ratios)
    out["html_remote_ratio_range"] = [min(ratios), max(ratios)]
    return out


def fill_remote(settings: Any, url: str) -> float:
    """Fill ``oxigraph serve`` at ``url`` as ``kgpub load`` does (one update request per
    graph, then the load record; validation is measured elsewhere); returns the seconds."""
    from datetime import UTC, datetime

    from kgpub.publish.sources import load_snapshot
    from kgpub.store.load_record import LoadRecord
    from kgpub.store.loader import load_quads
    from kgpub.store.remote import RemoteStore

    snapshot = load_snapshot(settings)
    started = time.perf_counter()
    load_quads(
        RemoteStore(url + "/query", url + "/update", timeout=600),
        snapshot.quads(),
        base_iri=settings.base_iri,
        record=LoadRecord(str(snapshot.digest), datetime.now(UTC)),
    )
    return time.perf_counter() - started


def _pages_per_s(client: Any, paths: list[str]) -> float:
    started = time.perf_counter()
    for path in paths:
        assert client.get(path, headers={"Accept": "text/html"}).status_code == 200
    return len(paths) / (time.perf_counter() - started)


def run_child(*args: str) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, __file__, "_child", *args], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"child {args} failed:\n{proc.stderr[-3000:]}")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def child_main(argv: list[str]) -> None:
    kind, *rest = argv
    out: dict[str, Any]
    if kind == "memory":
        out = child_memory(Path(rest[0]), bare=False)
    elif kind == "bare":
        out = child_memory(Path(rest[0]), bare=True)
    elif kind == "startup-memory":
        out = child_startup_memory(Path(rest[0]))
    elif kind == "build-disk":
        out = child_build_disk(Path(rest[0]), Path(rest[1]))
    elif kind == "startup-disk":
        out = child_startup_disk(Path(rest[0]), rest[1])
    elif kind == "remote":
        out = child_remote(Path(rest[0]))
    elif kind == "web":
        out = child_web(Path(rest[0]))
    elif kind == "plain-pyshacl":
        out = child_plain_pyshacl(Path(rest[0]))
    else:
        raise SystemExit(f"unknown child {kind}")
    print(json.dumps(out))


# -- validation (in this process) ------------------------------------------------------------


def validation(project: Path, whole: bool, workers: int) -> dict[str, Any]:
    from kgpub.config import Settings
    from kgpub.publish.per_graph import validate_sources

    settings = Settings.load(config_file=project / "kgpub.toml", env={})
    out: dict[str, Any] = {}
    started = time.perf_counter()
    report = validate_sources(settings, workers=workers, use_cache=False)
    out["batch_validation_s"] = time.perf_counter() - started
    out["batch_conforms"] = report.conforms
    times = sorted(g.seconds for g in report.graphs)
    out["per_graph_median_s"] = times[len(times) // 2]
    started = time.perf_counter()
    cached = validate_sources(settings, workers=workers, cache_dir=project / ".cache")
    validate_sources(settings, workers=workers, cache_dir=project / ".cache")
    out["cached_revalidation_s"] = time.perf_counter() - started - cached.seconds
    if whole:
        from kgpub.publish.sources import load_snapshot
        from kgpub.publish.validate import validate

        started = time.perf_counter()
        whole_report = validate(load_snapshot(settings))
        out["whole_graph_validation_s"] = time.perf_counter() - started
        out["whole_conforms"] = whole_report.conforms
        out["validation_speedup"] = out["whole_graph_validation_s"] / out["batch_validation_s"]
        # pyshacl as shipped, in a process where kgpub.publish.pyshacl_remedies was never applied
        plain = run_child("plain-pyshacl", str(project))
        out.update(plain)
        out["validation_speedup_vs_plain"] = plain["plain_pyshacl_s"] / out["batch_validation_s"]
    return out


def child_plain_pyshacl(project: Path) -> dict[str, Any]:
    """One whole-graph ``pyshacl.validate`` over the union, as pyshacl ships (advanced mode,
    the ontology mixed in, no inference): the baseline the issue names."""
    import pyshacl

    from kgpub.config import Settings
    from kgpub.publish.sources import load_snapshot

    snapshot = load_snapshot(Settings.load(config_file=project / "kgpub.toml", env={}))
    tuning = sys.modules.get("kgpub.publish.pyshacl_remedies")
    assert tuning is None or not tuning._tuned, "kgpub's pyshacl tuning is applied"
    started = time.perf_counter()
    conforms, _graph, _text = pyshacl.validate(
        snapshot.union_data(),
        shacl_graph=snapshot.shapes,
        ont_graph=snapshot.ontology,
        inference="none",
        advanced=True,
        inplace=True,
        allow_warnings=True,
        allow_infos=True,
    )
    return {"plain_pyshacl_s": time.perf_counter() - started, "plain_conforms": bool(conforms)}


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_child":
        child_main(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", default="1,290,3000,10000")
    parser.add_argument("--whole-graph-max", type=int, default=290)
    parser.add_argument("--validate-max", type=int, default=290)
    parser.add_argument("--remote-max", type=int, default=3000)
    parser.add_argument("--disk-min", type=int, default=290)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out")
    parser.add_argument(
        "--parts",
        default="startup,disk,remote,web,validation",
        help="what to measure besides load, memory and throughput",
    )
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    from generate import generate
    from table import print_table

    rows: list[dict[str, Any]] = []
    for n in (int(s) for s in args.scales.split(",")):
        project = args.out / f"scale-{n}"
        generate(n, project)
        row: dict[str, Any] = {"municipalities": n}
        data, count = nquads_of(project)
        (project / "all.nq").write_bytes(data)
        (project / "all.count").write_text(str(count))
        del data
        row.update(run_child("memory", str(project)))
        bare = run_child("bare", str(project))
        row["bare_bytes_per_triple"] = bare["bytes_per_triple"]
        row["memory_ratio_vs_bare"] = row["bytes_per_triple"] / bare["bytes_per_triple"]
        if "startup" in parts:
            row.update(run_child("startup-memory", str(project)))
        if n >= args.disk_min and "disk" in parts:
            disk = project / "store"
            if disk.exists():
                import shutil

                shutil.rmtree(disk)
            row.update(run_child("build-disk", str(project), str(disk)))
            iri = BASE + "id/kommun-0000"
            row.update(run_child("startup-disk", str(disk), iri))
        if n <= args.remote_max and "remote" in parts:
            row.update(run_child("remote", str(project)))
        if n <= args.remote_max and "web" in parts:
            row.update(run_child("web", str(project)))
        if n <= args.validate_max and "validation" in parts:
            row.update(validation(project, n <= args.whole_graph_max, args.workers))
        base = rows[0] if rows else row
        row["page_rel"] = row["page_per_s"] / base["page_per_s"]
        row["sparql_rel"] = row["sparql_per_s"] / base["sparql_per_s"]
        row["peak_rss_mb_parent"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        rows.append(row)
        print(json.dumps(row), flush=True)
    print()
    cols = [
        ("municipalities", "{:>6}"),
        ("triples", "{:>9}"),
        ("load_triples_per_s", "{:>10.0f}"),
        ("bytes_per_triple", "{:>6.0f}"),
        ("memory_ratio_vs_bare", "{:>5.2f}"),
        ("startup_memory_s", "{:>6.2f}"),
        ("startup_disk_s", "{:>6.3f}"),
        ("page_per_s", "{:>7.0f}"),
        ("page_rel", "{:>5.2f}"),
        ("sparql_per_s", "{:>7.0f}"),
        ("sparql_rel", "{:>5.2f}"),
        ("remote_ratio", "{:>5.2f}"),
        ("html_remote_ratio", "{:>5.2f}"),
        ("batch_validation_s", "{:>7.1f}"),
        ("whole_graph_validation_s", "{:>7.1f}"),
        ("validation_speedup", "{:>5.1f}"),
        ("plain_pyshacl_s", "{:>7.1f}"),
        ("validation_speedup_vs_plain", "{:>5.1f}"),
    ]
    print_table(rows, cols)


if __name__ == "__main__":
    main()
