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


# --- wrk: many connections from a C client, a path list from a Lua script -----------------

WRK = "/usr/bin/wrk"
_LUA = """
local paths, counter, step, idx, cycle = {}, 0, 1, 1, 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end
function init(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  step = tonumber(args[2])
  cycle = tonumber(args[3])
  idx = id + 1
  for i = 4, #args, 2 do wrk.headers[args[i]] = args[i + 1] end
end
function request()
  if idx > #paths then
    if #paths > 1 and cycle == 0 then wrk.thread:stop() end
    idx = id + 1
  end
  local path = paths[idx]
  if #paths > 1 then idx = idx + step end
  return wrk.format(nil, path)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %.1f %.1f %.1f %.1f\\n", summary.requests,
    summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99), latency.mean, latency.max))
end
"""


def wrk(
    port: int,
    paths: Sequence[str],
    connections: int,
    seconds: float,
    headers: dict[str, str] | None = None,
    threads: int = 2,
    cycle: bool = False,
) -> dict[str, float]:
    """Load ``127.0.0.1:port`` with wrk. One path is asked again and again; several are
    each asked once, in the given order, spread over wrk's threads (a thread that runs out
    stops, so the figures cover distinct requests only). wrk divides by the whole
    ``seconds`` even when its threads stopped early, so a list that ran out has its rate
    from Little's law instead: every connection is busy until its thread stops, so the rate
    is ``connections / mean latency`` (``exhausted`` is then 1). With ``cycle`` the list
    starts again instead: for a server without a response cache (nginx on files), where a
    second pass costs what the first did. Returns requests, rps, p50, p99 and max latency (ms),
    socket errors, non-2xx answers, ``exhausted`` and ``ok_rps`` (the rate of 2xx answers
    alone: a server that refuses fast must not look fast)."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        script, listed = f"{tmp}/paths.lua", f"{tmp}/paths.txt"
        with open(script, "w") as f:
            f.write(_LUA)
        with open(listed, "w") as f:
            f.write("\n".join(paths) + "\n")
        extra = [x for kv in (headers or {}).items() for x in kv]
        argv = [WRK, "-t", str(threads), "-c", str(connections), "-d", f"{seconds:g}s"]
        argv += ["--timeout", "10s", "-s", script, f"http://127.0.0.1:{port}", "--"]
        out = subprocess.run(
            [*argv, listed, str(threads), str(int(cycle)), *extra],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    requests, duration_us, sock, status, p50, p99, mean, top = (float(x) for x in line.split()[1:])
    exhausted = len(paths) > 1 and not cycle and requests >= len(paths) - 2 * connections
    rps = connections / (mean / 1e6) if exhausted and mean > 0 else requests / (duration_us / 1e6)
    good = max(requests - sock - status, 0) / requests if requests else 0.0
    return {
        "requests": requests,
        "rps": rps,
        "ok_rps": rps * good,
        "exhausted": float(exhausted),
        "p50": p50 / 1000,
        "p99": p99 / 1000,
        "max": top / 1000,
        "errors": sock,
        "bad_status": status,
    }


def descendants(pid: int) -> list[int]:
    """``pid`` and every process under it."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo.extend(children.get(p, []))
    return found


def pss_mb(pid: int) -> float:
    """The whole server's memory: the sum of Pss over ``pid`` and its descendants (MB)."""
    total = 0
    for p in descendants(pid):
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                total += sum(int(x.split()[1]) for x in f if x.startswith("Pss:"))
        except OSError:
            continue
    return total / 1024


def sitemap_paths(port: int) -> list[str]:
    """The site paths listed in the server's /sitemap.xml (following a sitemap index)."""
    import re

    def get(path: str) -> str:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("GET", path)
        return conn.getresponse().read().decode()

    text = get("/sitemap.xml")
    locs = re.findall(r"<loc>([^<]+)</loc>", text)
    if "<sitemapindex" in text:
        locs = [x for loc in locs for x in re.findall(r"<loc>([^<]+)</loc>", get(_path(loc)))]
    return [_path(loc) for loc in locs]


def _path(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")
