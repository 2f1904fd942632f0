"""kgpub: publish municipal strategy data (visions, goals, targets...) as validated linked data.

The package is organised as described in ``DESIGN.md``: folders are the parts
(``publish/``, ``site/``, ``sparql/``, ``store/``, ``rendering/``, ``web/``), with the
shared modules (settings, errors, vocabulary, URIs, formats, negotiation, the command line)
at the top.
"""

__version__ = "0.1.0"
