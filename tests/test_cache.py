"""The one cache utility: least recently used, bounded in bytes, thread-safe."""

from __future__ import annotations

import threading

from kgpub.cache import ENTRY_OVERHEAD, ByteBoundedCache, size_of
from kgpub.web.response_cache import entry_size


def kib(n: int) -> bytes:
    return b"x" * (1024 * n)


def test_the_values_kept_never_exceed_the_byte_bound() -> None:
    cache: ByteBoundedCache[int, bytes] = ByteBoundedCache(max_bytes=10 * (1024 + ENTRY_OVERHEAD))
    for i in range(100):
        cache.put(i, kib(1))
        assert cache.nbytes <= cache.max_bytes
    assert len(cache) == 10
    assert 99 in cache and 89 not in cache


def test_the_least_recently_used_entry_goes_first() -> None:
    cache: ByteBoundedCache[str, bytes] = ByteBoundedCache(max_bytes=3 * (1024 + ENTRY_OVERHEAD))
    for key in "abc":
        cache.put(key, kib(1))
    assert cache.get("a") is not None  # a is now the most recently used
    cache.put("d", kib(1))
    assert "b" not in cache
    assert {"a", "c", "d"} <= {k for k in "abcd" if k in cache}


def test_a_value_bigger_than_the_whole_cache_is_not_kept() -> None:
    cache: ByteBoundedCache[str, bytes] = ByteBoundedCache(max_bytes=4096)
    cache.put("small", kib(1))
    assert cache.put("huge", kib(8)) is False
    assert "huge" not in cache and "small" in cache


def test_zero_bytes_turns_the_cache_off() -> None:
    cache: ByteBoundedCache[str, bytes] = ByteBoundedCache(max_bytes=0)
    assert cache.put("a", b"1") is False
    assert cache.get_or_create("a", lambda: b"made") == b"made"
    assert len(cache) == 0


def test_get_or_create_creates_once_and_counts_hits() -> None:
    cache: ByteBoundedCache[str, bytes] = ByteBoundedCache(max_bytes=1 << 20)
    calls: list[int] = []

    def make() -> bytes:
        calls.append(1)
        return b"page"

    assert cache.get_or_create("k", make) == b"page"
    assert cache.get_or_create("k", make) == b"page"
    assert len(calls) == 1
    assert (cache.hits, cache.misses) == (1, 1)


def test_sizes_follow_what_a_value_holds() -> None:
    class Page:
        nbytes = 5000

    assert size_of(b"abc") == 3
    assert size_of(Page()) == 5000
    assert size_of(("200 OK", [("A", "b")], kib(2))) >= 2048


def test_concurrent_writers_keep_the_bound() -> None:
    cache: ByteBoundedCache[tuple[int, int], bytes] = ByteBoundedCache(max_bytes=64 * 1024)

    def fill(t: int) -> None:
        for i in range(500):
            cache.put((t, i), kib(1))

    threads = [threading.Thread(target=fill, args=(t,)) for t in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert 0 < cache.nbytes <= 64 * 1024


def test_a_cached_answer_counts_its_body_and_header_text() -> None:
    headers = [("Content-Type", "text/turtle"), ("Vary", "Accept")]
    size = entry_size(("200 OK", headers, kib(2)))
    assert 2048 + len("200 OK") + len("Content-TypeText/turtleVaryAccept") <= size
    assert size < 2048 + 100
