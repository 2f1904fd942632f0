"""``open_store(settings)``: the configured store, or a clear error.

- ``memory``: an empty embedded pyoxigraph store.
- ``disk``: the embedded store in ``store_path``. A missing or empty directory becomes a
  new store; an existing store is reopened (fast: nothing is re-parsed). Anything else in
  that place -- a file, a directory holding other files, a store whose last load did not
  finish, a store that cannot be opened (damaged, or locked by another process) -- is a
  :class:`~kgpub.errors.StoreUnavailable` error and nothing is created or overwritten.
- ``remote``: a :class:`~kgpub.store.remote.RemoteStore`; its query endpoint is asked
  ``ASK {}`` first, so an unreachable server fails at start with a clear message.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from kgpub.config import Settings
from kgpub.errors import ConfigError, StoreUnavailable
from kgpub.store.base import Store
from kgpub.store.embedded import EmbeddedStore
from kgpub.store.remote import RemoteStore

#: Written into an on-disk store while ``kgpub load`` writes to it, removed when it is done.
INCOMPLETE_MARKER = "KGPUB-LOAD-IN-PROGRESS"
#: Files every RocksDB directory (what pyoxigraph stores on disk) holds.
_ROCKSDB_FILES = ("CURRENT", "IDENTITY")


def open_store(settings: Settings, *, check: bool = True, allow_incomplete: bool = False) -> Store:
    """The store ``settings`` configure (see the module docstring).

    ``check=False`` skips the remote health check. ``allow_incomplete`` opens an on-disk
    store whose last load was interrupted (``kgpub load`` does, to finish the job).

    Raises:
        StoreUnavailable: the store cannot be opened or reached (the message says why).
        ConfigError: a required setting is missing.
    """
    if settings.store == "memory":
        return EmbeddedStore()
    if settings.store == "disk":
        if settings.store_path is None:
            raise ConfigError("setting 'store_path' is required when store = 'disk'")
        path = settings.resolve(settings.store_path)
        check_disk_store(path, allow_incomplete=allow_incomplete)
        try:
            return EmbeddedStore(path)
        except OSError as exc:
            raise StoreUnavailable(_open_failure(path, exc)) from None
    if settings.store == "remote":
        if not settings.remote_query_endpoint:
            raise ConfigError("setting 'remote_query_endpoint' is required when store = 'remote'")
        method = settings.remote_read_method
        store = RemoteStore(
            settings.remote_query_endpoint,
            settings.remote_update_endpoint,
            timeout=settings.remote_timeout,
            base_iri=settings.base_iri,
            read_method="get" if method == "get" else "post" if method == "post" else "auto",
            max_update_bytes=settings.remote_update_max_bytes,
            max_update_triples=settings.remote_update_max_triples,
        )
        if check:
            store.check()
        return store
    raise ConfigError(f"setting 'store' has an unknown value {settings.store!r}")


def check_disk_store(path: Path, *, allow_incomplete: bool = False) -> None:
    """Raise :class:`StoreUnavailable` unless ``path`` is a store or a place for a new one."""
    if path.exists() and not path.is_dir():
        raise StoreUnavailable(
            f"store_path {path} is a file, not a store directory; nothing was changed"
        )
    if not path.exists():
        ancestor = path.parent
        while not ancestor.exists():
            ancestor = ancestor.parent
        if not ancestor.is_dir():
            raise StoreUnavailable(
                f"store_path {path} cannot be created: {ancestor} is a file, not a directory"
            )
        return
    names = {p.name for p in path.iterdir()}
    if not names:
        return
    if INCOMPLETE_MARKER in names and not allow_incomplete:
        raise StoreUnavailable(
            f"the store in {path} is half-written: a load into it did not finish. "
            "Run 'kgpub load' again to complete it (or remove the directory); "
            "nothing was changed"
        )
    if not all(n in names for n in _ROCKSDB_FILES):
        raise StoreUnavailable(
            f"store_path {path} holds files but is not a complete kgpub/Oxigraph store "
            f"(missing {', '.join(n for n in _ROCKSDB_FILES if n not in names)}); "
            "refusing to overwrite it: point store_path at an empty or new directory"
        )


def _open_failure(path: Path, exc: OSError) -> str:
    text = str(exc)
    if "lock" in text.lower():
        return f"the store in {path} is in use by another process ({text})"
    return f"the store in {path} cannot be opened, it may be damaged: {text}; nothing was changed"


@contextlib.contextmanager
def marking_incomplete(path: Path | None) -> Iterator[None]:
    """Mark the on-disk store in ``path`` as half-written while the block runs.

    The marker stays if the block fails, so the next :func:`open_store` refuses to serve
    the store until a load completes. ``path=None`` (not a disk store) does nothing.
    """
    if path is None:
        yield
        return
    marker = path / INCOMPLETE_MARKER
    marker.write_text("a kgpub load is writing to this store\n", encoding="utf-8")
    yield
    marker.unlink(missing_ok=True)
