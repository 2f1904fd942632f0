"""The static export against `kgpub serve`: nginx on `kgpub export --static` against
`kgpub serve` as it runs (gunicorn behind its own nginx, which answers the documents rendered
ahead from their files) and against the gunicorn app alone (benchmarks/pages.py's "app"),
same data, distinct pages (every document once, shuffled; wrk with a Lua path list; the two
nginx, which have no response cache, go through the list again when they are through, the
gunicorn app alone stops), interleaved rounds; and the time to export N municipalities, fresh
and again unchanged.

    .venv/bin/python benchmarks/static.py [--municipalities 290] [--seconds 10] [--rounds 2]
        [--connections 8]

The synthetic municipalities are copies of the real, validated sources, so they are published
without SHACL here (what is timed is rendering and writing). Both servers render every
document ahead before the rounds start.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))


def export_once(config: Path, out: Path, port: int, jobs: int) -> tuple[float, str]:
    """Publish (no SHACL) and export in this process; (seconds, summary)."""
    from kgpub.config import Settings
    from kgpub.export.static import export
    from kgpub.publish.publisher import Publisher
    from kgpub.publish.sources import load_snapshot
    from kgpub.site.site import Site

    settings = Settings.load(config_file=config, env={})
    publisher = Publisher(settings)
    publisher.swap(load_snapshot(settings))
    start = time.monotonic()
    done = export(Site(publisher), out, f"http://127.0.0.1:{port}/", f"127.0.0.1:{port}", jobs)
    took = time.monotonic() - start
    return took, (
        f"{done.jobs} documents, {done.rendered} rendered, {done.written} files written, "
        f"{sum(len(f) for f in done.files.values())} files in all"
    )


def start_nginx(out: Path, port: int) -> subprocess.Popen[bytes]:
    user = " user root;" if os.geteuid() == 0 else ""
    proc = subprocess.Popen(
        [
            "/usr/sbin/nginx",
            "-p",
            str(out),
            "-c",
            str(out / "nginx.conf"),
            "-g",
            "daemon off;" + user,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(1)
    return proc


def line(name: str, r: dict[str, float], mem: float | None = None) -> str:
    extra = f" | server Pss {mem:6.0f} MB" if mem is not None else ""
    return (
        f"  {name:<28} {r['rps']:8.0f} req/s  p50 {r['p50']:7.2f} ms  p99 {r['p99']:7.2f} ms  "
        f"{r['requests']:7.0f} requests, {r['errors']:.0f} errors, {r['bad_status']:.0f} "
        f"non-2xx{extra}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--municipalities", type=int, default=290)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    from generate import generate
    from loadgen import free_port, pss_mb, sitemap_paths, wrk
    from pages import _start, _wait_for_ahead

    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp).chmod(0o755)  # nginx's workers (nobody, under root) read the files
        config = generate(args.municipalities, Path(tmp) / "data")
        out, port = Path(tmp) / "export", free_port()
        fresh, what = export_once(config, out, port, args.jobs)
        again, what_again = export_once(config, out, port, args.jobs)
        print(f"export of {args.municipalities} municipalities ({args.jobs} processes):")
        print(f"  fresh {fresh:6.1f} s: {what}\n  again {again:6.1f} s: {what_again}")
        ngx = start_nginx(out, port)
        servers = {"kgpub serve": _start("app-front", str(config))}
        servers["gunicorn alone"] = _start("app", str(config))
        try:
            serve_pid = servers["kgpub serve"][0].pid
            _wait_for_ahead(config.parent / "var" / "ahead", serve_pid, pss_mb, count=2)
            docs = [p for p in sitemap_paths(port) if p.startswith("/doc/")]
            random.Random(1).shuffle(docs)
            print(f"{len(docs)} documents; {args.connections} connections x {args.seconds:g} s")
            ratios: dict[tuple[str, str], list[float]] = {}
            for n in range(args.rounds):
                chunk = docs[n :: args.rounds]  # each round its own documents: none asked twice
                for name, suffix in (("HTML", ""), ("Turtle", ".ttl")):
                    paths = [p + suffix for p in chunk]
                    print(f"round {n + 1}, distinct {name}:")
                    static = wrk(port, paths, args.connections, args.seconds, cycle=True)
                    for label, (proc, server_port) in servers.items():
                        # kgpub serve's nginx answers the documents from files, as nginx on
                        # the export does: its second pass costs what the first did, but for
                        # the municipalities' documents (1.7 %), which the app answers
                        again = label == "kgpub serve"
                        served = wrk(
                            server_port, paths, args.connections, args.seconds, cycle=again
                        )
                        ratios.setdefault((name, label), []).append(static["rps"] / served["rps"])
                        print(line(label, served, pss_mb(proc.pid)))
                    print(line("nginx on the export", static, pss_mb(ngx.pid)))
            for (name, label), each in ratios.items():
                print(
                    f"distinct {name}: nginx on the export {statistics.median(each):.1f}x "
                    f"{label} (rounds: {', '.join(f'{r:.1f}x' for r in each)}; target >= 5x "
                    "kgpub serve)"
                )
        finally:
            ngx.send_signal(signal.SIGQUIT)
            ngx.wait()
            for proc, _ in servers.values():
                proc.terminate()
                proc.wait()


if __name__ == "__main__":
    main()
