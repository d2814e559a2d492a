"""Exactly once in the cluster, whatever a worker's pause and whatever Redis does: real
``scrapy crawl family`` workers (``tests/paused_worker.py``: each under a host name of its
own, pausing itself at a named point), a real redis-server, the family mirror's servers
logging which worker asked what (``tests/cluster.py``).

One test per way a stale worker used to slip through, each checked to fail with its defect
put back (see the closing note of issue 27 and docs/distributed.md, "What a fault does"):

* a lease that expired early on the server (its clock stepped forward, an eviction, a
  failover) stops its worker at the next check, not at its next renewal;
* a worker paused between a feed line's check and its write cuts the line its store refuses
  to commit, even beside a worker on the same host that settled its feed meanwhile;
* a request that waited for a new connection across a pause is refused once the connection
  is made;
* a frozen worker (no SIGCONT) sends at most the one request whose last check passed before
  its pause: the bound no client can beat without the host's help.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.cluster import (
    SITES,
    TTL,
    Worker,
    assert_exactly_once,
    assert_nothing_checked_after,
    assert_stale_bound,
    first_request,
    lock_keys,
    start_worker,
    wait_for,
    whole_lines,
)
from tests.conftest import init_redis_stores
from tests.mirror.family import FamilyMirror


@pytest.fixture
def mirror(redis_url: str) -> Iterator[FamilyMirror]:
    with FamilyMirror(seed=51, sites=SITES) as family:
        init_redis_stores(redis_url, family.base_urls.values())
        yield family


def settle(mirror: FamilyMirror, root: Path, redis_url: str, host: str) -> Worker:
    """A last run on ``host``: it settles the host's open feeds with the store (and crawls what is left)."""
    last = start_worker(mirror, root, redis_url, f"last-{host}", host)
    assert last.wait() == 0, last.tail()
    return last


def took_over(mirror: FamilyMirror, name: str) -> bool:
    return len(first_request(mirror, name)) == len(SITES)


def test_a_lease_expired_early_on_the_server_stops_its_worker_at_once(
    mirror: FamilyMirror, redis_url: str, tmp_path: Path
) -> None:
    """Renewals every 10 s (a 30 s lease): only the server knows the lease is gone. The worker
    is slow (0.3 s a request): it has many requests queued when its lease goes."""
    a = start_worker(mirror, tmp_path, redis_url, "a", "node-a", ttl=30, delay=0.3)
    wait_for(lambda: len(whole_lines(tmp_path / "a")) >= 3, what="a at work on every site")
    b = start_worker(mirror, tmp_path, redis_url, "b", "node-b", wait_for=120)
    wait_for(lambda: "family: waiting up to" in b.text(), what="b waiting for a's sites")
    client = redis.Redis.from_url(redis_url)
    for key in lock_keys(redis_url, mirror):
        client.pexpire(key, 1)  # the server's clock stepped forward past the leases
    client.close()
    time.sleep(0.005)
    expired_at = time.monotonic()
    assert b.wait() == 0, b.tail()
    a.wait()
    # Its first check after the expiry asked the server: nothing checked after it was sent.
    assert_nothing_checked_after(mirror, a, expired_at)
    assert_stale_bound(mirror, a, "b", allowed=0)  # a was never paused: nothing after b's first request
    settle(mirror, tmp_path, redis_url, "node-a")
    assert_exactly_once(mirror, tmp_path)
    assert "'finish_reason': 'store_lease_lost'" in a.text(), a.tail()
    assert "the server holds no lease of this run" in a.text() or "store write found the lease" in a.text()


def test_a_line_written_after_the_takeover_is_cut_even_beside_a_worker_of_the_same_host(
    mirror: FamilyMirror, redis_url: str, tmp_path: Path
) -> None:
    """Paused between a feed line's check and its write; a worker on the same host takes the
    sites over and settles the paused worker's feed meanwhile; the late line is cut."""
    a = start_worker(mirror, tmp_path, redis_url, "a", "node-a", pause="feed", at=3)
    assert a.wait_paused() is not None
    time.sleep(TTL * 1.25)  # a's leases lapse
    b = start_worker(mirror, tmp_path, redis_url, "b", "node-a")
    assert b.wait() == 0, b.tail()
    a.resume()
    a.wait()
    settle(mirror, tmp_path, redis_url, "node-a")
    assert_exactly_once(mirror, tmp_path)
    assert "'finish_reason': 'store_lease_lost'" in a.text(), a.tail()
    assert "item(s) cut from the feed: the store did not commit them" in a.text()


def test_a_request_that_waited_for_a_new_connection_across_a_pause_is_refused(
    mirror: FamilyMirror, redis_url: str, tmp_path: Path
) -> None:
    """Paused after the download handler's check, before the request's connection (none kept
    alive); resumed (SIGCONT) once another worker crawls every host: its last check comes after
    the connection is made, so nothing is sent."""
    a = start_worker(mirror, tmp_path, redis_url, "a", "node-a", pause="connect", at=5, new_connections=True)
    assert a.wait_paused() is not None
    time.sleep(TTL * 1.25)
    b = start_worker(mirror, tmp_path, redis_url, "b", "node-b", new_connections=True)
    wait_for(lambda: took_over(mirror, "b"), what="b asking every host")
    a.resume()
    assert b.wait() == 0, b.tail()
    a.wait()
    assert_stale_bound(mirror, a, "b", allowed=0)
    settle(mirror, tmp_path, redis_url, "node-a")
    assert_exactly_once(mirror, tmp_path)
    assert "'finish_reason': 'store_lease_lost'" in a.text(), a.tail()


def test_a_frozen_worker_sends_at_most_the_request_checked_before_its_pause(
    mirror: FamilyMirror, redis_url: str, tmp_path: Path
) -> None:
    """Frozen (no SIGCONT reaches it) after a request's last check, before its bytes: that one
    request is sent when it thaws, and nothing after it. The documented bound."""
    a = start_worker(mirror, tmp_path, redis_url, "a", "node-a", pause="request", at=6, frozen=True)
    assert a.wait_paused() is not None
    time.sleep(TTL * 1.25)
    b = start_worker(mirror, tmp_path, redis_url, "b", "node-b")
    wait_for(lambda: took_over(mirror, "b"), what="b asking every host")
    a.resume()
    assert b.wait() == 0, b.tail()
    a.wait()
    late = assert_stale_bound(mirror, a, "b", allowed=1)
    assert sum(late.values()) <= 1, late
    settle(mirror, tmp_path, redis_url, "node-a")
    assert_exactly_once(mirror, tmp_path)
