"""Load → validate → swap into the store; the last good snapshot stays published on failure."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pyoxigraph

from kgpub.store.base import Store

if TYPE_CHECKING:
    from kgpub.config import Settings


@dataclass(frozen=True)
class Published:
    """What is being served now."""

    digest: str
    loaded_at: datetime
    snapshot: Any
    quads: int

    @property
    def etag(self) -> str:
        return self.digest[:32]


def fill_store(store: Store, nquads: bytes) -> None:
    """Replace the content of ``store`` with N-Quads bytes (an embedded store loads them
    as they are)."""
    from kgpub.store.embedded import EmbeddedStore

    if isinstance(store, EmbeddedStore):
        store.load_nquads(nquads)
    else:
        store.replace(pyoxigraph.parse(nquads, format=pyoxigraph.RdfFormat.N_QUADS))


def make_store(settings: Settings) -> Store:
    """The store the settings configure (memory, disk or remote)."""
    from kgpub.store.factory import open_store

    return open_store(settings)


class Publisher:
    """Holds the store and the snapshot it serves."""

    def __init__(
        self,
        settings: Settings,
        store: Store | None = None,
        load: Callable[[Settings], Any] | None = None,
        validate: Callable[[Any], Any] | None = None,
        *,
        isolate: bool = False,
    ) -> None:
        """``isolate``: load and validate the sources in a child process (see
        :mod:`kgpub.publish.loading`), as a server does: this process then never holds the
        rdflib graphs of the data."""
        self.settings = settings
        self.isolate = isolate
        self.store: Store = store if store is not None else make_store(settings)
        self._load = load
        self._validate = validate
        self._lock = threading.Lock()
        self.current: Published | None = None
        self.listeners: list[Callable[[Published], None]] = []
        self._next_poll = 0.0

    @property
    def read_only(self) -> bool:
        """A store kgpub may not write to (a remote one without an update endpoint): it
        serves what the last ``kgpub load`` put there instead of publishing its sources."""
        return not self.store.writable

    def start(self) -> Any:
        """Publish the sources, or for a read-only store, follow what it holds."""
        return self.follow() if self.read_only else self.publish()

    def follow(self) -> Published:
        """Serve the snapshot the last ``kgpub load`` wrote to the store (read-only mode).

        Raises:
            StoreUnavailable: the store cannot be reached, or holds no ``kgpub load``.
        """
        from kgpub.errors import StoreUnavailable
        from kgpub.store.load_record import read_record, record_graph

        base = str(self.settings.base_iri)
        record = read_record(self.store, base)
        self._next_poll = time.monotonic() + self.settings.remote_poll_seconds
        if record is None:
            raise StoreUnavailable(
                "the triplestore holds no data loaded by `kgpub load` (no graph "
                f"<{record_graph(base)}>); run `kgpub load` with remote_update_endpoint set, "
                "or give this host the update endpoint so that it publishes its own sources"
            )
        current = self.current
        if current is not None and current.digest == record.digest:
            return current
        self.store.changed()  # answers cached from the previous load must not be served
        published = Published(
            digest=record.digest,
            loaded_at=record.loaded_at.replace(microsecond=0),
            snapshot=None,
            quads=self.store.count(),
        )
        with self._lock:
            self.current = published
        for listener in self.listeners:
            listener(published)
        return published

    def poll(self) -> None:
        """In read-only mode, look for a newer ``kgpub load`` every ``remote_poll_seconds``
        (cheap: one small query). A store that cannot be reached keeps the current one."""
        now = time.monotonic()
        if not self.read_only or now < self._next_poll:
            return
        self._next_poll = now + self.settings.remote_poll_seconds  # one thread looks, not all
        from kgpub.errors import StoreUnavailable

        with contextlib.suppress(StoreUnavailable):
            self.follow()

    def publish(self) -> Any:
        """Load and validate; swap in if it conforms. Returns the validation report.

        Raises ``ValidationFailed`` (with the report) when the data does not conform; the
        previously published snapshot, if any, stays in the store.
        """
        from kgpub.publish.loading import load_validated, validated_in_child

        if self.isolate:
            validated = validated_in_child(self.settings, self._load, self._validate)
            self.swap(validated)
            return validated.report
        snapshot, report = load_validated(self.settings, self._load, self._validate)
        self.swap(snapshot)
        return report

    def swap(self, snapshot: Any) -> Published:
        """Put ``snapshot`` in the store and serve it. A loaded
        :class:`~kgpub.publish.sources.Snapshot` is published as its
        :class:`~kgpub.publish.stored.StoredSnapshot`: its data graphs and texts are not
        kept (the store has the data); so is a :class:`~kgpub.publish.loading.Validated`
        from a child process, whose N-Quads the store loads as they are."""
        from kgpub.publish.loading import Validated, snapshot_quads
        from kgpub.publish.sources import Snapshot
        from kgpub.publish.stored import StoredSnapshot

        base = str(self.settings.base_iri)
        with self._lock:
            if isinstance(snapshot, Validated):
                fill_store(self.store, snapshot.nquads)
            else:
                self.store.replace(snapshot_quads(snapshot, base))
            loaded_at = getattr(snapshot, "loaded_at", None) or datetime.now(UTC)
            if isinstance(snapshot, Snapshot):
                snapshot = StoredSnapshot.of(snapshot, self.store)
            elif isinstance(snapshot, Validated):
                snapshot = snapshot.stored(self.settings, self.store)
            published = Published(
                digest=str(snapshot.digest),
                loaded_at=loaded_at.replace(microsecond=0),
                snapshot=snapshot,
                quads=self.store.count(),
            )
            self.current = published
        for listener in self.listeners:
            listener(published)
        return published

    def require(self) -> Published:
        if self.current is None:
            from kgpub.errors import StoreUnavailable

            raise StoreUnavailable("no data has been published yet")
        return self.current
