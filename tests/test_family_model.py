"""The family's sharing rule as invariants, searched by hypothesis over schedules of workers.

``govnews.family.crawl.FamilyCrawl`` decides which sites a worker crawls, with real leases and
round marks in a real redis-server. The only stand-in is the crawler process: a site's
crawl is a handle the test ends when the schedule says so (a real crawl takes seconds;
``tests/test_family.py`` runs real ones). Each simulated worker has a Redis URL of its own
(``client_name``), so that the process-wide lease registry treats them as separate
processes, as they are in production.

Hypothesis draws the schedule: workers starting (each with its own share of sites at
once), crawls ending, workers killed (their leases then lapse), time passing (a worker with
nothing left to take asks again for the sites others held). After every step:

* **one worker per site** — no site is ever crawled by two live crawls at once (the
  per-host politeness of a cluster rests on it);
* **one crawl per round** — a worker never starts a site another worker finished after this
  worker started (round marks on Redis' clock, written when a crawl finishes);
* **nothing forgotten** — once every live worker is idle (nothing running, waiting or held),
  every site's crawl finished: a site whose holder was killed was crawled again by a living
  worker once its lease lapsed.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from scrapy.settings import Settings

from govnews.crawl.arguments import FamilyArguments
from govnews.family.crawl import FamilyCrawl
from govnews.sites.family import SITES, site_key
from govnews.store.keys import site_prefix
from govnews.store.lease import _HELD, RedisLock
from tests.conftest import init_redis_stores
from tests.leases import abandon
from tests.profiles import examples
from tests.redis_server import RedisServer

SITE_KEYS = tuple(site.key for site in SITES[1:5])
EXAMPLES = int(os.environ.get("GOVNEWS_FAMILY_MODEL_EXAMPLES") or examples(60))


@dataclass
class Crawl:
    worker: int
    site: str
    started: int
    callbacks: list[Callable[[Any], Any]] = field(default_factory=list)
    ended: bool = False
    finished: int | None = None
    """The tick its crawl finished (None: running, or its worker was killed)."""

    def add_done_callback(self, callback: Callable[[Any], Any]) -> None:
        self.callbacks.append(callback)


class Cluster:
    """What the test watches: every crawl started, by whom, at which tick."""

    def __init__(self) -> None:
        self.clock = itertools.count()
        self.crawls: list[Crawl] = []
        self.violations: list[str] = []
        self.worker_started: dict[int, int] = {}
        self.killed: set[int] = set()

    def active(self, site: str) -> list[Crawl]:
        return [c for c in self.crawls if c.site == site and not c.ended]

    def start_crawl(self, worker: int, site: str) -> Crawl:
        if others := [c for c in self.active(site) if c.worker != worker]:
            self.violations.append(f"site {site} crawled by workers {worker} and {others[0].worker} at once")
        since = self.worker_started[worker]
        done = [c for c in self.crawls if c.site == site and c.worker != worker and (c.finished or -1) > since]
        if done:
            self.violations.append(f"worker {worker} crawled {site}, finished by worker {done[0].worker} this round")
        crawl = Crawl(worker, site, next(self.clock))
        self.crawls.append(crawl)
        return crawl


class Process:
    """The crawler process of one worker: a crawl is a handle the schedule ends."""

    def __init__(self, cluster: Cluster, worker: int) -> None:
        self.cluster = cluster
        self.worker = worker
        self.spider_loader = SimpleNamespace(load=lambda key: key)

    def create_crawler(self, key: str) -> Any:
        stats = {"govnews/health/verdict": "passed", "item_scraped_count": 1, "finish_reason": "finished"}
        return SimpleNamespace(key=key, stats=SimpleNamespace(get_stats=lambda: stats))

    def crawl(self, crawler: Any, **kwargs: str) -> Crawl:
        return self.cluster.start_crawl(self.worker, crawler.key)


@pytest.fixture(scope="module")
def redis_for_model(redis_server: RedisServer) -> RedisServer:
    return redis_server


def test_family_sharing_rule_holds_for_any_schedule(redis_for_model: RedisServer) -> None:
    server = redis_for_model

    class FamilySchedule(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            client = server.client()
            client.flushall()
            client.close()
            init_redis_stores(server.url, (site.base_url for site in SITES if site.key in SITE_KEYS))
            self.cluster = Cluster()
            self.workers: dict[int, FamilyCrawl] = {}
            self.ids = itertools.count()
            self.asked_again = False
            """The waiting workers asked again since the last start, end or kill."""

        @precondition(lambda self: len(set(self.workers) - self.cluster.killed) < 3)
        @rule(at_once=st.integers(0, 2))
        def start_worker(self, at_once: int) -> None:
            worker = next(self.ids)
            url = f"{server.url}?client_name=worker{worker}"
            config = {"REDIS_URL": url, "GOVNEWS_FAMILY_SITES_AT_ONCE": at_once, "GOVNEWS_REDIS_LOCK_TTL": 30}
            self.cluster.worker_started[worker] = next(self.cluster.clock)
            arguments = FamilyArguments.parse({"sites": ",".join(SITE_KEYS)})
            family = FamilyCrawl(Process(self.cluster, worker), Settings(config), arguments)
            self.workers[worker] = family
            family.start()
            self.asked_again = False

        def running(self) -> list[Crawl]:
            return [c for c in self.cluster.crawls if not c.ended and c.worker not in self.cluster.killed]

        @precondition(lambda self: self.running())
        @rule(data=st.data())
        def end_a_crawl(self, data: st.DataObject) -> None:
            crawl = data.draw(st.sampled_from(self.running()))
            crawl.ended = True
            crawl.finished = next(self.cluster.clock)
            for callback in crawl.callbacks:
                callback(None)
            self.asked_again = False

        @precondition(lambda self: any(self.workers[w].held for w in self.alive()))
        @rule()
        def time_passes(self) -> None:
            """The waiting workers ask again for the sites others held."""
            for worker in self.alive():
                self.workers[worker].retry_held()
            self.asked_again = True

        def alive(self) -> list[int]:
            return [w for w in self.workers if w not in self.cluster.killed]

        @precondition(lambda self: any(w not in self.cluster.killed for w in self.workers))
        @rule(data=st.data())
        def kill_a_worker(self, data: st.DataObject) -> None:
            alive = [w for w in self.workers if w not in self.cluster.killed]
            worker = data.draw(st.sampled_from(alive))
            self.cluster.killed.add(worker)
            client = server.client()
            try:
                for crawl in self.cluster.crawls:
                    if crawl.worker == worker and not crawl.ended:
                        crawl.ended = True
                        # The process is gone: its leases stop being renewed and lapse.
                        lock_key = site_prefix(site_key(next(s for s in SITES if s.key == crawl.site).base_url))
                        client.delete(lock_key + "lock")
                        crawl.callbacks.clear()
            finally:
                client.close()
            self.workers[worker].waiting.clear()
            self.workers[worker].held.clear()
            self.asked_again = False

        @invariant()
        def no_violation(self) -> None:
            assert self.cluster.violations == []

        @invariant()
        def nothing_forgotten_once_idle(self) -> None:
            alive = self.alive()
            if not alive or self.running() or any(self.workers[w].waiting for w in alive):
                return
            if any(self.workers[w].held for w in alive) and not self.asked_again:
                return  # they ask again once time passes (their holders' leases lapse)
            finished = {c.site for c in self.cluster.crawls if c.finished is not None}
            for worker in alive:
                family = self.workers[worker]
                assert set(family.outcomes) == set(SITE_KEYS), family.outcomes
            assert set(SITE_KEYS) <= finished, f"never finished: {set(SITE_KEYS) - finished}"

        def teardown(self) -> None:
            for crawl in self.cluster.crawls:
                if not crawl.ended and crawl.worker not in self.cluster.killed:
                    crawl.ended = True
                    crawl.finished = next(self.cluster.clock)
                    for callback in crawl.callbacks:
                        callback(None)
            for worker, family in self.workers.items():
                if family.redis is not None:
                    family.redis.close()
                if worker in self.cluster.killed:
                    # Free what the test played as lapsed (the leases' threads still run).
                    for (url, _), lock in list(_HELD.items()):
                        if url.endswith(f"client_name=worker{worker}") and isinstance(lock, RedisLock):
                            abandon(lock)

    FamilySchedule.TestCase.settings = settings(
        max_examples=EXAMPLES, stateful_step_count=25, deadline=None, suppress_health_check=list(HealthCheck)
    )
    FamilySchedule.TestCase().runTest()
