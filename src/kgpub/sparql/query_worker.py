"""The query processes' side of the pool (``sparql/pool.py``): the zygote that forks
workers, a worker's loop (evaluate, serialise, send back), the length-prefixed messages
both sides exchange, and the hardening of a forked child (its sockets closed, its network
dropped, its address space capped)."""

from __future__ import annotations

import contextlib
import ctypes
import os
import pickle
import resource
import signal
import socket
import stat
import struct
import time
from dataclasses import dataclass

import pyoxigraph

from kgpub.errors import KgpubError
from kgpub.formats import RESULT_FORMATS, from_key
from kgpub.sparql import results as result_formats
from kgpub.sparql.lexical import names_a_dataset
from kgpub.sparql.protocol import syntax_error
from kgpub.store.base import in_process

_HEADER = struct.Struct("!Q")
_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNET = 0x40000000


def send_msg(sock: socket.socket, *parts: bytes) -> None:
    """One length-prefixed message made of ``parts`` (sent without joining them)."""
    buffers = [_HEADER.pack(sum(map(len, parts))), *parts]
    while buffers:
        sent = sock.sendmsg(buffers)
        while buffers and sent >= len(buffers[0]):
            sent -= len(buffers[0])
            buffers.pop(0)
        if buffers and sent:
            buffers[0] = buffers[0][sent:]


def _recv_some(sock: socket.socket, n: int, deadline: float | None) -> bytes:
    """Up to ``n`` bytes, as soon as any are there (at most until ``deadline``)."""
    if deadline is not None:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        sock.settimeout(left)
    chunk = sock.recv(n)
    if not chunk:
        raise EOFError
    return chunk


class TooBig(Exception):
    """A reply longer than the reader accepts."""


#: What one read asks for: a whole message of most answers (header and bytes in one call,
#: so a waiting thread gives up and takes back the GIL once rather than once per part).
_READ_SIZE = 1 << 16


def recv_msg(
    sock: socket.socket, deadline: float | None = None, max_size: int | None = None
) -> bytes:
    """One message of :func:`send_msg`. Each side sends one message and then waits for the
    other's, so whatever arrives belongs to this message."""
    head = _recv_some(sock, _READ_SIZE, deadline)
    while len(head) < _HEADER.size:
        head += _recv_some(sock, _READ_SIZE, deadline)
    (size,) = _HEADER.unpack_from(head)
    if max_size is not None and size > max_size:
        raise TooBig
    chunks = [head[_HEADER.size :]]
    remaining = size - len(chunks[0])
    while remaining > 0:
        chunk = _recv_some(sock, min(remaining, 1 << 20), deadline)
        chunks.append(chunk)
        remaining -= len(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def drop_network() -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNET)) == 0
    except Exception:  # pragma: no cover - no libc / not Linux
        return False


def close_inherited_sockets(keep: set[int]) -> None:
    """Close the server's sockets in a forked child (listeners, client connections).

    A copy held by the zygote would keep a client connection open after the server closed
    it, and keep the port bound. Files (an on-disk store) stay open.
    """
    try:
        fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:  # pragma: no cover - no /proc
        return
    for fd in fds:
        if fd in keep or fd < 3:
            continue
        try:
            if stat.S_ISSOCK(os.fstat(fd).st_mode):
                os.close(fd)
        except OSError:
            pass


def _vm_size() -> int:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:  # pragma: no cover
        pass
    return 0


@dataclass
class Job:
    """One query as the server hands it to a worker."""

    query: str
    default_graph_uris: tuple[str, ...]
    named_graph_uris: tuple[str, ...]
    format_key: str
    limit: int
    base_iri: str | None


def _evaluate(
    store: object, raw: pyoxigraph.Store | None, job: Job, bounded: bool = False
) -> object:
    """Run ``job``'s query on the in-process store ``raw`` (else on ``store`` itself)."""
    if raw is not None:
        default: list[pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.DefaultGraph] = [
            pyoxigraph.NamedNode(u) for u in job.default_graph_uris
        ]
        named: list[pyoxigraph.NamedNode | pyoxigraph.BlankNode] = [
            pyoxigraph.NamedNode(u) for u in job.named_graph_uris
        ]
        return raw.query(
            job.query,
            base_iri=job.base_iri,
            # no dataset in the request: the query's own FROM / FROM NAMED, else the union
            # (a bounded query has none: FROM is outside kgpub.sparql.bounded's grammar)
            use_default_graph_as_union=not default and (bounded or not names_a_dataset(job.query)),
            default_graph=default or None,
            named_graphs=named or None,
        )
    return store.query(  # type: ignore[attr-defined]
        job.query, job.default_graph_uris, job.named_graph_uris
    )


def _execute(store: object, raw: pyoxigraph.Store | None, job: Job, bounded: bool) -> bytes:
    fmt = from_key(job.format_key, RESULT_FORMATS)
    assert fmt is not None, job.format_key
    results = _evaluate(store, raw, job, bounded)
    return result_formats.render(
        results, fmt, job.limit, again=lambda: _evaluate(store, raw, job, bounded), few=bounded
    )


#: The first byte of a reply: an answer (the bytes follow) or an error (its pickled
#: ``(kind, message)`` follows); in capitals when the worker exits after this reply.
ANSWER, ERROR = b"a", b"e"
#: The fewest answers a worker gives between two looks at its own memory (a look reads
#: ``/proc/self/smaps_rollup``, after the reply has gone).
RECYCLE_CHECK_EVERY = 32
#: A look costs what the kernel takes to walk every page the worker maps: 3-4 ms at 290
#: municipalities, a tenth of a millisecond or more per answer at 32 answers a look. The
#: next look waits, besides, until this many times the last look's time has passed, so
#: looking takes at most about 1% of a busy worker's time.
LOOK_SPACING = 100


def private_bytes() -> int:
    """This process's memory that no other process shares (its ``Private_*`` pages)."""
    try:
        with open("/proc/self/smaps_rollup", "rb") as fh:
            return sum(int(line.split()[1]) for line in fh if line.startswith(b"Private_")) << 10
    except (OSError, ValueError):  # pragma: no cover - no procfs
        return 0


def answer(
    store: object, raw: pyoxigraph.Store | None, job: Job, bounded: bool = False
) -> list[bytes]:
    """The reply to ``job``, as the parts of one message (a worker's, or the pool's own for
    a query it answers in the calling thread: ``bounded``, see :mod:`kgpub.sparql.bounded`)."""
    try:
        return [ANSWER, _execute(store, raw, job, bounded)]
    except SyntaxError as exc:
        err = syntax_error(str(exc), job.query)
        failure = (type(err).__name__, err.message)
    except KgpubError as exc:  # the endpoint's own refusals, or a remote store's errors
        failure = (type(exc).__name__, exc.message or str(exc))
    except MemoryError:
        failure = ("QueryFailed", "The query needed more memory than allowed.")
    except Exception as exc:
        failure = ("QueryFailed", f"The query failed: {exc}")
    return [ERROR, pickle.dumps(failure)]


def _worker_loop(store: object, sock: socket.socket, recycle_bytes: int = 0) -> None:
    """Answer jobs until the server hangs up. Reading the store writes to the pages this
    process shares with the server (pyoxigraph counts references as it reads), so each of
    them becomes a copy of its own: once that has grown past ``recycle_bytes``, the next
    reply says so (its tag in capitals) and the worker exits; the pool forks a fresh one."""
    raw = in_process(store)  # a worker's store never changes: a new snapshot retires it
    answered, retiring, next_look = 0, False, 0.0
    while True:
        try:
            job: Job = pickle.loads(recv_msg(sock))
        except (EOFError, OSError):
            return
        tag, *rest = answer(store, raw, job)
        try:
            send_msg(sock, tag.upper() if retiring else tag, *rest)
        except OSError:
            return
        if retiring:
            return
        answered += 1
        if recycle_bytes and answered >= RECYCLE_CHECK_EVERY and time.monotonic() >= next_look:
            looked = time.monotonic()
            retiring = private_bytes() > recycle_bytes
            answered, next_look = 0, looked + LOOK_SPACING * (time.monotonic() - looked)


#: How much lower a query worker's CPU priority is than the web worker's (nice(2) steps).
QUERY_NICENESS = 10


def zygote_loop(
    store: object, control: socket.socket, memory_headroom: int | None, recycle_bytes: int = 0
) -> None:
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # workers are reaped by the kernel
    while True:
        try:
            command = control.recv(1)
        except OSError:
            return
        if command != b"S":
            return
        mine, theirs = socket.socketpair()
        pid = os.fork()
        if pid == 0:  # the worker
            try:
                control.close()
                theirs.close()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                # pages come first: a query runs at a lower CPU priority than the web threads
                with contextlib.suppress(OSError):
                    os.nice(QUERY_NICENESS)
                if memory_headroom:
                    limit = _vm_size() + memory_headroom
                    with contextlib.suppress(ValueError, OSError):
                        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
                _worker_loop(store, mine, recycle_bytes)
            finally:
                os._exit(0)
        mine.close()
        try:
            socket.send_fds(control, [struct.pack("!q", pid)], [theirs.fileno()])
        except OSError:
            return
        finally:
            theirs.close()
