"""The security headers every answer carries.

A strict Content-Security-Policy: scripts, styles, images and fonts only from this server,
no inline script or style (the templates keep theirs in ``static/``; the JSON-LD block in a
page is data, not script, and CSP does not apply to it), no plugins, no framing. Pages may
post forms only to this server. A response that sets its own policy keeps it: the
reconciliation preview's is stricter; the SPARQL query page's allows inline style (and
still no inline script), because its editor, YASGUI, styles itself from its script.
"""

from __future__ import annotations

from flask import Response


def _policy(style_src: str) -> str:
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            f"style-src {style_src}",
            "img-src 'self' data:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


CONTENT_SECURITY_POLICY = _policy("'self'")
#: The SPARQL query page's editor (YASGUI, from npm) sets styles from its script; the page
#: allows inline style, never inline script.
QUERY_PAGE_POLICY = _policy("'self' 'unsafe-inline'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}


_BY_LOWER_NAME = {name.lower(): (name, value) for name, value in SECURITY_HEADERS.items()}


def add_security_headers(response: Response) -> Response:
    """Each of :data:`SECURITY_HEADERS` the response does not set itself (one pass over its
    headers: werkzeug's ``setdefault`` looks each name up by raising and catching)."""
    present = {name.lower() for name in response.headers.keys()}  # noqa: SIM118
    for lower, (name, value) in _BY_LOWER_NAME.items():
        if lower not in present:
            response.headers.add(name, value)
    return response
