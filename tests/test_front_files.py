"""The nginx in front of ``kgpub serve`` answers documents rendered ahead from their files
(``kgpub.web.front_files``): the same bytes and headers as the app, without the app; and
everything it cannot answer exactly as the app would still reaches the app."""

from __future__ import annotations

import gzip
import http.client
import os
import re
import shutil
import signal
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from kgpub.site.ahead import COMPLETE
from kgpub.web import front
from kgpub.web.front_files import PLAIN_ACCEPT, PLAIN_COOKIES, PLAIN_LANGUAGES
from kgpub_server import ROOT, kgpub_serve_process

pytestmark = pytest.mark.server

DOC = "/doc/haninge/vision"
#: What must be equal whoever answers.
SAME = (
    "Vary",
    "Content-Type",
    "Content-Length",
    "Link",
    "ETag",
    "Last-Modified",
    "Cache-Control",
    "Access-Control-Allow-Origin",
    "Access-Control-Expose-Headers",
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "X-Frame-Options",
)


@pytest.mark.parametrize(
    "accept",
    [
        "",
        "*/*",
        "text/turtle",
        "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        "text/html;q=0.5, text/turtle",
        "application/ld+json;profile=expanded",
        "text/turtle;q=1.0, */*;q=.1",
    ],
)
def test_plain_accept_headers_are_answered_from_files(accept: str) -> None:
    assert re.match(PLAIN_ACCEPT, accept)


@pytest.mark.parametrize(
    "accept",
    ["text/turtle;q=0.55", "*/*;q=x", ";;;", "text/", 'text/html;level="1"', "a/b/c"],
)
def test_other_accept_headers_go_to_the_app(accept: str) -> None:
    assert not re.match(PLAIN_ACCEPT, accept)


def test_language_and_cookie_grammar() -> None:
    assert re.match(PLAIN_LANGUAGES, "sv-SE, en;q=0.5")
    assert re.match(PLAIN_LANGUAGES, "en-GB,en;q=0.9")
    assert not re.match(PLAIN_LANGUAGES, "en;q=0.5, *")  # the app's * ranks by quality
    assert not re.match(PLAIN_LANGUAGES, "sv;q=0.45, en;q=0.4")
    assert re.match(PLAIN_COOKIES, "kgpub_lang=en; other=1")
    assert not re.match(PLAIN_COOKIES, 'kgpub_lang="en"')


def _get(
    url: str, path: str, headers: dict[str, str], timeout: float = 10
) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        found: dict[str, str] = {}
        for name, value in resp.getheaders():
            key = name.lower()
            found[key] = f"{found[key]}, {value}" if key in found else value
        body = resp.read()
        if found.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        return resp.status, found, body
    finally:
        conn.close()


def _web_workers(master: int) -> list[int]:
    """gunicorn's workers: the master's live children other than nginx."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        comm_end = stat.rindex(")")
        state, ppid = stat[comm_end + 2 :].split()[:2]
        if int(ppid) == master and state != "Z" and "nginx" not in stat[: comm_end + 1]:
            found.append(int(entry.name))
    return found


@contextmanager
def _app_stopped(master: int) -> Iterator[None]:
    """The app's processes stopped (SIGSTOP): only nginx answers."""
    workers = _web_workers(master)
    assert workers
    for pid in workers:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in workers:
            os.kill(pid, signal.SIGCONT)


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, int]]:
    """``kgpub serve`` with nginx in front, once every document is rendered ahead (into a
    directory nginx's workers may read)."""
    ahead = Path(tempfile.mkdtemp(prefix="kgpub-front-files-"))
    ahead.chmod(0o755)
    try:
        with kgpub_serve_process(workers=1, env={"KGPUB_AHEAD_PATH": str(ahead)}) as (
            url,
            proc,
            log,
        ):
            _complete(ahead, log)
            yield url, proc.pid
    finally:
        shutil.rmtree(ahead, ignore_errors=True)


CASES = [
    (DOC + ".ttl", {}),
    (DOC, {"Accept": "text/turtle"}),
    (DOC, {"Accept": "application/ld+json"}),
    (DOC + ".nt", {"Accept": "image/png"}),
    (DOC + ".TTL", {}),  # a suffix in any case, as the app reads it
    (DOC, {}),
    (DOC, {"Accept-Language": "en-GB,en;q=0.9"}),
    (DOC + ".html", {"Cookie": "kgpub_lang=en"}),
    (DOC, {"Accept": "text/html", "Accept-Encoding": "gzip"}),
]


@pytest.mark.parametrize(("path", "headers"), CASES)
def test_the_front_answers_as_the_app_does_without_the_app(
    served: tuple[str, int], path: str, headers: dict[str, str]
) -> None:
    url, master = served
    # a query string the document ignores takes the request to the app
    app_status, app_headers, app_body = _get(url, path + "?via=app", headers)
    with _app_stopped(master):
        status, front_headers, body = _get(url, path, headers, timeout=5)
    assert (status, body) == (app_status, app_body) == (200, app_body)
    for name in SAME:
        if name in ("ETag", "Content-Length") and "Accept-Encoding" in headers:
            continue  # each compresses in its own way (and tags it in its own way)
        assert front_headers.get(name.lower()) == app_headers.get(name.lower()), name


def test_the_front_revalidates_with_the_snapshot_etag(served: tuple[str, int]) -> None:
    url, master = served
    _, headers, _ = _get(url, DOC + ".ttl?via=app", {})
    with _app_stopped(master):
        status, answer, body = _get(url, DOC + ".ttl", {"If-None-Match": headers["etag"]}, 5)
    assert (status, body) == (304, b"")
    assert answer["etag"] == headers["etag"]


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        ('"old", {tag}', 304),  # a client (or a cache) that holds several versions
        ('"old" , W/{tag},"older"', 304),
        ("*", 304),
        ('"old", "older"', 200),
    ],
)
def test_the_front_revalidates_a_list_of_etags_as_the_app_does(
    served: tuple[str, int], names: str, expected: int
) -> None:
    url, master = served
    _, headers, _ = _get(url, DOC + ".ttl?via=app", {})
    asked = {"If-None-Match": names.format(tag=headers["etag"])}
    app_status, _, _ = _get(url, DOC + ".ttl?via=app", asked)
    with _app_stopped(master):
        status, _, _ = _get(url, DOC + ".ttl", asked, 5)
    assert status == app_status == expected


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        (DOC + "?lang=en", {}),  # a query string
        ("/doc/haninge", {"Accept": "text/turtle"}),  # a municipality: more formats
        (DOC, {"Accept": "text/turtle;q=0.55"}),  # a quality the rules round
        ("/doc/no/such/thing", {}),  # no file: the app's 404
        (DOC, {"Host": "localhost"}),  # a page links to the address it was rendered for
        (DOC + ".ttl", {"Host": "evil.example"}),  # a host the app refuses
    ],
)
def test_what_the_front_cannot_answer_exactly_waits_for_the_app(
    served: tuple[str, int], path: str, headers: dict[str, str]
) -> None:
    url, master = served
    with _app_stopped(master), pytest.raises(TimeoutError):
        _get(url, path, headers, timeout=1)


@pytest.mark.skipif(os.geteuid() != 0, reason="nginx's workers run as nobody only under root")
def test_a_folder_nginx_cannot_read_is_noticed() -> None:
    top = Path(tempfile.mkdtemp(prefix="kgpub-front-read-"))  # /tmp is searchable by all
    try:
        top.chmod(0o755)
        (top / "open").mkdir(mode=0o755)
        (top / "shut").mkdir(mode=0o700)
        assert front.workers_can_read(top / "open" / "not-made-yet")
        assert not front.workers_can_read(top / "shut" / "not-made-yet")
    finally:
        shutil.rmtree(top)


def test_a_new_snapshot_is_answered_from_its_own_files() -> None:
    top = Path(tempfile.mkdtemp(prefix="kgpub-front-reload-"))
    top.chmod(0o755)
    shutil.copytree(ROOT / "data", top / "data")
    ahead = top / "ahead"
    env = {"KGPUB_DATA_DIR": str(top / "data"), "KGPUB_AHEAD_PATH": str(ahead)}
    try:
        with kgpub_serve_process(workers=1, env=env) as (url, proc, log):
            first = _complete(ahead, log)
            with (top / "data" / "haninge.ttl").open("a", encoding="utf-8") as fh:
                fh.write('\n<id/haninge/vision> rdfs:comment "Published again."@en .\n')
            proc.send_signal(signal.SIGHUP)
            _complete(ahead, log, other_than=first)
            with _app_stopped(proc.pid):
                status, _, body = _get(url, DOC + ".ttl", {}, timeout=5)
            assert status == 200
            assert b"Published again." in body
    finally:
        shutil.rmtree(top, ignore_errors=True)


def _complete(ahead: Path, log: Path, other_than: Path | None = None) -> Path:
    """The directory of documents rendered ahead once it is complete (another than
    ``other_than``)."""
    deadline = time.monotonic() + 120
    while True:
        done = [p.parent for p in ahead.glob(f"*/{COMPLETE}") if p.parent != other_than]
        if done:
            return done[0]
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.2)
