"""A query worker's own memory grows as it reads the store (the pages it shares with the
server become copies of its own); past ``query_worker_private_bytes`` it is replaced by a
fresh one after its next answer, and no query notices."""

from __future__ import annotations

import time
from pathlib import Path

import pyoxigraph
import pytest

from kgpub.config import Settings
from kgpub.formats import RESULT_FORMATS
from kgpub.sparql import query_worker
from kgpub.sparql.pool import QueryPool
from kgpub.sparql.protocol import SparqlRequest
from kgpub.sparql.query_worker import RECYCLE_CHECK_EVERY, private_bytes

JSON = next(f for f in RESULT_FORMATS if f.media_type == "application/sparql-results+json")
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def store_of(quads: int) -> pyoxigraph.Store:
    store = pyoxigraph.Store()
    ex = "http://example.org/"
    store.extend(
        pyoxigraph.Quad(
            pyoxigraph.NamedNode(f"{ex}s{i}"),
            pyoxigraph.NamedNode(f"{ex}p"),
            pyoxigraph.Literal(f"value {i}"),
            pyoxigraph.NamedNode(f"{ex}g"),
        )
        for i in range(quads)
    )
    return store


def ask(pool: QueryPool, query: str) -> bytes:
    return pool.run(SparqlRequest(query=query), JSON)


def worker_pids(pool: QueryPool) -> set[int]:
    return set(pool.processes[1:])  # after the zygote: the idle workers


def test_a_worker_past_its_bound_answers_and_is_replaced_without_an_error() -> None:
    pool = QueryPool(store_of(2_000), size=1, timeout=10.0, cache_bytes=0, recycle_bytes=1)
    try:
        pool.start()
        first = worker_pids(pool)
        answers = [ask(pool, f"{COUNT} LIMIT {i + 1}") for i in range(RECYCLE_CHECK_EVERY + 1)]
        assert all(b'"2000"' in a for a in answers)
        # it looked at its memory after the 32nd answer, said so with the 33rd, and went
        assert pool.stats["recycled"] == 1
        assert pool.stats["killed"] == 0
        assert worker_pids(pool) == set()
        assert b'"2000"' in ask(pool, COUNT)  # a fresh worker answers the next one
        assert worker_pids(pool) and worker_pids(pool) != first
    finally:
        pool.close()


def test_without_a_bound_a_worker_is_never_replaced() -> None:
    pool = QueryPool(store_of(2_000), size=1, timeout=10.0, cache_bytes=0, recycle_bytes=0)
    try:
        pool.start()
        first = worker_pids(pool)
        for i in range(2 * RECYCLE_CHECK_EVERY + 1):
            ask(pool, f"{COUNT} LIMIT {i + 1}")
        assert pool.stats["recycled"] == 0
        assert worker_pids(pool) == first
    finally:
        pool.close()


def test_private_bytes_counts_what_this_process_alone_holds() -> None:
    before = private_bytes()
    held = bytearray(32 << 20)  # written: 32 MB of pages of its own
    assert private_bytes() - before >= 30 << 20
    del held


def test_the_default_bound_is_64_mb_per_query_worker() -> None:
    assert Settings.load(env={}).query_worker_private_bytes == 64 << 20


def test_a_worker_looks_at_its_memory_again_only_after_a_hundred_times_the_last_look(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    looks = tmp_path / "looks"

    def slow_look() -> int:  # the forked worker runs this: each look leaves a line
        time.sleep(0.02)
        with looks.open("a") as fh:
            fh.write("look\n")
        return 0

    monkeypatch.setattr(query_worker, "private_bytes", slow_look)
    pool = QueryPool(store_of(20), size=1, timeout=10.0, cache_bytes=0, recycle_bytes=1 << 40)
    try:
        pool.start()
        for i in range(3 * RECYCLE_CHECK_EVERY):  # well within 2 s of the first look
            ask(pool, f"{COUNT} LIMIT {i + 1}")
        assert looks.read_text().splitlines() == ["look"]
    finally:
        pool.close()
