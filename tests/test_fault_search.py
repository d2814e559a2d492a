"""The cluster's promises under faults hypothesis chooses: a worker pauses itself at a point,
Redis does something to it meanwhile, another worker takes its sites over (or is refused),
and the paused one resumes at some moment. Real ``scrapy crawl family`` workers
(``tests/paused_worker.py``, each under a host name of its own), a real redis-server whose
clock can be stepped (``tests/clock_shift.py``), the two-site family mirror
(``tests/cluster.py``).

Hypothesis chooses:

* where the first worker pauses (``request``, ``connect``, ``feed``, ``commit``, ``ack``,
  ``renewal``; the N-th time it gets there) and whether it is frozen (no SIGCONT) or stopped;
* the fault, and how long after the pause it strikes: the lease lapsing by itself, its key
  expired early (PEXPIRE), FLUSHALL, a restart without persistence, the server's clock
  stepped forward or back by three leases;
* whether the second worker shares the first one's host name (it then settles the first
  one's feeds), and when the first resumes: at once, after the second's first request, after
  the second has ended.

The invariants, for every example:

* where the store survived: once every host has settled its feeds (a last run on each), every
  article is in exactly one line of all the feeds (one revision each: the site does not
  change), and the store holds every revision it held before the fault;
* where Redis lost the store (FLUSHALL, a restart): the second worker is refused (exit 8)
  with no request and no feed file, no later run recreates it, and no article is in two lines;
* the stale worker sends at most one request per host after the other worker's first request
  there, and only one whose last check passed before its pause.

``GOVNEWS_FAULT_EXAMPLES`` sets the number of generated examples: 12 by default, about 220 s
with the explicit ones below (which cover every point and every fault once) on two busy
cores, 8 to 19 s an example (``HYPOTHESIS_PROFILE=dev``, tests/profiles.py: 10); a failure is
reported as drawn, not shrunk.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from hypothesis import HealthCheck, Phase, event, example, given, settings
from hypothesis import strategies as st

from tests.clock_shift import ClockShift
from tests.cluster import (
    SITES,
    TTL,
    assert_exactly_once,
    assert_stale_bound,
    committed,
    doubles,
    first_request,
    lock_keys,
    start_worker,
    wait_for,
    whole_lines,
)
from tests.conftest import init_redis_stores
from tests.mirror.family import FamilyMirror
from tests.paused_worker import POINTS
from tests.profiles import examples
from tests.redis_server import INSTALL_HINT, RedisServer, redis_required, redis_server_binary

EXAMPLES = int(os.environ.get("GOVNEWS_FAULT_EXAMPLES") or examples(12))
FAULTS = ("lapse", "expire", "flushall", "restart", "clock_forward", "clock_back")
WIPES = ("flushall", "restart")
RESUMES = ("at_once", "after_takeover", "after_end")
STEP = 3 * TTL
"""How far the clock faults step the server's clock (seconds)."""
EXIT_STORE_MISSING = 8


@dataclass(frozen=True)
class Case:
    point: str
    at: int
    frozen: bool
    fault: str
    strike_after: float
    same_host: bool
    resume: str


cases = st.builds(
    Case,
    point=st.sampled_from(POINTS),
    at=st.integers(1, 8),
    frozen=st.booleans(),
    fault=st.sampled_from(FAULTS),
    strike_after=st.sampled_from((0.0, TTL / 2, TTL * 1.25)),
    same_host=st.booleans(),
    resume=st.sampled_from(RESUMES),
)


@pytest.fixture(scope="module")
def clock(tmp_path_factory: pytest.TempPathFactory) -> ClockShift:
    return ClockShift(tmp_path_factory.mktemp("clock"))


@pytest.fixture(scope="module")
def shifted_redis(clock: ClockShift) -> Iterator[RedisServer]:
    """A redis-server of its own (no persistence: a restart comes back empty), clock steppable."""
    if redis_server_binary() is None:
        if redis_required():
            pytest.fail(INSTALL_HINT, pytrace=False)
        pytest.skip(INSTALL_HINT)
    with RedisServer(env=clock.env) as server:
        yield server


@pytest.fixture(scope="module")
def mirror() -> Iterator[FamilyMirror]:
    with FamilyMirror(seed=61, sites=SITES) as family:
        yield family


_counter = itertools.count()


def run_case(case: Case, server: RedisServer, clock: ClockShift, mirror: FamilyMirror, base: Path) -> None:
    root = base / f"example-{next(_counter)}"
    shutil.rmtree(root, ignore_errors=True)
    clock.step(0)
    if not server.running:
        server.restart()
    client = server.client()
    client.flushall()
    init_redis_stores(server.url, mirror.base_urls.values())
    for site in mirror.servers.values():
        site.clear_access_log()
    workers = []
    try:
        a = start_worker(mirror, root, server.url, "a", "node-a", pause=case.point, at=case.at, frozen=case.frozen)
        workers.append(a)
        paused = a.wait_paused()
        if paused is None:  # it ended before its N-th passage: nothing to fault
            event("the worker ended before its pause")
            assert a.wait() == 0, a.tail()
            assert_exactly_once(mirror, root)
            return
        before = committed(server.url, mirror)
        time.sleep(case.strike_after)
        strike(case.fault, server, clock, mirror)
        wait = 4 * TTL + (STEP if case.fault == "clock_back" else 0)
        b = start_worker(mirror, root, server.url, "b", "node-a" if case.same_host else "node-b", wait_for=wait)
        workers.append(b)
        if case.resume == "after_takeover":
            wait_for(lambda: first_request(mirror, "b") or b.proc.poll() is not None, what="b's first request")
        elif case.resume == "after_end":
            b.wait()
        a.resume()
        b.wait()
        a.wait()
        late = assert_stale_bound(mirror, a, "b")
        event(f"stale requests after the other's first: {sum(late.values())}")
        event(f"the paused worker ended on {finish_reasons(a.text())}")
        if case.fault in WIPES:
            assert b.code == EXIT_STORE_MISSING, b.tail()
            assert first_request(mirror, "b") == {}, "a refused worker asks nothing"
            assert not [f for f, _ in whole_lines(root / "b")], "a refused worker writes no feed"
            assert all(client.get(key.replace(":lock", ":schema")) is None for key in lock_keys(server.url, mirror))
            assert doubles(whole_lines(root)) == []
            return
        assert b.code == 0, b.tail()
        for host in dict.fromkeys(("node-a", b.host)):
            last = start_worker(mirror, root, server.url, f"last-{host}", host)
            workers.append(last)
            assert last.wait() == 0, last.tail()
        assert_exactly_once(mirror, root)
        assert before <= committed(server.url, mirror), "the store went back"
    finally:
        for worker in workers:
            worker.resume()
            worker.kill()
        client.close()
        clock.step(0)


def finish_reasons(log: str) -> str:
    """The finish reasons of a worker's sites, as its stats dumps say them."""
    return ",".join(sorted(set(re.findall(r"'finish_reason': '(\w+)'", log)))) or "none"


def strike(fault: str, server: RedisServer, clock: ClockShift, mirror: FamilyMirror) -> None:
    if fault == "expire":
        client = redis.Redis.from_url(server.url)
        for key in lock_keys(server.url, mirror):
            client.pexpire(key, 1)
        client.close()
    elif fault == "flushall":
        client = redis.Redis.from_url(server.url)
        client.flushall()
        client.close()
    elif fault == "restart":
        server.kill()
        server.restart()
    elif fault == "clock_forward":
        clock.step(STEP)
    elif fault == "clock_back":
        clock.step(-STEP)
    else:
        assert fault == "lapse"
        time.sleep(TTL * 1.25)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],  # a failure is reported as drawn: shrinking takes minutes a step
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=cases)
@example(case=Case("feed", 3, False, "lapse", 0.0, same_host=True, resume="after_end"))
@example(case=Case("commit", 2, True, "expire", 0.0, same_host=False, resume="at_once"))
@example(case=Case("ack", 2, False, "clock_forward", 0.0, same_host=True, resume="after_takeover"))
@example(case=Case("renewal", 2, False, "clock_back", 0.0, same_host=False, resume="after_end"))
@example(case=Case("request", 4, True, "flushall", 0.0, same_host=False, resume="at_once"))
@example(case=Case("connect", 4, False, "restart", 0.0, same_host=True, resume="after_end"))
def test_exactly_once_and_the_stale_bound_whatever_the_pause_and_whatever_redis_does(
    case: Case,
    shifted_redis: RedisServer,
    clock: ClockShift,
    mirror: FamilyMirror,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    run_case(case, shifted_redis, clock, mirror, tmp_path_factory.getbasetemp() / "faults")
