"""`kgpub serve` as a real gunicorn process on a free 127.0.0.1 port."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from conneg_table import TABLE, Case, check
from kgpub_server import free_port, kgpub_serve

ROOT = Path(__file__).resolve().parents[1]
KGPUB = Path(sys.executable).parent / "kgpub"

pytestmark = pytest.mark.server


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """``kgpub serve`` (gunicorn) on a free 127.0.0.1 port; yields its base URL."""
    with kgpub_serve() as url:
        yield url


def test_303_and_documents(server: str) -> None:
    opener = urllib.request.build_opener(_NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as info:
        opener.open(urllib.request.Request(server + "id/haninge"))
    assert info.value.code == 303
    assert info.value.headers["Location"].endswith("/doc/haninge")
    req = urllib.request.Request(server + "doc/haninge", headers={"Accept": "text/turtle"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.headers["Content-Type"] == "text/turtle; charset=utf-8"
        assert b"Haninge kommun" in resp.read()
    req = urllib.request.Request(server + "doc/haninge", headers={"Accept": "text/html"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        html = resp.read().decode()
    assert f'href="{server}doc/haninge/vision"' in html


def test_dataset_dump_and_404(server: str) -> None:
    with urllib.request.urlopen(server + "dumps/kgpub.nq", timeout=10) as resp:
        body = resp.read()
        assert int(resp.headers["Content-Length"]) == len(body)
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(server + "doc/nothing-here", timeout=10)
    assert info.value.code == 404


def test_invalid_data_is_refused(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            str(KGPUB),
            "serve",
            "--config",
            str(ROOT / "tests/fixtures/violating/kgpub.toml"),
            "--port",
            str(free_port()),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={k: v for k, v in os.environ.items() if not k.startswith("KGPUB_")},
    )
    assert proc.returncode == 1
    assert "refusing" in proc.stderr


@pytest.mark.parametrize("case", TABLE, ids=lambda c: c.name)
def test_content_negotiation_table(server: str, case: Case) -> None:
    check(server, case)
