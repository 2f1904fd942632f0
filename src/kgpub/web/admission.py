"""How many SPARQL queries a web worker runs at once, in all and per client address.

A web worker has more request threads than query workers (``kgpub.web.server``): some
threads are the pages' own, so that queries running to the time limit never leave a page
waiting. A query runs only while a slot (a query worker) is free. When none is, it may wait
for one in a short queue (``query_queue`` queries, each at most ``query_queue_seconds``;
the queue has request threads of its own, so a waiting query takes none of the pages').
Past the queue, or past the wait, the answer is :class:`~kgpub.errors.EndpointBusy` (503);
over one client's share, :class:`~kgpub.errors.TooManyQueries` (429) at once. Both say when
to try again.

Why a queue: a web worker's slots are its own, and the connections of a burst do not spread
evenly over the web workers. Refused at once, the fifth of eight joins arriving at a web
worker with four slots got 503 although a slot was free a few milliseconds later (about a
third of a burst of joins, measured with ``benchmarks/sparql.py``).

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
    (0: no per-client limit), and at most ``queue`` more waiting up to ``wait`` seconds for
    a slot. Counts are this process's: with several web workers, each admits its own."""

    def __init__(self, slots: int, per_client: int = 0, queue: int = 0, wait: float = 0.0) -> None:
        self.slots = slots
        self.per_client = per_client
        self.queue = queue
        self.wait = wait
        self._changed = threading.Condition(threading.Lock())
        self._running = 0
        self._waiting = 0
        self._by_client: dict[str, int] = {}

    @contextmanager
    def admit(self, client: str, worker: bool = True) -> Iterator[None]:
        """Hold a place in ``client``'s share (and with ``worker``, a query worker's slot,
        waiting in the queue for one if need be) while the block runs, or refuse."""
        with self._changed:
            self._take_share(client)
            if worker:
                try:
                    self._take_slot()
                except EndpointBusy:
                    self._give_share(client)
                    raise
        try:
            yield
        finally:
            with self._changed:
                self._give_share(client)
                if worker:
                    self._running -= 1
                    self._changed.notify()

    def _take_share(self, client: str) -> None:
        mine = self._by_client.get(client, 0)
        if self.per_client and mine >= self.per_client:
            raise TooManyQueries(
                f"This client already runs as many SPARQL queries at once as one client "
                f"may ({mine}); send the next when one of them has finished."
            )
        self._by_client[client] = mine + 1

    def _give_share(self, client: str) -> None:
        left = self._by_client[client] - 1
        if left:
            self._by_client[client] = left
        else:
            del self._by_client[client]

    def _take_slot(self) -> None:
        """A slot now, or after waiting in the queue (the lock is held, and released while
        waiting)."""
        if self._running >= self.slots:
            if self._waiting >= self.queue:
                raise EndpointBusy()
            self._waiting += 1
            try:
                free = self._changed.wait_for(lambda: self._running < self.slots, self.wait)
            finally:
                self._waiting -= 1
            if not free:
                raise EndpointBusy()
        self._running += 1

    @property
    def running(self) -> int:
        return self._running

    @property
    def waiting(self) -> int:
        return self._waiting
