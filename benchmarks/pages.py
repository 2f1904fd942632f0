"""Page throughput and latency: resource documents vs a no-work Flask route, both under
gunicorn with the same options, loaded by the same bounded local load generator.

Prints requests/s and p50/p99 latency for /doc/... in Turtle and HTML, as a ratio to the
no-work route; and the uncached render time of a municipality overview, its alignment matrix
and a two-municipality comparison as a ratio to a plain resource page; at 2 municipalities
(the real data) and at 290 (synthetic, generated into a temporary directory by
benchmarks/generate.py). The synthetic sets are copies of the real, validated sources, so the
benchmark publishes them without running SHACL (which is not what is measured here).

    .venv/bin/python benchmarks/pages.py [--seconds 5] [--clients 8] [--sizes 2 290]

With ``--distinct``, real traffic instead (wrk, a Lua path list): every document of the
sitemap once, shuffled, as HTML and as Turtle, each round its own documents, beside the same
page asked again and again (which the response caches answer) and the no-work route; p50/p99,
errors, and the whole server's memory (Pss of gunicorn's master and workers) before, after the
rounds and after crawling every document (``--crawl-seconds`` at most).

    .venv/bin/python benchmarks/pages.py --distinct [--seconds 10] [--rounds 2] [--sizes 290]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

GUNICORN = {
    "workers": 2,
    "worker_class": "gthread",
    "threads": 4,
    "preload_app": True,
    "accesslog": None,
    "keepalive": 30,
}


def _serve(kind: str, config: str, port: int) -> None:
    """A server of ``kind``: ``nowork`` (the no-work route), ``app`` (documents rendered
    ahead), ``on-request`` (rendered when asked for); with ``-front``, behind the nginx
    ``kgpub serve`` runs in front (gunicorn on its unix socket), as ``kgpub serve`` runs."""
    from flask import Flask

    from kgpub.config import Settings
    from kgpub.publish.publisher import Publisher
    from kgpub.web.server import _Gunicorn

    fronted = kind.endswith("-front")
    kind = kind.removesuffix("-front")
    app: Flask
    if kind == "nowork":
        app = Flask("nowork")

        @app.get("/nowork")
        def nowork() -> str:
            return "ok"
    else:
        from kgpub.publish.report import ValidationReport
        from kgpub.web.app import create_app

        def conforms(_: object) -> ValidationReport:  # copies of validated sources: no SHACL
            return ValidationReport(conforms=True, violations=[])

        # "app" renders every document ahead in the background, as `kgpub serve` does;
        # "on-request" renders each when it is asked for (render_ahead = false)
        settings = Settings.load(
            config_file=Path(config),
            env={},
            host="127.0.0.1",
            port=port,  # the address the pages rendered ahead link to
            render_ahead=kind == "app",
        )
        # loaded in a child process, as `kgpub serve` does (web.server.build)
        publisher = Publisher(settings, validate=conforms, isolate=True)
        publisher.publish()
        app = create_app(settings, publisher, sparql=False)
    if not fronted:
        _Gunicorn(app, {**GUNICORN, "bind": f"127.0.0.1:{port}"}).run()
        return
    from kgpub.web.front import NginxFront
    from kgpub.web.server import FRONT

    front_settings = Settings.load(env={}, access_log="off")  # as the no-work side has
    with NginxFront(front_settings, "127.0.0.1", port) as front:
        app.extensions[FRONT] = front
        _Gunicorn(app, {**GUNICORN, "bind": f"unix:{front.upstream}"}).run()


def _start(kind: str, config: str) -> tuple[subprocess.Popen[bytes], int]:
    from loadgen import start_server

    def argv(port: int) -> list[str]:
        return [sys.executable, __file__, "--serve", kind, config, str(port)]

    return start_server(argv, kind, timeout=120)


def load(
    port: int, path: str, headers: dict[str, str], clients: int, seconds: float
) -> dict[str, float]:
    from loadgen import drive

    drive(port, [path], 1, 0.3, headers)  # warm up (and fill the document cache)
    lat = sorted(drive(port, [path], clients, seconds, headers))
    return {
        "rps": len(lat) / seconds,
        "p50": statistics.median(lat) * 1000,
        "p99": lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000,
    }


def uncached_ms(config: Path, cases: list[tuple[str, str, dict[str, str]]]) -> list[float]:
    """In-process render time of each case with the document cache emptied every time:
    what a page costs the first time it is asked for after a snapshot swap."""
    from kgpub.config import Settings
    from kgpub.formats import from_media_type
    from kgpub.publish.publisher import Publisher
    from kgpub.publish.sources import load_snapshot
    from kgpub.site.site import Site

    settings = Settings.load(config_file=config, env={})
    publisher = Publisher(settings)
    publisher.swap(load_snapshot(settings))
    site = Site(publisher)
    out = []
    for _, path, headers in cases:
        fmt = from_media_type(headers["Accept"])
        assert fmt is not None
        stem = path.removeprefix("/doc/")
        n = 20
        start = time.perf_counter()
        for _ in range(n):
            site.cache.clear()
            site.resource(stem, fmt, "sv", "http://127.0.0.1/")
        out.append((time.perf_counter() - start) / n * 1000)
    return out


def views_uncached_ms(config: Path) -> dict[str, float]:
    """Uncached render time of the cross-resource views (alignment matrix, comparison),
    measured like :func:`uncached_ms`."""
    from kgpub.config import Settings
    from kgpub.publish.publisher import Publisher
    from kgpub.publish.sources import load_snapshot
    from kgpub.site.site import Site

    settings = Settings.load(config_file=config, env={})
    publisher = Publisher(settings)
    publisher.swap(load_snapshot(settings))
    site = Site(publisher)
    views = {
        "alignment matrix": lambda: site.alignment("haparanda", "sv", "http://127.0.0.1/"),
        "compare (2)": lambda: site.compare(["haninge", "haparanda"], "sv", "http://127.0.0.1/"),
    }
    start = time.perf_counter()
    site.national()
    # read once per snapshot (like the search index), shared by every view afterwards
    out = {"national schemes, once per snapshot": (time.perf_counter() - start) * 1000}
    for name, render in views.items():
        n = 20
        start = time.perf_counter()
        for _ in range(n):
            site.cache.clear()
            render()
        out[name] = (time.perf_counter() - start) / n * 1000
    return out


def _wrk_line(name: str, r: dict[str, float], base: dict[str, float]) -> str:
    star = "*" if r.get("exhausted") else " "  # the list ran out: rate from Little's law
    return (
        f"  {name:<22} {r['rps']:7.0f}{star}req/s p50 {r['p50']:6.2f} ms p99 {r['p99']:7.2f} ms "
        f"max {r['max']:7.1f} ms {r['errors']:.0f}+{r['bad_status']:.0f} errors | "
        f"{r['rps'] / base['rps']:.2f}x no-work"
    )


def distinct(args: argparse.Namespace) -> None:
    """Distinct documents against the cached figures and the no-work route (see above)."""
    import random

    from generate import generate
    from loadgen import pss_mb, sitemap_paths, wrk

    base_proc, base_port = _start("nowork", "-")
    front_base_proc, front_base_port = _start("nowork-front", "-")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            Path(tmp).chmod(0o755)  # nginx's workers (nobody, under root) read the files
            for size in args.sizes:
                config = generate(size, Path(tmp) / str(size))
                proc, port = _start("app", str(config))
                plain_proc, plain_port = _start("on-request", str(config))
                front_proc, front_port = _start("app-front", str(config))
                try:
                    ahead = config.parent / "var" / "ahead"
                    _wait_for_ahead(ahead, proc.pid, pss_mb, count=2)
                    servers = {
                        "ahead": (port, proc.pid),
                        "on request": (plain_port, plain_proc.pid),
                        "kgpub serve": (front_port, front_proc.pid),
                    }
                    bases = {"direct": base_port, "fronted": front_base_port}
                    _distinct_size(args, size, servers, bases, wrk, pss_mb, random)
                    docs = [p for p in sitemap_paths(port) if p.startswith("/doc/")]
                    crawl = wrk(port, docs + [p + ".ttl" for p in docs], 8, args.crawl_seconds)
                    print(
                        f"  crawl (ahead): {crawl['requests']:.0f} of {2 * len(docs)} documents "
                        f"(HTML and Turtle) in {crawl['requests'] / crawl['rps']:.0f} s, "
                        f"{crawl['errors'] + crawl['bad_status']:.0f} errors; "
                        f"server Pss after: {pss_mb(proc.pid):.0f} MB"
                    )
                    crawl = wrk(
                        front_port, docs + [p + ".ttl" for p in docs], 8, args.crawl_seconds
                    )
                    print(
                        f"  crawl (kgpub serve): {crawl['requests']:.0f} documents in "
                        f"{crawl['requests'] / crawl['rps']:.0f} s, "
                        f"{crawl['errors'] + crawl['bad_status']:.0f} errors; "
                        f"server Pss after: {pss_mb(front_proc.pid):.0f} MB"
                    )
                finally:
                    for server in (proc, plain_proc, front_proc):
                        server.terminate()
                        server.wait()
    finally:
        for server in (base_proc, front_base_proc):
            server.terminate()
            server.wait()


def _wait_for_ahead(
    root: Path, pid: int, pss_mb: Any, count: int = 1, seconds: float = 3600
) -> None:
    """Until ``count`` servers have rendered every document ahead (their directories are
    complete)."""
    started = time.monotonic()
    while len(list(root.glob("*/complete"))) < count:
        if time.monotonic() - started > seconds:
            raise SystemExit(f"not all rendered ahead under {root} within {seconds:.0f} s")
        time.sleep(1)
    done = next(iter(root.glob("*/complete")))
    written = [f for f in done.parent.rglob("*") if f.is_file() and f != done]
    files = len(written)
    size = sum(f.stat().st_size for f in written) / 1e6
    print(
        f"rendered ahead: {files} files, {size:.0f} MB on disk, ready "
        f"{time.monotonic() - started:.0f} s after the server answered "
        f"({done.read_text().strip()}); server Pss {pss_mb(pid):.0f} MB"
    )


def _distinct_size(
    args: argparse.Namespace,
    size: int,
    servers: dict[str, tuple[int, int]],
    bases: dict[str, int],
    wrk: Any,
    pss_mb: Any,
    random: Any,
) -> None:
    from loadgen import sitemap_paths

    port, _ = servers["ahead"]
    docs = [p for p in sitemap_paths(port) if p.startswith("/doc/")]
    random.Random(size).shuffle(docs)
    print(
        f"{size} municipalities: {len(docs)} documents; server Pss at start "
        + ", ".join(f"{name} {pss_mb(p):.0f} MB" for name, (_, p) in servers.items())
    )
    print("  (* the list ran out within the time: the rate is connections / mean latency)")
    html = {"Accept": "text/html"}
    for n in range(args.rounds):
        chunk = docs[n :: args.rounds + 1]  # the last share is left for the crawl
        spare = docs[args.rounds :: args.rounds + 1][n :: args.rounds]  # its share of the last
        before = {k: wrk(at, ["/nowork"], args.clients, args.seconds) for k, at in bases.items()}
        runs = {}
        for name, (at, _) in servers.items():
            runs[f"distinct HTML, {name}"] = wrk(at, chunk, args.clients, args.seconds, html)
            turtle = [p + ".ttl" for p in chunk]
            runs[f"distinct Turtle, {name}"] = wrk(at, turtle, args.clients, args.seconds)
        runs["cached HTML"] = wrk(port, [chunk[0]], args.clients, args.seconds, html)
        runs["cached Turtle"] = wrk(port, [chunk[0] + ".ttl"], args.clients, args.seconds)
        runs["distinct HTML, ahead, 64 conn"] = wrk(port, spare, 64, args.seconds, html)
        front_port, _ = servers["kgpub serve"]
        runs["distinct HTML, kgpub serve, 64 conn"] = wrk(front_port, spare, 64, args.seconds, html)
        after = {k: wrk(at, ["/nowork"], args.clients, args.seconds) for k, at in bases.items()}
        # the no-work route before and after the round: a machine that slowed down in
        # between shows as two different rates, and the ratios take their mean
        base = {k: {"rps": (before[k]["rps"] + after[k]["rps"]) / 2} for k in bases}
        for k in bases:
            print(
                f" round {n + 1}: no-work ({k}) {before[k]['rps']:.0f} req/s before, "
                f"{after[k]['rps']:.0f} after (p50 {before[k]['p50']:.2f} / "
                f"{after[k]['p50']:.2f} ms)"
            )
        for name, r in runs.items():
            line = _wrk_line(name, r, base["direct"])
            if "kgpub serve" in name:  # behind the front: also against the fronted route
                line += f", {r['rps'] / base['fronted']['rps']:.2f}x no-work behind the front"
            print(line)
        print(
            "  server Pss "
            + ", ".join(f"{name} {pss_mb(p):.0f} MB" for name, (_, p) in servers.items())
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--sizes", type=int, nargs="+", default=[2, 290])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--distinct", action="store_true", help="distinct documents (wrk)")
    parser.add_argument("--crawl-seconds", type=float, default=60.0)
    parser.add_argument(
        "--serve", nargs=3, metavar=("KIND", "CONFIG", "PORT"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.serve:
        _serve(args.serve[0], args.serve[1], int(args.serve[2]))
        return
    if args.distinct:
        distinct(args)
        return
    from generate import generate

    print(
        f"{os.cpu_count()} CPUs; gunicorn {GUNICORN['workers']} workers x "
        f"{GUNICORN['threads']} threads; {args.clients} clients x {args.seconds:.0f} s\n"
    )
    cases: list[tuple[str, str, dict[str, str]]] = [
        ("Turtle", "/doc/haninge/goal/tryggare-invanare", {"Accept": "text/turtle"}),
        ("HTML", "/doc/haninge/goal/tryggare-invanare", {"Accept": "text/html"}),
        ("HTML municipality", "/doc/haparanda", {"Accept": "text/html"}),
    ]
    # The no-work server runs throughout; each case is measured right after its own
    # no-work run (paired), for --rounds rounds, and the median ratio is reported, so a
    # busy machine moves both sides of a ratio alike.
    base_proc, base_port = _start("nowork", "-")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for size in args.sizes:
                config = generate(size, Path(tmp) / str(size))
                cold = uncached_ms(config, cases)
                print(
                    f"{size} municipalities: municipality overview renders in "
                    f"{cold[2]:.1f} ms uncached against {cold[1]:.1f} ms for a plain resource "
                    f"page: {cold[2] / cold[1]:.2f}x its time"
                )
                for view, ms in views_uncached_ms(config).items():
                    print(
                        f"{size} municipalities: {view} renders in {ms:.1f} ms uncached: "
                        f"{ms / cold[1]:.2f}x a plain resource page"
                    )
                proc, port = _start("app", str(config))
                try:
                    for (name, path, headers), cold_ms in zip(cases, cold, strict=True):
                        ratios, runs, bases = [], [], []
                        for _ in range(args.rounds):
                            base = load(base_port, "/nowork", {}, args.clients, args.seconds)
                            r = load(port, path, headers, args.clients, args.seconds)
                            ratios.append(r["rps"] / base["rps"])
                            runs.append(r)
                            bases.append(base)
                        mid = sorted(range(len(ratios)), key=ratios.__getitem__)[len(ratios) // 2]
                        r, base = runs[mid], bases[mid]
                        label = f"{size} municipalities, {name}"
                        print(
                            f"{label:<36} {r['rps']:6.0f} req/s p50 {r['p50']:5.2f} ms "
                            f"p99 {r['p99']:5.2f} ms | no-work {base['rps']:6.0f} req/s "
                            f"p50 {base['p50']:5.2f} ms | {ratios[mid]:.2f}x | "
                            f"uncached {cold_ms:4.1f} ms"
                        )
                finally:
                    proc.terminate()
                    proc.wait()
    finally:
        base_proc.terminate()
        base_proc.wait()


if __name__ == "__main__":
    main()
