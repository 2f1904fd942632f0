"""Throughput of kgpub's /sparql (gunicorn) against Oxigraph's own server, same data, same run.

    .venv/bin/python benchmarks/sparql.py [--seconds 5] [--rounds 3] [--connections 8]
        [--municipalities 290]

Generates the data set (the real sources, plus synthetic municipalities up to
``--municipalities``; 2 means the real data alone), loads it into an Oxigraph server and
into two kgpub servers (the full app as ``kgpub serve`` runs it: gunicorn, preloaded, gthread
workers), drives each with N keep-alive connections (one client process each) for a few
seconds per query, and prints requests/s and the ratios. kgpub runs twice: with its answer
cache (repeated identical queries against an unchanged snapshot, which the endpoint may
answer from memory; a new snapshot empties it) and without it (every request runs the query
in a query worker). rdflib-endpoint is included when installed. Also prints the per-query
overhead of the worker pool measured in-process (pool round trip vs. calling pyoxigraph
directly).
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyoxigraph

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))
BASE = "https://w3id.org/kgpub/"

QUERIES = {
    "point describe": f"DESCRIBE <{BASE}id/haparanda>",
    "label w/ language fallback": """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?goal ?label WHERE {
  ?goal skos:prefLabel ?any .
  OPTIONAL { ?goal skos:prefLabel ?en FILTER(lang(?en) = "en") }
  OPTIONAL { ?goal skos:prefLabel ?sv FILTER(lang(?sv) = "sv") }
  BIND(COALESCE(?en, ?sv, ?any) AS ?label)
} LIMIT 20""",
    "join (goals, owners, labels)": """PREFIX kgpub: <https://w3id.org/kgpub/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?goal ?label ?owner ?ownerLabel WHERE {
  ?goal a kgpub:Goal ; kgpub:owner ?owner ; skos:prefLabel ?label .
  ?owner rdfs:label ?ownerLabel .
  FILTER(lang(?label) = "sv" && lang(?ownerLabel) = "sv")
} LIMIT 104""",  # the mix: a 104-row join (unbounded, it is every goal of the set)
}
ACCEPT = {
    "point describe": "text/turtle",
}


def _spread(rounds: list[dict[str, float]], name: str) -> str:
    """The median ratio of ``name`` to the Oxigraph server, and its range over the rounds
    (each round's ratio is taken within that round, so slow drifts of the machine cancel)."""
    each = sorted(one[name] / one["oxigraph server"] for one in rounds)
    median = statistics.median(each)
    return f"{median:.2f}x" + (f" [{each[0]:.2f}-{each[-1]:.2f}]" if len(each) > 1 else "")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_up(port: int, path: str, proc: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path + "?query=" + urllib.parse.quote("ASK {}"))
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("server did not start")


def _client(args: tuple[int, str, str, str, float]) -> int:
    port, path, query, accept, seconds = args
    conn = http.client.HTTPConnection("127.0.0.1", port)
    url = path + "?query=" + urllib.parse.quote(query)
    headers = {"Accept": accept}
    n = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        conn.request("GET", url, headers=headers)
        resp = conn.getresponse()
        resp.read()
        if resp.status != 200:
            raise RuntimeError(f"status {resp.status}")
        n += 1
    return n


def throughput(port: int, path: str, query: str, accept: str, conns: int, seconds: float) -> float:
    with multiprocessing.Pool(conns) as pool:
        counts = pool.map(_client, [(port, path, query, accept, seconds)] * conns)
    return sum(counts) / seconds


def published_store(settings: Any) -> pyoxigraph.Store:
    """The store ``kgpub serve`` answers from: the data validated and published."""
    from kgpub.publish.publisher import Publisher
    from kgpub.store.base import in_process

    publisher = Publisher(settings)
    publisher.publish()
    raw = in_process(publisher.store)
    assert raw is not None
    return raw


def pool_overhead(n: int = 500) -> dict[str, float]:
    """Seconds per query in process: the join through a worker and directly (pyoxigraph and
    its writers, as a worker runs it), and a point lookup through a worker and in the thread
    (the pool's bounded-query path)."""
    from kgpub import formats
    from kgpub.config import Settings
    from kgpub.sparql import results as rf
    from kgpub.sparql.pool import QueryPool
    from kgpub.sparql.protocol import parse_request

    settings = Settings.load(root=ROOT, env={})
    store = published_store(settings)
    budget = settings.query_in_thread_budget
    to_worker = QueryPool(store, size=1, cache_bytes=0, base_iri=BASE)
    in_thread = QueryPool(store, size=1, cache_bytes=0, base_iri=BASE, in_thread_budget=budget)
    to_worker.start()
    join = QUERIES["join (goals, owners, labels)"]
    lookup = f"SELECT ?p ?o WHERE {{ <{BASE}id/haparanda> ?p ?o }}"

    def per_query(run: Callable[[], object]) -> float:
        for _ in range(20):
            run()
        t0 = time.perf_counter()
        for _ in range(n):
            run()
        return (time.perf_counter() - t0) / n

    def via(pool: QueryPool, query: str) -> Callable[[], object]:
        req = parse_request("GET", None, {"query": [query]}, {}, b"")
        assert req is not None
        return lambda: pool.run(req, formats.SPARQL_JSON)

    def evaluate() -> object:
        return store.query(join, use_default_graph_as_union=True)

    def on_threads(run: Callable[[], object], threads: int) -> float:
        """Seconds per query with ``threads`` threads of one process asking at once."""
        each = n // threads
        workers = [
            threading.Thread(target=lambda: [run() for _ in range(each)]) for _ in range(threads)
        ]
        t0 = time.perf_counter()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        return (time.perf_counter() - t0) / (each * threads)

    figures = {
        "join via a worker": per_query(via(to_worker, join)),
        "join directly": per_query(
            lambda: rf.render(evaluate(), formats.SPARQL_JSON, 100_000, again=evaluate)
        ),
        "lookup via a worker": per_query(via(to_worker, lookup)),
        "lookup in the thread": per_query(via(in_thread, lookup)),
        # pyoxigraph lets go of the GIL in every call and for every result: with several
        # request threads of one web worker at it, each lookup costs more
        "lookup in the thread, 4 threads at once": on_threads(via(in_thread, lookup), 4),
    }
    to_worker.close()
    in_thread.close()
    return figures


def serve(config: Path, port: int, cache: int, workers: int, in_thread_budget: int | None) -> None:
    """The full kgpub app under gunicorn with ``kgpub serve``'s options, over the generated
    sources (copies of validated ones, so published without running SHACL)."""
    from kgpub.config import Settings
    from kgpub.publish.publisher import Publisher
    from kgpub.publish.sources import load_snapshot
    from kgpub.web.app import create_app
    from kgpub.web.server import _Gunicorn, gunicorn_options

    app: Any
    if cache == -1:  # the ceiling: a WSGI app that does nothing, under the same gunicorn

        def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
            start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
            return [b"ok"]
    elif cache == -2:  # a Flask route that does nothing (pages.py's no-work route)
        from flask import Flask

        app = Flask("nowork")
        app.add_url_rule("/sparql", "nowork", lambda: "ok")
    else:
        # every connection comes from 127.0.0.1: no per-client limit (it would answer 429)
        overrides: dict[str, Any] = {
            "query_cache_bytes": cache,
            "sparql_per_client": 0,
            "render_ahead": False,  # no pages asked here
        }
        if in_thread_budget is not None:
            overrides["query_in_thread_budget"] = in_thread_budget
        settings = Settings.load(config_file=config, env={}, **overrides)
        publisher = Publisher(settings)
        publisher.swap(load_snapshot(settings))
        app = create_app(settings, publisher)
    # kgpub serve's own gunicorn settings (its request threads, its limits) for every server
    bind = f"127.0.0.1:{port}"
    options = gunicorn_options(Settings.load(config_file=config, env={}), bind, workers)
    _Gunicorn(app, {**options, "accesslog": None}).run()


DISTINCT = {
    "point lookup, new IRI": "SELECT ?p ?o WHERE { <" + BASE + "id/query-{i}> ?p ?o }",
    "point lookup, a thing": "SELECT ?p ?o WHERE { <{iri}> ?p ?o }",
    "describe, a thing": "DESCRIBE <{iri}>",
    "label, new literal": QUERIES["label w/ language fallback"].replace(
        "BIND(", 'FILTER(?any != "not a label {i}"@sv) BIND('
    ),
    "join, new literal": QUERIES["join (goals, owners, labels)"].replace(
        "FILTER(", 'FILTER(?label != "not a label {i}"@sv && '
    ),
}
#: The distinct mode's servers: kgpub's two, and the three it is compared with.
DISTINCT_SERVERS = (
    "kgpub (no cache)",
    "kgpub (every query to a worker)",
    "kgpub (cache)",
    "oxigraph server",
    "no-work WSGI",
    "no-work Flask",
)


def _distinct_paths(path: str, template: str, things: list[str], start: int) -> list[str]:
    """Queries from ``template``, each new: ``{i}`` a fresh number, ``{iri}`` the next thing
    (of the data, shuffled) from ``start`` on (each round its own slice)."""
    if "{iri}" in template:
        picked = things[start:] + things[:start]
        queries = [template.replace("{iri}", iri) for iri in picked]
    else:
        queries = [template.replace("{i}", str(i)) for i in range(start, start + 200_000)]
    return [f"{path}?{urllib.parse.urlencode({'query': q})}" for q in queries]


def distinct_queries(
    servers: dict[str, tuple[int, str]], pids: dict[str, int], things: list[str], args: Any
) -> None:
    """Every request a query nobody asked before (a new IRI or literal, or the next thing of
    the data), so no cache answers it; kgpub beside the same query asked again and again.
    Rounds interleave the servers; ratios are to the baselines of the same round. wrk,
    p50/p99, errors, server memory."""
    from loadgen import pss_mb, wrk

    print(
        f"\ndistinct queries (wrk, {args.connections} connections x {args.seconds:g} s, "
        f"{args.rounds} interleaved rounds, {len(things)} things):"
    )
    headers = {"Accept": "application/sparql-results+json"}
    for r in range(args.rounds):
        for qname, template in DISTINCT.items():
            accept = {"Accept": "text/turtle"} if template.startswith("DESCRIBE") else headers
            rates: dict[str, float] = {}
            for name in DISTINCT_SERVERS[r % 2 :] + DISTINCT_SERVERS[: r % 2]:
                port, path = servers[name]
                paths = _distinct_paths(path, template, things, r * len(things) // args.rounds)
                before = pss_mb(pids[name])
                new = wrk(port, paths, args.connections, args.seconds, accept)
                rates[name] = new["ok_rps"]  # answers; refusals (503 busy) do not count
                line = (
                    f"  r{r + 1} {qname:<22} {name:<17} distinct {new['ok_rps']:6.0f}/s "
                    f"answered, p50 {new['p50']:5.2f} p99 {new['p99']:6.2f} ms, "
                    f"{new['errors'] + new['bad_status']:.0f} errors"
                )
                if name.startswith("kgpub"):
                    same = wrk(port, paths[:1], args.connections, args.seconds, accept)
                    line += (
                        f" | same query {same['ok_rps']:6.0f}/s answered "
                        f"p50 {same['p50']:5.2f} ms (a cache: the distinct figure is the one)"
                    )
                print(line + f" | Pss {before:.0f} -> {pss_mb(pids[name]):.0f} MB")
            for name in ("kgpub (no cache)", "kgpub (every query to a worker)"):
                print(
                    f"  r{r + 1} {qname:<22} {name} = "
                    f"{rates[name] / rates['no-work WSGI']:.2f}x no-work WSGI, "
                    f"{rates[name] / rates['no-work Flask']:.2f}x no-work Flask, "
                    f"{rates[name] / rates['oxigraph server']:.2f}x Oxigraph"
                )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument(
        "--rounds", type=int, default=3, help="measure each query this many times, take medians"
    )
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--gunicorn-workers", type=int, default=2)
    parser.add_argument("--municipalities", type=int, default=290)
    parser.add_argument("--serve", nargs=3, metavar=("CONFIG", "PORT", "CACHE"))
    parser.add_argument(
        "--in-thread-budget",
        type=int,
        default=None,
        help="with --serve: the server's query_in_thread_budget (default: the setting's)",
    )
    parser.add_argument(
        "--distinct", action="store_true", help="also every query new (wrk), no cache answers"
    )
    parser.add_argument("--skip-repeated", action="store_true", help="only the distinct mode")
    args = parser.parse_args()
    if args.serve:
        serve(
            Path(args.serve[0]),
            int(args.serve[1]),
            int(args.serve[2]),
            args.gunicorn_workers,
            args.in_thread_budget,
        )
        return

    figures = pool_overhead()
    print(
        "in process, ms per query: "
        + ", ".join(f"{name} {seconds * 1e3:.3f}" for name, seconds in figures.items())
    )

    tmp = Path(tempfile.mkdtemp(prefix="kgpub-bench-"))
    procs: list[subprocess.Popen[bytes]] = []
    servers: dict[str, tuple[int, str]] = {}
    try:
        from generate import generate

        from kgpub.config import Settings

        config = generate(args.municipalities, tmp / "data-set")
        store = published_store(Settings.load(config_file=config, env={}))
        nq = tmp / "data.nq"
        store.dump(str(nq), format=__import__("pyoxigraph").RdfFormat.N_QUADS)
        oxi = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
        subprocess.run(
            [oxi, "load", "--location", str(tmp / "oxi"), "--file", str(nq)],
            check=True,
            capture_output=True,
        )
        port = free_port()
        proc = subprocess.Popen(
            [
                oxi,
                "serve-read-only",
                "--location",
                str(tmp / "oxi"),
                "--bind",
                f"127.0.0.1:{port}",
                "--union-default-graph",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        procs.append(proc)
        wait_until_up(port, "/query", proc)
        servers["oxigraph server"] = (port, "/query")

        budget = str(Settings.load(config_file=config, env={}).query_in_thread_budget)
        kgpub_servers = (  # label, answer cache bytes (or a no-work kind), in-thread budget
            ("kgpub (cache)", "512", budget),
            ("kgpub (no cache)", "0", budget),
            ("no-work WSGI", "-1", budget),
            ("no-work Flask", "-2", budget),
            ("kgpub (every query to a worker)", "0", "0"),
        )
        for label, cache, in_thread in kgpub_servers:
            port = free_port()
            proc = subprocess.Popen(
                [
                    *(sys.executable, __file__, "--serve", str(config), str(port), cache),
                    *("--in-thread-budget", in_thread),
                ],
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            procs.append(proc)
            wait_until_up(port, "/sparql", proc)
            servers[label] = (port, "/sparql")

        endpoint = Path(sys.executable).parent / "rdflib-endpoint"
        if endpoint.exists():
            nt = tmp / "data.nt"
            triples = {pyoxigraph.Triple(q.subject, q.predicate, q.object) for q in store}
            pyoxigraph.serialize(triples, str(nt), pyoxigraph.RdfFormat.N_TRIPLES)
            port = free_port()
            proc = subprocess.Popen(
                [str(endpoint), "serve", str(nt), "--host", "127.0.0.1", "--port", str(port)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            procs.append(proc)
            wait_until_up(port, "/", proc, seconds=300)  # its endpoint is at the root
            servers["rdflib-endpoint"] = (port, "/")
        else:
            print(
                "rdflib-endpoint is not installed (pip install -e '.[bench]'): "
                "left out of the comparison"
            )
        print(
            f"\n{args.connections} connections, {args.seconds:g} s per query and server, "
            f"median of {args.rounds} rounds, {len(store)} quads, {os.cpu_count()} CPUs "
            "(clients share them)\n"
        )
        names = list(servers)
        if args.distinct:
            pids = {n: p.pid for n, p in zip(servers, procs, strict=False)}
            things = sorted(
                {q.subject.value for q in store if isinstance(q.subject, pyoxigraph.NamedNode)}
            )
            random.Random(17).shuffle(things)
            distinct_queries(servers, pids, things, args)
        print(f"{'query':32}" + "".join(f"{n:>20}" for n in names) + "   kgpub/oxigraph")
        for qname, query in {} if args.skip_repeated else QUERIES.items():
            accept = ACCEPT.get(qname, "application/sparql-results+json")
            rounds: list[dict[str, float]] = []
            for r in range(args.rounds):  # servers in a rotated order each round
                order = names[r % len(names) :] + names[: r % len(names)]
                rounds.append(
                    {
                        n: throughput(*servers[n], query, accept, args.connections, args.seconds)
                        for n in order
                    }
                )
            rates = {n: statistics.median(one[n] for one in rounds) for n in names}
            ratios = " ".join(_spread(rounds, n) for n in names if n.startswith("kgpub"))
            slow = rates.get("rdflib-endpoint")
            if slow:
                ratios += " | vs rdflib-endpoint " + " ".join(
                    f"{rates[n] / slow:.0f}x" for n in names if n.startswith("kgpub")
                )
            ceiling = rates.get("no-work WSGI")
            if ceiling:
                ratios += f"   (cache at {rates['kgpub (cache)'] / ceiling:.0%} of no-work)"
            print(f"{qname:32}" + "".join(f"{rates[n]:>18.0f}/s" for n in names) + "   " + ratios)
    finally:
        for proc in procs:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
