"""The admission of SPARQL queries in a web worker: slots, the queue, clients' shares."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from kgpub.errors import EndpointBusy, TooManyQueries
from kgpub.web.admission import Admission


def until(done: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 5
    while not done() and time.monotonic() < deadline:
        time.sleep(0.005)
    assert done()


class Holder:
    """A query holding its admission in a thread of its own until released."""

    def __init__(self, admission: Admission, client: str = "a") -> None:
        self.release = threading.Event()
        self.outcome: list[str] = []
        self.thread = threading.Thread(target=self._run, args=(admission, client))
        self.thread.start()

    def _run(self, admission: Admission, client: str) -> None:
        try:
            with admission.admit(client):
                self.outcome.append("admitted")
                self.release.wait(5)
        except EndpointBusy:
            self.outcome.append("busy")

    def finish(self) -> list[str]:
        self.release.set()
        self.thread.join(5)
        return self.outcome


def test_a_query_waits_for_a_slot_and_runs_when_one_frees() -> None:
    admission = Admission(slots=1, queue=1, wait=5)
    first = Holder(admission)
    until(lambda: admission.running == 1)
    second = Holder(admission)
    until(lambda: admission.waiting == 1)
    assert second.outcome == []  # waiting, not refused
    assert first.finish() == ["admitted"]
    until(lambda: second.outcome == ["admitted"])
    assert admission.running == 1 and admission.waiting == 0
    second.finish()
    assert admission.running == 0


def test_a_query_beyond_the_queue_is_refused_at_once() -> None:
    admission = Admission(slots=1, queue=1, wait=5)
    first = Holder(admission)
    until(lambda: admission.running == 1)
    second = Holder(admission)
    until(lambda: admission.waiting == 1)
    started = time.monotonic()
    with pytest.raises(EndpointBusy, match="All query workers are busy"), admission.admit("b"):
        pass
    assert time.monotonic() - started < 1
    first.finish()
    second.finish()


def test_without_a_queue_a_query_is_refused_at_once() -> None:
    admission = Admission(slots=1, queue=0, wait=5)
    first = Holder(admission)
    until(lambda: admission.running == 1)
    with pytest.raises(EndpointBusy), admission.admit("b"):
        pass
    first.finish()


def test_a_query_that_waited_too_long_is_refused_and_keeps_nothing() -> None:
    admission = Admission(slots=1, per_client=2, queue=1, wait=0.2)
    first = Holder(admission, client="a")
    until(lambda: admission.running == 1)
    started = time.monotonic()
    with pytest.raises(EndpointBusy), admission.admit("b"):
        pass
    assert 0.2 <= time.monotonic() - started < 2
    assert admission.waiting == 0
    first.finish()
    # "b" holds no share and no slot: both of its queries are admitted now
    with admission.admit("b"), admission.admit("b", worker=False):
        assert admission.running == 1


def test_a_waiting_query_counts_in_its_clients_share() -> None:
    admission = Admission(slots=1, per_client=2, queue=2, wait=5)
    first = Holder(admission, client="a")
    until(lambda: admission.running == 1)
    second = Holder(admission, client="a")
    until(lambda: admission.waiting == 1)
    with pytest.raises(TooManyQueries), admission.admit("a"):
        pass
    first.finish()
    second.finish()


def test_a_query_answered_in_its_own_thread_never_waits() -> None:
    admission = Admission(slots=1, queue=0, wait=5)
    first = Holder(admission)
    until(lambda: admission.running == 1)
    with admission.admit("b", worker=False):
        assert admission.running == 1
    first.finish()
