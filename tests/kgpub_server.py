"""Start and stop a real ``kgpub serve`` (gunicorn) process for tests, on 127.0.0.1 only."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
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
    with kgpub_serve_process(workers=workers, wait_seconds=wait_seconds) as (url, _, _):
        yield url


@contextmanager
def kgpub_serve_process(
    workers: int = 2,
    wait_seconds: float = 30,
    env: dict[str, str] | None = None,
    log: Path | None = None,
) -> Iterator[tuple[str, subprocess.Popen[bytes], Path]]:
    """``kgpub serve`` with extra ``KGPUB_*`` variables; yields the base URL, the process
    (gunicorn's master) and the file its stderr goes to."""
    port = free_port()
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("KGPUB_")}
    full_env.update(env or {})
    log_path = log or Path(tempfile.mkstemp(prefix="kgpub-serve-", suffix=".log")[1])
    with log_path.open("wb") as err:
        proc = subprocess.Popen(
            [str(KGPUB), "serve", "--port", str(port), "--workers", str(workers)],
            cwd=ROOT,
            env=full_env,
            stdout=subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + wait_seconds
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"kgpub serve exited with {proc.returncode}: {log_path.read_text()}")
            try:
                with urllib.request.urlopen(url + "robots.txt", timeout=2):
                    break
            except (urllib.error.URLError, OSError):
                if time.monotonic() > deadline:
                    pytest.fail(f"kgpub serve did not answer within {wait_seconds:.0f} s")
                time.sleep(0.2)
        yield url, proc, log_path
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        if log is None:
            log_path.unlink(missing_ok=True)
