"""`kgpub export --static DIR`: the files, the manifest, and nginx on them answering the same
content-negotiation table as `kgpub serve` (tests/conneg_table.py, run unchanged)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from conneg_table import TABLE, Case, check
from kgpub_server import free_port

ROOT = Path(__file__).resolve().parents[1]
KGPUB = Path(sys.executable).parent / "kgpub"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

pytestmark = pytest.mark.server


def export(out: Path, *extra: str, config: Path | None = None) -> subprocess.CompletedProcess[str]:
    argv = [str(KGPUB), "export", "--static", str(out), *extra]
    if config is not None:
        argv += ["--config", str(config)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("KGPUB_")}
    return subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def nginx(out: Path) -> subprocess.Popen[bytes]:
    # started by root, nginx's workers would be nobody, who cannot read pytest's folders
    user = " user root;" if os.geteuid() == 0 else ""
    return subprocess.Popen(
        [NGINX, "-p", str(out), "-c", str(out / "nginx.conf"), "-g", "daemon off;" + user],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def wait_for(url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    while True:
        if proc.poll() is not None:
            pytest.fail(f"nginx exited: {proc.stderr.read().decode() if proc.stderr else ''}")
        try:
            with urllib.request.urlopen(url + "robots.txt", timeout=2):
                return
        except (urllib.error.URLError, OSError):
            if time.monotonic() > deadline:
                pytest.fail("nginx did not answer")
            time.sleep(0.1)


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    if not Path(NGINX).exists():
        pytest.skip("nginx is not installed (scripts/system-deps.sh installs it)")
    out = tmp_path_factory.mktemp("static")
    port = free_port()
    done = export(out, "--listen", f"127.0.0.1:{port}")
    assert done.returncode == 0, done.stderr
    return out, port


@pytest.fixture(scope="module")
def site(exported: tuple[Path, int]) -> Iterator[str]:
    out, port = exported
    proc = nginx(out)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for(url, proc)
        yield url
    finally:
        proc.send_signal(signal.SIGQUIT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.mark.parametrize("case", TABLE, ids=lambda c: c.name)
def test_content_negotiation_table(site: str, case: Case) -> None:
    check(site, case)


def test_every_document_in_every_format_and_language(exported: tuple[Path, int]) -> None:
    root = exported[0] / "site"
    for lang in ("sv", "en"):
        assert (root / f"doc/haninge/vision.{lang}.html").is_file()
        assert (root / f"doc/haninge.{lang}.table-budget.csv").is_file()
        assert (root / f"index.{lang}.html").is_file()
    for ext in ("ttl", "jsonld", "rdf", "nt"):
        assert (root / f"doc/se/environmental-objective/frisk-luft.{ext}").is_file()
        assert (root / f"dataset.{ext}").is_file()
    for name in ("kgpub.ttl", "kgpub.nt.gz", "kgpub.trig", "kgpub.nq"):
        assert (root / "dumps" / name).stat().st_size > 1000
    assert (root / "graph/haninge.nq").is_file()
    assert (root / "static/kgpub.css").is_file()
    assert (exported[0] / "manifest.json").is_file()


def test_pages_link_to_the_address_nginx_listens_on(exported: tuple[Path, int]) -> None:
    out, port = exported
    html = (out / "site/doc/haninge.sv.html").read_text()
    assert f'href="http://127.0.0.1:{port}/doc/haninge/vision"' in html
    robots = (out / "site/robots.txt").read_text()
    assert f"Sitemap: http://127.0.0.1:{port}/sitemap.xml" in robots


def _project(tmp: Path) -> Path:
    """A copy of the repository's data with its own settings file."""
    shutil.copytree(ROOT / "data", tmp / "data")
    (tmp / "kgpub.toml").write_text(
        f'ontology = ["{ROOT}/ontology/kgpub.ttl"]\n'
        f'shapes = ["{ROOT}/shapes/kgpub-shapes.ttl"]\ndata_dir = "data"\n'
    )
    return tmp / "kgpub.toml"


def _mtimes(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()}


def test_the_export_is_incremental(tmp_path: Path) -> None:
    config = _project(tmp_path / "project")
    out = tmp_path / "out"
    assert export(out, config=config).returncode == 0
    before = _mtimes(out / "site")
    again = export(out, config=config)
    assert again.returncode == 0
    assert "0 rendered, 0 files written" in again.stderr
    assert _mtimes(out / "site") == before
    # one source changes: its graph is rendered again, the other graphs are not rewritten
    source = next((tmp_path / "project/data").rglob("haparanda*.ttl"))
    source.write_text(source.read_text() + "\n# a comment changes the source, not the data\n")
    third = export(out, config=config)
    assert third.returncode == 0, third.stderr
    after = _mtimes(out / "site")
    assert after["graph/haninge.ttl"] == before["graph/haninge.ttl"]
    assert after["doc/haninge.ttl"] == before["doc/haninge.ttl"]  # same bytes: not rewritten
    assert after.keys() == before.keys()


EXTRA = """@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<id/extra/page> a foaf:Document ; rdfs:label "En sida"@sv .
"""


def test_a_vanished_document_is_removed(tmp_path: Path) -> None:
    config = _project(tmp_path / "project")
    extra = tmp_path / "project/data/extra.ttl"
    extra.write_text(EXTRA)
    out = tmp_path / "out"
    first = export(out, config=config)
    assert first.returncode == 0, first.stderr
    assert (out / "site/graph/extra.ttl").is_file()
    assert (out / "site/doc/extra/page.en.html").is_file()
    extra.unlink()
    done = export(out, config=config)
    assert done.returncode == 0, done.stderr
    assert not (out / "site/graph/extra.ttl").exists()
    assert not (out / "site/doc/extra/page.en.html").exists()
    assert (out / "site/doc/haninge.ttl").is_file()


def test_a_sitemap_index_above_fifty_thousand_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    from kgpub.config import Settings
    from kgpub.export import static
    from kgpub.publish.publisher import Publisher
    from kgpub.publish.sources import load_snapshot
    from kgpub.site.site import Site

    settings = Settings.load(root=ROOT, env={})
    publisher = Publisher(settings)
    publisher.swap(load_snapshot(settings))
    monkeypatch.setattr(static, "SITEMAP_MAX", 50)
    files = dict(static.sitemaps(Site(publisher), "http://example.org/"))
    assert "<sitemapindex" in files["sitemap.xml"].decode()
    assert "http://example.org/sitemap-2.xml" in files["sitemap.xml"].decode()
    parts = [v.decode() for k, v in files.items() if k != "sitemap.xml"]
    assert len(parts) >= 2 and all(p.count("<url>") <= 50 for p in parts)


@pytest.mark.parametrize("listen", ["8080", "127.0.0.1:", "host:99999", "a b:80"])
def test_a_bad_listen_address_is_refused(tmp_path: Path, listen: str) -> None:
    done = export(tmp_path / "out", "--listen", listen)
    assert done.returncode == 2
    assert "HOST:PORT" in done.stderr


def test_export_wants_a_folder() -> None:
    done = subprocess.run([str(KGPUB), "export"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "--static DIR" in done.stderr
