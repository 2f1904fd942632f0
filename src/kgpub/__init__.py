"""kgpub: publish municipal strategy data (visions, goals, targets...) as validated linked data.

The package is organised as described in ``DESIGN.md``: settings (:mod:`kgpub.config`),
loading Turtle sources (:mod:`kgpub.loading`), SHACL validation (:mod:`kgpub.validation`),
the URI scheme (:mod:`kgpub.uris`) and the command line (:mod:`kgpub.cli`).
"""

__version__ = "0.1.0"
