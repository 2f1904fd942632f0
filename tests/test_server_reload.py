"""Publishing new data into a running ``kgpub serve``: SIGHUP to gunicorn's master loads,
validates and publishes the sources again; bad data is reported and the last good snapshot
keeps being served."""

from __future__ import annotations

import shutil
import signal
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from kgpub_server import ROOT, kgpub_serve_process

pytestmark = pytest.mark.server

EXTRA = '\n<id/haninge> rdfs:comment "Reloaded without a restart."@en .\n'


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as resp:
        return str(resp.read().decode())


def wait_for(check: Callable[[], bool], seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def test_sighup_publishes_new_data_and_keeps_the_last_good(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    env = {"KGPUB_DATA_DIR": str(data)}
    with kgpub_serve_process(env=env, log=tmp_path / "serve.log") as (url, proc, log):
        doc = url + "doc/haninge.ttl"
        assert "Reloaded without a restart" not in fetch(doc)

        with (data / "haninge.ttl").open("a", encoding="utf-8") as fh:
            fh.write(EXTRA)
        proc.send_signal(signal.SIGHUP)
        assert wait_for(lambda: "Reloaded without a restart" in fetch(doc)), log.read_text()
        assert "published snapshot" in log.read_text()
        sparql = (
            url
            + "sparql?query="
            + urllib.parse.quote('ASK { ?s ?p "Reloaded without a restart."@en }')
        )
        assert '"boolean":true' in fetch(sparql).replace(" ", "")

        good = (data / "haninge.ttl").read_text(encoding="utf-8")
        (data / "haninge.ttl").write_text(good + "\n<id/haninge> rdfs:label \n", "utf-8")
        proc.send_signal(signal.SIGHUP)
        assert wait_for(lambda: "reload refused" in log.read_text()), log.read_text()
        text = log.read_text()
        assert "haninge.ttl:" in text  # the file and line of the syntax error
        assert "still serving snapshot" in text
        # new workers were started, and they serve the last good data
        assert "Reloaded without a restart" in fetch(doc)
        assert proc.poll() is None
        assert "Traceback" not in log.read_text()
