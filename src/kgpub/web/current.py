"""The site the current request is served from (kept on the Flask app by ``create_app``)."""

from __future__ import annotations

from typing import cast

from flask import current_app

from kgpub.site.site import Site

EXTENSION = "kgpub_site"


def site() -> Site:
    return cast(Site, current_app.extensions[EXTENSION])
