"""A WSGI entry point for servers other than ``kgpub serve`` (``gunicorn kgpub.wsgi:app``).

Settings come from ``kgpub.toml`` in the working directory and ``KGPUB_*`` variables, as for
the command line. The data is validated and published when the module is imported; data
that does not conform stops the import with the report on stderr, so nothing invalid is
ever served.
"""

from __future__ import annotations

from flask import Flask

from kgpub.config import Settings
from kgpub.web.server import build


def _app() -> Flask:
    app = build(Settings.load())
    if app is None:
        raise SystemExit("kgpub.wsgi: the data cannot be published (see above)")
    return app


app = _app()
