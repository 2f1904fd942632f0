"""Before gunicorn forks its workers, the master builds every per-snapshot memo and freezes
its heap, so the workers share one copy of both instead of each building (and copying) its
own."""

from __future__ import annotations

import gc
import os
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask

from kgpub.site import catalog
from kgpub.site import site as site_module
from kgpub.web.current import EXTENSION as SITE
from kgpub.web.server import _Gunicorn, freeze_heap, trim_malloc, warm


@pytest.fixture(autouse=True)
def unfrozen_after() -> Iterator[None]:
    """Frozen objects are never collected: give the rest of the test session its heap back."""
    yield
    gc.unfreeze()


@pytest.fixture(scope="module")
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app(query_workers=1)


def forbid_building_memos(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on, building any per-snapshot memo of the site fails."""

    def fail(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a per-snapshot memo was built again")

    for builder in ("municipality_labels", "national_objectives", "graph_triples", "directory"):
        monkeypatch.setattr(site_module, builder, fail)


def in_forked_worker(app: Flask, paths: list[str], accept: str = "text/html") -> list[int]:
    """The status of each request, answered by a child forked from this process (as
    gunicorn forks a worker from its master)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the worker
        try:
            client = app.test_client()
            codes = [client.get(p, headers={"Accept": accept}).status_code for p in paths]
            os.write(write, ",".join(map(str, codes)).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as answer:
        text = answer.read()
    os.waitpid(pid, 0)
    return [int(x) for x in text.split(",") if x]


def test_a_worker_forked_after_warm_builds_no_memo_again(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.extensions[SITE]._memo.clear()
    warm(app)
    forbid_building_memos(monkeypatch)
    paths = ["/", "/municipalities", "/doc/haninge", "/alignment/haninge", "/compare"]
    assert in_forked_worker(app, paths) == [200] * len(paths)


def test_a_worker_forked_after_warm_lists_the_sitemap_without_reading_the_store(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Listing every page reads the whole store: a worker that did would copy all of it."""
    site = app.extensions[SITE]
    site._memo.clear()
    site.cache.clear()
    warm(app)

    def fail(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the store was read for the sitemap")

    monkeypatch.setattr(catalog, "sitemap_paths", fail)
    assert in_forked_worker(app, ["/sitemap.xml"], "application/xml") == [200]
    site.cache.clear()
    site._memo.clear()  # the other side: without the memo the worker reads the store
    assert in_forked_worker(app, ["/sitemap.xml"], "application/xml") == [500]


def test_without_warm_the_first_request_builds_the_memos(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The other side of the test above: it would notice a worker building them."""
    app.extensions[SITE]._memo.clear()
    forbid_building_memos(monkeypatch)
    assert in_forked_worker(app, ["/"]) == [500]


def test_gunicorn_warms_the_app_it_loads_in_the_master(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.extensions[SITE]._memo.clear()
    assert _Gunicorn(app, {"workers": 1}).load() is app
    forbid_building_memos(monkeypatch)
    assert in_forked_worker(app, ["/doc/haninge"]) == [200]


def test_warm_freezes_the_heap_the_workers_will_share(app: Flask) -> None:
    gc.unfreeze()
    held = Node()
    warm(app)
    assert gc.get_freeze_count() > 0
    collectable = [o for generation in range(3) for o in gc.get_objects(generation)]
    assert not any(o is held for o in collectable)


class Node:
    def __init__(self) -> None:
        self.me = self


def test_freezing_again_first_frees_what_the_last_freeze_kept() -> None:
    """On a reload the master publishes a new snapshot and freezes again: the old one's
    garbage (cycles included) must not stay frozen forever."""
    gc.unfreeze()
    old = Node()
    gone = weakref.ref(old)
    freeze_heap()
    del old
    assert gone() is not None  # frozen: no collection reaches it
    freeze_heap()
    assert gone() is None


def test_the_first_freeze_collects_the_garbage_of_loading_first() -> None:
    """What loading the sources left in cycles (rdflib graphs) is collected, never frozen."""
    gc.unfreeze()
    dead = Node()
    gone = weakref.ref(dead)
    del dead
    freeze_heap()
    assert gone() is None


def test_the_c_heap_gives_its_free_memory_back(monkeypatch: pytest.MonkeyPatch) -> None:
    assert trim_malloc() in (True, False)  # never raises, glibc or not
    trimmed: list[bool] = []
    monkeypatch.setattr("kgpub.web.server.trim_malloc", lambda: trimmed.append(True) or True)
    freeze_heap()
    assert trimmed == [True]


def test_what_loading_left_is_freed_before_the_memos_are_built(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The memos and the search index then take the pages the loaded graphs freed."""
    gc.unfreeze()
    dead = Node()
    gone = weakref.ref(dead)
    del dead
    alive_when_building: list[bool] = []
    site = app.extensions[SITE]
    real = site.warm
    monkeypatch.setattr(site, "warm", lambda: alive_when_building.append(gone() is not None))
    warm(app)
    monkeypatch.setattr(site, "warm", real)
    assert alive_when_building == [False]


def forbid_loading_for_rendering(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on, compiling a template or reading babel's locale data fails."""
    import babel.localedata
    import jinja2

    def fail(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("rendering loaded a template or locale data in the worker")

    class NoPickle:
        load = staticmethod(fail)

    monkeypatch.setattr(jinja2.Environment, "compile", fail)
    monkeypatch.setattr(babel.localedata, "pickle", NoPickle)


def test_a_worker_forked_after_warm_compiles_no_template_and_reads_no_locale_data(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh = make_app(query_workers=1)  # its templates never compiled yet
    warm(fresh)
    forbid_loading_for_rendering(monkeypatch)
    paths = [
        f"{p}?lang={lang}" for p in ("/doc/haninge", "/municipalities") for lang in ["sv", "en"]
    ]
    assert in_forked_worker(fresh, paths) == [200] * len(paths)


def test_without_warm_a_worker_compiles_the_templates_it_renders(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The other side of the test above: it would notice a worker compiling one."""
    fresh = make_app(query_workers=1)
    forbid_loading_for_rendering(monkeypatch)
    assert in_forked_worker(fresh, ["/municipalities"]) == [500]


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting to be reaped does not), asked for up to 5 s:
    a killed process takes a moment to go."""
    import time

    deadline = time.monotonic() + 5
    while True:
        try:
            with open(f"/proc/{pid}/stat") as f:
                running = f.read().rsplit(")", 1)[1].split()[0] != "Z"
        except FileNotFoundError:
            running = False
        if not running or time.monotonic() > deadline:
            return running
        time.sleep(0.05)


def test_the_gunicorn_master_keeps_no_query_processes(app: Flask) -> None:
    """Each web worker forks its own query zygote; the master's would only hold memory."""
    pool = app.extensions["kgpub_sparql"].pool
    pool.start(prefork=True)
    started = pool.processes
    assert started
    _Gunicorn(app, {"workers": 1}).load()
    assert pool.processes == []
    assert not any(alive(pid) for pid in started)
    # a pattern without an IRI: no lookup the web worker answers itself (sparql/bounded.py)
    ask = "/sparql?query=ASK%7B%3Fs%20%3Fp%20%3Fo%7D"
    assert in_forked_worker(app, [ask], "application/sparql-results+json") == [200]
    # and the master itself still answers, starting them again when asked
    client = app.test_client()
    headers = {"Accept": "application/sparql-results+json"}
    assert client.get(ask, headers=headers).status_code == 200
    assert pool.processes
