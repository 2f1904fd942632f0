"""Turning descriptions into bytes: RDF serialisations and HTML pages."""
