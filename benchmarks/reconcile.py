"""Reconciliation benchmark: batch throughput of ``/reconcile`` queries at 290 municipalities
against plain site search for the same names, measured in the same run.

    .venv/bin/python benchmarks/reconcile.py --municipalities 290 --rounds 5

Synthetic data comes from ``benchmarks/generate.py`` (under ``benchmarks/out/scale-N``,
git-ignored), loaded with the ontology into kgpub's embedded memory store. The names are
distinct (the synthetic municipalities repeat the real ones' names, so the same name has
many candidates): names as written, without accents and as prefixes, and SCB codes. In
interleaved rounds the same names go

- baseline: one by one through ``SearchIndex.search`` (what ``/search.json`` asks, 10 hits
  a group);
- reconcile: as JSON batches of 10 (OpenRefine's batch size) through ``Reconciler.reconcile``
  (parsing, a type on every other name, scoring, the answer as Python data); the codes as
  ``properties`` (and, for the baseline, as the search text).

Printed: a JSON line per round (queries/s of each, their ratio), then the median ratio.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

BASE = "https://w3id.org/kgpub/"
K = BASE + "ontology#"
BATCH = 10


def load_store(project: Path) -> Any:
    import pyoxigraph as ox
    from scale import nquads_of

    from kgpub.store.embedded import EmbeddedStore

    data, _triples = nquads_of(project)
    graph = ox.NamedNode(BASE + "ontology")
    ontology = ox.parse(path=ROOT / "ontology" / "kgpub.ttl", base_iri=BASE)
    quads = [ox.Quad(t.subject, t.predicate, t.object, graph) for t in ontology]
    store = EmbeddedStore()
    store.load_nquads(data + (ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""))
    return store


def workload(store: Any) -> list[dict[str, Any]]:
    """Reconciliation queries: every distinct Swedish and English name of municipalities,
    goals, committees, boards and priority areas as written, without accents and as a
    five-letter prefix (every other one with its class as type), and every municipality's
    SCB code as a property."""
    from kgpub.site.search import fold

    queries: list[dict[str, Any]] = []
    for cls in ("Municipality", "Goal", "Committee", "ExecutiveBoard", "PriorityArea"):
        rows = store.select(
            f"SELECT DISTINCT ?l WHERE {{ GRAPH ?g {{ ?s a <{K}{cls}> ; "
            "<http://www.w3.org/2000/01/rdf-schema#label> ?l } } ORDER BY ?l"
        )
        for i, row in enumerate(rows):
            for text in (row["l"].value, fold(row["l"].value), row["l"].value[:5]):
                queries.append({"query": text, **({"type": K + cls} if i % 2 else {})})
    codes = store.select(f"SELECT ?c WHERE {{ GRAPH ?g {{ ?s <{K}municipalityCode> ?c }} }}")
    pid = K + "municipalityCode"
    queries += [{"properties": [{"pid": pid, "v": row["c"].value}]} for row in codes]
    return queries


def batches(queries: list[dict[str, Any]]) -> list[str]:
    return [
        json.dumps({f"q{j}": q for j, q in enumerate(queries[i : i + BATCH])})
        for i in range(0, len(queries), BATCH)
    ]


def per_second(fn: Any, items: list[Any], count: int, seconds: float) -> float:
    """Queries per second: ``fn`` over all ``items`` (``count`` queries), repeated for
    about ``seconds``."""
    done = 0
    started = time.perf_counter()
    while done == 0 or time.perf_counter() - started < seconds:
        for item in items:
            fn(item)
        done += count
    return done / (time.perf_counter() - started)


def run(municipalities: int, rounds: int, seconds: float, out: Path) -> None:
    from generate import generate

    from kgpub.site.reconcile import Catalogue, Reconciler
    from kgpub.site.search import SearchIndex

    project = out / f"scale-{municipalities}"
    generate(municipalities, project)
    store = load_store(project)
    index = SearchIndex.build(store, BASE)
    reconciler = Reconciler(index, Catalogue.build(store, BASE), store)
    queries = workload(store)
    texts = [q.get("query") or q["properties"][0]["v"] for q in queries]
    bodies = batches(queries)
    answered = reconciler.reconcile(bodies[0])
    assert answered["q0"]["result"], "the first name must find its municipality"
    ratios = []
    for r in range(rounds):
        search = per_second(lambda t: index.search(t, "sv", 10), texts, len(texts), seconds)
        recon = per_second(reconciler.reconcile, bodies, len(queries), seconds)
        ratios.append(recon / search)
        row = {"round": r + 1, "queries": len(queries), "search_qps": round(search)}
        row |= {"reconcile_qps": round(recon), "reconcile_vs_search": round(recon / search, 2)}
        print(json.dumps(row), flush=True)
    print(f"\nmedian reconcile/search throughput at {municipalities} municipalities: "
          f"{statistics.median(ratios):.2f}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--municipalities", type=int, default=290)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=1.0, help="time per figure")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out")
    args = parser.parse_args()
    run(args.municipalities, args.rounds, args.seconds, args.out)


if __name__ == "__main__":
    main()
