"""A WSGI response cache in front of Flask for resource documents.

A document's bytes and headers are a pure function of the snapshot and of the request's
path, query and negotiation headers, so a repeated request is answered from memory without
entering Flask. Conditional requests (If-None-Match / If-Modified-Since), other methods,
responses that set cookies and anything but 200 go through the app as usual. Entries are
keyed by the snapshot digest, and emptied when the store's contents are replaced, so a
newly published snapshot is never answered from the old.

SPARQL GET requests go through the same cache (when the query cache is on): an answer is a
pure function of the snapshot, the query string and the negotiation headers, exactly as the
query pool's own answer cache assumes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, urlencode

from kgpub.cache import ByteBoundedCache
from kgpub.negotiation import LANG_COOKIE
from kgpub.publish.publisher import Publisher
from kgpub.store.base import contents_identity

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

_KEY_HEADERS = (
    "PATH_INFO",
    "HTTP_ACCEPT",
    "HTTP_ACCEPT_LANGUAGE",
    "HTTP_ACCEPT_ENCODING",
    "HTTP_HOST",
    "SERVER_NAME",
    "SERVER_PORT",
    "SCRIPT_NAME",
    "wsgi.url_scheme",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PROTO",
)
#: The query parameters that change an answer, by path prefix: the others (a crawler's
#: ``?utm_source=``, a cache-buster) are left out of the key, so they cannot fill the cache.
_MEANINGFUL_PARAMS = {
    "/doc/": frozenset({"lang", "table"}),
    "/sparql": frozenset(
        {"query", "default-graph-uri", "named-graph-uri", "format", "output", "lang"}
    ),
}
#: A cached answer: status line, headers, body.
_Entry = tuple[str, list[tuple[str, str]], bytes]

_BYPASS = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_RANGE", "HTTP_IF_RANGE")


class DocumentResponseCache:
    """Wraps a WSGI app; caches complete 200 responses under ``prefixes``."""

    def __init__(
        self,
        app: WsgiApp,
        publisher: Publisher,
        prefixes: tuple[str, ...] = ("/doc/",),
        max_bytes: int = 64 << 20,
        max_body: int = 1 << 20,
    ) -> None:
        self.app = app
        self.publisher = publisher
        self.prefixes = prefixes
        self.max_body = max_body
        self._entries: ByteBoundedCache[tuple[str, ...], _Entry] = ByteBoundedCache(
            max_bytes, entry_size
        )
        self._lock = threading.Lock()
        self._data: object = None

    def _data_identity(self) -> object:
        """Changes whenever the store's contents are replaced (an embedded store's new
        pyoxigraph store, a remote store's new token after a write or a newer load), so
        answers cached before are never served after it."""
        return contents_identity(self.publisher.store)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        self.publisher.poll()  # a read-only host follows new `kgpub load`s (cheap otherwise)
        current = self.publisher.current
        if (
            current is None
            or environ.get("REQUEST_METHOD") != "GET"
            or not str(environ.get("PATH_INFO", "")).startswith(self.prefixes)
            or any(h in environ for h in _BYPASS)
        ):
            return self.app(environ, start_response)
        key = (
            current.digest,
            _query_key(str(environ.get("PATH_INFO", "")), str(environ.get("QUERY_STRING", ""))),
            _language_cookie(str(environ.get("HTTP_COOKIE", ""))),
            *(str(environ.get(h, "")) for h in _KEY_HEADERS),
        )
        data = self._data_identity()
        with self._lock:
            if data is not self._data:  # the store's contents were replaced underneath
                self._entries.clear()
                self._data = data
        hit = self._entries.get(key)
        if hit is not None:
            status, headers, body = hit
            start_response(status, list(headers))
            return [body]
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured["status"] = status
            captured["headers"] = headers
            return (
                start_response(status, headers, exc_info)
                if exc_info
                else start_response(status, headers)
            )

        result = self.app(environ, capture)
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        status = captured.get("status", "")
        headers = captured.get("headers", [])
        if (
            status.startswith("200")
            and len(body) <= self.max_body
            and not any(name.lower() == "set-cookie" for name, _ in headers)
        ):
            self._entries.put(key, (status, list(headers), body))
        return [body]


def entry_size(entry: _Entry) -> int:
    """The bytes a cached answer holds: its body and header text (no walk over nested
    values, as :func:`kgpub.cache.size_of` would do, on every distinct page)."""
    status, headers, body = entry
    return len(body) + len(status) + sum(len(name) + len(value) + 16 for name, value in headers)


def _query_key(path: str, query_string: str) -> str:
    """The query string with only the parameters that change the answer to ``path``."""
    names = next((v for prefix, v in _MEANINGFUL_PARAMS.items() if path.startswith(prefix)), None)
    if names is None:
        return query_string
    return urlencode([(k, v) for k, v in parse_qsl(query_string, True) if k in names])


def _language_cookie(cookie_header: str) -> str:
    """The one cookie that changes a page (its language); other cookies stay out of the key."""
    if LANG_COOKIE not in cookie_header:  # the common case: no parsing on the hot path
        return ""
    cookies = SimpleCookie()
    try:
        cookies.load(cookie_header)
    except CookieError:
        return ""
    morsel = cookies.get(LANG_COOKIE)
    return morsel.value if morsel is not None else ""
