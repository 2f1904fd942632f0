"""A query that needs more memory than one query may use gets 503 saying so, with a log line;
the endpoint goes on answering."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask

HUNGRY = "SELECT ?c ?f { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f LIMIT 1"  # sorts ~8M rows


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_a_query_over_the_memory_cap_is_a_503_naming_the_cap(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(query_workers=1, query_memory_limit=64 << 20, query_timeout=30)
    client = app.test_client()
    log, lines = logging.getLogger("kgpub.sparql"), Lines()
    # on the logger itself, enabled: a logging configuration made by an earlier test in this
    # process (dictConfig disables existing loggers) must not hide the line
    disabled, log.disabled = log.disabled, False
    log.addHandler(lines)
    try:
        r = client.get("/sparql", query_string={"query": HUNGRY})
    finally:
        log.removeHandler(lines)
        log.disabled = disabled
    assert r.status_code == 503, r.get_data(as_text=True)
    assert "needed more than 64 MB" in r.get_data(as_text=True)
    assert r.headers["Retry-After"]
    assert any("memory cap 64 MB" in m for m in lines.lines), lines.lines
    # the next query gets a fresh worker
    ok = client.get("/sparql", query_string={"query": "ASK {}"})
    assert ok.status_code == 200


def test_the_default_cap_is_a_modest_512_mb() -> None:
    from kgpub.config import Settings

    assert Settings.load(env={}).query_memory_limit == 512 << 20


def test_query_workers_run_at_a_lower_cpu_priority_than_the_pages() -> None:
    import os
    import time

    import pyoxigraph

    from kgpub.sparql.pool import QueryPool
    from kgpub.sparql.query_worker import QUERY_NICENESS

    pool = QueryPool(pyoxigraph.Store(), size=2, timeout=5.0)
    try:
        pool.start()
        workers = list(pool._idle)  # the pre-forked workers
        assert workers, "the pool pre-forked no worker"

        def nice(pid: int) -> int:
            # field 19 of /proc/PID/stat, counted after the command name's closing parenthesis
            return int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[16])

        wanted = {min(19, nice(os.getpid()) + QUERY_NICENESS)}
        deadline = time.monotonic() + 5  # a new worker lowers its priority as it starts
        while {nice(w.pid) for w in workers} != wanted and time.monotonic() < deadline:
            time.sleep(0.05)
        assert {nice(w.pid) for w in workers} == wanted
    finally:
        pool.close()
