"""A flood of distinct SPARQL GETs cannot grow the server's memory past its cache bounds.

Every query differs (a new literal each time), so every answer is new to both the SPARQL
answer cache and the response cache; each cache evicts within its byte bound. The whole
server's memory is the sum of Pss over the process group ``kgpub serve`` starts (gunicorn's
master and workers, their query workers, and the nginx front)."""

from __future__ import annotations

import os
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from kgpub_server import kgpub_serve_process

pytestmark = pytest.mark.server

MB = 1 << 20
CACHES = {  # per web worker
    "KGPUB_QUERY_CACHE_BYTES": 2 * MB,
    "KGPUB_RESPONSE_CACHE_BYTES": 4 * MB,
    "KGPUB_PAGE_CACHE_BYTES": 4 * MB,
}
WORKERS = 2
#: What may grow besides the caches: allocator slack, respawned query workers' private pages.
SLACK = 24 * MB


def group_pss(pgid: int) -> int:
    """Bytes of Pss summed over every process in the process group ``pgid``."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getpgid(int(entry.name)) != pgid:
                continue
            rollup = (entry / "smaps_rollup").read_text()
        except (OSError, ProcessLookupError):
            continue
        for line in rollup.splitlines():
            if line.startswith("Pss:"):
                total += int(line.split()[1]) * 1024
    return total


def ask(url: str, n: int) -> int:
    query = f'SELECT ?s (STR(?o) AS ?t) {{ ?s ?p ?o FILTER(?o != "flood {n}") }} LIMIT 200'
    target = url + "sparql?" + urllib.parse.urlencode({"query": query})
    request = urllib.request.Request(target, headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()
        return int(response.status)


def flood(url: str, first: int, count: int) -> list[int]:
    with ThreadPoolExecutor(max_workers=2) as pool:  # within the per-client limit of 2
        return list(pool.map(lambda n: ask(url, n), range(first, first + count)))


def test_two_thousand_distinct_queries_stay_within_the_cache_bounds() -> None:
    env = {name: str(value) for name, value in CACHES.items()}
    with kgpub_serve_process(workers=WORKERS, env=env) as (url, proc, _log):
        # warm up: query workers reach their working set (measured: 12 -> 30 MB each over the
        # first ~2,000 queries, then flat), the caches fill to their bounds
        assert set(flood(url, 0, 2000)) == {200}
        before = group_pss(proc.pid)
        assert set(flood(url, 2000, 2000)) == {200}
        after = group_pss(proc.pid)
    bound = WORKERS * sum(CACHES.values()) + SLACK
    growth = after - before
    assert growth < bound, f"grew {growth / MB:.1f} MB (bound {bound / MB:.0f} MB)"
