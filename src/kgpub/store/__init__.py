"""Where the published quads live: the Store protocol and its implementations."""

from kgpub.store.base import Store
from kgpub.store.embedded import EmbeddedStore

__all__ = ["EmbeddedStore", "Store"]
