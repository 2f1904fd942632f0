"""Search benchmark: index build time and query latency at 2, 290 and 10,000 municipalities.

    .venv/bin/python benchmarks/search.py --scales 2,290,10000

Synthetic data comes from ``benchmarks/generate.py`` (under ``benchmarks/out/scale-N``,
git-ignored) and is loaded into kgpub's embedded memory store as ``benchmarks/scale.py``
does. Each scale runs in a fresh child process. Printed per scale (a JSON line each, then
a table):

- build: ``SearchIndex.build`` over the store (SPARQL + folding + postings), seconds, and
  the resident memory it added;
- query: mean latency of a fixed mix of queries (prefixes, whole words, two words, a
  substring fallback), relative to the same mix at the smallest scale of the run;
- naive: the same mix answered by scanning every resource's folded labels (what a search
  without an index does per keystroke), and how many times slower than the index it is.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

BASE = "https://w3id.org/kgpub/"
QUERIES = (
    "malinriktat",
    "malinr",
    "clean air",
    "frisk luft",
    "kommunstyrelsen",
    "nämnd",
    "haninge kommun",
    "hållbar",
    "agenda 2030",
    "ha",
    "inriktat",  # no word starts with it: the substring fallback
    "zzzxq",  # nothing at all
)


def rss_bytes() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def per_query(fn: Any, queries: tuple[str, ...], seconds: float) -> float:
    """Mean seconds per query, cycling through ``queries`` for about ``seconds``."""
    done = 0
    started = time.perf_counter()
    while done < len(queries) or time.perf_counter() - started < seconds:
        fn(queries[done % len(queries)])
        done += 1
    return (time.perf_counter() - started) / done


def naive_count(texts: list[str], query: str) -> int:
    """A search without an index: every label scanned for every query word."""
    from kgpub.site.search import fold

    terms = fold(query).split()
    return sum(1 for text in texts if all(t in text for t in terms))


def child(project: Path, seconds: float) -> dict[str, Any]:
    from scale import nquads_of

    from kgpub.site.search import SearchIndex
    from kgpub.store.embedded import EmbeddedStore

    data, triples = nquads_of(project)
    store = EmbeddedStore()
    store.load_nquads(data)
    del data
    before = rss_bytes()
    started = time.perf_counter()
    index = SearchIndex.build(store, BASE)
    build_s = time.perf_counter() - started
    index_mb = (rss_bytes() - before) / 2**20
    texts = index.all_label_texts()
    first = {q: index.search(q, "sv").total for q in QUERIES}
    return {
        "triples": triples,
        "resources": len(index),
        "label_entries": len(texts),
        "distinct_labels": index.label_count,
        "vocabulary": index.vocabulary_size,
        "build_s": build_s,
        "index_mb": index_mb,
        "query_ms": per_query(lambda q: index.search(q, "sv", 10), QUERIES, seconds) * 1000,
        "naive_ms": per_query(lambda q: naive_count(texts, q), QUERIES, seconds) * 1000,
        "hits": first,
    }


def run_child(project: Path, seconds: float) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, __file__, "_child", str(project), str(seconds)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"child {project} failed:\n{proc.stderr[-3000:]}")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_child":
        print(json.dumps(child(Path(sys.argv[2]), float(sys.argv[3]))))
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", default="2,290,10000")
    parser.add_argument("--seconds", type=float, default=2.0, help="time per latency figure")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out")
    args = parser.parse_args()
    from generate import generate
    from table import print_table

    rows: list[dict[str, Any]] = []
    for n in (int(s) for s in args.scales.split(",")):
        project = args.out / f"scale-{n}"
        generate(n, project)
        row: dict[str, Any] = {"municipalities": n, **run_child(project, args.seconds)}
        base = rows[0] if rows else row
        row["query_rel"] = row["query_ms"] / base["query_ms"]
        row["naive_vs_index"] = row["naive_ms"] / row["query_ms"]
        rows.append(row)
        print(json.dumps(row), flush=True)
    print()
    cols = [
        ("municipalities", "{:>6}"),
        ("triples", "{:>9}"),
        ("resources", "{:>8}"),
        ("label_entries", "{:>9}"),
        ("distinct_labels", "{:>7}"),
        ("build_s", "{:>7.2f}"),
        ("index_mb", "{:>7.0f}"),
        ("query_ms", "{:>8.3f}"),
        ("query_rel", "{:>6.1f}"),
        ("naive_ms", "{:>8.2f}"),
        ("naive_vs_index", "{:>7.1f}"),
    ]
    print_table(rows, cols)


if __name__ == "__main__":
    main()
