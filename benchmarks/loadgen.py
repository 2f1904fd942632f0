"""A bounded local load generator (client processes that all start and stop together), and
the web servers it is pointed at, started as processes of their own on 127.0.0.1.

Each client is a process of its own with one kept-alive HTTP/1.1 connection to 127.0.0.1.
Every client waits for the same start instant and stops at the same end instant, so the
pages counted all came within one window of ``seconds`` and as many clients as asked for
were asking at once (a process pool may hand two clients' jobs to one process in turn,
which doubles the window and halves the concurrency without showing it).
"""

from __future__ import annotations

import http.client
import multiprocessing
import os
import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from typing import Any


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(
    argv: Callable[[int], list[str]],
    what: str,
    cores: set[int] | None = None,
    timeout: float = 300,
) -> tuple[subprocess.Popen[bytes], int]:
    """Run ``argv(port)`` on a free port (on ``cores``), until it answers ``/robots.txt``."""
    port = free_port()
    proc = subprocess.Popen(
        argv(port),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=(lambda: os.sched_setaffinity(0, cores)) if cores is not None else None,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the {what} server exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/robots.txt")
            conn.getresponse().read()
            return proc, port
        except OSError:
            time.sleep(0.2)
    proc.kill()
    proc.wait()
    raise RuntimeError(f"the {what} server did not start within {timeout:g} s")


def _client(
    port: int,
    paths: Sequence[str],
    headers: dict[str, str],
    window: tuple[float, float],
    cores: set[int] | None,
    taken: Any,
    out: Any,
) -> None:
    if cores is not None:
        os.sched_setaffinity(0, cores)
    start, end = window
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies: list[float] = []
    error = ""
    time.sleep(max(0.0, start - time.monotonic()))
    try:
        while (began := time.monotonic()) < end:
            with taken.get_lock():
                i = taken.value
                taken.value += 1
            if len(paths) > 1 and i >= len(paths):
                error = f"the clients ran out of distinct pages after {len(paths)}"
                break
            path = paths[0 if len(paths) == 1 else i]
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            resp.read()
            if resp.status != 200:
                error = f"{path}: HTTP {resp.status}"
                break
            latencies.append(time.monotonic() - began)
    except OSError as exc:
        error = f"{type(exc).__name__}: {exc}"
    finally:
        conn.close()
    out.put((latencies, error))


def drive(
    port: int,
    paths: Sequence[str],
    clients: int,
    seconds: float,
    headers: dict[str, str] | None = None,
    cores: set[int] | None = None,
) -> list[float]:
    """Run ``clients`` clients for ``seconds``; returns every request's latency (s).

    One path is asked for again and again. Several are taken in turn by whichever client
    is free, each at most once (running out is an error: asked again, a page would come
    from the document cache). ``cores``: where the clients may run.
    """
    ctx = multiprocessing.get_context("fork")
    out = ctx.SimpleQueue()
    taken = ctx.Value("q", 0)
    start = time.monotonic() + 0.3  # every client is up and waiting by then
    window = (start, start + seconds)
    procs = [
        ctx.Process(target=_client, args=(port, paths, headers or {}, window, cores, taken, out))
        for _ in range(clients)
    ]
    for proc in procs:
        proc.start()
    results = [out.get() for _ in procs]
    for proc in procs:
        proc.join()
    errors = [error for _, error in results if error]
    if errors:
        raise RuntimeError(f"{len(errors)} of {len(procs)} clients failed: {errors[0]}")
    return [x for latencies, _ in results for x in latencies]
