"""Pages under attack: wrk's page latency while abusive clients hit a real ``kgpub serve``.

    .venv/bin/python benchmarks/abuse.py [--seconds 10] [--rounds 3] [--front nginx none]
                                         [--connections 4]

For each ``--front`` a ``kgpub serve`` (2 workers, the repository's data, 10 s query limit)
runs on a free 127.0.0.1 port. Debian's ``wrk`` (``apt-get install wrk``) asks for one
HTML page over ``--connections`` kept-alive connections for ``--seconds`` while one of these
runs:

- ``none``: nothing else (the baseline);
- ``slow``: 50 clients sending one byte a second (40 of a request head, 10 of a POST body
  to /sparql), plus 50 clients that ask
  for the N-Quads dump and never read it (a dropped head reconnects; the non-readers
  reconnect every 9 s);
- ``runaway``: 8 clients (each from its own loopback address, so no per-client limit stops
  them) sending a query that runs to the time limit, again as soon as it is answered.

The scenarios take turns within each of ``--rounds`` rounds (the order rotating), so a drift
of the machine's speed touches all of them alike. Printed per front and scenario: p50 and
p99 of the pages (the median of the rounds' wrk percentiles, leaving out rounds in which
no page was answered), wrk's timeouts and errors, and each round's p99 and pages
answered. docs/deploying.md quotes a run.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KGPUB = Path(sys.executable).parent / "kgpub"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
SCENARIOS = ("none", "slow", "runaway")
PAGE = "/doc/haninge"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def kgpub_serve(front: str) -> Iterator[int]:
    """``kgpub serve`` with ``front``, this checkout's code; yields its port."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KGPUB_")}
    env.update(PYTHONPATH=str(ROOT / "src"), KGPUB_FRONT=front, KGPUB_QUERY_TIMEOUT="10")
    env.update(KGPUB_ACCESS_LOG="off")
    command = [str(KGPUB), "serve", "--port", str(port), "--workers", "2"]
    proc = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(OSError):
                urllib.request.urlopen(f"http://127.0.0.1:{port}/robots.txt", timeout=2).close()
                break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"kgpub serve (front {front}) did not start")
            time.sleep(0.2)
        yield port
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# -- attackers: each runs until ``stop`` is set ---------------------------------------------


def _open(port: int, request: bytes, source: str = "127.0.0.1") -> socket.socket | None:
    """A connection (with a small receive buffer, set before connecting so that it holds)
    that has sent ``request``."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    try:
        sock.settimeout(5)
        sock.bind((source, 0))
        sock.connect(("127.0.0.1", port))
        sock.sendall(request)
    except OSError:
        sock.close()
        return None
    return sock


def slow_clients(port: int, stop: threading.Event) -> None:
    """50 request heads at one byte a second, 50 answers never read; dropped ones reopen."""
    head = b"GET /doc/haninge HTTP/1.1\r\nHost: kgpub\r\nX-Slow: " + b"x" * 4096
    dump = b"GET /dumps/kgpub.nq HTTP/1.1\r\nHost: kgpub\r\n\r\n"
    body = (
        b"POST /sparql HTTP/1.1\r\nHost: kgpub\r\nContent-Type: application/sparql-query\r\n"
        b"Content-Length: 100000\r\n\r\n"
    )
    slow: list[socket.socket | None] = [_open(port, b"G") for _ in range(40)]
    slow += [_open(port, body) for _ in range(10)]
    readers: list[socket.socket | None] = [_open(port, dump) for _ in range(50)]
    sent, opened = 1, time.monotonic()
    while not stop.wait(1.0):
        for i, sock in enumerate(slow):
            try:
                assert sock is not None
                sock.send(head[sent : sent + 1] if i < 40 else b"A")
            except (OSError, AssertionError):
                if sock is not None:
                    sock.close()
                slow[i] = _open(port, b"G" if i < 40 else body)
        sent = sent + 1 if sent + 1 < len(head) else 1
        if time.monotonic() - opened > 9:  # before the front's send timeout drops them
            for sock in readers:
                if sock is not None:
                    sock.close()
            readers, opened = [_open(port, dump) for _ in range(50)], time.monotonic()
    for sock in slow + readers:
        if sock is not None:
            sock.close()


def runaway_clients(port: int, stop: threading.Event) -> None:
    """8 clients, each from its own loopback address, each sending the runaway again and
    again until stopped."""
    path = "/sparql?" + urllib.parse.urlencode({"query": RUNAWAY})
    request = f"GET {path} HTTP/1.1\r\nHost: kgpub\r\nAccept: text/csv\r\n\r\n".encode()

    def client(source: str) -> None:
        while not stop.is_set():
            sock = _open(port, request, source)
            if sock is None:
                stop.wait(0.5)
                continue
            with sock:
                sock.settimeout(1.0)
                while not stop.is_set():
                    try:
                        if not sock.recv(65536):
                            break
                    except TimeoutError:
                        continue
                    except OSError:
                        break

    threads = [threading.Thread(target=client, args=(f"127.0.0.{i}",)) for i in range(2, 10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


ATTACKS: dict[str, Callable[[int, threading.Event], None] | None] = {
    "none": None,
    "slow": slow_clients,
    "runaway": runaway_clients,
}


# -- measuring ----------------------------------------------------------------------------


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(port: int, seconds: int, connections: int) -> dict[str, float]:
    """One bounded wrk run: p50 and p99 in ms, requests, timeouts and errors."""
    command = [
        "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency",
        "-H", "Accept: text/html", f"http://127.0.0.1:{port}{PAGE}",
    ]  # fmt: skip
    out = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30).stdout
    found = {p: re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M) for p in (50, 99)}
    requests = re.search(r"(\d+) requests in", out)
    timeouts = re.search(r"timeout (\d+)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    answered = float(requests.group(1)) if requests else 0.0
    nan = float("nan")  # no page answered: no latency to speak of
    return {
        "p50": _ms(*found[50].groups()) if found[50] and answered else nan,
        "p99": _ms(*found[99].groups()) if found[99] and answered else nan,
        "requests": answered,
        "timeouts": float(timeouts.group(1)) if timeouts else 0.0,
        "errors": float(errors.group(1)) if errors else 0.0,
    }


def measure(port: int, scenario: str, seconds: int, connections: int) -> dict[str, float]:
    attack = ATTACKS[scenario]
    stop = threading.Event()
    thread = threading.Thread(target=attack, args=(port, stop)) if attack else None
    if thread is not None:
        thread.start()
        time.sleep(2)  # the attackers are connected and their queries running
    try:
        return wrk(port, seconds, connections)
    finally:
        stop.set()
        if thread is not None:
            thread.join(timeout=30)
        time.sleep(1)


def run_front(front: str, args: argparse.Namespace) -> dict[str, list[dict[str, float]]]:
    results: dict[str, list[dict[str, float]]] = {s: [] for s in SCENARIOS}
    with kgpub_serve(front) as port:
        wrk(port, 2, args.connections)  # warm
        for r in range(args.rounds):
            order = SCENARIOS[r % 3 :] + SCENARIOS[: r % 3]
            for scenario in order:
                results[scenario].append(measure(port, scenario, args.seconds, args.connections))
    return results


def _median(values: list[float]) -> float:
    answered = [v for v in values if v == v]  # rounds in which no page was answered: nan
    return statistics.median(answered) if answered else float("nan")


def report(front: str, results: dict[str, list[dict[str, float]]]) -> None:
    base = _median([m["p99"] for m in results["none"]])
    for scenario, runs in results.items():
        p50 = _median([m["p50"] for m in runs])
        p99 = _median([m["p99"] for m in runs])
        rounds = " ".join(f"{m['p99']:.0f}ms/{m['requests']:.0f}" for m in runs)
        print(
            f"{front:6} {scenario:8} p50 {p50:8.1f} ms  p99 {p99:8.1f} ms "
            f"(x{p99 / base:5.1f} of no attack)  timeouts {sum(m['timeouts'] for m in runs):4.0f}"
            f"  non-2xx {sum(m['errors'] for m in runs):4.0f}  rounds p99/requests: {rounds}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--front", nargs="+", default=["nginx", "none"], choices=("nginx", "none"))
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk (or bash scripts/system-deps.sh)")
    print(f"{args.rounds} rounds of {args.seconds} s per scenario; wrk -c{args.connections} {PAGE}")
    for front in args.front:
        report(front, run_front(front, args))


if __name__ == "__main__":
    main()
