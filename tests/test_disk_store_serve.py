"""``kgpub serve`` on a disk store (RocksDB), under gunicorn: pages answer, and stopping the
server ends every worker cleanly (a worker forked from the master that opened the store
must not run RocksDB's destructor, whose background threads stayed in the master)."""

from __future__ import annotations

import urllib.request
from pathlib import Path

from kgpub_server import kgpub_serve_process


def test_a_disk_store_serves_and_stops_without_a_worker_aborting(tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    env = {
        "KGPUB_STORE": "disk",
        "KGPUB_STORE_PATH": str(tmp_path / "store"),
        "KGPUB_FRONT": "none",
    }
    with kgpub_serve_process(workers=2, wait_seconds=60, env=env, log=log) as (url, proc, _):
        for path in ("doc/haninge", "doc/haparanda.ttl", "sparql?query=ASK%7B%7D"):
            with urllib.request.urlopen(url + path, timeout=10) as response:
                assert response.status == 200
    text = log.read_text()
    assert proc.returncode == 0, text
    assert "terminate called" not in text, text
    assert "was sent SIG" not in text, text


def test_a_worker_leaving_keeps_the_exit_status_gunicorn_gave_it() -> None:
    """A worker that failed to boot exits with gunicorn's boot-error status (which makes the
    master stop rather than fork it again), not with 0."""
    import os

    from kgpub.web.server import leave_worker

    def worker_exiting_with(status: int) -> int:
        pid = os.fork()
        if pid == 0:
            try:
                try:
                    raise SystemExit(status)
                finally:
                    leave_worker(None, None)
            finally:
                os._exit(99)  # not reached when leave_worker leaves
        return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])

    assert worker_exiting_with(3) == 3
    assert worker_exiting_with(0) == 0
