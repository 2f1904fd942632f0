"""kgpub starts the same way from the command, ``python -m kgpub`` and a WSGI server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_python_dash_m_runs_the_command_line() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "kgpub", "--version"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0
    assert "0.1.0" in out.stdout + out.stderr


def test_the_wsgi_module_serves_the_validated_data() -> None:
    script = (
        "from kgpub.wsgi import app\n"
        "client = app.test_client()\n"
        "r = client.get('/doc/haninge.ttl')\n"
        "print(r.status_code, r.mimetype)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["200", "text/turtle"]


def test_the_wsgi_module_refuses_data_that_does_not_conform(tmp_path: Path) -> None:
    (tmp_path / "bad.ttl").write_text(
        "@prefix kgpub: <https://w3id.org/kgpub/ontology#> .\n<id/x> a kgpub:Goal .\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", "import kgpub.wsgi"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "KGPUB_DATA_DIR": str(tmp_path)},
    )
    assert out.returncode != 0
    assert "cannot be published" in out.stderr
