"""What the server refuses before any view or cache sees a request.

- A ``Host`` it does not serve: 400. Absolute links, the sitemap and robots.txt are built
  from the request's host, so a client-chosen ``Host`` must never reach them (nor the
  response cache's keys). With ``public_url`` set, every request is answered as if made
  to that address (scheme, host and path prefix), whichever trusted name it came by.
- A path with control characters (``/id/%0a``): 404, as no document has such a name.

This is WSGI middleware rather than a Flask hook because it must run before the response
cache in front of Flask.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from kgpub.config import Settings
from kgpub.web.headers import SECURITY_HEADERS

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

#: Names a server on this machine is always reachable by (health checks, tests).
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def host_name(host: str) -> str:
    """``host`` without its port, lower-cased (``[::1]:80`` → ``::1``)."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def trusted_hosts(settings: Settings) -> frozenset[str]:
    """The host names this server answers for."""
    names = {*LOOPBACK_NAMES, *(host_name(h) for h in settings.trusted_hosts)}
    if settings.public_url:
        names.add(host_name(urlsplit(settings.public_url).netloc))
    if settings.host not in ("0.0.0.0", "::", ""):
        names.add(host_name(settings.host))
    return frozenset(names)


class RequestGate:
    """Wraps a WSGI app; see the module docstring."""

    def __init__(self, app: WsgiApp, settings: Settings) -> None:
        self.app = app
        self.trusted = trusted_hosts(settings)
        self.public = urlsplit(settings.public_url) if settings.public_url else None

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        host = str(environ.get("HTTP_HOST") or environ.get("SERVER_NAME", ""))
        if host_name(host) not in self.trusted:
            return _plain(
                start_response,
                "400 Bad Request",
                f"This server does not answer for the host {host[:100]!r}.",
            )
        if _CONTROL.search(str(environ.get("PATH_INFO", ""))):
            return _plain(
                start_response, "404 Not Found", "No document has a name with control characters."
            )
        environ.pop("HTTP_X_FORWARDED_HOST", None)  # the host is settled here, not by a header
        if self.public is not None:
            environ["HTTP_HOST"] = self.public.netloc
            environ["wsgi.url_scheme"] = self.public.scheme
            environ["SCRIPT_NAME"] = self.public.path.rstrip("/")
        return self.app(environ, start_response)


def _plain(start_response: StartResponse, status: str, message: str) -> list[bytes]:
    body = f"{status}: {message}\n".encode()
    start_response(
        status,
        [
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", str(len(body))),
            *SECURITY_HEADERS.items(),
        ],
    )
    return [body]
