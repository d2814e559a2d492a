"""A stale worker does nothing: real worker processes on one real redis-server, real HTTP
servers per host recording which worker asked (a test header, ``X-Test-Client``).

A worker is SIGSTOPped mid-site for longer than its lease; another worker takes its sites
over; the first is SIGCONTed while the second crawls them. The first makes no request after
that and writes no line (fencing by deadline: ``govnews.store.redis.RedisLock.valid``), and
every article is exported exactly once across both workers' feeds.

And a store that vanished is noticed: a Redis wiped between two runs (FLUSHALL), or a SQLite
store deleted, makes the next run refuse with exit code 8, unless ``-a new_store=1``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import redis

from tests.conftest import ROOT, family_crawl_command, run_command
from tests.mirror.family import CLIENT_HEADER, FamilyMirror
from tests.mirror.server import MirrorServer
from tests.mirror.site import MirrorSite
from tests.test_family import assert_every_article_once, whole_lines
from tests.test_incremental import crawl_cmd, feed_files

TTL = 2.0
EXIT_STORE_REPLACED = 8


def worker(mirror: FamilyMirror, output: Path, redis_url: str, name: str) -> subprocess.Popen[str]:
    output.mkdir(parents=True, exist_ok=True)
    cmd = family_crawl_command(
        mirror,
        output,
        delay=0.05,
        GOVNEWS_REDIS_LOCK_TTL=TTL,
        GOVNEWS_STATE_BATCH=1,
        GOVNEWS_FAMILY_WAIT_FOR_LEASES=0,
        DEFAULT_REQUEST_HEADERS=json.dumps({CLIENT_HEADER: name}),
    )
    env = {**os.environ, "REDIS_URL": redis_url}
    with (output / "crawl.log").open("w") as log:  # the child keeps its own descriptor
        return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)


def lines_in(directory: Path) -> int:
    return len(whole_lines(directory))


def wait_until(condition: object, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting")


def test_a_stale_worker_makes_no_request_and_writes_no_line(redis_url: str, tmp_path: Path) -> None:
    with FamilyMirror(seed=41) as mirror:
        stale = worker(mirror, tmp_path / "a", redis_url, "a")
        wait_until(lambda: lines_in(tmp_path / "a") >= 5)
        stale.send_signal(signal.SIGSTOP)
        paused_at = time.monotonic()
        lines_at_pause = lines_in(tmp_path / "a")
        time.sleep(TTL * 1.5)  # longer than its lease: the sites are free again
        successor = worker(mirror, tmp_path / "b", redis_url, "b")
        wait_until(lambda: lines_in(tmp_path / "b") >= 3)
        resumed_at = time.monotonic()
        stale.send_signal(signal.SIGCONT)
        assert successor.wait(timeout=300) == 0, (tmp_path / "b" / "crawl.log").read_text()[-3000:]
        stale.wait(timeout=120)
        stale_log = (tmp_path / "a" / "crawl.log").read_text()
        # No request of the stale worker reached any host after it was paused.
        late = [
            (server.key, path, f"{moment - resumed_at:+.3f} s after the resume")
            for server in mirror.servers.values()
            for moment, path, client in server.client_log
            if client == "a" and moment > paused_at
        ]
        assert late == [], late[:5]
        assert any(client == "b" for s in mirror.servers.values() for _, _, client in s.client_log)
        # No line written after it resumed, and it stopped on its lost lease.
        assert lines_in(tmp_path / "a") == lines_at_pause
        assert "store_lease_lost" in stale_log
        assert resumed_at > paused_at
        # Every article exactly once over both workers' feeds.
        assert_every_article_once(mirror, whole_lines(tmp_path))


def test_a_wiped_redis_is_refused_with_its_exit_code(redis_url: str, tmp_path: Path) -> None:
    site = MirrorSite(n_articles=20, per_page=5, seed=42)
    settings = {"REDIS_URL": redis_url}
    with MirrorServer(site) as server:
        first = run_command(crawl_cmd(server.base_url, tmp_path, settings=settings))
        assert first.returncode == 0, first.stderr[-3000:]
        client = redis.Redis.from_url(redis_url)
        client.flushall()
        client.close()
        server.clear_requests()
        refused = run_command(crawl_cmd(server.base_url, tmp_path, settings=settings))
        assert refused.returncode == EXIT_STORE_REPLACED, refused.stderr[-3000:]
        errors = [line for line in refused.stderr.splitlines() if " ERROR: " in line and "state store" in line]
        assert len(errors) == 1 and "-a new_store=1" in errors[0], refused.stderr[-3000:]
        assert [p for p in server.requests if p != "/robots.txt"] == [], "no request made"
        feeds = feed_files(tmp_path)
        accepted = run_command(crawl_cmd(server.base_url, tmp_path, "new_store=1", settings=settings))
        assert accepted.returncode == 0, accepted.stderr[-3000:]
        assert len(feed_files(tmp_path)) == len(feeds) + 1, "starting over exports everything again"
        again = run_command(crawl_cmd(server.base_url, tmp_path, settings=settings))
        assert again.returncode == 0, "the history now remembers the new store"


def test_a_deleted_sqlite_store_is_refused_and_a_reset_one_is_not(tmp_path: Path) -> None:
    site = MirrorSite(n_articles=20, per_page=5, seed=43)
    with MirrorServer(site) as server:
        assert run_command(crawl_cmd(server.base_url, tmp_path)).returncode == 0
        shutil.rmtree(tmp_path / "state")
        refused = run_command(crawl_cmd(server.base_url, tmp_path))
        assert refused.returncode == EXIT_STORE_REPLACED, refused.stderr[-3000:]
        assert "it was deleted, wiped or replaced" in refused.stderr
        # An operator's reset is a start-over on purpose: the history learns it.
        state = ["-s", f"GOVNEWS_STATE_DIR={tmp_path / 'state'}", "-s", f"GOVNEWS_OUTPUT_DIR={tmp_path / 'output'}"]
        reset = run_command(
            [sys.executable, "-m", "scrapy", "govnews-state", *state, "--site", server.base_url, "--reset-store"]
        )
        assert reset.returncode == 0, reset.stderr
        assert run_command(crawl_cmd(server.base_url, tmp_path)).returncode == 0
        # Deleting the whole output directory (state and history) starts over too.
        shutil.rmtree(tmp_path / "state")
        shutil.rmtree(tmp_path / "output")
        assert run_command(crawl_cmd(server.base_url, tmp_path)).returncode == 0
