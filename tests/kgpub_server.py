"""Start and stop a real ``kgpub serve`` (gunicorn) process for tests, on 127.0.0.1 only."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
KGPUB = Path(sys.executable).parent / "kgpub"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def kgpub_serve(workers: int = 2, wait_seconds: float = 30) -> Iterator[str]:
    """Serve the repository's data on a free port; yields the base URL, stops on exit."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KGPUB_")}
    proc = subprocess.Popen(
        [str(KGPUB), "serve", "--port", str(port), "--workers", str(workers)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + wait_seconds
    try:
        while True:
            if proc.poll() is not None:
                err = proc.stderr.read().decode() if proc.stderr else ""
                pytest.fail(f"kgpub serve exited with {proc.returncode}: {err}")
            try:
                with urllib.request.urlopen(url + "robots.txt", timeout=2):
                    break
            except (urllib.error.URLError, OSError):
                if time.monotonic() > deadline:
                    pytest.fail(f"kgpub serve did not answer within {wait_seconds:.0f} s")
                time.sleep(0.2)
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
