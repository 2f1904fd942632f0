"""How many SPARQL queries a web worker runs at once, in all and per client address.

A web worker has more request threads than query workers (``kgpub.web.server``): the extra
threads are the pages' own, so that queries running to the time limit never leave a page
waiting. A query is admitted only while a slot is free; nothing waits for one. Over the
worker's slots the answer is :class:`~kgpub.errors.EndpointBusy` (503), over one client's
share :class:`~kgpub.errors.TooManyQueries` (429); both say when to try again.

A query answered in the request's own thread (a bounded lookup, :mod:`kgpub.sparql.bounded`)
uses no query worker, so it takes no slot: it costs what a page costs, and pages are never
refused for want of one. It still counts in its client's share.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from kgpub.errors import EndpointBusy, TooManyQueries


class Admission:
    """At most ``slots`` queries at once, at most ``per_client`` of them from one address
    (0: no per-client limit). Counts are this process's: with several web workers, each
    admits its own."""

    def __init__(self, slots: int, per_client: int = 0) -> None:
        self.slots = slots
        self.per_client = per_client
        self._lock = threading.Lock()
        self._running = 0
        self._by_client: dict[str, int] = {}

    @contextmanager
    def admit(self, client: str, worker: bool = True) -> Iterator[None]:
        """Hold a place in ``client``'s share (and with ``worker``, a query worker's slot)
        while the block runs, or refuse at once."""
        with self._lock:
            mine = self._by_client.get(client, 0)
            if self.per_client and mine >= self.per_client:
                raise TooManyQueries(
                    f"This client already runs as many SPARQL queries at once as one client "
                    f"may ({mine}); send the next when one of them has finished."
                )
            if worker and self._running >= self.slots:
                raise EndpointBusy("All query workers are busy; try again in a moment.")
            self._running += worker
            self._by_client[client] = mine + 1
        try:
            yield
        finally:
            with self._lock:
                self._running -= worker
                left = self._by_client[client] - 1
                if left:
                    self._by_client[client] = left
                else:
                    del self._by_client[client]

    @property
    def running(self) -> int:
        return self._running
