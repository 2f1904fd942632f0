"""``kgpub serve``: validate and publish once, then serve under gunicorn (or Flask's
reloader with ``dev=True``), behind an nginx of its own unless ``front = "none"``
(:mod:`kgpub.web.front`)."""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import gc
import logging
import os
import signal
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask
from gunicorn.app.base import BaseApplication
from werkzeug.middleware.proxy_fix import ProxyFix

from kgpub.errors import StoreUnavailable, SyntaxErrors, ValidationFailed
from kgpub.publish.publisher import Publisher
from kgpub.uris import UriScheme
from kgpub.web.front import NginxFront, find_nginx, listen_address
from kgpub.web.front_files import FrontFiles, page_hosts

if TYPE_CHECKING:
    from kgpub.config import Settings
    from kgpub.site.site import Site


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, app: Flask, options: dict[str, Any]) -> None:
        self._app = app
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        """The app, loaded in the master (``preload_app``): warmed before any worker forks
        (a plain WSGI callable, such as the benchmarks' no-work route, has nothing to warm)."""
        if isinstance(self._app, Flask):
            warm(self._app)
            stop_query_processes(self._app)
            start_rendering_ahead(self._app)
        return self._app

    def reload(self) -> None:
        """On SIGHUP gunicorn reloads its settings and replaces its workers; before the new
        workers fork from this (single-threaded) master, publish the sources again."""
        super().reload()
        republish(self._app)


def republish(app: Flask) -> bool:
    """Load, validate and publish the sources again in the serving process.

    Data that does not parse or does not conform is reported on stderr (file, line, what is
    wrong) and changes nothing: the last good snapshot stays published. Returns whether a new
    snapshot was published.
    """
    publisher: Publisher = app.extensions["kgpub_publisher"]
    settings = publisher.settings
    old = publisher.require()
    try:
        if publisher.read_only:  # nothing to publish: look for a newer `kgpub load` now
            if publisher.follow() is old:
                print(
                    f"kgpub serve: no newer `kgpub load` in the store; still serving snapshot "
                    f"{old.digest[:12]}",
                    file=sys.stderr,
                    flush=True,
                )
                return False
        else:
            publisher.publish()
    except ValidationFailed as exc:
        sys.stderr.write(exc.report.format_text(settings.root))
        print(_kept(old, "the data does not conform"), file=sys.stderr, flush=True)
        return False
    except SyntaxErrors as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(_kept(old, "the data has syntax errors"), file=sys.stderr, flush=True)
        return False
    except StoreUnavailable as exc:
        print(_kept(old, str(exc)), file=sys.stderr, flush=True)
        return False
    new = publisher.require()
    print(
        f"kgpub serve: published snapshot {new.digest[:12]} ({new.quads:,} quads)",
        file=sys.stderr,
        flush=True,
    )
    stop_query_processes(app)  # they hold the old snapshot; each new worker forks its own
    warm(app)
    start_rendering_ahead(app)
    return True


def stop_query_processes(app: Flask) -> None:
    """Stop the SPARQL query processes of this (master) process: each web worker forks its
    own at once (:mod:`kgpub.sparql.pool`), so the master's would only hold memory."""
    from kgpub.web.sparql import EXTENSION

    service = app.extensions.get(EXTENSION)
    if service is not None:
        service.pool.stop()


#: The process rendering documents ahead for this (master) process, by app.
_RENDERER = "kgpub_ahead_renderer"
_PR_SET_PDEATHSIG = 1


def start_rendering_ahead(app: Flask) -> int | None:
    """Fork a process at the lowest CPU priority that renders every resource document of the
    published snapshot ahead (:mod:`kgpub.site.ahead`), after stopping the one still at the
    previous snapshot. Returns its pid; None when rendering ahead is off or done for this
    snapshot. It dies with this process, and prints what it did when it is through."""
    from kgpub.web.current import EXTENSION as SITE

    stop_rendering_ahead(app)
    site = app.extensions.get(SITE)
    front = app.extensions.get(FRONT)
    if front is not None:
        front.serve_files(front_files(site))
    if site is None or site.ahead is None or site.ahead.is_complete(site.digest):
        return None
    parent = os.getpid()
    pid = os.fork()
    if pid:
        app.extensions[_RENDERER] = pid
        return pid
    code = 1
    try:
        _render_ahead_here(app, site, parent)
        code = 0
    except BaseException:
        logging.getLogger("kgpub.ahead").exception("rendering ahead failed")
    finally:
        os._exit(code)


#: The nginx in front of this server (:class:`NginxFront`), by app.
FRONT = "kgpub_front"


def front_files(site: Site | None) -> FrontFiles | None:
    """What the front is to answer from the files of ``site``'s snapshot (None when
    nothing is rendered ahead)."""
    if site is None or site.ahead is None:
        return None
    from kgpub.web.gate import trusted_hosts

    settings = site.publisher.settings
    uris = UriScheme(site.base)
    overviews = (
        uris.to_local_url(iri, "/").removeprefix("/id/") for iri in site.municipality_names()
    )
    return FrontFiles(
        directory=site.ahead.directory(site.digest),
        etag=site.publisher.require().etag,
        page_hosts=page_hosts(site.ahead.host_url, public=bool(settings.public_url)),
        trusted_names=tuple(sorted(trusted_hosts(settings))),
        overviews=tuple(sorted(overviews)),
    )


def _render_ahead_here(app: Flask, site: Site, parent: int) -> None:
    from kgpub.site.ahead import render_all

    with contextlib.suppress(OSError, AttributeError):  # Linux: die with the server
        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        return
    stop_query_processes(app)  # the at-fork hook gave this process a zygote it never uses
    os.nice(19)
    assert site.ahead is not None
    started = time.monotonic()
    written = render_all(site, site.ahead)
    print(
        f"kgpub serve: rendered {written:,} document files ahead in "
        f"{time.monotonic() - started:.0f} s ({site.ahead.directory(site.digest)})",
        file=sys.stderr,
        flush=True,
    )


def stop_rendering_ahead(app: Flask) -> None:
    pid = app.extensions.pop(_RENDERER, None)
    if pid is not None:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def _kept(old: Any, why: str) -> str:
    return (
        f"kgpub serve: reload refused ({why}); still serving snapshot {old.digest[:12]} "
        f"loaded at {old.loaded_at:%Y-%m-%d %H:%M:%S} UTC"
    )


def warm(app: Flask) -> None:
    """Build the per-snapshot memos and search index before gunicorn forks, so every worker
    shares them (copy-on-write) and no first request waits for them; first free what
    loading left (:func:`release_loading`), then freeze the master's heap
    (:func:`freeze_heap`)."""
    from kgpub.web.current import EXTENSION as SITE

    release_loading()
    site = app.extensions.get(SITE)
    if site is not None:
        site.warm()
        warm_rendering(site)
    cache = app.extensions.get("kgpub_search")
    if cache is not None:
        cache.index()
    freeze_heap()


def warm_rendering(site: Site) -> None:
    """Load what rendering otherwise loads in each worker at its first pages: every
    template compiled, in each language's environment, and babel's locale data for the
    numbers, amounts, shares and dates pages write (about 4 MB a worker at 290
    municipalities, measured with tracemalloc)."""
    from kgpub.rendering import l10n

    for env in site.html.envs.values():
        for name in env.list_templates(filter_func=lambda name: name.endswith(".html")):
            env.get_template(name)
    for lang in l10n.LANGUAGES:
        l10n.date("2024-01-31", lang)
        l10n.date("2024-01", lang)
        l10n.amount(1, "SEK", lang)
        l10n.amount(1, "EUR", lang)
        l10n.share(0.5, lang)
        l10n.number(1, lang, 1)


def freeze_heap() -> None:
    """Move every object the master holds out of the garbage collector's reach.

    A collection in a worker walks every tracked object and writes to its header, which
    copies the page it lives on out of the memory shared with the master: after a crawl each
    worker had its own copy of most of the master's heap. Frozen objects are never walked.
    Garbage is collected first (what loading the sources left, and on a reload what the
    previous snapshot left, unfrozen for it), so nothing dead is frozen; then the C heap
    gives its free pages back to the system (:func:`trim_malloc`).
    """
    if gc.get_freeze_count():
        gc.unfreeze()
    gc.collect()
    trim_malloc()
    gc.freeze()


def trim_malloc() -> bool:
    """Return the C heap's free memory to the system (glibc's ``malloc_trim``): what the
    parsed sources took is otherwise kept by the allocator, counted in the master's memory
    and in every worker forked from it. Returns whether anything was given back (False
    where there is no glibc)."""
    try:
        libc = ctypes.CDLL(None)
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return False
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return bool(trim(0))


def build(settings: Settings) -> Flask | None:
    """Publish and build the app, or print why the data cannot be served and return None.

    The sources are loaded and validated in a child process (``isolate``), here and on
    every reload: this process, which the web workers fork from, never holds their rdflib
    graphs."""
    from kgpub.web.app import create_app

    publisher = Publisher(settings, isolate=True)
    try:
        publisher.start()
    except ValidationFailed as exc:
        sys.stderr.write(exc.report.format_text(settings.root))
        print("kgpub serve: refusing to serve data that does not conform", file=sys.stderr)
        return None
    except SyntaxErrors as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print("kgpub serve: refusing to serve data with syntax errors", file=sys.stderr)
        return None
    return create_app(settings, publisher)


def release_loading() -> None:
    """Free what loading and validating the sources left (the rdflib graphs, in cycles)
    once the store holds the data, and give the memory back to the system, before the app
    builds its memos and search index: they then fill the freed pages instead of
    new ones above them (the master after warming: 347 MB without this, 224 MB with it,
    290 municipalities)."""
    gc.collect()
    trim_malloc()


#: Request threads of a web worker that only pages use: /sparql runs in at most
#: ``query_workers`` more and waits in at most ``query_queue`` more (see
#: :mod:`kgpub.web.admission`), so queries running to the time limit never leave a page
#: waiting.
PAGE_THREADS = 4


def request_threads(settings: Settings) -> int:
    """A web worker's request threads: the pages', the running queries' and the queue's."""
    return PAGE_THREADS + settings.query_workers + settings.query_queue


def gunicorn_options(
    settings: Settings, bind: str, workers: int | None = None, *, fronted: bool = False
) -> dict[str, Any]:
    """The gunicorn settings ``kgpub serve`` runs with (benchmarks use the same).

    ``fronted``: nginx is in front (it writes the access log; gunicorn listens on a unix
    socket only nginx can reach).
    """
    return {
        "bind": bind,
        "workers": int(workers if workers is not None else settings.workers),
        "worker_class": "gthread",
        "threads": request_threads(settings),
        "preload_app": True,
        "accesslog": None if fronted else gunicorn_access_log(settings),
        "timeout": max(30, int(settings.query_timeout) + 10),
        "graceful_timeout": 5,
        # gunicorn's largest bounded request line (default 4094): GET queries up to ~8 KB;
        # longer queries are POSTed, as the SPARQL protocol advises.
        "limit_request_line": 8190,
        # no control socket: gunicorn's default (~/.gunicorn/gunicorn.ctl) is one per user,
        # so every server on a host would take it over from the others
        "control_socket_disable": True,
        "worker_exit": leave_worker,
    }


def leave_worker(server: Any, worker: Any) -> None:
    """gunicorn's last call in a worker that has finished its requests: leave at once,
    without finalizing what the master made. A disk store (RocksDB) opened in the master
    has its background threads there, not in the forked worker, and its destructor in a
    worker crashed it (SIGSEGV or ``std::system_error``) on every stop."""
    leaving = sys.exc_info()[1]  # gunicorn calls this from the ``finally`` of its exit
    code = leaving.code if isinstance(leaving, SystemExit) else 0
    sys.stdout.flush()
    sys.stderr.flush()
    logging.shutdown()
    os._exit(code if isinstance(code, int) else 1)  # a boot error keeps its status


def gunicorn_access_log(settings: Settings) -> str | None:
    """gunicorn's ``accesslog`` for the ``access_log`` setting (its default format is the
    combined log format)."""
    where = settings.access_log.strip()
    if where == "off":
        return None
    return "-" if where == "-" else str(settings.resolve(where))


def log_to_stderr() -> None:
    """kgpub's own log lines (killed queries...) on stderr, next to gunicorn's."""
    logger = logging.getLogger("kgpub")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(
            logging.Formatter(
                "[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s",
                "%Y-%m-%d %H:%M:%S %z",
            )
        )
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


def run(
    settings: Settings,
    *,
    dev: bool = False,
    host: str | None = None,
    port: int | None = None,
    workers: int | None = None,
) -> int:
    """Serve until stopped; returns the exit status (1 when the data does not conform)."""
    bind_host = host or settings.host
    bind_port = int(port if port is not None else settings.port)
    # what the pages rendered ahead link to (and the trusted host names) follow the address
    settings = dataclasses.replace(settings, host=bind_host, port=bind_port)
    if dev:
        # the reloader runs this in its parent and again in each child: both validate
        dev_app = build(settings)
        if dev_app is None:
            return 1
        # templates are compiled once (no stat per page): an edited one restarts the server
        templates = [str(p) for p in (Path(__file__).parents[1] / "templates").glob("*.html")]
        dev_app.run(
            host=bind_host, port=bind_port, debug=True, use_reloader=True, extra_files=templates
        )
        return 0
    if settings.front == "nginx":
        find_nginx()  # before validating: say at once when it is missing
    app = build(settings)
    if app is None:
        return 1
    log_to_stderr()  # the app is warmed as gunicorn loads it (_Gunicorn.load)
    if settings.front == "none":
        bind = listen_address(bind_host, bind_port)
        _Gunicorn(app, gunicorn_options(settings, bind, workers)).run()
        return 0
    with NginxFront(settings, bind_host, bind_port) as front:
        app.extensions[FRONT] = front
        # only nginx reaches gunicorn's socket: its X-Forwarded-For and -Proto are the truth
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)  # type: ignore[method-assign]
        print(
            f"kgpub serve: serving http://{listen_address(front.host, front.port)}/ "
            f"(nginx in front, runtime directory {front.run_dir})",
            file=sys.stderr,
            flush=True,
        )
        options = gunicorn_options(settings, f"unix:{front.upstream}", workers, fronted=True)
        _Gunicorn(app, options).run()
    return 0
