"""A Redis that refuses says what is wrong: real ``scrapy crawl`` subprocesses against real
redis-servers that are down, that ask for another password, or that are killed mid-run and
restarted with their data.

Each ends with one line naming the URL (never its password) and the reason, exit code 7 (the
state store unavailable; 2 and 3 are a bad argument and a locked store, 4-6 the scheduler's),
no traceback; and nothing is lost: the next run exports every article exactly once.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from govnews.sites.wuhan import DEFAULT_SECTIONS
from tests.conftest import ROOT, init_redis_stores, run_command
from tests.mirror.server import MirrorServer
from tests.mirror.site import MirrorSite
from tests.redis_server import RedisServer, free_port, redis_required, redis_server_binary
from tests.test_incremental import crawl_cmd, feed_files, wait_for_lines

EXIT_STORE_UNAVAILABLE = 7

pytestmark = pytest.mark.skipif(
    redis_server_binary() is None and not redis_required(), reason="redis-server is not installed"
)


def crashes(log: str) -> list[str]:
    """The first frame of every traceback that is not a health check reporting its failure."""
    lines = log.splitlines()
    frames = [after for line, after in itertools.pairwise(lines) if "Traceback" in line]
    return [f for f in frames if "govnews/ops/health/monitors.py" not in f and "spidermon/" not in f]


def one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1, stderr[-3000:]
    assert "Traceback" not in stderr
    return lines[0]


def test_a_redis_that_is_down_stops_the_command_before_any_request(tmp_path: Path) -> None:
    site = MirrorSite(n_articles=20, per_page=5, seed=31)
    with MirrorServer(site) as server:
        url = f"redis://127.0.0.1:{free_port()}/0"
        proc = run_command(crawl_cmd(server.base_url, tmp_path, settings={"REDIS_URL": url}), timeout=60)
        assert proc.returncode == EXIT_STORE_UNAVAILABLE
        line = one_error_line(proc.stderr)
        assert line.startswith(f"error: the state store's Redis at {url} is unavailable: it cannot be reached")
        assert server.requests == [], "no request made"


def test_a_wrong_password_is_one_line_that_never_prints_the_password(tmp_path: Path) -> None:
    site = MirrorSite(n_articles=20, per_page=5, seed=32)
    with RedisServer(password="the-right-one") as redis_server, MirrorServer(site) as server:
        url = f"redis://:not-the-password@127.0.0.1:{redis_server.port}/0"
        proc = run_command(crawl_cmd(server.base_url, tmp_path, settings={"REDIS_URL": url}), timeout=60)
        assert proc.returncode == EXIT_STORE_UNAVAILABLE
        line = one_error_line(proc.stderr)
        assert "refused the credentials" in line and f"redis://127.0.0.1:{redis_server.port}/0" in line
        assert "not-the-password" not in proc.stderr and "the-right-one" not in proc.stderr
        assert server.requests == []


def test_the_family_stops_before_any_site_when_redis_is_down(tmp_path: Path) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"
    cmd = [sys.executable, "-m", "scrapy", "crawl", "family", "-s", f"REDIS_URL={url}"]
    cmd += ["-s", f"GOVNEWS_OUTPUT_DIR={tmp_path}", "-s", f"GOVNEWS_STATE_DIR={tmp_path / 'state'}"]
    proc = run_command(cmd, timeout=60)
    assert proc.returncode == EXIT_STORE_UNAVAILABLE
    assert "is unavailable: it cannot be reached" in one_error_line(proc.stderr)


def test_redis_killed_mid_run_stops_it_cleanly_and_the_next_run_loses_nothing(tmp_path: Path) -> None:
    site = MirrorSite(n_articles=160, per_page=10, seed=33)
    with RedisServer(persist=True) as redis_server, MirrorServer(site) as server:
        init_redis_stores(redis_server.url, [server.base_url])
        settings = {
            "REDIS_URL": redis_server.url,
            "GOVNEWS_REDIS_LOCK_TTL": "2",
            "GOVNEWS_STATE_BATCH": "1",
            "DOWNLOAD_DELAY": "0.02",
            "CONCURRENT_REQUESTS_PER_DOMAIN": "1",
        }
        proc = subprocess.Popen(
            crawl_cmd(server.base_url, tmp_path, settings=settings),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        wait_for_lines(tmp_path, 10, proc)
        redis_server.kill()
        _, stderr = proc.communicate(timeout=120)
        assert proc.returncode == EXIT_STORE_UNAVAILABLE, stderr[-3000:]
        redis_lines = [line for line in stderr.splitlines() if "Redis at" in line and "ERROR" in line]
        assert len(redis_lines) == 1, stderr[-3000:]
        assert "(store_unavailable)" in redis_lines[0]
        assert crashes(stderr) == [], "no traceback but the health checks' own reports"
        assert "'finish_reason': 'store_unavailable'" in stderr
        assert "'govnews/health/verdict': 'failed'" in stderr

        redis_server.restart()
        time.sleep(2.5)  # the dead run's lease lapses (GOVNEWS_REDIS_LOCK_TTL)
        again = run_command(crawl_cmd(server.base_url, tmp_path, settings=settings), timeout=300)
        assert again.returncode == 0, again.stderr[-3000:]
        items = [json.loads(line) for f in feed_files(tmp_path) for line in f.read_text("utf-8").splitlines()]
        assert [key for key, n in Counter((i["url"], i["revision"]) for i in items).items() if n > 1] == []
        expected = {server.url(p) for p, t in site.expected_articles().items() if t["section_path"] in DEFAULT_SECTIONS}
        assert expected == {i["url"] for i in items}
