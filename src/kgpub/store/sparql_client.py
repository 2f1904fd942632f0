"""SPARQL 1.1 Protocol requests that every server takes, over kept-alive connections.

- Reads are ``GET ?query=…`` or, when the URL would be longer than servers accept (or
  ``remote_read_method = "post"``), a form-encoded ``POST`` (``query=…``). Both are required
  of every SPARQL 1.1 server; a ``POST`` of ``application/sparql-query`` is not answered by
  all (Virtuoso 7 never answers it).
- Updates are ``POST`` bodies of ``application/sparql-update`` (no form limits apply: Jetty,
  under Fuseki, refuses forms over 200 KB).
- Errors become kgpub's: :class:`StoreRefused` (with the server's reason shortened to one
  readable line, never the echo of a whole request), :class:`~kgpub.errors.StoreUnavailable`
  when the server cannot be reached or does not answer in time.

Opening a connection costs more than most of kgpub's queries; each thread keeps one per
server (~7x faster than a new connection per request, as SPARQLWrapper through urllib
does). A connection inherited through ``fork`` is forgotten, never used or closed.
"""

from __future__ import annotations

import contextlib
import html
import http.client
import os
import re
import threading
import urllib.parse
import weakref
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from kgpub.errors import BadRequest, StoreUnavailable

#: Longest URL a read is sent as with ``GET`` under ``auto`` (Virtuoso answers 400 to long
#: request lines; 4,000 characters is under every server's and proxy's default limit).
MAX_GET_URL = 4000
#: Longest server reason kept in an error message.
MAX_REASON = 200

ReadMethod = Literal["auto", "get", "post"]


class StoreRefused(StoreUnavailable):
    """The server answered but refused the request (no update endpoint, 4xx, 5xx)."""


@dataclass(frozen=True)
class Endpoint:
    """Where requests go: a parsed endpoint URL and its dataset parameters (if any)."""

    url: str
    parts: urllib.parse.SplitResult
    path: str

    @classmethod
    def parse(cls, url: str) -> Endpoint:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise StoreUnavailable(f"the triplestore endpoint {url!r} is not an http(s) URL")
        return cls(url, parts, parts.path or "/")

    def target(self, params: str) -> str:
        """The request target with ``params`` added to the endpoint's own query string."""
        query = "&".join(q for q in (self.parts.query, params) if q)
        return self.path + (f"?{query}" if query else "")


def dataset_params(default_graph_uris: Sequence[str], named_graph_uris: Sequence[str]) -> str:
    """``default-graph-uri=…&named-graph-uri=…`` (the protocol's dataset), URL-encoded."""
    pairs = [("default-graph-uri", u) for u in default_graph_uris]
    pairs += [("named-graph-uri", u) for u in named_graph_uris]
    return urllib.parse.urlencode(pairs)


class SparqlClient:
    """Sends reads and updates to one server; see the module docstring."""

    def __init__(
        self,
        query_endpoint: str,
        update_endpoint: str | None,
        *,
        timeout: float,
        read_method: ReadMethod = "auto",
    ) -> None:
        self.query = Endpoint.parse(query_endpoint)
        self.update_to = Endpoint.parse(update_endpoint) if update_endpoint else None
        self.timeout = timeout
        self.read_method = read_method
        self._local = threading.local()
        _LIVE.add(self)

    # -- requests -----------------------------------------------------------------------

    def read(
        self, query: str, accept: str, dataset: str = "", *, user: bool = False
    ) -> tuple[bytes, str]:
        """The body and content type of the server's answer to ``query`` (``dataset``: see
        :func:`dataset_params`). A 400 means the query was refused: a
        :class:`~kgpub.errors.BadRequest` when the query is a user's (``user``), otherwise
        kgpub's own query failed on this server, a :class:`StoreRefused`."""
        encoded = urllib.parse.urlencode({"query": query})
        params = f"{dataset}&{encoded}" if dataset else encoded
        headers = {"Accept": accept}
        target = self.query.target(params)
        method = self.read_method
        request: tuple[str, str, bytes | None, dict[str, str]]
        if method == "post" or (method == "auto" and len(target) > MAX_GET_URL):
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            request = ("POST", self.query.target(""), params.encode("ascii"), headers)
        else:
            request = ("GET", target, None, headers)
        with self.failures("query", self.query.url, user=user):
            return self._send(self.query, *request)
        raise AssertionError("unreachable")  # pragma: no cover

    def update(self, request: str) -> None:
        """Send one SPARQL Update request (one transaction on the server)."""
        if self.update_to is None:
            raise StoreRefused(
                f"the triplestore at {self.query.url} has no update endpoint configured "
                "(set remote_update_endpoint), so it cannot be written to"
            )
        headers = {"Content-Type": "application/sparql-update; charset=utf-8", "Accept": "*/*"}
        body = request.encode("utf-8")
        with self.failures("update", self.update_to.url):
            self._send(self.update_to, "POST", self.update_to.target(""), body, headers)

    # -- plumbing -----------------------------------------------------------------------

    def _connection(self, where: Endpoint, fresh: bool) -> http.client.HTTPConnection:
        """This thread's kept-alive connection to ``where``'s host (per process)."""
        key = (where.parts.scheme, where.parts.netloc)
        conns: dict[tuple[str, str], tuple[int, http.client.HTTPConnection]] = getattr(
            self._local, "conns", {}
        )
        self._local.conns = conns
        held = conns.get(key)
        if held is not None and (fresh or held[0] != os.getpid()):
            if held[0] == os.getpid():
                held[1].close()
            else:
                forget(held[1])
            held = None
        if held is None:
            https = where.parts.scheme == "https"
            cls = http.client.HTTPSConnection if https else http.client.HTTPConnection
            held = (os.getpid(), cls(where.parts.netloc, timeout=self.timeout))
            conns[key] = held
        return held[1]

    def _send(
        self,
        where: Endpoint,
        method: str,
        target: str,
        body: bytes | None,
        headers: dict[str, str],
    ) -> tuple[bytes, str]:
        """Send a request over a kept-alive connection; a stale one (closed by the server)
        is retried once on a new connection. HTTP errors raise :class:`_HttpError`."""
        for attempt in (0, 1):
            conn = self._connection(where, fresh=attempt > 0)
            try:
                conn.request(method, target, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                conn.close()
                if attempt:
                    raise
                continue
            except BaseException:
                conn.close()
                raise
            ctype = response.headers.get("Content-Type", "") or ""
            if response.status >= 400:
                raise _HttpError(response.status, response.reason, reason_of(data, ctype))
            return data, ctype
        raise AssertionError("unreachable")  # pragma: no cover

    @contextlib.contextmanager
    def failures(self, what: str, endpoint: str, *, user: bool = False) -> Iterator[None]:
        """Turn what http.client raises into kgpub's errors (see :meth:`read`)."""
        try:
            yield
        except _HttpError as exc:
            said = f"HTTP {exc.status} {exc.phrase}".strip() + (
                f": {exc.reason}" if exc.reason else ""
            )
            if exc.status == 400 and user:
                raise BadRequest(
                    f"the triplestore at {endpoint} rejected the {what}: {said}"
                ) from None
            raise StoreRefused(
                f"the triplestore at {endpoint} refused the {what}: {said}"
            ) from None
        except ConnectionError as exc:
            raise StoreUnavailable(
                f"the triplestore at {endpoint} cannot be reached: {exc.strerror or exc}"
            ) from None
        except TimeoutError:
            raise StoreUnavailable(
                f"the triplestore at {endpoint} did not answer within {self.timeout:g} s"
            ) from None
        except (OSError, http.client.HTTPException) as exc:
            raise StoreUnavailable(
                f"the triplestore at {endpoint} failed: {type(exc).__name__}: {exc}"
            ) from None


class _HttpError(Exception):
    def __init__(self, status: int, phrase: str, reason: str) -> None:
        super().__init__(status)
        self.status = status
        self.phrase = phrase
        self.reason = reason


_TAG = re.compile(r"<[^>]*>")
_ERROR_LINE = re.compile(r"error|exception|refused|not allowed|exceed|too large|larger", re.I)
_ECHO = re.compile(r"^(SPARQL query:|SPARQL request:|Query:)", re.I)


def reason_of(body: bytes, content_type: str = "") -> str:
    """The server's reason for an error, as one short readable line.

    Servers answer errors in many shapes: Virtuoso a text whose first line says what is
    wrong, followed by the whole request echoed back (66 KB for a large update); Jetty an
    HTML page. The longest of the first lines that read like an error (else the first
    non-empty line) is kept, without markup, cut at :data:`MAX_REASON` characters.
    """
    text = body[:65536].decode("utf-8", errors="replace")
    if "html" in content_type or text.lstrip().startswith("<"):
        text = html.unescape(_TAG.sub("\n", text))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    lines = [line for line in lines if line]
    lines = lines[: next((i for i, line in enumerate(lines) if _ECHO.match(line)), len(lines))]
    telling = [line for line in lines[:20] if _ERROR_LINE.search(line)]
    chosen = max(telling, key=len) if telling else lines[0] if lines else ""
    return chosen if len(chosen) <= MAX_REASON else chosen[: MAX_REASON - 1] + "…"


def forget(conn: http.client.HTTPConnection) -> None:
    """Drop a connection inherited through fork without closing its descriptor.

    The descriptor belongs to the parent; in the child it may already have been closed and
    its number reused (a query worker's own socket). Letting the garbage collector close
    it would close that other socket.
    """
    sock = conn.sock
    conn.sock = None
    if sock is not None:
        sock.detach()


#: Every client of this process, so a forked child can forget inherited connections.
_LIVE: weakref.WeakSet[SparqlClient] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for client in list(_LIVE):
        conns = getattr(client._local, "conns", {})
        for _pid, conn in conns.values():
            forget(conn)
        conns.clear()


os.register_at_fork(after_in_child=_after_fork_in_child)
