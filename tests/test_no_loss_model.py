"""The no-loss promise as an invariant, searched by hypothesis over schedules of runs.

A model of the site (columns whose lists grow at the top, articles that get edited, list
and article pages that fail) is crawled by the walk and store rules themselves
(:mod:`govnews.incremental`, :mod:`govnews.state`), driven the way the spider and the
incremental pipeline drive them. Hypothesis picks the schedule: publish, edit, run
(capped, ``since``, a ``sections`` subset, ``urls``, ``incremental=0``, with a refresh),
kill a run at a random step (a feed line cut in the middle), fail a list or article page
for one run, start an overlapping run. After every step:

* every whole line of every feed parses, and a cut line exists only in the feed of a run
  that was killed and not yet followed by another;
* no article appears twice within a revision in the union of incremental feeds;
* after a clean run (every column, nothing capped or failing, finished), every article
  the site lists is in the union of incremental feeds; with a refresh, at its current text.

The model knows nothing of the crawler's internals beyond the calls a crawl makes.

It runs against both backends of the store (:class:`govnews.state.Store`): SQLite with its
``flock``, and Redis with its lease on a real redis-server (a site key of its own per
sequence). A killed run's Redis lease is not freed by the kernel: the model checks that it
still refuses the next run, then lets its TTL pass (the lock key expires), as time would.

``GOVNEWS_MODEL_EXAMPLES`` sets the number of sequences for SQLite (200 by default, as in
CI), ``GOVNEWS_MODEL_EXAMPLES_REDIS`` for Redis (100 by default).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import ClassVar

import pytest
import redis
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from govnews.incremental import IncrementalRun
from govnews.state import Lock, Record, StateStore, Store, StoreLocked, acquire_lock, reconcile, repair_feed
from govnews.state_redis import RedisLock, RedisStateStore, acquire_redis_lock, site_prefix
from tests.redis_server import RedisServer

COLUMNS = ("/a/", "/b/", "/c/")
PER_PAGE = 3
START = date(2026, 1, 1)
EXAMPLES = int(os.environ.get("GOVNEWS_MODEL_EXAMPLES", "200"))
EXAMPLES_REDIS = int(os.environ.get("GOVNEWS_MODEL_EXAMPLES_REDIS", "100"))
ROOT = Path(__file__).resolve().parent.parent


class Backend:
    """One store, its lock, and what a process's death does to the lock."""

    def acquire(self) -> Lock:
        raise NotImplementedError

    def open(self, lock: Lock) -> Store:
        raise NotImplementedError

    def died(self, lock: Lock) -> None:
        """The process holding ``lock`` died."""
        raise NotImplementedError

    def refused_elsewhere(self) -> bool:
        """Another process asking for the lock now is refused (exit code 3)."""
        raise NotImplementedError

    def _probe(self, code: str, *args: str) -> bool:
        probe = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, check=False, timeout=60)
        return probe.returncode == 3

    def teardown(self) -> None:
        pass


class SqliteBackend(Backend):
    def __init__(self, workdir: Path) -> None:
        self.path = workdir / "state" / "site.sqlite3"

    def acquire(self) -> Lock:
        return acquire_lock(self.path)

    def open(self, lock: Lock) -> Store:
        return StateStore(self.path)

    def died(self, lock: Lock) -> None:
        lock.release()  # the kernel frees a flock with its process

    def refused_elsewhere(self) -> bool:
        return self._probe(
            "import sys; from pathlib import Path; from govnews.state import acquire_lock, StoreLocked\n"
            "try:\n    acquire_lock(Path(sys.argv[1]))\nexcept StoreLocked:\n    sys.exit(3)\n",
            str(self.path),
        )


class RedisBackend(Backend):
    def __init__(self, url: str) -> None:
        self.url = url
        self.site = f"model-{uuid.uuid4().hex[:12]}"

    def acquire(self) -> Lock:
        return acquire_redis_lock(self.url, self.site, ttl=30)

    def open(self, lock: Lock) -> Store:
        assert isinstance(lock, RedisLock)
        return RedisStateStore.connect(self.url, self.site, lock=lock)

    def died(self, lock: Lock) -> None:
        assert isinstance(lock, RedisLock)
        lock.abandon()  # no more renewals, no release: the lease outlives the process ...
        try:
            acquire_redis_lock(self.url, self.site).release()
        except StoreLocked:
            pass
        else:  # pragma: no cover - would mean a dead holder's lease was dropped early
            raise AssertionError("a killed run's lease was gone before its TTL")
        client = redis.Redis.from_url(self.url)
        client.delete(site_prefix(self.site) + "lock")  # ... until its TTL has passed
        client.close()

    def refused_elsewhere(self) -> bool:
        return self._probe(
            "import sys; from govnews.state import StoreLocked; from govnews.state_redis import acquire_redis_lock\n"
            "try:\n    acquire_redis_lock(sys.argv[1], sys.argv[2])\nexcept StoreLocked:\n    sys.exit(3)\n",
            self.url,
            self.site,
        )

    def teardown(self) -> None:
        client = redis.Redis.from_url(self.url)
        keys = list(client.scan_iter(match=site_prefix(self.site) + "*"))
        if keys:
            client.delete(*keys)
        client.close()


class Killed(Exception):
    """The simulated process died."""


@dataclass
class Site:
    """Columns, newest first; an article is (url, version); pages are read live."""

    lists: dict[str, list[str]] = field(default_factory=lambda: {c: [] for c in COLUMNS})
    version: dict[str, int] = field(default_factory=dict)
    published: dict[str, date] = field(default_factory=dict)
    pager: dict[str, bool] = field(default_factory=lambda: {"/a/": True, "/b/": False, "/c/": True})
    next_id: int = 0

    def publish(self, column: str, k: int) -> None:
        for _ in range(k):
            self.next_id += 1
            url = f"https://site{column}t{self.next_id:05d}.shtml"
            self.lists[column].insert(0, url)
            self.version[url] = 1
            self.published[url] = START + timedelta(days=self.next_id)

    def page(self, column: str, index: int) -> list[str] | None:
        """Rows of list page ``index``; None past the last page (a 404)."""
        rows = self.lists[column]
        count = max(1, -(-len(rows) // PER_PAGE))
        if index >= count:
            return None
        return rows[index * PER_PAGE : (index + 1) * PER_PAGE]

    def page_count(self, column: str) -> int | None:
        return max(1, -(-len(self.lists[column]) // PER_PAGE)) if self.pager[column] else None

    def listed(self) -> dict[str, int]:
        return {u: self.version[u] for rows in self.lists.values() for u in rows}


@dataclass(frozen=True)
class RunPlan:
    sections: tuple[str, ...] = COLUMNS
    max_pages: int | None = None
    since: date | None = None
    urls: tuple[str, ...] = ()
    incremental: bool = True
    refresh: bool = False
    kill_at: int | None = None
    cut_line: bool = False
    failing_list: tuple[str, int] | None = None
    failing_articles: frozenset[str] = frozenset()
    publish_during: int = 0

    @property
    def clean(self) -> bool:
        return (
            self.sections == COLUMNS
            and self.max_pages is None
            and self.since is None
            and not self.urls
            and self.incremental
            and self.kill_at is None
            and self.failing_list is None
            and not self.failing_articles
            and not self.publish_during
        )


class Crawl:
    """One simulated ``scrapy crawl``: the spider's walk and the pipelines' calls."""

    def __init__(self, site: Site, workdir: Path, plan: RunPlan, number: int, backend: Backend) -> None:
        self.site, self.plan, self.backend = site, plan, backend
        self.steps = 0
        self.run = IncrementalRun(f"run-{number}", refresh_days=100_000 if plan.refresh else 0, today=date(2100, 1, 1))
        feeds = workdir / ("feeds" if plan.incremental else "feeds-nonincremental")
        feeds.mkdir(exist_ok=True)
        self.feed = feeds / f"run-{number:03d}.jsonl"
        self.followed: set[str] = set()
        self.exported_in_run: set[str] = set()
        self.batch = 4

    def tick(self) -> None:
        self.steps += 1
        if self.plan.kill_at is not None and self.steps >= self.plan.kill_at:
            raise Killed

    def execute(self) -> None:
        if self.plan.incremental:
            lock = self.backend.acquire()
            store = self.backend.open(lock)
            self.run.attach(store, lock)
            reconcile(store)
            self.run.feed_opened(self.feed)
        try:
            with self.feed.open("ab", buffering=0) as out:
                self.out = out
                self._crawl()
        except Killed:
            # The process died: nothing more is recorded; its lock goes as the backend's does.
            if self.run.store is not None:
                self.run.store.close()
                self.run.store = None
            if self.run.lock is not None:
                self.backend.died(self.run.lock)
                self.run.lock = None
            raise
        self.run.finish(finished=True)
        self.run.close()

    def _crawl(self) -> None:
        if self.plan.urls:
            for url in self.plan.urls:
                self._article(url)
            return
        retry, _ = self.run.pending(self.plan.sections)
        for column in self.plan.sections:
            self._walk(column)
        for url, _ in retry:
            if url not in self.followed:
                self.followed.add(url)
                self._article(url)

    def _walk(self, column: str) -> None:
        index = 0
        limit = self.plan.max_pages or 2000
        while True:
            self.tick()
            if self.plan.failing_list == (column, index):
                self.run.cut(column, "list_failed")
                return
            rows = self.site.page(column, index)
            if rows is None:
                if index == 0:
                    self.run.cut(column, "list_failed")
                else:
                    self.run.ended(column, "end_404")
                return
            if not rows:
                self.run.ended(column, "empty_page")
                return
            if index == 0 and self.plan.publish_during:
                self.site.publish(column, self.plan.publish_during)
            listed: list[str] = []
            for url in rows:
                row_date = self.site.published[url].isoformat()
                if self.plan.since is not None and row_date < self.plan.since.isoformat():
                    self.run.cut(column, "since")
                    continue
                listed.append(url)
                action, _ = self.run.row(column, url)
                if url in self.followed:
                    continue
                self.followed.add(url)
                if action in ("fetch", "refresh"):
                    self._article(url)
            step = self.run.page_read(
                column,
                page_index=index,
                page_count=self.site.page_count(column),
                limit=limit,
                urls=listed,
                dates=[self.site.published[u].isoformat() for u in rows],
                since=self.plan.since,
            )
            if step.next_index is None:
                return
            index = step.next_index

    def _article(self, url: str) -> None:
        self.tick()
        if url in self.plan.failing_articles or url not in self.site.version:
            return
        text = f"{url} v{self.site.version[url]}"
        digest = hashlib.sha256(text.encode()).hexdigest()
        verdict = self.run.classify(url, digest)
        if verdict.status == "unchanged" or url in self.exported_in_run:
            return
        line = json.dumps({"url": url, "text": text, "content_hash": digest, "revision": verdict.revision}) + "\n"
        data = line.encode()
        if self.plan.kill_at is not None and self.steps + 1 >= self.plan.kill_at and self.plan.cut_line:
            self.out.write(data[: len(data) // 2])
            raise Killed
        self.out.write(data)
        self.exported_in_run.add(url)
        self.run.exported(Record(url, digest, verdict.revision or 1, None))
        if len(self.run.pending_batch) >= self.batch:
            self.run.flush()


def lines_of(path: Path) -> tuple[list[dict[str, object]], bytes]:
    data = path.read_bytes()
    whole, _, tail = data.rpartition(b"\n")
    items = [json.loads(raw) for raw in whole.split(b"\n") if raw] if whole else []
    return items, (tail if whole or tail else b"")


class NoLoss(RuleBasedStateMachine):
    make_backend: ClassVar[Callable[[Path], Backend]] = SqliteBackend

    @initialize(
        counts=st.fixed_dictionaries({c: st.integers(0, 8) for c in COLUMNS}),
        pager_b=st.booleans(),
    )
    def setup(self, counts: dict[str, int], pager_b: bool) -> None:
        base = Path("/dev/shm") if Path("/dev/shm").is_dir() else None
        self.workdir = Path(tempfile.mkdtemp(prefix="govnews-model-", dir=base))
        (self.workdir / "state").mkdir()
        self.backend = type(self).make_backend(self.workdir)
        self.site = Site()
        self.site.pager["/b/"] = pager_b
        for column, k in counts.items():
            self.site.publish(column, k)
        self.runs = 0
        self.killed_feed: Path | None = None
        self.clean_ran = self.clean_refresh = False

    def teardown(self) -> None:
        if hasattr(self, "backend"):
            self.backend.teardown()
        if hasattr(self, "workdir"):
            shutil.rmtree(self.workdir, ignore_errors=True)

    def _run(self, plan: RunPlan) -> None:
        self.runs += 1
        if plan.publish_during:
            self.clean_ran = False
        crawl = Crawl(self.site, self.workdir, plan, self.runs, self.backend)
        try:
            crawl.execute()
        except Killed:
            self.killed_feed = crawl.feed
            return
        if plan.incremental:
            self.killed_feed = None
        if plan.clean:
            self.clean_ran, self.clean_refresh = True, plan.refresh

    @rule(column=st.sampled_from(COLUMNS), k=st.integers(1, 7))
    def publish(self, column: str, k: int) -> None:
        self.site.publish(column, k)
        self.clean_ran = False

    @rule(data=st.data())
    def edit(self, data: st.DataObject) -> None:
        listed = sorted(self.site.listed())
        if listed:
            url = data.draw(st.sampled_from(listed))
            self.site.version[url] += 1
            self.clean_ran = False

    @rule(refresh=st.booleans())
    def normal_run(self, refresh: bool) -> None:
        self._run(RunPlan(refresh=refresh))

    @rule(pages=st.integers(1, 3), publish_during=st.integers(0, 4))
    def capped_run(self, pages: int, publish_during: int) -> None:
        self._run(RunPlan(max_pages=pages, publish_during=publish_during))

    @rule(days_back=st.integers(0, 40))
    def since_run(self, days_back: int) -> None:
        newest = max(self.site.published.values(), default=START)
        self._run(RunPlan(since=newest - timedelta(days=days_back)))

    @rule(sections=st.lists(st.sampled_from(COLUMNS), min_size=1, max_size=2, unique=True))
    def sections_run(self, sections: list[str]) -> None:
        self._run(RunPlan(sections=tuple(sections)))

    @rule(data=st.data())
    def urls_run(self, data: st.DataObject) -> None:
        listed = sorted(self.site.listed())
        if listed:
            urls = data.draw(st.lists(st.sampled_from(listed), min_size=1, max_size=3, unique=True))
            self._run(RunPlan(urls=tuple(urls)))

    @rule()
    def non_incremental_run(self) -> None:
        self._run(RunPlan(incremental=False))

    @rule(at=st.integers(1, 30), cut_line=st.booleans(), refresh=st.booleans())
    def killed_run(self, at: int, cut_line: bool, refresh: bool) -> None:
        self._run(RunPlan(kill_at=at, cut_line=cut_line, refresh=refresh))

    @rule(column=st.sampled_from(COLUMNS), page=st.integers(0, 3))
    def run_with_a_failing_list_page(self, column: str, page: int) -> None:
        self._run(RunPlan(failing_list=(column, page)))

    @rule(data=st.data())
    def run_with_failing_articles(self, data: st.DataObject) -> None:
        listed = sorted(self.site.listed())
        if listed:
            failing = data.draw(st.lists(st.sampled_from(listed), min_size=1, max_size=4, unique=True))
            self._run(RunPlan(failing_articles=frozenset(failing)))

    @rule()
    def overlapping_run(self) -> None:
        """A second process asks for the store while a run holds it: refused at once."""
        lock = self.backend.acquire()
        try:
            assert self.backend.refused_elsewhere()
        finally:
            lock.release()
        try:
            self.backend.acquire().release()
        except StoreLocked:  # pragma: no cover - would mean the lock outlived its holder
            raise AssertionError("the lock outlived its holder") from None

    # -- the invariant ---------------------------------------------------------------

    def _incremental_lines(self) -> list[dict[str, object]]:
        found: list[dict[str, object]] = []
        for feed in sorted((self.workdir / "feeds").glob("*.jsonl")) if (self.workdir / "feeds").is_dir() else []:
            items, tail = lines_of(feed)
            assert not tail or feed == self.killed_feed, f"a cut line in {feed.name}, whose run was not killed"
            found += items
        for feed in sorted((self.workdir / "feeds-nonincremental").glob("*.jsonl")):
            lines_of(feed)  # every line parses
        return found

    @invariant()
    def nothing_twice_within_a_revision(self) -> None:
        if not hasattr(self, "site"):
            return
        seen: set[tuple[object, object]] = set()
        for item in self._incremental_lines():
            key = (item["url"], item["revision"])
            assert key not in seen, f"{key} exported twice"
            seen.add(key)

    @invariant()
    def nothing_listed_is_missing_after_a_clean_run(self) -> None:
        if not getattr(self, "clean_ran", False):
            return
        latest: dict[object, dict[str, object]] = {}
        for item in self._incremental_lines():
            url = item["url"]
            if url not in latest or int(str(latest[url]["revision"])) < int(str(item["revision"])):
                latest[url] = item
        for url, version in self.site.listed().items():
            assert url in latest, f"{url} is listed but was never exported"
            exported_version = int(str(latest[url]["text"]).rsplit(" v", 1)[1])
            if self.clean_refresh:
                assert exported_version == version, f"{url} is exported at v{exported_version}, not v{version}"
            else:
                assert exported_version <= version


def test_repair_of_the_model_feeds_keeps_whole_lines(tmp_path: Path) -> None:
    """The model's cut lines are those a kill leaves; the store's repair mends them."""
    feed = tmp_path / "f.jsonl"
    feed.write_bytes(b'{"url": "a"}\n{"url": "b", "te')
    assert repair_feed(feed)
    assert lines_of(feed) == ([{"url": "a"}], b"")


def model_settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        stateful_step_count=12,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )


def machine(make_backend: Callable[[Path], Backend]) -> type[NoLoss]:
    return type(f"NoLoss{make_backend.__name__}", (NoLoss,), {"make_backend": make_backend})


def test_no_loss_with_the_sqlite_store() -> None:
    run_state_machine_as_test(machine(SqliteBackend), settings=model_settings(EXAMPLES))


def test_no_loss_with_the_redis_store(redis_server: RedisServer) -> None:
    def redis_backend(workdir: Path) -> Backend:
        return RedisBackend(redis_server.url)

    run_state_machine_as_test(machine(redis_backend), settings=model_settings(EXAMPLES_REDIS))


@pytest.mark.parametrize("make_backend", [SqliteBackend, None], ids=["sqlite", "redis"])
def test_the_model_fails_when_the_store_forgets(
    make_backend: Callable[[Path], Backend] | None, request: pytest.FixtureRequest
) -> None:
    """The model can fail: a store that forgets every complete walk loses articles."""
    if make_backend is None:
        url = request.getfixturevalue("redis_server").url

        def redis_backend(workdir: Path) -> Backend:
            return RedisBackend(url)

        make_backend = redis_backend

    class Forgetful(Backend):
        def __init__(self, workdir: Path) -> None:
            assert make_backend is not None
            self.inner = make_backend(workdir)

        def acquire(self) -> Lock:
            return self.inner.acquire()

        def open(self, lock: Lock) -> Store:
            store = self.inner.open(lock)
            store.record = lambda records: None  # type: ignore[method-assign]
            return store

        def died(self, lock: Lock) -> None:
            self.inner.died(lock)

        def refused_elsewhere(self) -> bool:
            return self.inner.refused_elsewhere()

        def teardown(self) -> None:
            self.inner.teardown()

    quick = settings(model_settings(50), phases=[Phase.generate])  # no shrinking: failing is the point
    with pytest.raises(AssertionError, match="exported twice"):
        run_state_machine_as_test(machine(Forgetful), settings=quick)
