"""``scrapy crawl`` with ``REDIS_URL`` set keeps its incremental state in Redis: a real
redis-server, real crawl subprocesses on the mirror."""

from __future__ import annotations

from pathlib import Path

from govnews.pipelines.incremental_state import site_key
from govnews.state_redis import RedisStateStore, acquire_redis_lock
from tests.conftest import run_command
from tests.mirror.server import MirrorServer
from tests.mirror.site import MirrorSite
from tests.test_incremental import crawl_cmd, expected_urls, feed_files, items_of


def test_a_crawl_with_redis_url_keeps_its_state_in_redis(redis_url: str, tmp_path: Path) -> None:
    site = MirrorSite(n_articles=40, per_page=5, seed=31)
    with MirrorServer(site) as server:
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
