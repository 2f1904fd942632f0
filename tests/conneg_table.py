"""The content-negotiation table: what a server of kgpub's documents answers, request by request.

One table for every server that publishes them: ``kgpub serve`` (tests/test_server_gunicorn.py)
and nginx on a static export (tests/test_static_export.py) run it unchanged, over HTTP. Each
case names a request (path, headers) and what must come back: status, media type, the Vary
tokens (Accept-Encoding aside, which each server's compression adds in its own way), Location,
Link alternates, headers, the page's language, the language cookie, and a 304 on revalidation.
"""

from __future__ import annotations

import http.client
from dataclasses import dataclass, field
from urllib.parse import urlsplit

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
DOC = "/doc/haninge/vision"  # a resource that is not a municipality
MUNI = "/doc/haninge"  # a municipality: its overview also comes as CSV and JSON
LANGUAGE_HEADERS = frozenset({"Accept", "Accept-Language", "Cookie"})
ACCEPT_ONLY = frozenset({"Accept"})


@dataclass(frozen=True)
class Case:
    """A request and what its answer must be (None: not checked)."""

    name: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    status: int | tuple[int, ...] = 200
    media_type: str | None = None
    vary: frozenset[str] | None = None
    location: str | None = None
    lang: str | None = None  # the <html lang> of an HTML page
    contains: tuple[str, ...] = ()
    link: tuple[str, ...] = ()
    exact: dict[str, str] = field(default_factory=dict)
    cookie: str | None = None  # in Set-Cookie
    revalidate: bool = False  # If-None-Match with the ETag gives 304
    method: str = "GET"


def _accept(name: str, accept: str | None, media_type: str, path: str = DOC) -> Case:
    headers = {} if accept is None else {"Accept": accept}
    return Case(name, path, headers, 200, media_type)


def _refused(name: str, accept: str, path: str = DOC) -> Case:
    return Case(name, path, {"Accept": accept}, 406, "text/plain", ACCEPT_ONLY)


ACCEPT_CASES = [
    _accept("no Accept", None, "text/html"),
    _accept("empty Accept", "", "text/html"),
    _accept("*/*", "*/*", "text/html"),
    _accept("Turtle", "text/turtle", "text/turtle"),
    _accept("JSON-LD", "application/ld+json", "application/ld+json"),
    _accept("RDF/XML", "application/rdf+xml", "application/rdf+xml"),
    _accept("N-Triples", "application/n-triples", "application/n-triples"),
    _accept("q: Turtle over HTML", "text/html;q=0.5, text/turtle", "text/turtle"),
    _accept("q: the higher", "text/turtle;q=0.2, application/ld+json;q=0.9", "application/ld+json"),
    _accept("q: both lowered", "text/html;q=0.3, text/turtle;q=0.9", "text/turtle"),
    _accept("application/*", "application/*", "application/ld+json"),
    _accept("wildcard below", "text/*;q=0.1, application/rdf+xml;q=0.5", "application/rdf+xml"),
    _accept("XHTML alias", "application/xhtml+xml", "text/html"),
    _accept("a browser", BROWSER, "text/html"),
    _accept("*/* as a fallback", "image/png, */*;q=0.1", "text/html"),
    _accept("upper case", "TEXT/TURTLE", "text/turtle"),
    _accept("Turtle alias", "application/x-turtle", "text/turtle"),
    _accept("municipality CSV", "text/csv", "text/csv", MUNI),
    _accept("municipality JSON", "application/json", "application/json", MUNI),
    _accept("municipality CSV among others", "application/pdf, text/csv", "text/csv", MUNI),
    _refused("image only", "image/png"),
    _refused("q=0 refuses", "text/turtle;q=0"),
    _refused("CSV is no resource format", "application/pdf, text/csv"),
    _refused("pdf and refused Turtle", "application/pdf;q=1, text/turtle;q=0", MUNI),
    *(
        Case(f"odd Accept {accept!r}", DOC, {"Accept": accept}, (200, 406))
        for accept in (";;;", "text/", "*/*;q=x", "a/b/c/d", 'text/html;level="')
    ),
]

SUFFIX_CASES = [
    Case(f"suffix .{ext}", f"{MUNI}.{ext}", {"Accept": "image/png"}, 200, media_type)
    for ext, media_type in (
        ("ttl", "text/turtle"),
        ("jsonld", "application/ld+json"),
        ("rdf", "application/rdf+xml"),
        ("xml", "application/rdf+xml"),
        ("nt", "application/n-triples"),
        ("html", "text/html"),
        ("csv", "text/csv"),
        ("json", "application/json"),
    )
] + [
    Case("unknown suffix", f"{MUNI}.docx", {"Accept": "text/turtle"}, 404),
    Case("CSV suffix on a resource", f"{DOC}.csv", {}, 404),
    Case("a CSV table by name", f"{MUNI}.csv?table=budget&lang=en", {}, 200, "text/csv"),
]

LANGUAGE_CASES = [
    Case("sv by default", MUNI, {}, lang="sv", contains=("<h1>Haninge kommun</h1>",)),
    Case("Accept-Language en", MUNI, {"Accept-Language": "en"}, lang="en"),
    Case("en-GB", MUNI, {"Accept-Language": "en-GB,en;q=0.9"}, lang="en"),
    Case("sv-SE before en", MUNI, {"Accept-Language": "sv-SE, en;q=0.5"}, lang="sv"),
    Case("en before sv", MUNI, {"Accept-Language": "sv;q=0.4, en;q=0.8"}, lang="en"),
    Case("not offered", MUNI, {"Accept-Language": "de"}, lang="sv"),
    Case("nonsense", MUNI, {"Accept-Language": "!!!"}, lang="sv"),
    Case(
        "?lang= wins and is remembered",
        MUNI + "?lang=en",
        {"Accept-Language": "sv"},
        lang="en",
        vary=ACCEPT_ONLY,
        contains=("<h1>Haninge Municipality</h1>",),
        cookie="kgpub_lang=en",
    ),
    Case("the cookie", MUNI, {"Accept-Language": "sv", "Cookie": "kgpub_lang=en"}, lang="en"),
    Case("?lang= over the cookie", MUNI + "?lang=sv", {"Cookie": "kgpub_lang=en"}, lang="sv"),
    Case("HTML varies by language", DOC, {"Accept": "text/html"}, vary=LANGUAGE_HEADERS),
    Case("Turtle does not", DOC, {"Accept": "text/turtle"}, vary=ACCEPT_ONLY),
    Case("CSV in English", f"{MUNI}.csv?lang=en", {}, contains=("Goal set (IRI)",)),
    Case(
        "CSV by Accept-Language", f"{MUNI}.csv", {"Accept-Language": "sv"}, contains=("Målsamling",)
    ),
]

_ALTERNATES = tuple(
    f'rel="alternate"; type="{t}"'
    for t in ("text/html", "text/turtle", "application/ld+json", "application/rdf+xml")
)
HEADER_CASES = [
    Case("303 from /id/", "/id/haninge", {"Accept": "text/turtle"}, 303, location="/doc/haninge"),
    Case("303 deeper", "/id/haninge/vision", {}, 303, location="/doc/haninge/vision"),
    Case("303 on HEAD", "/id/haninge", {}, 303, location="/doc/haninge", method="HEAD"),
    Case(
        "document headers",
        MUNI,
        {"Accept": "text/turtle"},
        200,
        "text/turtle",
        ACCEPT_ONLY,
        link=(*_ALTERNATES, "</doc/haninge.ttl>", 'type="text/csv"'),
        exact={"Cache-Control": "public, max-age=60", "Access-Control-Allow-Origin": "*"},
        revalidate=True,
    ),
    Case("resource alternates", DOC, {}, link=(*_ALTERNATES, "</doc/haninge/vision.nt>")),
    Case("HTML revalidates", MUNI, {"Accept": "text/html"}, revalidate=True),
    Case("HEAD", MUNI, {"Accept": "text/turtle"}, 200, "text/turtle", method="HEAD"),
    Case("404 for a browser", "/doc/no/such/thing", {"Accept": "text/html"}, 404, "text/html"),
    Case("404 for a machine", "/doc/no/such/thing", {"Accept": "text/turtle"}, 404, "text/plain"),
    Case("404 elsewhere", "/nowhere", {}, 404),
    *(
        Case(f"odd path {p}", f"/doc/{p}", {"Accept": "text/turtle"}, 404)
        for p in ("a%20b", "a%3Eb")
    ),
    Case(
        "named graph",
        "/graph/haninge",
        {"Accept": "application/n-quads"},
        200,
        "application/n-quads",
    ),
    Case("named graph page", "/graph/haninge", {"Accept": "text/html"}, 200, "text/html"),
    Case("named graph TriG", "/graph/haninge.trig", {}, 200, "application/trig"),
    Case("no such graph", "/graph/nothing", {}, 404),
    Case("ontology", "/ontology", {"Accept": "text/turtle"}, 200, "text/turtle"),
    Case("ontology suffix", "/ontology.jsonld", {}, 200, "application/ld+json"),
    Case("shapes", "/shapes.ttl", {}, 200, "text/turtle"),
    Case("dataset", "/dataset", {"Accept": "text/turtle"}, 200, "text/turtle"),
    Case("dataset page", "/dataset?lang=en", {}, 200, "text/html", lang="en"),
    Case("home", "/?lang=sv", {}, 200, "text/html", lang="sv", contains=("/doc/haparanda",)),
    Case("dump", "/dumps/kgpub.nq", {}, 200, "application/n-quads"),
    Case("robots.txt", "/robots.txt", {}, 200, "text/plain", contains=("Sitemap: ",)),
    Case("sitemap", "/sitemap.xml", {}, 200, "application/xml", contains=("/doc/haninge<",)),
]

TABLE: list[Case] = ACCEPT_CASES + SUFFIX_CASES + LANGUAGE_CASES + HEADER_CASES


def _request(base: str, case: Case, extra: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    url = urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=30)
    try:
        conn.request(case.method, case.path, headers={**case.headers, **extra})
        resp = conn.getresponse()
        body = resp.read()
        # several Vary headers are one list
        headers: dict[str, str] = {}
        for name, value in resp.getheaders():
            key = name.title()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        return resp.status, headers, body
    finally:
        conn.close()


def check(base: str, case: Case) -> None:
    """Ask the server at ``base`` (``http://host:port/``) for ``case``; assert the answer."""
    status, headers, body = _request(base, case, {})
    wanted = case.status if isinstance(case.status, tuple) else (case.status,)
    assert status in wanted, (case.name, status, body[:300])
    if case.media_type is not None:
        assert headers.get("Content-Type", "").split(";")[0] == case.media_type, headers
    if case.vary is not None:
        tokens = {t.strip() for t in headers.get("Vary", "").split(",")} - {"Accept-Encoding", ""}
        assert tokens == case.vary, headers.get("Vary")
    if case.location is not None:
        assert urlsplit(headers["Location"]).path == case.location, headers["Location"]
    if case.lang is not None:
        assert f'<html lang="{case.lang}"' in body.decode(), case.name
    for text in case.contains:
        assert text in body.decode("utf-8-sig"), text
    for text in case.link:
        assert text in headers.get("Link", ""), (text, headers.get("Link"))
    for name, value in case.exact.items():
        assert headers.get(name) == value, (name, headers.get(name))
    if case.cookie is not None:
        assert case.cookie in headers.get("Set-Cookie", ""), headers
    if case.method == "HEAD":
        assert body == b""
    if case.revalidate:
        again, _, rest = _request(base, case, {"If-None-Match": headers["Etag"]})
        assert again == 304 and rest == b"", again
