"""Remote mode against embedded mode as deployed: HTML page throughput under gunicorn.

    .venv/bin/python benchmarks/served.py [--scale 290] [--clients 8] [--seconds 2]
                                          [--rounds 8] [--placement shared split]

Two kgpub web servers run side by side with ``kgpub serve``'s gunicorn settings
(``kgpub.web.server.gunicorn_options``: 2 workers x 4 threads): one over the embedded memory
store, one in remote mode as docs/scaling.md sets it up, over ``oxigraph serve`` filled the
way ``kgpub load`` fills it (one update request per graph, then the load record) and read
by a web host without an update endpoint. Both publish ``benchmarks/out/scale-N``
(written by benchmarks/generate.py) without running SHACL, which is measured elsewhere.

A load generator (``--clients`` processes, one kept-alive connection each) asks for HTML
pages of distinct resources, every page once per server so the document cache never
answers, for ``--seconds``. The two servers take turns, in ``--rounds`` rounds with the
order alternating; each round's ratio (remote pages/s over embedded pages/s) is taken
within the round, so a drift of the machine's speed cancels out. The median ratio and the
range over the rounds are printed. Both servers are first warmed on other pages.

Placements (``--placement``):

- ``shared``: every process may run on every core, so on a small machine the web
  workers, the triplestore and the load generator compete for the same cores;
- ``split``: the web server on core 0; the triplestore and the load generator on the
  other cores. This is the web tier's throughput per core when the triplestore runs on
  hosts of its own, as docs/scaling.md lays it out (needs 2 cores or more).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

from loadgen import drive, start_server

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests"))

MODES = ("embedded", "remote")
#: Pages that warm both servers before the rounds (not counted).
WARM = 800


def _serve(mode: str, config: str, port: int, query_endpoint: str) -> None:
    """The web server of one mode (run in its own process; gunicorn forks the workers)."""
    import dataclasses
    import types

    from kgpub.config import Settings
    from kgpub.publish.publisher import Publisher
    from kgpub.web.app import create_app
    from kgpub.web.server import _Gunicorn, gunicorn_options

    settings = Settings.load(config_file=Path(config), env={})
    if mode == "remote":
        settings = dataclasses.replace(
            settings, store="remote", remote_query_endpoint=query_endpoint
        )
        publisher = Publisher(settings)
    else:
        publisher = Publisher(settings, validate=lambda _s: types.SimpleNamespace(conforms=True))
    publisher.start()  # embedded: publish the sources; remote: follow the load record
    app = create_app(settings, publisher, sparql=False)
    _Gunicorn(app, gunicorn_options(settings, f"127.0.0.1:{port}")).run()


def _pin(pid: int, cores: set[int] | None) -> None:
    """Pin every thread of process ``pid`` (and so what it starts later) to ``cores``."""
    if cores is None:
        return
    for tid in os.listdir(f"/proc/{pid}/task"):
        with contextlib.suppress(ProcessLookupError):  # a thread that ended meanwhile
            os.sched_setaffinity(int(tid), cores)


def _start_web(mode: str, config: Path, endpoint: str, cores: set[int] | None) -> tuple[Any, int]:
    def argv(port: int) -> list[str]:
        return [sys.executable, __file__, "--serve", mode, str(config), str(port), endpoint]

    return start_server(argv, mode, cores)


def _pages_per_s(
    port: int, paths: list[str], clients: int, seconds: float, cores: set[int] | None
) -> float:
    return len(drive(port, paths, clients, seconds, {"Accept": "text/html"}, cores)) / seconds


def _paths(config: Path, n: int) -> list[str]:
    """``n`` distinct resource pages of the published data, shuffled."""
    import pyoxigraph as ox

    from kgpub.config import Settings
    from kgpub.publish.sources import load_snapshot

    settings = Settings.load(config_file=config, env={})
    subjects: set[str] = set()
    for quad in load_snapshot(settings).quads():
        s = quad.subject
        if isinstance(s, ox.NamedNode) and s.value.startswith(settings.base_iri + "id/"):
            subjects.add(s.value.split("/id/", 1)[1])
    found = sorted(subjects)
    if len(found) < n:
        raise RuntimeError(f"{len(found)} resources, {n} needed: fewer --rounds or --per-round")
    return ["/doc/" + s for s in random.Random(42).sample(found, n)]


def measure(
    config: Path, placement: str, clients: int, seconds: float, rounds: int, per_round: int
) -> dict[str, Any]:
    """One placement: start the triplestore and both web servers, run the rounds."""
    from scale import _server, fill_remote

    from kgpub.config import Settings

    cores = sorted(os.sched_getaffinity(0))
    web_cores: set[int] | None = None
    rest: set[int] | None = None
    if placement == "split":
        if len(cores) < 2:
            raise SystemExit("--placement split needs 2 cores or more")
        web_cores, rest = {cores[0]}, set(cores[1:])
    triplestore = _server()
    url = next(triplestore)
    procs: list[Any] = []
    try:
        this_one = f"serve .*--bind {url.removeprefix('http://')}"  # by its own port
        for line in subprocess.run(
            ["pgrep", "-f", this_one], capture_output=True, text=True, check=False
        ).stdout.split():
            _pin(int(line), rest)
        load_s = fill_remote(Settings.load(config_file=config, env={}), url)
        ports: dict[str, int] = {}
        for mode in MODES:
            proc, ports[mode] = _start_web(mode, config, url + "/query", web_cores)
            procs.append(proc)
        paths = _paths(config, WARM + rounds * per_round)
        rates: dict[str, list[float]] = {m: [] for m in MODES}
        ratios: list[float] = []
        for mode in MODES:  # every worker of each server serves some pages first
            _pages_per_s(ports[mode], paths[:WARM], clients, 0.5, rest)
        for k in range(rounds):
            chunk = paths[WARM + k * per_round : WARM + (k + 1) * per_round]
            for mode in MODES if k % 2 == 0 else MODES[::-1]:
                rates[mode].append(_pages_per_s(ports[mode], chunk, clients, seconds, rest))
            ratios.append(rates["remote"][-1] / rates["embedded"][-1])
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait()
        triplestore.close()
    return {
        "placement": placement,
        "load_s": load_s,
        "embedded_pages_per_s": statistics.median(rates["embedded"]),
        "remote_pages_per_s": statistics.median(rates["remote"]),
        "ratio": statistics.median(ratios),
        "ratio_range": (min(ratios), max(ratios)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=int, default=290)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--per-round", type=int, default=1600, help="distinct pages per round")
    parser.add_argument("--placement", nargs="+", default=["shared", "split"])
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out")
    parser.add_argument(
        "--serve", nargs=4, metavar=("MODE", "CONFIG", "PORT", "URL"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.serve:
        _serve(args.serve[0], args.serve[1], int(args.serve[2]), args.serve[3])
        return
    from generate import generate

    config = generate(args.scale, args.out / f"scale-{args.scale}")
    print(
        f"{os.cpu_count()} CPUs; {args.scale} municipalities; {args.clients} clients x "
        f"{args.seconds:g} s; {args.rounds} rounds; HTML pages of distinct resources",
        flush=True,
    )
    for placement in args.placement:
        r = measure(config, placement, args.clients, args.seconds, args.rounds, args.per_round)
        low, high = r["ratio_range"]
        print(
            f"{placement:<7} embedded {r['embedded_pages_per_s']:6.0f} pages/s | remote "
            f"{r['remote_pages_per_s']:6.0f} pages/s | remote/embedded {r['ratio']:.2f} "
            f"(rounds {low:.2f}-{high:.2f})",
            flush=True,
        )


if __name__ == "__main__":
    main()
