"""``scrapy crawl`` with ``REDIS_URL`` set keeps its incremental state in Redis: a real
redis-server, real crawl subprocesses on the mirror."""

from __future__ import annotations

import subprocess
from collections import Counter
from pathlib import Path

import redis

from govnews.sites.family import site_key
from govnews.store.keys import site_prefix
from govnews.store.lease import acquire_redis_lock
from govnews.store.redis import RedisStateStore
from tests.conftest import ROOT, init_redis_stores, run_command
from tests.mirror.server import MirrorServer
from tests.mirror.site import MirrorSite
from tests.test_incremental import crawl_cmd, expected_urls, feed_files, items_of, wait_for_lines


def test_a_crawl_with_redis_url_keeps_its_state_in_redis(redis_url: str, tmp_path: Path) -> None:
    site = MirrorSite(n_articles=40, per_page=5, seed=31)
    with MirrorServer(site) as server:
        init_redis_stores(redis_url, [server.base_url])
        cmd = crawl_cmd(server.base_url, tmp_path, settings={"REDIS_URL": redis_url})
        first = run_command(cmd)
        assert first.returncode == 0, first.stderr[-3000:]
        assert {i["url"] for i in items_of(feed_files(tmp_path)[0])} == expected_urls(site, server.base_url)
        assert not (tmp_path / "state").exists(), "no SQLite store: the state is in Redis"
        store = RedisStateStore.connect(redis_url, site_key(server.base_url), lock=None)
        try:
            assert len(store) == len(expected_urls(site, server.base_url))
            assert {w.column for w in store.walks()} == {"/sy/whyw/", "/sy/kwh/", "/zwgk/tzgg/", "/zwgk/xxgk/zcjd/"}
        finally:
            store.close()
        # Nothing new: nothing exported, one list page a column.
        server.clear_requests()
        again = run_command(cmd)
        assert again.returncode == 0, again.stderr[-3000:]
        assert len(feed_files(tmp_path)) == 1
        assert sorted(p for p in server.requests if p != "/robots.txt") == sorted(
            f"{c}index.shtml" for c in ("/sy/whyw/", "/sy/kwh/", "/zwgk/tzgg/", "/zwgk/xxgk/zcjd/")
        )
        # A live lease on the site refuses the run at once, before any request.
        lease = acquire_redis_lock(redis_url, site_key(server.base_url), ttl=30, host="other-node")
        try:
            server.clear_requests()
            refused = run_command(cmd)
        finally:
            lease.release()
        assert refused.returncode == 3
        assert len(refused.stderr.strip().splitlines()) == 1 and "other-node" in refused.stderr
        assert server.requests == []


def test_a_run_whose_lease_is_taken_stops_and_the_next_run_loses_nothing(redis_url: str, tmp_path: Path) -> None:
    """The lease lapsed (a stalled node) and another run took the site: this run stops
    (finish reason store_lease_lost) and records nothing more; its feed keeps what it
    exported, and the next run on this host reads it back, so nothing is lost or doubled."""
    site = MirrorSite(n_articles=200, per_page=10, seed=32)
    with MirrorServer(site) as server:
        init_redis_stores(redis_url, [server.base_url])
        settings = {
            "REDIS_URL": redis_url,
            "GOVNEWS_REDIS_LOCK_TTL": "2",
            "GOVNEWS_STATE_BATCH": "1",
            "DOWNLOAD_DELAY": "0.05",
            "CONCURRENT_REQUESTS_PER_DOMAIN": "1",
        }
        proc = subprocess.Popen(
            crawl_cmd(server.base_url, tmp_path, settings=settings),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        wait_for_lines(tmp_path, 5, proc)
        client = redis.Redis.from_url(redis_url)
        try:
            # What a lapsed lease taken over by another node looks like to this run.
            client.set(site_prefix(site_key(server.base_url)) + "lock", '{"pid": 1, "host": "other-node"}', px=60_000)
            _, stderr = proc.communicate(timeout=120)
            assert "'finish_reason': 'store_lease_lost'" in stderr, stderr[-3000:]
            assert "'govnews/state/lease_lost': 1" in stderr
            stopped_with = len(items_of(feed_files(tmp_path)[0]))
            # The store is the commit point: a line written but not committed when the lease was
            # lost (one at most, with GOVNEWS_STATE_BATCH=1) is cut from the feed.
            assert 4 <= stopped_with < len(expected_urls(site, server.base_url))
        finally:
            client.delete(site_prefix(site_key(server.base_url)) + "lock")
            client.close()
        again = run_command(crawl_cmd(server.base_url, tmp_path, settings={"REDIS_URL": redis_url}))
        assert again.returncode == 0, again.stderr[-3000:]
        urls = Counter(i["url"] for f in feed_files(tmp_path) for i in items_of(f))
        assert [u for u, n in urls.items() if n > 1] == []
        assert set(urls) == expected_urls(site, server.base_url)
