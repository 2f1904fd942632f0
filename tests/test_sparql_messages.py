"""The messages between the server and a query worker: one length-prefixed message each
way, read whole however the bytes arrive, refused past the reader's limit."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from kgpub.sparql.query_worker import TooBig, recv_msg, send_msg


def test_a_message_sent_in_parts_is_read_whole() -> None:
    mine, theirs = socket.socketpair()
    with mine, theirs:
        body = bytes(range(256)) * 1000  # more than one read takes, and the socket holds
        sender = threading.Thread(target=send_msg, args=(theirs, b"a", body))
        sender.start()
        assert recv_msg(mine, time.monotonic() + 5) == b"a" + body
        sender.join()


def test_a_message_that_trickles_in_is_read_whole() -> None:
    mine, theirs = socket.socketpair()
    with mine, theirs:
        framed = (11).to_bytes(8, "big") + b"hello world"

        def trickle() -> None:
            for i in range(len(framed)):
                theirs.sendall(framed[i : i + 1])
                time.sleep(0.002)

        sender = threading.Thread(target=trickle)
        sender.start()
        assert recv_msg(mine, time.monotonic() + 5) == b"hello world"
        sender.join()


def test_a_message_over_the_limit_is_refused_and_a_silent_peer_times_out() -> None:
    mine, theirs = socket.socketpair()
    with mine, theirs:
        send_msg(theirs, b"x" * 100)
        with pytest.raises(TooBig):
            recv_msg(mine, time.monotonic() + 5, max_size=99)
    mine, theirs = socket.socketpair()
    with mine, theirs, pytest.raises(TimeoutError):
        recv_msg(mine, time.monotonic() + 0.05)


def test_a_closed_peer_ends_the_read() -> None:
    mine, theirs = socket.socketpair()
    theirs.close()
    with mine, pytest.raises(EOFError):
        recv_msg(mine)
