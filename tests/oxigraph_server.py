"""A real ``oxigraph serve`` process for tests: ``yield from run_oxigraph()`` in a fixture."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

OXIGRAPH = Path(__file__).resolve().parents[1] / ".venv" / "bin" / "oxigraph"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_oxigraph(port: int | None = None, location: Path | None = None) -> Iterator[str]:
    """``oxigraph serve`` (in memory, union default graph) on 127.0.0.1; yields its base URL."""
    if not OXIGRAPH.exists():
        pytest.skip("the oxigraph server binary is not installed")
    port = port or free_port()
    where = ["--location", str(location)] if location is not None else []
    proc = subprocess.Popen(
        [str(OXIGRAPH), "serve", *where, "--bind", f"127.0.0.1:{port}", "--union-default-graph"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                with urllib.request.urlopen(url + "/query?query=ASK%7B%7D", timeout=1):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("oxigraph serve did not start") from None
                time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
