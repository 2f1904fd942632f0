"""Running SPARQL queries so that none can hold the server: a pool of forked query workers.

pyoxigraph evaluates a query in Rust and cannot be interrupted from Python, so a query runs
in a separate process that can be killed:

* At first use the serving process forks a *zygote*: a single-threaded copy that holds the
  store (shared copy-on-write with its parent, no reload) and does nothing but fork query
  workers on request. Forking from it, never from the (possibly multi-threaded) server,
  keeps locks held by other threads out of the workers.
* Each worker gets a socket pair (its end handed to the server over SCM_RIGHTS), runs one
  query at a time: evaluate, serialise into the requested format, count against the result
  limit, send back the bytes. A worker's address space is capped (RLIMIT_AS), so a query
  that builds a huge intermediate result kills only that worker.
* The server waits for the answer at most ``timeout`` seconds; then it kills the worker with
  SIGKILL, answers 503, and a fresh worker is forked on the next request. Other requests use
  other workers meanwhile.
* The zygote drops its network (new user + network namespace) when the kernel allows it, so
  even a query that slipped past the SERVICE check could open no connection. It keeps the
  network when SERVICE endpoints are allow-listed.
* A new snapshot (the store's underlying pyoxigraph object changed) retires the zygote and
  the workers and empties the result cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import pickle
import signal
import socket
import struct
import threading
import time
import weakref
from dataclasses import dataclass

import pyoxigraph

from kgpub import errors
from kgpub.cache import ByteBoundedCache
from kgpub.errors import (
    EndpointBusy,
    KgpubError,
    QueryFailed,
    QueryOutOfMemory,
    QueryTimeout,
    ResultTooLarge,
)
from kgpub.formats import Format
from kgpub.sparql.bounded import within
from kgpub.sparql.lookup import answer_point_lookup
from kgpub.sparql.protocol import SparqlRequest
from kgpub.sparql.query_worker import (
    ANSWER,
    Job,
    TooBig,
    answer,
    close_inherited_sockets,
    drop_network,
    recv_msg,
    send_msg,
    zygote_loop,
)
from kgpub.store.base import contents_identity, in_process

#: One line for every query whose worker was killed or died (reason, duration, query hash).
log = logging.getLogger("kgpub.sparql")


def _log_stopped(reason: str, query: str, started: float) -> None:
    digest = hashlib.sha256(query.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    log.warning("query %s: %s after %.2f s", digest, reason, time.monotonic() - started)


#: Pools of this process, re-armed in a forked child (see QueryPool._after_fork_in_child).
_LIVE_POOLS: weakref.WeakSet[QueryPool] = weakref.WeakSet()
#: True in the zygote and query workers: they never run pools of their own.
_IN_QUERY_PROCESS = False


def _after_fork() -> None:
    if _IN_QUERY_PROCESS:
        return
    for pool in list(_LIVE_POOLS):
        pool._after_fork_in_child()


if hasattr(os, "register_at_fork"):
    # A child re-arms its pools by forking a zygote from inside this hook, and a fork runs
    # every before-fork hook first. concurrent.futures' takes a lock that the parent held
    # across the fork and that its own after-fork hook re-creates: were that hook registered
    # after this one, it would run after it, and the zygote's fork would wait on the stale
    # lock for ever. Importing it first puts its hooks ahead of this one.
    import concurrent.futures.thread  # noqa: F401

    os.register_at_fork(after_in_child=_after_fork)


@dataclass
class _Worker:
    pid: int
    sock: socket.socket
    generation: int


class QueryPool:
    """Runs queries in killable worker processes; see the module docstring."""

    def __init__(
        self,
        store: object,
        size: int = 4,
        timeout: float = 30.0,
        result_limit: int = 100_000,
        base_iri: str | None = None,
        isolate_network: bool = True,
        memory_headroom: int | None = 512 << 20,
        max_result_bytes: int = 256 << 20,
        cache_bytes: int = 8 << 20,
        cache_max_bytes: int = 1 << 20,
        recycle_bytes: int = 0,
        in_thread_budget: int = 0,
    ) -> None:
        self.store = store
        self.size = size
        self.timeout = timeout
        self.result_limit = result_limit
        self.base_iri = base_iri
        self.isolate_network = isolate_network
        self.memory_headroom = memory_headroom
        self.max_result_bytes = max_result_bytes
        self.cache_max_bytes = cache_max_bytes
        self.recycle_bytes = recycle_bytes
        #: a query provably within this many quads of work is answered in the calling
        #: thread (:mod:`kgpub.sparql.bounded`); 0: every query goes to a worker
        self.in_thread_budget = in_thread_budget
        self._lock = threading.Lock()
        self._idle_changed = threading.Condition(self._lock)
        self._control_lock = threading.Lock()
        self._pid = -1
        self._closed = False
        self._zygote_pid = 0
        self._control: socket.socket | None = None
        self._idle: list[_Worker] = []
        self._count = 0
        self._generation = 0
        self._snapshot: object = None
        self._cache: ByteBoundedCache[tuple[object, ...], bytes] = ByteBoundedCache(cache_bytes)
        self.network_isolated = False
        self.stats = {
            "queries": 0,
            "cache_hits": 0,
            "timeouts": 0,
            "killed": 0,
            "recycled": 0,
            "in_thread": 0,
        }
        _LIVE_POOLS.add(self)

    # -- lifecycle -------------------------------------------------------------------------

    def _current_snapshot(self) -> object:
        return contents_identity(self.store)

    def _start_zygote(self) -> None:
        """Fork a fresh zygote from this process (caller holds ``_lock``)."""
        global _IN_QUERY_PROCESS
        parent_end, child_end = socket.socketpair()
        ready_r, ready_w = os.pipe()
        _IN_QUERY_PROCESS = True  # seen by the at-fork hook in the child
        try:
            pid = os.fork()
        except BaseException:
            _IN_QUERY_PROCESS = False
            raise
        if pid != 0:
            _IN_QUERY_PROCESS = False
        if pid == 0:
            try:
                parent_end.close()
                os.close(ready_r)
                close_inherited_sockets(keep={child_end.fileno()})
                isolated = False
                # only an embedded store can do without the network (a remote one needs it)
                if self.isolate_network and isinstance(self._current_snapshot(), pyoxigraph.Store):
                    isolated = drop_network()
                os.write(ready_w, b"1" if isolated else b"0")
                os.close(ready_w)
                zygote_loop(self.store, child_end, self.memory_headroom, self.recycle_bytes)
            finally:
                os._exit(0)
        child_end.close()
        os.close(ready_w)
        self.network_isolated = os.read(ready_r, 1) == b"1"
        os.close(ready_r)
        self._zygote_pid = pid
        self._control = parent_end
        self._pid = os.getpid()

    def _retire(self) -> None:
        """Stop the zygote and idle workers (caller holds ``_lock``)."""
        for worker in self._idle:
            self._kill(worker)
        self._idle.clear()
        self._count = 0
        if self._control is not None:
            self._control.close()
            self._control = None
        if self._zygote_pid and self._pid == os.getpid():
            with contextlib.suppress(OSError):
                os.kill(self._zygote_pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                os.waitpid(self._zygote_pid, 0)
        self._zygote_pid = 0

    def _ensure_started(self) -> None:
        """(Re)start after a fork of this process or a new snapshot (caller holds _lock)."""
        snapshot = self._current_snapshot()
        if self._pid != os.getpid():
            # inherited from a parent process: its zygote and workers are not ours
            self._idle.clear()
            self._count = 0
            self._control = None
            self._zygote_pid = 0
            self._cache.clear()
            self._generation += 1
            self._snapshot = snapshot
            self._start_zygote()
        elif snapshot is not self._snapshot:
            self._retire()
            self._cache.clear()
            self._generation += 1
            self._snapshot = snapshot
            self._start_zygote()

    def start(self, prefork: bool = True) -> None:
        """Fork the zygote now and (with ``prefork``) the query workers.

        Call it while the process is single-threaded (at app creation): a fork copies only
        the calling thread, so a lock another thread holds would stay locked in the copy.
        Workers are forked by the zygote, which is always single-threaded.
        """
        with self._lock:
            self._closed = False
            self._ensure_started()
            missing = self.size - self._count if prefork else 0
            self._count += missing
        workers = []
        try:
            for _ in range(missing):
                workers.append(self._spawn())
        finally:
            with self._lock:
                self._count -= missing - len(workers)
                self._idle.extend(workers)
                self._idle_changed.notify_all()

    @property
    def processes(self) -> list[int]:
        """The process ids of this process's zygote and idle workers."""
        with self._lock:
            if self._pid != os.getpid() or not self._zygote_pid:
                return []
            return [self._zygote_pid, *(w.pid for w in self._idle)]

    def stop(self) -> None:
        """Stop this process's zygote and workers, armed to start them again at the next
        query (and at once in a child forked from here). A gunicorn master, whose workers
        each fork their own, then keeps no query processes of its own."""
        with self._lock:
            if self._pid == os.getpid():
                self._retire()
            self._snapshot = None

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._pid == os.getpid():
                self._retire()

    def _after_fork_in_child(self) -> None:
        """In a child forked from a server process (a gunicorn worker forked from a master
        that loaded the app): the inherited zygote and workers are the parent's. Start an
        own zygote right now, while the new process still has a single thread."""
        self._lock = threading.Lock()
        self._idle_changed = threading.Condition(self._lock)
        self._control_lock = threading.Lock()
        if self._closed or self._pid == -1:
            return
        if self._control is not None:
            with contextlib.suppress(OSError):
                self._control.close()
        for worker in self._idle:
            with contextlib.suppress(OSError):
                worker.sock.close()
        self._control = None
        self._idle = []
        self._count = 0
        self._zygote_pid = 0
        self._cache.clear()
        self._generation += 1
        self._snapshot = self._current_snapshot()
        try:
            self._start_zygote()
        except OSError:  # pragma: no cover - the lazy path will try again
            self._pid = -1

    def _spawn(self) -> _Worker:
        with self._control_lock:
            control = self._control
            generation = self._generation
            if control is None:
                raise QueryFailed("The query engine is not running.")
            control.sendall(b"S")
            msg, fds, _flags, _addr = socket.recv_fds(control, 8, 1)
        if not fds or len(msg) != 8:
            raise QueryFailed("The query engine could not start a worker.")
        (pid,) = struct.unpack("!q", msg)
        return _Worker(pid, socket.socket(fileno=fds[0]), generation)

    def _worker_died(self, job: Job, deadline: float) -> KgpubError:
        """The error for a query whose worker died under it: with nesting refused before the
        engine, that is the worker's memory cap (its allocation fails and it aborts)."""
        if not self.memory_headroom:
            _log_stopped("worker died", job.query, deadline - self.timeout)
            return QueryFailed("The query worker stopped while running the query.")
        megabytes = self.memory_headroom >> 20
        _log_stopped(f"worker died (memory cap {megabytes} MB)", job.query, deadline - self.timeout)
        return QueryOutOfMemory(
            f"The query needed more than {megabytes} MB of memory, the most one query may use "
            "here. Narrow it (more specific patterns, fewer OPTIONALs, a LIMIT) and try again."
        )

    def _kill(self, worker: _Worker) -> None:
        with contextlib.suppress(OSError):
            os.kill(worker.pid, signal.SIGKILL)
        worker.sock.close()
        self.stats["killed"] += 1

    # -- running ---------------------------------------------------------------------------

    def _acquire(self, deadline: float) -> _Worker:
        with self._lock:
            self._ensure_started()
            while True:
                if self._idle:
                    return self._idle.pop()
                if self._count < self.size:
                    self._count += 1
                    break
                left = deadline - time.monotonic()
                if left <= 0:
                    raise EndpointBusy()
                self._idle_changed.wait(left)
        try:
            return self._spawn()
        except BaseException:
            with self._lock:
                self._count -= 1
                self._idle_changed.notify()
            raise

    def _release(self, worker: _Worker, healthy: bool, exiting: bool = False) -> None:
        """Give ``worker`` back: to the idle ones, or (unhealthy, of an old snapshot, or
        ``exiting`` of its own accord) gone, making room for a fresh one."""
        with self._lock:
            if healthy and not exiting and worker.generation == self._generation:
                self._idle.append(worker)
            else:
                if exiting:
                    worker.sock.close()
                else:
                    self._kill(worker)
                if worker.generation == self._generation:
                    self._count -= 1
            self._idle_changed.notify()

    def run_in_thread(self, request: SparqlRequest, fmt: Format) -> bytes | None:
        """The serialised result of ``request`` when it is bounded enough to be answered in
        this thread (:mod:`kgpub.sparql.bounded`), else None; or a :class:`KgpubError`."""
        body = self._in_thread(self._job(request, fmt))
        if body is not None:
            with self._lock:
                self.stats["queries"] += 1
        return body

    def _job(self, request: SparqlRequest, fmt: Format) -> Job:
        return Job(
            request.query,
            request.default_graph_uris,
            request.named_graph_uris,
            fmt.key,
            self.result_limit,
            self.base_iri,
        )

    def _in_thread(self, job: Job) -> bytes | None:
        raw = in_process(self.store) if self.in_thread_budget else None
        if raw is None:
            return None
        budget = self.in_thread_budget
        body = answer_point_lookup(raw, job, budget)
        if body is None and not within(job.query, raw, budget):
            return None
        self.stats["in_thread"] += 1
        return body if body is not None else _outcome(*answer(self.store, raw, job, bounded=True))

    def run(self, request: SparqlRequest, fmt: Format, in_thread: bool = True) -> bytes:
        """The serialised result of ``request`` in ``fmt``, or a :class:`KgpubError`
        (``in_thread=False``: the caller has already found it is not bounded)."""
        key = (request.query, request.default_graph_uris, request.named_graph_uris, fmt.key)
        with self._lock:
            self.stats["queries"] += 1
            if self._snapshot is self._current_snapshot() and self._pid == os.getpid():
                cached = self._cache.get(key)
                if cached is not None:
                    self.stats["cache_hits"] += 1
                    return cached
        job = self._job(request, fmt)
        bounded = self._in_thread(job) if in_thread else None
        if bounded is not None:
            return bounded
        deadline = time.monotonic() + self.timeout
        worker = self._acquire(deadline)
        generation = worker.generation
        try:
            send_msg(worker.sock, pickle.dumps(job, pickle.HIGHEST_PROTOCOL))
            reply = recv_msg(worker.sock, deadline, self.max_result_bytes + 4096)
        except TimeoutError:
            self._release(worker, healthy=False)
            _log_stopped("killed at the time limit", job.query, deadline - self.timeout)
            self.stats["timeouts"] += 1
            raise QueryTimeout(
                f"The query was stopped after {self.timeout:g} s, the time limit of this "
                "endpoint. Narrow it (more specific patterns, a LIMIT) and try again."
            ) from None
        except TooBig:
            self._release(worker, healthy=False)
            _log_stopped("killed: result too large", job.query, deadline - self.timeout)
            raise ResultTooLarge(
                f"The result is larger than {self.max_result_bytes >> 20} MiB, the most this "
                "endpoint returns. Add a LIMIT (and page with OFFSET), or narrow the query."
            ) from None
        except (EOFError, OSError):
            self._release(worker, healthy=False)
            raise self._worker_died(job, deadline) from None
        tag = reply[:1]
        if tag.isupper():  # the worker has grown past recycle_bytes and exits
            self.stats["recycled"] += 1
        self._release(worker, healthy=True, exiting=tag.isupper())
        body = _outcome(tag, reply[1:])
        if len(body) <= self.cache_max_bytes:
            with self._lock:
                if generation == self._generation:
                    self._cache.put(key, body)
        return body


def _outcome(tag: bytes, payload: bytes) -> bytes:
    """The answer's bytes, or the error a reply (tag, payload) reports raised."""
    if tag.lower() == ANSWER:
        return payload
    kind, message = pickle.loads(payload)
    raise _rebuild_error(str(kind), str(message))


#: The errors a query worker reports by name; any other becomes :class:`QueryFailed`.
_REBUILDABLE: dict[str, type[KgpubError]] = {
    cls.__name__: cls
    for cls in (
        errors.BadRequest,
        errors.QuerySyntaxError,
        errors.UpdateRefused,
        errors.ServiceRefused,
        errors.QueryTooLong,
        errors.ResultTooLarge,
        errors.QueryTimeout,
        errors.StoreUnavailable,
        errors.StoreBadAnswer,
        errors.QueryFailed,
    )
}


def _rebuild_error(kind: str, message: str) -> KgpubError:
    if kind == "NotAcceptable":
        return errors.NotAcceptable([], message)
    return _REBUILDABLE.get(kind, QueryFailed)(message)
