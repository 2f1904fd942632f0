"""The web layer (Flask, thin): read the request, call the core, write the response."""

from kgpub.web.app import create_app

__all__ = ["create_app"]
